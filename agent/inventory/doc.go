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

// Package inventory computes the GPU inventory of the member cluster an agent runs in and
// publishes it as the status of the GPUInventory named "inventory" in the agent's namespace,
// which the hub reads to place graph copies (design decisions 3, 4 and 6).
//
// # Model
//
// A pool is one GPU resource name (nvidia.com/gpu by default) and one GPU product (the node
// label nvidia.com/gpu.product, empty when absent). For each pool the inventory holds the
// allocatable and free GPUs of its schedulable nodes and a histogram: how many schedulable nodes
// have each number of free GPUs, nodes with none free included. A node's free GPUs are its
// allocatable minus the requests of the non-terminated pods bound to it, clamped at 0. A node
// is schedulable when it is not cordoned, its Ready condition is True and it carries no
// NoSchedule or NoExecute taint (except taints whose key Options.IgnoredTaintKeys lists);
// unschedulable nodes are counted apart, in the pool's unschedulableNodes.
//
// # Parts
//
//   - Tracker is the pure, incremental bookkeeping: nodes and GPU-requesting pods go in one
//     at a time, pools come out (Snapshot). No client, no goroutine; safe for concurrent use.
//   - NodeSource feeds a Tracker from Node and Pod informers of a cache of its own (not the
//     manager's), whose transforms keep only what the Tracker needs. See NewNodeSource.
//   - DeclaredSource serves capacity declared in the chart values (DeclaredCapacity), for a
//     namespace-restricted agent that may not read Nodes and Pods: every declared node is free.
//   - Writer publishes a Source: at most once per Options.WriteInterval (2 s by default) and only
//     when the pools differ from what the object holds; it creates the object when missing.
//
// Add wires them into a controller-runtime manager.
//
// # Metrics
//
// Gauges registered on controller-runtime's metrics registry follow the snapshot the Writer
// publishes, labelled resource_name and product: flotilla_agent_gpus_total,
// flotilla_agent_gpus_free and flotilla_agent_gpu_nodes_unschedulable.
//
// # RBAC
//
// The kubebuilder RBAC markers above Add say what this package needs. Nodes and Pods are read
// cluster-wide (in namespace-restricted mode through the chart's optional read-only ClusterRole,
// or not at all with declared capacity). The GPUInventory rights are namespaced: controller-gen
// renders markers carrying namespace= as a Role in that namespace; flotilla-system there stands
// for whatever namespace the chart installs the agent in. GPUInventory reads go to the
// API server directly (the manager's APIReader), so no list or watch right is needed on them.
package inventory
