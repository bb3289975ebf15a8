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

package wireconversion_test

import (
	"bytes"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/agent/wireconversion"
	"github.com/flotilla-dev/flotilla/internal/webhookcert"
)

// TestDefaultsAreTheAgents checks that the hook, given no webhook flag, wires the CRD for the
// agent's own defaults: the same Secret, Service and namespace.
func TestDefaultsAreTheAgents(t *testing.T) {
	env := func(k string) string { return map[string]string{agentmanager.NamespaceEnv: "team-a"}[k] }
	o := wireconversion.NewOptions(env)
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	agent := agentmanager.NewOptions(env)
	agentWebhook := agent.WebhookOptions()
	got, want := o.RotatorOptions(), agentWebhook.RotatorOptions(true, []string{agentmanager.ConvertedCRD})
	if got.Secret != want.Secret || *got.Service != *want.Service || got.Mode != want.Mode || got.KeepCA ||
		!slices.Equal(got.CRDs, []string{"dynamocomponentdeployments.nvidia.com"}) {
		t.Errorf("the hook's Rotator options %+v differ from the agent's %+v, or keep the CA, or set other CRDs", got, want)
	}
	if o.Timeout != 2*time.Minute {
		t.Errorf("--timeout defaults to %s", o.Timeout)
	}
}

func TestFlags(t *testing.T) {
	o := wireconversion.NewOptions(func(string) string { return "" })
	fs := flag.NewFlagSet("wire-conversion", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.BindFlags(fs)
	if err := fs.Parse([]string{"--namespace=team-west", "--webhook-cert-secret=certs", "--webhook-cert-mode=cert-manager",
		"--webhook-url=https://127.0.0.1:9555/convert", "--timeout=30s"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	ro := o.RotatorOptions()
	if ro.Secret.String() != "team-west/certs" || ro.Mode != webhookcert.ModeCertManager || ro.URL != "https://127.0.0.1:9555/convert" ||
		ro.Service != nil || o.Timeout != 30*time.Second {
		t.Errorf("got %+v, timeout %s", ro, o.Timeout)
	}
	for _, name := range []string{"webhook-port", "webhook-manage-crds", "watch-namespace"} {
		if fs.Lookup(name) != nil {
			t.Errorf("--%s is bound, but means nothing to the hook", name)
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	t.Setenv(agentmanager.NamespaceEnv, "")
	for name, tc := range map[string]struct {
		args []string
		want []string
	}{
		"no namespace": {nil, []string{"--namespace is required (or set $POD_NAMESPACE)"}},
		"bad mode":     {[]string{"--namespace=a", "--webhook-cert-mode=vault", "--timeout=0"}, []string{`--webhook-cert-mode "vault"`, "--timeout must be positive"}},
		"positional":   {[]string{"--namespace=a", "now"}, []string{`unexpected arguments ["now"]`}},
		"unknown flag": {[]string{"--webhook-port=9443"}, []string{"flag provided but not defined: -webhook-port"}},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := wireconversion.Run(t.Context(), tc.args, &stderr); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not contain %q", stderr.String(), w)
				}
			}
		})
	}
}
