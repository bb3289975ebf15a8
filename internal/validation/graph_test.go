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

package validation_test

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/validation"
)

type services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec

// graph is a graph written in v1alpha1, as the API serves it, converted to v1beta1 as the graph
// controller validates it.
func graph(t *testing.T, svcs services) *nvidiav1beta1.DynamoGraphDeployment {
	t.Helper()
	alpha := &nvidiav1alpha1.DynamoGraphDeployment{Spec: nvidiav1alpha1.DynamoGraphDeploymentSpec{Services: svcs}}
	alpha.Name = "g"
	hub := &nvidiav1beta1.DynamoGraphDeployment{}
	if err := alpha.ConvertTo(hub); err != nil {
		t.Fatal(err)
	}
	return hub
}

func TestGraph(t *testing.T) {
	cases := []struct {
		name         string
		services     services
		wantErrors   []string
		wantWarnings []string
	}{
		{
			name: "agreeing and unset Dynamo namespaces",
			services: services{
				"Frontend": {DynamoNamespace: ptr.To("llama")},
				"Worker":   {DynamoNamespace: ptr.To("llama")},
				"Planner":  {},
				"Nil":      nil,
			},
		},
		{
			name: "a service in another Dynamo namespace",
			services: services{
				"Frontend": {DynamoNamespace: ptr.To("llama")},
				"Worker":   {DynamoNamespace: ptr.To("other")},
			},
			wantErrors: []string{`spec.services[Worker].dynamoNamespace: Invalid value: "other": must equal the dynamoNamespace of service Frontend ("llama"): one graph lives in one Dynamo namespace`},
		},
		{
			name: "each disagreeing service is reported against the first in name order",
			services: services{
				"B": {DynamoNamespace: ptr.To("x")},
				"A": {DynamoNamespace: ptr.To("y")},
				"C": {DynamoNamespace: ptr.To("z")},
			},
			wantErrors: []string{
				`spec.services[B].dynamoNamespace: Invalid value: "x": must equal the dynamoNamespace of service A ("y"): one graph lives in one Dynamo namespace`,
				`spec.services[C].dynamoNamespace: Invalid value: "z": must equal the dynamoNamespace of service A ("y"): one graph lives in one Dynamo namespace`,
			},
		},
		{
			name:         "deprecated autoscaling is a warning",
			services:     services{"Worker": {Autoscaling: &nvidiav1alpha1.Autoscaling{Enabled: true}}},
			wantWarnings: []string{"spec.services[Worker].autoscaling is deprecated and ignored by Dynamo; use the planner or a scaling adapter"},
		},
		{
			name:     "names that differ only in case",
			services: services{"Frontend": {}, "frontend": {}, "FRONTEND": {}, "Worker": {}},
			wantErrors: []string{
				`spec.components[Frontend].name: Invalid value: "Frontend": differs from component FRONTEND only in case: both would be the DynamoComponentDeployment g-frontend on members`,
				`spec.components[frontend].name: Invalid value: "frontend": differs from component FRONTEND only in case: both would be the DynamoComponentDeployment g-frontend on members`,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs, warnings := validation.Graph(graph(t, tc.services))
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if !slices.Equal(got, tc.wantErrors) {
				t.Errorf("errors:\n got %q\nwant %q", got, tc.wantErrors)
			}
			if !slices.Equal(warnings, tc.wantWarnings) {
				t.Errorf("warnings:\n got %q\nwant %q", warnings, tc.wantWarnings)
			}
		})
	}
}

