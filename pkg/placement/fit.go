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

import "math"

// Fit describes how one copy of a graph would be packed into a member cluster's nodes. Score
// plugins rank members by it.
type Fit struct {
	// GPUs is the number of GPUs the copy takes.
	GPUs int64
	// Nodes is the number of nodes the copy uses.
	Nodes int64
	// LeftoverOnUsedNodes is the number of GPUs still free, after the copy, on the nodes it uses:
	// the fragmentation the copy leaves behind. 0 means every node it touches is full.
	LeftoverOnUsedNodes int64
	// FreeAfter is the number of GPUs still free, after the copy, in the member's pools that
	// some service of the copy accepts.
	FreeAfter int64
}

// maxReplicaSteps bounds the steps spent on the multinode replicas of one service, so that an
// absurd inventory or graph (millions of replicas over millions of nodes) cannot stall
// placement: beyond it, the remaining replicas count as not fitting. Ordinary bars are taken
// whole in one step, so real graphs never come near it.
const maxReplicaSteps = 1 << 16

// workspace is one member's node histograms, copied from the Snapshot, that one copy of a graph
// is packed into: only the pools some service of the copy accepts, with offsets into work. It
// is scratch memory owned by a Placer.
//
// The packing is best-fit decreasing: services are taken largest pod first, and every pod goes
// to the node with the fewest free GPUs that still holds it (across the pools the pod accepts;
// on a tie, the pool whose resource name and product sort first). A pod's GPUs are never split
// across nodes, and the pods of one multinode replica take distinct nodes of one pool. Bin
// packing is NP-hard, so this is a heuristic: it may reject a copy that a cleverer packing
// would fit, but it never over-commits a node, because every pod is taken from a histogram bar
// that holds it.
//
// The histogram hides node identities, which placement does not need: nodes with the same
// number of free GPUs are interchangeable. To tell which nodes the copy touched (for
// LeftoverOnUsedNodes), touched counts, per bar, the nodes the copy already uses; when a bar is
// taken from, its touched nodes are assumed taken first.
type workspace struct {
	pools   []poolHist
	work    []int32
	touched []int32

	gpus, nodes, leftover int64
	// freeBefore is the number of free GPUs, before the copy, in the pools some service accepts.
	freeBefore int64
	// poolBuf lists the pools one service accepts.
	poolBuf []int32
	// src is, for each of w.pools, its index among the member's pools.
	src []int32
	// all lists every pool of w.pools: the pools of each service when all accept the same.
	all []int32

	record bool
	takes  []takeRec
}

// takeRec is one move of the packing: nodes nodes of pool pool, each with from free GPUs, lose
// gpus GPUs each.
type takeRec struct {
	pool, from, gpus, nodes int32
}

// move moves nodes nodes of pool p from bar from to bar to.
func (w *workspace) move(p int32, from, to, nodes int32) {
	off := w.pools[p].off
	w.work[off+from] -= nodes
	w.work[off+to] += nodes
	t := min(nodes, w.touched[off+from])
	w.touched[off+from] -= t
	w.touched[off+to] += nodes
	w.leftover += int64(nodes)*int64(to) - int64(t)*int64(from)
	w.nodes += int64(nodes - t)
	w.gpus += int64(nodes) * int64(from-to)
	if w.record {
		w.takes = append(w.takes, takeRec{pool: p, from: from, gpus: from - to, nodes: nodes})
	}
}

// pack fits every GPU pod of one copy of d, service by service in order (d.order or d.retry),
// best fit. It returns whether everything fit; if not, the service that did not fit and the
// room the member had left for it, in the unit of its reason (ServiceDemand.unit): pods it
// placed, nodes that would take a pod (one replica), or replicas it placed (several). first
// is set when the service failed with nothing taken before it.
func (w *workspace) pack(d *Demand, order []int32, a *accepts) (ok bool, failed, have int32, first bool) {
	for _, si := range order {
		s := &d.services[si]
		ps := w.poolsOf(si, a)
		if s.NodesPerReplica == 1 {
			if placed := w.placePods(ps, s.GPUsPerPod, int64(s.Replicas)); placed < int64(s.Replicas) {
				return false, si, clamp32(placed), w.gpus == placed*int64(s.GPUsPerPod)
			}
			continue
		}
		before := w.gpus
		if done := w.placeReplicas(ps, s.GPUsPerPod, s.NodesPerReplica, int64(s.Replicas)); done < int64(s.Replicas) {
			if s.Replicas == 1 {
				return false, si, w.maxNodes(ps, s.GPUsPerPod), before == 0
			}
			return false, si, clamp32(done), before == 0
		}
	}
	return true, 0, 0, false
}

