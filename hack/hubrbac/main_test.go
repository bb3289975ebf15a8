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

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flotilla-dev/flotilla/hack/internal/rbacrules"
)

// hubYAML is what controller-gen makes of markers like the hub's: one ClusterRole, and a Role
// in the placeholder of the hub's own namespace.
const hubYAML = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: flotilla-hub
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [cluster.x-k8s.io]
  resources: [clusters]
  verbs: [get, list, watch]
- apiGroups: [nvidia.com]
  resources: [dynamographdeployments]
  verbs: [get, list, watch, update, patch]
- apiGroups: [nvidia.com]
  resources: [dynamographdeployments/status, dynamocomponentdeployments/status]
  verbs: [get, update, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: flotilla-hub
  namespace: flotilla-system
rules:
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
`

// webhookYAML is what controller-gen makes of internal/webhookcert's markers.
const webhookYAML = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: flotilla-webhook
rules:
- apiGroups: [apiextensions.k8s.io]
  resources: [customresourcedefinitions]
  verbs: [get, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: flotilla-webhook
  namespace: flotilla-system
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, update, patch]
`

// webhookRules decodes webhookYAML.
func webhookRules(t *testing.T) rbacrules.WebhookRules {
	t.Helper()
	w, err := rbacrules.DecodeWebhook([]byte(webhookYAML), hubNamespacePlaceholder)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// define returns the template block name with its rules.
func define(name, rules string) string {
	return "{{- define \"" + name + "\" -}}\n" + rules + "{{- end -}}"
}

func TestGenerate(t *testing.T) {
	out, err := generate([]byte(hubYAML), webhookRules(t))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		define("flotilla-hub.rules",
			"- apiGroups: [\"\"]\n  resources: [\"events\"]\n  verbs: [\"create\", \"patch\"]\n"+
				"- apiGroups: [\"events.k8s.io\"]\n  resources: [\"events\"]\n  verbs: [\"create\", \"patch\"]\n"+
				"- apiGroups: [\"nvidia.com\"]\n  resources: [\"dynamocomponentdeployments/status\", \"dynamographdeployments/status\"]\n"+
				"  verbs: [\"get\", \"patch\", \"update\"]\n"+
				"- apiGroups: [\"nvidia.com\"]\n  resources: [\"dynamographdeployments\"]\n"+
				"  verbs: [\"get\", \"list\", \"patch\", \"update\", \"watch\"]\n"),
		// Secrets leave the ClusterRole for a group of their own, which the chart scopes.
		define("flotilla-hub.rules.memberSecrets",
			"- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n"),
		define("flotilla-hub.rules.clusterAPI",
			"- apiGroups: [\"cluster.x-k8s.io\"]\n  resources: [\"clusters\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n"),
		define("flotilla-hub.rules.hubNamespace",
			"- apiGroups: [\"\"]\n  resources: [\"events\"]\n  verbs: [\"create\", \"patch\"]\n"+
				"- apiGroups: [\"coordination.k8s.io\"]\n  resources: [\"leases\"]\n  verbs: [\"create\", \"get\", \"update\"]\n"),
		// The webhook's rules, each narrowed to the names the chart computes.
		define("flotilla-hub.rules.webhookCRDs",
			"- apiGroups: [\"apiextensions.k8s.io\"]\n  resources: [\"customresourcedefinitions\"]\n"+
				"  resourceNames: {{ include \"flotilla-hub.webhook.crdNames\" . }}\n  verbs: [\"get\", \"patch\"]\n"),
		define("flotilla-hub.rules.webhookSecret",
			"- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n"+
				"  resourceNames: [{{ include \"flotilla-hub.webhook.secretName\" . | quote }}]\n  verbs: [\"get\", \"patch\", \"update\"]\n"),
		"DO NOT EDIT",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the output lacks\n%s\n--- output:\n%s", want, got)
		}
	}
	again, err := generate([]byte(hubYAML), webhookRules(t))
	if err != nil || string(again) != got {
		t.Errorf("a second run differs (%v)", err)
	}
}

