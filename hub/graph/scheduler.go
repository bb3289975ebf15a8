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

package graph

import (
	"slices"
	"strings"
	"sync"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// Scheduler places graphs on the member clusters: it keeps the placement Snapshot of the
// MemberClusters, rebuilt only when one of them changes, and the Reservations of copies placed
// but not yet visible in their member's inventory, shared by every graph so that a burst of
// placements never books a node twice. It is safe for concurrent use.
type Scheduler struct {
	placer *placement.Placer

	mu   sync.Mutex
	key  string
	snap *placement.Snapshot
	res  *placement.Reservations
}

// NewScheduler returns a Scheduler placing with placer.
func NewScheduler(placer *placement.Placer) *Scheduler {
	return &Scheduler{placer: placer}
}

// Place decides where the copies of req go among clusters, with the Scheduler's reservations, and
// keeps the reservations of the copies it places.
func (f *Scheduler) Place(clusters []flotillav1alpha1.MemberCluster, req *placement.Request) (*placement.Decision, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.refresh(clusters); err != nil {
		return nil, err
	}
	req.Reservations = f.res
	d, err := f.placer.Place(f.snap, req)
	req.Reservations = nil
	if err != nil {
		return nil, err
	}
	f.res.Add(d.Reservations...)
	return d, nil
}

// refresh rebuilds the snapshot when the MemberClusters changed since the last one.
func (f *Scheduler) refresh(clusters []flotillav1alpha1.MemberCluster) error {
	keys := make([]string, 0, len(clusters))
	for i := range clusters {
		keys = append(keys, clusters[i].Name+"@"+clusters[i].ResourceVersion)
	}
	slices.Sort(keys)
	key := strings.Join(keys, ",")
	if f.snap != nil && key == f.key {
		return nil
	}
	list := make([]placement.Member, 0, len(clusters))
	for i := range clusters {
		list = append(list, placement.MemberFromCluster(&clusters[i]))
	}
	snap, err := placement.NewSnapshot(list)
	if err != nil {
		return err
	}
	if f.res == nil {
		f.res = placement.NewReservations(snap)
	} else {
		f.res = f.res.Rebase(snap)
	}
	f.snap, f.key = snap, key
	return nil
}

// Keeps reports whether member may keep copy idx of req: placement would not move the copy if
// it ran there (the member is in the fleet, fit to hold copies, and holds no other copy of the
// graph). req is not modified.
func (f *Scheduler) Keeps(clusters []flotillav1alpha1.MemberCluster, req *placement.Request, idx int, member string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.refresh(clusters); err != nil {
		return false
	}
	probe := *req
	probe.Current = slices.Clone(req.Current)
	for len(probe.Current) <= idx {
		probe.Current = append(probe.Current, "")
	}
	probe.Current[idx] = member
	for _, mv := range f.placer.Evictions(f.snap, &probe) {
		if mv.Index == idx {
			return false
		}
	}
	return true
}

// ReleaseCopy forgets the reservation of one copy of a graph: its member's inventory shows it,
// or it moved.
func (f *Scheduler) ReleaseCopy(owner string, copyIndex int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.res != nil {
		f.res.ReleaseCopy(owner, copyIndex)
	}
}

// Release forgets every reservation of a graph.
func (f *Scheduler) Release(owner string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.res != nil {
		f.res.Release(owner)
	}
}

// Seed reserves copy idx of req on member, packed there as if placed now: a copy placed by an
// earlier leader, or before a restart, whose pods its member's inventory may not show yet, and
// of which this Scheduler holds no reservation. Nothing is reserved when the copy does not fit
// the member as its inventory says (it shows the copy's pods already, or is full).
func (f *Scheduler) Seed(clusters []flotillav1alpha1.MemberCluster, req *placement.Request, idx int, member string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.refresh(clusters); err != nil {
		return err
	}
	probe := *req
	probe.Current, probe.Replace, probe.Exclude = nil, nil, nil
	for i := range clusters {
		if clusters[i].Name != member {
			probe.Exclude = append(probe.Exclude, placement.Exclusion{Member: clusters[i].Name, Reason: "seeding a reservation on another member"})
		}
	}
	probe.Reservations = f.res
	d, err := f.placer.Place(f.snap, &probe)
	if err != nil {
		return err
	}
	for _, res := range d.Reservations {
		if res.Member == member {
			res.Copy = idx
			f.res.Add(res)
			break
		}
	}
	return nil
}
