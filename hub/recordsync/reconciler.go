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

// Package recordsync is the hub's sync controller (DESIGN decision 8): it applies every hub
// record (a DynamoComponentDeployment the graph controller writes on the hub) to its member
// under Dynamo's own name <graph>-<service>, mirrors the member's status back onto the record,
// repairs the member's copy when someone edits or deletes it, and deletes it from the member
// when the record goes. Records and member copies are read and written in nvidia.com/v1beta1,
// the version both clusters store, not in the deprecated v1alpha1.
package recordsync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
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
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
	"github.com/flotilla-dev/flotilla/hub/members"
	"github.com/flotilla-dev/flotilla/hub/metrics"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
	"github.com/flotilla-dev/flotilla/internal/patch"
	"github.com/flotilla-dev/flotilla/internal/ssa"
	"github.com/flotilla-dev/flotilla/internal/statuswrite"
	"github.com/flotilla-dev/flotilla/pkg/policy"
)

// +kubebuilder:rbac:groups=nvidia.com,resources=dynamocomponentdeployments,verbs=list;watch;patch
// +kubebuilder:rbac:groups=nvidia.com,resources=dynamocomponentdeployments/status,verbs=patch
// +kubebuilder:rbac:groups=nvidia.com,resources=dynamocomponentdeployments/finalizers,verbs=update
// +kubebuilder:rbac:groups=flotilla.dev,resources=memberclusters,verbs=list;watch

// Timings of retries against a member.
const (
	// retryUnavailable is how soon a record of a member that cannot be reached is tried again.
	retryUnavailable = 10 * time.Second
	// callTimeout bounds each call to a member.
	callTimeout = 10 * time.Second
)

// Reconciler is the sync controller.
type Reconciler struct {
	// Hub reads and writes the hub records.
	Hub client.Client
	// Members resolves a member's cluster and registration.
	Members *members.Provider

	// reworded holds back status writes that only reword a record's status (statuswrite).
	reworded statuswrite.Coalescer
}

// SetupWithManager registers the controller: it reconciles hub records, and maps every change
// of a member's copy (status, drift, deletion) and every MemberCluster change back to records.
func (r *Reconciler) SetupWithManager(mgr mcmanager.Manager) error {
	return mcbuilder.ControllerManagedBy(mgr).
		Named("recordsync").
		For(&nvidiav1beta1.DynamoComponentDeployment{},
			mcbuilder.WithEngageWithLocalCluster(true), mcbuilder.WithEngageWithProviderClusters(false),
			mcbuilder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
				return flotillav1alpha1.IsHubRecord(o)
			}))).
		Watches(&nvidiav1beta1.DynamoComponentDeployment{}, toRecord,
			mcbuilder.WithEngageWithLocalCluster(false), mcbuilder.WithEngageWithProviderClusters(true)).
		// Only a member joining, being lost or leaving changes what its records can do; its
		// inventory updates do not.
		Watches(&flotillav1alpha1.MemberCluster{}, r.memberToRecords,
			mcbuilder.WithEngageWithLocalCluster(true), mcbuilder.WithEngageWithProviderClusters(false),
			mcbuilder.WithPredicates(predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
				old, okOld := e.ObjectOld.(*flotillav1alpha1.MemberCluster)
				cur, okNew := e.ObjectNew.(*flotillav1alpha1.MemberCluster)
				return !okOld || !okNew || membercluster.JoinedChanged(old, cur)
			}})).
		WithOptions(mccontroller.Options{MaxConcurrentReconciles: 16, SkipNameValidation: mgr.GetControllerOptions().SkipNameValidation}).
		Complete(r)
}

// toRecord maps a member's copy to its hub record, named in its annotation.
func toRecord(multicluster.ClusterName, cluster.Cluster) handler.TypedEventHandler[client.Object, mcreconcile.Request] {
	return handler.TypedEnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []mcreconcile.Request {
		ns, name, ok := strings.Cut(o.GetAnnotations()[flotillav1alpha1.AnnotationHubRecord], "/")
		if !ok {
			return nil
		}
		return []mcreconcile.Request{{Request: reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}}}}
	})
}

