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
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/flotilla-dev/flotilla/hub/graph"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
	"github.com/flotilla-dev/flotilla/internal/apiclient"
	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
	"github.com/flotilla-dev/flotilla/internal/webhookcert"
)

// Member sources (--member-sources).
const (
	// SourceKubeconfigSecrets registers members from kubeconfig Secrets (members.SecretSource).
	SourceKubeconfigSecrets = "kubeconfig-secrets"
	// SourceClusterAPI registers members from Cluster API Clusters (members.ClusterAPISource).
	SourceClusterAPI = "cluster-api"
)

// Defaults of the hub's flags.
const (
	DefaultMetricsBindAddress     = ":8080"
	DefaultHealthProbeBindAddress = ":8081"
	DefaultMemberQPS              = 100
	DefaultMemberBurst            = 200
	DefaultAgentNamespace         = "flotilla-system"
	// NamespaceEnv is the environment variable holding the hub's namespace (the chart sets it
	// from the downward API): the default of --member-secret-namespace and
	// --leader-election-namespace, and the namespace of the conversion webhook's Secret and
	// Service.
	NamespaceEnv = "POD_NAMESPACE"
	// DefaultWebhookCertSecret is the default --webhook-cert-secret.
	DefaultWebhookCertSecret = "flotilla-hub-webhook-cert"
	// DefaultWebhookService is the default --webhook-service.
	DefaultWebhookService = "flotilla-hub-webhook"
	// LeaderElectionID is the name of the hub's leader-election Lease.
	LeaderElectionID = "flotilla-hub-leader"
)

// Options are the hub's configuration, one field per command-line flag (see BindFlags).
type Options struct {
	// MetricsBindAddress is where the metrics endpoint listens; "0" disables it.
	MetricsBindAddress string
	// HealthProbeBindAddress is where /healthz and /readyz are served; "0" disables them.
	HealthProbeBindAddress string
	// LeaderElect enables leader election, with the Lease LeaderElectionID in
	// LeaderElectionNamespace.
	LeaderElect bool
	// LeaderElectionNamespace holds the leader-election Lease (default $POD_NAMESPACE).
	LeaderElectionNamespace string
	// MemberSources are the sources of members: SourceKubeconfigSecrets, SourceClusterAPI or
	// both.
	MemberSources []string
	// MemberSecretNamespace holds the member kubeconfig Secrets (default $POD_NAMESPACE).
	MemberSecretNamespace string
	// MemberAgentNamespace is the agent namespace of members whose registration names none.
	MemberAgentNamespace string
	// MemberQPS and MemberBurst limit the hub's client of each member.
	MemberQPS   float64
	MemberBurst int
	// MemberLostAfter is how long a member may stay unreachable before it counts as lost.
	MemberLostAfter time.Duration
	// MemberProbeInterval is how often each member's API server is probed.
	MemberProbeInterval time.Duration
	// DeletionTimeout bounds how long deleting a graph waits for unreachable members.
	DeletionTimeout time.Duration
	// CopyUnavailableAfter is how long a copy, Ready before, may stay unavailable on a member
	// that answers before it moves (spec.placement.failoverAfter overrides it per graph).
	CopyUnavailableAfter time.Duration
	// Client is the hub's client of the hub API server (--kube-api-qps, --kube-api-burst) and its
	// pprof endpoint (--pprof-bind-address).
	Client apiclient.Options
	// Webhook is the conversion webhook of the nvidia.com CRDs (ConvertedCRDs) the hub serves
	// (--webhook-*), its certificate Secret and Service in the hub's namespace ($POD_NAMESPACE).
	// The hub points the CRDs at it unless --webhook-manage-crds=false. The same server serves
	// the graphs' validating admission webhook (graph.Validator), which the
	// ValidatingWebhookConfigurations of --webhook-validating-configuration call.
	Webhook conversionwebhook.Options
}

// NewOptions returns the defaults of every flag, namespaces from getenv(NamespaceEnv) (pass
// os.Getenv).
func NewOptions(getenv func(string) string) Options {
	ns := getenv(NamespaceEnv)
	return Options{
		MetricsBindAddress:      DefaultMetricsBindAddress,
		HealthProbeBindAddress:  DefaultHealthProbeBindAddress,
		LeaderElectionNamespace: ns,
		MemberSources:           []string{SourceKubeconfigSecrets},
		MemberSecretNamespace:   ns,
		MemberAgentNamespace:    DefaultAgentNamespace,
		MemberQPS:               DefaultMemberQPS,
		MemberBurst:             DefaultMemberBurst,
		MemberLostAfter:         membercluster.DefaultLostAfter,
		MemberProbeInterval:     membercluster.DefaultProbeInterval,
		DeletionTimeout:         graph.DefaultDeletionTimeout,
		CopyUnavailableAfter:    graph.DefaultUnavailableAfter,
		Client:                  apiclient.NewOptions(),
		Webhook: conversionwebhook.Options{
			Port:       conversionwebhook.DefaultPort,
			Namespace:  ns,
			CertSecret: DefaultWebhookCertSecret,
			CertMode:   string(webhookcert.ModeSelfSigned),
			Service:    DefaultWebhookService,
		},
	}
}

