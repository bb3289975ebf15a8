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

package graph_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/graph"
)

// webhookGraph is a valid two-component graph named name.
func webhookGraph(name string) *nvidiav1beta1.DynamoGraphDeployment {
	return &nvidiav1beta1.DynamoGraphDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: name},
		Spec: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
			{ComponentName: "Frontend", ComponentType: "frontend"},
			{ComponentName: "Worker", ComponentType: "worker", PodTemplate: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "main", Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")},
				}}},
			}}},
		}},
	}
}

// TestValidatorRefusesWhatTheHubCannotRun checks that the webhook refuses, with 422 Invalid and
// the field named, what the graph controller would mark failed, and admits the rest.
func TestValidatorRefusesWhatTheHubCannotRun(t *testing.T) {
	ctx := context.Background()
	v := graph.Validator{}
	for _, tc := range []struct {
		name   string
		mutate func(*nvidiav1beta1.DynamoGraphDeployment)
		want   string // a substring of the error; "" admits
	}{
		{name: "a valid graph"},
		{name: "a name whose Dynamo namespace is over 63 characters", mutate: func(d *nvidiav1beta1.DynamoGraphDeployment) {
			d.Name = strings.Repeat("g", 60)
		}, want: "metadata.name: Invalid value"},
		{name: "a graph label that is no label value", mutate: func(d *nvidiav1beta1.DynamoGraphDeployment) {
			d.Spec.Labels = map[string]string{"team": "a b"}
		}, want: "spec.labels: Invalid value"},
		{name: "a fractional GPU", mutate: func(d *nvidiav1beta1.DynamoGraphDeployment) {
			d.Spec.Components[1].PodTemplate.Spec.Containers[0].Resources.Limits["nvidia.com/gpu"] = resource.MustParse("500m")
		}, want: "must be a whole number of GPUs"},
		{name: "a negative replica count", mutate: func(d *nvidiav1beta1.DynamoGraphDeployment) {
			d.Spec.Components[1].Replicas = ptr.To[int32](-1)
		}, want: "spec.components[Worker].replicas: Invalid value: -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dgd := webhookGraph("g")
			if tc.mutate != nil {
				tc.mutate(dgd)
			}
			_, err := v.ValidateCreate(ctx, dgd)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused a valid graph: %v", err)
				}
				return
			}
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want 422 Invalid containing %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), `DynamoGraphDeployment.nvidia.com "`+dgd.Name+`" is invalid: `) {
				t.Errorf("error %q does not name the graph as kubectl shows it", err)
			}
		})
	}
}

// TestValidatorUpdates checks that an update is judged only when it changes the spec: a graph
// admitted before the webhook existed can still get its finalizer removed and be deleted.
func TestValidatorUpdates(t *testing.T) {
	ctx := context.Background()
	v := graph.Validator{}
	invalid := webhookGraph(strings.Repeat("g", 60))
	relabelled := invalid.DeepCopy()
	relabelled.Labels = map[string]string{"x": "y"}
	relabelled.Finalizers = nil
	if _, err := v.ValidateUpdate(ctx, invalid, relabelled); err != nil {
		t.Errorf("refused a metadata-only update of an invalid graph: %v", err)
	}
	rescaled := invalid.DeepCopy()
	rescaled.Spec.Components[1].Replicas = ptr.To[int32](2)
	if _, err := v.ValidateUpdate(ctx, invalid, rescaled); !apierrors.IsInvalid(err) {
		t.Errorf("admitted a spec change that leaves the graph invalid: %v", err)
	}
	if _, err := v.ValidateDelete(ctx, invalid); err != nil {
		t.Errorf("refused a deletion: %v", err)
	}
}

// TestValidatorWarnings checks that ignored fields come back as admission warnings.
func TestValidatorWarnings(t *testing.T) {
	dgd := webhookGraph("g")
	dgd.Spec.PriorityClassName = "high"
	warnings, err := graph.Validator{}.ValidateCreate(context.Background(), dgd)
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "priorityClassName") {
		t.Errorf("warnings %q, error %v; want one warning naming priorityClassName", warnings, err)
	}
}
