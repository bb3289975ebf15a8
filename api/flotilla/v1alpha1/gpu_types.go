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

package v1alpha1

// DefaultGPUResourceName is the extended resource name of GPUs when a component does not say
// otherwise.
const DefaultGPUResourceName = "nvidia.com/gpu"

// GPUProductLabel is the node label, set by NVIDIA's GPU feature discovery, that names a node's
// GPU product.
const GPUProductLabel = "nvidia.com/gpu.product"

// GPUPool is the GPU capacity of a member cluster for one GPU resource name and product: how
// many schedulable nodes have each number of free GPUs. It is plain data: pkg/placement fits
// graphs into it without a Kubernetes client.
type GPUPool struct {
	// resourceName is the extended resource name of the GPUs, such as nvidia.com/gpu.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	ResourceName string `json:"resourceName"`

	// product is the GPU product (the nodes' nvidia.com/gpu.product label); empty for nodes without
	// the label.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Product string `json:"product,omitempty"`

	// total is the number of allocatable GPUs on schedulable nodes of this pool.
	// +required
	// +kubebuilder:validation:Minimum=0
	Total int64 `json:"total"`

	// free is the number of those GPUs that no scheduled pod requests.
	// +required
	// +kubebuilder:validation:Minimum=0
	Free int64 `json:"free"`

	// nodesByFree is the node histogram of the pool: for each number of free GPUs, how many
	// schedulable nodes have exactly that many, ordered by free GPUs, most first. Nodes with no
	// free GPU are included, so that the node counts add up to the pool's schedulable nodes.
	// +optional
	// +listType=map
	// +listMapKey=free
	// +kubebuilder:validation:MaxItems=1024
	NodesByFree []NodesAtFree `json:"nodesByFree,omitempty"`

	// unschedulableNodes counts the pool's nodes left out of total, free and nodesByFree because
	// they are cordoned, not ready or tainted NoSchedule/NoExecute.
	// +optional
	// +kubebuilder:validation:Minimum=0
	UnschedulableNodes int32 `json:"unschedulableNodes,omitempty"`
}

// NodesAtFree is one bar of a pool's node histogram: nodes nodes each have free free GPUs.
type NodesAtFree struct {
	// free is the number of free GPUs on each of these nodes.
	// +required
	// +kubebuilder:validation:Minimum=0
	Free int32 `json:"free"`

	// nodes is the number of nodes with exactly that many free GPUs.
	// +required
	// +kubebuilder:validation:Minimum=0
	Nodes int32 `json:"nodes"`
}

// GPUTotals sums the free and total GPUs of pools.
func GPUTotals(pools []GPUPool) (free, total int64) {
	for i := range pools {
		free += pools[i].Free
		total += pools[i].Total
	}
	return free, total
}
