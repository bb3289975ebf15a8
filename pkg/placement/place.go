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
	"errors"
	"fmt"
)

// MaxCopies is the most copies one graph may ask for (spec.placement.copies allows 64).
const MaxCopies = 1024

// Placer places graphs. It holds scratch memory reused across calls, so that placing many
// graphs allocates little; it is not safe for concurrent use (use one Placer per goroutine;
// Snapshots and Frameworks may be shared).
type Placer struct {
	fw *Framework
	c  cycle
	sc scratch
}

// NewPlacer returns a Placer running fw; nil runs no filters and no scorer.
func NewPlacer(fw *Framework) *Placer {
	if fw == nil {
		fw = &Framework{}
	}
	return &Placer{fw: fw}
}

// cycle is the state of one Place call.
type cycle struct {
	fw *Framework
	// filters are the framework's filters that this placement runs (see PreFilterPlugin).
	filters []FilterPlugin
	s       *Snapshot
	req     *Request
	d       *Decision
	// copyMember is, per copy, the index of the member keeping it, or -1.
	copyMember []int32
	// need lists the copies to place, in index order.
	need []int32
	// spread is the spreadBy label column of the snapshot (nil: no spreading, or no member has
	// the label).
	spread []int32
	// held lists the spreadBy values taken, by copies kept or placed.
	held []spreadHold
	// movingOff lists the members that copies are asked to leave.
	movingOff []memberCopy
	// byMember are req.Reservations' takes per member of s.
	byMember [][]resolvedTake
}

// Place decides where the copies of req go, given the fleet s:
//
//  1. Copies already placed stay unless their member must be left (see Placement stability in
//     the package documentation).
//  2. If copies remain, every other member is filtered (Framework.Filters, then spreadBy's
//     label), and the copy's GPU pods are packed, best-fit decreasing, into the member's node
//     histograms minus req.Reservations. Members where everything fits are scored.
//  3. Copies are assigned in index order, each to the highest-scoring fitting member (ties: by
//     name) that holds no copy yet and whose spreadBy value no copy holds.
//
// Place is deterministic and reads its inputs only. A copy that fits nowhere has an empty
// Member; Decision.Summary says why. Errors are only for malformed input.
func (p *Placer) Place(s *Snapshot, req *Request) (*Decision, error) {
	if s == nil {
		return nil, errors.New("placement: no snapshot")
	}
	if req == nil || req.Demand == nil {
		return nil, errors.New("placement: request without a demand")
	}
	copies := req.Policy.CopyCount()
	if copies > MaxCopies {
		return nil, fmt.Errorf("placement: %d copies, more than %d", copies, MaxCopies)
	}
	d := &Decision{Copies: make([]CopyPlacement, copies), snap: s}
	c := &p.c
	*c = cycle{
		fw: p.fw, s: s, req: req, d: d,
		filters:    c.filters[:0],
		copyMember: c.copyMember[:0], need: c.need[:0], held: c.held[:0], movingOff: c.movingOff[:0],
	}
	c.keep()
	if len(c.need) > 0 {
		p.evaluate()
		p.choose()
	}
	for i := range d.Moves {
		d.Moves[i].To = d.Copies[d.Moves[i].Index].Member
	}
	// Keep the scratch slices, not the caller's data.
	*c = cycle{filters: c.filters[:0], copyMember: c.copyMember[:0], need: c.need[:0], held: c.held[:0], movingOff: c.movingOff[:0]}
	clear(c.filters[:cap(c.filters)])
	return d, nil
}

// evaluate gives every member a reason or makes it a candidate.
func (p *Placer) evaluate() {
	c, sc := &p.c, &p.sc
	s, req, d := c.s, c.req, c.d
	n := s.Len()
	d.reasons = make([]reasonCode, n)
	d.demand, d.spreadBy = req.Demand, req.Policy.SpreadBy
	for i, m := range c.copyMember {
		if m >= 0 {
			d.reasons[m] = packCopy(ReasonChosen, int32(i))
		}
	}
	for _, mo := range c.movingOff {
		if d.reasons[mo.member].kind() == ReasonNone {
			d.reasons[mo.member] = packCopy(ReasonMovingOff, mo.copy)
		}
	}
	for _, e := range req.Exclude {
		if i, ok := s.index[e.Member]; ok && d.reasons[i].kind() == ReasonNone {
			d.setReason(i, Reason{Kind: ReasonExcluded, Text: e.Reason})
		}
	}
	demand := req.Demand
	sc.eligibility(s, demand)
	searchLeft := placeSearchBudget
	c.byMember = req.Reservations.forSnapshot(s)
	byMember := c.byMember
	key := req.Policy.SpreadBy
	k := len(c.need)
	sc.top = sc.top[:0]
	if key != "" {
		nv := len(s.labelValues[key])
		sc.bestMember = resize(sc.bestMember, nv)
		for v := range sc.bestMember {
			sc.bestMember[v] = -1
		}
		sc.bestScore = resize(sc.bestScore, nv)
	}
	evaluated, fitting := 0, 0
	for i := 0; i < n; i++ {
		if k := d.reasons[i].kind(); k != ReasonNone {
			if k != ReasonChosen {
				evaluated++
			}
			continue
		}
		evaluated++
		m := &s.members[i]
		if len(c.filters) > 0 {
			if r, ok := c.filter(m); !ok {
				d.setReason(int32(i), r)
				continue
			}
		}
		spread := c.spreadOf(int32(i))
		if key != "" && spread < 0 {
			d.reasons[i] = packReason(ReasonMissingLabel, 0)
			continue
		}
		var takes []resolvedTake
		if byMember != nil {
			takes = byMember[i]
		}
		w, res, steps := sc.fitCopy(s, int32(i), takes, demand, false, searchLeft)
		searchLeft -= steps
		if !res.ok {
			d.reasons[i] = packInsufficient(res.failed, res.have, res.shared)
			continue
		}
		var score int64
		if p.fw.Scorer != nil {
			sc.fit = w.fit()
			score = p.fw.Scorer.Score(req, m, &sc.fit)
		}
		d.reasons[i] = packScore(score)
		fitting++
		sc.offer(candidate{member: int32(i), score: score}, spread, k)
	}
	d.fitting = fitting
	d.evaluated = evaluated
}

// filter runs the filters on m; false with the first failure's reason.
func (c *cycle) filter(m *Member) (Reason, bool) {
	for _, f := range c.filters {
		if r := f.Filter(c.req, m); !r.IsSuccess() {
			if r.Reason.Kind == ReasonNone {
				return TextReason(f.Name() + ": " + r.Code.String()), false
			}
			return r.Reason, false
		}
	}
	return Reason{}, true
}

// reserve packs the copy again on member i, recording its takes: fitCopy is deterministic, so
// this is the packing evaluate found.
func (p *Placer) reserve(i int32, copyIndex int, byMember [][]resolvedTake) Reservation {
	c, sc := &p.c, &p.sc
	var takes []resolvedTake
	if byMember != nil {
		takes = byMember[i]
	}
	sc.eligibility(c.s, c.req.Demand)
	w, _, _ := sc.fitCopy(c.s, i, takes, c.req.Demand, true, searchBudget)
	res := Reservation{Owner: c.req.Owner, Copy: copyIndex, Member: c.s.members[i].Name}
	if len(w.takes) > 0 {
		res.Takes = make([]Take, len(w.takes))
		for j, t := range w.takes {
			key := c.s.keys[w.pools[t.pool].key]
			res.Takes[j] = Take{ResourceName: key.resource, Product: key.product, From: t.from, GPUs: t.gpus, Nodes: t.nodes}
		}
	}
	return res
}
