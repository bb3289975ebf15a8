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

// Package membercluster keeps the status of the hub's MemberClusters: whether the hub reaches
// the member (Joined: Reachable, Unreachable within the grace, Lost after it, or Refused when
// the member answers but refuses the hub's credentials, which is never a loss), whether its
// agent renews its Lease (AgentReady), whether new copies may go there (Schedulable, with why
// not: unreachable, refused, draining, agent not ready, inventory stale, cordoned), and the GPU
// inventory its agent publishes, read through the member's cache (never its Nodes or Pods,
// DESIGN decision 4).
package membercluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	mcbuilder "sigs.k8s.io/multicluster-runtime/pkg/builder"
	mccontroller "sigs.k8s.io/multicluster-runtime/pkg/controller"
	mcmanager "sigs.k8s.io/multicluster-runtime/pkg/manager"
	"sigs.k8s.io/multicluster-runtime/pkg/multicluster"
	mcreconcile "sigs.k8s.io/multicluster-runtime/pkg/reconcile"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/members"
	"github.com/flotilla-dev/flotilla/hub/metrics"
	"github.com/flotilla-dev/flotilla/internal/patch"
)

// +kubebuilder:rbac:groups=flotilla.dev,resources=memberclusters,verbs=list;watch;patch
// +kubebuilder:rbac:groups=flotilla.dev,resources=memberclusters/status,verbs=patch
// +kubebuilder:rbac:groups=nvidia.com,resources=dynamocomponentdeployments,verbs=list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reasons of the MemberCluster conditions.
const (
	ReasonReachable         = "Reachable"
	ReasonUnreachable       = "Unreachable"
	ReasonLost              = "Lost"
	ReasonNotEngaged        = "NotEngaged"
	ReasonLeaseRenewed      = "LeaseRenewed"
	ReasonLeaseExpired      = "LeaseExpired"
	ReasonLeaseMissing      = "LeaseMissing"
	ReasonReady             = "Ready"
	ReasonCordoned          = "Cordoned"
	ReasonAgentNotReady     = "AgentNotReady"
	ReasonNamespaceMismatch = "NamespaceMismatch"
	// ReasonRefused: the member's API server answers but refuses the hub's credentials (401
	// or 403): reported, never counted as a loss, so no copy moves.
	ReasonRefused = "Refused"
	// ReasonInventoryStale: the agent renews its Lease but has not confirmed its GPU inventory
	// for longer than the Lease's duration: no new copies go there.
	ReasonInventoryStale = "InventoryStale"
	// ReasonDraining: spec.drain is true: the member's copies move off.
	ReasonDraining = "Draining"
)

// Defaults of the Reconciler's timings.
const (
	DefaultLostAfter     = 2 * time.Minute
	DefaultProbeInterval = 10 * time.Second
	// probeTimeout bounds every call to a member in one reconcile.
	probeTimeout = 5 * time.Second
)

// Reconciler keeps MemberCluster status.
type Reconciler struct {
	// Hub reads and writes MemberClusters.
	Hub client.Client
	// Members knows the registered members and their clusters.
	Members *members.Provider
	// Recorder records the member's transitions as events.
	Recorder events.EventRecorder
	// Clock is the time source; the real clock when nil.
	Clock clock.PassiveClock
	// LostAfter is how long a member may stay unreachable before Joined turns False and its
	// copies may move.
	LostAfter time.Duration
	// ProbeInterval is how often a member's API server is probed.
	ProbeInterval time.Duration

	// answered holds, by member name, when its API server last answered a probe (time.Time):
	// a member that stops answering is unreachable since then, not since the failed probe.
	answered sync.Map
}

