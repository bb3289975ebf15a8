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
	"slices"
	"sort"
	"strings"
	"testing"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

// oracleNode is one node of a member, as the oracle sees it: its pool and free GPUs.
type oracleNode struct {
	resource, product string
	free              int32
}

// oracleUnit is what the oracle places at once: one pod of a single-node service, or one
// replica (pods pods on distinct nodes of one pool) of a multinode service.
type oracleUnit struct {
	gpus, pods int32
	resource   string
	products   []string
}

// oracle decides exactly whether one copy of a demand fits a member, by trying every
// assignment of its pods to the member's nodes. It shares no code with the placer: nodes are
// expanded from the member's pools, one by one.
type oracle struct {
	nodes []oracleNode
	units []oracleUnit
	// failed memoises the states (unit index and node frees) known not to fit.
	failed map[string]bool
}

func oracleFits(pools []flotillav1alpha1.GPUPool, d *placement.Demand) bool {
	o := &oracle{failed: map[string]bool{}}
	for _, p := range pools {
		r := p.ResourceName
		if r == "" {
			r = flotillav1alpha1.DefaultGPUResourceName
		}
		for _, b := range p.NodesByFree {
			for range max(b.Nodes, 0) {
				if b.Free >= 0 {
					o.nodes = append(o.nodes, oracleNode{resource: r, product: p.Product, free: min(b.Free, 1024)})
				}
			}
		}
	}
	for _, s := range d.Services() {
		if s.GPUsPerPod == 0 {
			continue
		}
		for range s.Replicas {
			o.units = append(o.units, oracleUnit{gpus: s.GPUsPerPod, pods: s.NodesPerReplica, resource: s.ResourceName, products: s.Products})
		}
	}
	// Biggest units first: the search fails sooner. The order does not change the answer.
	sort.SliceStable(o.units, func(i, j int) bool {
		return o.units[i].gpus*o.units[i].pods > o.units[j].gpus*o.units[j].pods
	})
	return o.place(0)
}

func (o *oracle) accepts(u *oracleUnit, n *oracleNode) bool {
	return n.resource == u.resource && n.free >= u.gpus && (len(u.products) == 0 || slices.Contains(u.products, n.product))
}

func (o *oracle) key(i int) string {
	frees := make([]string, len(o.nodes))
	for j, n := range o.nodes {
		frees[j] = fmt.Sprint(n.resource, "/", n.product, ":", n.free)
	}
	sort.Strings(frees)
	return fmt.Sprint(i, frees)
}

// place places units[i:] on the nodes.
func (o *oracle) place(i int) bool {
	if i == len(o.units) {
		return true
	}
	k := o.key(i)
	if o.failed[k] {
		return false
	}
	u := &o.units[i]
	var chosen []int
	// choose picks the replica's pods one node at a time, on distinct nodes of one pool, in
	// increasing node order (every set of nodes once).
	var choose func(from int) bool
	choose = func(from int) bool {
		if int32(len(chosen)) == u.pods {
			for _, j := range chosen {
				o.nodes[j].free -= u.gpus
			}
			ok := o.place(i + 1)
			for _, j := range chosen {
				o.nodes[j].free += u.gpus
			}
			return ok
		}
		for j := from; j < len(o.nodes); j++ {
			if !o.accepts(u, &o.nodes[j]) || (len(chosen) > 0 && (o.nodes[j].resource != o.nodes[chosen[0]].resource || o.nodes[j].product != o.nodes[chosen[0]].product)) {
				continue
			}
			chosen = append(chosen, j)
			ok := choose(j + 1)
			chosen = chosen[:len(chosen)-1]
			if ok {
				return true
			}
		}
		return false
	}
	if choose(0) {
		return true
	}
	o.failed[k] = true
	return false
}

// oracleProducts are the products of the oracle's fleets.
var oracleProducts = []string{"H100", "L40S", "A100"}

// intner hands out random numbers in [0, n): a *rand.Rand, or fuzz input.
type intner interface{ IntN(n int) int }

// IntN makes fuzz input an intner.
func (b *fuzzBytes) IntN(m int) int { return b.n(m) }

