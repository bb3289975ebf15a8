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
	"k8s.io/apimachinery/pkg/labels"

	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

// placeCase is one placement: members, a request, and what must come out.
type placeCase struct {
	name    string
	members []*memberWrapper
	req     placement.Request
	// want is the member of each copy ("" for none).
	want []string
	// kept says which copies stayed (nil: none).
	kept []bool
	// moves are the copies that moved: index, from, to, reason.
	moves []placement.Move
	// reasons are the reason texts of some rejected members.
	reasons map[string]string
	// summary is Decision.Summary, if set.
	summary string
}

func runPlaceCases(t *testing.T, tests []placeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snapshot(t, tt.members...)
			req := tt.req
			d := place(t, s, &req)
			if got := members(d); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("copies on %q, want %q", got, tt.want)
			}
			for i, c := range d.Copies {
				want := tt.kept != nil && tt.kept[i]
				if c.Kept != want {
					t.Errorf("copy %d kept = %v, want %v", i, c.Kept, want)
				}
			}
			gotMoves := map[int]string{}
			for _, m := range d.Moves {
				gotMoves[m.Index] = m.From + "->" + m.To + ": " + m.Reason.String()
			}
			wantMoves := map[int]string{}
			for _, m := range tt.moves {
				wantMoves[m.Index] = m.From + "->" + m.To + ": " + m.Reason.Text
			}
			if !reflect.DeepEqual(gotMoves, wantMoves) {
				t.Errorf("moves %v, want %v", gotMoves, wantMoves)
			}
			got := reasons(d)
			for m, want := range tt.reasons {
				if got[m] != want {
					t.Errorf("reason of %s: %q, want %q", m, got[m], want)
				}
			}
			if tt.summary != "" && d.Summary() != tt.summary {
				t.Errorf("summary:\n got %q\nwant %q", d.Summary(), tt.summary)
			}
		})
	}
}

// move builds an expected Move; the reason is compared by text.
func move(i int, from, to, reason string) placement.Move {
	return placement.Move{Index: i, From: from, To: to, Reason: placement.TextReason(reason)}
}

