/*
Copyright 2026 The Flotilla Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package component is the agent's DynamoComponentDeployment (DCD) controller: it turns each DCD
// of its member cluster into the objects agent/workload builds for it (a Deployment, or one
// StatefulSet and headless Service per multinode replica, a frontend Service, an Ingress) and
// reports their state in the DCD's status the way Dynamo's own DCD controller does.
//
// # Reconcile
//
// Each reconcile reads the DCD in nvidia.com/v1beta1, the version the apiserver stores and
// agent/workload builds from (the v1alpha1-only fields of a DCD written in v1alpha1 are read from
// its nvidia.com/dcd-spec annotation), builds the desired objects from it alone, server-side
// applies each of them with the field manager FieldOwner and the DCD, in v1beta1, as controller
// owner, deletes the objects the DCD controls that are no longer desired, and patches the status
// when, and only when, it changed. Applying the same content again changes nothing on the
// apiserver, so a reconcile with nothing to do performs no write, and a restarted agent causes no
// rollout (workloads an older agent made owned by the DCD in v1alpha1 get their owner reference
// updated once, which changes no pod). Events CreatedKind, UpdatedKind and DeletedKind (Kind
// being Deployment, StatefulSet, Service or Ingress) are recorded only when an object actually
// changed.
//
// # Status
//
// The DCD gets Dynamo's conditions Available and DynamoComponentReady (same status and reason):
//
//   - DeploymentReady / DeploymentNotReady for a single-node component, AllStatefulSetsReady /
//     SomeStatefulSetsNotReady for a multinode one (see workload.DeploymentAvailable and
//     workload.StatefulSetsAvailable for the rules);
//   - InvalidSpec, False, when the DCD cannot be built (the message names the field: its v1beta1
//     path, followed by the v1alpha1 field it was converted from, if any). Nothing is applied or
//     deleted, existing workloads keep running, and the DCD is not requeued: only a new spec can
//     fix it;
//   - ApplyFailed, False, when the apiserver rejects an object (for example an extraPodSpec that
//     is invalid for a Deployment); the message is the apiserver's and the reconcile is retried
//     with the controller's rate-limited backoff.
//
// status.component (replica counts of the Deployment, or per multinode replica of its
// StatefulSets) and status.observedGeneration complete it. v1beta1 has no status.podSelector,
// which the agent wrote in v1alpha1: the pods of a component are those labelled
// nvidia.com/selector=<DCD name>.
//
// # Hub records
//
// A DCD labelled flotilla.dev/hub-record is a placement record on a hub (design decision 8) and
// never becomes a workload: the controller neither watches nor reconciles it, nor writes its
// status, even when the hub and the member are one cluster.
package component
