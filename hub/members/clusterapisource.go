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
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// +kubebuilder:rbac:groups=cluster.x-k8s.io,resources=clusters,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=flotilla.dev,resources=memberclusters,verbs=list;watch;create;patch;delete

// Cluster API's kubeconfig Secret convention: a Cluster's admin kubeconfig is the Secret
// <name>-kubeconfig beside it, under the data key "value" (labelled
// cluster.x-k8s.io/cluster-name=<name>).
const (
	clusterAPIKubeconfigSuffix = "-kubeconfig"
	clusterAPIKubeconfigKey    = "value"
)

// indexClusterName indexes Clusters by name in the hub's cache, to find the Clusters of one name
// in every namespace.
const indexClusterName = "flotilla.dev/cluster-name"

// ClusterAPISource registers a member for every Cluster API Cluster whose control plane is
// initialized and whose <name>-kubeconfig Secret holds a kubeconfig: the member is named after the
// Cluster, its kubeconfig is the Secret's "value" key (used as is, DESIGN decision 9), its agent
// namespace and namespace restriction come from the Cluster's flotilla.dev/agent-namespace and
// flotilla.dev/namespace-restriction annotations, and its MemberCluster's labels from the Cluster's
// labels. Rotating the Secret engages the member again with the new kubeconfig; deleting the
// Cluster or its Secret removes the member.
//
// A Cluster engages once its control plane is initialized (status.initialization
// .controlPlaneInitialized, or the ControlPlaneInitialized condition) and then stays registered
// until the Cluster or its kubeconfig Secret goes, whatever its status says meanwhile: Cluster API
// never sets that field back once the control plane is initialized, so a condition turning False
// is not a reason to disengage a working member (the membercluster controller reports whether the
// member answers). A paused Cluster (spec.paused) stays engaged too: pausing stops Cluster API's
// reconciliation, not the member's API server.
//
// A Cluster whose name another source holds (a kubeconfig Secret, or a Cluster of another
// namespace) is refused with a Warning event, and tried again when an object of that name
// changes, or shortly if the holder is already leaving: so it takes the name over when the holder
// leaves.
//
// The hub reads cluster.x-k8s.io/v1beta2 (Cluster API v1.11 and later), so the hub's local
// manager's scheme must hold it and the Cluster CRD must be installed: set the source up only
// when Cluster API is.
type ClusterAPISource struct {
	// Client reads Clusters and Secrets and writes MemberClusters on the hub.
	Client client.Client
	// Provider receives the registrations.
	Provider *Provider
	// Namespace restricts the source to the Clusters of one namespace; empty for all namespaces.
	Namespace string
	// Recorder records why a Cluster registers no member; optional.
	Recorder events.EventRecorder
}

// SetupWithManager registers the source's controller with the hub's local manager. Every event
// about a name (a Cluster, its <name>-kubeconfig Secret, or a kubeconfig Secret of SecretSource)
// reconciles the Clusters of that name in every namespace, so a refused Cluster retries when the
// name frees up; so does the deletion of a MemberCluster, which the member's Cluster makes again.
// Clusters are reconciled concurrently: a member whose API server does not answer holds up its
// own reconcile (engaging asks the member's discovery), not the others'.
func (s *ClusterAPISource) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &clusterv1.Cluster{}, indexClusterName,
		func(o client.Object) []string { return []string{o.GetName()} }); err != nil {
		return fmt.Errorf("indexing Clusters by name: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("member-clusterapi").
		WithOptions(controller.Options{MaxConcurrentReconciles: sourceConcurrency}).
		Watches(&clusterv1.Cluster{}, handler.EnqueueRequestsFromMapFunc(s.mapCluster),
			builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
				return s.inScope(o.GetNamespace())
			}))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(s.mapSecret),
			builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
				return strings.HasSuffix(o.GetName(), clusterAPIKubeconfigSuffix) ||
					o.GetLabels()[flotillav1alpha1.LabelMemberKubeconfig] == "true"
			}))).
		Watches(&flotillav1alpha1.MemberCluster{}, handler.EnqueueRequestsFromMapFunc(s.mapMemberCluster),
			builder.WithPredicates(predicate.Funcs{
				CreateFunc:  func(event.CreateEvent) bool { return false },
				UpdateFunc:  func(event.UpdateEvent) bool { return false },
				GenericFunc: func(event.GenericEvent) bool { return false },
			})).
		Complete(s)
}

