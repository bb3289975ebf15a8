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
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
)

func member(name string, joinedReason string) *flotillav1alpha1.MemberCluster {
	status := metav1.ConditionTrue
	if joinedReason == membercluster.ReasonLost {
		status = metav1.ConditionFalse
	}
	return &flotillav1alpha1.MemberCluster{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: flotillav1alpha1.MemberClusterStatus{Conditions: []metav1.Condition{{
			Type: flotillav1alpha1.MemberJoined, Status: status, Reason: joinedReason, Message: "joined: " + joinedReason,
		}}},
	}
}

func record(component string, available bool, synced *metav1.Condition, replicas int32) *nvidiav1beta1.DynamoComponentDeployment {
	rec := &nvidiav1beta1.DynamoComponentDeployment{}
	rec.Spec.ComponentName = component
	s := metav1.ConditionFalse
	if available {
		s = metav1.ConditionTrue
	}
	rec.Status.Conditions = []metav1.Condition{{Type: nvidiav1beta1.ConditionAvailable, Status: s, Reason: "r"}}
	if synced != nil {
		rec.Status.Conditions = append(rec.Status.Conditions, *synced)
	}
	rec.Status.Component = &nvidiav1beta1.ComponentReplicaStatus{
		ComponentKind: "Deployment", Replicas: replicas, UpdatedReplicas: replicas, ReadyReplicas: ptr.To(replicas),
	}
	return rec
}

// policyDenied makes rec's Available condition say the member's policy denies it.
func policyDenied(rec *nvidiav1beta1.DynamoComponentDeployment) *nvidiav1beta1.DynamoComponentDeployment {
	rec.Status.Conditions[0].Reason = flotillav1alpha1.ReasonPolicyDenied
	rec.Status.Conditions[0].Message = "spec.template.spec.hostNetwork: Forbidden: violates the member's policy"
	return rec
}

func TestCopyStatus(t *testing.T) {
	nameTaken := &metav1.Condition{Type: flotillav1alpha1.ConditionSynced, Status: metav1.ConditionFalse,
		Reason: flotillav1alpha1.ReasonNameTaken, Message: "x-a already exists"}
	unavailable := &metav1.Condition{Type: flotillav1alpha1.ConditionSynced, Status: metav1.ConditionFalse,
		Reason: flotillav1alpha1.ReasonMemberUnavailable, Message: "member m: timeout"}
	for _, tc := range []struct {
		name      string
		view      copyView
		mc        *flotillav1alpha1.MemberCluster
		wantState flotillav1alpha1.CopyState
		wantReady string
		wantMsg   string
	}{
		{"not placed", copyView{reason: "0/2 clusters fit"}, nil, flotillav1alpha1.CopyPending, "0/2", "0/2 clusters fit"},
		{"all available", copyView{member: "m", records: []*nvidiav1beta1.DynamoComponentDeployment{
			record("a", true, nil, 1), record("b", true, nil, 1)}}, member("m", membercluster.ReasonReachable),
			flotillav1alpha1.CopyReady, "2/2", ""},
		{"one not available", copyView{member: "m", records: []*nvidiav1beta1.DynamoComponentDeployment{
			record("a", true, nil, 1), record("b", false, nil, 1)}}, member("m", membercluster.ReasonReachable),
			flotillav1alpha1.CopyProgressing, "1/2", "not available yet: b"},
		{"records missing", copyView{member: "m", records: []*nvidiav1beta1.DynamoComponentDeployment{
			record("a", true, nil, 1)}}, member("m", membercluster.ReasonReachable),
			flotillav1alpha1.CopyProgressing, "1/2", "writing"},
		{"member unreachable", copyView{member: "m", records: []*nvidiav1beta1.DynamoComponentDeployment{
			record("a", true, nil, 1), record("b", true, nil, 1)}}, member("m", membercluster.ReasonUnreachable),
			flotillav1alpha1.CopyUnreachable, "2/2", "joined: Unreachable"},
		{"member lost", copyView{member: "m"}, member("m", membercluster.ReasonLost),
			flotillav1alpha1.CopyUnreachable, "0/2", "joined: Lost"},
		{"member gone", copyView{member: "m"}, nil, flotillav1alpha1.CopyUnreachable, "0/2", "left the fleet"},
		{"name taken", copyView{member: "m", records: []*nvidiav1beta1.DynamoComponentDeployment{
			record("a", false, nameTaken, 0), record("b", true, nil, 1)}}, member("m", membercluster.ReasonReachable),
			flotillav1alpha1.CopyFailed, "1/2", "already exists"},
		{"denied by the member's policy", copyView{member: "m", records: []*nvidiav1beta1.DynamoComponentDeployment{
			record("a", true, nil, 1), policyDenied(record("b", false, nil, 0))}}, member("m", membercluster.ReasonReachable),
			flotillav1alpha1.CopyFailed, "1/2", "member m's policy denies b: spec.template.spec.hostNetwork: Forbidden"},
		{"sync unavailable", copyView{member: "m", records: []*nvidiav1beta1.DynamoComponentDeployment{
			record("a", true, unavailable, 1), record("b", true, nil, 1)}}, member("m", membercluster.ReasonReachable),
			flotillav1alpha1.CopyUnreachable, "2/2", "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := copyStatus(tc.view, 2, tc.mc)
			if got.State != tc.wantState || got.ReadyServices != tc.wantReady || !strings.Contains(got.Message, tc.wantMsg) {
				t.Errorf("copyStatus = %s %s %q, want %s %s containing %q", got.State, got.ReadyServices, got.Message, tc.wantState, tc.wantReady, tc.wantMsg)
			}
		})
	}
}

