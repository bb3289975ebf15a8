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

package inventory_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/types"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

const (
	h100 = "NVIDIA-H100-80GB-HBM3"
	a100 = "NVIDIA-A100-SXM4-80GB"
	gpu  = flotillav1alpha1.DefaultGPUResourceName
	mig  = "nvidia.com/mig-1g.10gb"
)

// pool builds an expected pool of resource name res; bars are free, nodes pairs, most free first.
func pool(res, product string, total, free int64, unschedulable int32, bars ...int32) flotillav1alpha1.GPUPool {
	p := flotillav1alpha1.GPUPool{ResourceName: res, Product: product, Total: total, Free: free,
		UnschedulableNodes: unschedulable}
	for i := 0; i+1 < len(bars); i += 2 {
		p.NodesByFree = append(p.NodesByFree, flotillav1alpha1.NodesAtFree{Free: bars[i], Nodes: bars[i+1]})
	}
	return p
}

// gpus is an allocatable or request map of nvidia.com/gpu.
func gpus(n int64) map[string]int64 { return map[string]int64{gpu: n} }

// Steps on a Tracker, named after what they do to the cluster.
type step func(t *inventory.Tracker)

func node(name, product string, n int64) step {
	return func(t *inventory.Tracker) { t.UpsertNode(name, gpus(n), product, true) }
}

func unschedulableNode(name, product string, n int64) step {
	return func(t *inventory.Tracker) { t.UpsertNode(name, gpus(n), product, false) }
}

func deleteNode(name string) step {
	return func(t *inventory.Tracker) { t.DeleteNode(name) }
}

func pod(uid, nodeName string, n int64) step {
	return func(t *inventory.Tracker) { t.UpsertPod(types.UID(uid), nodeName, gpus(n), false) }
}

func finishPod(uid, nodeName string, n int64) step {
	return func(t *inventory.Tracker) { t.UpsertPod(types.UID(uid), nodeName, gpus(n), true) }
}

func deletePod(uid string) step {
	return func(t *inventory.Tracker) { t.DeletePod(types.UID(uid)) }
}

// cluster is two 8-GPU H100 nodes and one 4-GPU A100 node.
var cluster = []step{node("h100-0", h100, 8), node("h100-1", h100, 8), node("a100-0", a100, 4)}

