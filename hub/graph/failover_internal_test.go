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
	"maps"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

var synced = &metav1.Condition{Type: flotillav1alpha1.ConditionSynced, Status: metav1.ConditionTrue, Reason: flotillav1alpha1.ReasonSynced}

// onCopy names and labels rec as the record of its component on copy 0 on member, replaced
// when reason is not empty.
func onCopy(rec *nvidiav1beta1.DynamoComponentDeployment, member, reason string) *nvidiav1beta1.DynamoComponentDeployment {
	rec.Name = RecordName("g", rec.Spec.ComponentName, 0, member)
	rec.Labels = map[string]string{flotillav1alpha1.LabelCluster: member}
	rec.Annotations = map[string]string{flotillav1alpha1.AnnotationMemberNamespace: "ns"}
	if reason != "" {
		rec.Annotations[flotillav1alpha1.AnnotationReplaced] = reason
	}
	return rec
}

// recordsOf returns recs as the records of copy 0.
func recordsOf(recs ...*nvidiav1beta1.DynamoComponentDeployment) records {
	rs := records{0: {}}
	for _, rec := range recs {
		rs[0][rec.Name] = rec
	}
	return rs
}

func TestRecordsLiveAndRetained(t *testing.T) {
	rs := recordsOf(
		onCopy(record("a", true, synced, 1), "east", "moves from east: draining"),
		onCopy(record("a", false, synced, 1), "west", ""),
	)
	if got := rs.member(0); got != "west" {
		t.Errorf("member = %q, want the copy's new member west (east's record is retained)", got)
	}
	if got := rs.retainedMembers(0); !slices.Equal(got, []string{"east"}) {
		t.Errorf("retainedMembers = %v, want [east]", got)
	}
	if len(rs.live(0)) != 1 || len(rs.retained(0)) != 1 || len(rs.notDeleted(0)) != 2 {
		t.Errorf("live/retained/notDeleted = %d/%d/%d, want 1/1/2", len(rs.live(0)), len(rs.retained(0)), len(rs.notDeleted(0)))
	}
}