// memberToRecords maps a MemberCluster to the records placed on it: a member coming back,
// being lost or leaving the fleet changes what the records can do.
func (r *Reconciler) memberToRecords(multicluster.ClusterName, cluster.Cluster) handler.TypedEventHandler[client.Object, mcreconcile.Request] {
	return handler.TypedEnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []mcreconcile.Request {
		list := &nvidiav1beta1.DynamoComponentDeploymentList{}
		if err := r.Hub.List(ctx, list, client.MatchingLabels(flotillav1alpha1.HubRecordsOnMember(o.GetName()))); err != nil {
			log.FromContext(ctx).Error(err, "Cannot list the records of a member", "member", o.GetName())
			return nil
		}
		out := make([]mcreconcile.Request, 0, len(list.Items))
		for i := range list.Items {
			out = append(out, mcreconcile.Request{Request: reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])}})
		}
		return out
	})
}

// target is where a record goes: its member and Dynamo's name there.
type target struct {
	member string
	key    client.ObjectKey
}

func targetOf(rec *nvidiav1beta1.DynamoComponentDeployment) (target, error) {
	t := target{
		member: rec.Labels[flotillav1alpha1.LabelCluster],
		key: client.ObjectKey{
			Namespace: rec.Annotations[flotillav1alpha1.AnnotationMemberNamespace],
			Name:      rec.Annotations[flotillav1alpha1.AnnotationMemberName],
		},
	}
	if t.member == "" || t.key.Namespace == "" || t.key.Name == "" {
		return t, fmt.Errorf("record %s names no member, namespace or name", rec.Name)
	}
	return t, nil
}

// Reconcile syncs one hub record with its member.
func (r *Reconciler) Reconcile(ctx context.Context, req mcreconcile.Request) (reconcile.Result, error) {
	rec := &nvidiav1beta1.DynamoComponentDeployment{}
	if err := r.Hub.Get(ctx, req.NamespacedName, rec); err != nil {
		if apierrors.IsNotFound(err) {
			r.reworded.Forget(req.String())
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !flotillav1alpha1.IsHubRecord(rec) {
		return reconcile.Result{}, nil
	}
	t, err := targetOf(rec)
	if err != nil {
		log.FromContext(ctx).Error(err, "Record skipped")
		return reconcile.Result{}, nil
	}
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("member", t.member, "memberObject", t.key))
	if !rec.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, rec, t)
	}
	// The graph controller writes records with the finalizer; one written without it (by an
	// earlier hub) gets it here.
	if added, err := patch.AddFinalizer(ctx, r.Hub, rec, flotillav1alpha1.FinalizerMemberCleanup); added || err != nil {
		return reconcile.Result{}, err
	}

	before := rec.DeepCopy()
	result, syncErr := r.sync(ctx, rec, t)
	// A member status that only rewords the mirrored one (its rollout's progress) waits for
	// the next change that matters, up to statuswrite.Delay.
	if err := r.reworded.Write(ctx, r.Hub, req.String(), before, rec,
		equality.Semantic.DeepEqual(before.Status, rec.Status), reworded(&before.Status, &rec.Status), &result); err != nil {
		return reconcile.Result{}, errors.Join(syncErr, err)
	}
	return result, syncErr
}

