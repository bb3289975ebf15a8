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

// PlacementSpec says how many copies of a graph run and on which member clusters. It is
// Flotilla's addition to a DynamoGraphDeployment (spec.placement); without it the graph runs as one
// copy on any member where every service fits.
//
// +kubebuilder:validation:XValidation:rule="!has(self.clusterSelector) || !has(self.clusterSelector.matchExpressions) || self.clusterSelector.matchExpressions.all(e, e.operator in ['In', 'NotIn', 'Exists', 'DoesNotExist'])",message="clusterSelector.matchExpressions[].operator must be one of In, NotIn, Exists, DoesNotExist",fieldPath=".clusterSelector.matchExpressions"
// +kubebuilder:validation:XValidation:rule="!has(self.clusterSelector) || !has(self.clusterSelector.matchExpressions) || self.clusterSelector.matchExpressions.all(e, !(e.operator in ['In', 'NotIn']) || (has(e.values) && size(e.values) > 0))",message="clusterSelector.matchExpressions[].values must be non-empty for the In and NotIn operators",fieldPath=".clusterSelector.matchExpressions"
// +kubebuilder:validation:XValidation:rule="!has(self.clusterSelector) || !has(self.clusterSelector.matchExpressions) || self.clusterSelector.matchExpressions.all(e, !(e.operator in ['Exists', 'DoesNotExist']) || !has(e.values) || size(e.values) == 0)",message="clusterSelector.matchExpressions[].values must be empty for the Exists and DoesNotExist operators",fieldPath=".clusterSelector.matchExpressions"
// +kubebuilder:validation:XValidation:rule="!has(self.tolerations) || self.tolerations.all(t, !has(t.operator) || t.operator in ['Exists', 'Equal'])",message="tolerations[].operator must be Exists or Equal",fieldPath=".tolerations"
// +kubebuilder:validation:XValidation:rule="!has(self.tolerations) || self.tolerations.all(t, !has(t.effect) || size(t.effect) == 0 || t.effect in ['NoSchedule', 'PreferNoSchedule', 'NoExecute'])",message="tolerations[].effect must be NoSchedule, PreferNoSchedule or NoExecute (or empty for all effects)",fieldPath=".tolerations"
// +kubebuilder:validation:XValidation:rule="!has(self.tolerations) || self.tolerations.all(t, !has(t.operator) || t.operator != 'Exists' || !has(t.value) || size(t.value) == 0)",message="tolerations[].value must be empty when operator is Exists",fieldPath=".tolerations"
// +kubebuilder:validation:XValidation:rule="!has(self.tolerations) || self.tolerations.all(t, (has(t.key) && size(t.key) > 0) || (has(t.operator) && t.operator == 'Exists'))",message="tolerations[].key may be empty only when operator is Exists",fieldPath=".tolerations"
type PlacementSpec struct {
	// copies is the number of copies of the whole graph to run, each on a different member
	// cluster. Every service of one copy runs in the same member. Defaults to 1.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=64
	Copies int32 `json:"copies,omitempty"`

	// clusterSelector selects the member clusters eligible for this graph by the labels of their
	// MemberCluster objects. Absent, every member is eligible.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`

	// spreadBy is a MemberCluster label key, such as topology.kubernetes.io/region. At most one copy
	// runs per value of that label; members without the label are not eligible.
	// +optional
	// +kubebuilder:validation:MaxLength=317
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`
	SpreadBy string `json:"spreadBy,omitempty"`

	// gpuProducts lists the GPU products (values of the nvidia.com/gpu.product node label) a copy may
	// run on. Absent, the products allowed by each service's own nodeSelector or required node
	// affinity on nvidia.com/gpu.product apply, else any product.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	GPUProducts []string `json:"gpuProducts,omitempty"`

	// tolerations let copies run on member clusters whose MemberCluster carries matching taints.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// multinodeRuntimes lists what may run the graph's multinode components (those with
	// multinode.nodeCount above 1): a copy goes only to members whose agent publishes one of
	// them (MemberCluster status.multinodeRuntime). LeaderWorkerSet is Dynamo's own path without
	// Grove (gang rollout and group restart by LeaderWorkerSet's controller); StatefulSet is the
	// agent's layout of the same pods where the member has no LeaderWorkerSet. Absent, any. It
	// does not restrict graphs without multinode components.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=2
	MultinodeRuntimes []MultinodeRuntime `json:"multinodeRuntimes,omitempty"`

	// failoverAfter is how long a copy may go without serving before it is moved to another
	// member: how long its member may stay unreachable, and how long its components may stay
	// unavailable, after having been Ready, while the member answers (its GPU nodes died, say).
	// Moves are make-before-break: the copy stays, and is shown as the copy's previous placement,
	// until its replacement is Ready. Absent, the hub's defaults apply (--member-lost-after and
	// --copy-unavailable-after). A member whose credentials are refused, or whose agent is down
	// while its workloads run, never moves a copy.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('5s') && duration(self) <= duration('24h')",message="failoverAfter must be between 5s and 24h"
	FailoverAfter *metav1.Duration `json:"failoverAfter,omitempty"`
}

// CopyState is the state of one copy of a graph.
// +kubebuilder:validation:Enum=Pending;Progressing;Ready;Failed;Unreachable
type CopyState string

const (
	// CopyPending means no member cluster fits the copy yet.
	CopyPending CopyState = "Pending"
	// CopyProgressing means the copy is placed and its components are rolling out.
	CopyProgressing CopyState = "Progressing"
	// CopyReady means every component of the copy is available on its member.
	CopyReady CopyState = "Ready"
	// CopyFailed means the member reports that a component of the copy failed.
	CopyFailed CopyState = "Failed"
	// CopyUnreachable means the copy's member cluster cannot be reached.
	CopyUnreachable CopyState = "Unreachable"
)

// GraphPlacementStatus reports where the copies of a graph run. It is Flotilla's addition to a
// DynamoGraphDeployment's status.
type GraphPlacementStatus struct {
	// copies lists every copy of the graph, placed or not, by index.
	// +optional
	// +listType=map
	// +listMapKey=index
	// +kubebuilder:validation:MaxItems=64
	Copies []CopyStatus `json:"copies,omitempty"`

	// readyCopies is "<ready>/<copies>", for printing.
	// +optional
	ReadyCopies string `json:"readyCopies,omitempty"`

	// readyServices is "<ready>/<total>" over the services of every copy, for printing.
	// +optional
	ReadyServices string `json:"readyServices,omitempty"`

	// clusters is the comma-separated list of member clusters running a copy, for printing.
	// +optional
	Clusters string `json:"clusters,omitempty"`
}

// CopyStatus is the placement and readiness of one copy of a graph.
type CopyStatus struct {
	// index numbers the copy, from 0.
	// +required
	// +kubebuilder:validation:Minimum=0
	Index int32 `json:"index"`

	// cluster is the member cluster the copy runs on; empty while the copy is pending.
	// +optional
	Cluster string `json:"cluster,omitempty"`

	// namespace is the namespace of the copy's components on its member: the graph's own
	// namespace, or the member's restricted namespace.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// state is the state of the copy.
	// +required
	State CopyState `json:"state"`

	// readyServices is "<ready>/<total>" over the services of this copy.
	// +optional
	ReadyServices string `json:"readyServices,omitempty"`

	// message says why the copy is in its state, for example why no member fits.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Message string `json:"message,omitempty"`

	// lastTransitionTime is when state last changed.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`

	// unavailableSince is when the copy, Ready before, stopped being Ready while its member
	// answered; it moves once this is older than spec.placement.failoverAfter. Unset while the
	// copy is Ready, unreachable or has never been Ready.
	// +optional
	UnavailableSince *metav1.Time `json:"unavailableSince,omitempty"`

	// previous is where the copy ran before it moved, while it still runs there: a moving copy
	// is deleted from its previous member only once it is Ready on its new one
	// (make-before-break).
	// +optional
	Previous *PreviousCopy `json:"previous,omitempty"`
}

