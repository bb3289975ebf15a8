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
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
	"github.com/flotilla-dev/flotilla/hub/metrics"
	"github.com/flotilla-dev/flotilla/internal/patch"
	"github.com/flotilla-dev/flotilla/internal/statuswrite"
	"github.com/flotilla-dev/flotilla/internal/validation"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// +kubebuilder:rbac:groups=nvidia.com,resources=dynamographdeployments,verbs=list;watch;patch
// +kubebuilder:rbac:groups=nvidia.com,resources=dynamographdeployments/status,verbs=patch
// +kubebuilder:rbac:groups=nvidia.com,resources=dynamographdeployments/finalizers,verbs=update
// +kubebuilder:rbac:groups=nvidia.com,resources=dynamocomponentdeployments,verbs=list;watch;create;patch;delete
// +kubebuilder:rbac:groups=flotilla.dev,resources=memberclusters,verbs=list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// DefaultDeletionTimeout is how long deleting a graph waits for unreachable members by default.
const DefaultDeletionTimeout = 5 * time.Minute

// Event reasons.
const (
	eventPlaced        = "Placed"
	eventMoved         = "Moved"
	eventUnschedulable = "Unschedulable"
	eventIgnoredField  = "IgnoredField"
	eventDeleteTimeout = "DeletionTimeout"
)

// Reconciler is the graph controller: it places the copies of every DynamoGraphDeployment on
// the hub, writes one hub record (a DynamoComponentDeployment that never becomes a workload)
// per service of each placed copy, and aggregates the records' status, which the sync
// controller mirrors from the members, into the graph's status.
type Reconciler struct {
	// Client reads and writes the hub.
	Client client.Client
	// Scheduler places graphs.
	Scheduler *Scheduler
	// Accepted holds the record specs the API server accepted lately, shared with the admission
	// webhook's Validator, whose dry runs it spares the controller; nil dry-runs every write.
	Accepted *AcceptedSpecs
	// Recorder records placement decisions and failures on the graph.
	Recorder events.EventRecorder
	// Clock is the time source; the real clock when nil.
	Clock clock.PassiveClock
	// DeletionTimeout bounds how long a graph's deletion waits for unreachable members; their
	// copies are deleted when they come back.
	DeletionTimeout time.Duration
	// LostAfter is how long a copy's member may stay unreachable before the copy moves, for
	// graphs without spec.placement.failoverAfter.
	LostAfter time.Duration
	// UnavailableAfter is how long a copy, Ready before, may stay unavailable while its member
	// answers before it moves, for graphs without spec.placement.failoverAfter.
	UnavailableAfter time.Duration

	// reworded holds back status writes that only reword a graph's status (statuswrite).
	reworded statuswrite.Coalescer
	// seedMu guards seeded, which says the Scheduler holds the reservations of the copies placed
	// before this process led (seedReservations).
	seedMu sync.Mutex
	seeded bool
}

// SetupWithManager registers the controller with the hub's local manager: it reconciles a
// graph when it changes, when one of its records changes, and when a MemberCluster changes
// (capacity appeared, a member was lost).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.DeletionTimeout <= 0 {
		r.DeletionTimeout = DefaultDeletionTimeout
	}
	if r.LostAfter <= 0 {
		r.LostAfter = membercluster.DefaultLostAfter
	}
	if r.UnavailableAfter <= 0 {
		r.UnavailableAfter = DefaultUnavailableAfter
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("graph").
		For(&nvidiav1beta1.DynamoGraphDeployment{}).
		Owns(&nvidiav1beta1.DynamoComponentDeployment{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool { return flotillav1alpha1.IsHubRecord(o) }))).
		Watches(&flotillav1alpha1.MemberCluster{}, r.memberClusterHandler()).
		WithOptions(controller.Options{MaxConcurrentReconciles: 8, SkipNameValidation: mgr.GetControllerOptions().SkipNameValidation}).
		Complete(r)
}

