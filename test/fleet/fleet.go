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

// Package fleet starts a local Flotilla fleet in one process, for the hub's integration tests
// and `make demo`: a hub API server (kube-apiserver and etcd) with the hub chart's CRDs, and
// member clusters (kube-apiserver, etcd, controller-manager, scheduler and KWOK fake GPU nodes)
// each with the agent chart's CRDs and objects applied as helm renders them, an agent running
// in-process as the chart's ServiceAccount, the chart's wire-conversion hook run as its own
// ServiceAccount for a namespace-restricted agent, and a registration on the hub made by
// `flotilla-hub register`'s code from the chart's flotilla-hub token. The hub itself is
// started separately (StartHub), so that tests can stop and restart it.
//
// The hub and the agents serve the conversion webhooks of the nvidia.com CRDs as their charts
// configure them, but on 127.0.0.1, the API servers calling them by URL (LocalWebhook): nothing
// routes a Service to this process. StartConversionWebhook serves one without the rest of its
// component, for suites that write nvidia.com objects with no hub or agent running.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/hub/register"
	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// HubNamespace is the namespace of the hub's member kubeconfig Secrets.
const HubNamespace = "flotilla-system"

// Options describe a fleet.
type Options struct {
	// Members are the member clusters.
	Members []MemberSpec
	// LogDir, if set, keeps each member cluster's component logs under LogDir/<member>.
	LogDir string
	// Logf receives progress lines; optional.
	Logf func(format string, args ...any)
	// AgentValues are extra helm arguments for every agent release (e.g. shorter intervals).
	AgentValues []string
	// AuditDir, if set, makes every API server log the requests of ServiceAccounts (the hub's
	// and the agents' chart identities) to AuditDir/hub.log and AuditDir/<member>.log
	// (testenv.ReadAuditLog reads them; AuditLog names them).
	AuditDir string
	// Binaries, when set, run the agents (and, with StartHubProcess, the hub) as child
	// processes of these binaries instead of in this process.
	Binaries Binaries
}

// AuditLog returns the audit log of the hub ("hub") or of a member, under Options.AuditDir; ""
// without one.
func (f *Fleet) AuditLog(cluster string) string {
	if f.opts.AuditDir == "" {
		return ""
	}
	return filepath.Join(f.opts.AuditDir, cluster+".log")
}

// MemberSpec describes one member cluster.
type MemberSpec struct {
	// Name is the member's name on the hub.
	Name string
	// Labels are the labels of its registration, copied onto its MemberCluster.
	Labels map[string]string
	// Nodes are its fake GPU nodes.
	Nodes []testenv.GPUNodeSpec
	// NamespaceRestriction, when set, installs the agent namespace-restricted to this
	// namespace (its release namespace); otherwise the agent runs in cluster mode in
	// flotilla-system.
	NamespaceRestriction string
}

// Fleet is a running fleet. Stop it with Stop.
type Fleet struct {
	opts Options
	// Hub is the hub's API server.
	Hub *envtest.Environment
	// HubClient is an administrator's client of the hub.
	HubClient client.Client
	// Members are the member clusters, by name.
	Members map[string]*Member

	// hubConfig and hubOptions, set by InstallHubChart, are the chart's ServiceAccount and
	// Deployment arguments.
	hubConfig  *rest.Config
	hubOptions *hubmanager.Options
	// HubObjects are the hub chart's rendered objects (InstallHubChart).
	HubObjects []*Object
	// tempDir holds the files of processes when there is no LogDir (processDir).
	tempDir string
}

// Member is one running member cluster.
type Member struct {
	// Spec is how it was asked for.
	Spec MemberSpec
	// Cluster is the member's control plane.
	Cluster *testenv.Cluster
	// Client is an administrator's client of the member.
	Client client.Client
	// AgentNamespace is the agent's release namespace.
	AgentNamespace string
	// Objects are the agent chart's rendered objects.
	Objects []*Object
	// Webhook is where the agent serves its conversion webhook in this process (LocalWebhook),
	// the same at every start.
	Webhook conversionwebhook.Options

	stopAgent func() error
	// agentProcess is the agent when it runs as a child process (Options.Binaries.Agent).
	agentProcess *Process
	// dir holds the agent process's kubeconfig and log.
	dir string
}