// poolsOf returns the pools of w that service si accepts. The slice is w.poolBuf, reused by
// the next call, or w.all when every service accepts every loaded pool.
func (w *workspace) poolsOf(si int32, a *accepts) []int32 {
	if a.uniform {
		return w.all[:len(w.pools)]
	}
	e := a.elig[int(si)*a.nkeys : int(si+1)*a.nkeys]
	ps := w.poolBuf[:0]
	for p := range w.pools {
		if e[w.pools[p].key] {
			ps = append(ps, int32(p))
		}
	}
	w.poolBuf = ps
	return ps
}

// placePods places k single-node pods of g GPUs in pools ps, best fit, and returns how many it
// placed.
//
// Pods go one by one to the smallest bar f ≥ g; the node then has f-g free and, as no bar
// between g and f had nodes, it stays the best fit until it has fewer than g free. So each node
// of bar f takes f/g pods in a row, and a whole bar is handled in one step: the loop is over
// bars, not pods.
func (w *workspace) placePods(ps []int32, g int32, k int64) int64 {
	var placed int64
	if len(ps) == 1 {
		p := ps[0]
		ph := &w.pools[p]
		bars := w.work[ph.off : ph.off+ph.n]
		for f := g; f < ph.n && placed < k; f++ {
			if c := bars[f]; c > 0 {
				placed += w.fillBar(p, f, g, c, k-placed)
			}
		}
		return placed
	}
	var top int32 // one past the highest bar of the pools
	for _, p := range ps {
		top = max(top, w.pools[p].n)
	}
	for f := g; f < top && placed < k; f++ {
		for _, p := range ps {
			ph := &w.pools[p]
			if f >= ph.n {
				continue
			}
			if c := w.work[ph.off+f]; c > 0 {
				if placed += w.fillBar(p, f, g, c, k-placed); placed == k {
					return k
				}
			}
		}
	}
	return placed
}

// fillBar places up to need pods of g GPUs on the c nodes of bar f of pool p, each node taking
// f/g pods in a row, and returns how many it placed.
func (w *workspace) fillBar(p, f, g, c int32, need int64) int64 {
	q := int32(1) // pods per node: f/g, without a division in the common case
	if f >= 2*g {
		q = f / g
	}
	if need >= int64(c)*int64(q) {
		w.move(p, f, f-q*g, c)
		return int64(c) * int64(q)
	}
	// need < c*q ≤ MaxInt32*maxNodeGPUs: the node count fits in int32 below.
	full, rem := need/int64(q), int32(need%int64(q))
	if full > 0 {
		w.move(p, f, f-q*g, int32(full))
	}
	if rem > 0 {
		w.move(p, f, f-rem*g, 1)
	}
	return need
}

