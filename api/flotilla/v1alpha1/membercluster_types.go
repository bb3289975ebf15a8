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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition types of a MemberCluster.
const (
	// MemberJoined is True while the hub holds a working connection to the member's API server.
	MemberJoined = "Joined"
	// MemberAgentReady is True while the member's agent renews its Lease within the grace period.
	MemberAgentReady = "AgentReady"
	// MemberSchedulable is True when new graph copies may be placed on the member: it has joined,
	// the hub's credentials are accepted, its agent is ready, its inventory is current and it is
	// neither cordoned nor drained.
	MemberSchedulable = "Schedulable"
)

// MemberClusterSpec holds what an administrator may set on a member cluster.
type MemberClusterSpec struct {
	// taints keep graph copies off the member unless their spec.placement.tolerations tolerate
	// them. NoSchedule and PreferNoSchedule affect new placements; NoExecute also moves copies away.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Taints []corev1.Taint `json:"taints,omitempty"`

	// unschedulable cordons the member: no new copies are placed on it; running copies stay.
	// +optional
	Unschedulable bool `json:"unschedulable,omitempty"`

	// drain moves every copy off the member, make-before-break: each copy is placed on another
	// member and the copy here is deleted only once its replacement is Ready; a copy that fits
	// nowhere else stays. No new copies are placed here. Set back to false, it stops further
	// moves and calls off those whose replacement is not Ready yet.
	// +optional
	Drain bool `json:"drain,omitempty"`
}

// MemberSource says which provider registered a member cluster. Exactly one field is set.
// +kubebuilder:validation:XValidation:rule="(has(self.clusterAPI) ? 1 : 0) + (has(self.kubeconfigSecret) ? 1 : 0) == 1",message="exactly one of clusterAPI or kubeconfigSecret must be set"
type MemberSource struct {
	// clusterAPI is the Cluster API Cluster the member was discovered from; its kubeconfig is
	// the Secret <name>-kubeconfig beside it.
	// +optional
	ClusterAPI *ObjectReference `json:"clusterAPI,omitempty"`

	// kubeconfigSecret is the Secret on the hub holding the member's kubeconfig.
	// +optional
	KubeconfigSecret *ObjectReference `json:"kubeconfigSecret,omitempty"`
}

// ObjectReference names a namespaced object on the hub.
type ObjectReference struct {
	// namespace is the object's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`

	// name is the object's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// MemberClusterStatus is what the hub observes of a member cluster.
type MemberClusterStatus struct {
	// source is the provider that registered the member.
	// +optional
	Source *MemberSource `json:"source,omitempty"`

	// conditions are Joined, AgentReady and Schedulable.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// namespaceRestriction is the only namespace the member's agent may use, or empty when the
	// agent manages the whole cluster. Graph copies placed there run in that namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	NamespaceRestriction string `json:"namespaceRestriction,omitempty"`

	// multinodeRuntime is what runs multinode components on the member (LeaderWorkerSet or
	// StatefulSet), copied from the GPUInventory its agent writes; empty until the agent
	// publishes it. spec.placement.multinodeRuntimes of a graph matches it.
	// +optional
	MultinodeRuntime MultinodeRuntime `json:"multinodeRuntime,omitempty"`

	// policy is what the member's agent allows DCDs, copied from its GPUInventory: placement
	// puts a copy only where it lets every component run. Empty until the agent publishes it.
	// +optional
	Policy *MemberPolicy `json:"policy,omitempty"`

	// gpus is the member's GPU capacity, copied from the GPUInventory its agent writes.
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

	// inventoryTime is when the member's agent last updated its inventory.
	// +optional
	InventoryTime *metav1.Time `json:"inventoryTime,omitempty"`

	// pendingCleanup is the number of DynamoComponentDeployments the hub still has to delete
	// from this member: copies of graphs deleted or moved while the member was unreachable.
	// They are deleted when the member is reachable again, or forgotten when it leaves the
	// fleet; each is a terminating DynamoComponentDeployment record on the hub labelled
	// flotilla.dev/cluster=<member>.
	// +optional
	// +kubebuilder:validation:Minimum=0
	PendingCleanup int32 `json:"pendingCleanup,omitempty"`

	// observedGeneration is the generation of the spec the hub last acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// MemberCluster is one cluster of the fleet, as the hub sees it. The hub creates one for every
// member its providers engage (a Cluster API Cluster or a kubeconfig Secret); its labels (used by
// spec.placement.clusterSelector and spreadBy) and spec may be edited.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=member;mc,categories=flotilla
// +kubebuilder:printcolumn:name="Joined",type=string,JSONPath=`.status.conditions[?(@.type=="Joined")].status`
// +kubebuilder:printcolumn:name="Agent",type=string,JSONPath=`.status.conditions[?(@.type=="AgentReady")].status`
// +kubebuilder:printcolumn:name="Schedulable",type=string,JSONPath=`.status.conditions[?(@.type=="Schedulable")].status`
// +kubebuilder:printcolumn:name="Drain",type=boolean,JSONPath=`.spec.drain`,priority=1,description="Whether the member is being drained"
// +kubebuilder:printcolumn:name="GPUs Free",type=integer,JSONPath=`.status.gpusFree`
// +kubebuilder:printcolumn:name="GPUs Total",type=integer,JSONPath=`.status.gpusTotal`
// +kubebuilder:printcolumn:name="Namespace",type=string,JSONPath=`.status.namespaceRestriction`,priority=1
// +kubebuilder:printcolumn:name="Pod Security",type=string,JSONPath=`.status.policy.podSecurityLevel`,priority=1,description="The Pod Security level the member's agent requires of DCDs' pods"
// +kubebuilder:printcolumn:name="Multinode",type=string,JSONPath=`.status.multinodeRuntime`,priority=1,description="What runs multinode components on the member"
// +kubebuilder:printcolumn:name="Cleanup",type=integer,JSONPath=`.status.pendingCleanup`,priority=1,description="Copies still to delete from the member"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MemberCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the member's taints and whether it is cordoned.
	// +optional
	Spec MemberClusterSpec `json:"spec,omitempty"`

	// status is what the hub observes of the member.
	// +optional
	Status MemberClusterStatus `json:"status,omitempty"`
}

// MemberClusterList is a list of MemberCluster.
//
// +kubebuilder:object:root=true
type MemberClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the member clusters.
	Items []MemberCluster `json:"items"`
}
