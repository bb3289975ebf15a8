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

// This file decides which copies stay on their current member. Stability rule: a copy stays
// where it is while its member is in the snapshot and no filter says Evict (with the in-tree
// filters: the member is joined and carries no untolerated NoExecute taint). It stays even if
// it would not fit again (its own pods use the inventory), if the member is cordoned or its
// agent is slow, or if the graph's clusterSelector no longer selects the member. A copy also
// moves when the caller asks (Request.Replace) or when it breaks the one-copy-per-member or
// spreadBy rule against a lower-numbered copy that stays.

// spreadHold is a spreadBy label value (an index into Snapshot.labelValues) taken by a copy.
type spreadHold struct {
	value int32
	copy  int32
}

// memberCopy is a copy on a member.
type memberCopy struct {
	member, copy int32
}

// keep sorts the copies of c.req into those that stay (c.copyMember[i] >= 0) and those to
// place (c.need), recording moves in c.d.Moves.
func (c *cycle) keep() {
	copies := c.req.Policy.CopyCount()
	for _, f := range c.fw.Filters {
		if pf, ok := f.(PreFilterPlugin); ok && pf.Skip(c.req, c.s) {
			continue
		}
		c.filters = append(c.filters, f)
	}
	if key := c.req.Policy.SpreadBy; key != "" {
		c.spread = c.s.labels[key]
	}
	for i := 0; i < copies; i++ {
		c.d.Copies[i] = CopyPlacement{Index: i}
		c.copyMember = append(c.copyMember, -1)
		name := ""
		if i < len(c.req.Current) {
			name = c.req.Current[i]
		}
		if name == "" {
			c.need = append(c.need, int32(i))
			continue
		}
		reason, moving := c.mustMove(i, name)
		if !moving {
			m := c.s.index[name]
			member := &c.s.members[m]
			c.copyMember[i] = m
			c.d.Copies[i] = CopyPlacement{Index: i, Member: name, Namespace: c.namespaceOn(member), Kept: true}
			if v := c.spreadOf(m); v >= 0 {
				c.held = append(c.held, spreadHold{value: v, copy: int32(i)})
			}
			continue
		}
		c.need = append(c.need, int32(i))
		c.d.Moves = append(c.d.Moves, Move{Index: i, From: name, Reason: reason})
		if reason.Kind == ReasonMovingOff {
			c.movingOff = append(c.movingOff, memberCopy{member: c.s.index[name], copy: int32(i)})
		}
	}
}

// mustMove says whether copy i must leave member name, and why.
func (c *cycle) mustMove(i int, name string) (Reason, bool) {
	m, ok := c.s.index[name]
	if !ok {
		return Reason{Kind: ReasonGone}, true
	}
	for _, r := range c.req.Replace {
		if r == i {
			return Reason{Kind: ReasonMovingOff, Copy: int32(i)}, true
		}
	}
	member := &c.s.members[m]
	for _, f := range c.filters {
		if r := f.Filter(c.req, member); r != nil && r.Code == Evict {
			return r.Reason, true
		}
	}
	for j, held := range c.copyMember {
		if held == m {
			return Reason{Kind: ReasonDuplicate, Copy: int32(j)}, true
		}
	}
	if v := c.spreadOf(m); v >= 0 {
		if h := c.heldBy(v); h >= 0 {
			key := c.req.Policy.SpreadBy
			return Reason{Kind: ReasonSpreadConflict, Text: key, Value: member.Labels[key], Copy: h}, true
		}
	}
	return Reason{}, false
}

// spreadOf returns member i's spreadBy value, or -1 if it lacks the label or the graph does not
// spread.
func (c *cycle) spreadOf(i int32) int32 {
	if c.spread == nil {
		return -1
	}
	return c.spread[i]
}

// heldBy returns the copy holding spreadBy value v, or -1.
func (c *cycle) heldBy(v int32) int32 {
	for _, h := range c.held {
		if h.value == v {
			return h.copy
		}
	}
	return -1
}

func (c *cycle) namespaceOn(m *Member) string {
	if m.NamespaceRestriction != "" {
		return m.NamespaceRestriction
	}
	return c.req.Namespace
}

// Evictions lists the copies of req that would leave their member (gone, evicted by a filter,
// asked to move, or conflicting with another copy), without placing anything. The hub uses it
// to find the graphs that failover must re-place, for example after marking a member lost.
func (p *Placer) Evictions(s *Snapshot, req *Request) []Move {
	if s == nil || req == nil || req.Policy.CopyCount() > MaxCopies {
		return nil
	}
	c := &cycle{fw: p.fw, s: s, req: req, d: &Decision{Copies: make([]CopyPlacement, req.Policy.CopyCount())}}
	c.keep()
	return c.d.Moves
}

// CopiesOn returns the indexes of the copies in current that run on one of members: with
// Request.Replace and Request.Exclude, what a caller needs to move copies off members of its
// choosing.
func CopiesOn(current []string, members ...string) []int {
	var out []int
	for i, name := range current {
		for _, m := range members {
			if name != "" && name == m {
				out = append(out, i)
				break
			}
		}
	}
	return out
}
