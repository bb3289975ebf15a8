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

// Package members keeps the hub's member clusters: it is the multicluster-runtime Provider of
// the hub's manager (DESIGN decision 5).
//
// Sources describe members: a kubeconfig Secret labelled
// sigs.k8s.io/multicluster-runtime-kubeconfig=true (SecretSource), or a Cluster API Cluster with
// its <name>-kubeconfig Secret (ClusterAPISource). Each turns what it watches into a
// Registration and hands it to the Provider, which builds one controller-runtime Cluster per
// member, with a cache scoped to what the member's flotilla-hub identity may read (the agent's
// GPUInventory and Lease in the agent's namespace; the hub's DynamoComponentDeployments, in the
// restricted namespace only for a namespace-restricted member), and engages it with the
// manager. A member whose kubeconfig or namespaces change is disengaged and engaged again with
// the new ones; a removed source disengages it.
//
// Members are engaged independently of one another. The engagements of one member are
// serialised, so that the manager is engaged with one cluster of the member at a time and in
// order, and a registration that replaces or removes the member ends its engagement under way;
// but a member whose API server is slow or never answers holds up only its own engagements, and
// one of its source's workers (each source reconciles several objects at once).
//
// Sources also keep the member's MemberCluster object: they create it with the source's labels
// (server-side applied, so labels an administrator adds stay) and delete it when the member
// leaves. Its status belongs to the membercluster controller. Both sources follow one
// registration flow (registrar): Register first, which gives the member's name to one source at
// a time, then the MemberCluster, written only by the source holding the name; a source refused
// because the name's holder is leaving tries again shortly.
//
// Flotilla writes its own provider instead of combining multicluster-runtime's kubeconfig
// provider with the multi provider: that provider gives every member the same cluster options
// (so no per-member cache scope), and it engages members with their bare names while the multi
// provider resolves names prefixed with the provider's, so the two cannot be combined in
// v0.24.1. Running each cluster (start, cache sync, indexers) is multicluster-runtime's
// clusters.Clusters, under a one-time key per engagement; the provider keeps the member name →
// engagement map itself, because clusters.Clusters removes a stopped cluster by name, which
// would remove a member's new cluster when its replaced one finished stopping.
package members
