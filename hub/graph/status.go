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
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
	"github.com/flotilla-dev/flotilla/internal/statuswrite"
)

// Reasons of the graph's conditions.
const (
	ReasonAllCopiesReady = "AllCopiesReady"
	ReasonCopiesNotReady = "CopiesNotReady"
	ReasonInvalidSpec    = "InvalidSpec"
	// ReasonUnsupportedFeature: the graph uses a Dynamo feature Flotilla's members cannot run
	// as Dynamo would (the message names the field and says why); the graph is failed.
	ReasonUnsupportedFeature = "UnsupportedFeature"
	ReasonPlaced             = "Placed"
	ReasonUnschedulable      = "Unschedulable"
	ReasonSynced             = flotillav1alpha1.ReasonSynced
	ReasonSyncPending        = "SyncPending"
	ReasonPlacementFailed    = "PlacementFailed"
	// ReasonRecordsNotWritten: the hub could not write or delete the graph's hub records (the
	// message is the API server's); the reconcile is retried with backoff.
	ReasonRecordsNotWritten = "RecordsNotWritten"
)

// copyView is one copy as the hub sees it: where it was placed and its live records.
type copyView struct {
	index     int
	member    string
	namespace string
	// reason says why a copy without a member has none, or why a previous copy moves.
	reason  string
	records []*nvidiav1beta1.DynamoComponentDeployment
	// previous is the copy on the member it is leaving, still running until this one serves.
	previous *copyView
}

// previousView returns the view of a copy's retained records on the member it is leaving, or
// nil when it has none. Should a copy have moved twice before serving, the member it left
// first is shown.
func previousView(retained []*nvidiav1beta1.DynamoComponentDeployment) *copyView {
	if len(retained) == 0 {
		return nil
	}
	first := retained[0]
	v := &copyView{
		member:    first.Labels[flotillav1alpha1.LabelCluster],
		namespace: first.Annotations[flotillav1alpha1.AnnotationMemberNamespace],
		reason:    first.Annotations[flotillav1alpha1.AnnotationReplaced],
	}
	v.records = onMember(retained, v.member)
	return v
}

// ready counts the copy's records whose component is Available.
func (c copyView) ready() int {
	n := 0
	for _, rec := range c.records {
		if meta.IsStatusConditionTrue(rec.Status.Conditions, nvidiav1beta1.ConditionAvailable) {
			n++
		}
	}
	return n
}

// copyStatus derives the state of one copy from its records, as the sync controller mirrored
// them from the member, and from its member's MemberCluster (nil when gone).
func copyStatus(c copyView, services int, mc *flotillav1alpha1.MemberCluster) flotillav1alpha1.CopyStatus {
	st := flotillav1alpha1.CopyStatus{Index: int32(c.index), Cluster: c.member, Namespace: c.namespace}
	ready := c.ready()
	var notReady []string
	var syncProblem *metav1.Condition
	var denied []string
	for _, rec := range c.records {
		available := meta.FindStatusCondition(rec.Status.Conditions, nvidiav1beta1.ConditionAvailable)
		switch {
		case available != nil && available.Status == metav1.ConditionTrue:
		case available != nil && available.Reason == flotillav1alpha1.ReasonPolicyDenied:
			denied = append(denied, rec.Spec.ComponentName+": "+available.Message)
			notReady = append(notReady, rec.Spec.ComponentName)
		default:
			notReady = append(notReady, rec.Spec.ComponentName)
		}
		if s := meta.FindStatusCondition(rec.Status.Conditions, flotillav1alpha1.ConditionSynced); s != nil && s.Status == metav1.ConditionFalse && syncProblem == nil {
			syncProblem = s
		}
	}
	st.ReadyServices = fmt.Sprintf("%d/%d", ready, services)
	joined := mc != nil && meta.IsStatusConditionTrue(mc.Status.Conditions, flotillav1alpha1.MemberJoined)
	reachable := joined && meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.MemberJoined).Reason != membercluster.ReasonUnreachable
	switch {
	case c.member == "":
		st.State, st.Message = flotillav1alpha1.CopyPending, c.reason
	case !reachable:
		st.State = flotillav1alpha1.CopyUnreachable
		st.Message = "member " + c.member + " is unreachable"
		if mc != nil {
			if j := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.MemberJoined); j != nil {
				st.Message = j.Message
			}
		} else {
			st.Message = "member " + c.member + " has left the fleet"
		}
	case syncProblem != nil && syncProblem.Reason == flotillav1alpha1.ReasonNameTaken:
		st.State, st.Message = flotillav1alpha1.CopyFailed, syncProblem.Message
	case syncProblem != nil && syncProblem.Reason == flotillav1alpha1.ReasonMemberUnavailable:
		st.State, st.Message = flotillav1alpha1.CopyUnreachable, syncProblem.Message
	case syncProblem != nil:
		st.State, st.Message = flotillav1alpha1.CopyFailed, syncProblem.Message
	case len(denied) > 0:
		st.State = flotillav1alpha1.CopyFailed
		st.Message = fmt.Sprintf("member %s's policy denies %s", c.member, strings.Join(denied, "; "))
	case len(c.records) < services:
		st.State, st.Message = flotillav1alpha1.CopyProgressing, "writing the copy's records"
	case ready == services:
		st.State = flotillav1alpha1.CopyReady
	default:
		st.State = flotillav1alpha1.CopyProgressing
		st.Message = "not available yet: " + strings.Join(notReady, ", ")
	}
	return st
}

