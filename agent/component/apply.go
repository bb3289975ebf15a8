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

package component

import (
	"context"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/ssa"
)

// Actions of the events the controller records.
const (
	actionCreate = "Create"
	actionUpdate = "Update"
	actionDelete = "Delete"
)

// applied holds the objects of a DCD as the apiserver returned them from the apply, status
// included, by kind and name.
type applied map[workload.Kind]map[string]client.Object

// get returns the applied object of kind k named name, or nil.
func (a applied) get(k workload.Kind, name string) client.Object {
	return a[k][name]
}

// applyError is the failure to apply one object, most often the apiserver refusing it.
type applyError struct {
	kind workload.Kind
	name string
	err  error
}

func (e *applyError) Error() string {
	return fmt.Sprintf("applying %s %s: %v", e.kind, e.name, e.err)
}

func (e *applyError) Unwrap() error { return e.err }

// applyErrorMessage returns the message of the ApplyFailed condition for err: the apiserver's
// own message when it gave one (it names the object and the field), else the whole error.
func applyErrorMessage(err error) string {
	var ae *applyError
	var status apierrors.APIStatus
	if errors.As(err, &ae) && errors.As(ae.err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}

// applyAll server-side applies every desired object, in the order of Result.Objects, with the
// DCD as controller owner, and stops at the first one the apiserver refuses. It records an
// event for each object that was created or changed.
func (r *Reconciler) applyAll(ctx context.Context, dcd *nvidiav1beta1.DynamoComponentDeployment, desired *workload.Result) (applied, error) {
	out := applied{}
	for _, obj := range desired.Objects() {
		kind := workload.Kind(obj.GetObjectKind().GroupVersionKind().Kind)
		got, err := r.apply(ctx, dcd, kind, obj)
		if err != nil {
			return out, &applyError{kind: kind, name: obj.GetName(), err: err}
		}
		if out[kind] == nil {
			out[kind] = map[string]client.Object{}
		}
		out[kind][got.GetName()] = got
	}
	return out, nil
}

// apply server-side applies one desired object and returns it as the apiserver stored it.
func (r *Reconciler) apply(ctx context.Context, dcd *nvidiav1beta1.DynamoComponentDeployment, kind workload.Kind, obj client.Object) (client.Object, error) {
	if newObject(kind) == nil {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	if err := controllerutil.SetControllerReference(dcd, obj, r.Client.Scheme()); err != nil {
		return nil, err
	}
	before, err := r.current(ctx, kind, client.ObjectKeyFromObject(obj))
	if err != nil {
		return nil, err
	}
	if err := r.recreateIfSelectorChanged(ctx, dcd, kind, before, obj); err != nil {
		return nil, err
	}
	u, err := ssa.Configuration(obj)
	if err != nil {
		return nil, err
	}
	// An object that already says all the apply would say is left alone: a workload's status
	// changes reconcile the DCD again, and re-applying an unchanged object costs the API server
	// a request each time. Drift of a value the agent sets still differs, and is repaired.
	if before != nil && before.GetDeletionTimestamp().IsZero() {
		unchanged, err := ssa.Unchanged(before, u)
		if err != nil {
			return nil, err
		}
		if unchanged {
			return before, nil
		}
	}
	if err := r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u),
		client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return nil, err
	}
	after := newObject(kind)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, after); err != nil {
		return nil, fmt.Errorf("decoding the applied %s: %w", kind, err)
	}
	switch {
	case before == nil:
		r.Recorder.Eventf(dcd, after, corev1.EventTypeNormal, "Created"+string(kind), actionCreate,
			"Created %s %s", kind, after.GetName())
	case changed(before, after):
		r.Recorder.Eventf(dcd, after, corev1.EventTypeNormal, "Updated"+string(kind), actionUpdate,
			"Updated %s %s", kind, after.GetName())
	}
	return after, nil
}

