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

// DynamoComponentDeploymentSpec is one component of a graph: its backend framework and its
// service specification.
//
// +kubebuilder:validation:XValidation:rule="has(self.backendFramework) == has(oldSelf.backendFramework) && (!has(self.backendFramework) || self.backendFramework == oldSelf.backendFramework)",message="backendFramework is immutable",fieldPath=".backendFramework"
type DynamoComponentDeploymentSpec struct {
	// dynamoComponent is the Dynamo component archive of older Dynamo versions. Deprecated;
	// accepted for older manifests.
	// +optional
	DynamoComponent string `json:"dynamoComponent,omitempty"`

	// dynamoTag is the Dynamo tag of older Dynamo versions. Deprecated; accepted for older
	// manifests.
	// +optional
	DynamoTag string `json:"dynamoTag,omitempty"`

	// backendFramework is the inference backend: sglang, vllm or trtllm. Immutable.
	// +optional
	// +kubebuilder:validation:Enum=sglang;vllm;trtllm
	BackendFramework string `json:"backendFramework,omitempty"`

	DynamoComponentDeploymentSharedSpec `json:",inline"`
}

// DynamoComponentDeploymentStatus is the observed state of a component.
type DynamoComponentDeploymentStatus struct {
	// conditions are Available (the workload is fully rolled out and available) and
	// DynamoComponentReady.
	// +optional
	// +nullable
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions"`

	// podSelector selects the component's pods.
	// +optional
	PodSelector map[string]string `json:"podSelector,omitempty"`

	// service reports the replicas of the component's workload.
	// +optional
	Service *ServiceReplicaStatus `json:"service,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// DynamoComponentDeployment is one component (service) of a Dynamo graph. On a Flotilla hub it is
// a record of one service of one graph copy and the member cluster it runs on; on a member it is
// the object the agent turns into workloads.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=dcd,categories=dynamo
// +kubebuilder:deprecatedversion:warning="nvidia.com/v1alpha1 DynamoComponentDeployment is deprecated; use nvidia.com/v1beta1 DynamoComponentDeployment"
// +kubebuilder:printcolumn:name="Service",type=string,JSONPath=`.spec.serviceName`
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.metadata.labels.flotilla\.dev/cluster`
// +kubebuilder:printcolumn:name="Available",type=string,JSONPath=`.status.conditions[?(@.type=="Available")].status`
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
