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
	"math/rand/v2"
	"testing"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

var benchProducts = []string{"NVIDIA-A100-SXM4-80GB", "NVIDIA-H100-80GB-HBM3", "NVIDIA-H200"}

// benchFleet is members members of nodes 8-GPU nodes each, spread over the three products, with
// a random number of free GPUs per node (all 8 with probability idle, else 0 to 8); regions
// r0..r9.
func benchFleet(tb testing.TB, members, nodes int, idle float64, seed uint64) []placement.Member {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 42))
	out := make([]placement.Member, members)
	for i := range out {
		m := placement.Member{
			Name:       fmt.Sprintf("member-%04d", i),
			Labels:     map[string]string{"topology.kubernetes.io/region": fmt.Sprintf("r%d", i%10), "env": "prod"},
			Joined:     true,
			AgentReady: true,
		}
		for p, product := range benchProducts {
			var bars [9]int32
			n := nodes / len(benchProducts)
			if p < nodes%len(benchProducts) {
				n++
			}
			for range n {
				if rng.Float64() < idle {
					bars[8]++
				} else {
					bars[rng.IntN(9)]++
				}
			}
			pool := flotillav1alpha1.GPUPool{ResourceName: flotillav1alpha1.DefaultGPUResourceName, Product: product}
			for f := 8; f >= 0; f-- {
				if bars[f] > 0 {
					pool.NodesByFree = append(pool.NodesByFree, flotillav1alpha1.NodesAtFree{Free: int32(f), Nodes: bars[f]})
					pool.Free += int64(f) * int64(bars[f])
				}
			}
			pool.Total = int64(n) * 8
			m.GPUs = append(m.GPUs, pool)
		}
		out[i] = m
	}
	return out
}

// benchDemand is a disaggregated graph: a CPU frontend, decode workers of decodeGPUs and
// prefill workers of 2 GPUs, and optionally a 2-node multinode worker of 8 GPUs per node.
func benchDemand(tb testing.TB, products []string, decodeGPUs int32, multinode bool) *placement.Demand {
	tb.Helper()
	services := []placement.ServiceDemand{
		{Name: "Frontend", Replicas: 1},
		{Name: "VllmDecodeWorker", Replicas: 2, GPUsPerPod: decodeGPUs, Products: products},
		{Name: "VllmPrefillWorker", Replicas: 2, GPUsPerPod: 2, Products: products},
	}
	if multinode {
		services = append(services, placement.ServiceDemand{Name: "SglangWorker", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 8, Products: products})
	}
	d, err := placement.NewDemand(services...)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func BenchmarkPlaceOneGraph(b *testing.B) {
	for _, members := range []int{100, 1000} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			snap, err := placement.NewSnapshot(benchFleet(b, members, 100, 0, 1))
			if err != nil {
				b.Fatal(err)
			}
			req := &placement.Request{
				Owner:     "team-a/llama",
				Namespace: "team-a",
				Demand:    benchDemand(b, []string{benchProducts[1]}, 4, true),
				Policy:    placement.Policy{Copies: 2, SpreadBy: "topology.kubernetes.io/region"},
			}
			placer := placement.NewPlacer(plugins.NewDefaultFramework())
			b.ReportAllocs()
			for b.Loop() {
				d, err := placer.Place(snap, req)
				if err != nil || d.Placed() != 2 {
					b.Fatalf("placed %d copies, err %v", d.Placed(), err)
				}
			}
		})
	}
}

// benchGraphs builds n graph requests of three shapes: aggregated (one 1-GPU worker, any
// product), disaggregated (decode and prefill workers on one product) and multinode (a 2-node
// 8-GPU worker); a third of them ask for two copies spread over regions.
func benchGraphs(tb testing.TB, n int) []*placement.Request {
	tb.Helper()
	agg, err := placement.NewDemand(
		placement.ServiceDemand{Name: "Frontend", Replicas: 1},
		placement.ServiceDemand{Name: "VllmWorker", Replicas: 1, GPUsPerPod: 1})
	if err != nil {
		tb.Fatal(err)
	}
	shapes := []*placement.Demand{agg}
	for _, product := range benchProducts {
		shapes = append(shapes, benchDemand(tb, []string{product}, 4, false), benchDemand(tb, []string{product}, 8, true))
	}
	reqs := make([]*placement.Request, n)
	for i := range reqs {
		req := &placement.Request{
			Owner:     fmt.Sprintf("team-%d/graph-%d", i%50, i),
			Namespace: fmt.Sprintf("team-%d", i%50),
			Demand:    shapes[i%len(shapes)],
			Policy:    placement.Policy{Copies: 1},
		}
		if i%3 == 0 {
			req.Policy = placement.Policy{Copies: 2, SpreadBy: "topology.kubernetes.io/region"}
		}
		reqs[i] = req
	}
	return reqs
}