// SetupWithManager registers the controller: it reconciles MemberClusters on the hub, and on
// every change of a member's GPUInventory or agent Lease.
func (r *Reconciler) SetupWithManager(mgr mcmanager.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.LostAfter <= 0 {
		r.LostAfter = DefaultLostAfter
	}
	if r.ProbeInterval <= 0 {
		r.ProbeInterval = DefaultProbeInterval
	}
	return mcbuilder.ControllerManagedBy(mgr).
		Named("membercluster").
		For(&flotillav1alpha1.MemberCluster{},
			mcbuilder.WithEngageWithLocalCluster(true), mcbuilder.WithEngageWithProviderClusters(false)).
		Watches(&flotillav1alpha1.GPUInventory{}, toMemberCluster,
			mcbuilder.WithEngageWithLocalCluster(false), mcbuilder.WithEngageWithProviderClusters(true)).
		Watches(&coordinationv1.Lease{}, toMemberCluster,
			mcbuilder.WithEngageWithLocalCluster(false), mcbuilder.WithEngageWithProviderClusters(true)).
		// Hub records entering or leaving deletion change the member's pendingCleanup.
		Watches(&nvidiav1beta1.DynamoComponentDeployment{}, recordToMemberCluster,
			mcbuilder.WithEngageWithLocalCluster(true), mcbuilder.WithEngageWithProviderClusters(false),
			mcbuilder.WithPredicates(predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
				return e.ObjectOld.GetDeletionTimestamp().IsZero() != e.ObjectNew.GetDeletionTimestamp().IsZero()
			}})).
		WithOptions(mccontroller.Options{MaxConcurrentReconciles: 4, SkipNameValidation: mgr.GetControllerOptions().SkipNameValidation}).
		Complete(r)
}

// toMemberCluster maps any object on a member to the member's MemberCluster on the hub.
func toMemberCluster(name multicluster.ClusterName, _ cluster.Cluster) handler.TypedEventHandler[client.Object, mcreconcile.Request] {
	return handler.TypedEnqueueRequestsFromMapFunc(func(context.Context, client.Object) []mcreconcile.Request {
		return []mcreconcile.Request{{Request: reconcile.Request{NamespacedName: types.NamespacedName{Name: string(name)}}}}
	})
}

// recordToMemberCluster maps a hub record to the MemberCluster of its member.
func recordToMemberCluster(multicluster.ClusterName, cluster.Cluster) handler.TypedEventHandler[client.Object, mcreconcile.Request] {
	return handler.TypedEnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []mcreconcile.Request {
		member := o.GetLabels()[flotillav1alpha1.LabelCluster]
		if member == "" || !flotillav1alpha1.IsHubRecord(o) {
			return nil
		}
		return []mcreconcile.Request{{Request: reconcile.Request{NamespacedName: types.NamespacedName{Name: member}}}}
	})
}

// observation is what one reconcile learnt about a member.
type observation struct {
	reg        members.Registration
	registered bool
	// engageErr is why the member's last engagement failed.
	engageErr error
	cluster   cluster.Cluster
	// probeErr is why the member's API server did not answer; nil when it did.
	probeErr error
	// refusedErr is why the member's API server refused the hub's credentials; nil when it
	// accepted them or did not answer.
	refusedErr error
	lease      *coordinationv1.Lease
	inventory  *flotillav1alpha1.GPUInventory
}