// TestGraphRefusesDRA checks that pods claiming devices through DRA are refused wherever the
// claim is, naming the field and saying why.
func TestGraphRefusesDRA(t *testing.T) {
	claim := []corev1.ResourceClaim{{Name: "gpus"}}
	podClaim := []corev1.PodResourceClaim{{Name: "gpus", ResourceClaimTemplateName: ptr.To("two-gpus")}}

	// Written in v1alpha1: resources.claims and extraPodSpec.resourceClaims.
	dgd := graph(t, services{
		"Worker": {
			Resources:    &nvidiav1alpha1.Resources{Limits: &nvidiav1alpha1.ResourceItem{GPU: "2"}, Claims: claim},
			ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{PodSpec: &corev1.PodSpec{ResourceClaims: podClaim}},
		},
		"Frontend": {Resources: &nvidiav1alpha1.Resources{Limits: &nvidiav1alpha1.ResourceItem{CPU: "1"}}},
	})
	errs, _ := validation.Graph(dgd)
	var got []string
	for _, e := range errs {
		got = append(got, e.Field)
		if !strings.Contains(e.Error(), "Dynamic Resource Allocation") || !strings.Contains(e.Error(), "device-plugin GPUs") {
			t.Errorf("error %q does not say why", e.Error())
		}
	}
	want := []string{
		"spec.components[Worker].podTemplate.spec.resourceClaims",
		"spec.components[Worker].podTemplate.spec.containers[0].resources.claims",
	}
	if !slices.Equal(got, want) {
		t.Errorf("fields:\n got %q\nwant %q", got, want)
	}

	// Written in v1beta1: sidecars, init containers and roles too.
	hub := &nvidiav1beta1.DynamoGraphDeployment{}
	hub.Spec.Components = []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{
		ComponentName: "W",
		PodTemplate: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", Resources: corev1.ResourceRequirements{Claims: claim}}},
			Containers:     []corev1.Container{{Name: "main"}, {Name: "sidecar", Resources: corev1.ResourceRequirements{Claims: claim}}},
		}},
		Roles: []nvidiav1beta1.ComponentRoleSpec{{Name: "leader", PodTemplate: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{ResourceClaims: podClaim}}}},
	}}
	errs, _ = validation.Graph(hub)
	got = nil
	for _, e := range errs {
		if strings.Contains(e.Detail, "Dynamic Resource Allocation") {
			got = append(got, e.Field)
		}
	}
	want = []string{
		"spec.components[W].podTemplate.spec.initContainers[0].resources.claims",
		"spec.components[W].podTemplate.spec.containers[1].resources.claims",
		"spec.components[W].roles[leader].podTemplate.spec.resourceClaims",
	}
	if !slices.Equal(got, want) {
		t.Errorf("fields:\n got %q\nwant %q", got, want)
	}
}

func TestGraphRoles(t *testing.T) {
	multinode := func(roles ...nvidiav1beta1.ComponentRoleSpec) nvidiav1beta1.DynamoComponentDeploymentSharedSpec {
		return nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
			ComponentName: "W", Multinode: &nvidiav1beta1.MultinodeSpec{NodeCount: 3}, Roles: roles,
		}
	}
	role := func(name string, replicas *int32) nvidiav1beta1.ComponentRoleSpec {
		return nvidiav1beta1.ComponentRoleSpec{Name: name, Replicas: replicas}
	}
	for _, tc := range []struct {
		name      string
		component nvidiav1beta1.DynamoComponentDeploymentSharedSpec
		want      []string
	}{
		{name: "leader and worker with Dynamo's replicas", component: multinode(role("leader", ptr.To[int32](1)), role("worker", ptr.To[int32](2)))},
		{name: "leader and worker with replicas left out", component: multinode(role("leader", nil), role("worker", nil))},
		{
			name:      "roles on a single-node component",
			component: nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "W", Roles: []nvidiav1beta1.ComponentRoleSpec{role("leader", nil)}},
			want:      []string{"spec.components[W].roles"},
		},
		{
			name:      "a missing worker, wrong replicas and an unknown role",
			component: multinode(role("leader", ptr.To[int32](2)), role("helper", nil)),
			want:      []string{"spec.components[W].roles", "spec.components[W].roles[leader].replicas", "spec.components[W].roles[helper].name"},
		},
		{
			name: "a role with a pod template",
			component: multinode(role("leader", nil), nvidiav1beta1.ComponentRoleSpec{
				Name: "worker", PodTemplate: &corev1.PodTemplateSpec{},
			}),
			want: []string{"spec.components[W].roles[worker].podTemplate"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hub := &nvidiav1beta1.DynamoGraphDeployment{}
			hub.Spec.Components = []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{tc.component}
			errs, _ := validation.Graph(hub)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("fields:\n got %q\nwant %q (%v)", got, tc.want, errs)
			}
		})
	}
}
