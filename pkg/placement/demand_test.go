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
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/test/manifests"
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
		graph *nvidiav1beta1.DynamoGraphDeployment
		want  []placement.ServiceDemand
	}{{
		name: "replicas default to 1, CPU-only services need no GPU",
		graph: makeGraph("ns", "g").
			Service("Frontend", &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{}).
			Service("Planner", &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{}).Obj(),
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

// hubGraph is a graph written in v1beta1 with the given components.
func hubGraph(components ...nvidiav1beta1.DynamoComponentDeploymentSharedSpec) *nvidiav1beta1.DynamoGraphDeployment {
	g := &nvidiav1beta1.DynamoGraphDeployment{}
	g.Namespace, g.Name = "ns", "g"
	g.Spec.Components = components
	return g
}

// pod is a component whose pod has the given init containers and containers.
func pod(name string, initContainers []corev1.Container, containers ...corev1.Container) nvidiav1beta1.DynamoComponentDeploymentSharedSpec {
	return nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: name, PodTemplate: &corev1.PodTemplateSpec{
		Spec: corev1.PodSpec{InitContainers: initContainers, Containers: containers}}}
}

// ctr is a container with the given limits and requests ("resource=quantity").
func ctr(name string, limits, requests corev1.ResourceList) corev1.Container {
	return corev1.Container{Name: name, Resources: corev1.ResourceRequirements{Limits: limits, Requests: requests}}
}

func res(kv ...string) corev1.ResourceList {
	l := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return l
}

// TestDemandFromPodTemplate covers what only v1beta1's pod template can say: sidecars and init
// containers, GPUs named by their resource key.
func TestDemandFromPodTemplate(t *testing.T) {
	always := ptr.To(corev1.ContainerRestartPolicyAlways)
	sidecar := func(c corev1.Container) corev1.Container { c.RestartPolicy = always; return c }
	tests := []struct {
		name      string
		component nvidiav1beta1.DynamoComponentDeploymentSharedSpec
		gpus      int32
		resource  string
	}{{
		name:      "main and a sidecar add up",
		component: pod("W", nil, ctr("main", res("nvidia.com/gpu", "2"), nil), ctr("sidecar", res("nvidia.com/gpu", "1"), nil)),
		gpus:      3, resource: "nvidia.com/gpu",
	}, {
		name:      "requests when limits name no GPU",
		component: pod("W", nil, ctr("main", res("cpu", "4"), res("nvidia.com/gpu", "2"))),
		gpus:      2, resource: "nvidia.com/gpu",
	}, {
		name:      "an init container larger than the app containers",
		component: pod("W", []corev1.Container{ctr("warmup", res("nvidia.com/gpu", "8"), nil)}, ctr("main", res("nvidia.com/gpu", "2"), nil)),
		gpus:      8, resource: "nvidia.com/gpu",
	}, {
		name:      "an init container smaller than the app containers",
		component: pod("W", []corev1.Container{ctr("warmup", res("nvidia.com/gpu", "1"), nil)}, ctr("main", res("nvidia.com/gpu", "2"), nil)),
		gpus:      2, resource: "nvidia.com/gpu",
	}, {
		name: "restartable init containers run beside the app containers and later init containers",
		component: pod("W", []corev1.Container{
			sidecar(ctr("gms", res("nvidia.com/gpu", "1"), nil)),
			ctr("warmup", res("nvidia.com/gpu", "4"), nil),
		}, ctr("main", res("nvidia.com/gpu", "2"), nil)),
		gpus: 5, resource: "nvidia.com/gpu",
	}, {
		name:      "another vendor's GPUs",
		component: pod("W", nil, ctr("main", res("amd.com/gpu", "4", "cpu", "8"), nil)),
		gpus:      4, resource: "amd.com/gpu",
	}, {
		name:      "MIG slices",
		component: pod("W", nil, ctr("main", res("nvidia.com/mig-1g.10gb", "1"), nil)),
		gpus:      1, resource: "nvidia.com/mig-1g.10gb",
	}, {
		name:      "other extended resources are not GPUs",
		component: pod("W", nil, ctr("main", res("rdma/ib", "1", "example.com/fpga", "2"), nil)),
		gpus:      0, resource: "nvidia.com/gpu",
	}, {
		name:      "zero GPUs of another kind do not clash",
		component: pod("W", nil, ctr("main", res("nvidia.com/gpu", "1", "amd.com/gpu", "0"), nil)),
		gpus:      1, resource: "nvidia.com/gpu",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := placement.DemandFromGraph(hubGraph(tt.component))
			if err != nil {
				t.Fatal(err)
			}
			s := d.Services()[0]
			if s.GPUsPerPod != tt.gpus || s.ResourceName != tt.resource {
				t.Errorf("GPUs per pod %d of %s, want %d of %s", s.GPUsPerPod, s.ResourceName, tt.gpus, tt.resource)
			}
		})
	}
}