// Reconcile brings one MemberCluster's status up to date.
func (r *Reconciler) Reconcile(ctx context.Context, req mcreconcile.Request) (reconcile.Result, error) {
	mc := &flotillav1alpha1.MemberCluster{}
	if err := r.Hub.Get(ctx, req.NamespacedName, mc); err != nil {
		if apierrors.IsNotFound(err) {
			metrics.Members.Forget(req.Name)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	// now is taken before the probe: a member that does not answer is unreachable since the
	// probe began, not since it timed out.
	now := r.Clock.Now()
	obs := r.observe(ctx, mc.Name)
	if obs.probeErr == nil {
		r.answered.Store(mc.Name, now)
	}
	pending, err := r.pendingCleanup(ctx, mc.Name)
	if err != nil {
		return reconcile.Result{}, err
	}

	// 1. Keep the anchor of the grace period on the object.
	if err := r.updateUnreachableSince(ctx, mc, obs, now); err != nil {
		return reconcile.Result{}, err
	}
	// 2. Compute the status from what was observed.
	before := mc.DeepCopy()
	requeue := r.computeStatus(mc, obs, now)
	mc.Status.PendingCleanup = pending
	state := memberState(mc)
	metrics.Members.Set(mc.Name, state)
	// 3. Patch it if it changed, and say so.
	if !equality.Semantic.DeepEqual(before.Status, mc.Status) {
		// The controller is the only writer of MemberCluster status (patch.Status).
		if _, err := patch.Status(ctx, r.Hub, before, mc); err != nil {
			return reconcile.Result{}, err
		}
		if memberState(before) != state && r.Recorder != nil {
			eventType := corev1.EventTypeNormal
			if state != ReasonReady {
				eventType = corev1.EventTypeWarning
			}
			r.Recorder.Eventf(mc, nil, eventType, state, "Observe", "Member is %s: %s", state, schedulableMessage(mc))
		}
	}
	return reconcile.Result{RequeueAfter: requeue}, nil
}

// observe reads the member's registration, probes its API server and reads its agent's Lease
// and GPUInventory from the member's cache, each bounded by probeTimeout.
func (r *Reconciler) observe(ctx context.Context, name string) observation {
	var obs observation
	obs.reg, obs.registered = r.Members.Lookup(name)
	obs.engageErr = r.Members.EngageError(name)
	cl, err := r.Members.Get(ctx, multicluster.ClusterName(name))
	if err != nil {
		if e := obs.engageErr; e != nil && (apierrors.IsUnauthorized(e) || apierrors.IsForbidden(e)) {
			obs.refusedErr = fmt.Errorf("the member's API server refuses the hub's credentials: %w", e)
			return obs
		}
		obs.probeErr = errors.New("the member is not engaged")
		return obs
	}
	obs.cluster = cl
	obs.probeErr = probe(ctx, cl)
	if errors.As(obs.probeErr, new(refusedError)) {
		obs.refusedErr, obs.probeErr = obs.probeErr, nil
	}
	if obs.probeErr != nil || obs.refusedErr != nil {
		return obs
	}
	readCtx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	lease := &coordinationv1.Lease{}
	if err := cl.GetClient().Get(readCtx, client.ObjectKey{Namespace: obs.reg.AgentNamespace, Name: flotillav1alpha1.AgentLeaseName}, lease); err == nil {
		obs.lease = lease
	} else if !apierrors.IsNotFound(err) {
		log.FromContext(ctx).V(1).Info("Cannot read the agent Lease", "err", err.Error())
	}
	inv := &flotillav1alpha1.GPUInventory{}
	if err := cl.GetClient().Get(readCtx, client.ObjectKey{Namespace: obs.reg.AgentNamespace, Name: flotillav1alpha1.InventoryName}, inv); err == nil {
		obs.inventory = inv
	} else if !apierrors.IsNotFound(err) {
		log.FromContext(ctx).V(1).Info("Cannot read the GPUInventory", "err", err.Error())
	}
	return obs
}

// pendingCleanup counts the hub records of the member waiting for their copy's deletion.
func (r *Reconciler) pendingCleanup(ctx context.Context, member string) (int32, error) {
	records := &nvidiav1beta1.DynamoComponentDeploymentList{}
	if err := r.Hub.List(ctx, records, client.MatchingLabels(flotillav1alpha1.HubRecordsOnMember(member))); err != nil {
		return 0, err
	}
	var n int32
	for i := range records.Items {
		if !records.Items[i].DeletionTimestamp.IsZero() {
			n++
		}
	}
	return n, nil
}

// probe asks the member's API server whether it is ready (/readyz is readable by any
// authenticated identity), within probeTimeout.
func probe(ctx context.Context, cl cluster.Cluster) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	url, err := readyzURL(cl.GetConfig())
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	if err != nil {
		return err
	}
	resp, err := cl.GetHTTPClient().Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusUnauthorized, http.StatusForbidden:
		return refusedError{status: resp.Status}
	}
	return fmt.Errorf("GET /readyz: %s", resp.Status)
}

// readyzURL is the /readyz endpoint of cfg's API server, below the path of its server URL if
// any (an API server behind a proxy), whether or not that URL ends with a slash.
func readyzURL(cfg *rest.Config) (string, error) {
	u, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return "", fmt.Errorf("the member's server URL: %w", err)
	}
	return u.JoinPath("readyz").String(), nil
}

// refusedError is a probe the member's API server answered by refusing the hub's credentials.
type refusedError struct{ status string }

