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
	"math"
	"slices"
)

// searchBudget bounds the steps of the exhaustive search on one member (a step is one pod, or
// one choice of a replica's nodes, tried on the histograms): beyond it, the search gives up and
// the member is refused. Members of a few nodes are searched to the end, so there the packing
// is exact; on large, fragmented members, 4096 steps take about 0.3 ms.
const searchBudget = 1 << 12

// placeSearchBudget bounds the search steps of one Place call, over all its members (searched
// in name order, so deterministically): a fleet where many members need the search (every
// service fits them on its own, neither greedy packing fits all) costs about 1 ms more at
// most, however many members it has.
const placeSearchBudget = 1 << 14

// packResult is the outcome of packing one copy into one member.
type packResult struct {
	ok bool
	// stage is the stage of fitCopy that packed the copy: 1 (best fit), 2 (best fit, most
	// constrained services first) or 3 (search); 0 when it did not fit.
	stage uint8
	// failed is the service that does not fit (an index into Demand.services) and have the
	// room the member has for it, in the unit of its reason (see ServiceDemand.unit).
	failed, have int32
	// shared is set when every service fits the member on its own, but no packing of all of
	// them together was found: have is then the room the first packing left for failed, beside
	// the services packed before it.
	shared bool
}

// fitCopy packs one copy of d into member i of s (its reservation takes applied) and returns
// the workspace holding the packing, its takes recorded when record is set, and the search
// steps it took. sc.acc must hold the eligibility of d on s; budget bounds the search's steps
// (at most searchBudget). Packing goes in up to three stages, each only when the one before
// found no packing:
//
//  1. best fit, services in d.order (largest pods first), each pod on the node with the fewest
//     free GPUs that holds it: the packing of nearly every member that fits;
//  2. best fit again, services in d.retry (the most constrained first: multinode, then fewest
//     accepted products, then largest);
//  3. an exhaustive search, within budget.
//
// Between stages 1 and 2, two counts refuse a member outright, without the later stages: some
// service does not fit it even on its own (counted exactly, see room; the reason then counts
// the room the member has for that service), or the services are crowded (see crowded). When
// the first service packed is the one that fails, and it is single-node or one replica, best
// fit's count is already its room on its own: the member is refused at once. A
// member that no stage packs is refused with the first stage's shortfall, marked shared.
//
// The stages are deterministic, and the search finds the same packing with any budget above
// the steps it took, so reserve, packing a chosen member again with searchBudget, gets the
// packing that evaluate scored.
func (sc *scratch) fitCopy(s *Snapshot, i int32, takes []resolvedTake, d *Demand, record bool, budget int) (*workspace, packResult, int) {
	a := &sc.acc
	w := sc.load(s, i, takes, a.any)
	w.record = record
	ok, failed, have, alone := w.pack(d, d.order, a)
	if ok {
		return w, packResult{ok: true, stage: 1}, 0
	}
	if svc := &d.services[failed]; alone && svc.unit() != unitReplicas {
		// The service failed with nothing taken before it, and best fit packs single-node pods,
		// or one replica, as well as can be: have is its room on its own, and it is short.
		return w, packResult{failed: failed, have: have}, 0
	}
	first := packResult{failed: failed, have: have, shared: true}

	w = sc.load(s, i, takes, a.any)
	// The services packed before failed fit: the first one that does not fit on its own, if
	// any, is failed or a later one.
	for _, si := range d.order[slices.Index(d.order, failed):] {
		svc := &d.services[si]
		if r := w.room(w.poolsOf(si, a), svc); r < svc.need() {
			return w, packResult{failed: si, have: clamp32(r)}, 0
		}
	}
	x := &sc.search
	x.init(w, d, a)
	if x.crowded(0) {
		return w, first, 0
	}
	if d.retry != nil {
		w.record = record
		if ok, _, _, _ := w.pack(d, d.retry, a); ok {
			return w, packResult{ok: true, stage: 2}, 0
		}
		w = sc.load(s, i, takes, a.any)
	}
	if budget <= 0 {
		return w, first, 0
	}
	if !x.run(min(budget, searchBudget)) {
		return w, first, x.steps
	}
	w = sc.load(s, i, takes, a.any)
	w.record = record
	for _, t := range x.path {
		w.move(t.pool, t.from, t.from-t.gpus, t.nodes)
	}
	return w, packResult{ok: true, stage: 3}, x.steps
}

// room is how much of service s the pools ps hold, the service on its own, exactly, in the
// unit of its reason (ServiceDemand.unit), capped at what the service needs:
//
//   - single-node pods: each node of f free GPUs holds f/GPUsPerPod of them;
//   - one multinode replica: the nodes of one pool with GPUsPerPod free, in the pool with most;
//   - several multinode replicas: the sum over pools of the replicas each pool holds, r
//     replicas of c pods fitting a pool when Σ min(pods its node holds, r) ≥ r·c over its
//     nodes (each replica's pods on distinct nodes).
func (w *workspace) room(ps []int32, s *ServiceDemand) int64 {
	g, c := s.GPUsPerPod, s.NodesPerReplica
	switch {
	case c == 1:
		return w.podRoom(ps, g, int64(s.Replicas))
	case s.Replicas == 1:
		return min(int64(w.maxNodes(ps, g)), int64(c))
	}
	return w.replicaRoom(ps, g, c, int64(s.Replicas))
}

