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

package workload_test

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// TestBuildErrors checks that a DCD that cannot run is refused with an error naming the field.
// The DCDs are written in v1alpha1 and built from their conversion to v1beta1, so a field that
// v1beta1 has is named by its v1beta1 path (the v1alpha1 one follows in the message); one it has
// not (spec.labels, spec.ingress, a quantity the conversion could not carry) by its v1alpha1 path.
func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name      string
		graph     string
		service   string
		mutate    func(*nvidiav1alpha1.DynamoComponentDeployment)
		wantField string
		wantIn    string
	}{
		{
			name: "invalid cpu quantity", graph: "vllm-agg", service: "VllmDecodeWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Spec.Resources.Limits.CPU = "lots"
			},
			wantField: "spec.resources.limits.cpu", wantIn: `invalid quantity "lots"`,
		},
		{
			name: "invalid custom quantity", graph: "vllm-agg", service: "VllmDecodeWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Spec.Resources.Requests = &nvidiav1alpha1.ResourceItem{Custom: map[string]string{"rdma/ib": "one"}}
			},
			wantField: "spec.resources.requests.custom[rdma/ib]", wantIn: `invalid quantity "one"`,
		},
		{
			name: "fractional GPUs", graph: "vllm-agg", service: "VllmDecodeWorker",
			mutate:    func(d *nvidiav1alpha1.DynamoComponentDeployment) { d.Spec.Resources.Limits.GPU = "1.5" },
			wantField: "spec.podTemplate.spec.containers[main].resources.limits[nvidia.com/gpu]", wantIn: "whole number",
		},
		{
			name: "GPU request differing from its limit", graph: "vllm-agg", service: "VllmDecodeWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Spec.Resources.Requests = &nvidiav1alpha1.ResourceItem{GPU: "2"}
			},
			wantField: "spec.podTemplate.spec.containers[main].resources.requests[nvidia.com/gpu]", wantIn: "must equal its limit",
		},
		{
			name: "handler-less startup probe without a default (upstream frontend)", graph: "upstream-shapes", service: "Frontend",
			wantField: "spec.podTemplate.spec.containers[main].startupProbe", wantIn: "probe has no handler",
		},
		{
			name: "handler-less liveness probe on a component type without default probes", graph: "vllm-disagg-planner", service: "Planner",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Spec.ComponentType = "main"
				d.Spec.LivenessProbe = &corev1.Probe{InitialDelaySeconds: 30}
			},
			wantField: "spec.podTemplate.spec.containers[main].livenessProbe", wantIn: "probe has no handler",
		},
		{
			name: "compilation cache without backend framework (upstream worker)", graph: "upstream-shapes", service: "DecodeWorker",
			wantField: "spec.compilationCache.mountPath", wantIn: "no default directory",
		},
		{
			name: "compilation cache on sglang", graph: "upstream-shapes", service: "DecodeWorker",
			mutate:    func(d *nvidiav1alpha1.DynamoComponentDeployment) { d.Spec.BackendFramework = "sglang" },
			wantField: "spec.compilationCache.mountPath", wantIn: `backend framework "sglang"`,
		},
		{
			name: "mount without mount point", graph: "vllm-disagg-planner", service: "Planner",
			mutate:    func(d *nvidiav1alpha1.DynamoComponentDeployment) { d.Spec.VolumeMounts[0].MountPoint = "" },
			wantField: "spec.podTemplate.spec.containers[main].volumeMounts[0].mountPath", wantIn: "required",
		},
		{
			name: "no image (upstream minimal service)", graph: "upstream-shapes", service: "Minimal",
			wantField: "spec.podTemplate.spec.containers[main].image", wantIn: "required",
		},
		{
			name: "invalid label value", graph: "vllm-agg", service: "Frontend",
			mutate:    func(d *nvidiav1alpha1.DynamoComponentDeployment) { d.Spec.Labels["team"] = "a team" },
			wantField: "spec.labels[team]", wantIn: "invalid label value",
		},
		{
			name: "negative replicas", graph: "vllm-agg", service: "Frontend",
			mutate:    func(d *nvidiav1alpha1.DynamoComponentDeployment) { d.Spec.Replicas = ptrTo(int32(-1)) },
			wantField: "spec.replicas", wantIn: "negative",
		},
		{
			name: "multinode name too long", graph: "sglang-multinode", service: "SGLangWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Name = "a-very-long-graph-name-for-a-multinode-component-x-sglangworker"
			},
			wantField: "metadata.name", wantIn: "too long",
		},
		{
			name: "name too long for the selector label", graph: "vllm-agg", service: "VllmDecodeWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Name = strings.Repeat("x", 64)
			},
			wantField: "metadata.name", wantIn: "nvidia.com/selector",
		},
		{
			name: "multinode with zero replicas is still checked", graph: "sglang-multinode", service: "SGLangWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Spec.Replicas = ptrTo(int32(0))
				d.Spec.Resources.Requests.Memory = "much"
			},
			wantField: "spec.resources.requests.memory", wantIn: `invalid quantity "much"`,
		},
		{
			name: "enabled ingress without host", graph: "vllm-agg-regional", service: "Frontend",
			mutate:    func(d *nvidiav1alpha1.DynamoComponentDeployment) { d.Spec.Ingress.Host = "" },
			wantField: "spec.ingress.host", wantIn: "required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dcd := exampleDCD(t, tt.graph, tt.service)
			if tt.mutate != nil {
				tt.mutate(dcd)
			}
			res, err := buildAlpha(t, dcd, workload.Options{})
			if err == nil {
				t.Fatalf("Build succeeded (%d objects), want an error on %s", len(res.Objects()), tt.wantField)
			}
			if res != nil {
				t.Error("Build returned objects with its error")
			}
			var fe *workload.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FieldError", err)
			}
			wantEqual(t, "field", fe.Field, tt.wantField)
			if !strings.HasPrefix(err.Error(), tt.wantField+": ") || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q, want %q: ...%s...", err, tt.wantField, tt.wantIn)
			}
		})
	}
}

// TestExtraContainerNamedMain checks what became of a v1alpha1 extraPodSpec container named main,
// which the builder used to refuse: the conversion to v1beta1 replaces it by the main container
// it composes from mainContainer and the dedicated fields, so the DCD builds, with one main.
func TestExtraContainerNamedMain(t *testing.T) {
	dcd := exampleDCD(t, "vllm-agg", "Frontend")
	dcd.Spec.ExtraPodSpec.PodSpec = &corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "x"}}}
	res, err := buildAlpha(t, dcd, workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	spec := res.Deployment.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("containers = %d, want main only", len(spec.Containers))
	}
	wantEqual(t, "image", mainOf(t, spec).Image, dcd.Spec.ExtraPodSpec.MainContainer.Image)
}
