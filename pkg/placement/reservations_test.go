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

package placement_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

// ledger is a model of the fleet's node histograms, independent of the package's: member ->
// "resource/product" -> nodes by free GPUs. It applies takes exactly, and fails when a take
// finds fewer nodes than it claims: a node booked twice.
type ledger map[string]map[string]map[int32]int64

func newLedger(members []placement.Member) ledger {
	l := ledger{}
	for _, m := range members {
		l[m.Name] = map[string]map[int32]int64{}
		for _, p := range m.GPUs {
			r := p.ResourceName
			if r == "" {
				r = "nvidia.com/gpu"
			}
			bars := l[m.Name][r+"/"+p.Product]
			if bars == nil {
				bars = map[int32]int64{}
				l[m.Name][r+"/"+p.Product] = bars
			}
			for _, b := range p.NodesByFree {
				if b.Nodes > 0 && b.Free >= 0 {
					bars[min(b.Free, 1024)] += int64(b.Nodes)
				}
			}
		}
	}
	return l
}

func (l ledger) apply(res placement.Reservation) error {
	for _, t := range res.Takes {
		bars := l[res.Member][t.ResourceName+"/"+t.Product]
		if bars == nil {
			return fmt.Errorf("%s: no pool %s/%s", res.Member, t.ResourceName, t.Product)
		}
		if t.GPUs <= 0 || t.Nodes <= 0 || t.GPUs > t.From {
			return fmt.Errorf("%s: malformed take %+v", res.Member, t)
		}
		if bars[t.From] < int64(t.Nodes) {
			return fmt.Errorf("%s: take %+v finds %d nodes with %d free: over-committed", res.Member, t, bars[t.From], t.From)
		}
		bars[t.From] -= int64(t.Nodes)
		bars[t.From-t.GPUs] += int64(t.Nodes)
	}
	return nil
}

func TestReservationsNodeAccurate(t *testing.T) {
	// 12 free GPUs in total, on a node with 8 and a node with 4.
	m := makeMember("m").Pool(h100, 8, 1, 4, 1)
	s := snapshot(t, m)
	res := placement.NewReservations(s)
	p := placement.NewPlacer(plugins.NewDefaultFramework())
	var got []string
	for _, gpus := range []int32{4, 8, 4} {
		d, err := p.Place(s, &placement.Request{Owner: fmt.Sprint(gpus), Demand: demand(t, worker("W", 1, gpus)), Reservations: res})
		if err != nil {
			t.Fatal(err)
		}
		res.Add(d.Reservations...)
		got = append(got, d.Copies[0].Member)
	}
	// The first 4-GPU pod took the 4-GPU node (best fit), the 8-GPU pod the 8-GPU node: the
	// third pod fits nowhere, although 4 GPUs would be free by count.
	if want := []string{"m", "m", ""}; !reflect.DeepEqual(got, want) {
		t.Errorf("placed on %q, want %q", got, want)
	}
	l := newLedger([]placement.Member{m.Obj()})
	for _, r := range res.List() {
		if err := l.apply(r); err != nil {
			t.Error(err)
		}
	}
}