// AgentProcess returns the agent's process when it runs as one (Options.Binaries.Agent), else
// nil.
func (m *Member) AgentProcess() *Process { return m.agentProcess }

// Start starts the hub API server and every member with its agent, and registers the members
// on the hub. On error, what was started is stopped.
func Start(ctx context.Context, opts Options) (_ *Fleet, err error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	f := &Fleet{opts: opts, Members: map[string]*Member{}}
	defer func() {
		if err != nil {
			_ = f.Stop()
		}
	}()
	hubCRDs, err := charttest.Path(filepath.Join(charttest.HubChart, "crds"))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if f.opts.AuditDir != "" {
		f.Hub, err = testenv.StartAuditedEnvtest(ctx, f.AuditLog("hub"), hubCRDs)
	} else {
		f.Hub, err = testenv.StartEnvtest(ctx, hubCRDs)
	}
	if err != nil {
		return nil, fmt.Errorf("starting the hub API server: %w", err)
	}
	scheme, err := hubmanager.NewScheme()
	if err != nil {
		return nil, err
	}
	if f.HubClient, err = client.New(f.Hub.Config, client.Options{Scheme: scheme}); err != nil {
		return nil, err
	}
	opts.Logf("hub API server up in %s", time.Since(start).Round(time.Millisecond))
	for _, spec := range opts.Members {
		m, err := f.startMember(ctx, spec)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", spec.Name, err)
		}
		f.Members[spec.Name] = m
		if err := f.Register(ctx, spec.Name); err != nil {
			return nil, fmt.Errorf("registering member %s: %w", spec.Name, err)
		}
		opts.Logf("member %s up and registered after %s", spec.Name, time.Since(start).Round(time.Millisecond))
	}
	return f, nil
}

// startMember starts a member cluster, applies the agent chart (but its Deployment) and runs
// the agent in this process as the chart's ServiceAccount.
func (f *Fleet) startMember(ctx context.Context, spec MemberSpec) (*Member, error) {
	logDir := ""
	if f.opts.LogDir != "" {
		logDir = filepath.Join(f.opts.LogDir, spec.Name)
	}
	cl, err := testenv.StartCluster(ctx, testenv.Options{Name: spec.Name, LogDir: logDir, Logf: f.opts.Logf,
		AuditLog: f.AuditLog(spec.Name)})
	if err != nil {
		return nil, err
	}
	m := &Member{Spec: spec, Cluster: cl, AgentNamespace: HubNamespace, dir: f.processDir(spec.Name)}
	f.Members[spec.Name] = m // stopped by Stop from here on
	if spec.NamespaceRestriction != "" {
		m.AgentNamespace = spec.NamespaceRestriction
	}
	if len(spec.Nodes) > 0 {
		if err := cl.AddGPUNodes(ctx, spec.Nodes); err != nil {
			return nil, err
		}
	}
	agentCRDs, err := charttest.Path(filepath.Join(charttest.AgentChart, "crds"))
	if err != nil {
		return nil, err
	}
	if err := testenv.InstallCRDs(cl.RESTConfig(), agentCRDs); err != nil {
		return nil, err
	}
	scheme, err := agentmanager.NewScheme()
	if err != nil {
		return nil, err
	}
	if m.Client, err = client.New(cl.RESTConfig(), client.Options{Scheme: scheme}); err != nil {
		return nil, err
	}

	values := append([]string{
		"--set", "clusterName=" + spec.Name,
		"--set", "ignoreTaintKeys={" + testenv.KwokNodeAnnotation + "}",
	}, f.opts.AgentValues...)
	if spec.NamespaceRestriction != "" {
		values = append(values, "--set", "namespaceRestriction.enabled=true", "--set", "namespaceRestriction.readNodes=true")
	}
	m.Objects, err = charttest.Render(ctx, charttest.AgentChart, "flotilla-agent", m.AgentNamespace, values...)
	if err != nil {
		return nil, err
	}
	if err := charttest.Install(ctx, m.Client, m.Objects); err != nil {
		return nil, err
	}
	if err := LocalWebhook(&m.Webhook); err != nil {
		return nil, err
	}
	if f.opts.Binaries.Agent != "" {
		if err := m.startAgentProcess(ctx, f.opts.Binaries.Agent); err != nil {
			return nil, err
		}
	} else if err := m.StartAgent(ctx); err != nil {
		return nil, err
	}
	if hooks := charttest.Hooks(m.Objects); len(hooks) > 0 {
		if err := m.WireConversion(ctx); err != nil {
			return nil, err
		}
	}
	if err := WaitConverting(ctx, m.Client, m.AgentNamespace, KindComponent); err != nil {
		return nil, fmt.Errorf("the agent's conversion webhook: %w", err)
	}
	return m, nil
}