// BindFlags registers the hub's flags on fs, with o's current values as defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", o.MetricsBindAddress, `Address of the metrics endpoint; "0" disables it.`)
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", o.HealthProbeBindAddress, `Address of /healthz and /readyz; "0" disables them.`)
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "Elect a leader among the hub's replicas.")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", o.LeaderElectionNamespace,
		"Namespace of the leader-election Lease (default $"+NamespaceEnv+").")
	fs.Func("member-sources", fmt.Sprintf("Comma-separated sources of member clusters: %s, %s (default %s).",
		SourceKubeconfigSecrets, SourceClusterAPI, strings.Join(o.MemberSources, ",")), func(v string) error {
		o.MemberSources = nil
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				o.MemberSources = append(o.MemberSources, s)
			}
		}
		return nil
	})
	fs.StringVar(&o.MemberSecretNamespace, "member-secret-namespace", o.MemberSecretNamespace,
		"Namespace of the member kubeconfig Secrets (default $"+NamespaceEnv+").")
	fs.StringVar(&o.MemberAgentNamespace, "member-agent-namespace", o.MemberAgentNamespace,
		"Agent namespace of members whose registration names none (annotation flotilla.dev/agent-namespace).")
	fs.Float64Var(&o.MemberQPS, "member-qps", o.MemberQPS, "Queries per second of the hub's client of each member.")
	fs.IntVar(&o.MemberBurst, "member-burst", o.MemberBurst, "Burst of the hub's client of each member.")
	fs.DurationVar(&o.MemberLostAfter, "member-lost-after", o.MemberLostAfter,
		"How long a member may stay unreachable before it counts as lost (Joined=False) and its copies move "+
			"(spec.placement.failoverAfter overrides it per graph).")
	fs.DurationVar(&o.MemberProbeInterval, "member-probe-interval", o.MemberProbeInterval,
		"How often each member's API server is probed.")
	fs.DurationVar(&o.DeletionTimeout, "deletion-timeout", o.DeletionTimeout,
		"How long deleting a graph waits for unreachable members; their copies are deleted when they return.")
	fs.DurationVar(&o.CopyUnavailableAfter, "copy-unavailable-after", o.CopyUnavailableAfter,
		"How long a copy, Ready before, may stay unavailable on a member that answers before it moves, make-before-break "+
			"(spec.placement.failoverAfter overrides it per graph).")
	o.Client.BindFlags(fs)
	o.Webhook.BindFlags(fs, "default true")
	fs.Func("webhook-validating-configuration",
		"ValidatingWebhookConfiguration (the chart's) whose webhooks the hub points at its webhook server, with its CA bundle: "+
			"the admission of graphs (repeat for several; none by default: graphs are then validated by the graph controller only).",
		func(v string) error {
			o.Webhook.ValidatingWebhookConfigurations = append(o.Webhook.ValidatingWebhookConfigurations, v)
			return nil
		})
}

// Validate reports every invalid option, naming its flag.
func (o *Options) Validate() error {
	var errs []error
	if len(o.MemberSources) == 0 {
		errs = append(errs, errors.New("--member-sources: name at least one source"))
	}
	for _, s := range o.MemberSources {
		if s != SourceKubeconfigSecrets && s != SourceClusterAPI {
			errs = append(errs, fmt.Errorf("--member-sources: unknown source %q (want %s or %s)", s, SourceKubeconfigSecrets, SourceClusterAPI))
		}
	}
	if o.HasSource(SourceKubeconfigSecrets) && o.MemberSecretNamespace == "" {
		errs = append(errs, fmt.Errorf("--member-secret-namespace: required with source %s (or set $%s)", SourceKubeconfigSecrets, NamespaceEnv))
	}
	if o.LeaderElect && o.LeaderElectionNamespace == "" {
		errs = append(errs, fmt.Errorf("--leader-election-namespace: required with --leader-elect (or set $%s)", NamespaceEnv))
	}
	if o.MemberAgentNamespace == "" {
		errs = append(errs, errors.New("--member-agent-namespace: must not be empty"))
	}
	if o.MemberQPS <= 0 {
		errs = append(errs, fmt.Errorf("--member-qps: must be positive, got %v", o.MemberQPS))
	}
	if o.MemberBurst <= 0 {
		errs = append(errs, fmt.Errorf("--member-burst: must be positive, got %d", o.MemberBurst))
	}
	if o.MemberLostAfter <= 0 {
		errs = append(errs, fmt.Errorf("--member-lost-after: must be positive, got %s", o.MemberLostAfter))
	}
	if o.MemberProbeInterval <= 0 {
		errs = append(errs, fmt.Errorf("--member-probe-interval: must be positive, got %s", o.MemberProbeInterval))
	}
	if o.CopyUnavailableAfter <= 0 {
		errs = append(errs, fmt.Errorf("--copy-unavailable-after: must be positive, got %s", o.CopyUnavailableAfter))
	}
	if o.DeletionTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--deletion-timeout: must be positive, got %s", o.DeletionTimeout))
	}
	if err := o.Client.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := o.Webhook.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, name := range o.Webhook.ValidatingWebhookConfigurations {
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			errs = append(errs, fmt.Errorf("--webhook-validating-configuration %q: %s", name, msg))
		}
	}
	if o.Webhook.Namespace == "" {
		errs = append(errs, fmt.Errorf("--webhook-cert-secret: its namespace, the hub's, is unknown: set $%s", NamespaceEnv))
	}
	return errors.Join(errs...)
}

// HasSource reports whether source is among the member sources.
func (o *Options) HasSource(source string) bool {
	return slices.Contains(o.MemberSources, source)
}
