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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins/tainttoleration"
)

// fuzzBytes hands out the fuzz input a byte at a time, then zeros.
type fuzzBytes struct {
	data []byte
	i    int
}

func (b *fuzzBytes) next() byte {
	if b.i >= len(b.data) {
		return 0
	}
	b.i++
	return b.data[b.i-1]
}

// n returns a number in [0, m).
func (b *fuzzBytes) n(m int) int { return int(b.next()) % m }

var fuzzProducts = []string{"A100", "H100", "H200"}

func (b *fuzzBytes) fleet() []placement.Member {
	members := make([]placement.Member, 1+b.n(8))
	for i := range members {
		w := makeMember(fmt.Sprintf("m%d", i))
		flags := b.next()
		w.Joined = flags&0x7 != 0
		w.AgentReady = flags&0x18 != 0
		w.Unschedulable = flags&0xe0 == 0xe0
		if r := b.n(5); r > 0 {
			w.Region(fmt.Sprint("r", r))
		}
		if b.n(2) == 0 {
			w.Label("env", "prod")
		}
		switch b.n(8) {
		case 0:
			w.Taint("maintenance", "", corev1.TaintEffectNoSchedule)
		case 1:
			w.Taint("gpu", "broken", corev1.TaintEffectNoExecute)
		}
		for range b.n(4) {
			var bars []int32
			for range 1 + b.n(4) {
				bars = append(bars, int32(b.n(11)), int32(b.n(6)))
			}
			resource := "nvidia.com/gpu"
			if b.n(6) == 0 {
				resource = "amd.com/gpu"
			}
			w.ResourcePool(resource, fuzzProducts[b.n(3)], bars...)
		}
		members[i] = w.Obj()
	}
	return members
}

func (b *fuzzBytes) graph(t *testing.T, owner string, members []placement.Member) *placement.Request {
	var services []placement.ServiceDemand
	for i := range 1 + b.n(4) {
		s := placement.ServiceDemand{
			Name:            fmt.Sprint("S", i),
			Replicas:        int32(b.n(4)),
			NodesPerReplica: int32(1 + b.n(3)/2*b.n(3)),
			GPUsPerPod:      int32(b.n(9)),
		}
		if b.n(6) == 0 {
			s.ResourceName = "amd.com/gpu"
		}
		for _, p := range fuzzProducts {
			if b.n(3) == 0 {
				s.Products = append(s.Products, p)
			}
		}
		services = append(services, s)
	}
	req := &placement.Request{Owner: owner, Namespace: "ns", Demand: demand(t, services...)}
	req.Policy.Copies = 1 + b.n(4)
	if b.n(2) == 0 {
		req.Policy.SpreadBy = regionKey
	}
	if b.n(4) == 0 {
		req.Policy.Selector = labels.SelectorFromSet(labels.Set{"env": "prod"})
	}
	if b.n(3) == 0 {
		req.Policy.Tolerations = []corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpExists}}
	}
	for range req.Policy.Copies + b.n(2) {
		switch c := b.n(len(members) + 2); {
		case c < len(members):
			req.Current = append(req.Current, members[c].Name)
		case c == len(members):
			req.Current = append(req.Current, "ghost")
		default:
			req.Current = append(req.Current, "")
		}
	}
	if b.n(4) == 0 {
		req.Replace = []int{b.n(4)}
	}
	if b.n(4) == 0 {
		req.Exclude = []placement.Exclusion{{Member: members[b.n(len(members))].Name, Reason: "taken"}}
	}
	return req
}