// memberClusterHandler maps MemberCluster changes to the graphs they concern: a member
// joining, leaving, changing state, labels or taints concerns the graphs with a copy there and
// those not fully placed; a new inventory concerns only the graphs waiting for capacity.
func (r *Reconciler) memberClusterHandler() handler.EventHandler {
	enqueue := func(ctx context.Context, member string, onlyUnplaced bool, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		list := &nvidiav1beta1.DynamoGraphDeploymentList{}
		if err := r.Client.List(ctx, list); err != nil {
			log.FromContext(ctx).Error(err, "Cannot list graphs for a MemberCluster change")
			return
		}
		for i := range list.Items {
			dgd := &list.Items[i]
			if unplaced(dgd) || (!onlyUnplaced && hasCopyOn(dgd, member)) {
				q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: dgd.Namespace, Name: dgd.Name}})
			}
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, e.Object.GetName(), false, q)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			old, okOld := e.ObjectOld.(*flotillav1alpha1.MemberCluster)
			cur, okNew := e.ObjectNew.(*flotillav1alpha1.MemberCluster)
			switch {
			case !okOld || !okNew || membercluster.PlacementChanged(old, cur):
				enqueue(ctx, e.ObjectNew.GetName(), false, q)
			case membercluster.InventoryChanged(old, cur):
				enqueue(ctx, e.ObjectNew.GetName(), true, q)
			}
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, e.Object.GetName(), false, q)
		},
	}
}

// unplaced reports whether some copy of the graph waits for a member.
func unplaced(dgd *nvidiav1beta1.DynamoGraphDeployment) bool {
	return dgd.Status.ClusterPlacement == nil || !meta.IsStatusConditionTrue(dgd.Status.Conditions, flotillav1alpha1.GraphScheduled)
}

// hasCopyOn reports whether the graph has a copy on member, placed there or leaving it.
func hasCopyOn(dgd *nvidiav1beta1.DynamoGraphDeployment, member string) bool {
	if dgd.Status.ClusterPlacement == nil {
		return false
	}
	for _, c := range dgd.Status.ClusterPlacement.Copies {
		if c.Cluster == member || (c.Previous != nil && c.Previous.Cluster == member) {
			return true
		}
	}
	return false
}

// Reconcile places one graph and brings its records and status up to date.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	dgd := &nvidiav1beta1.DynamoGraphDeployment{}
	if err := r.Client.Get(ctx, req.NamespacedName, dgd); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.String())
			r.reworded.Forget(req.String())
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !dgd.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, dgd)
	}
	// Placement goes on in this reconcile, with the graph as patched: waiting for the patch to
	// come back through the cache would cost a round of the queue per new graph.
	if _, err := patch.AddFinalizer(ctx, r.Client, dgd, flotillav1alpha1.FinalizerGraph); err != nil {
		return reconcile.Result{}, err
	}

	before := dgd.DeepCopy()
	result, err := r.reconcileGraph(ctx, dgd)
	metrics.Graphs.Set(req.String(), string(dgd.Status.State))
	// The graph controller is the only writer of the graph's status on the hub. A status that
	// only rewords the one written (messages, replica counts of a rollout in progress) waits
	// for the next change that matters, up to statuswrite.Delay.
	if werr := r.reworded.Write(ctx, r.Client, req.String(), before, dgd,
		equality.Semantic.DeepEqual(before.Status, dgd.Status), reworded(&before.Status, &dgd.Status), &result); werr != nil {
		return reconcile.Result{}, errors.Join(err, werr)
	}
	return result, err
}

// reconcileGraph validates, places, writes the records and computes the status (not yet
// written) of a graph that is not being deleted, one phase after the other. A phase that
// decides the graph can go no further (invalid, refused) says so in the graph's status and
// stops the pass without an error: retrying cannot fix it.
func (r *Reconciler) reconcileGraph(ctx context.Context, dgd *nvidiav1beta1.DynamoGraphDeployment) (reconcile.Result, error) {
	p := &pass{dgd: dgd, owner: dgd.Namespace + "/" + dgd.Name, now: r.Clock.Now()}
	if !r.validate(p) {
		return reconcile.Result{}, nil
	}
	if ok, err := r.readCopies(ctx, p); !ok || err != nil {
		return reconcile.Result{}, err
	}
	if err := r.place(ctx, p); err != nil {
		return reconcile.Result{}, err
	}
	if ok, err := r.writeRecords(ctx, p); !ok || err != nil {
		return reconcile.Result{}, err
	}
	return r.computeStatus(ctx, p)
}

