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

// Package v1beta1 holds NVIDIA Dynamo's nvidia.com/v1beta1 API: the DynamoGraphDeployment and
// DynamoComponentDeployment kinds as Dynamo's single-cluster operator defines them in that version,
// which upstream serves as its storage version and conversion hub. A graph lists its components
// (spec.components, each with a native pod template whose container "main" runs the component)
// instead of v1alpha1's spec.services map.
//
// Flotilla adds two fields and nothing else: the optional spec.placement of a
// DynamoGraphDeployment (how many copies of the graph run, and on which member clusters) and
// status.clusterPlacement (where those copies run). The latter is not called placement because
// v1beta1 already uses status.placement for the scheduler's placement score.
//
// Flotilla's CRDs serve this version and v1alpha1, store this one, and convert between them with
// the conversion webhook the hub and the agent serve (internal/conversionwebhook): a CRD serving
// both versions without it would silently drop fields.
//
// +kubebuilder:object:generate=true
// +groupName=nvidia.com
package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of this API: nvidia.com/v1beta1.
	GroupVersion = schema.GroupVersion{Group: "nvidia.com", Version: "v1beta1"}

	// SchemeBuilder registers the Go types of this group version with a runtime.Scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this group version to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes registers the kinds of this group version.
func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion,
		&DynamoGraphDeployment{},
		&DynamoGraphDeploymentList{},
		&DynamoComponentDeployment{},
		&DynamoComponentDeploymentList{},
	)
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