// podRoom is the number of single-node pods of g GPUs the pools ps hold, capped at limit.
func (w *workspace) podRoom(ps []int32, g int32, limit int64) int64 {
	var n int64
	for _, p := range ps {
		ph := &w.pools[p]
		for f := g; f < ph.n; f++ {
			if c := w.work[ph.off+f]; c > 0 {
				if n += int64(c) * int64(f/g); n >= limit {
					return limit
				}
			}
		}
	}
	return n
}

// replicaRoom is the number of replicas of c pods of g GPUs, each pod on a node of its own and
// a replica's nodes in one pool, that the pools ps hold, capped at limit.
func (w *workspace) replicaRoom(ps []int32, g, c int32, limit int64) int64 {
	var n int64
	for _, p := range ps {
		ph := &w.pools[p]
		bars := w.work[ph.off : ph.off+ph.n]
		var slots int64
		for f := g; f < ph.n; f++ {
			slots += int64(bars[f]) * int64(f/g)
		}
		// The largest r ≤ min(limit-n, slots/c) with Σ min(f/g, r)·nodes ≥ r·c: feasibility is
		// monotone in r, so binary search.
		lo, hi := int64(0), min(limit-n, slots/int64(c))
		for lo < hi {
			r := (lo + hi + 1) / 2
			var have int64
			for f := g; f < ph.n && have < r*int64(c); f++ {
				have += int64(bars[f]) * min(int64(f/g), r)
			}
			if have >= r*int64(c) {
				lo = r
			} else {
				hi = r - 1
			}
		}
		if n += lo; n >= limit {
			return limit
		}
	}
	return n
}

// searcher is an exhaustive, depth-first search for a packing of one copy: services in
// d.retry's order (the most constrained first), each pod (or replica) on every bar (or choice
// of nodes) that holds it, the tightest first, undoing on failure. It prunes a branch as soon
// as a service left does not fit what is left on its own (room), or the services left are
// crowded, and, as the pods of one
// single-node service are interchangeable, tries their takes in non-increasing order of free
// GPUs only (any packing can be taken in that order). It works on the workspace's histograms
// and leaves them as it found them; path holds the takes of the packing found.
type searcher struct {
	w     *workspace
	d     *Demand
	order []int32
	// pools holds the pools each service of order accepts: those of order[k] are
	// pools[poolsAt[k]:poolsAt[k+1]].
	pools   []int32
	poolsAt []int32
	path    []takeRec
	// steps counts the steps taken, up to budget.
	steps, budget int
	// union marks pools, for crowded.
	union []bool
}

// init prepares a search for a packing of d into w: the services in d.retry's order and the
// pools each accepts.
func (x *searcher) init(w *workspace, d *Demand, a *accepts) {
	x.w, x.d, x.steps = w, d, 0
	x.order = d.retry
	if x.order == nil {
		x.order = d.order
	}
	x.pools, x.poolsAt, x.path = x.pools[:0], x.poolsAt[:0], x.path[:0]
	for _, si := range x.order {
		x.poolsAt = append(x.poolsAt, int32(len(x.pools)))
		x.pools = append(x.pools, w.poolsOf(si, a)...)
	}
	x.poolsAt = append(x.poolsAt, int32(len(x.pools)))
	x.union = resize(x.union, len(w.pools))
}

// run searches, within budget steps, from the histograms of x.w as they are now (as init found
// them); true if it found a packing, its takes in x.path.
func (x *searcher) run(budget int) bool {
	x.steps, x.budget, x.path = 0, budget, x.path[:0]
	return x.place(0, 0, math.MaxInt64)
}

// crowded reports whether services order[k:] surely do not fit together what is left, by a
// count: a pod of g or more GPUs takes g or more of its node's free GPUs, so a node with f free
// holds at most f/g such pods, and the pods of at least g GPUs of these services cannot
// outnumber that over the pools they accept, for any g among them. A copy whose services
// each fit on their own can still be crowded (two services of 5 and 6 GPUs per pod on 8-GPU
// nodes); it is cheaper to count than to search.
func (x *searcher) crowded(k int) bool {
	for j := k; j < len(x.order); j++ {
		g := x.d.services[x.order[j]].GPUsPerPod
		var pods int64
		clear(x.union)
		for i := k; i < len(x.order); i++ {
			if s := &x.d.services[x.order[i]]; s.GPUsPerPod >= g {
				pods += s.Pods()
				for _, p := range x.poolsOf(i) {
					x.union[p] = true
				}
			}
		}
		var slots int64
		for p, in := range x.union {
			if !in {
				continue
			}
			ph := &x.w.pools[p]
			for f := g; f < ph.n && slots < pods; f++ {
				slots += int64(x.w.work[ph.off+f]) * int64(f/g)
			}
		}
		if slots < pods {
			return true
		}
	}
	return false
}

