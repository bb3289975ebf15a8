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

package placement

import (
	"reflect"
	"testing"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// packOn packs one copy of services into a single member with pools and returns the result,
// the takes and the member's histograms after packing (bars by pool key "resource/product").
func packOn(t *testing.T, pools []flotillav1alpha1.GPUPool, services ...ServiceDemand) (res packResult, failed string, fit Fit, takes []takeRec, after map[string][]int32) {
	t.Helper()
	s, err := NewSnapshot([]Member{{Name: "m", Joined: true, AgentReady: true, GPUs: pools}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDemand(services...)
	if err != nil {
		t.Fatal(err)
	}
	var sc scratch
	sc.eligibility(s, d)
	w, res, _ := sc.fitCopy(s, 0, nil, d, true, searchBudget)
	if !res.ok {
		failed = d.services[res.failed].Name
	}
	after = map[string][]int32{}
	for _, p := range w.pools {
		k := s.keys[p.key]
		after[k.resource+"/"+k.product] = append([]int32(nil), w.work[p.off:p.off+p.n]...)
	}
	return res, failed, w.fit(), append([]takeRec(nil), w.takes...), after
}

func TestPack(t *testing.T) {
	const nv = flotillav1alpha1.DefaultGPUResourceName
	tests := []struct {
		name     string
		pools    []flotillav1alpha1.GPUPool
		services []ServiceDemand
		// failed is the service that does not fit ("" if everything fits), have its room and
		// shared whether it fits on its own.
		failed string
		have   int32
		shared bool
		// stage is the stage that packed the copy, when it fits: 1 unless set.
		stage uint8
		// after are the loaded histograms after packing, when everything fits.
		after    map[string][]int32
		leftover int64
	}{{
		name:     "8 nodes with 1 free GPU do not hold one 8-GPU pod",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 1, 8)},
		services: []ServiceDemand{{Name: "W", Replicas: 1, GPUsPerPod: 8}},
		failed:   "W",
	}, {
		name:     "one node with 8 free holds an 8-GPU pod",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1, 1, 8)},
		services: []ServiceDemand{{Name: "W", Replicas: 1, GPUsPerPod: 8}},
		after:    map[string][]int32{nv + "/H": {1, 8, 0, 0, 0, 0, 0, 0, 0}},
	}, {
		name:     "a node with 16 free holds two 8-GPU pods",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 16, 1)},
		services: []ServiceDemand{{Name: "W", Replicas: 2, GPUsPerPod: 8}},
		after:    map[string][]int32{nv + "/H": {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	}, {
		name:     "a third pod has no room; the reason counts the two that fit",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 16, 1)},
		services: []ServiceDemand{{Name: "W", Replicas: 3, GPUsPerPod: 8}},
		failed:   "W",
		have:     2,
	}, {
		name:     "best fit: the pod goes to the node with the fewest free GPUs that holds it",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1, 4, 1)},
		services: []ServiceDemand{{Name: "W", Replicas: 1, GPUsPerPod: 4}},
		after:    map[string][]int32{nv + "/H": {1, 0, 0, 0, 0, 0, 0, 0, 1}},
	}, {
		name:  "largest pods first, so the small ones do not break the big node",
		pools: []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1, 6, 1)},
		services: []ServiceDemand{
			{Name: "Small", Replicas: 3, GPUsPerPod: 2},
			{Name: "Big", Replicas: 1, GPUsPerPod: 8},
		},
		// Big empties the 8-GPU node; the three small pods fill the 6-GPU node.
		after: map[string][]int32{nv + "/H": {2, 0, 0, 0, 0, 0, 0, 0, 0}},
	}, {
		name:     "pods of 3 GPUs on nodes of 8: two per node, 2 left on each",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 8, 2)},
		services: []ServiceDemand{{Name: "W", Replicas: 3, GPUsPerPod: 3}},
		// First node takes two pods (8 -> 2), second takes one (8 -> 5).
		after:    map[string][]int32{nv + "/H": {0, 0, 1, 0, 0, 1, 0, 0, 0}},
		leftover: 7,
	}, {
		name:     "services of one copy share the nodes they touch",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1)},
		services: []ServiceDemand{{Name: "Decode", Replicas: 1, GPUsPerPod: 4}, {Name: "Prefill", Replicas: 1, GPUsPerPod: 2}},
		after:    map[string][]int32{nv + "/H": {0, 0, 1, 0, 0, 0, 0, 0, 0}},
		leftover: 2,
	}, {
		name:     "multinode: a replica needs nodeCount distinct nodes",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 16, 1)},
		services: []ServiceDemand{{Name: "Sglang", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 8}},
		failed:   "Sglang",
		have:     1,
	}, {
		name:     "multinode: two nodes with 8 free hold a 2-node replica",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 8, 2, 4, 3)},
		services: []ServiceDemand{{Name: "Sglang", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 8}},
		after:    map[string][]int32{nv + "/H": {2, 0, 0, 0, 3, 0, 0, 0, 0}},
	}, {
		name:     "multinode: the second replica does not fit; the reason counts the replicas that do",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 8, 3)},
		services: []ServiceDemand{{Name: "Sglang", Replicas: 2, NodesPerReplica: 2, GPUsPerPod: 8}},
		failed:   "Sglang",
		have:     1,
	}, {
		name:     "multinode: best-fit nodes of mixed bars",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1, 6, 1, 4, 1)},
		services: []ServiceDemand{{Name: "W", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 4}},
		// The 4- and 6-GPU nodes: 0 and 2 left.
		after:    map[string][]int32{nv + "/H": {1, 0, 1, 0, 0, 0, 0, 0, 1}},
		leftover: 2,
	}, {
		name:     "multinode: nodes with room for two pods each take one pod of two replicas",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 16, 2)},
		services: []ServiceDemand{{Name: "W", Replicas: 2, NodesPerReplica: 2, GPUsPerPod: 8}},
		after:    map[string][]int32{nv + "/H": {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	}, {
		name:     "multinode: a third replica finds no free node",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 16, 2)},
		services: []ServiceDemand{{Name: "W", Replicas: 3, NodesPerReplica: 2, GPUsPerPod: 8}},
		failed:   "W",
		have:     2,
	}, {
		name:     "multinode: groups of nodes in one step, and a partial group",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 12, 6)},
		services: []ServiceDemand{{Name: "W", Replicas: 5, NodesPerReplica: 3, GPUsPerPod: 4}},
		// Two groups of 3 nodes: the first takes 3 replicas (12 -> 0), the second 2 (12 -> 4).
		after:    map[string][]int32{nv + "/H": {3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0}},
		leftover: 12,
	}, {
		name:     "multinode: one replica's nodes come from one pool",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("A", 8, 1), gpuPool("H", 8, 1)},
		services: []ServiceDemand{{Name: "W", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 8}},
		failed:   "W",
		have:     1,
	}, {
		name:     "multinode: the replica goes to the pool it fits tightest",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("A", 8, 2), gpuPool("H", 4, 2)},
		services: []ServiceDemand{{Name: "W", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 4}},
		after:    map[string][]int32{nv + "/A": {0, 0, 0, 0, 0, 0, 0, 0, 2}, nv + "/H": {2, 0, 0, 0, 0}},
	}, {
		name:     "products: pods use only the pools of their products",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("A", 8, 4), gpuPool("H", 1, 1)},
		services: []ServiceDemand{{Name: "W", Replicas: 1, GPUsPerPod: 2, Products: []string{"H"}}},
		failed:   "W",
	}, {
		name:     "any product: the tightest node over all pools",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("A", 8, 1), gpuPool("H", 4, 1)},
		services: []ServiceDemand{{Name: "W", Replicas: 1, GPUsPerPod: 4}},
		after:    map[string][]int32{nv + "/A": {0, 0, 0, 0, 0, 0, 0, 0, 1}, nv + "/H": {1, 0, 0, 0, 0}},
	}, {
		name:     "any product: on a tie, the pool whose product sorts first",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1), gpuPool("A", 8, 1)},
		services: []ServiceDemand{{Name: "W", Replicas: 1, GPUsPerPod: 8}},
		after:    map[string][]int32{nv + "/A": {1, 0, 0, 0, 0, 0, 0, 0, 0}, nv + "/H": {0, 0, 0, 0, 0, 0, 0, 0, 1}},
	}, {
		name: "resource names: AMD pods do not use NVIDIA pools",
		pools: []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1),
			{ResourceName: "amd.com/gpu", Product: "MI300X", NodesByFree: []flotillav1alpha1.NodesAtFree{{Free: 2, Nodes: 1}}}},
		services: []ServiceDemand{{Name: "W", Replicas: 1, GPUsPerPod: 4, ResourceName: "amd.com/gpu"}},
		failed:   "W",
	}, {
		name:  "retry: a service of two products leaves its sibling the one product it takes",
		pools: []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1), gpuPool("L", 8, 2)},
		// Best fit puts Decode on H (a tie, H sorts first), and Prefill finds no H node left;
		// Prefill, of fewer products, goes first on the retry.
		services: []ServiceDemand{
			{Name: "Decode", Replicas: 1, GPUsPerPod: 8, Products: []string{"H", "L"}},
			{Name: "Prefill", Replicas: 1, GPUsPerPod: 8, Products: []string{"H"}},
		},
		stage: 2,
		after: map[string][]int32{nv + "/H": {1, 0, 0, 0, 0, 0, 0, 0, 0}, nv + "/L": {1, 0, 0, 0, 0, 0, 0, 0, 1}},
	}, {
		name:  "retry: a multinode replica goes before a bigger pod of any product takes its nodes",
		pools: []flotillav1alpha1.GPUPool{gpuPool("H", 8, 2), gpuPool("L", 8, 1)},
		services: []ServiceDemand{
			{Name: "Big", Replicas: 1, GPUsPerPod: 8},
			{Name: "Sglang", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 4, Products: []string{"H"}},
		},
		stage:    2,
		after:    map[string][]int32{nv + "/H": {0, 0, 0, 0, 2, 0, 0, 0, 0}, nv + "/L": {1, 0, 0, 0, 0, 0, 0, 0, 0}},
		leftover: 8,
	}, {
		name:  "search: a multinode replica of any product leaves its sibling the product it needs",
		pools: []flotillav1alpha1.GPUPool{gpuPool("H", 8, 2), gpuPool("L", 8, 2)},
		// Best fit puts the replica on H (a tie, H sorts first), in both orders: multinode
		// services go first on the retry too.
		services: []ServiceDemand{
			{Name: "Sglang", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 8},
			{Name: "W", Replicas: 1, GPUsPerPod: 8, Products: []string{"H"}},
		},
		stage: 3,
		after: map[string][]int32{nv + "/H": {1, 0, 0, 0, 0, 0, 0, 0, 1}, nv + "/L": {2, 0, 0, 0, 0, 0, 0, 0, 0}},
	}, {
		name:  "search: pods of two sizes that best fit decreasing does not pack",
		pools: []flotillav1alpha1.GPUPool{gpuPool("H", 6, 1, 4, 1)},
		// Best fit puts a 3-GPU pod on each node (1 and 3 left): one 2-GPU pod fits, not two.
		// Both 3-GPU pods on the 6-GPU node leave the 4-GPU node to the 2-GPU pods.
		services: []ServiceDemand{{Name: "A", Replicas: 2, GPUsPerPod: 3}, {Name: "B", Replicas: 2, GPUsPerPod: 2}},
		stage:    3,
		after:    map[string][]int32{nv + "/H": {2, 0, 0, 0, 0, 0, 0}},
	}, {
		name:  "search: multinode replicas that best fit would spread badly",
		pools: []flotillav1alpha1.GPUPool{gpuPool("H", 16, 1, 8, 2)},
		// Best fit gives the first replica both 8-GPU nodes, and the second finds one node. Each
		// replica on the 16-GPU node and an 8-GPU node fits both.
		services: []ServiceDemand{{Name: "W", Replicas: 2, NodesPerReplica: 2, GPUsPerPod: 8}},
		stage:    3,
		after:    map[string][]int32{nv + "/H": {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	}, {
		name:     "shared: two services that each fit on their own but not together",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1, 2, 1)},
		services: []ServiceDemand{{Name: "A", Replicas: 1, GPUsPerPod: 8}, {Name: "B", Replicas: 3, GPUsPerPod: 2}},
		// A takes the 8-GPU node; the 2-GPU node holds one of B's three pods.
		failed: "B",
		have:   1,
		shared: true,
	}, {
		name:  "shared: crowded pods of 5 and 6 GPUs, one per 8-GPU node",
		pools: []flotillav1alpha1.GPUPool{gpuPool("H", 8, 3)},
		services: []ServiceDemand{
			{Name: "A", Replicas: 2, GPUsPerPod: 6},
			{Name: "B", Replicas: 2, GPUsPerPod: 5},
		},
		failed: "B",
		have:   1,
		shared: true,
	}, {
		name:  "the reason names a service that does not fit on its own, whichever failed first",
		pools: []flotillav1alpha1.GPUPool{gpuPool("H", 8, 1)},
		// A takes the node, and B fails first; but C, which needs an L node, fits nowhere.
		services: []ServiceDemand{
			{Name: "A", Replicas: 1, GPUsPerPod: 8},
			{Name: "B", Replicas: 1, GPUsPerPod: 4},
			{Name: "C", Replicas: 1, GPUsPerPod: 2, Products: []string{"L"}},
		},
		failed: "C",
	}, {
		name:     "CPU-only services fit a member without GPUs",
		pools:    nil,
		services: []ServiceDemand{{Name: "Frontend", Replicas: 3}},
		after:    map[string][]int32{},
	}, {
		name:     "nodes beyond 1024 free GPUs count as 1024",
		pools:    []flotillav1alpha1.GPUPool{gpuPool("H", 5000, 1)},
		services: []ServiceDemand{{Name: "W", Replicas: 2, GPUsPerPod: 512}},
		leftover: 0,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, failed, fit, takes, after := packOn(t, tt.pools, tt.services...)
			if failed != tt.failed || (!res.ok && (res.have != tt.have || res.shared != tt.shared)) {
				t.Fatalf("failed %q (have %d, shared %v), want %q (have %d, shared %v)", failed, res.have, res.shared, tt.failed, tt.have, tt.shared)
			}
			if !res.ok {
				return
			}
			if want := max(tt.stage, 1); res.stage != want {
				t.Errorf("packed at stage %d, want %d", res.stage, want)
			}
			if tt.after != nil && !reflect.DeepEqual(after, tt.after) {
				t.Errorf("histograms after packing:\n got %v\nwant %v", after, tt.after)
			}
			if fit.LeftoverOnUsedNodes != tt.leftover {
				t.Errorf("leftover on used nodes = %d, want %d", fit.LeftoverOnUsedNodes, tt.leftover)
			}
			var gpus int64
			for _, s := range tt.services {
				gpus += int64(s.Replicas) * int64(max(s.NodesPerReplica, 1)) * int64(s.GPUsPerPod)
			}
			if fit.GPUs != gpus {
				t.Errorf("fit takes %d GPUs, want %d", fit.GPUs, gpus)
			}
			// The takes, replayed exactly on the original histograms, give the same result.
			s, err := NewSnapshot([]Member{{Name: "m", GPUs: tt.pools}})
			if err != nil {
				t.Fatal(err)
			}
			var sc scratch
			d, _ := NewDemand(tt.services...)
			w := sc.load(s, 0, nil, sc.eligibility(s, d).any)
			for _, tk := range takes {
				p := w.pools[tk.pool]
				if !applyTake(w.work[p.off:p.off+p.n], tk.from, tk.gpus, tk.nodes) {
					t.Fatalf("take %+v did not replay exactly", tk)
				}
			}
			replayed := map[string][]int32{}
			for _, p := range w.pools {
				k := s.keys[p.key]
				replayed[k.resource+"/"+k.product] = w.work[p.off : p.off+p.n]
			}
			if !reflect.DeepEqual(replayed, after) {
				t.Errorf("replayed takes give %v, packing gave %v", replayed, after)
			}
		})
	}
}

