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

package manager

import (
	"fmt"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/component"
	"github.com/flotilla-dev/flotilla/agent/inventory"
	"github.com/flotilla-dev/flotilla/agent/liveness"
	"github.com/flotilla-dev/flotilla/agent/workload"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
	"github.com/flotilla-dev/flotilla/pkg/policy"
)

// RBAC of leader election: the Lease LeaderElectionID and the events client-go's leader
// election records on it (core events), in the agent's namespace.
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=flotilla-system,resources=leases,verbs=get;create;update
// +kubebuilder:rbac:groups="",namespace=flotilla-system,resources=events,verbs=create;patch

// ConvertedCRD is the CRD whose conversion webhook the agent serves: Dynamo's components,
// served in nvidia.com/v1alpha1 and v1beta1 (stored).
const ConvertedCRD = "dynamocomponentdeployments.nvidia.com"

// NewScheme returns a scheme with the built-in kinds, nvidia.com/v1alpha1 and v1beta1 and
// flotilla.dev/v1alpha1: all the agent reads, writes and converts. The DCD controller reads and
// writes DCDs in v1beta1, the storage version; v1alpha1 is there for the conversion webhook.
func NewScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, nvidiav1alpha1.AddToScheme, nvidiav1beta1.AddToScheme, flotillav1alpha1.AddToScheme,
		lwsv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

// NewWebhook returns the agent's conversion webhook for o: components, pointing ConvertedCRD at
// itself when o.WebhookManagesCRDs, else keeping the CA of its Secret. Pass its Server as the
// WebhookServer of a manager with NewScheme's scheme and set it up with SetupWithManager; New
// does.
func NewWebhook(o Options) (*conversionwebhook.Webhook, error) {
	return conversionwebhook.New(o.WebhookOptions(), o.WebhookManagesCRDs(), []string{ConvertedCRD},
		&nvidiav1beta1.DynamoComponentDeployment{})
}

// SetLogger makes logger the logger of controller-runtime (and so of the manager, its caches
// and controllers) and of klog (client-go's leader election, event broadcasters and the like),
// so that everything the agent logs comes out in one structured form.
func SetLogger(logger logr.Logger) {
	ctrl.SetLogger(logger)
	klog.SetLoggerWithOptions(logger, klog.ContextualLogger(true))
}

// Settings tune a manager beyond Options, for tests that run several agents in one process.
type Settings struct {
	// Logger is the manager's logger; controller-runtime's global logger (ctrl.Log) when unset.
	Logger logr.Logger
	// SkipControllerNameValidation allows several managers with the DCD controller in one
	// process.
	SkipControllerNameValidation bool
}

