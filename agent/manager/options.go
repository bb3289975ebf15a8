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
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	"github.com/flotilla-dev/flotilla/agent/liveness"
	"github.com/flotilla-dev/flotilla/agent/workload"
	"github.com/flotilla-dev/flotilla/internal/apiclient"
	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
	"github.com/flotilla-dev/flotilla/internal/webhookcert"
	"github.com/flotilla-dev/flotilla/pkg/policy"
)

// Inventory sources (--inventory-source).
const (
	// InventorySourceNodes computes the GPU inventory from the cluster's Nodes and Pods.
	InventorySourceNodes = "nodes"
	// InventorySourceDeclared publishes the capacity given by --declared-capacity.
	InventorySourceDeclared = "declared"
)

// Defaults of Options.
const (
	// NamespaceEnv is the environment variable --namespace defaults to; the chart sets it to the
	// agent pod's namespace (downward API).
	NamespaceEnv = "POD_NAMESPACE"
	// DefaultMetricsBindAddress is the default --metrics-bind-address.
	DefaultMetricsBindAddress = ":8080"
	// DefaultHealthProbeBindAddress is the default --health-probe-bind-address.
	DefaultHealthProbeBindAddress = ":8081"
	// LeaderElectionID is the name of the leader-election Lease in the agent's namespace. It
	// differs from the liveness Lease (flotilla-agent), which is not a lock.
	LeaderElectionID = "flotilla-agent-leader"
	// DefaultWebhookCertSecret is the default --webhook-cert-secret.
	DefaultWebhookCertSecret = "flotilla-agent-webhook-cert"
	// DefaultWebhookService is the default --webhook-service.
	DefaultWebhookService = "flotilla-agent-webhook"
)

// Options are the agent's configuration, one field per command-line flag (see BindFlags).
type Options struct {
	// ClusterName names the member cluster in the agent's logs (--cluster-name); optional.
	ClusterName string
	// Namespace is the agent's own namespace, where it writes the GPUInventory and renews its
	// Leases (--namespace, default $POD_NAMESPACE). Required.
	Namespace string
	// WatchNamespace, when set, restricts the agent to that one namespace
	// (--watch-namespace): namespace-restricted mode.
	WatchNamespace string
	// MetricsBindAddress is where the metrics endpoint listens; "0" disables it.
	MetricsBindAddress string
	// HealthProbeBindAddress is where /healthz and /readyz are served; "0" disables them.
	HealthProbeBindAddress string
	// LeaderElect enables leader election (--leader-elect), with the Lease LeaderElectionID in
	// Namespace.
	LeaderElect bool
	// InventorySource is InventorySourceNodes or InventorySourceDeclared.
	InventorySource string
	// DeclaredCapacity is the capacity published with InventorySourceDeclared
	// (--declared-capacity or --declared-capacity-file).
	DeclaredCapacity []inventory.DeclaredCapacity
	// IgnoredTaintKeys are NoSchedule/NoExecute taint keys that do not make a node unschedulable
	// for the inventory (--ignore-taint-key, repeatable).
	IgnoredTaintKeys []string
	// InventoryWriteInterval is the shortest time between two writes of the GPUInventory.
	InventoryWriteInterval time.Duration
	// LeaseRenewInterval is how often the liveness Lease is renewed.
	LeaseRenewInterval time.Duration
	// LeaseDuration is the liveness Lease's leaseDurationSeconds.
	LeaseDuration time.Duration
	// LeaseIdentity is the liveness Lease's holderIdentity; $POD_NAME, else the host name, when
	// empty. It has no flag.
	LeaseIdentity string

	// WorkloadEnv are variables given to the main container of every workload
	// (--workload-env NAME=VALUE, repeatable), such as NATS_SERVER or ETCD_ENDPOINTS.
	WorkloadEnv []corev1.EnvVar
	// IngressHostSuffix is the host suffix of Ingresses whose DCD sets none.
	IngressHostSuffix string
	// WorkloadServiceAccount is the service account of workload pods whose DCD names none.
	WorkloadServiceAccount string
	// ClusterDomain is the cluster's DNS domain.
	ClusterDomain string
	// MultinodeRuntime runs multinode components (--multinode-runtime): MultinodeRuntimeAuto
	// (LeaderWorkerSet where the member serves it, found at start), or workload's
	// RuntimeLeaderWorkerSet or RuntimeStatefulSet.
	MultinodeRuntime string
	// MultinodeRuntimeRecheck is how often an agent with MultinodeRuntimeAuto checks whether
	// the cluster started or stopped serving LeaderWorkerSet, and exits to take the change up
	// (--multinode-runtime-recheck).
	MultinodeRuntimeRecheck time.Duration

	// Policy is what the member's administrator allows DCDs (--policy-*): their namespaces, the
	// Pod Security Standards level of their pods and the allowances beyond it. Its
	// AgentNamespace and WorkloadServiceAccount are taken from Namespace and
	// WorkloadServiceAccount.
	Policy policy.Policy

	// Client is the agent's client of its API server (--kube-api-qps, --kube-api-burst) and its
	// pprof endpoint (--pprof-bind-address).
	Client apiclient.Options

	// Webhook is the conversion webhook of the DCD CRD (ConvertedCRD) the agent serves
	// (--webhook-*), its certificate Secret and Service in Namespace. Whether the agent points
	// the CRD at it is WebhookManagesCRDs.
	Webhook conversionwebhook.Options

	// declaredCapacitySet counts the flags that set DeclaredCapacity, to reject two.
	declaredCapacitySet int
}

