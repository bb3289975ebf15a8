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
	"path/filepath"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

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