func (e refusedError) Error() string {
	return "the member's API server refuses the hub's credentials (GET /readyz: " + e.status + ")"
}

// updateUnreachableSince sets the annotation on the first failed probe, to when the member
// last answered (now if this hub has not seen it answer), and removes it on the first
// successful one.
func (r *Reconciler) updateUnreachableSince(ctx context.Context, mc *flotillav1alpha1.MemberCluster, obs observation, now time.Time) error {
	_, has := mc.Annotations[flotillav1alpha1.AnnotationUnreachableSince]
	if (obs.probeErr != nil) == has {
		return nil
	}
	_, err := patch.Metadata(ctx, r.Hub, mc, func(mc *flotillav1alpha1.MemberCluster) bool {
		if obs.probeErr == nil {
			delete(mc.Annotations, flotillav1alpha1.AnnotationUnreachableSince)
			return true
		}
		if mc.Annotations == nil {
			mc.Annotations = map[string]string{}
		}
		since := now
		if last, ok := r.answered.Load(mc.Name); ok {
			since = last.(time.Time)
		}
		mc.Annotations[flotillav1alpha1.AnnotationUnreachableSince] = since.UTC().Format(time.RFC3339)
		return true
	})
	return err
}

// unreachableSince reads the annotation; now when absent or unreadable.
func unreachableSince(mc *flotillav1alpha1.MemberCluster, now time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339, mc.Annotations[flotillav1alpha1.AnnotationUnreachableSince]); err == nil {
		return t
	}
	return now
}

// computeStatus sets the MemberCluster's status from what was observed, one condition after
// the other (Joined, AgentReady, then Schedulable, which reads both and the inventory), and
// returns when to look again: the probe interval, or sooner when a grace period, a Lease or
// the inventory's confirmation runs out.
func (r *Reconciler) computeStatus(mc *flotillav1alpha1.MemberCluster, obs observation, now time.Time) time.Duration {
	st := &mc.Status
	st.ObservedGeneration = mc.Generation
	if obs.registered {
		src := obs.reg.Source
		st.Source = &src
		st.NamespaceRestriction = obs.reg.NamespaceRestriction
	}
	joined, joinedRequeue := r.joinedCondition(mc, obs, now)
	meta.SetStatusCondition(&st.Conditions, joined)
	agent, agentRequeue := agentCondition(mc.Generation, obs, now)
	meta.SetStatusCondition(&st.Conditions, agent)
	mismatch := copyInventory(st, obs)
	stale, staleRequeue := inventoryStale(obs.lease, agent, now)
	meta.SetStatusCondition(&st.Conditions, schedulableCondition(mc, obs, joined, agent, mismatch, stale))
	return minPositive(r.ProbeInterval, joinedRequeue, agentRequeue, staleRequeue)
}

// minPositive returns the smallest of the positive durations ds (0 when none is).
func minPositive(ds ...time.Duration) time.Duration {
	var out time.Duration
	for _, d := range ds {
		if d > 0 && (out == 0 || d < out) {
			out = d
		}
	}
	return out
}