// NewOptions returns the defaults of every flag, --namespace from getenv(NamespaceEnv) (pass
// os.Getenv).
func NewOptions(getenv func(string) string) Options {
	return Options{
		Namespace:               getenv(NamespaceEnv),
		MetricsBindAddress:      DefaultMetricsBindAddress,
		HealthProbeBindAddress:  DefaultHealthProbeBindAddress,
		InventorySource:         InventorySourceNodes,
		MultinodeRuntime:        MultinodeRuntimeAuto,
		MultinodeRuntimeRecheck: DefaultMultinodeRuntimeRecheck,
		InventoryWriteInterval:  inventory.DefaultWriteInterval,
		LeaseRenewInterval:      liveness.DefaultRenewInterval,
		LeaseDuration:           liveness.DefaultLeaseDuration,
		Client:                  apiclient.NewOptions(),
		Webhook: conversionwebhook.Options{
			Port:       conversionwebhook.DefaultPort,
			CertSecret: DefaultWebhookCertSecret,
			CertMode:   string(webhookcert.ModeSelfSigned),
			Service:    DefaultWebhookService,
		},
	}
}

// BindFlags registers the agent's flags on fs, with o's current values as defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.ClusterName, "cluster-name", o.ClusterName,
		"Name of the member cluster, added to every log line.")
	fs.StringVar(&o.Namespace, "namespace", o.Namespace,
		"The agent's own namespace, where it writes the GPUInventory and its Leases (default $"+NamespaceEnv+").")
	fs.StringVar(&o.WatchNamespace, "watch-namespace", o.WatchNamespace,
		"Namespace-restricted mode: watch and act only in this namespace (needs only a Role there). Empty: the whole cluster.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", o.MetricsBindAddress,
		`Address the metrics endpoint binds to; "0" disables it.`)
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", o.HealthProbeBindAddress,
		`Address /healthz and /readyz bind to; "0" disables them.`)
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect,
		"Elect a leader among the agent's replicas, with the Lease "+LeaderElectionID+" in --namespace.")
	fs.StringVar(&o.InventorySource, "inventory-source", o.InventorySource,
		`Where the GPU inventory comes from: "nodes" (read Nodes and Pods) or "declared" (--declared-capacity).`)
	fs.Func("declared-capacity",
		`Declared GPU capacity as JSON, e.g. [{"product":"NVIDIA-H100-80GB-HBM3","gpusPerNode":8,"nodes":4}] (with --inventory-source=declared).`,
		func(s string) error { return o.setDeclaredCapacity([]byte(s)) })
	fs.Func("declared-capacity-file", "File holding --declared-capacity's JSON.", func(path string) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return o.setDeclaredCapacity(data)
	})
	fs.Func("ignore-taint-key",
		"Key of a NoSchedule/NoExecute taint that does not make a node unschedulable for the inventory (repeatable).",
		func(s string) error {
			o.IgnoredTaintKeys = append(o.IgnoredTaintKeys, s)
			return nil
		})
	fs.DurationVar(&o.InventoryWriteInterval, "inventory-write-interval", o.InventoryWriteInterval,
		"Shortest time between two writes of the GPUInventory.")
	fs.DurationVar(&o.LeaseRenewInterval, "lease-renew-interval", o.LeaseRenewInterval,
		"How often the agent's liveness Lease is renewed.")
	fs.DurationVar(&o.LeaseDuration, "lease-duration", o.LeaseDuration,
		"leaseDurationSeconds of the liveness Lease: how long the hub waits before it counts the agent lost.")
	fs.Func("workload-env", "NAME=VALUE given to the main container of every workload, e.g. NATS_SERVER (repeatable).",
		func(s string) error {
			name, value, ok := strings.Cut(s, "=")
			if !ok {
				return fmt.Errorf("want NAME=VALUE, got %q", s)
			}
			o.WorkloadEnv = append(o.WorkloadEnv, corev1.EnvVar{Name: name, Value: value})
			return nil
		})
	fs.StringVar(&o.IngressHostSuffix, "ingress-host-suffix", o.IngressHostSuffix,
		"Host suffix of the Ingresses of DCDs that set none.")
	fs.StringVar(&o.WorkloadServiceAccount, "workload-service-account", o.WorkloadServiceAccount,
		"Service account of workload pods whose DCD names none.")
	fs.StringVar(&o.ClusterDomain, "cluster-domain", o.ClusterDomain, "The cluster's DNS domain.")
	fs.StringVar(&o.MultinodeRuntime, "multinode-runtime", o.MultinodeRuntime,
		`What runs multinode components: "auto" (LeaderWorkerSet where the cluster serves leaderworkerset.x-k8s.io/v1 at start, else StatefulSets), "LeaderWorkerSet" or "StatefulSet".`)
	fs.DurationVar(&o.MultinodeRuntimeRecheck, "multinode-runtime-recheck", o.MultinodeRuntimeRecheck,
		"With --multinode-runtime=auto: how often to check whether the cluster started or stopped serving LeaderWorkerSet; the agent exits on a change, and its restart uses the new runtime.")
	fs.Func("policy-namespace", "A namespace DCDs may run in (repeatable); none: every namespace but the system ones and the agent's.",
		func(v string) error { o.Policy.Namespaces = append(o.Policy.Namespaces, v); return nil })
	fs.Func("policy-pod-security-level", `Pod Security Standards level DCDs' pods must meet: "privileged", "baseline" (default) or "restricted".`,
		func(v string) error { o.Policy.Level = psaapi.Level(v); return nil })
	fs.Func("policy-allow-capability", "A capability DCDs' containers may add beyond the level, such as IPC_LOCK (repeatable).",
		func(v string) error { o.Policy.Allow.Capabilities = append(o.Policy.Allow.Capabilities, v); return nil })
	fs.Func("policy-allow-host-path-prefix", "A host directory DCDs' hostPath volumes may mount, or below it (repeatable).",
		func(v string) error {
			o.Policy.Allow.HostPathPrefixes = append(o.Policy.Allow.HostPathPrefixes, v)
			return nil
		})
	fs.Func("policy-allow-service-account", "A ServiceAccount DCDs' pods may run as, besides default and --workload-service-account (repeatable).",
		func(v string) error {
			o.Policy.Allow.ServiceAccounts = append(o.Policy.Allow.ServiceAccounts, v)
			return nil
		})
	o.Client.BindFlags(fs)
	o.Webhook.BindFlags(fs, "default true in cluster mode, false with --watch-namespace (a Role cannot patch a CRD: "+
		"`agent wire-conversion`, the chart's hook, does it, and the agent then keeps the CA it set)")
}

