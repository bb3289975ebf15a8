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

import "slices"

// scratch is memory reused across Place calls.
type scratch struct {
	ws workspace
	// acc says which pools the services of the demand being placed accept.
	acc accepts
	// search is the exhaustive search's memory.
	search searcher
	// top holds the best candidates (without spreadBy); bestMember and bestScore the best
	// candidate per spreadBy label value (member -1: none).
	top        []candidate
	bestMember []int32
	bestScore  []int64
	// fit is passed to the scorer by pointer; held here so that it does not escape per call.
	fit Fit
}

// accepts says which pool keys of a Snapshot the services of a Demand accept.
type accepts struct {
	// elig[service*nkeys+key] says whether the service's pods accept the pools of key.
	elig []bool
	// any[key] says whether some service accepts the pools of key.
	any   []bool
	nkeys int
	// uniform is true when every GPU service accepts the same pools.
	uniform bool
}

// eligibility computes, for the demand's services, which pool keys of s their pods accept, into
// sc.acc, and returns it.
func (sc *scratch) eligibility(s *Snapshot, d *Demand) *accepts {
	a := &sc.acc
	nkeys := len(s.keys)
	a.nkeys = nkeys
	a.elig = resize(a.elig, len(d.services)*nkeys)
	a.any = resize(a.any, nkeys)
	for _, si := range d.order {
		svc := &d.services[si]
		for k, key := range s.keys {
			if key.resource != svc.ResourceName {
				continue
			}
			if len(svc.Products) > 0 {
				if _, found := slices.BinarySearch(svc.Products, key.product); !found {
					continue
				}
			}
			a.elig[int(si)*nkeys+k] = true
			a.any[k] = true
		}
	}
	a.uniform = true
	for _, si := range d.order {
		if !slices.Equal(a.elig[int(si)*nkeys:int(si+1)*nkeys], a.any) {
			a.uniform = false
		}
	}
	return a
}

// load copies member i's histograms of the pools some service accepts (anyElig) into the
// workspace and applies the member's reservations.
func (sc *scratch) load(s *Snapshot, i int32, takes []resolvedTake, anyElig []bool) *workspace {
	h := s.hists[i]
	w := &sc.ws
	w.pools = w.pools[:0]
	w.src = w.src[:0]
	w.work = w.work[:0]
	w.freeBefore = 0
	for p := h.first; p < h.end; p++ {
		ph := s.pools[p]
		if !anyElig[ph.key] {
			continue
		}
		src := h.base + ph.off
		ph.off = int32(len(w.work))
		w.work = append(w.work, s.counts[src:src+ph.n]...)
		w.pools = append(w.pools, ph)
		w.src = append(w.src, p-h.first)
		w.freeBefore += ph.free
	}
	w.touched = resize(w.touched, len(w.work))
	for len(w.all) < len(w.pools) {
		w.all = append(w.all, int32(len(w.all)))
	}
	w.gpus, w.nodes, w.leftover = 0, 0, 0
	w.record = false
	w.takes = w.takes[:0]
	if len(takes) > 0 {
		w.reserve(takes)
	}
	return w
}

// resize returns buf with length n and zeroed, reusing its memory when it can.
func resize[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}