// BenchmarkReplaceAfterMemberLoss places 10,000 graphs over 1,000 members (in bursts of 500,
// after which the inventory is taken to show them), then loses the member holding the most
// copies (it is no longer joined) and measures one full pass of placing every graph again: the
// copies on the lost member move, every other copy stays.
func BenchmarkReplaceAfterMemberLoss(b *testing.B) {
	const graphs, members = 10000, 1000
	b.Run(fmt.Sprintf("graphs=%d", graphs), func(b *testing.B) {
		fleet := benchFleet(b, members, 100, 0.6, 2)
		snap, err := placement.NewSnapshot(fleet)
		if err != nil {
			b.Fatal(err)
		}
		placer := placement.NewPlacer(plugins.NewDefaultFramework())
		reqs := benchGraphs(b, graphs)
		current := make([][]string, graphs)
		res := placement.NewReservations(snap)
		perMember := map[string]int{}
		for i, req := range reqs {
			req.Reservations = res
			d, err := placer.Place(snap, req)
			if err != nil {
				b.Fatal(err)
			}
			res.Add(d.Reservations...)
			if d.Placed() != len(d.Copies) {
				b.Fatalf("graph %d: %s", i, d.Summary())
			}
			for _, c := range d.Copies {
				current[i] = append(current[i], c.Member)
				perMember[c.Member]++
			}
			if (i+1)%500 == 0 { // the members' inventories now show the burst
				snap = snap.WithReservations(res)
				res = placement.NewReservations(snap)
			}
		}
		lost, most := "", 0
		for _, name := range snap.Names() {
			if perMember[name] > most {
				lost, most = name, perMember[name]
			}
		}
		after := make([]placement.Member, 0, members)
		for _, name := range snap.Names() {
			m, _ := snap.Member(name)
			mm := *m
			mm.Joined = mm.Name != lost
			after = append(after, mm)
		}
		lostSnap, err := placement.NewSnapshot(after)
		if err != nil {
			b.Fatal(err)
		}
		for i, req := range reqs {
			req.Current = current[i]
		}
		b.ReportAllocs()
		b.ResetTimer()
		var moved, kept int
		for b.Loop() {
			moved, kept = 0, 0
			pass := placement.NewReservations(lostSnap)
			for _, req := range reqs {
				req.Reservations = pass
				d, err := placer.Place(lostSnap, req)
				if err != nil {
					b.Fatal(err)
				}
				pass.Add(d.Reservations...)
				moved += len(d.Moves)
				for _, c := range d.Copies {
					if c.Kept {
						kept++
					}
				}
			}
		}
		if moved != most {
			b.Fatalf("moved %d copies, want the %d on %s", moved, most, lost)
		}
		b.ReportMetric(float64(moved), "moved/op")
		b.ReportMetric(float64(kept), "kept/op")
	})
}

// BenchmarkPlaceNothingFits places one graph that no member of 1,000 takes: the cost of a full
// fleet, where every member goes through more than the first packing.
//
//   - lacks-gpus: benchFleet's members and a graph whose 2-node multinode worker of 8 GPUs fits
//     them but whose 16 decode workers of 8 GPUs do not: each member is refused after the first
//     packing and an exact count of each service's room.
//   - search: every member has the same fragmented histograms (1 to 8 free GPUs, three
//     products), which each of the graph's four services fits on its own but neither best-fit
//     order packs: the worst case found for the search, which gives up after its budget on the
//     first members, then no longer runs (placeSearchBudget).
func BenchmarkPlaceNothingFits(b *testing.B) {
	pool := func(product string, bars ...int32) flotillav1alpha1.GPUPool {
		p := flotillav1alpha1.GPUPool{ResourceName: flotillav1alpha1.DefaultGPUResourceName, Product: product}
		for i := 0; i+1 < len(bars); i += 2 {
			p.NodesByFree = append(p.NodesByFree, flotillav1alpha1.NodesAtFree{Free: bars[i], Nodes: bars[i+1]})
			p.Free += int64(bars[i]) * int64(bars[i+1])
		}
		return p
	}
	fragmented := make([]placement.Member, 1000)
	for i := range fragmented {
		fragmented[i] = placement.Member{Name: fmt.Sprintf("member-%04d", i), Joined: true, AgentReady: true, GPUs: []flotillav1alpha1.GPUPool{
			pool(benchProducts[0], 2, 3, 3, 2, 5, 3, 6, 1, 7, 1, 8, 1),
			pool(benchProducts[1], 1, 2, 2, 2, 3, 2, 4, 2, 6, 2, 7, 3, 8, 1),
			pool(benchProducts[2], 3, 1, 4, 3, 5, 3, 8, 3),
		}}
	}
	tests := []struct {
		name   string
		fleet  []placement.Member
		demand *placement.Demand
	}{{
		name:  "lacks-gpus",
		fleet: benchFleet(b, 1000, 100, 0, 1),
		demand: demand(b, frontend(), worker("VllmDecodeWorker", 16, 8, benchProducts[1]),
			multinode("SglangWorker", 1, 2, 8, benchProducts[1])),
	}, {
		name:  "search",
		fleet: fragmented,
		demand: demand(b, worker("A", 10, 5), multinode("B", 2, 3, 6, benchProducts[1]), worker("C", 8, 4),
			worker("D", 12, 1, benchProducts[2])),
	}}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			snap, err := placement.NewSnapshot(tt.fleet)
			if err != nil {
				b.Fatal(err)
			}
			req := &placement.Request{Owner: "team-a/big", Namespace: "team-a", Demand: tt.demand}
			placer := placement.NewPlacer(plugins.NewDefaultFramework())
			b.ReportAllocs()
			for b.Loop() {
				d, err := placer.Place(snap, req)
				if err != nil || d.Placed() != 0 {
					b.Fatalf("placed %d copies, err %v", d.Placed(), err)
				}
			}
		})
	}
}