// WireConversion runs the agent chart's wire-conversion hook as helm does after an install or
// upgrade, but in this process (WireConversionHook.Run), pointing the DCD CRD at the agent's
// webhook on 127.0.0.1.
func (m *Member) WireConversion(ctx context.Context) error {
	hook, err := WireConversionHookOf(m.Objects, m.AgentNamespace)
	if err != nil {
		return err
	}
	hook.Options.Webhook.URL = m.Webhook.URL
	return hook.Run(ctx, m.Client, m.Cluster.RESTConfig())
}

// StartAgent runs the member's agent in this process with the rendered Deployment's arguments
// and a token of the chart's agent ServiceAccount, until StopAgent or Fleet.Stop. Like a pod's
// container, an agent that exits (a lost leader election, say) is started again after a second.
func (m *Member) StartAgent(ctx context.Context) error {
	if m.stopAgent != nil {
		return errors.New("the agent is running")
	}
	opts, err := AgentOptions(m.Objects, m.AgentNamespace)
	if err != nil {
		return err
	}
	opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0"
	opts.LeaseIdentity = m.Spec.Name + "-agent"
	opts.Webhook.Host, opts.Webhook.Port, opts.Webhook.URL = m.Webhook.Host, m.Webhook.Port, m.Webhook.URL
	cfg, err := m.ServiceAccountConfig(ctx, m.AgentNamespace, "flotilla-agent")
	if err != nil {
		return err
	}
	// Build the first manager here, so that a bad configuration fails StartAgent.
	mgr, err := agentmanager.New(cfg, opts, agentmanager.Settings{SkipControllerNameValidation: true})
	if err != nil {
		return err
	}
	m.stopAgent = runInBackground(func(ctx context.Context) error {
		for {
			err := mgr.Start(ctx)
			if ctx.Err() != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
			if mgr, err = agentmanager.New(cfg, opts, agentmanager.Settings{SkipControllerNameValidation: true}); err != nil {
				return err
			}
		}
	})
	return nil
}

// startAgentProcess runs the member's agent as a child process of binary, with the rendered
// Deployment's arguments, as the chart's ServiceAccount.
func (m *Member) startAgentProcess(ctx context.Context, binary string) error {
	args, err := ContainerArgs(m.Objects)
	if err != nil {
		return err
	}
	cfg, err := m.ServiceAccountConfig(ctx, m.AgentNamespace, "flotilla-agent")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(m.dir, 0o755); err != nil {
		return err
	}
	p, err := startProcess("agent", binary, m.dir, cfg, args,
		[]string{fmt.Sprintf("--webhook-port=%d", m.Webhook.Port), "--webhook-url=" + m.Webhook.URL},
		[]string{"POD_NAMESPACE=" + m.AgentNamespace, "POD_NAME=" + m.Spec.Name + "-agent"})
	if err != nil {
		return err
	}
	m.agentProcess = p
	m.stopAgent = p.Stop
	return nil
}