// sync applies the record to its member and mirrors the member's status onto it.
func (r *Reconciler) sync(ctx context.Context, rec *nvidiav1beta1.DynamoComponentDeployment, t target) (reconcile.Result, error) {
	cl, err := r.Members.Get(ctx, multicluster.ClusterName(t.member))
	if err != nil {
		setSynced(rec, metav1.ConditionFalse, flotillav1alpha1.ReasonMemberUnavailable, fmt.Sprintf("member %s is not engaged", t.member))
		return reconcile.Result{RequeueAfter: retryUnavailable}, nil
	}
	reg, _ := r.Members.Lookup(t.member)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()

	// 1. Read the member's copy: from the cache (which holds only the hub's), else from the API
	// server, to tell a free name from one another object holds.
	current := &nvidiav1beta1.DynamoComponentDeployment{}
	err = cl.GetClient().Get(ctx, t.key, current)
	switch {
	case apierrors.IsNotFound(err):
		current = nil
		other := &metav1.PartialObjectMetadata{}
		other.SetGroupVersionKind(nvidiav1beta1.GroupVersion.WithKind("DynamoComponentDeployment"))
		switch err := cl.GetAPIReader().Get(ctx, t.key, other); {
		case err == nil:
			if other.Labels[flotillav1alpha1.LabelGraphUID] != graphUID(rec) {
				setSynced(rec, metav1.ConditionFalse, flotillav1alpha1.ReasonNameTaken,
					fmt.Sprintf("%s %s/%s already exists on member %s and belongs to another graph", "DynamoComponentDeployment", t.key.Namespace, t.key.Name, t.member))
				return reconcile.Result{}, nil
			}
		case !apierrors.IsNotFound(err):
			return r.unavailable(rec, t, err)
		}
	case err != nil:
		return r.unavailable(rec, t, err)
	case current.Labels[flotillav1alpha1.LabelGraphUID] != graphUID(rec):
		setSynced(rec, metav1.ConditionFalse, flotillav1alpha1.ReasonNameTaken,
			fmt.Sprintf("DynamoComponentDeployment %s/%s on member %s belongs to another graph (%s)", t.key.Namespace, t.key.Name, t.member,
				current.Labels[flotillav1alpha1.LabelHubNamespace]+"/"+current.Labels[flotillav1alpha1.LabelGraph]))
		return reconcile.Result{}, nil
	}

	// 2. Apply when the copy is missing or differs (drift is repaired here).
	desired := memberCopy(rec, t)
	if current == nil || !dynamo.HasApplied(current, desired) {
		err := ssa.Apply(ctx, cl.GetClient(), desired, flotillav1alpha1.FieldManagerHub)
		if apierrors.IsNotFound(err) && reg.NamespaceRestriction == "" {
			// Cluster mode: the namespace is created if absent, with the Pod Security labels of
			// the member's policy, which its own API server then enforces.
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: t.key.Namespace, Labels: r.namespaceLabels(ctx, t.member)}}
			if cerr := cl.GetClient().Create(ctx, ns); cerr != nil && !apierrors.IsAlreadyExists(cerr) {
				return r.failed(rec, t, fmt.Errorf("creating namespace %s: %w", t.key.Namespace, cerr))
			}
			err = ssa.Apply(ctx, cl.GetClient(), desired, flotillav1alpha1.FieldManagerHub)
		}
		if err != nil {
			return r.failed(rec, t, err)
		}
		current = desired
	}

	// 3. Mirror the member's status.
	mirrorStatus(rec, current)
	setSynced(rec, metav1.ConditionTrue, flotillav1alpha1.ReasonSynced, fmt.Sprintf("Applied to member %s as %s/%s", t.member, t.key.Namespace, t.key.Name))
	return reconcile.Result{}, nil
}

// unavailable records that the member could not be read or written, and retries.
func (r *Reconciler) unavailable(rec *nvidiav1beta1.DynamoComponentDeployment, t target, err error) (reconcile.Result, error) {
	metrics.SyncError(t.member)
	setSynced(rec, metav1.ConditionFalse, flotillav1alpha1.ReasonMemberUnavailable, fmt.Sprintf("member %s: %v", t.member, err))
	return reconcile.Result{RequeueAfter: retryUnavailable}, nil
}