func selector(t *testing.T, s string) labels.Selector {
	t.Helper()
	sel, err := labels.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

func TestPlaceFit(t *testing.T) {
	eight := func(t *testing.T) *placement.Demand { return demand(t, frontend(), worker("VllmWorker", 1, 8, h100)) }
	runPlaceCases(t, []placeCase{{
		name: "fragmented free GPUs do not fit a whole-node pod",
		members: []*memberWrapper{
			makeMember("fragmented").Pool(h100, 1, 8),
			makeMember("whole").Pool(h100, 8, 1),
		},
		req:     placement.Request{Demand: eight(t)},
		want:    []string{"whole"},
		reasons: map[string]string{"fragmented": "needs 1 node with ≥8 free " + h100 + " for VllmWorker, has 0"},
	}, {
		name: "multinode needs nodeCount nodes at once",
		members: []*memberWrapper{
			makeMember("one").Pool(h100, 8, 1),
			makeMember("two").Pool(h100, 8, 2),
		},
		req:     placement.Request{Demand: demand(t, multinode("SglangWorker", 1, 2, 8, h100))},
		want:    []string{"two"},
		reasons: map[string]string{"one": "needs 2 nodes with ≥8 free " + h100 + " for SglangWorker, has 1"},
	}, {
		name: "multinode: two replicas need four nodes",
		members: []*memberWrapper{
			makeMember("three").Pool(h100, 8, 3),
			makeMember("four").Pool(h100, 8, 4),
		},
		req:     placement.Request{Demand: demand(t, multinode("SglangWorker", 2, 2, 8, h100))},
		want:    []string{"four"},
		reasons: map[string]string{"three": "needs room for 2 replicas of 2 nodes with ≥8 free " + h100 + " for SglangWorker, has room for 1"},
	}, {
		name: "products: the wrong product does not count",
		members: []*memberWrapper{
			makeMember("a100s").Pool(a100, 8, 4),
			makeMember("h100s").Pool(h100, 8, 1),
		},
		req:     placement.Request{Demand: eight(t)},
		want:    []string{"h100s"},
		reasons: map[string]string{"a100s": "needs 1 node with ≥8 free " + h100 + " for VllmWorker, has 0"},
	}, {
		name: "products: several accepted products",
		members: []*memberWrapper{
			makeMember("a100s").Pool(a100, 8, 4),
			makeMember("b").Pool(h100, 1, 4),
		},
		req:     placement.Request{Demand: demand(t, worker("W", 2, 8, h100, h200))},
		want:    []string{""},
		reasons: map[string]string{"a100s": "needs room for 2 pods of 8 " + h100 + " or " + h200 + " for W, has room for none"},
	}, {
		name: "all services of a copy must fit the same member together",
		members: []*memberWrapper{
			makeMember("decode-only").Pool(h100, 4, 2),
			makeMember("prefill-only").Pool(h100, 2, 2),
			makeMember("both").Pool(h100, 4, 2, 2, 1),
		},
		req:  placement.Request{Demand: demand(t, frontend(), worker("Decode", 2, 4, h100), worker("Prefill", 1, 2, h100))},
		want: []string{"both"},
		reasons: map[string]string{
			"decode-only":  "needs 1 node with ≥2 free " + h100 + " for Prefill, has 0 left by the other services",
			"prefill-only": "needs room for 2 pods of 4 " + h100 + " for Decode, has room for none",
		},
	}, {
		name: "CPU-only graphs fit anywhere, even without GPUs",
		members: []*memberWrapper{
			makeMember("b"),
			makeMember("a"),
		},
		req:     placement.Request{Demand: demand(t, frontend())},
		want:    []string{"a"},
		reasons: map[string]string{"b": "fits, ranked below the chosen clusters (score 0)"},
	}, {
		name: "nothing fits",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 1, 8),
			makeMember("b").Pool(h100, 8, 1).Label("env", "dev"),
			makeMember("c").Pool(a100, 8, 1),
		},
		req: placement.Request{
			Demand: demand(t, frontend(), worker("VllmWorker", 2, 8, h100)),
			Policy: placement.Policy{Selector: selector(t, "env!=dev")},
		},
		want:    []string{""},
		summary: "0/3 clusters fit: 2 lack GPUs (needs room for 2 pods of 8 " + h100 + " for VllmWorker), 1 excluded by clusterSelector",
	}})
}

func TestPlaceScore(t *testing.T) {
	runPlaceCases(t, []placeCase{{
		name: "tightest fit: the member whose used nodes are left fullest",
		members: []*memberWrapper{
			makeMember("a-whole").Pool(h100, 8, 4),
			makeMember("b-exact").Pool(h100, 4, 1, 8, 4),
			makeMember("c-loose").Pool(h100, 6, 1),
		},
		req:  placement.Request{Demand: demand(t, worker("W", 1, 4, h100))},
		want: []string{"b-exact"},
		reasons: map[string]string{
			"a-whole": "fits, ranked below the chosen clusters (score -4)",
			"c-loose": "fits, ranked below the chosen clusters (score -2)",
		},
	}, {
		name: "ties go to the member whose name sorts first",
		members: []*memberWrapper{
			makeMember("zeta").Pool(h100, 8, 1),
			makeMember("alpha").Pool(h100, 8, 1),
		},
		req:  placement.Request{Demand: demand(t, worker("W", 1, 8))},
		want: []string{"alpha"},
	}, {
		name: "several copies go to the best members, one each",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 8, 1),
			makeMember("b").Pool(h100, 4, 1),
			makeMember("c").Pool(h100, 4, 1),
			makeMember("d").Pool(h100, 2, 1),
		},
		req:     placement.Request{Demand: demand(t, worker("W", 1, 4)), Policy: placement.Policy{Copies: 3}},
		want:    []string{"b", "c", "a"},
		reasons: map[string]string{"d": "needs 1 node with ≥4 free GPUs for W, has 0"},
	}, {
		name: "more copies than members that fit",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 8, 1),
			makeMember("b").Pool(h100, 1, 1),
		},
		req:     placement.Request{Demand: demand(t, worker("W", 1, 8)), Policy: placement.Policy{Copies: 2}},
		want:    []string{"a", ""},
		summary: "placed 1/2 copies; 1/2 clusters fit: 1 lack GPUs (needs 1 node with ≥8 free GPUs for W)",
	}})
}