// Reconcile registers, updates or removes the member of one Cluster, with the registration flow
// SecretSource follows too (registrar).
func (s *ClusterAPISource) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	source := flotillav1alpha1.MemberSource{ClusterAPI: &flotillav1alpha1.ObjectReference{Namespace: req.Namespace, Name: req.Name}}
	r := registrar{client: s.Client, provider: s.Provider, recorder: s.Recorder}
	cl := &clusterv1.Cluster{}
	err := s.Client.Get(ctx, req.NamespacedName, cl)
	if err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, err
	}
	if apierrors.IsNotFound(err) || !cl.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, r.leave(ctx, req.Name, source)
	}
	kubeconfig, err := clusterKubeconfig(ctx, s.Client, req.NamespacedName)
	if err != nil {
		return reconcile.Result{}, err
	}
	if len(kubeconfig) == 0 {
		return reconcile.Result{}, r.leave(ctx, req.Name, source)
	}
	if !controlPlaneInitialized(cl) && !s.registered(req.Name, source) {
		log.FromContext(ctx).V(1).Info("Waiting for the Cluster's control plane to be initialized")
		return reconcile.Result{}, nil
	}
	return r.register(ctx, cl, Registration{
		Name:                 cl.Name,
		Source:               source,
		Kubeconfig:           kubeconfig,
		AgentNamespace:       cl.Annotations[flotillav1alpha1.AnnotationAgentNamespace],
		NamespaceRestriction: cl.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction],
		Labels:               cl.Labels,
	})
}

// registered reports whether source holds the member name.
func (s *ClusterAPISource) registered(name string, source flotillav1alpha1.MemberSource) bool {
	reg, ok := s.Provider.Lookup(name)
	return ok && SameSource(reg.Source, source)
}

// mapCluster reconciles a Cluster and the Clusters of its name in the other namespaces.
func (s *ClusterAPISource) mapCluster(ctx context.Context, o client.Object) []reconcile.Request {
	own := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o)}
	return append([]reconcile.Request{own}, s.clustersNamed(ctx, o.GetName(), own)...)
}

// mapSecret reconciles the Clusters whose name a Secret concerns: the Cluster of a
// <name>-kubeconfig Secret first, then every Cluster of that name, and those named after a
// kubeconfig Secret of SecretSource.
func (s *ClusterAPISource) mapSecret(ctx context.Context, o client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	if name, ok := strings.CutSuffix(o.GetName(), clusterAPIKubeconfigSuffix); ok && name != "" {
		own := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}
		if s.inScope(own.Namespace) {
			reqs = append(reqs, own)
		}
		reqs = append(reqs, s.clustersNamed(ctx, name, own)...)
	}
	if o.GetLabels()[flotillav1alpha1.LabelMemberKubeconfig] == "true" {
		reqs = append(reqs, s.clustersNamed(ctx, o.GetName(), reconcile.Request{})...)
	}
	return reqs
}

// mapMemberCluster reconciles the Clusters named after a deleted MemberCluster.
func (s *ClusterAPISource) mapMemberCluster(ctx context.Context, o client.Object) []reconcile.Request {
	return s.clustersNamed(ctx, o.GetName(), reconcile.Request{})
}

// clustersNamed returns a request for every Cluster in scope named name, but except.
func (s *ClusterAPISource) clustersNamed(ctx context.Context, name string, except reconcile.Request) []reconcile.Request {
	list := &clusterv1.ClusterList{}
	if err := s.Client.List(ctx, list, client.InNamespace(s.Namespace), client.MatchingFields{indexClusterName: name}); err != nil {
		log.FromContext(ctx).Error(err, "Cannot list Clusters", "name", name)
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])}
		if req != except {
			reqs = append(reqs, req)
		}
	}
	return reqs
}

func (s *ClusterAPISource) inScope(namespace string) bool {
	return s.Namespace == "" || namespace == s.Namespace
}

// controlPlaneInitialized reports whether Cluster API says the Cluster's control plane accepts
// requests: the status.initialization.controlPlaneInitialized contract field, or the
// ControlPlaneInitialized condition.
func controlPlaneInitialized(cl *clusterv1.Cluster) bool {
	return ptr.Deref(cl.Status.Initialization.ControlPlaneInitialized, false) ||
		meta.IsStatusConditionTrue(cl.Status.Conditions, clusterv1.ClusterControlPlaneInitializedCondition)
}
