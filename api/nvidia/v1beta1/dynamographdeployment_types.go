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

package v1beta1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// DynamoGraphDeploymentSpec is an inference graph: its components, what they share, and, on a
// Flotilla hub, where its copies may run.
//
// +kubebuilder:validation:XValidation:rule="oldSelf.hasValue() || !has(self.restart)",message="spec.restart must be unset on create; set spec.restart.id after creation to request a restart",optionalOldSelf=true,fieldPath=".restart"
type DynamoGraphDeploymentSpec struct {
	// providerOverride is merged into the root object the workload provider generates for the
	// graph: for Grove (apiVersion grove.io/v1alpha1) the PodCliqueSet, of which only
	// spec.template.topologyConstraint may be set. It cannot choose the provider.
	// +optional
	ProviderOverride *ProviderOverride `json:"providerOverride,omitempty"`

	// annotations are added to every object Dynamo creates for the graph (PodCliqueSet,
	// DynamoComponentDeployments, Deployments, pod templates); a pod template's own win.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// labels are added like annotations.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// priorityClassName is the PriorityClass of the graph's Grove PodCliqueSet (Grove only).
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`

	// components are the components of the graph, each with a name unique in the list (ignoring
	// case). Each becomes workloads of its own; at most one may have type epp.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=25
	// +kubebuilder:validation:XValidation:rule="self.filter(c, has(c.type) && c.type == 'epp').size() <= 1",message="at most one component may have type epp"
	// +kubebuilder:validation:XValidation:rule="self.all(c1, !has(c1.name) || self.filter(c2, has(c2.name) && c2.name.lowerAscii() == c1.name.lowerAscii()).size() == 1)",message="component names must be unique case-insensitively"
	Components []DynamoComponentDeploymentSharedSpec `json:"components,omitempty"`

	// env is put before every component's environment; a component's own variables of the same
	// name win and may refer to these.
	// +optional
	Env []corev1.EnvVar `json:"env,omitempty"`

	// backendFramework is the inference backend: sglang, vllm or trtllm.
	// +optional
	// +kubebuilder:validation:Enum=sglang;vllm;trtllm
	BackendFramework string `json:"backendFramework,omitempty"`

	// restart requests a restart of the graph's components. It must be absent when the graph is
	// created; set or change restart.id afterwards to restart.
	// +optional
	Restart *Restart `json:"restart,omitempty"`

	// topologyConstraint names the Grove ClusterTopology of the graph and optionally a domain to
	// pack it within; components without their own constraint inherit it.
	// +optional
	TopologyConstraint *SpecTopologyConstraint `json:"topologyConstraint,omitempty"`

	// experimental holds graph-wide preview features that upstream may change between v1beta1
	// releases.
	// +optional
	Experimental *DynamoGraphDeploymentExperimentalSpec `json:"experimental,omitempty"`

	// placement is Flotilla's addition: how many copies of the graph run and on which member
	// clusters. Absent, one copy runs on any member where every component fits.
	// +optional
	Placement *flotillav1alpha1.PlacementSpec `json:"placement,omitempty"`
}

// DynamoGraphDeploymentStatus is the observed state of a graph, in Dynamo's form plus where its
// copies run.
type DynamoGraphDeploymentStatus struct {
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// state is Dynamo's summary: initializing, pending, successful or failed. On a hub, successful
	// means every component of every copy is ready.
	// +kubebuilder:default=initializing
	State DGDState `json:"state"`

	// conditions are Dynamo's (Ready, TopologyLevelsAvailable, ...) and, on a hub, Flotilla's.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// components reports the replicas of each component, by name (on a hub, summed over copies).
	// +optional
	Components map[string]ComponentReplicaStatus `json:"components,omitempty"`

	// restart reports the graph restart in progress or last done.
	// +optional
	Restart *RestartStatus `json:"restart,omitempty"`

	// checkpoints reports the checkpoint of each component that has one, by name.
	// +optional
	Checkpoints map[string]ComponentCheckpointStatus `json:"checkpoints,omitempty"`

	// rollingUpdate reports a rolling update Dynamo runs itself.
	// +optional
	RollingUpdate *RollingUpdateStatus `json:"rollingUpdate,omitempty"`

	// placement holds the scheduler's placement score of the graph (Dynamo's, not Flotilla's;
	// see clusterPlacement).
	// +optional
	Placement *PlacementStatus `json:"placement,omitempty"`

	// clusterPlacement is Flotilla's addition: the member clusters the graph's copies run on and
	// how ready each copy is.
	// +optional
	ClusterPlacement *flotillav1alpha1.GraphPlacementStatus `json:"clusterPlacement,omitempty"`
}

// DynamoGraphDeployment is an NVIDIA Dynamo inference graph. Applied on a Flotilla hub, each copy
// of it runs on a member cluster that fits it.
//
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=dgd,categories=dynamo
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Services",type=string,JSONPath=`.status.clusterPlacement.readyServices`,description="Ready components over all copies"
// +kubebuilder:printcolumn:name="Copies",type=string,JSONPath=`.status.clusterPlacement.readyCopies`,description="Ready copies / copies"
// +kubebuilder:printcolumn:name="Clusters",type=string,JSONPath=`.status.clusterPlacement.clusters`,description="Member clusters running a copy"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="!has(self.spec) || !has(self.spec.components) || self.spec.components.all(c, size(self.metadata.name) + size(c.name) <= 62)",message="metadata.name and each component name together must be at most 62 characters: components are named <graph>-<component> and that name is used as a label value",fieldPath=".spec.components"
type DynamoGraphDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the graph.
	// +optional
	Spec DynamoGraphDeploymentSpec `json:"spec,omitempty"`

	// status is the observed state of the graph.
	// +optional
	Status DynamoGraphDeploymentStatus `json:"status,omitempty"`
}

// DynamoGraphDeploymentList is a list of DynamoGraphDeployment.
//
// +kubebuilder:object:root=true
type DynamoGraphDeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the graphs.
	Items []DynamoGraphDeployment `json:"items"`
}