// applyShared server-side applies obj, an object several DCDs share (the Service of the model
// they serve), with dcd as one of its owners, not its controller, under a field manager of
// dcd's own: each DCD's apply then keeps its owner reference and leaves the others'. The
// garbage collector deletes the object once its last owner is gone.
func (r *Reconciler) applyShared(ctx context.Context, dcd *nvidiav1beta1.DynamoComponentDeployment, kind workload.Kind, obj client.Object) error {
	if err := controllerutil.SetOwnerReference(dcd, obj, r.Client.Scheme()); err != nil {
		return err
	}
	before, err := r.current(ctx, kind, client.ObjectKeyFromObject(obj))
	if err != nil {
		return err
	}
	u, err := ssa.Configuration(obj)
	if err != nil {
		return err
	}
	if err := r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u),
		client.FieldOwner(sharedFieldOwner(dcd)), client.ForceOwnership); err != nil {
		return &applyError{kind: kind, name: obj.GetName(), err: err}
	}
	if before == nil {
		r.Recorder.Eventf(dcd, obj, corev1.EventTypeNormal, "Created"+string(kind), actionCreate,
			"Created %s %s, shared with the other components serving its model", kind, obj.GetName())
	}
	return nil
}

// sharedFieldOwner is the field manager of dcd's applies of shared objects: FieldOwner and the
// DCD's UID.
func sharedFieldOwner(dcd *nvidiav1beta1.DynamoComponentDeployment) string {
	return FieldOwner + "/" + string(dcd.UID)
}

// errRecreating is returned while a workload whose selector changed is being deleted, to be
// created anew by a later reconcile.
var errRecreating = errors.New("waiting for the old workload to be deleted")

// recreateIfSelectorChanged deletes before, a StatefulSet or Deployment the DCD controls, when
// desired selects its pods differently: the selector of both kinds is immutable, so the object
// must be created anew (the agent's multinode layout moved to a leader and a worker StatefulSet
// per replica, whose names reuse those of the older layout). It returns errRecreating after the
// deletion, so the apply is retried once the object is gone.
func (r *Reconciler) recreateIfSelectorChanged(ctx context.Context, dcd *nvidiav1beta1.DynamoComponentDeployment, kind workload.Kind, before, desired client.Object) error {
	if before == nil || !metav1.IsControlledBy(before, dcd) {
		return nil
	}
	var was, want *metav1.LabelSelector
	switch kind {
	case workload.KindStatefulSet:
		was, want = before.(*appsv1.StatefulSet).Spec.Selector, desired.(*appsv1.StatefulSet).Spec.Selector
	case workload.KindDeployment:
		was, want = before.(*appsv1.Deployment).Spec.Selector, desired.(*appsv1.Deployment).Spec.Selector
	default:
		return nil
	}
	if equality.Semantic.DeepEqual(was, want) {
		return nil
	}
	if before.GetDeletionTimestamp().IsZero() {
		uid := before.GetUID()
		err := r.Client.Delete(ctx, before, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting %s %s to recreate it with a new selector: %w", kind, before.GetName(), err)
		}
		r.Recorder.Eventf(dcd, before, corev1.EventTypeNormal, "Deleted"+string(kind), actionDelete,
			"Deleted %s %s to recreate it: the pods it selects changed", kind, before.GetName())
	}
	return fmt.Errorf("%s %s: %w", kind, before.GetName(), errRecreating)
}

// current returns the object of kind k at key as it is before the apply, or nil if it does
// not exist. It reads the cache and, when the cache does not have it, the apiserver, since the
// cache may not have seen an object an earlier reconcile created.
func (r *Reconciler) current(ctx context.Context, k workload.Kind, key client.ObjectKey) (client.Object, error) {
	obj := newObject(k)
	err := r.Client.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) {
		reader := r.APIReader
		if reader == nil {
			reader = r.Client
		}
		err = reader.Get(ctx, key, obj)
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return obj, nil
}

// changed reports whether an apply changed what the agent controls of an object: its labels,
// annotations, owner references or spec. Status and metadata the apiserver maintains are
// ignored, so that a workload's status moving on between the read and the apply is not taken
// for a change.
func changed(before, after client.Object) bool {
	if before.GetResourceVersion() == after.GetResourceVersion() {
		return false
	}
	return !equality.Semantic.DeepEqual(before.GetLabels(), after.GetLabels()) ||
		!equality.Semantic.DeepEqual(before.GetAnnotations(), after.GetAnnotations()) ||
		!equality.Semantic.DeepEqual(before.GetOwnerReferences(), after.GetOwnerReferences()) ||
		!equality.Semantic.DeepEqual(specOf(before), specOf(after))
}