func TestPlaceFilters(t *testing.T) {
	gpu := func(t *testing.T) *placement.Demand { return demand(t, worker("W", 1, 1)) }
	runPlaceCases(t, []placeCase{{
		name: "clusterSelector",
		members: []*memberWrapper{
			makeMember("dev").Pool(h100, 1, 1).Label("env", "dev"),
			makeMember("prod").Pool(h100, 1, 1).Label("env", "prod"),
		},
		req:     placement.Request{Demand: gpu(t), Policy: placement.Policy{Selector: selector(t, "env=prod")}},
		want:    []string{"prod"},
		reasons: map[string]string{"dev": "excluded by clusterSelector"},
	}, {
		name: "member state",
		members: []*memberWrapper{
			makeMember("a-gone").Pool(h100, 1, 1).NotJoined(),
			makeMember("b-slow").Pool(h100, 1, 1).AgentNotReady(),
			makeMember("c-cordoned").Pool(h100, 1, 1).Cordoned(),
			makeMember("d-ok").Pool(h100, 1, 1),
		},
		req:  placement.Request{Demand: gpu(t)},
		want: []string{"d-ok"},
		reasons: map[string]string{
			"a-gone":     "not joined",
			"b-slow":     "agent not ready",
			"c-cordoned": "cordoned",
		},
		summary: "placed 1/1 copies",
	}, {
		name: "taints and tolerations",
		members: []*memberWrapper{
			makeMember("a-maintenance").Pool(h100, 1, 1).Taint("maintenance", "", corev1.TaintEffectNoSchedule),
			makeMember("b-broken").Pool(h100, 1, 1).Taint("gpu", "broken", corev1.TaintEffectNoExecute),
			makeMember("c-prefer").Pool(h100, 1, 1).Taint("spot", "", corev1.TaintEffectPreferNoSchedule),
		},
		req:  placement.Request{Demand: gpu(t), Policy: placement.Policy{Copies: 2}},
		want: []string{"c-prefer", ""},
		reasons: map[string]string{
			"a-maintenance": "tainted NoSchedule (maintenance)",
			"b-broken":      "tainted NoExecute (gpu=broken)",
		},
		summary: "placed 1/2 copies; 1/3 clusters fit: 1 tainted NoExecute (gpu=broken), 1 tainted NoSchedule (maintenance)",
	}, {
		name: "tolerations",
		members: []*memberWrapper{
			makeMember("a-maintenance").Pool(h100, 1, 1).Taint("maintenance", "", corev1.TaintEffectNoSchedule),
			makeMember("b-broken").Pool(h100, 1, 1).Taint("gpu", "broken", corev1.TaintEffectNoExecute),
		},
		req: placement.Request{Demand: gpu(t), Policy: placement.Policy{Copies: 2, Tolerations: []corev1.Toleration{
			{Key: "maintenance", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
			{Key: "gpu", Operator: corev1.TolerationOpEqual, Value: "broken"},
		}}},
		want: []string{"a-maintenance", "b-broken"},
	}, {
		name: "request exclusions",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 1, 1),
			makeMember("b").Pool(h100, 1, 1),
			makeMember("c").Pool(h100, 1, 1),
		},
		req: placement.Request{Demand: gpu(t), Exclude: []placement.Exclusion{
			{Member: "a", Reason: "llama-frontend is taken by team-b/llama"}, {Member: "b"}, {Member: "unknown"},
		}},
		want: []string{"c"},
		reasons: map[string]string{
			"a": "llama-frontend is taken by team-b/llama",
			"b": "excluded by request",
		},
	}})
}

