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

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// InventorySource says where an agent's GPU inventory comes from.
// +kubebuilder:validation:Enum=Nodes;Declared
type InventorySource string

const (
	// InventoryFromNodes means the agent reads the member's Nodes and Pods.
	InventoryFromNodes InventorySource = "Nodes"
	// InventoryDeclared means the capacity was declared in the agent's chart values (a
	// namespace-restricted agent that may not read Nodes).
	InventoryDeclared InventorySource = "Declared"
)

// GPUInventoryStatus is a member cluster's GPU capacity as its agent sees it.
type GPUInventoryStatus struct {
	// source says whether the inventory was read from Nodes or declared.
	// +optional
	Source InventorySource `json:"source,omitempty"`

	// namespaceRestriction is the only namespace the agent may use, or empty when it manages the
	// whole cluster.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	NamespaceRestriction string `json:"namespaceRestriction,omitempty"`

	// multinodeRuntime is what runs multinode components on the member: LeaderWorkerSet where
	// the cluster serves leaderworkerset.x-k8s.io/v1 (as Dynamo runs them), else StatefulSet
	// (the agent's own layout of the same groups). Empty from agents that predate it.
	// +optional
	MultinodeRuntime MultinodeRuntime `json:"multinodeRuntime,omitempty"`

	// policy is what the agent allows DCDs on the member (the agent chart's policy.*). Empty from
	// agents that predate it.
	// +optional
	Policy *MemberPolicy `json:"policy,omitempty"`

	// gpus is the capacity per GPU resource name and product.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=256
	GPUs []GPUPool `json:"gpus,omitempty"`

	// gpusFree is the number of free GPUs over all pools, for printing.
	// +optional
	GPUsFree int64 `json:"gpusFree,omitempty"`

	// gpusTotal is the number of allocatable GPUs over all pools, for printing.
	// +optional
	GPUsTotal int64 `json:"gpusTotal,omitempty"`

	// updateTime is when the agent last wrote this inventory.
	// +optional
	UpdateTime *metav1.Time `json:"updateTime,omitempty"`
}

// GPUInventory is a member cluster's GPU capacity, written by the Flotilla agent in its own
// namespace and read by the hub. There is one per agent, named "inventory".
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gpuinv,categories=flotilla
// +kubebuilder:printcolumn:name="Source",type=string,JSONPath=`.status.source`
// +kubebuilder:printcolumn:name="Free",type=integer,JSONPath=`.status.gpusFree`
// +kubebuilder:printcolumn:name="Total",type=integer,JSONPath=`.status.gpusTotal`
// +kubebuilder:printcolumn:name="Multinode",type=string,JSONPath=`.status.multinodeRuntime`
// +kubebuilder:printcolumn:name="Updated",type=date,JSONPath=`.status.updateTime`
type GPUInventory struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// status is the inventory, written by the agent.
	// +optional
	Status GPUInventoryStatus `json:"status,omitempty"`
}

// GPUInventoryList is a list of GPUInventory.
//
// +kubebuilder:object:root=true
type GPUInventoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the inventories.
	Items []GPUInventory `json:"items"`
}