func TestSetPlacementStatus(t *testing.T) {
	dgd := &nvidiav1beta1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Name: "g", Generation: 3}}
	dgd.Spec.Components = []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{ComponentName: "b"}, {ComponentName: "a"}}
	components := componentNames(dgd)
	if !slices.Equal(components, []string{"a", "b"}) {
		t.Fatalf("components = %v", components)
	}
	clusters := map[string]*flotillav1alpha1.MemberCluster{
		"east": member("east", membercluster.ReasonReachable), "west": member("west", membercluster.ReasonReachable),
	}
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	ready := []*nvidiav1beta1.DynamoComponentDeployment{record("a", true, nil, 1), record("b", true, nil, 2)}
	views := []copyView{
		{index: 0, member: "west", namespace: "ns", records: ready},
		{index: 1, member: "east", namespace: "ns", records: ready},
	}
	setPlacementStatus(dgd, components, views, clusters, "", t0)

	if dgd.Status.State != nvidiav1beta1.DGDStateSuccessful {
		t.Errorf("state = %q, want successful", dgd.Status.State)
	}
	pl := dgd.Status.ClusterPlacement
	if pl.ReadyCopies != "2/2" || pl.ReadyServices != "4/4" || pl.Clusters != "east,west" {
		t.Errorf("placement summary = %s %s %s", pl.ReadyCopies, pl.ReadyServices, pl.Clusters)
	}
	if s := dgd.Status.Components["b"]; s.Replicas != 4 || *s.ReadyReplicas != 4 || !slices.Equal(s.ComponentNames, []string{"g-b"}) {
		t.Errorf("components[b] = %+v, want 4 replicas summed over copies, component g-b", s)
	}
	for _, c := range []string{nvidiav1beta1.ConditionReady, flotillav1alpha1.GraphScheduled, flotillav1alpha1.ConditionSynced} {
		if !meta.IsStatusConditionTrue(dgd.Status.Conditions, c) {
			t.Errorf("condition %s is not True: %+v", c, meta.FindStatusCondition(dgd.Status.Conditions, c))
		}
	}
	if dgd.Status.ObservedGeneration != 3 {
		t.Errorf("observedGeneration = %d, want 3", dgd.Status.ObservedGeneration)
	}

	// A copy losing its placement: the other keeps its transition time, this one gets a new one.
	views[1] = copyView{index: 1, reason: "0/2 clusters fit: 2 lack GPUs"}
	t1 := t0.Add(time.Minute)
	setPlacementStatus(dgd, components, views, clusters, "0/2 clusters fit: 2 lack GPUs", t1)
	if dgd.Status.State != nvidiav1beta1.DGDStatePending {
		t.Errorf("state = %q, want pending", dgd.Status.State)
	}
	if got := dgd.Status.ClusterPlacement.Copies[0].LastTransitionTime.Time; !got.Equal(t0) {
		t.Errorf("copy 0 transition = %s, want unchanged %s", got, t0)
	}
	if got := dgd.Status.ClusterPlacement.Copies[1].LastTransitionTime.Time; !got.Equal(t1) {
		t.Errorf("copy 1 transition = %s, want %s", got, t1)
	}
	sched := meta.FindStatusCondition(dgd.Status.Conditions, flotillav1alpha1.GraphScheduled)
	if sched.Status != metav1.ConditionFalse || sched.Reason != ReasonUnschedulable || !strings.Contains(sched.Message, "1/2 copies placed: 0/2 clusters fit") {
		t.Errorf("Scheduled = %+v", sched)
	}
	if r := meta.FindStatusCondition(dgd.Status.Conditions, nvidiav1beta1.ConditionReady); r.Status != metav1.ConditionFalse || !strings.Contains(r.Message, "copy 1 Pending") {
		t.Errorf("Ready = %+v", r)
	}
}