// TestReservationsBurst places 100 graphs in a burst: with reservations, no node is booked twice
// and the fleet fills up; without them, every graph lands on the same member.
func TestReservationsBurst(t *testing.T) {
	fleet := []*memberWrapper{
		makeMember("a").Pool(h100, 8, 10, 3, 5).Region("east"),
		makeMember("b").Pool(h100, 8, 4, 4, 8).Pool(a100, 8, 6).Region("west"),
		makeMember("c").Pool(h200, 8, 6, 2, 10).Region("north"),
		makeMember("d").Pool(h100, 6, 10).Region("east"),
	}
	s := snapshot(t, fleet...)
	shapes := []*placement.Demand{
		demand(t, frontend(), worker("Decode", 2, 4, h100, h200), worker("Prefill", 1, 2, h100, h200)),
		demand(t, multinode("Sglang", 1, 3, 6)),
		demand(t, worker("Agg", 3, 1)),
	}
	var ms []placement.Member
	for _, m := range fleet {
		ms = append(ms, m.Obj())
	}
	l := newLedger(ms)
	res := placement.NewReservations(s)
	p := placement.NewPlacer(plugins.NewDefaultFramework())
	placed, pending := 0, 0
	for i := range 100 {
		req := &placement.Request{Owner: fmt.Sprintf("ns/g%d", i), Demand: shapes[i%len(shapes)], Reservations: res}
		if i%4 == 0 {
			req.Policy = placement.Policy{Copies: 2, SpreadBy: regionKey}
		}
		d, err := p.Place(s, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Reservations) != d.Placed() {
			t.Fatalf("graph %d: %d reservations for %d placed copies", i, len(d.Reservations), d.Placed())
		}
		for _, r := range d.Reservations {
			if r.Owner != req.Owner || d.Copies[r.Copy].Member != r.Member {
				t.Fatalf("graph %d: reservation %+v does not match its copy", i, r)
			}
			if err := l.apply(r); err != nil {
				t.Fatalf("graph %d: %v", i, err)
			}
		}
		res.Add(d.Reservations...)
		placed += d.Placed()
		pending += len(d.Copies) - d.Placed()
	}
	if placed == 0 || pending == 0 {
		t.Errorf("placed %d copies, %d pending: the burst should fill the fleet", placed, pending)
	}
	// The reservations baked into the snapshot give the ledger's histograms.
	after := s.WithReservations(res)
	for _, name := range after.Names() {
		m, _ := after.Member(name)
		if got, want := newLedger([]placement.Member{*m})[name], l[name]; !equalBars(got, want) {
			t.Errorf("%s after reservations: %v, ledger %v", name, got, want)
		}
	}

	// Without reservations, the same member is chosen again and again: a double booking.
	d1 := place(t, s, &placement.Request{Demand: shapes[0]})
	d2 := place(t, s, &placement.Request{Demand: shapes[0]})
	l = newLedger(ms)
	if err := l.apply(d1.Reservations[0]); err != nil {
		t.Fatal(err)
	}
	if d1.Copies[0].Member != d2.Copies[0].Member {
		t.Fatal("expected the same member without reservations")
	}
}

func equalBars(a, b map[string]map[int32]int64) bool {
	clean := func(m map[string]map[int32]int64) map[string]map[int32]int64 {
		out := map[string]map[int32]int64{}
		for k, bars := range m {
			out[k] = map[int32]int64{}
			for f, n := range bars {
				if n != 0 {
					out[k][f] = n
				}
			}
		}
		return out
	}
	return reflect.DeepEqual(clean(a), clean(b))
}

func TestReservationsBookkeeping(t *testing.T) {
	s := snapshot(t, makeMember("a").Pool(h100, 8, 2), makeMember("b").Pool(h100, 8, 2))
	take := placement.Take{ResourceName: "nvidia.com/gpu", Product: h100, From: 8, GPUs: 8, Nodes: 1}
	res := placement.NewReservations(s)
	in := []placement.Reservation{
		{Owner: "ns/x", Copy: 0, Member: "a", Takes: []placement.Take{take}},
		{Owner: "ns/x", Copy: 1, Member: "b", Takes: []placement.Take{take}},
		{Owner: "ns/y", Copy: 0, Member: "a", Takes: []placement.Take{take}},
		{Owner: "ns/z", Copy: 0, Member: "gone", Takes: []placement.Take{take}},
	}
	res.Add(in...)
	in[0].Takes[0].Nodes = 99 // Add copied its argument
	if got := res.List()[0].Takes[0].Nodes; got != 1 {
		t.Errorf("Add kept a reference to its argument: nodes %d", got)
	}
	gpu8 := demand(t, worker("W", 1, 8))
	placeWith := func(r *placement.Reservations, snap *placement.Snapshot) []string {
		return members(place(t, snap, &placement.Request{Demand: gpu8, Policy: placement.Policy{Copies: 2}, Reservations: r}))
	}
	if got := placeWith(res, s); !reflect.DeepEqual(got, []string{"b", ""}) {
		t.Errorf("with a full and b half reserved: %q", got)
	}
	// Reservations resolved against another snapshot give the same decision.
	s2 := snapshot(t, makeMember("a").Pool(h100, 8, 2), makeMember("b").Pool(h100, 8, 2))
	if got, want := placeWith(res, s2), placeWith(res.Rebase(s2), s2); !reflect.DeepEqual(got, want) {
		t.Errorf("foreign reservations give %q, rebased %q", got, want)
	}
	if n := res.ReleaseCopy("ns/x", 1); n != 1 || res.Len() != 3 {
		t.Errorf("ReleaseCopy dropped %d, %d left", n, res.Len())
	}
	if got := placeWith(res, s); !reflect.DeepEqual(got, []string{"b", ""}) {
		t.Errorf("after releasing b's copy: %q", got)
	}
	if n := res.Release("ns/y"); n != 1 {
		t.Errorf("Release dropped %d", n)
	}
	if n := res.ReleaseMember("a"); n != 1 || res.Len() != 1 {
		t.Errorf("ReleaseMember dropped %d, %d left", n, res.Len())
	}
	if got := placeWith(res, s); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("after releasing everything on a and b: %q", got)
	}
}