func TestPlaceSpread(t *testing.T) {
	runPlaceCases(t, []placeCase{{
		name: "one copy per spreadBy value; members without the label are not eligible",
		members: []*memberWrapper{
			makeMember("east-1").Pool(h100, 1, 1).Region("us-east"),
			makeMember("east-2").Pool(h100, 1, 1).Region("us-east"),
			makeMember("nolabel").Pool(h100, 1, 1),
			makeMember("west-1").Pool(h100, 2, 1).Region("us-west"),
		},
		req:  placement.Request{Demand: demand(t, worker("W", 1, 1)), Policy: placement.Policy{Copies: 3, SpreadBy: regionKey}},
		want: []string{"east-1", "west-1", ""},
		reasons: map[string]string{
			"east-2":  "spreadBy: " + regionKey + " us-east already holds copy 0",
			"nolabel": "missing label " + regionKey,
		},
		summary: "placed 2/3 copies; 3/4 clusters fit: 1 missing label " + regionKey + ", 1 share a spreadBy value with a placed copy",
	}, {
		name: "a kept copy holds its value",
		members: []*memberWrapper{
			makeMember("east-1").Pool(h100, 1, 1).Region("us-east"),
			makeMember("east-2").Pool(h100, 1, 1).Region("us-east"),
			makeMember("west-1").Pool(h100, 1, 1).Region("us-west"),
		},
		req: placement.Request{
			Demand:  demand(t, worker("W", 1, 1)),
			Policy:  placement.Policy{Copies: 2, SpreadBy: regionKey},
			Current: []string{"east-2"},
		},
		want:    []string{"east-2", "west-1"},
		kept:    []bool{true, false},
		reasons: map[string]string{"east-1": "spreadBy: " + regionKey + " us-east already holds copy 0"},
	}, {
		name: "the best member of the best value first",
		members: []*memberWrapper{
			makeMember("a-east").Pool(h100, 8, 1).Region("us-east"),
			makeMember("b-east").Pool(h100, 1, 1).Region("us-east"),
			makeMember("c-west").Pool(h100, 2, 1).Region("us-west"),
		},
		req:  placement.Request{Demand: demand(t, worker("W", 1, 1)), Policy: placement.Policy{Copies: 2, SpreadBy: regionKey}},
		want: []string{"b-east", "c-west"},
	}})
}