// failed records an apply the member refused or could not take. A refusal (the member's
// admission) is retried with the controller's backoff; a connection failure after
// retryUnavailable.
func (r *Reconciler) failed(rec *nvidiav1beta1.DynamoComponentDeployment, t target, err error) (reconcile.Result, error) {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return r.unavailable(rec, t, err)
	}
	metrics.SyncError(t.member)
	setSynced(rec, metav1.ConditionFalse, flotillav1alpha1.ReasonApplyFailed, fmt.Sprintf("member %s refused %s/%s: %s", t.member, t.key.Namespace, t.key.Name, status.Status().Message))
	return reconcile.Result{}, err
}

// reconcileDelete deletes the record's copy from its member, then lets the record go. A member
// that left the fleet (no MemberCluster, no registration) holds nothing to clean; an
// unreachable one is retried until it returns.
func (r *Reconciler) reconcileDelete(ctx context.Context, rec *nvidiav1beta1.DynamoComponentDeployment, t target) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(rec, flotillav1alpha1.FinalizerMemberCleanup) {
		return reconcile.Result{}, nil
	}
	cl, err := r.Members.Get(ctx, multicluster.ClusterName(t.member))
	if err != nil {
		if _, registered := r.Members.Lookup(t.member); registered || r.memberClusterExists(ctx, t.member) {
			return reconcile.Result{RequeueAfter: retryUnavailable}, nil
		}
		log.FromContext(ctx).Info("Member left the fleet: nothing to delete there")
		return reconcile.Result{}, r.release(ctx, rec)
	}
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	current := &nvidiav1beta1.DynamoComponentDeployment{}
	err = cl.GetClient().Get(callCtx, t.key, current)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		metrics.SyncError(t.member)
		return reconcile.Result{RequeueAfter: retryUnavailable}, nil
	case current.Labels[flotillav1alpha1.LabelGraphUID] == graphUID(rec) &&
		current.Annotations[flotillav1alpha1.AnnotationHubRecord] == rec.Namespace+"/"+rec.Name:
		if err := cl.GetClient().Delete(callCtx, current, client.Preconditions{UID: &current.UID}); client.IgnoreNotFound(err) != nil {
			metrics.SyncError(t.member)
			return reconcile.Result{RequeueAfter: retryUnavailable}, nil
		}
		log.FromContext(ctx).Info("Deleted the copy from the member")
	}
	return reconcile.Result{}, r.release(ctx, rec)
}

func (r *Reconciler) memberClusterExists(ctx context.Context, name string) bool {
	err := r.Hub.Get(ctx, client.ObjectKey{Name: name}, &flotillav1alpha1.MemberCluster{})
	return err == nil || !apierrors.IsNotFound(err)
}

func (r *Reconciler) release(ctx context.Context, rec *nvidiav1beta1.DynamoComponentDeployment) error {
	return patch.RemoveFinalizer(ctx, r.Hub, rec, flotillav1alpha1.FinalizerMemberCleanup)
}

// graphUID is the UID of the graph controlling a record.
func graphUID(rec *nvidiav1beta1.DynamoComponentDeployment) string {
	if ref := metav1.GetControllerOf(rec); ref != nil {
		return string(ref.UID)
	}
	return ""
}

// memberCopy is the DynamoComponentDeployment a record puts on its member: the record's spec
// under Dynamo's name, with Dynamo's labels and Flotilla's graph, copy, hub namespace and graph
// UID, and no hub-record or cluster label (the member's agent turns it into a workload). The
// record's nvidia.com/dcd-spec annotation goes with its spec: on a v1beta1 object it holds the
// component's v1alpha1-only fields (see internal/dynamo), which the member's agent still honours
// and which the member's copy needs to read the same in v1alpha1.
func memberCopy(rec *nvidiav1beta1.DynamoComponentDeployment, t target) *nvidiav1beta1.DynamoComponentDeployment {
	labels := maps.Clone(rec.Labels)
	delete(labels, flotillav1alpha1.LabelHubRecord)
	delete(labels, flotillav1alpha1.LabelCluster)
	labels[flotillav1alpha1.LabelHubNamespace] = rec.Namespace
	labels[flotillav1alpha1.LabelGraphUID] = graphUID(rec)
	labels["app.kubernetes.io/managed-by"] = flotillav1alpha1.ManagedByHub
	annotations := map[string]string{flotillav1alpha1.AnnotationHubRecord: rec.Namespace + "/" + rec.Name}
	if v, ok := rec.Annotations[nvidiav1alpha1.DynamoComponentDeploymentSpecAnnotation]; ok {
		annotations[nvidiav1alpha1.DynamoComponentDeploymentSpecAnnotation] = v
	}
	return &nvidiav1beta1.DynamoComponentDeployment{
		TypeMeta: metav1.TypeMeta{APIVersion: nvidiav1beta1.GroupVersion.String(), Kind: "DynamoComponentDeployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        t.key.Name,
			Namespace:   t.key.Namespace,
			Labels:      labels,
			Annotations: annotations,
		},
		Spec: *rec.Spec.DeepCopy(),
	}
}

