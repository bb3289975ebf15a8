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

package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/agent/wireconversion"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
	"github.com/flotilla-dev/flotilla/internal/webhookcert"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// ConvertTimeout bounds WaitConverting when its context has no deadline of its own.
const ConvertTimeout = 2 * time.Minute

// Kinds of the nvidia.com CRDs, for WaitConverting.
const (
	KindGraph     = "DynamoGraphDeployment"
	KindComponent = "DynamoComponentDeployment"
)

// LocalWebhook makes o, a component's conversion webhook options (its chart's, say), serve in
// this process: on 127.0.0.1 at a free port, the API server calling it by URL
// (https://127.0.0.1:<port>/convert) instead of the chart's Service, which nothing routes to
// this process. The certificate Secret and its mode stay o's.
func LocalWebhook(o *conversionwebhook.Options) error {
	port, err := testenv.FreePort()
	if err != nil {
		return err
	}
	o.Host, o.Port, o.URL = "127.0.0.1", port, fmt.Sprintf("https://127.0.0.1:%d%s", port, conversionwebhook.Path)
	return nil
}

// Component is a Flotilla component that serves a conversion webhook.
type Component string

// The components of StartConversionWebhook.
const (
	// Hub serves the conversion of DynamoGraphDeployments and DynamoComponentDeployments.
	Hub Component = "hub"
	// Agent serves the conversion of DynamoComponentDeployments.
	Agent Component = "agent"
)

// StartConversionWebhook serves, in this process, the conversion webhook of the CRDs of
// component as that component does (its scheme, kinds, default options and certificate
// Rotator), without its controllers: for suites that write nvidia.com objects while no hub or
// agent runs. It runs as cfg, which must be allowed to create the namespace HubNamespace and the
// certificate Secret there (as the charts do) and to patch the CRDs, in LocalWebhook's URL mode,
// and returns once the API server converts through it (ServeWebhook). stop ends it; the CRDs
// then keep pointing at it, and requests that need a conversion fail.
func StartConversionWebhook(ctx context.Context, cfg *rest.Config, component Component) (stop func() error, err error) {
	var (
		webhook *conversionwebhook.Webhook
		kinds   []string
		o       conversionwebhook.Options
		scheme  *runtime.Scheme
	)
	getenv := func(string) string { return HubNamespace }
	switch component {
	case Hub:
		hub := hubmanager.NewOptions(getenv)
		if err := LocalWebhook(&hub.Webhook); err != nil {
			return nil, err
		}
		o = hub.Webhook
		if webhook, err = hubmanager.NewWebhook(hub.Webhook); err != nil {
			return nil, err
		}
		if scheme, err = hubmanager.NewScheme(); err != nil {
			return nil, err
		}
		kinds = []string{KindGraph, KindComponent}
	case Agent:
		agent := agentmanager.NewOptions(getenv)
		if err := LocalWebhook(&agent.Webhook); err != nil {
			return nil, err
		}
		o = agent.WebhookOptions()
		if webhook, err = agentmanager.NewWebhook(agent); err != nil {
			return nil, err
		}
		if scheme, err = agentmanager.NewScheme(); err != nil {
			return nil, err
		}
		kinds = []string{KindComponent}
	default:
		return nil, fmt.Errorf("no conversion webhook of component %q", component)
	}
	admin, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	if err := createCertSecret(ctx, admin, o.Namespace, o.CertSecret); err != nil {
		return nil, err
	}
	return ServeWebhook(ctx, cfg, scheme, webhook, admin, o.Namespace, kinds...)
}

// ServeWebhook runs webhook, a component's conversion webhook (hubmanager.NewWebhook's or
// agentmanager.NewWebhook's), in a manager of its own with scheme (the component's), without the
// component's controllers, as cfg (the component's chart's ServiceAccount, say), until stop. It
// returns once admin sees the API server convert kinds in namespace through it (WaitConverting).
// The manager logs through ctx's logger (logf.FromContext).
func ServeWebhook(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme, webhook *conversionwebhook.Webhook,
	admin client.Client, namespace string, kinds ...string) (stop func() error, err error) {
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme, Logger: logf.FromContext(ctx), Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0", WebhookServer: webhook.Server,
	})
	if err != nil {
		return nil, err
	}
	if err := webhook.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	stop = runInBackground(mgr.Start)
	if err := WaitConverting(ctx, admin, namespace, kinds...); err != nil {
		return nil, errors.Join(err, stop())
	}
	return stop, nil
}

// createCertSecret creates the namespace ns and in it the webhook certificate Secret name as the
// charts do (empty, Opaque), unless they exist.
func createCertSecret(ctx context.Context, c client.Client, ns, name string) error {
	for _, obj := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: corev1.SecretTypeOpaque},
	} {
		if err := c.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %T %s: %w", obj, obj.GetName(), err)
		}
	}
	return nil
}

