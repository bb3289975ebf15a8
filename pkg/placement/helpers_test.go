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
	"testing"

	corev1 "k8s.io/api/core/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

const (
	h100 = "NVIDIA-H100-80GB-HBM3"
	a100 = "NVIDIA-A100-SXM4-80GB"
	h200 = "NVIDIA-H200"

	regionKey = "topology.kubernetes.io/region"
)

// memberWrapper builds a placement.Member with intent-level setters.
type memberWrapper struct{ placement.Member }

// makeMember returns a healthy member (joined, agent ready) without GPUs.
func makeMember(name string) *memberWrapper {
	return &memberWrapper{placement.Member{Name: name, Joined: true, AgentReady: true}}
}

// Pool adds a pool of product (resource nvidia.com/gpu) whose histogram is given as free, nodes
// pairs.
func (w *memberWrapper) Pool(product string, bars ...int32) *memberWrapper {
	return w.ResourcePool(flotillav1alpha1.DefaultGPUResourceName, product, bars...)
}

// ResourcePool adds a pool of a resource name and product.
func (w *memberWrapper) ResourcePool(resource, product string, bars ...int32) *memberWrapper {
	p := flotillav1alpha1.GPUPool{ResourceName: resource, Product: product}
	for i := 0; i+1 < len(bars); i += 2 {
		p.NodesByFree = append(p.NodesByFree, flotillav1alpha1.NodesAtFree{Free: bars[i], Nodes: bars[i+1]})
		p.Free += int64(bars[i]) * int64(bars[i+1])
		p.Total += 8 * int64(bars[i+1])
	}
	w.GPUs = append(w.GPUs, p)
	return w
}

func (w *memberWrapper) Label(k, v string) *memberWrapper {
	if w.Labels == nil {
		w.Labels = map[string]string{}
	}
	w.Labels[k] = v
	return w
}

func (w *memberWrapper) Region(r string) *memberWrapper { return w.Label(regionKey, r) }

func (w *memberWrapper) Taint(key, value string, effect corev1.TaintEffect) *memberWrapper {
	w.Taints = append(w.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	return w
}

func (w *memberWrapper) Cordoned() *memberWrapper      { w.Unschedulable = true; return w }
func (w *memberWrapper) NotJoined() *memberWrapper     { w.Joined = false; return w }
func (w *memberWrapper) AgentNotReady() *memberWrapper { w.AgentReady = false; return w }
func (w *memberWrapper) Namespace(ns string) *memberWrapper {
	w.NamespaceRestriction = ns
	return w
}

func (w *memberWrapper) Obj() placement.Member { return w.Member }

func snapshot(t testing.TB, members ...*memberWrapper) *placement.Snapshot {
	t.Helper()
	ms := make([]placement.Member, len(members))
	for i, m := range members {
		ms[i] = m.Obj()
	}
	s, err := placement.NewSnapshot(ms)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func demand(t testing.TB, services ...placement.ServiceDemand) *placement.Demand {
	t.Helper()
	d, err := placement.NewDemand(services...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// worker is a GPU service of replicas pods of gpus GPUs accepting products.
func worker(name string, replicas, gpus int32, products ...string) placement.ServiceDemand {
	return placement.ServiceDemand{Name: name, Replicas: replicas, GPUsPerPod: gpus, Products: products}
}

// multinode is a GPU service of replicas replicas of nodes pods of gpus GPUs.
func multinode(name string, replicas, nodes, gpus int32, products ...string) placement.ServiceDemand {
	return placement.ServiceDemand{Name: name, Replicas: replicas, NodesPerReplica: nodes, GPUsPerPod: gpus, Products: products}
}

func frontend() placement.ServiceDemand {
	return placement.ServiceDemand{Name: "Frontend", Replicas: 1}
}

func place(t testing.TB, s *placement.Snapshot, req *placement.Request) *placement.Decision {
	t.Helper()
	d, err := placement.NewPlacer(plugins.NewDefaultFramework()).Place(s, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// members returns the member of each copy.
func members(d *placement.Decision) []string {
	out := make([]string, len(d.Copies))
	for i, c := range d.Copies {
		out[i] = c.Member
	}
	return out
}

// reasons returns every rejected member's reason text, by member.
func reasons(d *placement.Decision) map[string]string {
	out := map[string]string{}
	for _, r := range d.Rejections() {
		out[r.Member] = r.Reason.String()
	}
	return out
}

// graphWrapper builds a DynamoGraphDeployment in v1alpha1, as users write it while the API
// serves v1alpha1; Obj converts it to v1beta1, the version placement reads.
type graphWrapper struct {
	nvidiav1alpha1.DynamoGraphDeployment
}

func makeGraph(namespace, name string) *graphWrapper {
	g := &graphWrapper{}
	g.Namespace, g.Name = namespace, name
	g.Spec.Services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{}
	return g
}

func (g *graphWrapper) Service(name string, svc *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec) *graphWrapper {
	g.Spec.Services[name] = svc
	return g
}

func (g *graphWrapper) Placement(p *flotillav1alpha1.PlacementSpec) *graphWrapper {
	g.Spec.Placement = p
	return g
}

func (g *graphWrapper) Obj() *nvidiav1beta1.DynamoGraphDeployment {
	hub := &nvidiav1beta1.DynamoGraphDeployment{}
	if err := g.DeepCopy().ConvertTo(hub); err != nil {
		panic(err)
	}
	return hub
}

// gpuService is a service of replicas pods with limits.gpu = gpu.
func gpuService(replicas int32, gpu string) *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec {
	return &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
		Replicas:  &replicas,
		Resources: &nvidiav1alpha1.Resources{Limits: &nvidiav1alpha1.ResourceItem{GPU: gpu}},
	}
}