func TestRecordName(t *testing.T) {
	if got := RecordName("llama", "VllmDecodeWorker", 1, "gpu-east"); got != "llama-vllmdecodeworker-1-gpu-east" {
		t.Errorf("RecordName = %q", got)
	}
}

func TestGraphStatusReworded(t *testing.T) {
	base := func() *nvidiav1beta1.DynamoGraphDeploymentStatus {
		return &nvidiav1beta1.DynamoGraphDeploymentStatus{
			ObservedGeneration: 1, State: nvidiav1beta1.DGDState("pending"),
			Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "NotReady", Message: "0/2 ready"}},
			Components: map[string]nvidiav1beta1.ComponentReplicaStatus{"worker": {Replicas: 1}},
		}
	}
	for name, tc := range map[string]struct {
		edit func(*nvidiav1beta1.DynamoGraphDeploymentStatus)
		want bool
	}{
		"a message": {func(s *nvidiav1beta1.DynamoGraphDeploymentStatus) { s.Conditions[0].Message = "1/2 ready" }, true},
		"replica counts": {func(s *nvidiav1beta1.DynamoGraphDeploymentStatus) {
			s.Components["worker"] = nvidiav1beta1.ComponentReplicaStatus{Replicas: 1, ReadyReplicas: ptr.To[int32](1)}
		}, true},
		"the state":   {func(s *nvidiav1beta1.DynamoGraphDeploymentStatus) { s.State = nvidiav1beta1.DGDState("successful") }, false},
		"a condition": {func(s *nvidiav1beta1.DynamoGraphDeploymentStatus) { s.Conditions[0].Status = metav1.ConditionTrue }, false},
		"the placement": {func(s *nvidiav1beta1.DynamoGraphDeploymentStatus) {
			s.ClusterPlacement = &flotillav1alpha1.GraphPlacementStatus{}
		}, false},
		"observed generation": {func(s *nvidiav1beta1.DynamoGraphDeploymentStatus) { s.ObservedGeneration = 2 }, false},
	} {
		after := base()
		tc.edit(after)
		if got := reworded(base(), after); got != tc.want {
			t.Errorf("%s: reworded = %v, want %v", name, got, tc.want)
		}
	}
}
