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

// Package placement decides which member clusters run the copies of a Dynamo graph. It is pure
// Go: no Kubernetes client, no goroutines, no global state; the same inputs give the same
// Decision, and inputs are never modified.
//
// # Model
//
// A graph copy is the placement unit: every service of one copy runs on the same member. Its
// Demand (DemandFromGraph) is, per service, the replicas, the pods per replica (multinode
// nodeCount), the GPUs per pod, the GPU resource name and the accepted GPU products. The fleet
// is a Snapshot (NewSnapshot) of Members: labels, taints, state and GPU inventory, the latter
// as node histograms per pool (resource name and product): how many nodes have 0, 1, 2, ...
// free GPUs. The Policy (PolicyFromSpec) says how many copies, on which members (cluster
// selector, tolerations) and spread over which label.
//
// A copy fits a member if every pod of every service fits its node histograms at once: one
// pod's GPUs on one node, a multinode replica on nodeCount distinct nodes of one pool, a pod
// only on a pool of its resource name and an accepted product. Packing is best-fit
// decreasing: services largest pod first, each pod on the node with the fewest free GPUs that
// still holds it. Bin packing is NP-hard and best fit can miss a packing that exists (a
// service accepting two products takes the one a sibling needs; a multinode replica takes the
// nodes another service needed), so a member it does not fit is looked at again, cheaply
// first: a service that does not fit the member even on its own (counted exactly), or
// services that cannot share its nodes by a count of pods per size, refuse it outright;
// otherwise best fit runs once more with the most constrained services first (multinode, then
// fewest accepted products, then largest), then an exhaustive search with a bounded number of
// steps, per member and per Place call. On members of a few nodes the packing is therefore
// exact (unless other members spent the call's search steps first); on large ones the search
// may give up. Packing never over-commits a node, as every pod is taken from a histogram bar
// that holds it. Nodes with the same free GPUs are interchangeable, so the histogram loses
// nothing that placement needs; a copy's node-level takes (Reservation.Takes) replay exactly
// on it.
//
// # Placing
//
// A Placer runs a Framework, Karmada-style: FilterPlugins (package plugins holds the in-tree
// ones and their Registry) reject members with a Result carrying a Reason; members left are
// packed, scored by the ScorePlugin (by default the tightest fit: fewest GPUs left free on the
// nodes a copy uses, see Fit.LeftoverOnUsedNodes) and chosen best first, ties by name, one copy
// per member and, with spreadBy, one per label value.
//
// # Placement stability
//
// A copy already placed stays while its member is in the snapshot and no filter evicts it
// (in-tree: the member is not joined, or carries an untolerated NoExecute taint), even if it
// would not fit again (its own pods use the inventory), the member is cordoned or its agent
// slow, or the clusterSelector changed. It also moves when it breaks the one-copy-per-member or
// spreadBy rule against a lower-numbered copy that stays. Decision.Moves lists the copies that
// move and why; Request.Replace and Request.Exclude move copies on the caller's demand.
//
// Every member without a copy gets a Reason ("needs room for 2 pods of 8
// NVIDIA-H100-80GB-HBM3 for VllmWorker, has room for 1", "excluded by clusterSelector", ...),
// and Decision.Summary sums them up for a condition: "0/3 clusters fit: 2 lack GPUs (...), 1
// excluded by clusterSelector". A GPU shortfall counts pods for a single-node service (a node
// may hold several), nodes of one pool for a multinode service of one replica, and replicas
// for one of several; it ends "left by the other services" when each service fits the member
// on its own, but not all of them together. Every copy without a member has a reason too
// (Decision.CopyReason, CopyMessage): it fits no member, the members it fits took copies
// placed before it or hold their spreadBy values, or every member holds a copy.
//
// # How the hub uses it
//
// The hub builds a Snapshot when member inventories change (MemberFromCluster per
// MemberCluster) and reuses it for every placement until the next change, with one Placer per
// worker. For each graph it builds a Request (RequestFromGraph, with Current from its own
// record of where copies run) and passes the Reservations it accumulates: each Decision's
// Reservations are added, so that a burst of placements never books a node twice, and released
// once the member's inventory shows them (ReleaseCopy once the copy's pods run on the member
// and a newer inventory has arrived, or when the copy moves; Release when the graph is
// deleted); after building a new Snapshot it calls Rebase. On member loss it marks the member
// not joined (once its grace period is over) or drops it from the snapshot, and places again
// the graphs with copies there (Evictions or CopiesOn find them): those copies move, with
// Decision.Moves saying why, and every other copy stays.
package placement