// pass is what one reconcile of a graph learns, phase by phase.
type pass struct {
	// dgd is the graph, whose status the phases set.
	dgd *nvidiav1beta1.DynamoGraphDeployment
	// owner is the graph's namespace/name, its key in the Scheduler and the metrics.
	owner string
	// now is the time the pass runs at.
	now time.Time
	// source is the graph everything is derived from: a copy of dgd, since applyRestart writes
	// the restart's progress into its pod templates.
	source *nvidiav1beta1.DynamoGraphDeployment
	// req is the placement request derived from the graph.
	req *placement.Request
	// stored are the graph's hub records as read.
	stored records
	// components are the DCDs every copy runs.
	components []*nvidiav1beta1.DynamoComponentDeployment
	// clusterList and clusters are the MemberClusters, as read and by name.
	clusterList []flotillav1alpha1.MemberCluster
	clusters    map[string]*flotillav1alpha1.MemberCluster
	// decision is where the copies go.
	decision *placement.Decision
	// requeueAfter is when the graph must be looked at again (a grace period ending), 0 for
	// never.
	requeueAfter time.Duration
	// changed says whether records were written or deleted.
	changed bool
}

// validate checks what CEL cannot, as the admission webhook does (Validate), and derives the
// placement request. An invalid graph keeps the copies it runs; it returns false for one.
func (r *Reconciler) validate(p *pass) bool {
	dgd := p.dgd
	p.source = dgd.DeepCopy()
	errs, warnings := Validate(p.source)
	if len(errs) > 0 {
		r.invalid(dgd, errs.ToAggregate().Error())
		return false
	}
	if errs := validation.Unsupported(p.source); len(errs) > 0 {
		r.refuse(dgd, ReasonUnsupportedFeature, errs.ToAggregate().Error())
		return false
	}
	if dgd.Status.ObservedGeneration != dgd.Generation {
		for _, w := range warnings {
			r.event(dgd, corev1.EventTypeWarning, eventIgnoredField, "%s", w)
		}
	}
	req, err := placement.RequestFromGraph(p.source)
	if err != nil {
		r.invalid(dgd, err.Error())
		return false
	}
	p.req = req
	return true
}

// readCopies reads where the copies run now (the records say, else the status: a lost status
// write), and what every copy runs: the components, with the restart's progress in their pod
// templates. A copy whose name is taken on its member is to go elsewhere. It returns false
// for a graph whose components cannot be derived.
func (r *Reconciler) readCopies(ctx context.Context, p *pass) (bool, error) {
	dgd, req := p.dgd, p.req
	stored, err := r.records(ctx, dgd)
	if err != nil {
		return false, err
	}
	p.stored = stored
	dgd.Status.Restart = applyRestart(dgd, p.source, stored)
	if p.components, err = memberComponents(p.source); err != nil {
		r.invalid(dgd, err.Error())
		return false, nil
	}
	for idx := range stored {
		if idx >= req.Policy.CopyCount() {
			continue
		}
		if m := stored.member(idx); m != "" {
			for len(req.Current) <= idx {
				req.Current = append(req.Current, "")
			}
			req.Current[idx] = m
		}
	}
	for idx := range stored {
		for _, rec := range stored.live(idx) {
			if c := meta.FindStatusCondition(rec.Status.Conditions, flotillav1alpha1.ConditionSynced); c != nil && c.Reason == flotillav1alpha1.ReasonNameTaken {
				req.Replace = append(req.Replace, idx)
				req.Exclude = append(req.Exclude, placement.Exclusion{Member: rec.Labels[flotillav1alpha1.LabelCluster], Reason: c.Message})
				break
			}
		}
	}
	return true, nil
}