// WaitConverting waits until the API server of c converts each of kinds (KindGraph,
// KindComponent) through its conversion webhook: until a server-side dry-run create of a minimal
// nvidia.com/v1alpha1 object of each kind in namespace succeeds. A dry run stores nothing but
// encodes the object in its storage version, v1beta1, which takes the webhook: the CRD must
// name it with a CA bundle the API server trusts it with, and the webhook must answer. It waits
// up to ConvertTimeout unless ctx ends first, and then returns the last refusal.
func WaitConverting(ctx context.Context, c client.Client, namespace string, kinds ...string) error {
	ctx, cancel := context.WithTimeout(ctx, ConvertTimeout)
	defer cancel()
	for _, kind := range kinds {
		spec := map[string]any{}
		if kind == KindGraph {
			spec["services"] = map[string]any{"probe": map[string]any{}}
		}
		probe := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
		probe.SetAPIVersion("nvidia.com/v1alpha1")
		probe.SetKind(kind)
		probe.SetNamespace(namespace)
		probe.SetName("conversion-probe")
		var last error
		err := wait.PollUntilContextCancel(ctx, 500*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			err := c.Create(ctx, probe.DeepCopy(), client.DryRunAll)
			if err == nil || apierrors.IsAlreadyExists(err) {
				return true, nil
			}
			if ctx.Err() == nil {
				last = err
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("the API server does not convert %s through its webhook: %w (last: %w)", kind, err, last)
		}
	}
	return nil
}

// WireConversionHook is the agent chart's wire-conversion hook as rendered for a
// namespace-restricted agent: the ServiceAccount and RBAC it runs as, and the options its Job
// passes to `agent wire-conversion`.
type WireConversionHook struct {
	// RBAC are the hook's ServiceAccount, ClusterRole, Role and bindings, as released objects
	// (charttest.Hooks).
	RBAC []*Object
	// ServiceAccount is the hook's ServiceAccount.
	ServiceAccount client.ObjectKey
	// Options are the Job's arguments, parsed as the subcommand does in a pod of the release
	// namespace. Set Options.Webhook.URL to the agent's LocalWebhook URL to run it here.
	Options wireconversion.Options
}

// WireConversionHookOf returns the wire-conversion hook of objs, the agent chart rendered in
// namespace.
func WireConversionHookOf(objs []*Object, namespace string) (*WireConversionHook, error) {
	hooks := charttest.Hooks(objs)
	jobs := charttest.OfKind(hooks, "Job")
	if len(jobs) != 1 {
		return nil, fmt.Errorf("%d hook Jobs rendered, want the wire-conversion hook's", len(jobs))
	}
	args, err := jobArgs(jobs[0])
	if err != nil {
		return nil, err
	}
	if len(args) == 0 || args[0] != wireconversion.Name {
		return nil, fmt.Errorf("the hook Job runs %q, want %s", args, wireconversion.Name)
	}
	h := &WireConversionHook{
		RBAC:    charttest.RBAC(hooks),
		Options: wireconversion.NewOptions(func(string) string { return namespace }),
	}
	if err := parseArgs("agent "+wireconversion.Name, args[1:], &h.Options); err != nil {
		return nil, err
	}
	sas := charttest.OfKind(h.RBAC, "ServiceAccount")
	if len(sas) != 1 {
		return nil, fmt.Errorf("%d hook ServiceAccounts rendered, want 1", len(sas))
	}
	h.ServiceAccount = client.ObjectKey{Namespace: sas[0].GetNamespace(), Name: sas[0].GetName()}
	return h, nil
}

// Run runs the hook as helm does after an install or upgrade, but in this process: it creates
// the hook's ServiceAccount and RBAC with admin, runs `agent wire-conversion`'s code
// (webhookcert.Wire) as that ServiceAccount with a TokenRequest token of adminCfg's API server,
// and deletes them once it succeeded (hook-delete-policy hook-succeeded).
func (h *WireConversionHook) Run(ctx context.Context, admin client.Client, adminCfg *rest.Config) error {
	if err := charttest.Install(ctx, admin, h.RBAC); err != nil {
		return err
	}
	cfg, err := charttest.ServiceAccountConfig(ctx, adminCfg, h.ServiceAccount.Namespace, h.ServiceAccount.Name)
	if err != nil {
		return err
	}
	wireCtx, cancel := context.WithTimeout(ctx, h.Options.Timeout)
	defer cancel()
	if err := webhookcert.Wire(wireCtx, cfg, h.Options.RotatorOptions()); err != nil {
		return err
	}
	return h.Delete(ctx, admin)
}

// Delete deletes the hook's ServiceAccount and RBAC, as helm does once the hook succeeded.
func (h *WireConversionHook) Delete(ctx context.Context, admin client.Client) error {
	for _, o := range h.RBAC {
		if err := client.IgnoreNotFound(admin.Delete(ctx, o.DeepCopy())); err != nil {
			return fmt.Errorf("deleting the hook's %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	return nil
}