// New validates o and returns a manager for cfg with the DCD controller, the GPU inventory, the
// liveness Lease and the health probes added. Start it with its Start method.
func New(cfg *rest.Config, o Options, s Settings) (ctrl.Manager, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	cfg = o.Client.Apply(cfg)
	scheme, err := NewScheme()
	if err != nil {
		return nil, err
	}
	logger := s.Logger
	if logger.GetSink() == nil {
		logger = ctrl.Log
	}
	logger = logger.WithName("agent")
	if o.ClusterName != "" {
		logger = logger.WithValues("cluster", o.ClusterName)
	}

	// The conversion webhook of ConvertedCRD, served by every replica. A namespace-restricted
	// agent may not patch the CRD: the chart's wire-conversion hook points it at the agent with
	// the CA it issues, which the agent then keeps.
	manageCRDs := o.WebhookManagesCRDs()
	webhook, err := NewWebhook(o)
	if err != nil {
		return nil, fmt.Errorf("setting up the conversion webhook: %w", err)
	}

	mgrOpts := ctrl.Options{
		Scheme:                        scheme,
		Logger:                        logger,
		WebhookServer:                 webhook.Server,
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsBindAddress},
		HealthProbeBindAddress:        o.HealthProbeBindAddress,
		PprofBindAddress:              o.Client.PprofBindAddress,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       o.Namespace,
		LeaderElectionReleaseOnCancel: true,
	}
	// The cache keeps no managedFields: the agent compares workloads with what it applies by
	// value (ssa.Unchanged), never by field owner.
	mgrOpts.Cache.DefaultTransform = cache.TransformStripManagedFields()
	if o.Restricted() {
		// Every informer of the manager (DCDs and the workloads they own) lists and watches this
		// one namespace only, which a Role there allows. The inventory and the Lease read the
		// agent's namespace directly, not through this cache.
		mgrOpts.Cache.DefaultNamespaces = map[string]cache.Config{o.WatchNamespace: {}}
	}
	if s.SkipControllerNameValidation {
		mgrOpts.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
	}
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	if err := webhook.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the conversion webhook: %w", err)
	}

	runtime, err := ResolveMultinodeRuntime(cfg, o.MultinodeRuntime)
	if err != nil {
		return nil, fmt.Errorf("choosing what runs multinode components: %w", err)
	}
	enforced := MemberPolicy(o)
	if err := (&component.Reconciler{Options: workload.Options{
		IngressHostSuffix:  o.IngressHostSuffix,
		Env:                o.WorkloadEnv,
		ServiceAccountName: o.WorkloadServiceAccount,
		ClusterDomain:      o.ClusterDomain,
		MultinodeRuntime:   runtime,
	}, Policy: enforced}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the DynamoComponentDeployment controller: %w", err)
	}

	if o.MultinodeRuntime == MultinodeRuntimeAuto {
		if err := mgr.Add(&RuntimeWatcher{Config: cfg, Current: runtime, Interval: o.MultinodeRuntimeRecheck,
			Log: logger.WithName("multinode-runtime")}); err != nil {
			return nil, fmt.Errorf("watching the multinode runtime: %w", err)
		}
	}

	invOpts := inventory.Options{
		Namespace:            o.Namespace,
		NamespaceRestriction: o.WatchNamespace,
		MultinodeRuntime:     runtime,
		Policy:               enforced.ToAPI(),
		IgnoredTaintKeys:     o.IgnoredTaintKeys,
		WriteInterval:        o.InventoryWriteInterval,
	}
	if o.InventorySource == InventorySourceDeclared {
		invOpts.Declared = o.DeclaredCapacity
	}
	writer, err := inventory.Add(mgr, invOpts)
	if err != nil {
		return nil, fmt.Errorf("setting up the GPU inventory: %w", err)
	}
	if err := liveness.Add(mgr, liveness.Options{
		Namespace:       o.Namespace,
		Identity:        o.LeaseIdentity,
		RenewInterval:   o.LeaseRenewInterval,
		LeaseDuration:   o.LeaseDuration,
		InventorySynced: writer.LastSynced,
	}); err != nil {
		return nil, fmt.Errorf("setting up the liveness Lease: %w", err)
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("adding the health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("adding the readiness check: %w", err)
	}
	logger.Info("Agent configured", "namespace", o.Namespace, "watchNamespace", o.WatchNamespace,
		"inventorySource", o.InventorySource, "leaderElection", o.LeaderElect, "webhookManagesCRD", manageCRDs,
		"multinodeRuntime", runtime)
	return mgr, nil
}

// MemberPolicy is the policy the agent enforces: the administrator's (o.Policy), allowing the
// workloads' own ServiceAccount, and never running DCDs in the agent's own namespace, which holds
// its credentials and the hub's token Secret. The one exception is a namespace-restricted agent
// installed in the namespace it serves, where that namespace is the only one DCDs may use; the
// chart README advises installing it in a namespace of its own.
func MemberPolicy(o Options) *policy.Policy {
	p := o.Policy
	if o.WatchNamespace == "" || o.WatchNamespace != o.Namespace {
		p.AgentNamespace = o.Namespace
	}
	p.WorkloadServiceAccount = o.WorkloadServiceAccount
	return &p
}