func (x *searcher) poolsOf(k int) []int32 { return x.pools[x.poolsAt[k]:x.poolsAt[k+1]] }

// place packs the rest of the copy: from replica (or pod) r of service order[k] on. last bounds
// the take of a single-node pod (see key) after one of the same service.
func (x *searcher) place(k int, r int32, last int64) bool {
	for k < len(x.order) && r == x.d.services[x.order[k]].Replicas {
		k, r, last = k+1, 0, math.MaxInt64
		for j := k; j < len(x.order); j++ {
			if s := &x.d.services[x.order[j]]; x.w.room(x.poolsOf(j), s) < s.need() {
				return false
			}
		}
		if x.crowded(k) {
			return false
		}
	}
	if k == len(x.order) {
		return true
	}
	s := &x.d.services[x.order[k]]
	ps := x.poolsOf(k)
	left := int64(s.Replicas - r)
	if s.NodesPerReplica == 1 {
		if r > 0 && x.w.podRoom(ps, s.GPUsPerPod, left) < left {
			return false
		}
		return x.placePod(k, r, s.GPUsPerPod, ps, last)
	}
	if r > 0 && x.w.replicaRoom(ps, s.GPUsPerPod, s.NodesPerReplica, left) < left {
		return false
	}
	for _, p := range ps {
		if x.placeReplica(k, r, p, s.GPUsPerPod, s.GPUsPerPod, s.NodesPerReplica, 0) {
			return true
		}
		if x.steps >= x.budget {
			return false
		}
	}
	return false
}

// key orders the takes of a single-node service's pods: by free GPUs, then pool.
func (x *searcher) key(p, f int32) int64 { return int64(f)*int64(len(x.w.pools)) + int64(p) }

// placePod puts pod r of service order[k] (g GPUs) on each bar of ps that holds it in turn,
// the tightest first, with a key of at most last.
func (x *searcher) placePod(k int, r, g int32, ps []int32, last int64) bool {
	var top int32
	for _, p := range ps {
		top = max(top, x.w.pools[p].n)
	}
	for f := g; f < top && x.key(0, f) <= last; f++ {
		for _, p := range ps {
			ph := &x.w.pools[p]
			key := x.key(p, f)
			if f >= ph.n || key > last || x.w.work[ph.off+f] == 0 {
				continue
			}
			if x.steps++; x.steps > x.budget {
				return false
			}
			x.take(takeRec{pool: p, from: f, gpus: g, nodes: 1})
			if x.place(k, r+1, key) {
				return true
			}
			x.undo(1)
		}
	}
	return false
}

// placeReplica chooses the nodes of replica r of service order[k] in pool p: need more nodes
// with at least g free GPUs, from bar f up, as many as it can from the tightest bars first.
// chosen is the number of takes already chosen for this replica (at the end of x.path, not yet
// applied); once need is 0 they are applied and the rest of the copy is packed.
func (x *searcher) placeReplica(k int, r, p, f, g, need int32, chosen int) bool {
	if x.steps++; x.steps > x.budget {
		return false
	}
	if need == 0 {
		// Apply the choice: bars in increasing order, each taken from before the replica.
		sel := x.path[len(x.path)-chosen:]
		for _, t := range sel {
			x.apply(t)
		}
		if x.place(k, r+1, math.MaxInt64) {
			return true
		}
		for i := len(sel) - 1; i >= 0; i-- {
			x.revert(sel[i])
		}
		return false
	}
	ph := &x.w.pools[p]
	var avail int32
	for h := f; h < ph.n; h++ {
		avail += x.w.work[ph.off+h]
	}
	for ; f < ph.n && avail >= need; f++ {
		n := x.w.work[ph.off+f]
		for take := min(n, need); take > 0; take-- {
			x.path = append(x.path, takeRec{pool: p, from: f, gpus: g, nodes: take})
			if x.placeReplica(k, r, p, f+1, g, need-take, chosen+1) {
				return true
			}
			x.path = x.path[:len(x.path)-1]
			if x.steps >= x.budget {
				return false
			}
		}
		avail -= n
	}
	return false
}

// take applies t and records it on the path; undo reverts the last n takes.
func (x *searcher) take(t takeRec) {
	x.apply(t)
	x.path = append(x.path, t)
}

func (x *searcher) undo(n int) {
	for ; n > 0; n-- {
		x.revert(x.path[len(x.path)-1])
		x.path = x.path[:len(x.path)-1]
	}
}

func (x *searcher) apply(t takeRec) {
	off := x.w.pools[t.pool].off
	x.w.work[off+t.from] -= t.nodes
	x.w.work[off+t.from-t.gpus] += t.nodes
}

func (x *searcher) revert(t takeRec) {
	off := x.w.pools[t.pool].off
	x.w.work[off+t.from-t.gpus] -= t.nodes
	x.w.work[off+t.from] += t.nodes
}