// setDeclaredCapacity decodes JSON capacity strictly (unknown fields are errors).
func (o *Options) setDeclaredCapacity(data []byte) error {
	o.declaredCapacitySet++
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c []inventory.DeclaredCapacity
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("want a JSON list of {product, resourceName, gpusPerNode, nodes}: %w", err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON list")
	}
	o.DeclaredCapacity = c
	return nil
}

// Restricted reports whether the agent runs in namespace-restricted mode.
func (o *Options) Restricted() bool { return o.WatchNamespace != "" }

// WebhookManagesCRDs reports whether the agent points the DCD CRD at its conversion webhook:
// --webhook-manage-crds, by default in cluster mode only.
func (o *Options) WebhookManagesCRDs() bool { return o.Webhook.ManagesCRDs(!o.Restricted()) }

// WebhookOptions returns the options of the agent's conversion webhook, in Namespace.
func (o *Options) WebhookOptions() conversionwebhook.Options {
	w := o.Webhook
	w.Namespace = o.Namespace
	return w
}

// Validate checks the options together and returns every problem found, each naming its flag.
func (o *Options) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if err := o.Policy.Validate(); err != nil {
		add("%v (the chart value; flags --policy-pod-security-level, --policy-allow-host-path-prefix)", err)
	}
	if o.ClusterName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(o.ClusterName) {
			add("--cluster-name %q: %s", o.ClusterName, msg)
		}
	}
	if o.MultinodeRuntime != MultinodeRuntimeAuto {
		if _, err := workload.ParseMultinodeRuntime(o.MultinodeRuntime); err != nil {
			add("--multinode-runtime: %w (or %q)", err, MultinodeRuntimeAuto)
		}
	}
	if o.Namespace == "" {
		add("--namespace is required (or set $%s)", NamespaceEnv)
	} else {
		for _, msg := range validation.IsDNS1123Label(o.Namespace) {
			add("--namespace %q: %s", o.Namespace, msg)
		}
	}
	if o.WatchNamespace != "" {
		for _, msg := range validation.IsDNS1123Label(o.WatchNamespace) {
			add("--watch-namespace %q: %s", o.WatchNamespace, msg)
		}
	}
	if err := validateBindAddress(o.MetricsBindAddress); err != nil {
		add("--metrics-bind-address: %w", err)
	}
	if err := validateBindAddress(o.HealthProbeBindAddress); err != nil {
		add("--health-probe-bind-address: %w", err)
	}

	switch o.InventorySource {
	case InventorySourceNodes:
		if o.declaredCapacitySet > 0 || len(o.DeclaredCapacity) > 0 {
			add("--declared-capacity is only used with --inventory-source=%s", InventorySourceDeclared)
		}
	case InventorySourceDeclared:
		if o.declaredCapacitySet > 1 {
			add("give --declared-capacity or --declared-capacity-file, not both")
		}
		if len(o.DeclaredCapacity) == 0 {
			add("--inventory-source=%s needs a non-empty --declared-capacity", InventorySourceDeclared)
		} else if _, err := inventory.DeclaredPools(o.DeclaredCapacity); err != nil {
			add("--declared-capacity: %w", err)
		}
	default:
		add("--inventory-source %q: want %q or %q", o.InventorySource, InventorySourceNodes, InventorySourceDeclared)
	}
	for _, key := range o.IgnoredTaintKeys {
		for _, msg := range validation.IsQualifiedName(key) {
			add("--ignore-taint-key %q: %s", key, msg)
		}
	}

	if o.InventoryWriteInterval <= 0 {
		add("--inventory-write-interval must be positive, not %s", o.InventoryWriteInterval)
	}
	if o.LeaseRenewInterval <= 0 {
		add("--lease-renew-interval must be positive, not %s", o.LeaseRenewInterval)
	}
	if o.LeaseDuration < time.Second {
		add("--lease-duration must be at least 1s, not %s", o.LeaseDuration)
	} else if o.LeaseDuration <= o.LeaseRenewInterval {
		add("--lease-duration (%s) must be longer than --lease-renew-interval (%s)", o.LeaseDuration, o.LeaseRenewInterval)
	}

	for _, env := range o.WorkloadEnv {
		for _, msg := range validation.IsEnvVarName(env.Name) {
			add("--workload-env %q: %s", env.Name, msg)
		}
	}
	if o.IngressHostSuffix != "" {
		for _, msg := range validation.IsDNS1123Subdomain(o.IngressHostSuffix) {
			add("--ingress-host-suffix %q: %s", o.IngressHostSuffix, msg)
		}
	}
	if o.WorkloadServiceAccount != "" {
		for _, msg := range validation.IsDNS1123Subdomain(o.WorkloadServiceAccount) {
			add("--workload-service-account %q: %s", o.WorkloadServiceAccount, msg)
		}
	}
	if o.ClusterDomain != "" {
		for _, msg := range validation.IsDNS1123Subdomain(o.ClusterDomain) {
			add("--cluster-domain %q: %s", o.ClusterDomain, msg)
		}
	}
	if err := o.Client.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := o.Webhook.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateBindAddress accepts "0" (disabled) and host:port with a numeric port.
func validateBindAddress(addr string) error {
	if addr == "0" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf(`%q: want "0" or [host]:port: %w`, addr, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}
