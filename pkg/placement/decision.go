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
	// To is its new member; "" if none fits.
	To string
	// Reason says why it leaves.
	Reason Reason
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
