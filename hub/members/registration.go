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

package members

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// sourceConcurrency is how many source objects each source reconciles at once: registering a
// member waits for its engagement, so a member whose API server does not answer holds up one
// worker.
const sourceConcurrency = 4

// takeOverRetry is how soon a source object refused because its name was taken tries again when
// the holder's source object is already gone: the holder's own reconcile is about to unregister
// it.
const takeOverRetry = 2 * time.Second

// registrar is the registration flow that SecretSource and ClusterAPISource share: a source turns
// its object into a Registration, or decides that the object registers no member, and registrar
// does the rest.
type registrar struct {
	// client reads the holders' source objects and writes MemberClusters on the hub.
	client client.Client
	// provider receives the registrations.
	provider *Provider
	// recorder records why a source object registers no member; optional.
	recorder events.EventRecorder
}

// register registers reg, the member the source object obj describes, then applies its
// MemberCluster.
//
// Register comes first and the MemberCluster after, because Register is where a source takes
// the member's name: the Provider gives a name to one source at a time, atomically, and refuses it
// to the others (ErrNameTaken). Only the source that holds the name writes the MemberCluster, so
// the MemberCluster always carries the labels and the source annotation of the member's own
// source, and that annotation is what lets a source delete only the MemberCluster it made
// (DeleteMemberCluster). Applying the MemberCluster first, after checking with Lookup that the
// name is free, would race with another source registering the name between the check and
// Register: the MemberCluster would then name the refused source, with its labels, and the
// removal of the refused source would delete the member's MemberCluster.
//
// Register returns once the member is engaged or its engagement failed. A member whose
// engagement failed (unreachable, or refusing the hub's checks) stays registered, holding its
// name, and still gets its MemberCluster, which shows it as not engaged and why
// (Provider.EngageError); the error is returned, so the source's controller retries with its
// backoff. The MemberCluster of a new member appears once its first engagement is over, either
// way.
//
// A refusal (ErrNameTaken, ErrInvalidKubeconfig) writes no MemberCluster and is not retried: only
// a change of the source object, or of the name's holder, mends it, so it is logged and recorded
// as a Warning event on obj. (A member already registered whose kubeconfig turns invalid stays
// engaged with its last valid one.) One refusal is retried: when the holder's source object is
// already gone, or registers no member any more (holderLeaving), the holder's own reconcile is
// about to release the name, and obj tries again after takeOverRetry.
func (r registrar) register(ctx context.Context, obj runtime.Object, reg Registration) (reconcile.Result, error) {
	err := r.provider.Register(reg)
	if errors.Is(err, ErrNameTaken) && r.holderLeaving(ctx, reg.Name) {
		log.FromContext(ctx).V(1).Info("Member name held by a leaving source", "member", reg.Name, "error", err.Error())
		return reconcile.Result{RequeueAfter: takeOverRetry}, nil
	}
	if errors.Is(err, ErrNameTaken) || errors.Is(err, ErrInvalidKubeconfig) {
		log.FromContext(ctx).Error(err, "Member not registered", "member", reg.Name)
		if r.recorder != nil {
			r.recorder.Eventf(obj, nil, corev1.EventTypeWarning, "MemberNotRegistered", "Register", "%v", err)
		}
		return reconcile.Result{}, nil
	}
	// The source holds the name, whether the member is engaged (err nil) or its engagement failed.
	if applyErr := ApplyMemberCluster(ctx, r.client, reg); applyErr != nil {
		err = errors.Join(err, fmt.Errorf("applying MemberCluster %s: %w", reg.Name, applyErr))
	}
	return reconcile.Result{}, err
}

// leave unregisters the member name if source registered it, and deletes its MemberCluster if
// source made it.
func (r registrar) leave(ctx context.Context, name string, source flotillav1alpha1.MemberSource) error {
	r.provider.Unregister(name, source)
	return DeleteMemberCluster(ctx, r.client, name, source)
}

// holderLeaving reports whether the source object of the member name's holder is gone (or no
// longer registers a member), so that the holder's own reconcile is about to release the name.
// An error reading it counts as not leaving.
func (r registrar) holderLeaving(ctx context.Context, name string) bool {
	holder, ok := r.provider.Lookup(name)
	if !ok {
		return true
	}
	switch src := holder.Source; {
	case src.ClusterAPI != nil:
		cl := &clusterv1.Cluster{}
		key := types.NamespacedName{Namespace: src.ClusterAPI.Namespace, Name: src.ClusterAPI.Name}
		if err := r.client.Get(ctx, key, cl); err != nil {
			return apierrors.IsNotFound(err)
		}
		if !cl.DeletionTimestamp.IsZero() {
			return true
		}
		kubeconfig, err := clusterKubeconfig(ctx, r.client, key)
		return err == nil && len(kubeconfig) == 0
	case src.KubeconfigSecret != nil:
		secret := &corev1.Secret{}
		key := types.NamespacedName{Namespace: src.KubeconfigSecret.Namespace, Name: src.KubeconfigSecret.Name}
		if err := r.client.Get(ctx, key, secret); err != nil {
			return apierrors.IsNotFound(err)
		}
		return !registersMember(secret)
	default:
		return false
	}
}

// registersMember reports whether a Secret of SecretSource's namespace registers a member: it is
// labelled sigs.k8s.io/multicluster-runtime-kubeconfig=true and not being deleted.
func registersMember(secret *corev1.Secret) bool {
	return secret.DeletionTimestamp.IsZero() && secret.Labels[flotillav1alpha1.LabelMemberKubeconfig] == "true"
}

// clusterKubeconfig returns the kubeconfig of Cluster key: the "value" of its <name>-kubeconfig
// Secret, or nil while the Secret is missing or being deleted.
func clusterKubeconfig(ctx context.Context, c client.Reader, key types.NamespacedName) ([]byte, error) {
	secret := &corev1.Secret{}
	err := c.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: key.Name + clusterAPIKubeconfigSuffix}, secret)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !secret.DeletionTimestamp.IsZero() {
		return nil, nil
	}
	return secret.Data[clusterAPIKubeconfigKey], nil
}