func TestRetainRecords(t *testing.T) {
	clusters := map[string]*flotillav1alpha1.MemberCluster{
		"east": member("east", membercluster.ReasonReachable), "west": member("west", membercluster.ReasonReachable),
	}
	moved := &placement.Decision{
		Copies: []placement.CopyPlacement{{Index: 0, Member: "west", Namespace: "ns"}},
		Moves:  []placement.Move{{Index: 0, From: "east", To: "west", Reason: placement.Reason{Kind: placement.ReasonDraining}}},
	}
	for _, tc := range []struct {
		name     string
		stored   records
		clusters map[string]*flotillav1alpha1.MemberCluster
		want     map[string]string
	}{{
		name:   "the copy it leaves stays while the new one does not serve",
		stored: recordsOf(onCopy(record("a", true, synced, 1), "east", "")),
		want:   map[string]string{RecordName("g", "a", 0, "east"): "moves from east: draining"},
	}, {
		name: "the copy it leaves keeps its first reason",
		stored: recordsOf(onCopy(record("a", true, synced, 1), "east", "moves from east: lost"),
			onCopy(record("a", false, synced, 1), "west", "")),
		want: map[string]string{RecordName("g", "a", 0, "east"): "moves from east: lost"},
	}, {
		name: "the copy it leaves goes once the new one serves",
		stored: recordsOf(onCopy(record("a", true, synced, 1), "east", "moves from east: lost"),
			onCopy(record("a", true, synced, 1), "west", "")),
		want: map[string]string{},
	}, {
		name:     "a member gone from the fleet keeps nothing",
		stored:   recordsOf(onCopy(record("a", true, synced, 1), "east", "")),
		clusters: map[string]*flotillav1alpha1.MemberCluster{"west": clusters["west"]},
		want:     map[string]string{},
	}, {
		name: "a name taken on the member keeps nothing",
		stored: recordsOf(onCopy(record("a", false, &metav1.Condition{Type: flotillav1alpha1.ConditionSynced,
			Status: metav1.ConditionFalse, Reason: flotillav1alpha1.ReasonNameTaken}, 1), "east", "")),
		want: map[string]string{},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			cl := tc.clusters
			if cl == nil {
				cl = clusters
			}
			if got := retainRecords(&placement.Request{}, moved, tc.stored, 1, cl); !maps.Equal(got, tc.want) {
				t.Errorf("retainRecords = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUnavailableSince(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	since := &metav1.Time{Time: t0.Add(-time.Minute)}
	ready := flotillav1alpha1.CopyStatus{Cluster: "east", State: flotillav1alpha1.CopyReady}
	down := flotillav1alpha1.CopyStatus{Cluster: "east", State: flotillav1alpha1.CopyProgressing}
	downSince := flotillav1alpha1.CopyStatus{Cluster: "east", State: flotillav1alpha1.CopyProgressing, UnavailableSince: since}
	for _, tc := range []struct {
		name        string
		st, prev    flotillav1alpha1.CopyStatus
		hadPrev     bool
		want        *metav1.Time
		wantStarted bool
	}{
		{name: "a Ready copy stops serving: the clock starts", st: down, prev: ready, hadPrev: true, wantStarted: true},
		{name: "it keeps running", st: down, prev: downSince, hadPrev: true, want: since},
		{name: "it serves again", st: ready, prev: downSince, hadPrev: true},
		{name: "a copy never Ready has no clock", st: down, prev: down, hadPrev: true},
		{name: "a new copy has no clock", st: down},
		{name: "an unreachable copy has no clock", st: flotillav1alpha1.CopyStatus{Cluster: "east", State: flotillav1alpha1.CopyUnreachable}, prev: ready, hadPrev: true},
		{name: "a copy that moved has no clock", st: flotillav1alpha1.CopyStatus{Cluster: "west", State: flotillav1alpha1.CopyProgressing}, prev: ready, hadPrev: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := unavailableSince(tc.st, tc.prev, tc.hadPrev, t0)
			switch {
			case tc.wantStarted:
				if got == nil || !got.Time.Equal(t0) {
					t.Errorf("unavailableSince = %v, want now", got)
				}
			case tc.want == nil && got != nil:
				t.Errorf("unavailableSince = %v, want none", got)
			case tc.want != nil && (got == nil || !got.Equal(tc.want)):
				t.Errorf("unavailableSince = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMovingCopyServesFromWhereItLeaves(t *testing.T) {
	dgd := &nvidiav1beta1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Name: "g"}}
	dgd.Spec.Components = []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{ComponentName: "a"}}
	clusters := map[string]*flotillav1alpha1.MemberCluster{
		"east": member("east", membercluster.ReasonReachable), "west": member("west", membercluster.ReasonReachable),
	}
	leaving := onCopy(record("a", true, synced, 1), "east", "moves from east: draining")
	views := []copyView{{index: 0, member: "west", namespace: "ns",
		records:  []*nvidiav1beta1.DynamoComponentDeployment{onCopy(record("a", false, synced, 1), "west", "")},
		previous: previousView([]*nvidiav1beta1.DynamoComponentDeployment{leaving})}}
	setPlacementStatus(dgd, componentNames(dgd), views, clusters, "", time.Now())

	c := dgd.Status.ClusterPlacement.Copies[0]
	if c.State != flotillav1alpha1.CopyProgressing || c.Previous == nil || c.Previous.Cluster != "east" ||
		c.Previous.State != flotillav1alpha1.CopyReady || c.Previous.Reason != "moves from east: draining" {
		t.Fatalf("copy = %+v, previous %+v; want Progressing on west, previous Ready on east with its reason", c, c.Previous)
	}
	if dgd.Status.State != nvidiav1beta1.DGDStateSuccessful || dgd.Status.ClusterPlacement.ReadyCopies != "1/1" {
		t.Errorf("state %q, ready copies %s: a copy that still serves where it leaves keeps the graph successful",
			dgd.Status.State, dgd.Status.ClusterPlacement.ReadyCopies)
	}
}

func TestPlanFailoverCallsOffAMove(t *testing.T) {
	healthy := func(name string, drain bool) flotillav1alpha1.MemberCluster {
		mc := *member(name, membercluster.ReasonReachable)
		mc.Status.Conditions = append(mc.Status.Conditions, metav1.Condition{Type: flotillav1alpha1.MemberAgentReady, Status: metav1.ConditionTrue, Reason: "r"})
		mc.Spec.Drain = drain
		return mc
	}
	leaving := onCopy(record("a", true, synced, 1), "east", "moves from east: draining")
	for _, tc := range []struct {
		name    string
		drained bool
		stored  records
		want    string
	}{
		{name: "the member it leaves is fit again: the copy returns", stored: recordsOf(leaving), want: "east"},
		{name: "the member it leaves is still drained: the copy stays unplaced", drained: true, stored: recordsOf(leaving), want: ""},
		{name: "the replacement already serves: the move completes", want: "west",
			stored: recordsOf(leaving, onCopy(record("a", true, synced, 1), "west", ""))},
		{name: "the replacement does not serve yet: the copy returns", want: "east",
			stored: recordsOf(leaving, onCopy(record("a", false, synced, 1), "west", ""))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clusters := []flotillav1alpha1.MemberCluster{healthy("east", tc.drained), healthy("west", false)}
			policy, err := placement.PolicyFromSpec(nil)
			if err != nil {
				t.Fatal(err)
			}
			req := &placement.Request{Owner: "ns/g", Namespace: "ns", Demand: &placement.Demand{}, Policy: policy}
			if m := tc.stored.member(0); m != "" {
				req.Current = []string{m}
			}
			r := &Reconciler{Scheduler: NewScheduler(placement.NewPlacer(plugins.NewDefaultFramework())), LostAfter: time.Minute, UnavailableAfter: time.Minute}
			dgd := &nvidiav1beta1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "g"}}
			r.planFailover(dgd, req, tc.stored, 1, clusters, time.Now())
			got := ""
			if len(req.Current) > 0 {
				got = req.Current[0]
			}
			if got != tc.want {
				t.Errorf("copy 0 is placed on %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlanFailoverReplacesACopyThatStoppedServing(t *testing.T) {
	now := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	r := &Reconciler{Scheduler: NewScheduler(placement.NewPlacer(plugins.NewDefaultFramework())), LostAfter: time.Minute, UnavailableAfter: time.Minute}
	for _, tc := range []struct {
		name        string
		down        time.Duration
		failover    *metav1.Duration
		wantReplace bool
	}{
		{name: "within the hub's grace: looked at again when it ends", down: 30 * time.Second},
		{name: "past the hub's grace: replaced, its member excluded", down: 2 * time.Minute, wantReplace: true},
		{name: "the graph's longer failoverAfter wins", down: 2 * time.Minute, failover: &metav1.Duration{Duration: 5 * time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dgd := &nvidiav1beta1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "g"}}
			dgd.Spec.Placement = &flotillav1alpha1.PlacementSpec{FailoverAfter: tc.failover}
			dgd.Status.ClusterPlacement = &flotillav1alpha1.GraphPlacementStatus{Copies: []flotillav1alpha1.CopyStatus{{
				Cluster: "east", State: flotillav1alpha1.CopyProgressing, UnavailableSince: &metav1.Time{Time: now.Add(-tc.down)}}}}
			req := &placement.Request{Current: []string{"east"}}
			requeue := r.planFailover(dgd, req, records{}, 1, nil, now)
			replaced := slices.Contains(req.Replace, 0) && len(req.Exclude) == 1 && req.Exclude[0].Member == "east"
			if replaced != tc.wantReplace {
				t.Fatalf("replaced = %v (Replace %v, Exclude %v), want %v", replaced, req.Replace, req.Exclude, tc.wantReplace)
			}
			if !tc.wantReplace && requeue <= 0 {
				t.Errorf("requeue = %s, want the time left of the grace", requeue)
			}
		})
	}
}
