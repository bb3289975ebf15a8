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
	"slices"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// Take is one node-level GPU take of a placement: Nodes nodes of one pool, each with From free
// GPUs, each lose GPUs GPUs. A copy's takes, applied in order to the member's histogram, are
// exactly what its packing took, node for node.
type Take struct {
	// ResourceName and Product name the pool.
	ResourceName, Product string
	// From is the number of free GPUs on each node before the take.
	From int32
	// GPUs is the number of GPUs taken from each node.
	GPUs int32
	// Nodes is the number of nodes.
	Nodes int32
}

// Reservation is what one newly placed copy takes from its member until the member's inventory
// shows it. Decisions return one per copy they place.
type Reservation struct {
	// Owner identifies the graph, as Request.Owner.
	Owner string
	// Copy is the copy's index.
	Copy int
	// Member is the member cluster the copy was placed on.
	Member string
	// Takes are the copy's node-level takes, in the order they were made.
	Takes []Take
}

// Reservations are decisions already made but not yet visible in the inventory of a Snapshot:
// placing many graphs in a burst, the caller adds every decision's reservations and passes them
// to the next Place call, so no node is booked twice. They are applied to a member's histogram
// node for node (see applyTake).
//
// Reservations are resolved against one Snapshot, for speed; Place also accepts reservations
// resolved against another snapshot, at the cost of resolving them on every call: after
// building a new Snapshot, call Rebase. The caller decides when a reservation is no longer
// needed (the member's inventory shows the copy's pods, or the copy is gone) and releases it.
// A Reservations value is not safe for concurrent use; Place only reads it.
type Reservations struct {
	snap     *Snapshot
	list     []Reservation
	byMember [][]resolvedTake
}

// resolvedTake is a Take located in one Snapshot: pool indexes the member's pools (-1 when the
// member has no such pool, and the take is ignored).
type resolvedTake struct {
	pool, from, gpus, nodes int32
}

// NewReservations returns empty reservations resolved against s.
func NewReservations(s *Snapshot) *Reservations {
	return &Reservations{snap: s, byMember: make([][]resolvedTake, s.Len())}
}

// Add records reservations (typically Decision.Reservations). They are copied.
func (r *Reservations) Add(rs ...Reservation) {
	for _, res := range rs {
		res.Takes = slices.Clone(res.Takes)
		r.list = append(r.list, res)
		r.resolve(&res, r.byMember)
	}
}

// resolve appends res's takes to byMember, located in r's snapshot.
func (r *Reservations) resolve(res *Reservation, byMember [][]resolvedTake) {
	i, ok := r.snap.index[res.Member]
	if !ok {
		return
	}
	for _, t := range res.Takes {
		pool := r.snap.poolIndex(i, poolKey{resource: resourceOrDefault(t.ResourceName), product: t.Product})
		byMember[i] = append(byMember[i], resolvedTake{pool: pool, from: t.From, gpus: t.GPUs, nodes: t.Nodes})
	}
}

func resourceOrDefault(r string) string {
	if r == "" {
		return flotillav1alpha1.DefaultGPUResourceName
	}
	return r
}

// Release drops every reservation of owner and returns how many it dropped.
func (r *Reservations) Release(owner string) int {
	return r.drop(func(res *Reservation) bool { return res.Owner == owner })
}

// ReleaseCopy drops the reservation of one copy of owner and returns how many it dropped.
func (r *Reservations) ReleaseCopy(owner string, copyIndex int) int {
	return r.drop(func(res *Reservation) bool { return res.Owner == owner && res.Copy == copyIndex })
}

// ReleaseMember drops every reservation on member (for example when the member is removed
// from the fleet) and returns how many it dropped.
func (r *Reservations) ReleaseMember(member string) int {
	return r.drop(func(res *Reservation) bool { return res.Member == member })
}

func (r *Reservations) drop(match func(*Reservation) bool) int {
	kept := r.list[:0]
	for i := range r.list {
		if !match(&r.list[i]) {
			kept = append(kept, r.list[i])
		}
	}
	dropped := len(r.list) - len(kept)
	clear(r.list[len(kept):])
	r.list = kept
	if dropped > 0 {
		r.byMember = make([][]resolvedTake, r.snap.Len())
		for i := range r.list {
			r.resolve(&r.list[i], r.byMember)
		}
	}
	return dropped
}

// Rebase returns the same reservations resolved against s, for example after the fleet's
// inventory was refreshed. Reservations on members that s lacks are kept but have no effect.
func (r *Reservations) Rebase(s *Snapshot) *Reservations {
	out := NewReservations(s)
	out.Add(r.list...)
	return out
}

// List returns a copy of the reservations, in the order they were added.
func (r *Reservations) List() []Reservation {
	out := make([]Reservation, len(r.list))
	for i, res := range r.list {
		res.Takes = slices.Clone(res.Takes)
		out[i] = res
	}
	return out
}

// Len is the number of reservations.
func (r *Reservations) Len() int { return len(r.list) }

// forSnapshot returns the reservations' takes per member of s, resolving them anew if r was
// resolved against another snapshot.
func (r *Reservations) forSnapshot(s *Snapshot) [][]resolvedTake {
	if r == nil {
		return nil
	}
	if r.snap == s {
		return r.byMember
	}
	return r.Rebase(s).byMember
}

// WithReservations returns the snapshot as it will be once the reservations show in the
// inventory: every take applied to its member's histogram, and the members' GPUs, free GPUs
// and node histograms updated. s is not modified.
func (s *Snapshot) WithReservations(r *Reservations) *Snapshot {
	out := &Snapshot{
		members:     make([]Member, len(s.members)),
		index:       s.index,
		keys:        s.keys,
		hists:       s.hists,
		meta:        s.meta,
		labels:      s.labels,
		labelValues: s.labelValues,
		stats:       s.stats,
		pools:       slices.Clone(s.pools),
		counts:      slices.Clone(s.counts),
	}
	copy(out.members, s.members)
	for i, takes := range r.forSnapshot(s) {
		if len(takes) == 0 {
			continue
		}
		h := s.hists[i]
		for _, t := range takes {
			if t.pool < 0 {
				continue
			}
			p := &out.pools[h.first+t.pool]
			start := h.base + p.off
			applyTake(out.counts[start:start+p.n], t.from, t.gpus, t.nodes)
		}
		out.members[i].GPUs = out.gpuPools(int32(i))
	}
	return out
}

// gpuPools rebuilds member i's inventory from its histograms, recomputing each pool's free GPUs.
func (s *Snapshot) gpuPools(i int32) []flotillav1alpha1.GPUPool {
	h := s.hists[i]
	pools := make([]flotillav1alpha1.GPUPool, 0, h.end-h.first)
	for pi := h.first; pi < h.end; pi++ {
		p := &s.pools[pi]
		counts := s.counts[h.base+p.off : h.base+p.off+p.n]
		key := s.keys[p.key]
		pool := flotillav1alpha1.GPUPool{
			ResourceName:       key.resource,
			Product:            key.product,
			Total:              s.meta[pi].total,
			UnschedulableNodes: s.meta[pi].unschedulable,
		}
		p.free = 0
		for f := len(counts) - 1; f >= 0; f-- {
			if counts[f] > 0 {
				p.free += int64(f) * int64(counts[f])
				pool.NodesByFree = append(pool.NodesByFree, flotillav1alpha1.NodesAtFree{Free: int32(f), Nodes: counts[f]})
			}
		}
		pool.Free = p.free
		pools = append(pools, pool)
	}
	return pools
}
