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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DynamoComponentDeploymentSpec is one component: its backend framework and, inline, the same
// fields as an item of a graph's spec.components. spec.name is required by the schema; upstream's
// defaulting webhook fills it from metadata.name when a standalone DynamoComponentDeployment
// leaves it out.
type DynamoComponentDeploymentSpec struct {
	// backendFramework is the inference backend: sglang, vllm or trtllm.
	// +optional
	// +kubebuilder:validation:Enum=sglang;vllm;trtllm
	BackendFramework string `json:"backendFramework,omitempty"`

	DynamoComponentDeploymentSharedSpec `json:",inline"`
}

// DynamoComponentDeploymentStatus is the observed state of a component.
type DynamoComponentDeploymentStatus struct {
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions are Available (the workload is rolled out and available) and
	// DynamoComponentReady.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// component reports the replicas of the component's workload.
	// +optional
	Component *ComponentReplicaStatus `json:"component,omitempty"`
}

// DynamoComponentDeployment is one component of a Dynamo graph. On a Flotilla hub it is a record
// of one component of one graph copy and the member cluster it runs on; on a member it is the
// object the agent turns into workloads.
//
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=dcd,categories=dynamo
// +kubebuilder:printcolumn:name="Component",type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.metadata.labels.flotilla\.dev/cluster`
// +kubebuilder:printcolumn:name="Available",type=string,JSONPath=`.status.conditions[?(@.type=="Available")].status`
// +kubebuilder:printcolumn:name="Backend",type=string,JSONPath=`.spec.backendFramework`,description="Backend framework (sglang, vllm, trtllm)"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type DynamoComponentDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the component.
	// +optional
	Spec DynamoComponentDeploymentSpec `json:"spec,omitempty"`

	// status is the observed state of the component.
	// +optional
	Status DynamoComponentDeploymentStatus `json:"status,omitempty"`
}

// DynamoComponentDeploymentList is a list of DynamoComponentDeployment.
//
// +kubebuilder:object:root=true
type DynamoComponentDeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the components.
	Items []DynamoComponentDeployment `json:"items"`
}
