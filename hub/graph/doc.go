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

// Package graph is the hub's graph controller. For every DynamoGraphDeployment on the hub it
//
//  1. reads the graph in the storage version, nvidia.com/v1beta1, from which validation, demand
//     and records are derived, so that nothing goes through the conversion webhook, and checks
//     what admission cannot (internal/validation);
//  2. reads where its copies run from its hub records (falling back to its status), so that a
//     hub restart changes no placement;
//  3. asks pkg/placement, through the Scheduler (the MemberClusters' snapshot and the reservations
//     shared by every graph), where the copies go;
//  4. writes one hub record per service of each placed copy (a DynamoComponentDeployment named
//     <graph>-<service>-<copy>-<member>, labelled with graph, copy and member, controlled by the
//     graph, never a workload: DESIGN decision 8), built in v1beta1 by internal/dynamo and
//     written as built, with the component's v1alpha1-only fields in its nvidia.com/dcd-spec
//     payload, and deletes the records of copies that moved or went;
//  5. aggregates the records' status, which the sync controller (hub/recordsync) mirrors from
//     the members, into the graph's status: state and Ready in Dynamo's semantics, Scheduled and
//     Synced, per-copy placement and components summed over copies.
//
// Deleting a graph deletes its records; the sync controller removes each copy from its member
// before letting its record go. The graph's finalizer waits for that, or for DeletionTimeout.
package graph
