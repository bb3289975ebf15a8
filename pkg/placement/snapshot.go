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
	"fmt"
	"math"
	"sort"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// maxNodeGPUs caps the free GPUs of one node, to bound the size of a node histogram. A node
// reporting more is treated as having maxNodeGPUs free: placement may then under-use it, never
// over-commit it.
const maxNodeGPUs = 1024

// Snapshot is the fleet at one point in time, prepared for many placements: members sorted by
// name, and each member's GPU pools as dense node histograms (nodes by free GPUs). Build it once
// per inventory change with NewSnapshot and pass it to every Place call; it is read-only and
// safe to share between goroutines.
type Snapshot struct {
	members []Member
	index   map[string]int32
	// keys are the (resource name, product) pairs of every pool in the fleet, sorted.
	keys []poolKey
	// hists[i] locates member i's pools in pools and its histograms in counts.
	hists  []memberHist
	pools  []poolHist
	counts []int32
	// meta[i] is what the inventory says of pools[i] beyond its histogram.
	meta []poolMeta
	// labels indexes member labels by key, for spreadBy: labels[key][i] is the value of member
	// i (an index into labelValues[key]), or -1 if it lacks the label.
	labels      map[string][]int32
	labelValues map[string][]string
	stats       Stats
}

type poolKey struct{ resource, product string }

func (k poolKey) less(o poolKey) bool {
	if k.resource != o.resource {
		return k.resource < o.resource
	}
	return k.product < o.product
}

// memberHist locates one member's pools: pools[first:end], histograms counts[base:base+size].
type memberHist struct {
	first, end int32
	base, size int32
}

// poolHist is one pool of one member: key indexes Snapshot.keys; its histogram is
// counts[base+off : base+off+n], where counts[f] is the number of nodes with f free GPUs; free
// is the number of free GPUs.
type poolHist struct {
	key  int32
	off  int32
	n    int32
	free int64
}

// poolMeta is carried from the inventory, for WithReservations.
type poolMeta struct {
	total         int64
	unschedulable int32
}

