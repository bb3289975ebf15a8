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
	ws      workspace
	elig    []bool
	anyElig []bool
	// top holds the best candidates (without spreadBy); bestMember and bestScore the best
	// candidate per spreadBy label value (member -1: none).
	top        []candidate
	bestMember []int32
	bestScore  []int64
	// uniform is true when every GPU service accepts the same pools.
	uniform bool
	// fit is passed to the scorer by pointer; held here so that it does not escape per call.
	fit Fit
}

// eligibility computes, for the demand's services, which pool keys of s their pods accept:
// elig[service*nkeys+key], and anyElig[key] for any service.
func (sc *scratch) eligibility(s *Snapshot, d *Demand) (elig, anyElig []bool, nkeys int) {
	nkeys = len(s.keys)
	sc.elig = resize(sc.elig, len(d.services)*nkeys)
	sc.anyElig = resize(sc.anyElig, nkeys)
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
			sc.elig[int(si)*nkeys+k] = true
			sc.anyElig[k] = true
		}
	}
	sc.uniform = true
	for _, si := range d.order {
		if !slices.Equal(sc.elig[int(si)*nkeys:int(si+1)*nkeys], sc.anyElig) {
			sc.uniform = false
		}
	}
	return sc.elig, sc.anyElig, nkeys
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