// joinedCondition is Joined: reachable; or, for a member that was joined, unreachable (or not
// engaged yet, as after a hub restart) for less than LostAfter, in which case it also returns
// when the member counts as lost (0 otherwise).
func (r *Reconciler) joinedCondition(mc *flotillav1alpha1.MemberCluster, obs observation, now time.Time) (metav1.Condition, time.Duration) {
	wasJoined := meta.IsStatusConditionTrue(mc.Status.Conditions, flotillav1alpha1.MemberJoined)
	joined := metav1.Condition{Type: flotillav1alpha1.MemberJoined, ObservedGeneration: mc.Generation}
	problem := ""
	switch {
	case obs.refusedErr != nil:
		// Not a problem of reach: reported as Refused below.
	case obs.cluster == nil && obs.registered && obs.engageErr != nil:
		problem = "registered by " + members.DescribeSource(obs.reg.Source) + " but cannot be engaged: " + obs.engageErr.Error()
	case obs.cluster == nil && obs.registered:
		problem = "registered by " + members.DescribeSource(obs.reg.Source) + " but not engaged yet"
	case obs.cluster == nil:
		problem = "no source registers it (or the hub has not read its source yet)"
	case obs.probeErr != nil:
		problem = "its API server does not answer: " + obs.probeErr.Error()
	}
	since := unreachableSince(mc, now)
	lostAt := since.Add(r.LostAfter)
	var requeue time.Duration
	switch {
	case obs.refusedErr != nil:
		// Not a loss: the member answers, its copies keep running; an administrator renews the
		// credentials (flotilla-hub register). A member never joined stays not joined.
		joined.Status, joined.Reason = metav1.ConditionFalse, ReasonRefused
		if wasJoined {
			joined.Status = metav1.ConditionTrue
		}
		joined.Message = obs.refusedErr.Error() + "; copies stay where they are until the hub's credentials are renewed"
	case problem == "":
		joined.Status, joined.Reason, joined.Message = metav1.ConditionTrue, ReasonReachable, "The member's API server answers"
	case !wasJoined && obs.cluster == nil:
		joined.Status, joined.Reason, joined.Message = metav1.ConditionFalse, ReasonNotEngaged, "The member is "+problem
	case !wasJoined:
		joined.Status, joined.Reason, joined.Message = metav1.ConditionFalse, ReasonUnreachable, "The member was never reached: "+problem
	case now.Before(lostAt):
		joined.Status, joined.Reason = metav1.ConditionTrue, ReasonUnreachable
		joined.Message = fmt.Sprintf("Unreachable since %s: %s; counted lost at %s", since.UTC().Format(time.RFC3339), problem, lostAt.UTC().Format(time.RFC3339))
		requeue = lostAt.Sub(now) + time.Second
	default:
		joined.Status, joined.Reason = metav1.ConditionFalse, ReasonLost
		joined.Message = fmt.Sprintf("Unreachable since %s: %s", since.UTC().Format(time.RFC3339), problem)
	}
	return joined, requeue
}

// agentCondition is AgentReady: the agent's Lease renewed within its duration, in which case it
// also returns when the Lease expires (0 otherwise). An unreachable member keeps the last
// verdict until the Lease, as last seen, expires.
func agentCondition(generation int64, obs observation, now time.Time) (metav1.Condition, time.Duration) {
	agent := metav1.Condition{Type: flotillav1alpha1.MemberAgentReady, ObservedGeneration: generation}
	lease := obs.lease
	switch {
	case lease == nil && obs.refusedErr != nil:
		agent.Status, agent.Reason, agent.Message = metav1.ConditionUnknown, ReasonRefused, "The agent's Lease cannot be read: the member refuses the hub's credentials"
	case lease == nil && obs.probeErr != nil:
		agent.Status, agent.Reason, agent.Message = metav1.ConditionFalse, ReasonLeaseMissing, "The agent's Lease cannot be read: the member is unreachable"
	case lease == nil:
		agent.Status, agent.Reason = metav1.ConditionFalse, ReasonLeaseMissing
		agent.Message = fmt.Sprintf("No Lease %s/%s: is the agent installed in namespace %s?", obs.reg.AgentNamespace, flotillav1alpha1.AgentLeaseName, obs.reg.AgentNamespace)
	default:
		expiry := leaseExpiry(lease)
		if now.Before(expiry) {
			agent.Status, agent.Reason = metav1.ConditionTrue, ReasonLeaseRenewed
			agent.Message = "The agent renews its Lease"
			return agent, expiry.Sub(now) + 100*time.Millisecond
		}
		agent.Status, agent.Reason = metav1.ConditionFalse, ReasonLeaseExpired
		agent.Message = fmt.Sprintf("The agent's Lease expired at %s", expiry.UTC().Format(time.RFC3339))
	}
	return agent, 0
}