// StopAgent stops the member's agent.
func (m *Member) StopAgent() error {
	m.agentProcess = nil
	if m.stopAgent == nil {
		return nil
	}
	err := m.stopAgent()
	m.stopAgent = nil
	return err
}

// ServiceAccountConfig returns a config for the member's API server that authenticates with a
// TokenRequest token of the ServiceAccount namespace/name, and no client certificate.
func (m *Member) ServiceAccountConfig(ctx context.Context, namespace, name string) (*rest.Config, error) {
	return charttest.ServiceAccountConfig(ctx, m.Cluster.RESTConfig(), namespace, name)
}

// Pause freezes the member's API server (SIGSTOP): calls to it hang, as to an unreachable
// cluster. It returns the undo, which resumes it.
func (m *Member) Pause() (resume func() error, err error) {
	pid, ok := m.Cluster.PIDs()["kube-apiserver"]
	if !ok {
		return nil, errors.New("no kube-apiserver process")
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return nil, err
	}
	return func() error { return syscall.Kill(pid, syscall.SIGCONT) }, nil
}

// Register writes the member's kubeconfig Secret on the hub as `flotilla-hub register` does:
// from the chart's flotilla-hub token, labelled with the member's labels.
func (f *Fleet) Register(ctx context.Context, name string) error {
	m := f.Members[name]
	secret, err := register.Build(ctx, m.Cluster.RESTConfig(), register.Options{
		Name:           name,
		HubNamespace:   HubNamespace,
		AgentNamespace: m.AgentNamespace,
		// Said rather than detected: the agent may not have published its inventory yet.
		NamespaceRestriction: m.Spec.NamespaceRestriction,
		Labels:               maps.Clone(m.Spec.Labels),
	})
	if err != nil {
		return err
	}
	return register.Apply(ctx, f.HubClient, secret)
}

// Unregister deletes the member's kubeconfig Secret from the hub.
func (f *Fleet) Unregister(ctx context.Context, name string) error {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: HubNamespace, Name: name}}
	return client.IgnoreNotFound(f.HubClient.Delete(ctx, s))
}

// MemberNames returns the members' names, sorted.
func (f *Fleet) MemberNames() []string {
	return slices.Sorted(maps.Keys(f.Members))
}

// InstallHubChart renders the hub chart as release flotilla-hub in HubNamespace with extra helm
// arguments, creates what it renders on the hub but the Deployment (its ServiceAccount, RBAC,
// webhook Service and certificate Secret), and makes StartHub run the hub as that
// ServiceAccount (a TokenRequest token, no other credential) with the rendered Deployment's
// arguments, its webhook on 127.0.0.1 (LocalWebhook): the RBAC the chart ships is the RBAC the
// hub runs with.
func (f *Fleet) InstallHubChart(ctx context.Context, args ...string) error {
	objs, err := charttest.Render(ctx, charttest.HubChart, "flotilla-hub", HubNamespace, args...)
	if err != nil {
		return err
	}
	if err := charttest.Install(ctx, f.HubClient, objs); err != nil {
		return err
	}
	f.HubObjects = objs
	opts, err := HubOptions(objs, HubNamespace)
	if err != nil {
		return err
	}
	if err := LocalWebhook(&opts.Webhook); err != nil {
		return err
	}
	opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0" // a pod's ports, not this process's
	cfg, err := charttest.ServiceAccountConfig(ctx, f.Hub.Config, HubNamespace, "flotilla-hub")
	if err != nil {
		return err
	}
	f.hubConfig, f.hubOptions = cfg, &opts
	return nil
}

