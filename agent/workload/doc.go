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

// Package workload builds the Kubernetes objects that run one DynamoComponentDeployment (DCD) on a
// member cluster, the way Dynamo's single-cluster DCD controller builds them: a Deployment (or, for
// a multinode component, one StatefulSet and one headless Service per replica), a Service for
// frontends and an Ingress when the component asks for one.
//
// Everything here is a pure function of the DCD and a small Options value: no client, no clock, no
// randomness, and no map iteration order leaks into the output, so building the same DCD twice
// gives deep-equal objects. Objects are returned fully specified for server-side apply (TypeMeta
// set, only the fields the agent owns) and without owner references, which the controller sets.
// Every object carries the label nvidia.com/selector=<dcd name>, so the controller can list what a
// DCD may own with one selector and delete what Result no longer names.
//
// # One shape: v1beta1
//
// Build takes a nvidia.com/v1beta1 DCD, the conversion hub. A DCD written in v1alpha1 is converted
// first (ConvertTo, as the agent's controller does in memory), so every feature works alike for
// DCDs written in either version. The pod is built the way Dynamo's v1beta1 operator builds it:
//
//   - spec.podTemplate is the base. Dynamo's pod defaults (grace period, restart policy, service
//     account) fill only the pod fields it leaves unset.
//   - Dynamo's defaults for the component type are merged into the container named main, by
//     name: base ports, environment and probes (the user's win, env and ports by name), the
//     command defaults of frontends, the compilation cache mount (spec.compilationCache), the
//     /dev/shm volume (spec.sharedMemorySize: unset 8Gi, "0" none), and a persistent volume
//     claim for every volume main mounts that the template does not define.
//   - Other containers are the user's sidecars, kept as written, except the one
//     spec.frontendSidecar names, into which a frontend's defaults are merged.
//
// The v1alpha1 fields v1beta1 has no place for and that the builder honours (ingress,
// dynamoNamespace, the component's labels and annotations, the deprecated pvc and autoscaling,
// a subComponentType, compilation caches after the first, resource quantities that do not parse
// and that the conversion therefore left out) are read from the payload the conversion keeps in
// the nvidia.com/dcd-spec annotation (nvidiav1alpha1.PreservedDCDSpec). A disaggregated worker
// converted from v1alpha1 keeps its v1alpha1 labels (component type worker, sub-component type
// prefill or decode), as upstream keeps them for converted DCDs; one written in v1beta1 is
// labelled with its type.
// Errors name the v1beta1 field (FieldError.Field) and, for a DCD converted from v1alpha1, the
// v1alpha1 field(s) it came from (FieldError.V1alpha1Field).
//
// # Multinode components
//
// Dynamo runs a multinode component (multinode.nodeCount >= 2) as one LeaderWorkerSet per replica,
// gang-scheduled by Volcano, or as a Grove PodCliqueSet. The agent instead builds, per replica i, a
// StatefulSet <dcd>-<i> of nodeCount pods and a headless Service <dcd>-<i>:
//
//   - LeaderWorkerSet and Grove are CRDs that a plain member cluster does not have, while
//     StatefulSets are built in; Volcano (or any gang scheduler) is not assumed either.
//   - The pod with ordinal 0 is the leader. Pods of one StatefulSet share a template, so a
//     per-pod role label cannot be set; the leader is instead the pod labelled
//     apps.kubernetes.io/pod-index=0, which the StatefulSet controller sets on every pod.
//   - Every pod gets LEADER_HOST (the leader's stable DNS name through the headless Service,
//     which publishes not-ready addresses so the name resolves before the leader is ready),
//     NODE_COUNT, and NODE_RANK read from its own pod-index label through the downward API.
//   - podManagementPolicy is Parallel, so all nodes of a replica start together, and a required
//     pod anti-affinity on kubernetes.io/hostname among the pods of one replica puts each on its
//     own node.
//   - Default probes are not set, since Dynamo removes them from non-leader pods and here all
//     pods share one template; probes the DCD gives are kept.
//   - For sglang, the launch flags Dynamo injects (--dist-init-addr, --nnodes, --node-rank) are
//     appended using Kubernetes' $(VAR) expansion; other backends only get the environment.
//
// Without gang scheduling, a replica whose nodes cannot all be placed keeps its placed pods
// pending the others; the hub only places a component on a member with nodeCount fitting nodes.
package workload
