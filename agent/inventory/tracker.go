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
	"cmp"
	"maps"
	"math"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// Tracker keeps the GPU pools of a cluster up to date from node and pod events, one event at a
// time: every update costs O(number of GPU resource names of the node concerned), whatever the
// size of the cluster. It holds no client and starts no goroutine; all methods are safe for
// concurrent use. The zero value is not usable: call NewTracker.
type Tracker struct {
	mu sync.Mutex
	// nodes are the known GPU nodes, by name.
	nodes map[string]*trackedNode
	// used is, per node name, the GPUs per resource name requested by the live pods bound to
	// it, whether the node is known yet or not.
	used map[string]map[string]int64
	// pods are the live GPU-requesting pods, by UID.
	pods map[types.UID]*trackedPod
	// pools are the sums of the contributions of the known nodes.
	pools map[poolKey]*poolState
}

type trackedNode struct {
	product     string
	schedulable bool
	allocatable map[string]int64
}

type trackedPod struct {
	node     string
	requests map[string]int64
}

type poolKey struct {
	resourceName string
	product      string
}

type poolState struct {
	total, free   int64
	nodesByFree   map[int64]int32
	unschedulable int32
}

func (p *poolState) empty() bool {
	return len(p.nodesByFree) == 0 && p.unschedulable == 0
}

// NewTracker returns an empty Tracker.
func NewTracker() *Tracker {
	return &Tracker{
		nodes: map[string]*trackedNode{},
		used:  map[string]map[string]int64{},
		pods:  map[types.UID]*trackedPod{},
		pools: map[poolKey]*poolState{},
	}
}

// UpsertNode records a node, or its new state: its allocatable GPUs per resource name, its GPU
// product (empty when unlabelled) and whether it is schedulable. Resource names with no
// allocatable GPU are ignored, so a node without GPUs is in no pool. The map is copied.
func (t *Tracker) UpsertNode(name string, allocatable map[string]int64, product string, schedulable bool) {
	n := &trackedNode{product: product, schedulable: schedulable, allocatable: positive(allocatable)}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.nodes[name]
	if old != nil && old.product == n.product && old.schedulable == n.schedulable &&
		maps.Equal(old.allocatable, n.allocatable) {
		return
	}
	if old != nil {
		t.contribute(name, old, -1)
	}
	if len(n.allocatable) == 0 {
		delete(t.nodes, name)
		return
	}
	t.nodes[name] = n
	t.contribute(name, n, +1)
}

// DeleteNode forgets a node. The pods bound to it stay recorded until they are deleted, so they
// count again if a node of that name comes back.
func (t *Tracker) DeleteNode(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old := t.nodes[name]; old != nil {
		t.contribute(name, old, -1)
		delete(t.nodes, name)
	}
}

// UpsertPod records a pod bound to nodeName with its GPU requests per resource name, or its new
// state. A terminated pod (Succeeded or Failed), an unbound one or one requesting no GPU frees
// what it held, as DeletePod does. The node need not be known yet: its pods count as soon as it
// is. The map is copied.
func (t *Tracker) UpsertPod(uid types.UID, nodeName string, requests map[string]int64, terminated bool) {
	req := positive(requests)
	t.mu.Lock()
	defer t.mu.Unlock()
	if terminated || nodeName == "" || len(req) == 0 {
		t.removePod(uid)
		return
	}
	if old := t.pods[uid]; old != nil {
		if old.node == nodeName && maps.Equal(old.requests, req) {
			return
		}
		t.removePod(uid)
	}
	t.pods[uid] = &trackedPod{node: nodeName, requests: req}
	t.addUsage(nodeName, req, +1)
}

// DeletePod forgets a pod and frees the GPUs it requested.
func (t *Tracker) DeletePod(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removePod(uid)
}

// Snapshot returns the pools, ordered by resource name then product, each with its node
// histogram ordered by free GPUs, most first. Pools whose nodes are all unschedulable are
// included with no GPU and their unschedulableNodes. The result is the caller's.
func (t *Tracker) Snapshot() []flotillav1alpha1.GPUPool {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := slices.SortedFunc(maps.Keys(t.pools), func(a, b poolKey) int {
		return cmp.Or(cmp.Compare(a.resourceName, b.resourceName), cmp.Compare(a.product, b.product))
	})
	if len(keys) == 0 {
		return nil
	}
	pools := make([]flotillav1alpha1.GPUPool, 0, len(keys))
	for _, k := range keys {
		p := t.pools[k]
		pool := flotillav1alpha1.GPUPool{
			ResourceName:       k.resourceName,
			Product:            k.product,
			Total:              p.total,
			Free:               p.free,
			UnschedulableNodes: p.unschedulable,
		}
		for _, free := range slices.Sorted(maps.Keys(p.nodesByFree)) {
			pool.NodesByFree = append(pool.NodesByFree, flotillav1alpha1.NodesAtFree{
				Free: clampInt32(free), Nodes: p.nodesByFree[free],
			})
		}
		slices.Reverse(pool.NodesByFree)
		pools = append(pools, pool)
	}
	return pools
}

// removePod frees what a recorded pod requested; t.mu must be held.
func (t *Tracker) removePod(uid types.UID) {
	old := t.pods[uid]
	if old == nil {
		return
	}
	delete(t.pods, uid)
	t.addUsage(old.node, old.requests, -1)
}

// addUsage adds (sign +1) or removes (sign -1) requests to a node's usage, updating the pools
// if the node is known; t.mu must be held.
func (t *Tracker) addUsage(nodeName string, requests map[string]int64, sign int64) {
	n := t.nodes[nodeName]
	if n != nil {
		t.contribute(nodeName, n, -1)
	}
	used := t.used[nodeName]
	if used == nil {
		used = map[string]int64{}
		t.used[nodeName] = used
	}
	for res, q := range requests {
		if used[res] += sign * q; used[res] == 0 {
			delete(used, res)
		}
	}
	if len(used) == 0 {
		delete(t.used, nodeName)
	}
	if n != nil {
		t.contribute(nodeName, n, +1)
	}
}

// contribute adds (sign +1) or removes (sign -1) a node's share of its pools, given the node's
// current usage; t.mu must be held. Removing must use the state that was added.
func (t *Tracker) contribute(nodeName string, n *trackedNode, sign int64) {
	used := t.used[nodeName]
	for res, alloc := range n.allocatable {
		key := poolKey{resourceName: res, product: n.product}
		p := t.pools[key]
		if p == nil {
			p = &poolState{nodesByFree: map[int64]int32{}}
			t.pools[key] = p
		}
		if n.schedulable {
			free := max(alloc-used[res], 0)
			p.total += sign * alloc
			p.free += sign * free
			if p.nodesByFree[free] += int32(sign); p.nodesByFree[free] == 0 {
				delete(p.nodesByFree, free)
			}
		} else {
			p.unschedulable += int32(sign)
		}
		if p.empty() {
			delete(t.pools, key)
		}
	}
}

// positive copies the entries of m with a positive value.
func positive(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		if v > 0 {
			out[k] = v
		}
	}
	return out
}

func clampInt32(v int64) int32 {
	return int32(min(max(v, 0), math.MaxInt32))
}
