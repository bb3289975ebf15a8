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

// Package wireconversion is `agent wire-conversion`: it points the DCD CRD at the conversion
// webhook of a namespace-restricted agent, which holds only Roles and so may not patch the CRD
// itself. The agent chart runs it as a Helm hook Job after every install and upgrade, as a
// short-lived ServiceAccount of its own allowed to get and patch that one CRD and the agent's
// certificate Secret, nothing else (webhookcert's RBAC markers, narrowed by the chart).
//
// It runs webhookcert.Wire once: it issues the CA and the serving certificate into the Secret
// when it is empty, renews the CA when it is due (the agent, running with
// webhookcert.Options.KeepCA, never does), and sets the CRD's spec.conversion: the agent's
// Service in its namespace and the Secret's CA bundle. The agent then serves, and renews, the
// serving certificate.
package wireconversion

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/internal/cmdline"
	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
	"github.com/flotilla-dev/flotilla/internal/webhookcert"
)

// Name is the subcommand's name: `agent wire-conversion`.
const Name = "wire-conversion"

// DefaultTimeout is the default --timeout.
const DefaultTimeout = 2 * time.Minute

// Options are the subcommand's flags (BindFlags). The webhook flags are the agent's, with the
// same defaults, so that the chart passes both the same values.
type Options struct {
	// Namespace is the agent's namespace, holding its certificate Secret and Service
	// (--namespace, default $POD_NAMESPACE).
	Namespace string
	// Webhook are the agent's webhook certificate flags (conversionwebhook.Options.BindCertFlags).
	Webhook conversionwebhook.Options
	// Timeout bounds the retries (--timeout).
	Timeout time.Duration
}

// NewOptions returns the defaults of every flag, --namespace from getenv(agentmanager.NamespaceEnv).
func NewOptions(getenv func(string) string) Options {
	agent := agentmanager.NewOptions(getenv)
	return Options{Namespace: agent.Namespace, Webhook: agent.Webhook, Timeout: DefaultTimeout}
}

// BindFlags registers the subcommand's flags on fs.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Namespace, "namespace", o.Namespace,
		"The agent's namespace, holding its webhook certificate Secret and Service (default $"+agentmanager.NamespaceEnv+").")
	o.Webhook.BindCertFlags(fs)
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "How long to retry before giving up.")
}

// Validate returns every problem of the options, each naming its flag.
func (o *Options) Validate() error {
	var errs []error
	if o.Namespace == "" {
		errs = append(errs, fmt.Errorf("--namespace is required (or set $%s)", agentmanager.NamespaceEnv))
	}
	if o.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout must be positive, not %s", o.Timeout))
	}
	return errors.Join(append(errs, o.Webhook.ValidateCert())...)
}

// RotatorOptions returns the options of the Rotator that wires the CRD: the agent's, pointing
// ConvertedCRD at the webhook, renewing the CA when due.
func (o *Options) RotatorOptions() webhookcert.Options {
	w := o.Webhook
	w.Namespace = o.Namespace
	return w.RotatorOptions(true, []string{agentmanager.ConvertedCRD})
}

// Run runs `agent wire-conversion` with args and returns its exit code: 0 once the CRD is
// wired, 1 when it could not be within --timeout, cmdline.ExitBadFlags for bad flags.
func Run(ctx context.Context, args []string, stderr io.Writer) int {
	opts := NewOptions(os.Getenv)
	logger, code, ok := cmdline.Parse("agent "+Name, args, stderr, &opts, "")
	if !ok {
		return code
	}
	agentmanager.SetLogger(logger)
	log := logger.WithName(Name)
	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "Cannot load the API server configuration (--kubeconfig, $KUBECONFIG or in-cluster)")
		return 1
	}
	ctx, cancel := context.WithTimeout(logf.IntoContext(ctx, log), opts.Timeout)
	defer cancel()
	ro := opts.RotatorOptions()
	if err := webhookcert.Wire(ctx, cfg, ro); err != nil {
		log.Error(err, "Cannot wire the DCD CRD to the agent's conversion webhook", "crd", agentmanager.ConvertedCRD,
			"secret", ro.Secret)
		return 1
	}
	return 0
}
