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

// Package manager assembles the hub: a multicluster-runtime manager whose provider is the
// member registry (hub/members), fed by the member sources, with the controllers that take a
// graph from `kubectl apply` on the hub to its members:
//
//  1. members.SecretSource and members.ClusterAPISource register members and keep their
//     MemberClusters;
//  2. membercluster.Reconciler keeps MemberCluster status (Joined, AgentReady, Schedulable,
//     GPU inventory) from each member's agent Lease and GPUInventory;
//  3. graph.Reconciler places each DynamoGraphDeployment's copies (pkg/placement) and writes
//     one hub record per service and copy, then aggregates their status into the graph's;
//  4. recordsync.Reconciler applies each record to its member and mirrors the member's status
//     back.
//
// Every replica, leader or not, also serves the conversion webhook of the hub's nvidia.com
// CRDs (ConvertedCRDs, v1alpha1 and v1beta1) and the graphs' validating admission webhook
// (graph.Validator: a graph refused there never reaches step 3), and keeps their certificate,
// the CRDs' and the ValidatingWebhookConfiguration's caBundle included
// (internal/conversionwebhook, internal/webhookcert).
package manager

import (
	"fmt"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	mcmanager "sigs.k8s.io/multicluster-runtime/pkg/manager"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/graph"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
	"github.com/flotilla-dev/flotilla/hub/members"
	"github.com/flotilla-dev/flotilla/hub/recordsync"
	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

// RBAC of leader election: the Lease LeaderElectionID and the events client-go's leader
// election records on it, in the hub's namespace.
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=flotilla-system,resources=leases,verbs=get;create;update
// +kubebuilder:rbac:groups="",namespace=flotilla-system,resources=events,verbs=create;patch

// ConvertedCRDs are the CRDs whose conversion webhook the hub serves: Dynamo's graphs and
// components, served in nvidia.com/v1alpha1 and v1beta1 (stored).
var ConvertedCRDs = []string{"dynamographdeployments.nvidia.com", "dynamocomponentdeployments.nvidia.com"}

// NewScheme returns a scheme with the built-in kinds, nvidia.com/v1alpha1 and v1beta1,
// flotilla.dev/v1alpha1 and Cluster API's core types: all the hub reads, writes and converts.
// Its controllers read and write graphs and components in v1beta1, the storage version;
// v1alpha1 is there for the conversion webhook.
func NewScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, nvidiav1alpha1.AddToScheme, nvidiav1beta1.AddToScheme, flotillav1alpha1.AddToScheme,
		clusterv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

// SecretCache says which Secrets the hub's cache holds: members' kubeconfigs only, never every
// Secret of the hub cluster.
//
//   - The kubeconfig Secret source: Secrets labelled members.LabelMemberKubeconfig=true in the
//     member Secret namespace (a Role there is all it needs).
//   - The Cluster API source: Secrets labelled cluster.x-k8s.io/cluster-name, which Cluster API
//     puts on a Cluster's <name>-kubeconfig Secret, in every namespace. RBAC cannot grant Secrets
//     by label, so the ClusterRole still allows reading any Secret; the cache, and so the memory
//     and the watch, hold only those.
//   - Both: the same, and every Secret of the member Secret namespace (the hub's own namespace,
//     where a Cluster API kubeconfig Secret may sit unlabelled by Flotilla).
func SecretCache(o Options) map[string]cache.Config {
	memberSecrets := labels.SelectorFromSet(labels.Set{flotillav1alpha1.LabelMemberKubeconfig: "true"})
	capiSecrets := labels.NewSelector()
	if req, err := labels.NewRequirement(clusterv1.ClusterNameLabel, selection.Exists, nil); err == nil {
		capiSecrets = capiSecrets.Add(*req)
	}
	switch {
	case o.HasSource(SourceClusterAPI) && o.HasSource(SourceKubeconfigSecrets):
		return map[string]cache.Config{
			o.MemberSecretNamespace: {},
			cache.AllNamespaces:     {LabelSelector: capiSecrets},
		}
	case o.HasSource(SourceClusterAPI):
		return map[string]cache.Config{cache.AllNamespaces: {LabelSelector: capiSecrets}}
	default:
		return map[string]cache.Config{o.MemberSecretNamespace: {LabelSelector: memberSecrets}}
	}
}

// NewWebhook returns the hub's conversion webhook for o: graphs and components, pointing
// ConvertedCRDs at itself unless o says otherwise. Pass its Server as the WebhookServer of a
// manager with NewScheme's scheme and set it up with SetupWithManager; New does.
func NewWebhook(o conversionwebhook.Options) (*conversionwebhook.Webhook, error) {
	return conversionwebhook.New(o, o.ManagesCRDs(true), ConvertedCRDs,
		&nvidiav1beta1.DynamoGraphDeployment{}, &nvidiav1beta1.DynamoComponentDeployment{})
}

// SetLogger makes logger the logger of controller-runtime and of klog.
func SetLogger(logger logr.Logger) {
	ctrl.SetLogger(logger)
	klog.SetLoggerWithOptions(logger, klog.ContextualLogger(true))
}

// Settings tune a hub beyond Options, for tests that run several hubs in one process.
type Settings struct {
	// Logger is the manager's logger; controller-runtime's global logger when unset.
	Logger logr.Logger
	// SkipControllerNameValidation allows several hubs in one process.
	SkipControllerNameValidation bool
}

// Hub is an assembled hub: its manager (start it with Start) and its member registry.
type Hub struct {
	mcmanager.Manager
	// Members is the member registry, the manager's provider.
	Members *members.Provider
}

// New validates o and returns the hub for cfg (the hub cluster), with every source and
// controller added.
func New(cfg *rest.Config, o Options, s Settings) (*Hub, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	scheme, err := NewScheme()
	if err != nil {
		return nil, err
	}
	logger := s.Logger
	if logger.GetSink() == nil {
		logger = ctrl.Log
	}
	logger = logger.WithName("hub")

	// 0. The conversion webhook of ConvertedCRDs and the graphs' admission webhook, served by
	// every replica.
	webhook, err := NewWebhook(o.Webhook)
	if err != nil {
		return nil, fmt.Errorf("setting up the conversion webhook: %w", err)
	}

	provider := members.NewProvider(members.Options{
		Scheme:                scheme,
		QPS:                   float32(o.MemberQPS),
		Burst:                 o.MemberBurst,
		DefaultAgentNamespace: o.MemberAgentNamespace,
	})
	mgrOpts := ctrl.Options{
		Scheme:                        scheme,
		Logger:                        logger,
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsBindAddress},
		HealthProbeBindAddress:        o.HealthProbeBindAddress,
		PprofBindAddress:              o.Client.PprofBindAddress,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       o.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		WebhookServer:                 webhook.Server,
	}
	// The cache keeps no managedFields: nothing the hub does reads them, and they are a large part
	// of every graph and record it holds.
	mgrOpts.Cache = cache.Options{
		ByObject:         map[client.Object]cache.ByObject{&corev1.Secret{}: {Namespaces: SecretCache(o)}},
		DefaultTransform: cache.TransformStripManagedFields(),
	}
	if s.SkipControllerNameValidation {
		mgrOpts.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
	}
	mgr, err := mcmanager.New(o.Client.Apply(cfg), provider, mgrOpts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	local := mgr.GetLocalManager()
	recorder := local.GetEventRecorder("flotilla-hub")
	if err := webhook.SetupWithManager(local); err != nil {
		return nil, fmt.Errorf("setting up the conversion webhook: %w", err)
	}
	// The record specs the webhook's dry runs accept, which the graph controller then writes
	// without dry-running them again.
	accepted := graph.NewAcceptedSpecs()
	if err := (graph.Validator{Client: local.GetClient(), Accepted: accepted}).SetupWebhookWithManager(local); err != nil {
		return nil, fmt.Errorf("setting up the graphs' admission webhook: %w", err)
	}

	// 1. Member sources.
	if o.HasSource(SourceKubeconfigSecrets) {
		if err := (&members.SecretSource{
			Client: local.GetClient(), Provider: provider, Namespace: o.MemberSecretNamespace, Recorder: recorder,
			WatchClusters: o.HasSource(SourceClusterAPI),
		}).SetupWithManager(local); err != nil {
			return nil, fmt.Errorf("setting up the kubeconfig Secret source: %w", err)
		}
	}
	if o.HasSource(SourceClusterAPI) {
		if err := (&members.ClusterAPISource{Client: local.GetClient(), Provider: provider, Recorder: recorder}).SetupWithManager(local); err != nil {
			return nil, fmt.Errorf("setting up the Cluster API source: %w", err)
		}
	}
	// 2. MemberCluster status.
	if err := (&membercluster.Reconciler{
		Hub: local.GetClient(), Members: provider, Recorder: recorder,
		LostAfter: o.MemberLostAfter, ProbeInterval: o.MemberProbeInterval,
	}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the MemberCluster controller: %w", err)
	}
	// 3. Graphs.
	if err := (&graph.Reconciler{
		Client: local.GetClient(), Recorder: recorder, DeletionTimeout: o.DeletionTimeout,
		LostAfter: o.MemberLostAfter, UnavailableAfter: o.CopyUnavailableAfter,
		Scheduler: graph.NewScheduler(placement.NewPlacer(plugins.NewDefaultFramework())),
		Accepted:  accepted,
	}).SetupWithManager(local); err != nil {
		return nil, fmt.Errorf("setting up the graph controller: %w", err)
	}
	// 4. Sync to members.
	if err := (&recordsync.Reconciler{Hub: local.GetClient(), Members: provider}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the sync controller: %w", err)
	}

	if o.HealthProbeBindAddress != "0" {
		if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
			return nil, err
		}
		if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
			return nil, err
		}
	}
	return &Hub{Manager: mgr, Members: provider}, nil
}