// componentNames returns the names of a graph's components, sorted.
func componentNames(hub *nvidiav1beta1.DynamoGraphDeployment) []string {
	names := make([]string, 0, len(hub.Spec.Components))
	for i := range hub.Spec.Components {
		names = append(names, hub.Spec.Components[i].ComponentName)
	}
	slices.Sort(names)
	return names
}

// setPlacementStatus writes status.clusterPlacement, status.components, status.state and the
// Ready, Scheduled and Synced conditions of a valid graph from its copies and the names of its
// components (services in v1alpha1). unschedulable is the placement's summary when a copy has no
// member. status.components is keyed by component name.
func setPlacementStatus(dgd *nvidiav1beta1.DynamoGraphDeployment, services []string, copies []copyView, clusters map[string]*flotillav1alpha1.MemberCluster, unschedulable string, now time.Time) {
	prev := map[int32]flotillav1alpha1.CopyStatus{}
	if dgd.Status.ClusterPlacement != nil {
		for _, c := range dgd.Status.ClusterPlacement.Copies {
			prev[c.Index] = c
		}
	}
	pl := &flotillav1alpha1.GraphPlacementStatus{}
	readyCopies, readyServices, placed := 0, 0, 0
	var members []string
	summed := map[string]*nvidiav1beta1.ComponentReplicaStatus{}
	for _, c := range copies {
		st := copyStatus(c, len(services), clusters[c.member])
		p, hadPrev := prev[st.Index]
		if hadPrev && p.State == st.State && p.LastTransitionTime != nil {
			st.LastTransitionTime = p.LastTransitionTime
		} else {
			st.LastTransitionTime = &metav1.Time{Time: now}
		}
		st.UnavailableSince = unavailableSince(st, p, hadPrev, now)
		if c.previous != nil {
			ps := copyStatus(*c.previous, len(services), clusters[c.previous.member])
			st.Previous = &flotillav1alpha1.PreviousCopy{Cluster: ps.Cluster, Namespace: ps.Namespace,
				State: ps.State, ReadyServices: ps.ReadyServices, Reason: c.previous.reason}
		}
		pl.Copies = append(pl.Copies, st)
		if serves(st) {
			readyCopies++
		}
		readyServices += c.ready()
		if c.member != "" {
			placed++
			members = append(members, c.member)
		}
		for _, rec := range c.records {
			sumComponent(summed, dgd.Name, rec)
		}
	}
	slices.Sort(members)
	members = slices.Compact(members)
	pl.ReadyCopies = fmt.Sprintf("%d/%d", readyCopies, len(copies))
	pl.ReadyServices = fmt.Sprintf("%d/%d", readyServices, len(services)*len(copies))
	pl.Clusters = strings.Join(members, ",")
	dgd.Status.ClusterPlacement = pl

	dgd.Status.Components = nil
	if len(summed) > 0 {
		dgd.Status.Components = map[string]nvidiav1beta1.ComponentReplicaStatus{}
		for name, s := range summed {
			dgd.Status.Components[name] = *s
		}
	}

	gen := dgd.Generation
	// Scheduled.
	if placed == len(copies) {
		msg := make([]string, 0, len(copies))
		for _, c := range copies {
			msg = append(msg, fmt.Sprintf("copy %d on %s", c.index, c.member))
		}
		setCondition(dgd, flotillav1alpha1.GraphScheduled, metav1.ConditionTrue, ReasonPlaced, strings.Join(msg, ", "))
	} else {
		setCondition(dgd, flotillav1alpha1.GraphScheduled, metav1.ConditionFalse, ReasonUnschedulable,
			fmt.Sprintf("%d/%d copies placed: %s", placed, len(copies), unschedulable))
	}
	// Synced.
	synced, syncMsg := true, ""
	for _, st := range pl.Copies {
		if st.Cluster != "" && st.State != flotillav1alpha1.CopyReady && st.State != flotillav1alpha1.CopyProgressing {
			synced, syncMsg = false, fmt.Sprintf("copy %d on %s: %s", st.Index, st.Cluster, st.Message)
			break
		}
	}
	if synced {
		setCondition(dgd, flotillav1alpha1.ConditionSynced, metav1.ConditionTrue, ReasonSynced, "Every placed copy is written to its member")
	} else {
		setCondition(dgd, flotillav1alpha1.ConditionSynced, metav1.ConditionFalse, ReasonSyncPending, syncMsg)
	}
	// Ready and state, in Dynamo's semantics: successful when every component of every copy is
	// available.
	if readyCopies == len(copies) {
		dgd.Status.State = nvidiav1beta1.DGDStateSuccessful
		setCondition(dgd, nvidiav1beta1.ConditionReady, metav1.ConditionTrue, ReasonAllCopiesReady,
			fmt.Sprintf("All %d copies are ready on %s", len(copies), pl.Clusters))
	} else {
		dgd.Status.State = nvidiav1beta1.DGDStatePending
		var waiting []string
		for _, st := range pl.Copies {
			if !serves(st) {
				w := fmt.Sprintf("copy %d %s", st.Index, st.State)
				if st.Message != "" {
					w += " (" + st.Message + ")"
				}
				waiting = append(waiting, w)
			}
		}
		setCondition(dgd, nvidiav1beta1.ConditionReady, metav1.ConditionFalse, ReasonCopiesNotReady,
			fmt.Sprintf("%d/%d copies ready: %s", readyCopies, len(copies), strings.Join(waiting, "; ")))
	}
	dgd.Status.ObservedGeneration = gen
}