// NewSnapshot prepares members for placement. Members are copied (the argument is not
// retained); pools of the same resource name and product in one member are merged; histogram
// bars with negative values are ignored. It fails on an empty or duplicate member name.
func NewSnapshot(members []Member) (*Snapshot, error) {
	s := &Snapshot{
		members: make([]Member, len(members)),
		index:   make(map[string]int32, len(members)),
		hists:   make([]memberHist, len(members)),
	}
	for i := range members {
		s.members[i] = members[i].deepCopy()
	}
	sort.Slice(s.members, func(i, j int) bool { return s.members[i].Name < s.members[j].Name })
	keyIndex := map[poolKey]int32{}
	for i := range s.members {
		m := &s.members[i]
		if m.Name == "" {
			return nil, fmt.Errorf("member %d has no name", i)
		}
		if _, dup := s.index[m.Name]; dup {
			return nil, fmt.Errorf("member %q is listed twice", m.Name)
		}
		s.index[m.Name] = int32(i)
		for j := range m.GPUs {
			keyIndex[keyOf(&m.GPUs[j])] = 0
		}
	}
	for k := range keyIndex {
		s.keys = append(s.keys, k)
	}
	sort.Slice(s.keys, func(i, j int) bool { return s.keys[i].less(s.keys[j]) })
	for i, k := range s.keys {
		keyIndex[k] = int32(i)
	}
	for i := range s.members {
		s.addHistograms(int32(i), keyIndex)
	}
	s.indexLabels()
	s.stats = Stats{Members: len(s.members)}
	for i := range s.members {
		m := &s.members[i]
		s.stats.NotJoined += b2i(!m.Joined)
		s.stats.AgentNotReady += b2i(!m.AgentReady)
		s.stats.Unschedulable += b2i(m.Unschedulable)
		s.stats.Draining += b2i(m.Draining)
		s.stats.Unreachable += b2i(!m.UnreachableSince.IsZero())
		s.stats.Tainted += b2i(len(m.Taints) > 0)
	}
	return s, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// indexLabels builds s.labels and s.labelValues.
func (s *Snapshot) indexLabels() {
	s.labels = map[string][]int32{}
	s.labelValues = map[string][]string{}
	ids := map[string]map[string]int32{}
	for i := range s.members {
		for k, v := range s.members[i].Labels {
			col, ok := s.labels[k]
			if !ok {
				col = make([]int32, len(s.members))
				for j := range col {
					col[j] = -1
				}
				s.labels[k] = col
				ids[k] = map[string]int32{}
			}
			id, ok := ids[k][v]
			if !ok {
				id = int32(len(s.labelValues[k]))
				ids[k][v] = id
				s.labelValues[k] = append(s.labelValues[k], v)
			}
			col[i] = id
		}
	}
}

func keyOf(p *flotillav1alpha1.GPUPool) poolKey {
	r := p.ResourceName
	if r == "" {
		r = flotillav1alpha1.DefaultGPUResourceName
	}
	return poolKey{resource: r, product: p.Product}
}

// addHistograms appends member i's pools, in key order, to s.pools and s.counts.
func (s *Snapshot) addHistograms(i int32, keyIndex map[poolKey]int32) {
	m := &s.members[i]
	h := memberHist{first: int32(len(s.pools)), base: int32(len(s.counts))}
	byKey := make([]int32, 0, len(m.GPUs))
	for j := range m.GPUs {
		byKey = append(byKey, int32(j))
	}
	sort.SliceStable(byKey, func(a, b int) bool {
		return keyIndex[keyOf(&m.GPUs[byKey[a]])] < keyIndex[keyOf(&m.GPUs[byKey[b]])]
	})
	for a := 0; a < len(byKey); {
		key := keyIndex[keyOf(&m.GPUs[byKey[a]])]
		b := a
		p := poolHist{key: key, off: int32(len(s.counts)) - h.base, n: 1}
		for ; b < len(byKey) && keyIndex[keyOf(&m.GPUs[byKey[b]])] == key; b++ {
			for _, bar := range m.GPUs[byKey[b]].NodesByFree {
				if bar.Nodes > 0 && bar.Free >= 0 {
					p.n = max(p.n, min(bar.Free, maxNodeGPUs)+1)
				}
			}
		}
		counts := make([]int64, p.n)
		var meta poolMeta
		for c := a; c < b; c++ {
			pool := &m.GPUs[byKey[c]]
			meta.total += pool.Total
			meta.unschedulable += pool.UnschedulableNodes
			for _, bar := range pool.NodesByFree {
				if bar.Nodes > 0 && bar.Free >= 0 {
					counts[min(bar.Free, maxNodeGPUs)] += int64(bar.Nodes)
				}
			}
		}
		// Keep the pool's node count within int32, so that moving nodes between bars never
		// overflows.
		var nodes int64
		for f, n := range counts {
			n = min(n, math.MaxInt32-nodes)
			nodes += n
			s.counts = append(s.counts, int32(n))
			p.free += int64(f) * n
		}
		s.pools = append(s.pools, p)
		s.meta = append(s.meta, meta)
		a = b
	}
	h.end = int32(len(s.pools))
	h.size = int32(len(s.counts)) - h.base
	s.hists[i] = h
}

// Stats counts members by state, so that filters can skip work (see PreFilterPlugin).
type Stats struct {
	// Members is the number of members.
	Members int
	// NotJoined, AgentNotReady, Unschedulable, Draining and Unreachable count the members in
	// each state.
	NotJoined, AgentNotReady, Unschedulable, Draining, Unreachable int
	// Tainted counts the members with at least one taint.
	Tainted int
}

// Stats counts the snapshot's members by state.
func (s *Snapshot) Stats() Stats { return s.stats }

// Len is the number of members.
func (s *Snapshot) Len() int { return len(s.members) }

// Names lists the members' names, sorted.
func (s *Snapshot) Names() []string {
	names := make([]string, len(s.members))
	for i := range s.members {
		names[i] = s.members[i].Name
	}
	return names
}

// Member returns the snapshot's copy of the named member, which must not be modified.
func (s *Snapshot) Member(name string) (*Member, bool) {
	i, ok := s.index[name]
	if !ok {
		return nil, false
	}
	return &s.members[i], true
}

// poolIndex finds member i's pool of the given key; -1 if it has none.
func (s *Snapshot) poolIndex(i int32, key poolKey) int32 {
	h := s.hists[i]
	for p := h.first; p < h.end; p++ {
		if s.keys[s.pools[p].key] == key {
			return p - h.first
		}
	}
	return -1
}
