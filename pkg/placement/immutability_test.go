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
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

// cloneRequest deep-copies the fields of a request that Place could modify.
func cloneRequest(r *placement.Request) placement.Request {
	c := *r
	c.Current = append([]string(nil), r.Current...)
	c.Replace = append([]int(nil), r.Replace...)
	c.Exclude = append([]placement.Exclusion(nil), r.Exclude...)
	c.Policy.Tolerations = nil
	for _, t := range r.Policy.Tolerations {
		c.Policy.Tolerations = append(c.Policy.Tolerations, *t.DeepCopy())
	}
	return c
}

// TestPlaceLeavesInputsAlone places with every kind of input and checks that none changed, and
// that placing again (with a fresh or a reused Placer) gives the same decision.
func TestPlaceLeavesInputsAlone(t *testing.T) {
	build := func() []placement.Member {
		return []placement.Member{
			makeMember("a").Pool(h100, 8, 2, 4, 1).Region("east").Taint("maintenance", "", corev1.TaintEffectNoSchedule).Obj(),
			makeMember("b").Pool(h100, 8, 1).Pool(a100, 8, 3).Region("west").Obj(),
			makeMember("c").Pool(h100, 2, 3).Region("east").Cordoned().Obj(),
			makeMember("d").Pool(h200, 8, 4).NotJoined().Region("north").Obj(),
			makeMember("e").Pool(h100, 8, 4).Region("south").Namespace("dynamo").Obj(),
		}
	}
	input := build()
	s, err := placement.NewSnapshot(input)
	if err != nil {
		t.Fatal(err)
	}
	pristine, err := placement.NewSnapshot(build())
	if err != nil {
		t.Fatal(err)
	}
	res := placement.NewReservations(s)
	res.Add(placement.Reservation{Owner: "ns/other", Member: "b", Takes: []placement.Take{
		{ResourceName: "nvidia.com/gpu", Product: h100, From: 8, GPUs: 8, Nodes: 1}}})
	resBefore := res.List()
	d := demand(t, frontend(), worker("Decode", 2, 4, h100), multinode("Big", 1, 2, 8))
	servicesBefore := d.Services()
	req := &placement.Request{
		Owner: "ns/g", Namespace: "ns", Demand: d, Reservations: res,
		Policy: placement.Policy{Copies: 3, SpreadBy: regionKey, Tolerations: []corev1.Toleration{
			{Key: "maintenance", Operator: corev1.TolerationOpExists}}},
		Current: []string{"d", "", "a"},
		Replace: []int{2},
		Exclude: []placement.Exclusion{{Member: "b", Reason: "name taken"}},
	}
	reqBefore := cloneRequest(req)

	p := placement.NewPlacer(plugins.NewDefaultFramework())
	first, err := p.Place(s, req)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(input, build()) {
		t.Error("NewSnapshot or Place modified the members")
	}
	if !reflect.DeepEqual(s, pristine) {
		t.Error("Place modified the snapshot")
	}
	if !reflect.DeepEqual(cloneRequest(req), reqBefore) || req.Demand != d {
		t.Error("Place modified the request")
	}
	if !reflect.DeepEqual(d.Services(), servicesBefore) {
		t.Error("Place modified the demand")
	}
	if !reflect.DeepEqual(res.List(), resBefore) {
		t.Error("Place modified the reservations")
	}
	again, err := p.Place(s, req)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := placement.NewPlacer(plugins.NewDefaultFramework()).Place(pristine, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*placement.Decision{again, fresh} {
		if !reflect.DeepEqual(decisionView(d), decisionView(first)) {
			t.Errorf("placing again gives\n%+v\nfirst\n%+v", decisionView(d), decisionView(first))
		}
	}
}

// view is the observable content of a Decision.
type view struct {
	Copies       []placement.CopyPlacement
	Moves        []string
	Reservations []placement.Reservation
	Reasons      map[string]string
	Summary      string
}

func decisionView(d *placement.Decision) view {
	v := view{Copies: d.Copies, Reservations: d.Reservations, Reasons: reasons(d), Summary: d.Summary()}
	for _, m := range d.Moves {
		v.Moves = append(v.Moves, m.From+"->"+m.To+": "+m.Reason.String())
	}
	return v
}