// place decides where the copies go, with the failover rules: copies that stopped serving
// move, and moves whose previous member may hold the copy again are called off.
func (r *Reconciler) place(ctx context.Context, p *pass) error {
	clusterList := &flotillav1alpha1.MemberClusterList{}
	if err := r.Client.List(ctx, clusterList); err != nil {
		return err
	}
	p.clusterList = clusterList.Items
	p.clusters = map[string]*flotillav1alpha1.MemberCluster{}
	for i := range p.clusterList {
		p.clusters[p.clusterList[i].Name] = &p.clusterList[i]
	}
	if err := r.seedReservations(ctx, p.clusterList); err != nil {
		return err
	}
	p.requeueAfter = r.planFailover(p.dgd, p.req, p.stored, len(p.components), p.clusterList, p.now)
	start := time.Now()
	d, err := r.Scheduler.Place(p.clusterList, p.req)
	if err != nil {
		metrics.ObservePlacement("error", time.Since(start))
		setInvalidStatus(p.dgd, ReasonPlacementFailed, err.Error())
		r.event(p.dgd, corev1.EventTypeWarning, ReasonPlacementFailed, "%v", err)
		return err
	}
	result := "placed"
	if d.Placed() < len(d.Copies) {
		result = "unschedulable"
	}
	metrics.ObservePlacement(result, time.Since(start))
	p.decision = d
	return nil
}

// writeRecords writes the records of the decision and removes the others. It returns false
// when the API server refuses the records (nothing was written; the graph is invalid).
func (r *Reconciler) writeRecords(ctx context.Context, p *pass) (bool, error) {
	dgd, d := p.dgd, p.decision
	desired, err := desiredRecords(dgd, p.components, d, r.Client.Scheme())
	if err != nil {
		return false, err
	}
	p.changed, err = applyRecords(ctx, r.Client, r.Accepted, desired, retainRecords(p.req, d, p.stored, len(p.components), p.clusters), p.stored)
	if refused := (*refusedComponentsError)(nil); errors.As(err, &refused) {
		// Nothing was written: copies placed just now hold no records, and free what they took.
		for _, c := range d.Copies {
			if len(p.stored.live(c.Index)) == 0 {
				r.Scheduler.ReleaseCopy(p.owner, c.Index)
			}
		}
		r.invalid(dgd, refused.Error())
		return false, nil
	}
	if err != nil {
		// Retried with backoff; meanwhile the graph says why nothing moves, once per message.
		msg := fmt.Sprintf("writing the hub records of the placement failed: %v", err)
		if c := meta.FindStatusCondition(dgd.Status.Conditions, flotillav1alpha1.ConditionSynced); c == nil || c.Reason != ReasonRecordsNotWritten || c.Message != msg {
			r.event(dgd, corev1.EventTypeWarning, ReasonRecordsNotWritten, "%s", msg)
		}
		setCondition(dgd, flotillav1alpha1.ConditionSynced, metav1.ConditionFalse, ReasonRecordsNotWritten, msg)
		return false, err
	}
	for _, mv := range d.Moves {
		r.Scheduler.ReleaseCopy(p.owner, mv.Index)
	}
	r.recordDecision(dgd, p.req, d)
	return true, nil
}

