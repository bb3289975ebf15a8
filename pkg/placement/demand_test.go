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

package placement_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/internal/manifests"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

func productAffinity(terms ...[]corev1.NodeSelectorRequirement) *corev1.Affinity {
	a := &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{}}}
	for _, exprs := range terms {
		a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms = append(
			a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms,
			corev1.NodeSelectorTerm{MatchExpressions: exprs})
	}
	return a
}

func productIn(values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: flotillav1alpha1.GPUProductLabel, Operator: corev1.NodeSelectorOpIn, Values: values}
}

func withPod(svc *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec, pod *corev1.PodSpec) *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec {
	svc.ExtraPodSpec = &nvidiav1alpha1.ExtraPodSpec{PodSpec: pod}
	return svc
}

func TestDemandFromGraph(t *testing.T) {
	productSelector := func(p string) *corev1.PodSpec {
		return &corev1.PodSpec{NodeSelector: map[string]string{flotillav1alpha1.GPUProductLabel: p}}
	}
	tests := []struct {
		name  string
		graph *nvidiav1alpha1.DynamoGraphDeployment
		want  []placement.ServiceDemand
	}{{
		name: "replicas default to 1, CPU-only services need no GPU",
		graph: makeGraph("ns", "g").
			Service("Frontend", &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{}).
			Service("Planner", nil).Obj(),
		want: []placement.ServiceDemand{
			{Name: "Frontend", Replicas: 1, NodesPerReplica: 1, ResourceName: "nvidia.com/gpu"},
			{Name: "Planner", Replicas: 1, NodesPerReplica: 1, ResourceName: "nvidia.com/gpu"},
		},
	}, {
		name:  "limits.gpu, explicit replicas",
		graph: makeGraph("ns", "g").Service("VllmWorker", gpuService(3, "2")).Obj(),
		want:  []placement.ServiceDemand{{Name: "VllmWorker", Replicas: 3, NodesPerReplica: 1, GPUsPerPod: 2, ResourceName: "nvidia.com/gpu"}},
	}, {
		name: "requests.gpu when limits has none, with its gpuType",
		graph: makeGraph("ns", "g").Service("W", &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
			Resources: &nvidiav1alpha1.Resources{
				Requests: &nvidiav1alpha1.ResourceItem{GPU: "4", GPUType: "amd.com/gpu"},
				Limits:   &nvidiav1alpha1.ResourceItem{CPU: "8"},
			}}).Obj(),
		want: []placement.ServiceDemand{{Name: "W", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 4, ResourceName: "amd.com/gpu"}},
	}, {
		name: "limits win over requests",
		graph: makeGraph("ns", "g").Service("W", &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
			Resources: &nvidiav1alpha1.Resources{
				Requests: &nvidiav1alpha1.ResourceItem{GPU: "1"},
				Limits:   &nvidiav1alpha1.ResourceItem{GPU: "2"},
			}}).Obj(),
		want: []placement.ServiceDemand{{Name: "W", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 2, ResourceName: "nvidia.com/gpu"}},
	}, {
		name:  "replicas 0 needs nothing",
		graph: makeGraph("ns", "g").Service("W", gpuService(0, "8")).Obj(),
		want:  []placement.ServiceDemand{{Name: "W", Replicas: 0, NodesPerReplica: 1, GPUsPerPod: 8, ResourceName: "nvidia.com/gpu"}},
	}, {
		name: "multinode nodeCount",
		graph: makeGraph("ns", "g").Service("Sglang", func() *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec {
			s := gpuService(2, "8")
			s.Multinode = &nvidiav1alpha1.MultinodeSpec{NodeCount: 4}
			return s
		}()).Obj(),
		want: []placement.ServiceDemand{{Name: "Sglang", Replicas: 2, NodesPerReplica: 4, GPUsPerPod: 8, ResourceName: "nvidia.com/gpu"}},
	}, {
		name: "products from spec.placement.gpuProducts, sorted, for GPU services only",
		graph: makeGraph("ns", "g").
			Placement(&flotillav1alpha1.PlacementSpec{GPUProducts: []string{h200, h100, h200}}).
			Service("Frontend", &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{}).
			Service("W", gpuService(1, "1")).Obj(),
		want: []placement.ServiceDemand{
			{Name: "Frontend", Replicas: 1, NodesPerReplica: 1, ResourceName: "nvidia.com/gpu"},
			{Name: "W", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 1, ResourceName: "nvidia.com/gpu", Products: []string{h100, h200}},
		},
	}, {
		name:  "products from the pod's nodeSelector",
		graph: makeGraph("ns", "g").Service("W", withPod(gpuService(1, "8"), productSelector(h100))).Obj(),
		want:  []placement.ServiceDemand{{Name: "W", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 8, ResourceName: "nvidia.com/gpu", Products: []string{h100}}},
	}, {
		name: "products from required node affinity: terms ORed, expressions ANDed",
		graph: makeGraph("ns", "g").Service("W", withPod(gpuService(1, "1"), &corev1.PodSpec{Affinity: productAffinity(
			[]corev1.NodeSelectorRequirement{productIn(a100, h100), productIn(h100, h200)},
			[]corev1.NodeSelectorRequirement{productIn(a100)},
		)})).Obj(),
		want: []placement.ServiceDemand{{Name: "W", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 1, ResourceName: "nvidia.com/gpu", Products: []string{a100, h100}}},
	}, {
		name: "an affinity term without a product expression admits any product",
		graph: makeGraph("ns", "g").Service("W", withPod(gpuService(1, "1"), &corev1.PodSpec{Affinity: productAffinity(
			[]corev1.NodeSelectorRequirement{productIn(a100)},
			[]corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}},
		)})).Obj(),
		want: []placement.ServiceDemand{{Name: "W", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 1, ResourceName: "nvidia.com/gpu"}},
	}, {
		name: "spec.placement.gpuProducts narrowed by a service's own nodeSelector",
		graph: makeGraph("ns", "g").
			Placement(&flotillav1alpha1.PlacementSpec{GPUProducts: []string{h100, h200}}).
			Service("Decode", withPod(gpuService(1, "1"), productSelector(h200))).
			Service("Prefill", gpuService(1, "1")).Obj(),
		want: []placement.ServiceDemand{
			{Name: "Decode", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 1, ResourceName: "nvidia.com/gpu", Products: []string{h200}},
			{Name: "Prefill", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 1, ResourceName: "nvidia.com/gpu", Products: []string{h100, h200}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.graph.DeepCopy()
			d, err := placement.DemandFromGraph(tt.graph)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Services(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("services:\n got %+v\nwant %+v", got, tt.want)
			}
			if !reflect.DeepEqual(before, tt.graph) {
				t.Error("DemandFromGraph modified the graph")
			}
		})
	}
}