// TestGenerateNamespacedSecrets checks that a Secrets marker naming the hub's namespace lands in
// the member Secrets group too, and that one without Cluster API rules renders an empty group.
func TestGenerateNamespacedSecrets(t *testing.T) {
	in := strings.Replace(hubYAML, "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, list, watch]\n", "", 1)
	in = strings.Replace(in, "- apiGroups: [cluster.x-k8s.io]\n  resources: [clusters]\n  verbs: [get, list, watch]\n", "", 1)
	in += "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n"
	out, err := generate([]byte(in), webhookRules(t))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		define("flotilla-hub.rules.memberSecrets", "- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  verbs: [\"get\"]\n"),
		define("flotilla-hub.rules.clusterAPI", ""),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the output lacks\n%s\n--- output:\n%s", want, got)
		}
	}
	if strings.Count(got, `resources: ["secrets"]`) != 2 || strings.Count(got, `resources: ["secrets"]`+"\n  resourceNames") != 1 {
		t.Errorf("secrets appear outside their groups (member Secrets, the webhook's):\n%s", got)
	}
}

func TestGenerateRejects(t *testing.T) {
	clusterRoleOnly, _, found := strings.Cut(hubYAML, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role")
	if !found {
		t.Fatal("test input lacks its Role")
	}
	replace := func(s, old, repl string) string {
		t.Helper()
		if !strings.Contains(s, old) {
			t.Fatalf("test input lacks %q", old)
		}
		return strings.Replace(s, old, repl, 1)
	}
	for name, tc := range map[string]struct{ in, want string }{
		"wildcard verb":     {replace(hubYAML, "verbs: [get, create, update]", `verbs: ["*"]`), "wildcards"},
		"wildcard resource": {replace(hubYAML, "resources: [dynamographdeployments]", `resources: ["*"]`), "wildcards"},
		"wildcard group":    {replace(hubYAML, "apiGroups: [cluster.x-k8s.io]", `apiGroups: ["*"]`), "wildcards"},
		"resourceNames": {replace(hubYAML, "verbs: [get, list, watch, update, patch]",
			"verbs: [get, list, watch, update, patch]\n  resourceNames: [x]"), "resourceNames"},
		"other namespace":        {replace(hubYAML, "namespace: flotilla-system", "namespace: fleet"), `Role in namespace "fleet"`},
		"writing secrets":        {replace(hubYAML, "resources: [secrets]\n  verbs: [get, list, watch]", "resources: [secrets]\n  verbs: [get, update]"), "update secrets"},
		"writing clusters":       {replace(hubYAML, "resources: [clusters]\n  verbs: [get, list, watch]", "resources: [clusters]\n  verbs: [get, patch]"), "patch clusters.cluster.x-k8s.io"},
		"no leader election":     {clusterRoleOnly, "namespace=flotilla-system"},
		"no secrets":             {replace(hubYAML, "resources: [secrets]", "resources: [configmaps]"), "no rule on Secrets"},
		"namespaced Cluster API": {replace(hubYAML, "resources: [leases]", "resources: [leases]\n- apiGroups: [cluster.x-k8s.io]\n  resources: [clusters]"), "grant them cluster-wide"},
		"unexpected kind":        {hubYAML + "---\nkind: ConfigMap\nmetadata: {name: x}\n", `unexpected kind "ConfigMap"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := generate([]byte(tc.in), webhookRules(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestRunWritesOnlyOnChange(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "role.yaml")
	if err := os.WriteFile(in, []byte(hubYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	webhook := filepath.Join(dir, "webhook.yaml")
	if err := os.WriteFile(webhook, []byte(webhookYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.tpl")
	if err := run(in, webhook, out); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := run(in, webhook, out); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("an unchanged output was rewritten")
	}
	if err := run(filepath.Join(dir, "missing.yaml"), webhook, out); err == nil {
		t.Error("a missing input was accepted")
	}
	if err := run(in, filepath.Join(dir, "missing.yaml"), out); err == nil {
		t.Error("a missing webhook input was accepted")
	}
	if err := run(in, in, out); err == nil || !strings.Contains(err.Error(), "webhook") {
		t.Errorf("the hub's rules passed as the webhook's: got %v, want an error", err)
	}
}
