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

package inventory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

func TestTransformNode(t *testing.T) {
	s := &NodeSource{resourceNames: []string{flotillav1alpha1.DefaultGPUResourceName}}
	in := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: "h100-0", UID: "u", ResourceVersion: "7",
			Labels: map[string]string{
				flotillav1alpha1.GPUProductLabel: "NVIDIA-H100-80GB-HBM3", "kubernetes.io/hostname": "h100-0",
			},
			Annotations:   map[string]string{"a": "b"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}},
		},
		Spec: corev1.NodeSpec{
			Unschedulable: true,
			PodCIDR:       "10.0.0.0/24",
			Taints: []corev1.Taint{
				{Key: "kwok.x-k8s.io/node", Value: "fake", Effect: corev1.TaintEffectNoSchedule},
				{Key: "soft", Effect: corev1.TaintEffectPreferNoSchedule},
				{Key: "gone", Effect: corev1.TaintEffectNoExecute, TimeAdded: ptr.To(metav1.Now())},
			},
		},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("64"),
				"nvidia.com/gpu":   resource.MustParse("8"),
			},
			Capacity: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("8")},
			Conditions: []corev1.NodeCondition{
				{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
				{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "ok"},
			},
			Images: []corev1.ContainerImage{{Names: []string{"big"}, SizeBytes: 1 << 30}},
		},
	}
	want := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: "h100-0", UID: "u", ResourceVersion: "7",
			Labels: map[string]string{flotillav1alpha1.GPUProductLabel: "NVIDIA-H100-80GB-HBM3"},
		},
		Spec: corev1.NodeSpec{
			Unschedulable: true,
			Taints: []corev1.Taint{
				{Key: "kwok.x-k8s.io/node", Effect: corev1.TaintEffectNoSchedule},
				{Key: "gone", Effect: corev1.TaintEffectNoExecute},
			},
		},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{"nvidia.com/gpu": *resource.NewQuantity(8, resource.DecimalSI)},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
	got, err := s.transformNode(in.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("transformNode() mismatch (-want +got):\n%s", diff)
	}
	again, _ := s.transformNode(got)
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("transformNode() is not idempotent (-want +got):\n%s", diff)
	}
	// What the Tracker reads is the same before and after.
	n := got.(*corev1.Node)
	if NodeSchedulable(n, nil) != NodeSchedulable(in, nil) || NodeProduct(n) != NodeProduct(in) ||
		!cmp.Equal(NodeGPUs(n, s.resourceNames), NodeGPUs(in, s.resourceNames)) {
		t.Error("transformNode() changed what the Tracker reads")
	}
	if tomb, err := s.transformNode("not a node"); err != nil || tomb != "not a node" {
		t.Errorf("transformNode(other) = %v, %v; want it unchanged", tomb, err)
	}
}

func TestTransformPod(t *testing.T) {
	s := &NodeSource{resourceNames: []string{flotillav1alpha1.DefaultGPUResourceName}}
	gpuPod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "ns", UID: "u", ResourceVersion: "3",
			Labels: map[string]string{"app": "w"}},
		Spec: corev1.PodSpec{
			NodeName: "h100-0",
			InitContainers: []corev1.Container{{Name: "init", Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("6")}}}},
			Containers: []corev1.Container{
				{Name: "main", Image: "vllm", Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("4"), corev1.ResourceCPU: resource.MustParse("8")},
					Limits:   corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("4")}}},
			},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1"},
	}
	want := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "ns", UID: "u", ResourceVersion: "3"},
		Spec: corev1.PodSpec{NodeName: "h100-0", Containers: []corev1.Container{{Name: "gpus",
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{"nvidia.com/gpu": *resource.NewQuantity(6, resource.DecimalSI)}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	got, err := s.transformPod(gpuPod.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("transformPod() mismatch (-want +got):\n%s", diff)
	}
	again, _ := s.transformPod(got)
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("transformPod() is not idempotent (-want +got):\n%s", diff)
	}

	cpuPod := gpuPod.DeepCopy()
	cpuPod.Spec.InitContainers = nil
	cpuPod.Spec.Containers[0].Resources = corev1.ResourceRequirements{}
	got, _ = s.transformPod(cpuPod)
	wantStub := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "ns", UID: "u", ResourceVersion: "3"}}
	if diff := cmp.Diff(wantStub, got); diff != "" {
		t.Errorf("transformPod() of a pod without GPUs mismatch (-want +got):\n%s", diff)
	}
}

// TestNodeSourceHandlers feeds the event handlers transformed objects and tombstones, as the
// informers do.
func TestNodeSourceHandlers(t *testing.T) {
	s := &NodeSource{
		tracker:          NewTracker(),
		resourceNames:    []string{flotillav1alpha1.DefaultGPUResourceName},
		ignoredTaintKeys: []string{"kwok.x-k8s.io/node"},
	}
	s.synced.Store(true)
	gpus := func(n int64) corev1.ResourceList {
		return corev1.ResourceList{"nvidia.com/gpu": *resource.NewQuantity(n, resource.DecimalSI)}
	}
	node, _ := s.transformNode(&corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "h100-0", Labels: map[string]string{flotillav1alpha1.GPUProductLabel: "H100"}},
		Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: "kwok.x-k8s.io/node", Effect: corev1.TaintEffectNoSchedule}}},
		Status: corev1.NodeStatus{Allocatable: gpus(8),
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
	})
	pod, _ := s.transformPod(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "ns", UID: "u"},
		Spec: corev1.PodSpec{NodeName: "h100-0", Containers: []corev1.Container{{Name: "main",
			Resources: corev1.ResourceRequirements{Requests: gpus(3), Limits: gpus(3)}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	})
	s.onPod(pod)
	s.onNode(node)
	want := []flotillav1alpha1.GPUPool{{ResourceName: "nvidia.com/gpu", Product: "H100", Total: 8, Free: 5,
		NodesByFree: []flotillav1alpha1.NodesAtFree{{Free: 5, Nodes: 1}}}}
	if got, _ := s.Snapshot(); !cmp.Equal(want, got) {
		t.Errorf("Snapshot() = %+v, want %+v", got, want)
	}

	s.onPodDelete(toolscache.DeletedFinalStateUnknown{Key: "ns/w", Obj: pod})
	want[0].Free, want[0].NodesByFree = 8, []flotillav1alpha1.NodesAtFree{{Free: 8, Nodes: 1}}
	if got, _ := s.Snapshot(); !cmp.Equal(want, got) {
		t.Errorf("Snapshot() after the pod's tombstone = %+v, want %+v", got, want)
	}
	s.onNodeDelete(toolscache.DeletedFinalStateUnknown{Key: "h100-0", Obj: node})
	if got, _ := s.Snapshot(); got != nil {
		t.Errorf("Snapshot() after the node's tombstone = %+v, want none", got)
	}
	s.onNode("not a node")
	s.onPod("not a pod")
}
