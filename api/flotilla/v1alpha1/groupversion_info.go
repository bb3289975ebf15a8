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

// Package v1alpha1 holds Flotilla's own flotilla.dev/v1alpha1 API: MemberCluster (on the hub, one per
// member of the fleet), GPUInventory (on each member, written by its agent) and the placement types
// a DynamoGraphDeployment carries in spec.placement and status.clusterPlacement.
//
// The GPU inventory types (GPUPool, NodesAtFree) are plain data with no client behind them, so that
// pkg/placement can consume a member's inventory directly.
//
// +kubebuilder:object:generate=true
// +groupName=flotilla.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of Flotilla's API: flotilla.dev/v1alpha1.
	GroupVersion = schema.GroupVersion{Group: "flotilla.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the Go types of this group version with a runtime.Scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this group version to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes registers the kinds of this group version.
func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion,
		&MemberCluster{},
		&MemberClusterList{},
		&GPUInventory{},
		&GPUInventoryList{},
	)
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