// deleteUnwanted deletes the objects of the managed kinds, in the DCD's namespace, that carry
// its selector label and are controlled by it, but that desired no longer names: StatefulSets
// of multinode replicas scaled away, the Deployment of a component that became multinode, the
// Service of one that is no longer a frontend, an Ingress that was disabled.
func (r *Reconciler) deleteUnwanted(ctx context.Context, dcd *nvidiav1beta1.DynamoComponentDeployment, desired *workload.Result) error {
	for _, kind := range workload.ManagedKinds() {
		objs, err := r.listLabelled(ctx, kind, dcd)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			if desired.Wants(kind, obj.GetName()) || !metav1.IsControlledBy(obj, dcd) || !obj.GetDeletionTimestamp().IsZero() {
				continue
			}
			uid := obj.GetUID()
			err := r.Client.Delete(ctx, obj, client.Preconditions{UID: &uid},
				client.PropagationPolicy(metav1.DeletePropagationBackground))
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return fmt.Errorf("deleting %s %s: %w", kind, obj.GetName(), err)
			}
			r.Recorder.Eventf(dcd, obj, corev1.EventTypeNormal, "Deleted"+string(kind), actionDelete,
				"Deleted %s %s, which the component no longer needs", kind, obj.GetName())
		}
	}
	return nil
}

// listLabelled lists the objects of kind k in the DCD's namespace labelled with its selector.
func (r *Reconciler) listLabelled(ctx context.Context, k workload.Kind, dcd *nvidiav1beta1.DynamoComponentDeployment) ([]client.Object, error) {
	opts := []client.ListOption{
		client.InNamespace(dcd.Namespace),
		client.MatchingLabels{nvidiav1beta1.LabelSelector: dcd.Name},
	}
	var objs []client.Object
	switch k {
	case workload.KindDeployment:
		list := &appsv1.DeploymentList{}
		if err := r.Client.List(ctx, list, opts...); err != nil {
			return nil, err
		}
		for i := range list.Items {
			objs = append(objs, &list.Items[i])
		}
	case workload.KindStatefulSet:
		list := &appsv1.StatefulSetList{}
		if err := r.Client.List(ctx, list, opts...); err != nil {
			return nil, err
		}
		for i := range list.Items {
			objs = append(objs, &list.Items[i])
		}
	case workload.KindService:
		list := &corev1.ServiceList{}
		if err := r.Client.List(ctx, list, opts...); err != nil {
			return nil, err
		}
		for i := range list.Items {
			objs = append(objs, &list.Items[i])
		}
	case workload.KindIngress:
		list := &networkingv1.IngressList{}
		if err := r.Client.List(ctx, list, opts...); err != nil {
			return nil, err
		}
		for i := range list.Items {
			objs = append(objs, &list.Items[i])
		}
	case workload.KindLeaderWorkerSet:
		if r.Options.MultinodeRuntime != workload.RuntimeLeaderWorkerSet {
			// The member does not serve LeaderWorkerSet (or the agent was told not to use it):
			// nothing to list, and no informer to start on a kind that may not exist.
			return nil, nil
		}
		list := &lwsv1.LeaderWorkerSetList{}
		if err := r.Client.List(ctx, list, opts...); err != nil {
			return nil, err
		}
		for i := range list.Items {
			objs = append(objs, &list.Items[i])
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", k)
	}
	return objs, nil
}

// newObject returns an empty object of kind k, nil for a kind the controller does not manage.
func newObject(k workload.Kind) client.Object {
	switch k {
	case workload.KindDeployment:
		return &appsv1.Deployment{}
	case workload.KindStatefulSet:
		return &appsv1.StatefulSet{}
	case workload.KindService:
		return &corev1.Service{}
	case workload.KindIngress:
		return &networkingv1.Ingress{}
	case workload.KindLeaderWorkerSet:
		return &lwsv1.LeaderWorkerSet{}
	}
	return nil
}

// specOf returns the spec of a managed object.
func specOf(obj client.Object) any {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return o.Spec
	case *appsv1.StatefulSet:
		return o.Spec
	case *corev1.Service:
		return o.Spec
	case *networkingv1.Ingress:
		return o.Spec
	case *lwsv1.LeaderWorkerSet:
		return o.Spec
	}
	return nil
}
