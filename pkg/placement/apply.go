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

// reserve applies a member's reservation takes (pool indexes among the member's pools).
func (w *workspace) reserve(takes []resolvedTake) {
	applied := false
	for _, t := range takes {
		for p := range w.pools {
			if w.src[p] == t.pool {
				ph := &w.pools[p]
				applyTake(w.work[ph.off:ph.off+ph.n], t.from, t.gpus, t.nodes)
				applied = true
				break
			}
		}
	}
	if !applied {
		return
	}
	// Reservations changed the free GPUs: count them again.
	w.freeBefore = 0
	for p := range w.pools {
		ph := &w.pools[p]
		for f := int32(1); f < ph.n; f++ {
			w.freeBefore += int64(f) * int64(w.work[ph.off+f])
		}
	}
}

// applyTake applies one reservation take to a pool histogram: nodes nodes with from free GPUs
// lose gpus GPUs each. It takes from bar from, as the placement that made the take did. If the
// histogram changed since (the bar no longer has the nodes), each missing node is taken best
// fit from the smallest bar that holds gpus, else the fullest node is emptied: reservations may
// then hold back too much, never too little. It reports whether the take applied exactly.
func applyTake(counts []int32, from, gpus, nodes int32) bool {
	if nodes <= 0 || gpus <= 0 {
		return true
	}
	n := int32(len(counts))
	exact := true
	if from >= gpus && from < n {
		x := min(counts[from], nodes)
		counts[from] -= x
		counts[from-gpus] += x
		nodes -= x
	}
	for nodes > 0 {
		exact = false
		f := max(gpus, 1)
		for f < n && counts[f] == 0 {
			f++
		}
		to := f - gpus
		if f >= n {
			f = n - 1
			for f > 0 && counts[f] == 0 {
				f--
			}
			if f == 0 {
				break
			}
			to = 0
		}
		x := min(counts[f], nodes)
		counts[f] -= x
		counts[to] += x
		nodes -= x
	}
	return exact
}