// computeStatus sets the graph's status from the records as they are now (re-read only if
// some were just written or deleted: new ones have no status yet, which copyStatus reads as
// progressing), and says when to look again.
func (r *Reconciler) computeStatus(ctx context.Context, p *pass) (reconcile.Result, error) {
	dgd, d := p.dgd, p.decision
	if p.changed {
		var err error
		if p.stored, err = r.records(ctx, dgd); err != nil {
			return reconcile.Result{}, err
		}
	}
	views := make([]copyView, 0, len(d.Copies))
	placedOn := make([]string, 0, len(d.Copies))
	for _, c := range d.Copies {
		v := copyView{index: c.Index, member: c.Member, namespace: c.Namespace}
		if c.Member == "" {
			v.reason = d.CopyMessage(c.Index)
		} else {
			v.records = onMember(p.stored.live(c.Index), c.Member)
		}
		v.previous = previousView(p.stored.retained(c.Index))
		views = append(views, v)
		placedOn = append(placedOn, c.Member)
	}
	summary := ""
	if d.Placed() < len(d.Copies) {
		summary = d.Summary()
	}
	setPlacementStatus(dgd, componentNames(p.source), views, p.clusters, summary, p.now)
	metrics.Copies.Set(p.owner, placedOn)
	r.releaseVisible(p.owner, dgd, p.clusters)

	requeueAfter := p.requeueAfter
	if d.Placed() < len(d.Copies) {
		// Capacity appearing on a MemberCluster triggers a reconcile; this is a safety net.
		requeueAfter = minPositive(requeueAfter, time.Minute)
	}
	// A copy that stopped serving moves when its grace ends: look again then.
	for _, c := range dgd.Status.ClusterPlacement.Copies {
		if c.UnavailableSince != nil {
			requeueAfter = minPositive(requeueAfter, c.UnavailableSince.Add(r.gracesOf(dgd).unavailable+time.Second).Sub(p.now)+100*time.Millisecond)
		}
	}
	return reconcile.Result{RequeueAfter: requeueAfter}, nil
}

// minPositive returns the smaller of two durations, ignoring those not positive.
func minPositive(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return max(b, 0)
	case b <= 0:
		return a
	}
	return min(a, b)
}

// onMember keeps the records placed on member (a copy that just moved still has records on
// its old member, being deleted).
func onMember(recs []*nvidiav1beta1.DynamoComponentDeployment, member string) []*nvidiav1beta1.DynamoComponentDeployment {
	return slices.DeleteFunc(recs, func(rec *nvidiav1beta1.DynamoComponentDeployment) bool {
		return rec.Labels[flotillav1alpha1.LabelCluster] != member
	})
}

// releaseVisible releases the reservation of each ready copy once its member published an
// inventory newer than the copy's readiness: the inventory then counts its pods.
func (r *Reconciler) releaseVisible(owner string, dgd *nvidiav1beta1.DynamoGraphDeployment, clusters map[string]*flotillav1alpha1.MemberCluster) {
	for _, c := range dgd.Status.ClusterPlacement.Copies {
		if c.State != flotillav1alpha1.CopyReady || c.LastTransitionTime == nil {
			continue
		}
		mc := clusters[c.Cluster]
		if mc == nil || mc.Status.InventoryTime == nil || !mc.Status.InventoryTime.After(c.LastTransitionTime.Time) {
			continue
		}
		r.Scheduler.ReleaseCopy(owner, int(c.Index))
	}
}

// records lists the graph's hub records.
func (r *Reconciler) records(ctx context.Context, dgd *nvidiav1beta1.DynamoGraphDeployment) (records, error) {
	list := &nvidiav1beta1.DynamoComponentDeploymentList{}
	if err := r.Client.List(ctx, list, client.InNamespace(dgd.Namespace), client.MatchingLabels(flotillav1alpha1.HubRecordsOfGraph(dgd.Name))); err != nil {
		return nil, err
	}
	return groupRecords(dgd, list.Items), nil
}

