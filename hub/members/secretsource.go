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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
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
//
// A Secret whose name a Cluster API Cluster holds (ClusterAPISource) is refused with a Warning
// event. If the Cluster is leaving, the Secret tries again shortly and takes the name over;
// otherwise it tries again when the Secret changes or, with WatchClusters, when a Cluster of its
// name does (it is deleted, or loses its kubeconfig).
type SecretSource struct {
	// Client reads Secrets (and the source object of a name's holder) and writes MemberClusters
	// on the hub.
	Client client.Client
	// Provider receives the registrations.
	Provider *Provider
	// Namespace holds the member kubeconfig Secrets.
	Namespace string
	// Recorder records why a Secret registers no member; optional.
	Recorder events.EventRecorder
	// WatchClusters reconciles the Secret named after a Cluster API Cluster when that Cluster
	// changes, so that a Secret refused while the Cluster held its name takes it over once the
	// Cluster leaves. Set it when ClusterAPISource runs too (Cluster API's CRD is installed).
	WatchClusters bool
}

// SetupWithManager registers the source's controller with the hub's local manager. Secrets are
// reconciled concurrently, as ClusterAPISource reconciles Clusters: registering a member waits for
// its engagement, and a member whose API server does not answer holds up its own reconcile, not
// the others'.
func (s *SecretSource) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		Named("member-secrets").
		WithOptions(controller.Options{MaxConcurrentReconciles: sourceConcurrency}).
		For(&corev1.Secret{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetNamespace() == s.Namespace && o.GetLabels()[flotillav1alpha1.LabelMemberKubeconfig] == "true"
		})))
	if s.WatchClusters {
		// The Secret of a Cluster's name, whether or not it exists (Reconcile reads it).
		b = b.Watches(&clusterv1.Cluster{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: s.Namespace, Name: o.GetName()}}}
		}))
	}
	return b.Complete(s)
}

// Reconcile registers, updates or removes the member of one Secret, with the registration flow
// ClusterAPISource follows too (registrar).
func (s *SecretSource) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	source := flotillav1alpha1.MemberSource{KubeconfigSecret: &flotillav1alpha1.ObjectReference{Namespace: req.Namespace, Name: req.Name}}
	r := registrar{client: s.Client, provider: s.Provider, recorder: s.Recorder}
	secret := &corev1.Secret{}
	err := s.Client.Get(ctx, req.NamespacedName, secret)
	if err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, err
	}
	if apierrors.IsNotFound(err) || !registersMember(secret) {
		return reconcile.Result{}, r.leave(ctx, req.Name, source)
	}
	return r.register(ctx, secret, Registration{
		Name:                 secret.Name,
		Source:               source,
		Kubeconfig:           secret.Data[flotillav1alpha1.KubeconfigSecretKey],
		AgentNamespace:       secret.Annotations[flotillav1alpha1.AnnotationAgentNamespace],
		NamespaceRestriction: secret.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction],
		Labels:               secret.Labels,
	})
}
