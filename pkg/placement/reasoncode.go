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

// reasonCode is a member's Reason packed in 64 bits: the kind in the low byte, a payload above.
// A Decision keeps one per member, so that placing over a thousand members allocates a few
// kilobytes, not a slice of full Reasons; Decision.reason unpacks them. Reasons whose fields do
// not pack (free text, taints, filters' own reasons) go to the decision's table.
type reasonCode uint64

// kindTable marks a reasonCode whose payload indexes Decision.table.
const kindTable ReasonKind = 255

// Payload ranges: scores are kept within ±2^55 (the payload's 56 bits).
const maxPackedScore = 1<<55 - 1

func packReason(kind ReasonKind, payload int64) reasonCode {
	return reasonCode(uint64(payload)<<8 | uint64(kind))
}

func (c reasonCode) kind() ReasonKind { return ReasonKind(c & 0xff) }

// payload sign-extends the upper 56 bits.
func (c reasonCode) payload() int64 { return int64(c) >> 8 }

// packCopy packs a reason about copy index copyIndex.
func packCopy(kind ReasonKind, copyIndex int32) reasonCode {
	return packReason(kind, int64(copyIndex))
}

// packInsufficient packs ReasonInsufficientGPUs for service index svc of the demand: svc in
// the payload's bits 33 and up (22 bits, far more services than a graph has), shared in bit 32,
// have (not negative) below.
func packInsufficient(svc, have int32, shared bool) reasonCode {
	p := int64(svc)<<33 | int64(uint32(have))
	if shared {
		p |= 1 << 32
	}
	return packReason(ReasonInsufficientGPUs, p)
}

// packScore packs ReasonLowerScore.
func packScore(score int64) reasonCode {
	return packReason(ReasonLowerScore, min(max(score, -maxPackedScore), maxPackedScore))
}

// packed reports whether r carries nothing but its kind, so that it packs without the table.
func packed(r *Reason) bool {
	switch r.Kind {
	case ReasonNotJoined, ReasonAgentNotReady, ReasonCordoned, ReasonClusterSelector, ReasonGone, ReasonNotEvaluated,
		ReasonUnreachable, ReasonLost, ReasonDraining:
		return *r == Reason{Kind: r.Kind}
	}
	return false
}

// setReason records member i's reason, packing it if it can.
func (d *Decision) setReason(i int32, r Reason) {
	if packed(&r) {
		d.reasons[i] = packReason(r.Kind, 0)
		return
	}
	d.reasons[i] = packReason(kindTable, int64(len(d.table)))
	d.table = append(d.table, r)
}

// unpack returns member i's reason.
func (d *Decision) unpack(i int) Reason {
	c := d.reasons[i]
	p := c.payload()
	switch k := c.kind(); k {
	case kindTable:
		return d.table[p]
	case ReasonInsufficientGPUs:
		svc := &d.demand.services[p>>33]
		return Reason{Kind: k, Service: svc, Need: clamp32(svc.need()), Have: int32(uint32(p)), Shared: p>>32&1 == 1}
	case ReasonLowerScore:
		// A member that fits but was not chosen: because a copy holds its spreadBy value, or
		// because it scored lower.
		if d.spreadBy != "" {
			v := d.snap.labels[d.spreadBy][i]
			for _, h := range d.held {
				if h.value == v {
					return Reason{Kind: ReasonSpreadConflict, Text: d.spreadBy, Value: d.snap.members[i].Labels[d.spreadBy], Copy: h.copy}
				}
			}
		}
		return Reason{Kind: k, Score: p}
	case ReasonSpreadConflict:
		return Reason{Kind: k, Text: d.spreadBy, Value: d.snap.members[i].Labels[d.spreadBy], Copy: int32(p)}
	case ReasonMissingLabel:
		return Reason{Kind: k, Text: d.spreadBy}
	case ReasonChosen, ReasonDuplicate, ReasonMovingOff:
		return Reason{Kind: k, Copy: int32(p)}
	default:
		return Reason{Kind: k}
	}
}
