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

// Decision is the outcome of placing one graph.
type Decision struct {
	// Copies has one entry per copy, by index.
	Copies []CopyPlacement
	// Moves lists the copies that left their current member, and why (their new member, if
	// any, is in Copies). The caller removes them from the old member.
	Moves []Move
	// Reservations has one entry per newly placed copy: add them to the Reservations passed to
	// later placements until the members' inventories show them.
	Reservations []Reservation

	snap     *Snapshot
	demand   *Demand
	spreadBy string
	// reasons is indexed like snap's members; nil when no member was evaluated (every copy
	// stayed where it was). table holds the reasons that do not pack (see reasonCode).
	reasons []reasonCode
	table   []Reason
	// held lists the spreadBy values of the copies, to tell ReasonSpreadConflict from
	// ReasonLowerScore.
	held []spreadHold
	// fitting is the number of members evaluated that a copy fits; evaluated the number
	// evaluated or excluded (every member but those keeping a copy).
	fitting, evaluated int
}

// CopyPlacement is where one copy runs.
type CopyPlacement struct {
	// Index is the copy's index.
	Index int
	// Member is the member cluster the copy runs on; "" if no member fits it.
	Member string
	// Namespace is the namespace of the copy on Member: the member's namespace restriction, or
	// the graph's namespace.
	Namespace string
	// Kept is true when the copy was already on Member.
	Kept bool
}

// Move is a copy that leaves its member.
type Move struct {
	// Index is the copy's index.
	Index int
	// From is the member the copy leaves.
	From string
	// To is its new member; "" if it got none (Decision.CopyReason says why).
	To string
	// Reason says why it leaves.
	Reason Reason
}

// CopyReason says why copy i has no member: it fits no member that could take it
// (ReasonNoFit; Rejections and Summary say why, per member), the members it fits took copies
// placed before it (ReasonFitsTaken) or share their spreadBy value with other copies
// (ReasonSpreadTaken), or every member holds a copy already (ReasonNoMemberLeft). It is the zero
// Reason when the copy has a member, or i is out of range.
func (d *Decision) CopyReason(i int) Reason {
	if i < 0 || i >= len(d.Copies) || d.Copies[i].Member != "" || d.reasons == nil {
		return Reason{}
	}
	// Copies are assigned in index order, each to the best member left that it fits: a copy
	// is left without one only once the members it fits are used up, and then so is every
	// later copy, for the same reason.
	switch {
	case d.evaluated == 0:
		return Reason{Kind: ReasonNoMemberLeft, Have: clamp32(int64(len(d.reasons)))}
	case d.fitting == 0:
		return Reason{Kind: ReasonNoFit}
	case d.spreadBy != "":
		return Reason{Kind: ReasonSpreadTaken, Text: d.spreadBy, Have: clamp32(int64(d.fitting))}
	}
	return Reason{Kind: ReasonFitsTaken, Have: clamp32(int64(d.fitting))}
}

// CopyMessage says why copy i has no member, for its status: CopyReason, then the Summary
// ("the cluster it fits holds an earlier copy; placed 1/2 copies; 1/2 clusters fit: 1 lack
// GPUs (...)"), or the Summary alone when the copy fits no member, which the Summary details.
// It is "" when the copy has a member (or i is out of range).
func (d *Decision) CopyMessage(i int) string {
	if i < 0 || i >= len(d.Copies) || d.Copies[i].Member != "" {
		return ""
	}
	r := d.CopyReason(i)
	if r.Kind == ReasonNone || r.Kind == ReasonNoFit {
		return d.Summary()
	}
	return r.String() + "; " + d.Summary()
}

// Rejection is a member that holds no copy, and why.
type Rejection struct {
	// Member is the member cluster's name.
	Member string
	// Reason says why it holds no copy.
	Reason Reason
}

// Placed is the number of copies with a member.
func (d *Decision) Placed() int {
	n := 0
	for i := range d.Copies {
		if d.Copies[i].Member != "" {
			n++
		}
	}
	return n
}

// Fitting is the number of members a new copy was found to fit (including those chosen); 0
// when no member was evaluated.
func (d *Decision) Fitting() int { return d.fitting }

// Rejections lists every member that holds no copy, by name, with its reason.
func (d *Decision) Rejections() []Rejection {
	out := make([]Rejection, 0, len(d.snap.members))
	for i := range d.snap.members {
		r := d.reason(i)
		if r.Kind != ReasonChosen {
			out = append(out, Rejection{Member: d.snap.members[i].Name, Reason: r})
		}
	}
	return out
}

// Reason returns the reason of one member (ReasonChosen if it holds a copy); false if the
// member is not in the snapshot.
func (d *Decision) Reason(member string) (Reason, bool) {
	i, ok := d.snap.index[member]
	if !ok {
		return Reason{}, false
	}
	return d.reason(int(i)), true
}

func (d *Decision) reason(i int) Reason {
	if d.reasons != nil {
		return d.unpack(i)
	}
	for c := range d.Copies {
		if d.Copies[c].Member == d.snap.members[i].Name {
			return Reason{Kind: ReasonChosen, Copy: int32(c)}
		}
	}
	return Reason{Kind: ReasonNotEvaluated}
}