func TestDemandFromGraphErrors(t *testing.T) {
	tests := []struct {
		name  string
		graph *nvidiav1beta1.DynamoGraphDeployment
		want  string
	}{{
		name:  "gpu is not a whole number",
		graph: hubGraph(pod("VllmWorker", nil, ctr("main", res("nvidia.com/gpu", "1500m"), nil))),
		want:  `spec.components[VllmWorker].podTemplate.spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: "1500m": must be a whole number of GPUs`,
	}, {
		name: "requests.gpu is checked too (written in v1alpha1)",
		graph: makeGraph("ns", "g").Service("W", &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
			Resources: &nvidiav1alpha1.Resources{Requests: &nvidiav1alpha1.ResourceItem{GPU: "1.5"}}}).Obj(),
		want: `spec.components[W].podTemplate.spec.containers[0].resources.requests[nvidia.com/gpu]: Invalid value: "1500m": must be a whole number of GPUs`,
	}, {
		name:  "negative gpu",
		graph: makeGraph("ns", "g").Service("W", gpuService(1, "-1")).Obj(),
		want:  `spec.components[W].podTemplate.spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: "-1": must be a whole number of GPUs`,
	}, {
		name:  "a sidecar's GPUs are checked",
		graph: hubGraph(pod("W", nil, ctr("main", nil, nil), ctr("sidecar", res("nvidia.com/gpu", "500m"), nil))),
		want:  `spec.components[W].podTemplate.spec.containers[1].resources.limits[nvidia.com/gpu]: Invalid value: "500m": must be a whole number of GPUs`,
	}, {
		name:  "two kinds of GPU in one container",
		graph: hubGraph(pod("W", nil, ctr("main", res("nvidia.com/gpu", "1", "amd.com/gpu", "1"), nil))),
		want:  `spec.components[W].podTemplate.spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: "1": a container asks for one kind of GPU, and this one asks for amd.com/gpu too`,
	}, {
		name:  "two kinds of GPU in one pod",
		graph: hubGraph(pod("W", nil, ctr("main", res("nvidia.com/gpu", "1"), nil), ctr("sidecar", res("amd.com/gpu", "1"), nil))),
		want:  `spec.components[W].podTemplate.spec.containers[1].resources: Invalid value: "amd.com/gpu": a pod asks for one kind of GPU: spec.components[W].podTemplate.spec.containers[0] asks for nvidia.com/gpu`,
	}, {
		name:  "negative replicas",
		graph: makeGraph("ns", "g").Service("W", gpuService(-1, "1")).Obj(),
		want:  `spec.components[W].replicas: Invalid value: -1: must not be negative`,
	}, {
		name: "nodeCount below 1",
		graph: makeGraph("ns", "g").Service("W", func() *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec {
			s := gpuService(1, "8")
			s.Multinode = &nvidiav1alpha1.MultinodeSpec{}
			return s
		}()).Obj(),
		want: `spec.components[W].multinode.nodeCount: Invalid value: 0: must be at least 1`,
	}, {
		name: "gpuProducts and the service's nodeSelector disagree",
		graph: makeGraph("ns", "g").
			Placement(&flotillav1alpha1.PlacementSpec{GPUProducts: []string{h100}}).
			Service("W", withPod(gpuService(1, "1"), &corev1.PodSpec{NodeSelector: map[string]string{flotillav1alpha1.GPUProductLabel: a100}})).Obj(),
		want: `spec.components[W].podTemplate.spec.nodeSelector[nvidia.com/gpu.product]: Invalid value: "` + a100 +
			`": admits none of spec.placement.gpuProducts (` + h100 + `)`,
	}, {
		name: "nodeSelector and affinity admit no common product",
		graph: makeGraph("ns", "g").Service("W", withPod(gpuService(1, "1"), &corev1.PodSpec{
			NodeSelector: map[string]string{flotillav1alpha1.GPUProductLabel: a100},
			Affinity:     productAffinity([]corev1.NodeSelectorRequirement{productIn(h100)}),
		})).Obj(),
		want: `spec.components[W].podTemplate.spec.nodeSelector[nvidia.com/gpu.product]: Invalid value: "": admits no GPU product on nvidia.com/gpu.product`,
	}, {
		name: "every bad service is reported",
		graph: makeGraph("ns", "g").
			Service("A", gpuService(1, "1.5")).
			Service("B", gpuService(1, "2.5")).Obj(),
		want: `[spec.components[A].podTemplate.spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: "1500m": must be a whole number of GPUs, spec.components[B].podTemplate.spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: "2500m": must be a whole number of GPUs]`,
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

// TestDemandOfExamples derives the demand of every example graph: those written in v1alpha1
// converted to v1beta1, as the hub reads them, and upstream's v1beta1 examples as they are.
func TestDemandOfExamples(t *testing.T) {
	root := filepath.Join("..", "..", "examples")
	docs, err := manifests.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	more, err := manifests.ReadDir(filepath.Join(root, "v1beta1"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, more...)
	want := map[string]int64{ // GPUs per copy, by file and graph
		"vllm-agg.yaml/vllm-agg": 1, "vllm-disagg.yaml/vllm-disagg": 2,
		"sglang-multinode.yaml/sglang-multinode": 16, "trtllm-agg-affinity.yaml/trtllm-agg": 2,
		"v1beta1/sglang-agg.yaml/sglang-agg": 1, "v1beta1/vllm-disagg-multinode.yaml/vllm-disagg": 4,
		"v1beta1/vllm-agg-snapshot-tp8.yaml/vllm-agg-snapshot-tp8": 8,
	}
	seen := 0
	for _, doc := range docs {
		if doc.Object.GetKind() != "DynamoGraphDeployment" {
			continue
		}
		dgd := &nvidiav1beta1.DynamoGraphDeployment{}
		switch doc.Object.GetAPIVersion() {
		case nvidiav1alpha1.GroupVersion.String():
			var alpha nvidiav1alpha1.DynamoGraphDeployment
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object.Object, &alpha); err != nil {
				t.Fatalf("%s: %v", doc.File, err)
			}
			if err := alpha.ConvertTo(dgd); err != nil {
				t.Fatalf("%s: %v", doc.File, err)
			}
		default:
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object.Object, dgd); err != nil {
				t.Fatalf("%s: %v", doc.File, err)
			}
		}
		d, err := placement.DemandFromGraph(dgd)
		if err != nil {
			t.Errorf("%s/%s: %v", filepath.Base(doc.File), dgd.Name, err)
			continue
		}
		file, err := filepath.Rel(root, doc.File)
		if err != nil {
			file = doc.File
		}
		key := filepath.ToSlash(file) + "/" + dgd.Name
		if gpus, ok := want[key]; ok {
			seen++
			if d.GPUs() != gpus {
				t.Errorf("%s: %d GPUs per copy, want %d", key, d.GPUs(), gpus)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d expected example graphs", seen, len(want))
	}
}
