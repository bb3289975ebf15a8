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

// This file decides when a copy moves for want of serving, and keeps every move
// make-before-break.
//
// A copy moves when its member has been unreachable for the graph's grace (placement's
// memberstate filter judges Request.LostAfter against the member's unreachable-since), when
// its member is drained (the same filter), or when the copy, Ready before, has stayed
// unavailable for the grace while its member answers (unavailableSince in its status). The
// grace is spec.placement.failoverAfter, else the hub's defaults.
//
// A moving copy's records on the member it leaves are not deleted: they are annotated
// flotilla.dev/replaced (retained) and keep their copy running until the copy's records on its
// new member are all Available, then deleted. If the member it leaves becomes fit again while
// the copy there still serves and the new one does not yet, the move is called off: the copy
// returns to that member and the replacement, which never served, is deleted. So a member that
// flaps never makes a copy ping-pong, and no copy stops serving before another serves.

import (
	"slices"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// DefaultUnavailableAfter is how long a copy, Ready before, may stay unavailable on a member
// that answers before it moves, by default.
const DefaultUnavailableAfter = 5 * time.Minute

// graces are the two grace periods of one graph.
type graces struct {
	// lost is how long the copy's member may stay unreachable.
	lost time.Duration
	// unavailable is how long the copy may stay unavailable while its member answers.
	unavailable time.Duration
}

// gracesOf returns the graph's graces: spec.placement.failoverAfter for both, else the hub's.
func (r *Reconciler) gracesOf(dgd *nvidiav1beta1.DynamoGraphDeployment) graces {
	if p := dgd.Spec.Placement; p != nil && p.FailoverAfter != nil && p.FailoverAfter.Duration > 0 {
		return graces{lost: p.FailoverAfter.Duration, unavailable: p.FailoverAfter.Duration}
	}
	return graces{lost: r.LostAfter, unavailable: r.UnavailableAfter}
}

// planFailover prepares req for the failover rules: it sets the time and the lost grace, asks
// to replace every copy unavailable past its grace (keeping its member out of the new
// placements), and calls off the moves whose previous member may hold the copy again. It
// returns when the graph must be looked at again for a grace to expire (0 for never).
func (r *Reconciler) planFailover(dgd *nvidiav1beta1.DynamoGraphDeployment, req *placement.Request, stored records,
	services int, clusters []flotillav1alpha1.MemberCluster, now time.Time) time.Duration {
	g := r.gracesOf(dgd)
	req.Now, req.LostAfter = now, g.lost
	var requeue time.Duration
	soonest := func(d time.Duration) {
		if d > 0 && (requeue == 0 || d < requeue) {
			requeue = d
		}
	}
	byName := map[string]*flotillav1alpha1.MemberCluster{}
	for i := range clusters {
		byName[clusters[i].Name] = &clusters[i]
	}

	// A copy on an unreachable member moves when the member's grace ends.
	for _, member := range req.Current {
		if mc := byName[member]; mc != nil {
			if since, err := time.Parse(time.RFC3339, mc.Annotations[flotillav1alpha1.AnnotationUnreachableSince]); err == nil {
				soonest(since.Add(g.lost).Sub(now) + time.Second)
			}
		}
	}

	// A copy that served and stopped serving on a member that answers moves at its grace.
	if pl := dgd.Status.ClusterPlacement; pl != nil {
		for _, c := range pl.Copies {
			idx := int(c.Index)
			if c.UnavailableSince == nil || idx >= len(req.Current) || req.Current[idx] != c.Cluster {
				continue
			}
			// The status keeps whole seconds: the clock started up to a second later.
			if left := c.UnavailableSince.Add(g.unavailable + time.Second).Sub(now); left > 0 {
				soonest(left + 100*time.Millisecond)
				continue
			}
			req.Replace = append(req.Replace, idx)
			req.Exclude = append(req.Exclude, placement.Exclusion{Member: c.Cluster,
				Reason: "copy " + strconv.Itoa(idx) + " stopped serving here for longer than its failover grace"})
		}
	}

	// A move is called off when the member it leaves holds a serving copy and may keep it,
	// while the replacement does not serve yet.
	for idx := range stored {
		if idx >= req.Policy.CopyCount() || slices.Contains(req.Replace, idx) {
			continue
		}
		target := ""
		if idx < len(req.Current) {
			target = req.Current[idx]
		}
		if target != "" && serving(onMember(stored.live(idx), target), services) {
			continue
		}
		for _, from := range stored.retainedMembers(idx) {
			if !serving(onMember(stored.retained(idx), from), services) || byName[from] == nil {
				continue
			}
			if r.Scheduler.Keeps(clusters, req, idx, from) {
				for len(req.Current) <= idx {
					req.Current = append(req.Current, "")
				}
				req.Current[idx] = from
				break
			}
		}
	}
	return requeue
}

// serving reports whether a copy's records are all synced from their member and Available:
// the copy serves. n is the number of services of a copy.
func serving(recs []*nvidiav1beta1.DynamoComponentDeployment, n int) bool {
	if n == 0 || len(recs) < n {
		return false
	}
	for _, rec := range recs {
		if !meta.IsStatusConditionTrue(rec.Status.Conditions, flotillav1alpha1.ConditionSynced) ||
			!meta.IsStatusConditionTrue(rec.Status.Conditions, nvidiav1beta1.ConditionAvailable) {
			return false
		}
	}
	return true
}

// retainRecords returns the records of d's copies on members they left that must stay until
// the copy serves on its new member, with why each moves: every record of a copy on another
// member than its decided one, unless the copy already serves there, its member left the fleet,
// or its name is taken there (nothing of the copy runs then).
func retainRecords(req *placement.Request, d *placement.Decision, stored records, services int, clusters map[string]*flotillav1alpha1.MemberCluster) map[string]string {
	why := map[int]string{}
	for _, mv := range d.Moves {
		why[mv.Index] = "moves from " + mv.From + ": " + moveReason(req, mv)
	}
	out := map[string]string{}
	for _, c := range d.Copies {
		if c.Member != "" && serving(onMember(stored.live(c.Index), c.Member), services) {
			continue
		}
		for _, rec := range stored.notDeleted(c.Index) {
			member := rec.Labels[flotillav1alpha1.LabelCluster]
			if member == c.Member || clusters[member] == nil || nameTaken(rec) {
				continue
			}
			reason := rec.Annotations[flotillav1alpha1.AnnotationReplaced]
			if w, ok := why[c.Index]; ok && rec.Annotations[flotillav1alpha1.AnnotationReplaced] == "" {
				reason = w
			}
			if reason == "" {
				reason = "moves from " + member
			}
			out[rec.Name] = reason
		}
	}
	return out
}

// moveReason says why a copy moves: for a copy asked to move off a member the request
// excludes, the exclusion's reason (say, that it stopped serving there), else placement's.
func moveReason(req *placement.Request, mv placement.Move) string {
	if mv.Reason.Kind == placement.ReasonMovingOff {
		for _, e := range req.Exclude {
			if e.Member == mv.From && e.Reason != "" {
				return e.Reason
			}
		}
	}
	return mv.Reason.String()
}

// nameTaken reports whether the record's name is held by another object on its member.
func nameTaken(rec *nvidiav1beta1.DynamoComponentDeployment) bool {
	c := meta.FindStatusCondition(rec.Status.Conditions, flotillav1alpha1.ConditionSynced)
	return c != nil && c.Reason == flotillav1alpha1.ReasonNameTaken
}