func TestPlaceStability(t *testing.T) {
	gpu := func(t *testing.T) *placement.Demand { return demand(t, worker("W", 1, 8)) }
	runPlaceCases(t, []placeCase{{
		name: "a placed copy stays even if its member no longer fits it",
		members: []*memberWrapper{
			makeMember("full").Pool(h100, 0, 4),
			makeMember("roomy").Pool(h100, 8, 4),
		},
		req:  placement.Request{Demand: gpu(t), Current: []string{"full"}},
		want: []string{"full"},
		kept: []bool{true},
	}, {
		name: "and stays on a slow, cordoned, NoSchedule-tainted or no longer selected member",
		members: []*memberWrapper{
			makeMember("a").AgentNotReady(),
			makeMember("b").Cordoned(),
			makeMember("c").Taint("maintenance", "", corev1.TaintEffectNoSchedule),
			makeMember("d").Label("env", "dev"),
			makeMember("e").Pool(h100, 8, 4).Label("env", "prod"),
		},
		req: placement.Request{Demand: gpu(t), Current: []string{"a", "b", "c", "d"},
			Policy: placement.Policy{Copies: 4, Selector: selector(t, "env=prod")}},
		want: []string{"a", "b", "c", "d"},
		kept: []bool{true, true, true, true},
	}, {
		name: "a copy moves off a member that is not joined, NoExecute-tainted or gone",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 8, 4).NotJoined(),
			makeMember("b").Pool(h100, 8, 4).Taint("gpu", "broken", corev1.TaintEffectNoExecute),
			makeMember("c").Pool(h100, 8, 4),
			makeMember("d").Pool(h100, 8, 4),
			makeMember("e").Pool(h100, 8, 4),
			makeMember("f").Pool(h100, 8, 4),
		},
		req:  placement.Request{Demand: gpu(t), Current: []string{"a", "b", "gone", "f"}, Policy: placement.Policy{Copies: 4}},
		want: []string{"c", "d", "e", "f"},
		kept: []bool{false, false, false, true},
		moves: []placement.Move{
			move(0, "a", "c", "not joined"),
			move(1, "b", "d", "tainted NoExecute (gpu=broken)"),
			move(2, "gone", "e", "no longer in the fleet"),
		},
	}, {
		name: "a copy moved on request leaves its member, which receives no copy",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 8, 4),
			makeMember("b").Pool(h100, 8, 4),
		},
		req:     placement.Request{Demand: gpu(t), Current: []string{"a"}, Replace: []int{0}},
		want:    []string{"b"},
		moves:   []placement.Move{move(0, "a", "b", "copy 0 is moving off this cluster")},
		reasons: map[string]string{"a": "copy 0 is moving off this cluster"},
	}, {
		name: "two copies on one member: the second moves",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 8, 4),
			makeMember("b").Pool(h100, 8, 4),
		},
		req:   placement.Request{Demand: gpu(t), Current: []string{"a", "a"}, Policy: placement.Policy{Copies: 2}},
		want:  []string{"a", "b"},
		kept:  []bool{true, false},
		moves: []placement.Move{move(1, "a", "b", "already holds copy 0")},
	}, {
		name: "two copies in one spreadBy value: the second moves",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 8, 4).Region("east"),
			makeMember("b").Pool(h100, 8, 4).Region("east"),
			makeMember("c").Pool(h100, 8, 4).Region("west"),
		},
		req: placement.Request{Demand: gpu(t), Current: []string{"a", "b"},
			Policy: placement.Policy{Copies: 2, SpreadBy: regionKey}},
		want:  []string{"a", "c"},
		kept:  []bool{true, false},
		moves: []placement.Move{move(1, "b", "c", "spreadBy: "+regionKey+" east already holds copy 0")},
	}, {
		name: "a moved copy with nowhere to go is left unplaced",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 8, 4).NotJoined(),
		},
		req:     placement.Request{Demand: gpu(t), Current: []string{"a"}},
		want:    []string{""},
		moves:   []placement.Move{move(0, "a", "", "not joined")},
		summary: "0/1 clusters fit: 1 not joined",
	}, {
		name: "copies beyond Policy.Copies are left out; missing copies are placed",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 8, 4),
			makeMember("b").Pool(h100, 8, 4),
		},
		req:  placement.Request{Demand: gpu(t), Current: []string{"", "b", "a"}, Policy: placement.Policy{Copies: 2}},
		want: []string{"a", "b"},
		kept: []bool{false, true},
	}})
}

func TestPlaceNamespace(t *testing.T) {
	s := snapshot(t, makeMember("a").Namespace("dynamo"), makeMember("b"))
	d := place(t, s, &placement.Request{Namespace: "team-a", Demand: demand(t, frontend()), Policy: placement.Policy{Copies: 2}})
	want := []placement.CopyPlacement{
		{Index: 0, Member: "a", Namespace: "dynamo"},
		{Index: 1, Member: "b", Namespace: "team-a"},
	}
	if !reflect.DeepEqual(d.Copies, want) {
		t.Errorf("copies = %+v, want %+v", d.Copies, want)
	}
}