// mirrorStatus copies the member's status (conditions, status.component) onto the record,
// keeping the record's Synced condition.
func mirrorStatus(rec, member *nvidiav1beta1.DynamoComponentDeployment) {
	synced := meta.FindStatusCondition(rec.Status.Conditions, flotillav1alpha1.ConditionSynced)
	st := member.Status.DeepCopy()
	if synced != nil {
		meta.SetStatusCondition(&st.Conditions, *synced)
	}
	if st.Conditions == nil {
		st.Conditions = []metav1.Condition{}
	}
	// The member observed the record's generation when it observed its own current one.
	st.ObservedGeneration = 0
	if member.Generation != 0 && member.Status.ObservedGeneration == member.Generation {
		st.ObservedGeneration = rec.Generation
	}
	rec.Status = *st
}

// reworded reports whether a record's status after differs from before only in its
// conditions' messages and replica counts (statuswrite.SameConditions), or in a Synced
// condition that says the copy was applied: nothing waits for that (the graph waits for its
// copies to be Available, and for none to be Synced=False), so it goes with the member's first
// status, which follows within a second.
func reworded(before, after *nvidiav1beta1.DynamoComponentDeploymentStatus) bool {
	if before.ObservedGeneration != after.ObservedGeneration {
		return false
	}
	b, a := before.Conditions, after.Conditions
	was := meta.FindStatusCondition(b, flotillav1alpha1.ConditionSynced)
	if now := meta.FindStatusCondition(a, flotillav1alpha1.ConditionSynced); now != nil && now.Status == metav1.ConditionTrue &&
		(was == nil || was.Status == metav1.ConditionTrue) {
		b, a = withoutSynced(b), withoutSynced(a)
	}
	return statuswrite.SameConditions(b, a)
}

// withoutSynced returns the conditions but Synced.
func withoutSynced(conds []metav1.Condition) []metav1.Condition {
	out := make([]metav1.Condition, 0, len(conds))
	for _, c := range conds {
		if c.Type != flotillav1alpha1.ConditionSynced {
			out = append(out, c)
		}
	}
	return out
}

func setSynced(rec *nvidiav1beta1.DynamoComponentDeployment, s metav1.ConditionStatus, reason, msg string) {
	if rec.Status.Conditions == nil {
		rec.Status.Conditions = []metav1.Condition{}
	}
	meta.SetStatusCondition(&rec.Status.Conditions, metav1.Condition{
		Type: flotillav1alpha1.ConditionSynced, Status: s, Reason: reason, Message: msg, ObservedGeneration: rec.Generation,
	})
}

// namespaceLabels are the labels of a namespace the hub creates on member: the Pod Security
// labels of the policy the member publishes (none while it publishes none).
func (r *Reconciler) namespaceLabels(ctx context.Context, member string) map[string]string {
	mc := &flotillav1alpha1.MemberCluster{}
	if err := r.Hub.Get(ctx, client.ObjectKey{Name: member}, mc); err != nil {
		return nil
	}
	return policy.NamespaceLabels(mc.Status.Policy)
}