// FuzzPlace places a burst of random graphs on a random fleet and checks the invariants: no
// node over-committed (every take replays exactly on an independent model of the histograms),
// copies on distinct members and spreadBy values, new copies only on eligible members, a
// reason for every member and every copy without a member, the same input giving the same
// output, and inputs left unmodified.
func FuzzPlace(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("flotilla places whole copies of graphs"))
	f.Add([]byte{3, 0xff, 2, 1, 3, 1, 8, 4, 2, 8, 3, 0, 0, 1, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte{7, 0x1f, 1, 0, 2, 3, 2, 8, 5, 4, 1, 0x1f, 2, 0, 7, 3, 1, 10, 5, 2, 0x1f, 3, 1, 0, 2, 1, 8, 2, 2, 1, 2, 0, 1, 3, 8, 0, 0, 1, 2, 3, 4, 0, 1})
	f.Add([]byte{2, 0x09, 1, 1, 1, 1, 1, 10, 5, 0x09, 2, 1, 1, 2, 1, 9, 5, 3, 3, 1, 3, 8, 1, 1, 1, 1, 2, 3, 1, 0, 0, 0, 3, 2, 2, 2})
	f.Add([]byte{5, 0xe1, 0, 0, 1, 1, 0, 1, 6, 5, 0x0f, 4, 1, 2, 3, 0, 0, 8, 3, 2, 1, 0, 9, 8, 8, 1, 1, 2, 3, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &fuzzBytes{data: data}
		fleet := b.fleet()
		s, err := placement.NewSnapshot(fleet)
		if err != nil {
			t.Fatal(err)
		}
		var reqs []*placement.Request
		for g := range 1 + b.n(4) {
			reqs = append(reqs, b.graph(t, fmt.Sprint("ns/g", g), fleet))
		}
		fleetBefore := b.fleetCopy(fleet)
		l := newLedger(fleet)
		res := placement.NewReservations(s)
		p := placement.NewPlacer(plugins.NewDefaultFramework())
		for _, req := range reqs {
			req.Reservations = res
			reqBefore, resBefore := cloneRequest(req), res.List()
			d, err := p.Place(s, req)
			if err != nil {
				t.Fatal(err)
			}
			checkDecision(t, s, req, d)
			for _, r := range d.Reservations {
				if err := l.apply(r); err != nil {
					t.Fatalf("%s: %v", req.Owner, err)
				}
			}
			if !reflect.DeepEqual(cloneRequest(req), reqBefore) || !reflect.DeepEqual(res.List(), resBefore) {
				t.Fatal("Place modified its request or reservations")
			}
			again, err := placement.NewPlacer(plugins.NewDefaultFramework()).Place(s, req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(decisionView(again), decisionView(d)) {
				t.Fatalf("same input, different output:\n%+v\n%+v", decisionView(d), decisionView(again))
			}
			res.Add(d.Reservations...)
		}
		if !reflect.DeepEqual(fleet, fleetBefore) {
			t.Fatal("the fleet was modified")
		}
	})
}

func (b *fuzzBytes) fleetCopy(fleet []placement.Member) []placement.Member {
	out, err := placement.NewSnapshot(fleet)
	if err != nil {
		panic(err)
	}
	copies := make([]placement.Member, 0, len(fleet))
	for _, m := range fleet {
		mm, _ := out.Member(m.Name)
		copies = append(copies, *mm)
	}
	return copies
}

// checkDecision checks one decision's invariants.
func checkDecision(t *testing.T, s *placement.Snapshot, req *placement.Request, d *placement.Decision) {
	t.Helper()
	if len(d.Copies) != req.Policy.CopyCount() {
		t.Fatalf("%d copies, want %d", len(d.Copies), req.Policy.CopyCount())
	}
	used := map[string]int{}
	spread := map[string]int{}
	newCopies := 0
	for i, c := range d.Copies {
		if c.Index != i {
			t.Fatalf("copy %d has index %d", i, c.Index)
		}
		if c.Member == "" {
			continue
		}
		if j, dup := used[c.Member]; dup {
			t.Fatalf("copies %d and %d both on %s", j, i, c.Member)
		}
		used[c.Member] = i
		m, ok := s.Member(c.Member)
		if !ok {
			t.Fatalf("copy %d on unknown member %s", i, c.Member)
		}
		if v, ok := m.Labels[req.Policy.SpreadBy]; ok && req.Policy.SpreadBy != "" {
			if j, dup := spread[v]; dup {
				t.Fatalf("copies %d and %d both in %s=%s", j, i, req.Policy.SpreadBy, v)
			}
			spread[v] = i
		}
		if c.Kept {
			if i >= len(req.Current) || req.Current[i] != c.Member {
				t.Fatalf("copy %d kept on %s, but it ran on %v", i, c.Member, req.Current)
			}
			if !m.Joined {
				t.Fatalf("copy %d kept on %s, which is not joined", i, c.Member)
			}
			continue
		}
		newCopies++
		if !m.Joined || !m.AgentReady || m.Unschedulable {
			t.Fatalf("new copy %d on %s, which is not schedulable", i, c.Member)
		}
		for j := range m.Taints {
			if m.Taints[j].Effect != corev1.TaintEffectPreferNoSchedule && !tainttoleration.Tolerated(req.Policy.Tolerations, &m.Taints[j]) {
				t.Fatalf("new copy %d on %s, tainted %v", i, c.Member, m.Taints[j])
			}
		}
		if sel := req.Policy.Selector; sel != nil && !sel.Matches(labels.Set(m.Labels)) {
			t.Fatalf("new copy %d on %s, which the selector excludes", i, c.Member)
		}
		if _, ok := m.Labels[req.Policy.SpreadBy]; req.Policy.SpreadBy != "" && !ok {
			t.Fatalf("new copy %d on %s, which lacks the spreadBy label", i, c.Member)
		}
		for _, e := range req.Exclude {
			if e.Member == c.Member {
				t.Fatalf("new copy %d on excluded %s", i, c.Member)
			}
		}
	}
	if len(d.Reservations) != newCopies {
		t.Fatalf("%d reservations for %d new copies", len(d.Reservations), newCopies)
	}
	for _, r := range d.Reservations {
		var gpus int64
		for _, tk := range r.Takes {
			gpus += int64(tk.GPUs) * int64(tk.Nodes)
		}
		if gpus != req.Demand.GPUs() {
			t.Fatalf("copy %d takes %d GPUs, its demand is %d", r.Copy, gpus, req.Demand.GPUs())
		}
	}
	for i, c := range d.Copies {
		if why := d.CopyReason(i).String(); (c.Member == "") != (why != "") {
			t.Fatalf("copy %d on %q, reason %q", i, c.Member, why)
		}
	}
	rejected := d.Rejections()
	if len(rejected)+len(used) != s.Len() {
		t.Fatalf("%d rejections and %d chosen members for %d members", len(rejected), len(used), s.Len())
	}
	for _, r := range rejected {
		if _, chosen := used[r.Member]; chosen || r.Reason.String() == "" {
			t.Fatalf("member %s: reason %q (chosen %v)", r.Member, r.Reason, chosen)
		}
	}
	_ = d.Summary()
}