// StartHub runs the hub in this process against the hub API server as cfg, with o. A nil cfg
// or o means the chart's (InstallHubChart), else the hub's administrator and DefaultHubOptions.
// It returns the hub and its stop function once the hub's conversion webhook converts
// (WaitConverting).
func (f *Fleet) StartHub(cfg *rest.Config, o *hubmanager.Options, s hubmanager.Settings) (*hubmanager.Hub, func() error, error) {
	if cfg == nil {
		cfg = f.hubConfig
	}
	if cfg == nil {
		cfg = f.Hub.Config
	}
	if o == nil {
		o = f.hubOptions
	}
	if o == nil {
		def, err := DefaultHubOptions()
		if err != nil {
			return nil, nil, err
		}
		o = &def
	}
	s.SkipControllerNameValidation = true
	hub, err := hubmanager.New(cfg, *o, s)
	if err != nil {
		return nil, nil, err
	}
	stop := runInBackground(hub.Start)
	if err := WaitConverting(context.Background(), f.HubClient, HubNamespace, KindGraph, KindComponent); err != nil {
		return nil, nil, errors.Join(fmt.Errorf("the hub's conversion webhook: %w", err), stop())
	}
	return hub, stop, nil
}

// StartHubProcess runs the hub as a child process of Options.Binaries.Hub with the chart's
// arguments and as its ServiceAccount (InstallHubChart first), and returns it once the hub's
// conversion webhook converts. extraArgs follow the chart's.
func (f *Fleet) StartHubProcess(extraArgs ...string) (*Process, error) {
	if f.opts.Binaries.Hub == "" {
		return nil, errors.New("no hub binary (Options.Binaries.Hub)")
	}
	if f.hubConfig == nil {
		return nil, errors.New("the hub chart is not installed (InstallHubChart)")
	}
	args, err := ContainerArgs(f.HubObjects)
	if err != nil {
		return nil, err
	}
	dir := f.processDir("hub")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	w := f.hubOptions.Webhook
	extra := append([]string{fmt.Sprintf("--webhook-port=%d", w.Port), "--webhook-url=" + w.URL}, extraArgs...)
	p, err := startProcess("hub", f.opts.Binaries.Hub, dir, f.hubConfig, args, extra, []string{"POD_NAMESPACE=" + HubNamespace})
	if err != nil {
		return nil, err
	}
	if err := waitProcessConverting(p, func(ctx context.Context) error {
		return WaitConverting(ctx, f.HubClient, HubNamespace, KindGraph, KindComponent)
	}); err != nil {
		return nil, fmt.Errorf("the hub's conversion webhook: %w", err)
	}
	return p, nil
}

// processDir is where a component run as a process keeps its kubeconfig and log: under
// Options.LogDir, else under a directory of the fleet's own, removed by Stop.
func (f *Fleet) processDir(name string) string {
	if f.opts.LogDir != "" {
		return filepath.Join(f.opts.LogDir, name)
	}
	if f.tempDir == "" {
		if dir, err := os.MkdirTemp("", "flotilla-fleet-"); err == nil {
			f.tempDir = dir
		}
	}
	return filepath.Join(f.tempDir, name)
}

// DefaultHubOptions are the hub's defaults for a fleet: member Secrets in HubNamespace, no
// metrics or probe ports, its conversion webhook on 127.0.0.1 (LocalWebhook).
func DefaultHubOptions() (hubmanager.Options, error) {
	o := hubmanager.NewOptions(func(string) string { return HubNamespace })
	o.MetricsBindAddress, o.HealthProbeBindAddress = "0", "0"
	return o, LocalWebhook(&o.Webhook)
}

// Stop stops every agent, member cluster and the hub API server.
func (f *Fleet) Stop() error {
	var errs []error
	for _, m := range f.Members {
		errs = append(errs, m.StopAgent())
		if m.Cluster != nil {
			errs = append(errs, m.Cluster.Stop())
		}
	}
	if f.Hub != nil {
		errs = append(errs, f.Hub.Stop())
	}
	if f.tempDir != "" {
		errs = append(errs, os.RemoveAll(f.tempDir))
	}
	return errors.Join(errs...)
}

// runInBackground runs start with a context it cancels on the returned stop, which waits (up to
// a minute) for start to return. Calling stop again returns the first call's result.
func runInBackground(start func(context.Context) error) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- start(ctx) }()
	return sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute):
			return errors.New("did not stop within a minute")
		}
	})
}
