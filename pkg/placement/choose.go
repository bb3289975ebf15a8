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

// candidate is a member that a new copy fits.
type candidate struct {
	member int32
	score  int64
}

// choose assigns the copies to place, in index order, each to the best candidate left (by
// score, then name) whose spreadBy value no copy holds. With spreadBy, the best candidate per
// label value was kept (sc.bestMember); without, the best len(c.need) candidates (sc.top).
func (p *Placer) choose() {
	c, sc := &p.c, &p.sc
	d, s, req := c.d, c.s, c.req
	spread := req.Policy.SpreadBy != ""
	next := 0
	for _, cp := range c.need {
		pick := candidate{member: -1}
		if spread {
			for v, m := range sc.bestMember {
				if m < 0 || c.heldBy(int32(v)) >= 0 {
					continue
				}
				if cand := (candidate{member: m, score: sc.bestScore[v]}); pick.member < 0 || cand.better(pick) {
					pick = cand
				}
			}
		} else if next < len(sc.top) {
			pick = sc.top[next]
			next++
		}
		if pick.member < 0 {
			continue
		}
		m := &s.members[pick.member]
		d.Copies[cp] = CopyPlacement{Index: int(cp), Member: m.Name, Namespace: c.namespaceOn(m)}
		d.reasons[pick.member] = packCopy(ReasonChosen, cp)
		if spread {
			c.held = append(c.held, spreadHold{value: c.spread[pick.member], copy: cp})
		}
		d.Reservations = append(d.Reservations, p.reserve(pick.member, int(cp), c.byMember))
	}
	if spread {
		d.held = slices.Clone(c.held)
	}
}

// offer records a fitting candidate for choose.
func (sc *scratch) offer(cand candidate, spread int32, k int) {
	if spread >= 0 {
		// Members come in name order: on a tie, the first stays.
		if sc.bestMember[spread] < 0 || cand.score > sc.bestScore[spread] {
			sc.bestMember[spread], sc.bestScore[spread] = cand.member, cand.score
		}
		return
	}
	if len(sc.top) == k && !cand.better(sc.top[k-1]) {
		return
	}
	if len(sc.top) < k {
		sc.top = append(sc.top, cand)
	}
	j := len(sc.top) - 1
	for ; j > 0 && cand.better(sc.top[j-1]); j-- {
		sc.top[j] = sc.top[j-1]
	}
	sc.top[j] = cand
}

// better orders candidates: higher score first, then the member whose name sorts first.
func (a candidate) better(b candidate) bool {
	return a.score > b.score || (a.score == b.score && a.member < b.member)
}