func TestDemandFromGraphErrors(t *testing.T) {
	tests := []struct {
		name  string
		graph *nvidiav1alpha1.DynamoGraphDeployment
		want  string
	}{{
		name:  "gpu is not a number",
		graph: makeGraph("ns", "g").Service("VllmWorker", gpuService(1, "abc")).Obj(),
		want:  `spec.services[VllmWorker].resources.limits.gpu: Invalid value: "abc": must be a whole number of GPUs`,
	}, {
		name: "requests.gpu is checked too",
		graph: makeGraph("ns", "g").Service("W", &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
			Resources: &nvidiav1alpha1.Resources{Requests: &nvidiav1alpha1.ResourceItem{GPU: "1.5"}}}).Obj(),
		want: `spec.services[W].resources.requests.gpu: Invalid value: "1.5": must be a whole number of GPUs`,
	}, {
		name:  "negative gpu",
		graph: makeGraph("ns", "g").Service("W", gpuService(1, "-1")).Obj(),
		want:  `spec.services[W].resources.limits.gpu: Invalid value: "-1": must be a whole number of GPUs`,
	}, {
		name:  "negative replicas",
		graph: makeGraph("ns", "g").Service("W", gpuService(-1, "1")).Obj(),
		want:  `spec.services[W].replicas: Invalid value: -1: must not be negative`,
	}, {
		name: "nodeCount below 1",
		graph: makeGraph("ns", "g").Service("W", func() *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec {
			s := gpuService(1, "8")
			s.Multinode = &nvidiav1alpha1.MultinodeSpec{}
			return s
		}()).Obj(),
		want: `spec.services[W].multinode.nodeCount: Invalid value: 0: must be at least 1`,
	}, {
		name: "gpuProducts and the service's nodeSelector disagree",
		graph: makeGraph("ns", "g").
			Placement(&flotillav1alpha1.PlacementSpec{GPUProducts: []string{h100}}).
			Service("W", withPod(gpuService(1, "1"), &corev1.PodSpec{NodeSelector: map[string]string{flotillav1alpha1.GPUProductLabel: a100}})).Obj(),
		want: `spec.services[W].extraPodSpec.nodeSelector[nvidia.com/gpu.product]: Invalid value: "` + a100 +
			`": admits none of spec.placement.gpuProducts (` + h100 + `)`,
	}, {
		name: "nodeSelector and affinity admit no common product",
		graph: makeGraph("ns", "g").Service("W", withPod(gpuService(1, "1"), &corev1.PodSpec{
			NodeSelector: map[string]string{flotillav1alpha1.GPUProductLabel: a100},
			Affinity:     productAffinity([]corev1.NodeSelectorRequirement{productIn(h100)}),
		})).Obj(),
		want: `spec.services[W].extraPodSpec.nodeSelector[nvidia.com/gpu.product]: Invalid value: "": admits no GPU product on nvidia.com/gpu.product`,
	}, {
		name: "every bad service is reported",
		graph: makeGraph("ns", "g").
			Service("A", gpuService(1, "x")).
			Service("B", gpuService(1, "y")).Obj(),
		want: `[spec.services[A].resources.limits.gpu: Invalid value: "x": must be a whole number of GPUs, spec.services[B].resources.limits.gpu: Invalid value: "y": must be a whole number of GPUs]`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := placement.DemandFromGraph(tt.graph)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestNewDemand(t *testing.T) {
	if _, err := placement.NewDemand(worker("A", 1, 1), worker("A", 1, 2)); err == nil || !strings.Contains(err.Error(), `"A" is listed twice`) {
		t.Errorf("duplicate service: %v", err)
	}
	if _, err := placement.NewDemand(placement.ServiceDemand{Replicas: 1}); err == nil {
		t.Error("a service without a name is accepted")
	}
	if _, err := placement.NewDemand(worker("A", 1, -1)); err == nil {
		t.Error("negative GPUs are accepted")
	}
	in := []placement.ServiceDemand{worker("B", 2, 4, h200, h100), multinode("A", 1, 2, 8)}
	d, err := placement.NewDemand(in...)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.GPUs(); got != 2*4+2*8 {
		t.Errorf("GPUs() = %d", got)
	}
	if in[0].Products[0] != h200 {
		t.Error("NewDemand sorted its argument's products in place")
	}
	if got := d.Services()[1].Products; !reflect.DeepEqual(got, []string{h100, h200}) {
		t.Errorf("products = %v, want sorted", got)
	}
}

// TestDemandOfExamples derives the demand of every example graph.
func TestDemandOfExamples(t *testing.T) {
	docs, err := manifests.ReadDir(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{ // GPUs per copy
		"vllm-agg": 1, "vllm-disagg": 2, "sglang-multinode": 16, "trtllm-agg": 2,
	}
	seen := 0
	for _, doc := range docs {
		if doc.Object.GetKind() != "DynamoGraphDeployment" {
			continue
		}
		var dgd nvidiav1alpha1.DynamoGraphDeployment
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object.Object, &dgd); err != nil {
			t.Fatalf("%s: %v", doc.File, err)
		}
		d, err := placement.DemandFromGraph(&dgd)
		if err != nil {
			t.Errorf("%s/%s: %v", filepath.Base(doc.File), dgd.Name, err)
			continue
		}
		if gpus, ok := want[dgd.Name]; ok {
			seen++
			if d.GPUs() != gpus {
				t.Errorf("%s: %d GPUs per copy, want %d", dgd.Name, d.GPUs(), gpus)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d expected example graphs", seen, len(want))
	}
}