func TestApplyTake(t *testing.T) {
	tests := []struct {
		name              string
		counts            []int32
		from, gpus, nodes int32
		want              []int32
		exact             bool
	}{
		{"exact", []int32{0, 0, 0, 0, 2}, 4, 3, 1, []int32{0, 1, 0, 0, 1}, true},
		{"bar gone: best fit from a larger bar", []int32{0, 0, 0, 0, 0, 0, 1}, 4, 3, 1, []int32{0, 0, 0, 1, 0, 0, 0}, false},
		{"bar gone: the smallest bar that holds it", []int32{0, 0, 0, 1, 0, 0, 1}, 4, 3, 1, []int32{1, 0, 0, 0, 0, 0, 1}, false},
		{"nothing holds it: the fullest node is emptied", []int32{0, 1, 1}, 4, 3, 1, []int32{1, 1, 0}, false},
		{"partly exact", []int32{0, 0, 0, 0, 1, 0, 0, 0, 1}, 4, 4, 2, []int32{1, 0, 0, 0, 1, 0, 0, 0, 0}, false},
		{"no free GPU left at all", []int32{3}, 2, 1, 1, []int32{3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := append([]int32(nil), tt.counts...)
			if exact := applyTake(got, tt.from, tt.gpus, tt.nodes); exact != tt.exact {
				t.Errorf("exact = %v, want %v", exact, tt.exact)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("counts = %v, want %v", got, tt.want)
			}
		})
	}
}