// copyInventory copies the inventory, as the agent last published it, into the status, and
// returns why it does not fit the member's registration ("" when it does, or there is none).
func copyInventory(st *flotillav1alpha1.MemberClusterStatus, obs observation) string {
	inv := obs.inventory
	if inv == nil {
		return ""
	}
	st.GPUs = inv.Status.GPUs
	st.MultinodeRuntime = inv.Status.MultinodeRuntime
	st.Policy = inv.Status.Policy
	st.GPUsFree, st.GPUsTotal = flotillav1alpha1.GPUTotals(inv.Status.GPUs)
	st.InventoryTime = inv.Status.UpdateTime
	if inv.Status.NamespaceRestriction != obs.reg.NamespaceRestriction {
		return fmt.Sprintf("the agent works in namespace %q but the member is registered with namespace restriction %q (%s)",
			inv.Status.NamespaceRestriction, obs.reg.NamespaceRestriction, flotillav1alpha1.AnnotationNamespaceRestriction)
	}
	return ""
}

// inventoryStale says why the inventory is stale: the agent lives but has not confirmed it for
// a Lease's duration (its informers or its writes are stuck); "" when it is not, with when it
// would become stale (0 when unknown).
func inventoryStale(lease *coordinationv1.Lease, agent metav1.Condition, now time.Time) (string, time.Duration) {
	if lease == nil || agent.Status != metav1.ConditionTrue {
		return "", 0
	}
	t, err := time.Parse(time.RFC3339, lease.Annotations[flotillav1alpha1.AnnotationInventorySynced])
	if err != nil {
		return "", 0
	}
	if limit := t.Add(leaseDuration(lease)); !now.After(limit) {
		return "", limit.Sub(now) + time.Second
	}
	return fmt.Sprintf("The agent renews its Lease but last confirmed its GPU inventory at %s", t.UTC().Format(time.RFC3339)), 0
}

// schedulableCondition is Schedulable: whether new copies may go to the member, and if not,
// the first reason why.
func schedulableCondition(mc *flotillav1alpha1.MemberCluster, obs observation, joined, agent metav1.Condition, mismatch, stale string) metav1.Condition {
	sched := metav1.Condition{Type: flotillav1alpha1.MemberSchedulable, ObservedGeneration: mc.Generation,
		Status: metav1.ConditionFalse}
	switch {
	case joined.Status != metav1.ConditionTrue:
		sched.Reason, sched.Message = joined.Reason, joined.Message
	case obs.probeErr != nil:
		sched.Reason, sched.Message = ReasonUnreachable, joined.Message
	case obs.refusedErr != nil:
		sched.Reason, sched.Message = ReasonRefused, joined.Message
	case mc.Spec.Drain:
		sched.Reason, sched.Message = ReasonDraining, "spec.drain is true: no new copies, and copies here move to other members once their replacement is Ready"
	case agent.Status != metav1.ConditionTrue:
		sched.Reason, sched.Message = ReasonAgentNotReady, agent.Message
	case mismatch != "":
		sched.Reason, sched.Message = ReasonNamespaceMismatch, mismatch
	case stale != "":
		sched.Reason, sched.Message = ReasonInventoryStale, stale
	case mc.Spec.Unschedulable:
		sched.Reason, sched.Message = ReasonCordoned, "spec.unschedulable is true: no new copies"
	default:
		sched.Status, sched.Reason, sched.Message = metav1.ConditionTrue, ReasonReady, "New copies may be placed here"
	}
	return sched
}

// leaseExpiry is when the Lease expires: its last renewal (or acquisition) plus its duration.
func leaseExpiry(l *coordinationv1.Lease) time.Time {
	var renewed time.Time
	switch {
	case l.Spec.RenewTime != nil:
		renewed = l.Spec.RenewTime.Time
	case l.Spec.AcquireTime != nil:
		renewed = l.Spec.AcquireTime.Time
	}
	return renewed.Add(leaseDuration(l))
}

// leaseDuration is the Lease's spec.leaseDurationSeconds; zero when unset.
func leaseDuration(l *coordinationv1.Lease) time.Duration {
	if l.Spec.LeaseDurationSeconds == nil {
		return 0
	}
	return time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second
}

// memberState is the Schedulable reason: the member's state for metrics and events.
func memberState(mc *flotillav1alpha1.MemberCluster) string {
	if c := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.MemberSchedulable); c != nil {
		return c.Reason
	}
	return ReasonNotEngaged
}

func schedulableMessage(mc *flotillav1alpha1.MemberCluster) string {
	if c := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.MemberSchedulable); c != nil {
		return c.Message
	}
	return ""
}