func steps(groups ...[]step) []step {
	var out []step
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func TestTracker(t *testing.T) {
	busy := steps(cluster, []step{pod("p1", "h100-0", 4), pod("p2", "h100-1", 8), pod("p3", "a100-0", 1)})
	cases := []struct {
		name  string
		steps []step
		want  []flotillav1alpha1.GPUPool
	}{{
		name: "empty",
	}, {
		name:  "two products, every GPU free, ordered by product",
		steps: cluster,
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 4, 0, 4, 1), pool(gpu, h100, 16, 16, 0, 8, 2)},
	}, {
		name:  "pods take GPUs, full nodes stay in the histogram at 0",
		steps: busy,
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 3, 0, 3, 1), pool(gpu, h100, 16, 4, 0, 4, 1, 0, 1)},
	}, {
		name:  "a finished pod frees its GPUs",
		steps: steps(busy, []step{finishPod("p2", "h100-1", 8)}),
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 3, 0, 3, 1), pool(gpu, h100, 16, 12, 0, 8, 1, 4, 1)},
	}, {
		name:  "a deleted pod frees its GPUs, twice is harmless",
		steps: steps(busy, []step{deletePod("p1"), deletePod("p1"), deletePod("unknown")}),
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 3, 0, 3, 1), pool(gpu, h100, 16, 8, 0, 8, 1, 0, 1)},
	}, {
		name:  "a pod seen again is counted once",
		steps: steps(busy, []step{pod("p1", "h100-0", 4), pod("p1", "h100-0", 4)}),
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 3, 0, 3, 1), pool(gpu, h100, 16, 4, 0, 4, 1, 0, 1)},
	}, {
		name:  "a cordoned or tainted node is counted apart",
		steps: steps(busy, []step{unschedulableNode("h100-0", h100, 8)}),
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 3, 0, 3, 1), pool(gpu, h100, 8, 0, 1, 0, 1)},
	}, {
		name:  "an uncordoned node comes back with its pods",
		steps: steps(busy, []step{unschedulableNode("h100-0", h100, 8), node("h100-0", h100, 8)}),
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 3, 0, 3, 1), pool(gpu, h100, 16, 4, 0, 4, 1, 0, 1)},
	}, {
		name:  "a pool of unschedulable nodes only has no GPU",
		steps: steps(busy, []step{unschedulableNode("a100-0", a100, 4)}),
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 0, 0, 1), pool(gpu, h100, 16, 4, 0, 4, 1, 0, 1)},
	}, {
		name:  "a deleted node leaves its pool, a pool without nodes disappears",
		steps: steps(busy, []step{deleteNode("a100-0"), deleteNode("h100-1"), deleteNode("gone")}),
		want:  []flotillav1alpha1.GPUPool{pool(gpu, h100, 8, 4, 0, 4, 1)},
	}, {
		name:  "a node that comes back counts the pods still bound to it",
		steps: steps(busy, []step{deleteNode("h100-0"), node("h100-0", h100, 8)}),
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 3, 0, 3, 1), pool(gpu, h100, 16, 4, 0, 4, 1, 0, 1)},
	}, {
		name:  "pods on a node not known yet are remembered",
		steps: []step{pod("early", "late", 3), pod("early-2", "late", 1)},
	}, {
		name:  "pods on a node not known yet count when it arrives",
		steps: []step{pod("early", "late", 3), pod("early-2", "late", 1), node("late", h100, 8)},
		want:  []flotillav1alpha1.GPUPool{pool(gpu, h100, 8, 4, 0, 4, 1)},
	}, {
		name:  "an over-requested node has 0 free, not less",
		steps: []step{node("small", a100, 4), pod("a", "small", 3), pod("b", "small", 3)},
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 0, 0, 0, 1)},
	}, {
		name:  "a node whose allocatable shrinks",
		steps: steps(busy, []step{node("h100-1", h100, 6)}),
		want:  []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 3, 0, 3, 1), pool(gpu, h100, 14, 4, 0, 4, 1, 0, 1)},
	}, {
		name:  "a node relabelled to another product moves pool",
		steps: steps(busy, []step{node("h100-1", a100, 8)}),
		want: []flotillav1alpha1.GPUPool{pool(gpu, a100, 12, 3, 0, 3, 1, 0, 1),
			pool(gpu, h100, 8, 4, 0, 4, 1)},
	}, {
		name:  "nodes without GPUs or without a product label",
		steps: []step{node("cpu", "", 0), node("unlabelled", "", 2)},
		want:  []flotillav1alpha1.GPUPool{pool(gpu, "", 2, 2, 0, 2, 1)},
	}, {
		name: "pools are ordered by resource name, then product",
		steps: []step{
			node("h100-0", h100, 8),
			func(t *inventory.Tracker) {
				t.UpsertNode("mig-0", map[string]int64{mig: 7, gpu: 0}, a100, true)
				t.UpsertPod("m", "mig-0", map[string]int64{mig: 2, gpu: 0}, false)
			},
			node("a100-0", a100, 4),
		},
		want: []flotillav1alpha1.GPUPool{pool(gpu, a100, 4, 4, 0, 4, 1), pool(gpu, h100, 8, 8, 0, 8, 1),
			pool(mig, a100, 7, 5, 0, 5, 1)},
	}, {
		name:  "pods without GPUs or unbound are ignored",
		steps: []step{node("h100-0", h100, 8), pod("cpu", "h100-0", 0), pod("pending", "", 8)},
		want:  []flotillav1alpha1.GPUPool{pool(gpu, h100, 8, 8, 0, 8, 1)},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := inventory.NewTracker()
			for _, s := range tc.steps {
				s(tr)
			}
			if diff := cmp.Diff(tc.want, tr.Snapshot()); diff != "" {
				t.Errorf("Snapshot() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTrackerUndo checks the bookkeeping returns to empty once every node and pod is gone, in
// any order, so that no pool or usage leaks.
func TestTrackerUndo(t *testing.T) {
	tr := inventory.NewTracker()
	for _, s := range steps(cluster, []step{pod("p1", "h100-0", 4), pod("p2", "h100-1", 8), pod("p3", "nowhere", 2)}) {
		s(tr)
	}
	tr.DeleteNode("h100-0")
	tr.DeletePod("p2")
	tr.DeleteNode("a100-0")
	tr.DeletePod("p1")
	tr.DeletePod("p3")
	tr.DeleteNode("h100-1")
	if got := tr.Snapshot(); got != nil {
		t.Errorf("Snapshot() after removing everything = %v, want nil", got)
	}
	// Re-adding a node finds no stale usage.
	tr.UpsertNode("h100-0", gpus(8), h100, true)
	if diff := cmp.Diff([]flotillav1alpha1.GPUPool{pool(gpu, h100, 8, 8, 0, 8, 1)}, tr.Snapshot()); diff != "" {
		t.Errorf("Snapshot() mismatch (-want +got):\n%s", diff)
	}
}

// TestTrackerCopiesInputs checks that maps given to the Tracker may be reused by the caller.
func TestTrackerCopiesInputs(t *testing.T) {
	tr := inventory.NewTracker()
	alloc, req := gpus(8), gpus(2)
	tr.UpsertNode("n", alloc, h100, true)
	tr.UpsertPod("p", "n", req, false)
	alloc[gpu], req[gpu] = 1, 1
	if diff := cmp.Diff([]flotillav1alpha1.GPUPool{pool(gpu, h100, 8, 6, 0, 6, 1)}, tr.Snapshot()); diff != "" {
		t.Errorf("Snapshot() mismatch (-want +got):\n%s", diff)
	}
}

// TestTrackerConcurrent feeds a Tracker from several goroutines while reading snapshots, as
// informer handlers and the Writer do (run with -race).
func TestTrackerConcurrent(t *testing.T) {
	tr := inventory.NewTracker()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				node := fmt.Sprintf("n%d", i%10)
				uid := types.UID(fmt.Sprintf("p%d-%d", w, i))
				switch w {
				case 0:
					tr.UpsertNode(node, gpus(8), h100, i%3 != 0)
				default:
					tr.UpsertPod(uid, node, gpus(1), false)
					tr.DeletePod(uid)
				}
				_ = tr.Snapshot()
			}
		})
	}
	wg.Wait()
	for i := range 10 {
		tr.UpsertNode(fmt.Sprintf("n%d", i), gpus(8), h100, true)
	}
	if diff := cmp.Diff([]flotillav1alpha1.GPUPool{pool(gpu, h100, 80, 80, 0, 8, 10)}, tr.Snapshot()); diff != "" {
		t.Errorf("Snapshot() after concurrent updates mismatch (-want +got):\n%s", diff)
	}
}
