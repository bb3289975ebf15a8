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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=flotilla.dev,resources=memberclusters,verbs=list;watch;create;patch;delete

// SecretSource registers a member for every kubeconfig Secret in one namespace labelled
// sigs.k8s.io/multicluster-runtime-kubeconfig=true (the convention of multicluster-runtime's
// kubeconfig provider): the member is named after the Secret, its kubeconfig is the Secret's
// "kubeconfig" key, its agent namespace and namespace restriction come from the Secret's
// flotilla.dev/agent-namespace and flotilla.dev/namespace-restriction annotations, and its
// MemberCluster's labels from the Secret's labels. `flotilla-hub register` writes such Secrets.
type SecretSource struct {
	// Client reads Secrets and writes MemberClusters on the hub.
	Client client.Client
	// Provider receives the registrations.
	Provider *Provider
	// Namespace holds the member kubeconfig Secrets.
	Namespace string
	// Recorder records why a Secret registers no member; optional.
	Recorder events.EventRecorder
}

// SetupWithManager registers the source's controller with the hub's local manager. Secrets are
// reconciled concurrently, as ClusterAPISource reconciles Clusters: registering a member waits for
// its engagement, and a member whose API server does not answer holds up its own reconcile, not
// the others'.
func (s *SecretSource) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("member-secrets").
		WithOptions(controller.Options{MaxConcurrentReconciles: sourceConcurrency}).
		For(&corev1.Secret{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetNamespace() == s.Namespace && o.GetLabels()[flotillav1alpha1.LabelMemberKubeconfig] == "true"
		}))).
		Complete(s)
}

// Reconcile registers, updates or removes the member of one Secret.
func (s *SecretSource) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	source := flotillav1alpha1.MemberSource{KubeconfigSecret: &flotillav1alpha1.ObjectReference{Namespace: req.Namespace, Name: req.Name}}
	secret := &corev1.Secret{}
	err := s.Client.Get(ctx, req.NamespacedName, secret)
	if err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, err
	}
	if apierrors.IsNotFound(err) || !secret.DeletionTimestamp.IsZero() ||
		secret.Labels[flotillav1alpha1.LabelMemberKubeconfig] != "true" {
		s.Provider.Unregister(req.Name, source)
		return reconcile.Result{}, DeleteMemberCluster(ctx, s.Client, req.Name, source)
	}
	reg := Registration{
		Name:                 secret.Name,
		Source:               source,
		Kubeconfig:           secret.Data[flotillav1alpha1.KubeconfigSecretKey],
		AgentNamespace:       secret.Annotations[flotillav1alpha1.AnnotationAgentNamespace],
		NamespaceRestriction: secret.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction],
		Labels:               secret.Labels,
	}
	// The MemberCluster shows the member even when it cannot be engaged, and why; but not
	// when another source holds the name (Register then says so).
	if cur, taken := s.Provider.Lookup(reg.Name); !taken || SameSource(cur.Source, reg.Source) {
		if err := ApplyMemberCluster(ctx, s.Client, reg); err != nil {
			return reconcile.Result{}, fmt.Errorf("applying MemberCluster %s: %w", reg.Name, err)
		}
	}
	if err := s.Provider.Register(reg); err != nil {
		if errors.Is(err, ErrNameTaken) || errors.Is(err, ErrInvalidKubeconfig) {
			// Only a change of the Secret mends these: say why, and wait for it.
			log.FromContext(ctx).Error(err, "Member not registered", "member", reg.Name)
			if s.Recorder != nil {
				s.Recorder.Eventf(secret, nil, corev1.EventTypeWarning, "MemberNotRegistered", "Register", "%v", err)
			}
			return reconcile.Result{}, nil
		}
		// Unreachable or refused: retried with the controller's backoff.
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, nil
}
