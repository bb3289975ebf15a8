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

package testenv

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestGPUNodeSpecRendersKwokGPUNode(t *testing.T) {
	n, err := GPUNodeSpec{
		Name: "gpu-a", Product: "NVIDIA-H100-80GB-HBM3", GPUs: 8,
		Memory: resource.MustParse("1Ti"),
		Labels: map[string]string{"zone": "z1"},
		Taints: []corev1.Taint{{Key: "dedicated", Value: "ml", Effect: corev1.TaintEffectNoSchedule}},
	}.node()
	if err != nil {
		t.Fatal(err)
	}
	if n.Annotations[KwokNodeAnnotation] != "fake" {
		t.Errorf("annotations %v", n.Annotations)
	}
	for k, v := range map[string]string{LabelGPUProduct: "NVIDIA-H100-80GB-HBM3", LabelGPUCount: "8",
		"kubernetes.io/hostname": "gpu-a", "zone": "z1"} {
		if n.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, n.Labels[k], v)
		}
	}
	if len(n.Spec.Taints) != 2 || n.Spec.Taints[0] != KwokTaint() || n.Spec.Taints[1].Key != "dedicated" {
		t.Errorf("taints %v", n.Spec.Taints)
	}
	if tol, taint := KwokToleration(), KwokTaint(); tol.Key != taint.Key || tol.Value != taint.Value || tol.Effect != taint.Effect {
		t.Error("KwokToleration does not tolerate KwokTaint")
	}
	for _, rl := range []corev1.ResourceList{n.Status.Capacity, n.Status.Allocatable} {
		gpu, cpu, mem, pods := rl[ResourceGPU], rl[corev1.ResourceCPU], rl[corev1.ResourceMemory], rl[corev1.ResourcePods]
		if gpu.Value() != 8 || cpu.Cmp(DefaultNodeCPU) != 0 || mem.String() != "1Ti" || pods.Value() != DefaultNodePods {
			t.Errorf("resources %v", rl)
		}
	}
	if _, err := (GPUNodeSpec{GPUs: 1}).node(); err == nil {
		t.Error("a spec without a name is accepted")
	}
	if _, err := (GPUNodeSpec{Name: "x", GPUs: -1}).node(); err == nil {
		t.Error("a negative GPU count is accepted")
	}
}