func TestPlaceNotEvaluated(t *testing.T) {
	s := snapshot(t, makeMember("a"), makeMember("b"), makeMember("c"))
	d := place(t, s, &placement.Request{Demand: demand(t, frontend()), Current: []string{"b"}})
	if got := reasons(d); !reflect.DeepEqual(got, map[string]string{
		"a": "not evaluated: every copy is placed", "c": "not evaluated: every copy is placed",
	}) {
		t.Errorf("reasons = %v", got)
	}
	if r, ok := d.Reason("b"); !ok || r.String() != "holds copy 0" {
		t.Errorf("reason of b = %v, %v", r, ok)
	}
	if _, ok := d.Reason("nope"); ok {
		t.Error("a reason for a member outside the snapshot")
	}
	if d.Summary() != "placed 1/1 copies" || d.Fitting() != 0 {
		t.Errorf("summary %q, fitting %d", d.Summary(), d.Fitting())
	}
}

func TestPlaceErrors(t *testing.T) {
	p := placement.NewPlacer(nil)
	if _, err := p.Place(nil, &placement.Request{}); err == nil {
		t.Error("no error without a snapshot")
	}
	if _, err := p.Place(snapshot(t), &placement.Request{}); err == nil {
		t.Error("no error without a demand")
	}
	if _, err := p.Place(snapshot(t), &placement.Request{Demand: demand(t, frontend()), Policy: placement.Policy{Copies: 1 << 30}}); err == nil {
		t.Error("no error for a billion copies")
	}
	if _, err := placement.NewSnapshot([]placement.Member{{Name: "a"}, {Name: "a"}}); err == nil {
		t.Error("duplicate member names accepted")
	}
	if _, err := placement.NewSnapshot([]placement.Member{{}}); err == nil {
		t.Error("a member without a name accepted")
	}
}

func TestEvictionsAndCopiesOn(t *testing.T) {
	s := snapshot(t, makeMember("a").NotJoined(), makeMember("b"), makeMember("c").Cordoned())
	req := &placement.Request{Demand: demand(t, frontend()), Policy: placement.Policy{Copies: 4}, Current: []string{"a", "b", "c", "x"}}
	moves := placement.NewPlacer(plugins.NewDefaultFramework()).Evictions(s, req)
	var text []string
	for _, m := range moves {
		text = append(text, m.From+": "+m.Reason.String())
	}
	if want := []string{"a: not joined", "x: no longer in the fleet"}; !reflect.DeepEqual(text, want) {
		t.Errorf("evictions %q, want %q", text, want)
	}
	if got := placement.CopiesOn([]string{"a", "", "b", "a"}, "a", ""); !reflect.DeepEqual(got, []int{0, 3}) {
		t.Errorf("CopiesOn = %v", got)
	}
}