// oracleMember is a member of 1 to 4 nodes, each of a random product (now and then an AMD
// one) with 0 to 8 free GPUs (now and then 12 or 16).
func oracleMember(rng intner, name string) placement.Member {
	w := makeMember(name)
	for range 1 + rng.IntN(4) {
		free := int32(rng.IntN(9))
		if rng.IntN(8) == 0 {
			free = int32(12 + 4*rng.IntN(2))
		}
		resource := flotillav1alpha1.DefaultGPUResourceName
		if rng.IntN(10) == 0 {
			resource = "amd.com/gpu"
		}
		w.ResourcePool(resource, oracleProducts[rng.IntN(len(oracleProducts))], free, 1)
	}
	return w.Obj()
}

// oracleDemand is 1 to 3 services of up to 3 replicas of 1 to 8 GPUs (some CPU-only), a
// quarter of them multinode (2 or 3 nodes per replica), each accepting any product or one to
// three of them; at most 8 GPU pods in all, so that the oracle stays quick.
func oracleDemand(t testing.TB, rng intner) *placement.Demand {
	var services []placement.ServiceDemand
	pods := int32(0)
	for i := range 1 + rng.IntN(3) {
		s := placement.ServiceDemand{Name: fmt.Sprint("S", i), Replicas: int32(1 + rng.IntN(3)), GPUsPerPod: int32(rng.IntN(9))}
		if rng.IntN(4) == 0 {
			s.NodesPerReplica = int32(2 + rng.IntN(2))
		}
		if rng.IntN(10) == 0 {
			s.ResourceName = "amd.com/gpu"
		}
		if rng.IntN(3) > 0 {
			for _, p := range oracleProducts {
				if rng.IntN(2) == 0 {
					s.Products = append(s.Products, p)
				}
			}
		}
		if s.GPUsPerPod > 0 {
			n := s.Replicas * max(s.NodesPerReplica, 1)
			if pods+n > 8 {
				continue
			}
			pods += n
		}
		services = append(services, s)
	}
	if len(services) == 0 {
		services = append(services, frontend())
	}
	return demand(t, services...)
}