// recordDecision records an event for every copy placed or moved, and one when copies stay
// unplaced, unless the graph's Scheduled condition already says the same.
func (r *Reconciler) recordDecision(dgd *nvidiav1beta1.DynamoGraphDeployment, req *placement.Request, d *placement.Decision) {
	for _, c := range d.Copies {
		if c.Member != "" && !c.Kept {
			r.event(dgd, corev1.EventTypeNormal, eventPlaced, "Copy %d placed on member %s, namespace %s", c.Index, c.Member, c.Namespace)
		}
	}
	for _, mv := range d.Moves {
		to := mv.To
		if to == "" {
			why := d.CopyReason(mv.Index).String()
			if why == "" {
				why = "none fits"
			}
			to = "no member (" + why + ")"
		}
		r.event(dgd, corev1.EventTypeWarning, eventMoved, "Copy %d moves from %s to %s: %s", mv.Index, mv.From, to, moveReason(req, mv))
	}
	if d.Placed() < len(d.Copies) {
		prev := meta.FindStatusCondition(dgd.Status.Conditions, flotillav1alpha1.GraphScheduled)
		msg := fmt.Sprintf("%d/%d copies placed: %s", d.Placed(), len(d.Copies), d.Summary())
		if prev == nil || prev.Message != msg {
			r.event(dgd, corev1.EventTypeWarning, eventUnschedulable, "%s", msg)
		}
	}
}

// invalid marks the graph failed as InvalidSpec, with an event the first time.
func (r *Reconciler) invalid(dgd *nvidiav1beta1.DynamoGraphDeployment, msg string) {
	r.refuse(dgd, ReasonInvalidSpec, msg)
}

// refuse marks the graph failed for reason, with an event the first time.
func (r *Reconciler) refuse(dgd *nvidiav1beta1.DynamoGraphDeployment, reason, msg string) {
	prev := meta.FindStatusCondition(dgd.Status.Conditions, nvidiav1beta1.ConditionReady)
	if prev == nil || prev.Reason != reason || prev.Message != msg {
		r.event(dgd, corev1.EventTypeWarning, reason, "%s", msg)
	}
	setInvalidStatus(dgd, reason, msg)
}

// reconcileDelete removes the graph's records, which the sync controller deletes from the
// members before letting them go, and releases the graph once they are gone or once
// DeletionTimeout has passed since the deletion began: records of unreachable members then stay,
// terminating, until their member comes back or leaves the fleet (see MemberCluster
// status.pendingCleanup).
func (r *Reconciler) reconcileDelete(ctx context.Context, dgd *nvidiav1beta1.DynamoGraphDeployment) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(dgd, flotillav1alpha1.FinalizerGraph) {
		return reconcile.Result{}, nil
	}
	stored, err := r.records(ctx, dgd)
	if err != nil {
		return reconcile.Result{}, err
	}
	var waiting []string
	for _, svcs := range stored {
		for _, rec := range svcs {
			if rec.DeletionTimestamp.IsZero() {
				if err := r.Client.Delete(ctx, rec, client.Preconditions{UID: &rec.UID}); client.IgnoreNotFound(err) != nil {
					return reconcile.Result{}, err
				}
			}
			waiting = append(waiting, rec.Labels[flotillav1alpha1.LabelCluster])
		}
	}
	if len(waiting) > 0 {
		deadline := dgd.DeletionTimestamp.Add(r.DeletionTimeout)
		now := r.Clock.Now()
		if now.Before(deadline) {
			return reconcile.Result{RequeueAfter: min(5*time.Second, deadline.Sub(now))}, nil
		}
		slices.Sort(waiting)
		r.event(dgd, corev1.EventTypeWarning, eventDeleteTimeout,
			"Deleted after %s with %d copies of components left on unreachable members (%s): they are removed when the members return",
			r.DeletionTimeout, len(waiting), strings.Join(slices.Compact(waiting), ", "))
	}
	if err := patch.RemoveFinalizer(ctx, r.Client, dgd, flotillav1alpha1.FinalizerGraph); err != nil {
		return reconcile.Result{}, err
	}
	r.forget(dgd.Namespace + "/" + dgd.Name)
	return reconcile.Result{}, nil
}

// forget drops what the controller keeps in memory about a graph.
func (r *Reconciler) forget(owner string) {
	r.Scheduler.Release(owner)
	metrics.Graphs.Forget(owner)
	metrics.Copies.Forget(owner)
}

func (r *Reconciler) event(dgd *nvidiav1beta1.DynamoGraphDeployment, eventType, reason, format string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(dgd, nil, eventType, reason, "Place", format, args...)
	}
}