// TestPlaceRefusedButFeasible covers copies that fit a member although best fit, services
// largest first, does not pack them: the packer retries with the most constrained services
// first, then searches. Each copy is placed, takes exactly its GPUs, and over-commits no node.
func TestPlaceRefusedButFeasible(t *testing.T) {
	const l40s = "NVIDIA-L40S"
	tests := []struct {
		name   string
		member *memberWrapper
		demand *placement.Demand
	}{{
		name: "Decode takes H100 or L40S, Prefill only H100, and the member has one H100 node",
		// Best fit put Decode on the H100 node (a tie with L40S, which sorts after it).
		member: makeMember("m").Pool(h100, 8, 1).Pool(l40s, 8, 2),
		demand: demand(t, frontend(), worker("Decode", 1, 8, h100, l40s), worker("Prefill", 1, 8, h100)),
	}, {
		name: "a bigger pod of any product no longer takes the H100 nodes a multinode replica needs",
		// Best fit put the 8-GPU pod on an H100 node; the 2-node replica found one left.
		member: makeMember("m").Pool(h100, 8, 2).Pool(l40s, 8, 1),
		demand: demand(t, worker("Big", 1, 8), multinode("Sglang", 1, 2, 4, h100)),
	}, {
		name: "a multinode replica of any product leaves the H100 nodes to a sibling that needs one",
		// Best fit put the replica on the H100 nodes, in both orders.
		member: makeMember("m").Pool(h100, 8, 2).Pool(l40s, 8, 2),
		demand: demand(t, multinode("Sglang", 1, 2, 8), worker("Prefill", 1, 8, h100)),
	}, {
		name: "pods of two sizes that best fit decreasing does not pack",
		// Best fit put a 3-GPU pod on each node, leaving 1 and 3 GPUs: one 2-GPU pod fits.
		member: makeMember("m").Pool(h100, 6, 1, 4, 1),
		demand: demand(t, worker("Decode", 2, 3), worker("Prefill", 2, 2)),
	}, {
		name: "two multinode replicas: one on the 16-GPU node and an 8-GPU node each",
		// Best fit gave the first replica both 8-GPU nodes.
		member: makeMember("m").Pool(h100, 16, 1, 8, 2),
		demand: demand(t, multinode("Sglang", 2, 2, 8, h100)),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snapshot(t, tt.member)
			req := &placement.Request{Owner: "ns/g", Demand: tt.demand}
			d := place(t, s, req)
			if d.Copies[0].Member != "m" {
				t.Fatalf("refused: %s", d.Summary())
			}
			checkDecision(t, s, req, d)
			l := newLedger([]placement.Member{tt.member.Obj()})
			if err := l.apply(d.Reservations[0]); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPlaceShortfallReasons checks that a GPU shortfall counts what it says: pods, nodes or
// replicas, the room of the service on its own, or what the other services left.
func TestPlaceShortfallReasons(t *testing.T) {
	runPlaceCases(t, []placeCase{{
		name: "pods of one service: a node of 16 free GPUs holds two pods of 8",
		members: []*memberWrapper{
			makeMember("m").Pool(h100, 16, 1, 4, 2),
		},
		req:     placement.Request{Demand: demand(t, worker("VllmWorker", 3, 8, h100))},
		want:    []string{""},
		reasons: map[string]string{"m": "needs room for 3 pods of 8 " + h100 + " for VllmWorker, has room for 2"},
	}, {
		name: "one multinode replica: nodes of one product",
		members: []*memberWrapper{
			makeMember("m").Pool(h100, 8, 1).Pool(a100, 8, 1),
		},
		req:     placement.Request{Demand: demand(t, multinode("Sglang", 1, 2, 8))},
		want:    []string{""},
		reasons: map[string]string{"m": "needs 2 nodes with ≥8 free GPUs of one product for Sglang, has 1"},
	}, {
		name: "several multinode replicas: replicas",
		members: []*memberWrapper{
			makeMember("m").Pool(h100, 16, 1, 8, 2),
		},
		req:     placement.Request{Demand: demand(t, multinode("Sglang", 3, 2, 8, h100))},
		want:    []string{""},
		reasons: map[string]string{"m": "needs room for 3 replicas of 2 nodes with ≥8 free " + h100 + " for Sglang, has room for 2"},
	}, {
		name: "services that fit on their own, not together: what the others left",
		members: []*memberWrapper{
			makeMember("m").Pool(h100, 8, 1),
		},
		req:     placement.Request{Demand: demand(t, worker("Decode", 1, 8, h100), worker("Prefill", 1, 8, h100))},
		want:    []string{""},
		reasons: map[string]string{"m": "needs 1 node with ≥8 free " + h100 + " for Prefill, has 0 left by the other services"},
		summary: "0/1 clusters fit: 1 lack GPUs (needs 1 node with ≥8 free " + h100 + " for Prefill beside the other services)",
	}})
}

// TestPlaceCopyReasons checks that every copy left without a member says why.
func TestPlaceCopyReasons(t *testing.T) {
	w8 := func(t *testing.T) *placement.Demand { return demand(t, worker("W", 1, 8)) }
	tests := []struct {
		name    string
		members []*memberWrapper
		req     placement.Request
		// why is the reason of each copy ("" when placed); message the CopyMessage of the last.
		why     []string
		message string
	}{{
		name:    "no member fits",
		members: []*memberWrapper{makeMember("a").Pool(h100, 4, 2)},
		req:     placement.Request{Demand: w8(t)},
		why:     []string{"fits no cluster"},
		message: "0/1 clusters fit: 1 lack GPUs (needs 1 node with ≥8 free GPUs for W)",
	}, {
		name:    "the copies before it took the members it fits",
		members: []*memberWrapper{makeMember("a").Pool(h100, 8, 1), makeMember("b").Pool(h100, 8, 1), makeMember("c")},
		req:     placement.Request{Demand: w8(t), Policy: placement.Policy{Copies: 4}},
		why:     []string{"", "", "the 2 clusters it fits hold earlier copies", "the 2 clusters it fits hold earlier copies"},
		message: "the 2 clusters it fits hold earlier copies; placed 2/4 copies; 2/3 clusters fit: 1 lack GPUs (needs 1 node with ≥8 free GPUs for W)",
	}, {
		name: "the copies before it took the spreadBy values of the members it fits",
		members: []*memberWrapper{
			makeMember("a").Pool(h100, 8, 1).Region("east"),
			makeMember("b").Pool(h100, 8, 1).Region("east"),
		},
		req: placement.Request{Demand: w8(t), Policy: placement.Policy{Copies: 2, SpreadBy: regionKey}},
		why: []string{"", "the 2 clusters it fits share their " + regionKey + " values with other copies"},
		message: "the 2 clusters it fits share their " + regionKey + " values with other copies; placed 1/2 copies; " +
			"2/2 clusters fit: 1 share a spreadBy value with a placed copy",
	}, {
		name:    "every member holds a copy",
		members: []*memberWrapper{makeMember("a").Pool(h100, 8, 1), makeMember("b").Pool(h100, 8, 1)},
		req:     placement.Request{Demand: w8(t), Policy: placement.Policy{Copies: 3}, Current: []string{"a", "b"}},
		why:     []string{"", "", "every cluster holds a copy"},
		message: "every cluster holds a copy; placed 2/3 copies; 0/0 clusters fit",
	}, {
		name:    "an empty fleet",
		req:     placement.Request{Demand: w8(t)},
		why:     []string{"the fleet has no clusters"},
		message: "the fleet has no clusters; 0/0 clusters fit",
	}, {
		name:    "a copy that moves and finds no member",
		members: []*memberWrapper{makeMember("a").Pool(h100, 8, 1).NotJoined(), makeMember("b").Pool(h100, 1, 8)},
		req:     placement.Request{Demand: w8(t), Current: []string{"a"}},
		why:     []string{"fits no cluster"},
		message: "0/2 clusters fit: 1 lack GPUs (needs 1 node with ≥8 free GPUs for W), 1 not joined",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := place(t, snapshot(t, tt.members...), &tt.req)
			var why []string
			for i := range d.Copies {
				why = append(why, d.CopyReason(i).String())
				if (d.Copies[i].Member == "") == (d.CopyMessage(i) == "") {
					t.Errorf("copy %d on %q, message %q", i, d.Copies[i].Member, d.CopyMessage(i))
				}
			}
			if !reflect.DeepEqual(why, tt.why) {
				t.Errorf("copy reasons %q, want %q", why, tt.why)
			}
			if got := d.CopyMessage(len(d.Copies) - 1); got != tt.message {
				t.Errorf("message:\n got %q\nwant %q", got, tt.message)
			}
			if d.CopyReason(-1) != (placement.Reason{}) || d.CopyMessage(len(d.Copies)) != "" {
				t.Error("a reason for a copy out of range")
			}
		})
	}
}