// PreviousCopy is the placement a moving copy is leaving.
type PreviousCopy struct {
	// cluster is the member cluster the copy is leaving.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Cluster string `json:"cluster"`

	// namespace is the namespace of the copy's components on that member.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`

	// state is the state of the copy on that member.
	// +required
	State CopyState `json:"state"`

	// readyServices is "<ready>/<total>" over the services of the copy on that member.
	// +optional
	ReadyServices string `json:"readyServices,omitempty"`

	// reason says why the copy moves.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason,omitempty"`
}

// CopyCount is the number of copies a graph asks for: spec.placement.copies, or 1 when the
// placement or its copies are unset.
func (p *PlacementSpec) CopyCount() int32 {
	if p == nil || p.Copies < 1 {
		return 1
	}
	return p.Copies
}

// Conditions Flotilla adds to Dynamo's objects on the hub, next to Dynamo's own (Ready on a
// graph, Available on a component).
const (
	// GraphScheduled is True on a DynamoGraphDeployment when every copy has a member.
	GraphScheduled = "Scheduled"
	// ConditionSynced is True on a hub DynamoComponentDeployment record when its copy on the
	// member matches it, and on a DynamoGraphDeployment when all its records are synced.
	ConditionSynced = "Synced"
)

// Reasons of the Synced condition of a hub record, which the graph controller reads.
const (
	// ReasonSynced: the copy on the member matches the record.
	ReasonSynced = "Synced"
	// ReasonMemberUnavailable: the hub cannot reach the member now.
	ReasonMemberUnavailable = "MemberUnavailable"
	// ReasonNameTaken: another object holds Dynamo's name on the member; it is never
	// overwritten, and the copy is placed elsewhere.
	ReasonNameTaken = "NameTaken"
	// ReasonApplyFailed: the member's API server refused the copy.
	ReasonApplyFailed = "ApplyFailed"
)
