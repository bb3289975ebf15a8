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

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// DynamoGraphDeploymentSpec is an inference graph: its services, shared volumes and environment,
// and, on a Flotilla hub, where its copies may run.
//
// +kubebuilder:validation:XValidation:rule="has(self.services) && size(self.services) > 0",message="services must name at least one service",fieldPath=".services"
// +kubebuilder:validation:XValidation:rule="!has(self.services) || self.services.all(k, k.matches('^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$'))",message="services keys must be letters, digits and '-', starting and ending with a letter or digit: each becomes part of Kubernetes names",fieldPath=".services"
// +kubebuilder:validation:XValidation:rule="has(self.backendFramework) == has(oldSelf.backendFramework) && (!has(self.backendFramework) || self.backendFramework == oldSelf.backendFramework)",message="backendFramework is immutable",fieldPath=".backendFramework"
type DynamoGraphDeploymentSpec struct {
	// dynamoGraph selects a graph packaged with a Dynamo archive. Deprecated upstream; accepted
	// for older graphs.
	// +optional
	DynamoGraph string `json:"dynamoGraph,omitempty"`

	// pvcs are persistent volume claims that services mount by name through volumeMounts.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	PVCs []PVC `json:"pvcs,omitempty"`

	// services are the components of the graph by name, such as Frontend and VllmDecodeWorker.
	// Each becomes a DynamoComponentDeployment named <graph>-<lowercased service>.
	// +optional
	// +kubebuilder:validation:MaxProperties=25
	Services map[string]*DynamoComponentDeploymentSharedSpec `json:"services,omitempty"`

	// envs are environment variables of every service; a service's own envs win.
	// +optional
	Envs []corev1.EnvVar `json:"envs,omitempty"`

	// backendFramework is the inference backend: sglang, vllm or trtllm. Immutable.
	// +optional
	// +kubebuilder:validation:Enum=sglang;vllm;trtllm
	BackendFramework string `json:"backendFramework,omitempty"`

	// labels are added to every component of the graph.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// placement is Flotilla's addition: how many copies of the graph run and on which member
	// clusters. Absent, one copy runs on any member where every service fits.
	// +optional
	Placement *flotillav1alpha1.PlacementSpec `json:"placement,omitempty"`
}

// DynamoGraphDeploymentStatus is the observed state of a graph, in Dynamo's form plus where its
// copies run.
type DynamoGraphDeploymentStatus struct {
	// state is Dynamo's summary: pending, successful or failed. On a hub, successful means every
	// component of every copy is available.
	// +optional
	State string `json:"state,omitempty"`

	// conditions are Dynamo's Ready and, on a hub, Flotilla's Scheduled and Synced.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// services reports the replicas of each service, keyed as spec.services and summed over copies.
	// +optional
	Services map[string]ServiceReplicaStatus `json:"services,omitempty"`

	// placement reports where each copy of the graph runs (Flotilla's addition).
	// +optional
	Placement *flotillav1alpha1.GraphPlacementStatus `json:"placement,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// ComponentKind is the kind of workload that runs a service.
// +kubebuilder:validation:Enum=PodClique;PodCliqueScalingGroup;Deployment;LeaderWorkerSet;StatefulSet
type ComponentKind string

// ServiceReplicaStatus reports the replicas of one service.
type ServiceReplicaStatus struct {
	// componentKind is the kind of workload running the service.
	// +optional
	ComponentKind ComponentKind `json:"componentKind"`

	// componentName is the name of that workload.
	// +optional
	ComponentName string `json:"componentName"`

	// replicas is the desired number of replicas.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Replicas int32 `json:"replicas"`

	// updatedReplicas is the number of replicas at the current spec.
	// +kubebuilder:validation:Minimum=0
	// +optional
	UpdatedReplicas int32 `json:"updatedReplicas"`

	// readyReplicas is the number of ready replicas.
	// +optional
	ReadyReplicas *int32 `json:"readyReplicas,omitempty"`

	// availableReplicas is the number of available replicas.
	// +optional
	AvailableReplicas *int32 `json:"availableReplicas,omitempty"`
}

// DynamoGraphDeployment is an NVIDIA Dynamo inference graph. Applied on a Flotilla hub, each copy
// of it runs on a member cluster that fits it.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=dgd,categories=dynamo
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Services",type=string,JSONPath=`.status.placement.readyServices`,description="Ready services over all copies"
// +kubebuilder:printcolumn:name="Copies",type=string,JSONPath=`.status.placement.readyCopies`,description="Ready copies / copies"
// +kubebuilder:printcolumn:name="Clusters",type=string,JSONPath=`.status.placement.clusters`,description="Member clusters running a copy"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="!has(self.spec.services) || self.spec.services.all(k, size(self.metadata.name) + size(k) <= 62)",message="metadata.name and each spec.services key together must be at most 62 characters: components are named <graph>-<service> and that name is used as a label value",fieldPath=".spec.services"
type DynamoGraphDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the graph.
	// +required
	Spec DynamoGraphDeploymentSpec `json:"spec"`

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