// ledgerPools turns a member's ledger back into pools.
func ledgerPools(bars map[string]map[int32]int64) []flotillav1alpha1.GPUPool {
	var pools []flotillav1alpha1.GPUPool
	for _, key := range slices.Sorted(mapsKeys(bars)) {
		i := strings.LastIndex(key, "/")
		resource, product := key[:i], key[i+1:]
		p := flotillav1alpha1.GPUPool{ResourceName: resource, Product: product}
		for _, f := range slices.Sorted(mapsKeys(bars[key])) {
			if n := bars[key][f]; n > 0 {
				p.NodesByFree = append(p.NodesByFree, flotillav1alpha1.NodesAtFree{Free: f, Nodes: int32(n)})
			}
		}
		pools = append(pools, p)
	}
	return pools
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// describe prints a fleet and a demand, for failure messages.
func describe(fleet []placement.Member, d *placement.Demand) string {
	var b strings.Builder
	for _, m := range fleet {
		fmt.Fprintf(&b, "%s:", m.Name)
		for _, p := range m.GPUs {
			fmt.Fprintf(&b, " %s/%s%v", p.ResourceName, p.Product, p.NodesByFree)
		}
		b.WriteString("; ")
	}
	for _, s := range d.Services() {
		fmt.Fprintf(&b, "%s: %d×%d pods of %d %s %v; ", s.Name, s.Replicas, s.NodesPerReplica, s.GPUsPerPod, s.ResourceName, s.Products)
	}
	return b.String()
}

// oracleStats counts the member verdicts compared with the oracle.
type oracleStats struct{ verdicts, fit, mismatches int }

// checkOracle places a burst of graphs on fleet, each with the reservations of the ones
// before, and compares every member's verdict with the oracle on what the earlier graphs left:
// a copy goes to every member where it fits and to no other (one graph with as many copies as
// members), a single copy is placed whenever some member fits it, and no node is
// over-committed (every take replays on an independent ledger).
func checkOracle(t *testing.T, p *placement.Placer, fleet []placement.Member, demands []*placement.Demand, st *oracleStats) {
	t.Helper()
	s, err := placement.NewSnapshot(fleet)
	if err != nil {
		t.Fatal(err)
	}
	l := newLedger(fleet)
	res := placement.NewReservations(s)
	for g, d := range demands {
		want := map[string]bool{}
		for _, m := range fleet {
			want[m.Name] = oracleFits(ledgerPools(l[m.Name]), d)
			st.verdicts++
			if want[m.Name] {
				st.fit++
			}
		}
		// As many copies as members: every member that fits gets one.
		all := &placement.Request{Owner: fmt.Sprintf("ns/all%d", g), Demand: d, Reservations: res,
			Policy: placement.Policy{Copies: len(fleet)}}
		dAll, err := p.Place(s, all)
		if err != nil {
			t.Fatal(err)
		}
		checkDecision(t, s, all, dAll)
		got := map[string]bool{}
		for _, c := range dAll.Copies {
			if c.Member != "" {
				got[c.Member] = true
			}
		}
		for _, m := range fleet {
			if got[m.Name] != want[m.Name] {
				st.mismatches++
				r, _ := dAll.Reason(m.Name)
				if st.mismatches <= 10 {
					t.Errorf("graph %d, member %s: placer fits %v, oracle %v (%s)\n  %s", g, m.Name, got[m.Name], want[m.Name], r,
						describe([]placement.Member{{Name: m.Name, GPUs: ledgerPools(l[m.Name])}}, d))
				}
			}
		}
		// One copy: placed whenever some member fits it. It is the copy the burst keeps.
		one := &placement.Request{Owner: fmt.Sprintf("ns/g%d", g), Demand: d, Reservations: res}
		dOne, err := p.Place(s, one)
		if err != nil {
			t.Fatal(err)
		}
		checkDecision(t, s, one, dOne)
		anyFits := false
		for _, ok := range want {
			anyFits = anyFits || ok
		}
		if placed := dOne.Copies[0].Member != ""; placed != anyFits {
			t.Errorf("graph %d: one copy placed %v, oracle says some member fits: %v (%s)", g, placed, anyFits, dOne.Summary())
		}
		for _, r := range dOne.Reservations {
			if err := l.apply(r); err != nil {
				t.Fatalf("graph %d: %v", g, err)
			}
		}
		res.Add(dOne.Reservations...)
	}
}

// TestPlaceMatchesOracle places bursts of 1 to 4 random graphs on 1,500 random small fleets (1
// to 3 members of up to 4 nodes, a few products) and checks every decision against the oracle
// (checkOracle).
func TestPlaceMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 7))
	p := placement.NewPlacer(plugins.NewDefaultFramework())
	var st oracleStats
	for range 1500 {
		fleet := make([]placement.Member, 1+rng.IntN(3))
		for i := range fleet {
			fleet[i] = oracleMember(rng, fmt.Sprint("m", i))
		}
		demands := make([]*placement.Demand, 1+rng.IntN(4))
		for g := range demands {
			demands[g] = oracleDemand(t, rng)
		}
		checkOracle(t, p, fleet, demands, &st)
	}
	t.Logf("%d member verdicts, %d fit, %d differ from the oracle", st.verdicts, st.fit, st.mismatches)
}

// FuzzPlaceOracle is TestPlaceMatchesOracle with fleets and graphs from the fuzz input.
func FuzzPlaceOracle(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("retry with the most constrained services first"))
	f.Add([]byte{2, 3, 6, 0, 0, 4, 1, 0, 0, 8, 2, 1, 1, 2, 5, 0, 0, 3, 1, 2, 3, 1, 0, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &fuzzBytes{data: data}
		fleet := make([]placement.Member, 1+b.n(3))
		for i := range fleet {
			fleet[i] = oracleMember(b, fmt.Sprint("m", i))
		}
		demands := make([]*placement.Demand, 1+b.n(3))
		for g := range demands {
			demands[g] = oracleDemand(t, b)
		}
		checkOracle(t, placement.NewPlacer(plugins.NewDefaultFramework()), fleet, demands, &oracleStats{})
	})
}
