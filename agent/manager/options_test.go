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

package manager_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	"github.com/flotilla-dev/flotilla/agent/manager"
)

// parse binds the agent's flags on a fresh flag set, with $POD_NAMESPACE as env says, and
// parses args.
func parse(t *testing.T, env map[string]string, args ...string) (manager.Options, error) {
	t.Helper()
	opts := manager.NewOptions(func(k string) string { return env[k] })
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts.BindFlags(fs)
	return opts, fs.Parse(args)
}

var podNamespace = map[string]string{manager.NamespaceEnv: "flotilla-system"}

func TestDefaults(t *testing.T) {
	opts, err := parse(t, podNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if err := opts.Validate(); err != nil {
		t.Fatalf("the defaults with $POD_NAMESPACE set are invalid: %v", err)
	}
	checks := map[string][2]any{
		"namespace":                 {opts.Namespace, "flotilla-system"},
		"watch-namespace":           {opts.WatchNamespace, ""},
		"metrics-bind-address":      {opts.MetricsBindAddress, ":8080"},
		"health-probe-bind-address": {opts.HealthProbeBindAddress, ":8081"},
		"leader-elect":              {opts.LeaderElect, false},
		"inventory-source":          {opts.InventorySource, manager.InventorySourceNodes},
		"inventory-write-interval":  {opts.InventoryWriteInterval, 2 * time.Second},
		"lease-renew-interval":      {opts.LeaseRenewInterval, 10 * time.Second},
		"lease-duration":            {opts.LeaseDuration, 30 * time.Second},
		"webhook-port":              {opts.Webhook.Port, 9443},
		"webhook-cert-secret":       {opts.Webhook.CertSecret, "flotilla-agent-webhook-cert"},
		"webhook-cert-mode":         {opts.Webhook.CertMode, "self-signed"},
		"webhook-service":           {opts.Webhook.Service, "flotilla-agent-webhook"},
		"webhook-url":               {opts.Webhook.URL, ""},
		"webhook-manage-crds":       {opts.WebhookManagesCRDs(), true},
	}
	for flagName, c := range checks {
		if c[0] != c[1] {
			t.Errorf("--%s defaults to %v, want %v", flagName, c[0], c[1])
		}
	}
	if opts.Restricted() {
		t.Error("the defaults are namespace-restricted")
	}
}

func TestParseEveryFlag(t *testing.T) {
	opts, err := parse(t, podNamespace,
		"--cluster-name=gpu-east",
		"--namespace=team-a",
		"--watch-namespace=team-a",
		"--metrics-bind-address=0",
		"--health-probe-bind-address=127.0.0.1:9440",
		"--leader-elect",
		"--inventory-source=declared",
		`--declared-capacity=[{"product":"NVIDIA-L40S","gpusPerNode":8,"nodes":2},{"product":"NVIDIA-A100","resourceName":"nvidia.com/mig-1g.10gb","gpusPerNode":7,"nodes":1}]`,
		"--ignore-taint-key=kwok.x-k8s.io/node",
		"--ignore-taint-key=maintenance",
		"--inventory-write-interval=500ms",
		"--lease-renew-interval=5s",
		"--lease-duration=20s",
		"--workload-env=NATS_SERVER=nats://nats:4222",
		"--workload-env=EMPTY=",
		"--ingress-host-suffix=example.com",
		"--workload-service-account=dynamo",
		"--cluster-domain=cluster.example",
		"--webhook-port=10443",
		"--webhook-cert-secret=certs",
		"--webhook-cert-mode=cert-manager",
		"--webhook-service=conversion",
		"--webhook-url=https://127.0.0.1:10443/convert",
		"--webhook-manage-crds",
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := opts.Validate(); err != nil {
		t.Fatal(err)
	}
	want := manager.NewOptions(func(string) string { return "" })
	want.ClusterName = "gpu-east"
	want.Namespace = "team-a"
	want.WatchNamespace = "team-a"
	want.MetricsBindAddress = "0"
	want.HealthProbeBindAddress = "127.0.0.1:9440"
	want.LeaderElect = true
	want.InventorySource = manager.InventorySourceDeclared
	want.DeclaredCapacity = []inventory.DeclaredCapacity{
		{Product: "NVIDIA-L40S", GPUsPerNode: 8, Nodes: 2},
		{Product: "NVIDIA-A100", ResourceName: "nvidia.com/mig-1g.10gb", GPUsPerNode: 7, Nodes: 1},
	}
	want.IgnoredTaintKeys = []string{"kwok.x-k8s.io/node", "maintenance"}
	want.InventoryWriteInterval = 500 * time.Millisecond
	want.LeaseRenewInterval = 5 * time.Second
	want.LeaseDuration = 20 * time.Second
	want.WorkloadEnv = []corev1.EnvVar{{Name: "NATS_SERVER", Value: "nats://nats:4222"}, {Name: "EMPTY"}}
	want.IngressHostSuffix = "example.com"
	want.WorkloadServiceAccount = "dynamo"
	want.ClusterDomain = "cluster.example"
	want.Webhook.Port = 10443
	want.Webhook.CertSecret = "certs"
	want.Webhook.CertMode = "cert-manager"
	want.Webhook.Service = "conversion"
	want.Webhook.URL = "https://127.0.0.1:10443/convert"
	want.Webhook.ManageCRDs = ptr.To(true)

	// declaredCapacitySet is unexported: compare the exported fields one by one.
	got, exp := reflect.ValueOf(opts), reflect.ValueOf(want)
	for i := range got.NumField() {
		f := got.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		if !reflect.DeepEqual(got.Field(i).Interface(), exp.Field(i).Interface()) {
			t.Errorf("%s = %#v, want %#v", f.Name, got.Field(i).Interface(), exp.Field(i).Interface())
		}
	}
	if !opts.Restricted() {
		t.Error("--watch-namespace does not make the options restricted")
	}
	if !opts.WebhookManagesCRDs() {
		t.Error("--webhook-manage-crds does not make a restricted agent manage the CRD")
	}
}

// TestWebhookManagesCRDs checks --webhook-manage-crds's default by mode, and that the webhook
// options carry the agent's namespace.
func TestWebhookManagesCRDs(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want bool
	}{
		"cluster mode":                     {nil, true},
		"cluster mode, sharing the CRD":    {[]string{"--webhook-manage-crds=false"}, false},
		"namespace-restricted":             {[]string{"--watch-namespace=team-a"}, false},
		"namespace-restricted, explicitly": {[]string{"--watch-namespace=team-a", "--webhook-manage-crds=true"}, true},
	} {
		t.Run(name, func(t *testing.T) {
			opts, err := parse(t, podNamespace, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got := opts.WebhookManagesCRDs(); got != tc.want {
				t.Errorf("WebhookManagesCRDs() = %v, want %v", got, tc.want)
			}
			if ns := opts.WebhookOptions().Namespace; ns != "flotilla-system" {
				t.Errorf("the webhook's namespace is %q, want the agent's", ns)
			}
		})
	}
}

func TestDeclaredCapacityFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capacity.json")
	if err := os.WriteFile(path, []byte(`[{"product":"NVIDIA-H100-80GB-HBM3","gpusPerNode":8,"nodes":4}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := parse(t, podNamespace, "--inventory-source=declared", "--declared-capacity-file="+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := opts.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []inventory.DeclaredCapacity{{Product: "NVIDIA-H100-80GB-HBM3", GPUsPerNode: 8, Nodes: 4}}
	if !reflect.DeepEqual(opts.DeclaredCapacity, want) {
		t.Errorf("DeclaredCapacity = %+v, want %+v", opts.DeclaredCapacity, want)
	}

	if _, err := parse(t, podNamespace, "--declared-capacity-file="+filepath.Join(t.TempDir(), "missing")); err == nil ||
		!strings.Contains(err.Error(), "no such file") {
		t.Errorf("a missing file: got %v, want an error saying so", err)
	}
}

// TestParseErrors covers the values the flag package itself rejects.
func TestParseErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"capacity not JSON":      {[]string{"--declared-capacity=nodes: 2"}, "want a JSON list"},
		"capacity unknown field": {[]string{`--declared-capacity=[{"product":"x","gpus":8,"nodes":1}]`}, `unknown field "gpus"`},
		"capacity not a list":    {[]string{`--declared-capacity={"product":"x"}`}, "want a JSON list"},
		"capacity trailing data": {[]string{`--declared-capacity=[] []`}, "trailing data"},
		"env without =":          {[]string{"--workload-env=NATS_SERVER"}, "want NAME=VALUE"},
		"bad duration":           {[]string{"--lease-renew-interval=soon"}, "invalid value"},
		"unknown flag":           {[]string{"--restricted-namespace=team-a"}, "not defined"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, podNamespace, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	const capacity = `--declared-capacity=[{"product":"NVIDIA-L40S","gpusPerNode":8,"nodes":2}]`
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		want []string // substrings of the error; none: valid
	}{
		"namespace from the flag": {env: nil, args: []string{"--namespace=agents"}},
		"restricted with declared capacity": {env: podNamespace, args: []string{
			"--watch-namespace=team-a", "--inventory-source=declared", capacity}},
		"restricted reading nodes": {env: podNamespace, args: []string{"--watch-namespace=team-a"}},
		"no namespace":             {env: nil, want: []string{"--namespace is required (or set $POD_NAMESPACE)"}},
		"bad namespaces": {env: podNamespace, args: []string{"--namespace=Team_A", "--watch-namespace=-x"},
			want: []string{`--namespace "Team_A"`, `--watch-namespace "-x"`}},
		"bad cluster name": {env: podNamespace, args: []string{"--cluster-name=GPU East"}, want: []string{`--cluster-name "GPU East"`}},
		"bad addresses": {env: podNamespace, args: []string{"--metrics-bind-address=8080", "--health-probe-bind-address=:http"},
			want: []string{"--metrics-bind-address", "--health-probe-bind-address", "missing port", `port "http"`}},
		"unknown source": {env: podNamespace, args: []string{"--inventory-source=kubelet"},
			want: []string{`--inventory-source "kubelet": want "nodes" or "declared"`}},
		"declared without capacity": {env: podNamespace, args: []string{"--inventory-source=declared"},
			want: []string{"--inventory-source=declared needs a non-empty --declared-capacity"}},
		"declared with an empty list": {env: podNamespace, args: []string{"--inventory-source=declared", "--declared-capacity=[]"},
			want: []string{"needs a non-empty --declared-capacity"}},
		"capacity without declared": {env: podNamespace, args: []string{capacity},
			want: []string{"--declared-capacity is only used with --inventory-source=declared"}},
		"invalid capacity": {env: podNamespace, args: []string{"--inventory-source=declared",
			`--declared-capacity=[{"product":"x","gpusPerNode":0,"nodes":1}]`},
			want: []string{"--declared-capacity: declaredCapacity[0].gpusPerNode must be at least 1"}},
		"bad taint key": {env: podNamespace, args: []string{"--ignore-taint-key=a b"}, want: []string{`--ignore-taint-key "a b"`}},
		"bad intervals": {env: podNamespace, args: []string{"--inventory-write-interval=0", "--lease-renew-interval=-1s"},
			want: []string{"--inventory-write-interval must be positive", "--lease-renew-interval must be positive"}},
		"lease too short": {env: podNamespace, args: []string{"--lease-duration=500ms"}, want: []string{"--lease-duration must be at least 1s"}},
		"lease not longer than its renewal": {env: podNamespace, args: []string{"--lease-duration=10s"},
			want: []string{"--lease-duration (10s) must be longer than --lease-renew-interval (10s)"}},
		"bad webhook settings": {env: podNamespace, args: []string{"--webhook-port=0", "--webhook-cert-secret=Certs",
			"--webhook-cert-mode=vault", "--webhook-service=a.b"},
			want: []string{"--webhook-port 0 is not a port", `--webhook-cert-secret "Certs"`, `--webhook-cert-mode "vault"`,
				`--webhook-service "a.b"`}},
		"webhook URL on another port": {env: podNamespace, args: []string{"--webhook-url=https://127.0.0.1:8443/convert"},
			want: []string{"name --webhook-port (9443) as its port"}},
		"webhook URL not https": {env: podNamespace, args: []string{"--webhook-url=http://127.0.0.1:9443/convert"},
			want: []string{"want https://"}},
		"bad workload settings": {env: podNamespace, args: []string{"--workload-env=1X=y", "--ingress-host-suffix=Example..com",
			"--workload-service-account=Dynamo", "--cluster-domain=_local"},
			want: []string{`--workload-env "1X"`, `--ingress-host-suffix "Example..com"`, `--workload-service-account "Dynamo"`,
				`--cluster-domain "_local"`}},
	} {
		t.Run(name, func(t *testing.T) {
			opts, err := parse(t, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			err = opts.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error containing %q, got none", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDeclaredCapacityTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capacity.json")
	if err := os.WriteFile(path, []byte(`[{"product":"x","gpusPerNode":1,"nodes":1}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := parse(t, podNamespace, "--inventory-source=declared",
		`--declared-capacity=[{"product":"y","gpusPerNode":1,"nodes":1}]`, "--declared-capacity-file="+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := opts.Validate(); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("got %v, want an error for both --declared-capacity and --declared-capacity-file", err)
	}
}