// placeReplicas places k multinode replicas, each c pods of g GPUs on c distinct nodes of one
// pool of ps, and returns how many it placed. Each replica goes to the pool where its c
// best-fit nodes leave the fewest GPUs free (on a tie, the first pool).
func (w *workspace) placeReplicas(ps []int32, g, c int32, k int64) int64 {
	if len(ps) == 1 {
		return w.placeReplicasInPool(ps[0], g, c, k)
	}
	var done int64
	for steps := 0; done < k && steps < maxReplicaSteps; steps++ {
		best, bestCost := int32(-1), int64(math.MaxInt64)
		for _, p := range ps {
			ph := &w.pools[p]
			need, cost := c, int64(0)
			for f := g; f < ph.n && need > 0; f++ {
				x := min(w.work[ph.off+f], need)
				cost += int64(x) * int64(f-g)
				need -= x
			}
			if need == 0 && cost < bestCost {
				best, bestCost = p, cost
			}
		}
		if best < 0 {
			return done
		}
		ph := &w.pools[best]
		f := g
		for w.work[ph.off+f] == 0 {
			f++
		}
		if w.work[ph.off+f] >= c && f-g < g {
			// All c nodes come from bar f and drop below g: the next replicas make the same
			// choice while the bar lasts, so take them in one step.
			n := min(k-done, int64(w.work[ph.off+f]/c))
			w.move(best, f, f-g, int32(n)*c)
			done += n
			continue
		}
		for need := c; need > 0; f++ {
			if x := min(w.work[ph.off+f], need); x > 0 {
				w.move(best, f, f-g, x)
				need -= x
			}
		}
		done++
	}
	return done
}

// placeReplicasInPool is placeReplicas for a single pool p.
func (w *workspace) placeReplicasInPool(p, g, c int32, k int64) int64 {
	ph := &w.pools[p]
	if g >= ph.n {
		return 0
	}
	bars := w.work[ph.off : ph.off+ph.n]
	var done int64
	for steps := 0; done < k && steps < maxReplicaSteps; steps++ {
		f := g
		for f < ph.n && bars[f] == 0 {
			f++
		}
		if f == ph.n {
			return done
		}
		if bars[f] >= c {
			// Bar f is the best fit and has c nodes: a replica takes c of them to f-g which, if
			// it still holds g, is then the smallest bar that does, with exactly those c nodes.
			// So each group of c nodes takes q = f/g replicas in a row, and the bar is handled
			// in one step, as in fillBar.
			done += w.fillBarReplicas(p, f, g, c, k-done)
			continue
		}
		var avail int32
		for h := f; h < ph.n && avail < c; h++ {
			avail += min(bars[h], c)
		}
		if avail < c {
			return done
		}
		for need := c; need > 0; f++ {
			if x := min(bars[f], need); x > 0 {
				w.move(p, f, f-g, x)
				need -= x
			}
		}
		done++
	}
	return done
}

// fillBarReplicas places up to need multinode replicas of c pods of g GPUs on the nodes of bar
// f of pool p, each group of c nodes taking f/g replicas in a row, and returns how many it
// placed. The bar has at least c nodes.
func (w *workspace) fillBarReplicas(p, f, g, c int32, need int64) int64 {
	q := int64(1) // replicas per group: f/g, without a division in the common case
	if f >= 2*g {
		q = int64(f / g)
	}
	groups := w.work[w.pools[p].off+f] / c
	if need == 1 || (q == 1 && need <= int64(groups)) {
		// need groups, each taking one replica (the common case: one replica, whole nodes).
		n := int32(min(need, int64(groups)))
		w.move(p, f, f-g, n*c)
		return int64(n)
	}
	if need >= int64(groups)*q {
		w.move(p, f, f%g, groups*c)
		return int64(groups) * q
	}
	// need < groups*q: full < groups fits in int32.
	full, rem := int32(need/q), int32(need%q)
	if full > 0 {
		w.move(p, f, f%g, full*c)
	}
	if rem > 0 {
		w.move(p, f, f-rem*g, c)
	}
	return need
}

// maxNodes is the largest number of nodes with at least g free GPUs in one pool of ps.
func (w *workspace) maxNodes(ps []int32, g int32) int32 {
	var most int64
	for _, p := range ps {
		ph := &w.pools[p]
		var n int64
		for f := g; f < ph.n; f++ {
			n += int64(w.work[ph.off+f])
		}
		most = max(most, n)
	}
	return clamp32(most)
}

// fit summarises the packing.
func (w *workspace) fit() Fit {
	return Fit{GPUs: w.gpus, Nodes: w.nodes, LeftoverOnUsedNodes: w.leftover, FreeAfter: w.freeBefore - w.gpus}
}

func clamp32(v int64) int32 {
	return int32(min(max(v, math.MinInt32), math.MaxInt32))
}