// serves reports whether a copy serves: it is Ready, or it moves and is still Ready on the
// member it is leaving.
func serves(st flotillav1alpha1.CopyStatus) bool {
	return st.State == flotillav1alpha1.CopyReady ||
		(st.Previous != nil && st.Previous.State == flotillav1alpha1.CopyReady)
}

// unavailableSince is when copy st, Ready before on the same member, stopped being Ready while
// its member answers; nil when it is Ready, unreachable, pending, or has not been Ready there.
// prev is the copy's status before this reconcile, if hadPrev.
func unavailableSince(st, prev flotillav1alpha1.CopyStatus, hadPrev bool, now time.Time) *metav1.Time {
	if !hadPrev || prev.Cluster != st.Cluster ||
		(st.State != flotillav1alpha1.CopyProgressing && st.State != flotillav1alpha1.CopyFailed) {
		return nil
	}
	switch {
	case prev.State == flotillav1alpha1.CopyReady:
		return &metav1.Time{Time: now}
	case prev.UnavailableSince != nil:
		return prev.UnavailableSince
	}
	return nil
}

// setInvalidStatus marks a graph failed because its spec cannot be placed.
func setInvalidStatus(dgd *nvidiav1beta1.DynamoGraphDeployment, reason, msg string) {
	dgd.Status.State = nvidiav1beta1.DGDStateFailed
	setCondition(dgd, nvidiav1beta1.ConditionReady, metav1.ConditionFalse, reason, msg)
	dgd.Status.ObservedGeneration = dgd.Generation
}

// sumComponent adds one record's replica status to its component's sum over copies. The sum
// names one workload, Dynamo's DCD name of the component (<graph>-<component>).
func sumComponent(sum map[string]*nvidiav1beta1.ComponentReplicaStatus, graph string, rec *nvidiav1beta1.DynamoComponentDeployment) {
	s := rec.Status.Component
	if s == nil {
		return
	}
	name := rec.Spec.ComponentName
	cur, ok := sum[name]
	if !ok {
		cur = &nvidiav1beta1.ComponentReplicaStatus{ComponentKind: s.ComponentKind, ComponentNames: []string{dynamo.ComponentName(graph, name)}}
		sum[name] = cur
	}
	cur.Replicas += s.Replicas
	cur.UpdatedReplicas += s.UpdatedReplicas
	cur.ReadyReplicas = addPtr(cur.ReadyReplicas, s.ReadyReplicas)
	cur.AvailableReplicas = addPtr(cur.AvailableReplicas, s.AvailableReplicas)
}

func addPtr(a, b *int32) *int32 {
	if b == nil {
		return a
	}
	v := *b
	if a != nil {
		v += *a
	}
	return &v
}

func setCondition(dgd *nvidiav1beta1.DynamoGraphDeployment, t string, s metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&dgd.Status.Conditions, metav1.Condition{
		Type: t, Status: s, Reason: reason, Message: msg, ObservedGeneration: dgd.Generation,
	})
}

// reworded reports whether a graph's status after differs from before only in its conditions'
// messages and its components' replica counts: the same state, placement, observed
// generation and conditions (statuswrite.SameConditions).
func reworded(before, after *nvidiav1beta1.DynamoGraphDeploymentStatus) bool {
	if !statuswrite.SameConditions(before.Conditions, after.Conditions) {
		return false
	}
	b, a := before.DeepCopy(), after.DeepCopy()
	b.Conditions, a.Conditions, b.Components, a.Components = nil, nil, nil, nil
	return equality.Semantic.DeepEqual(b, a)
}
