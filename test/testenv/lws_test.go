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

package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The controller the tests run is the release whose API the agent is built with.
func TestLeaderWorkerSetVersionMatchesGoMod(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "sigs.k8s.io/lws").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != DefaultLWSVersion {
		t.Errorf("go.mod pins sigs.k8s.io/lws %s, DefaultLWSVersion is %s", got, DefaultLWSVersion)
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, buildScript))
	if err != nil {
		t.Fatal(err)
	}
	if want := `LWS_VERSION="${LWS_VERSION:-` + DefaultLWSVersion + `}"`; !strings.Contains(string(script), want) {
		t.Errorf("%s does not default to %s (%s)", buildScript, DefaultLWSVersion, want)
	}
}

func TestLeaderWorkerSetWebhooksPointAtTheLocalServer(t *testing.T) {
	dir, err := LeaderWorkerSetModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	mutating, validating, err := lwsWebhooks(filepath.Join(dir, "config", "webhook", "manifests.yaml"), "https://127.0.0.1:1", []byte("ca"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mutating.Webhooks) != 2 || len(validating.Webhooks) != 2 {
		t.Fatalf("want 2 mutating and 2 validating webhooks, got %d and %d", len(mutating.Webhooks), len(validating.Webhooks))
	}
	type hook struct {
		name     string
		config   admissionregistrationv1.WebhookClientConfig
		selector *metav1.LabelSelector
	}
	var hooks []hook
	for _, w := range mutating.Webhooks {
		hooks = append(hooks, hook{w.Name, w.ClientConfig, w.ObjectSelector})
	}
	for _, w := range validating.Webhooks {
		hooks = append(hooks, hook{w.Name, w.ClientConfig, w.ObjectSelector})
	}
	for _, w := range hooks {
		url := w.config.URL
		if url == nil || !strings.HasPrefix(*url, "https://127.0.0.1:1/") || w.config.Service != nil || string(w.config.CABundle) != "ca" {
			t.Errorf("webhook %s: client config %+v", w.name, w.config)
		}
		pods := strings.HasSuffix(*url, "-v1-pod")
		if pods != (w.selector != nil) {
			t.Errorf("webhook %s (%s): object selector %v; want one for pod webhooks only", w.name, *url, w.selector)
		}
	}
}
