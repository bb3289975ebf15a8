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
)

const workloadsYAML = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: flotilla-agent
rules:
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, list, watch, patch]
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create]
`

const agentYAML = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: flotilla-agent
rules:
- apiGroups: [""]
  resources: [nodes, pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: flotilla-agent
  namespace: flotilla-system
rules:
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
`

// allYAML is what controller-gen makes of both: the same grants, grouped differently.
const allYAML = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: flotilla-agent
rules:
- apiGroups: [""]
  resources: [nodes, pods]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, patch, watch]
- apiGroups: [apps]
  resources: [statefulsets]
  verbs: [get, list, patch, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: flotilla-agent
  namespace: flotilla-system
rules:
- apiGroups: [""]
  resources: [events]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create, get, update]
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

func TestGenerate(t *testing.T) {
	out, err := generate([]byte(workloadsYAML), []byte(agentYAML), []byte(allYAML), []byte(webhookYAML))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		"{{- define \"flotilla-agent.rules.workloads\" -}}\n" +
			"- apiGroups: [\"\"]\n  resources: [\"events\"]\n  verbs: [\"create\"]\n" +
			"- apiGroups: [\"apps\"]\n  resources: [\"deployments\", \"statefulsets\"]\n  verbs: [\"get\", \"list\", \"patch\", \"watch\"]\n" +
			"- apiGroups: [\"events.k8s.io\"]\n  resources: [\"events\"]\n  verbs: [\"create\"]\n{{- end -}}",
		"{{- define \"flotilla-agent.rules.nodeReader\" -}}\n" +
			"- apiGroups: [\"\"]\n  resources: [\"nodes\", \"pods\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n{{- end -}}",
		"{{- define \"flotilla-agent.rules.agentNamespace\" -}}\n" +
			"- apiGroups: [\"\"]\n  resources: [\"events\"]\n  verbs: [\"create\"]\n" +
			"- apiGroups: [\"coordination.k8s.io\"]\n  resources: [\"leases\"]\n  verbs: [\"create\", \"get\", \"update\"]\n{{- end -}}",
		// The union has each grant once.
		"{{- define \"flotilla-agent.rules.workloadsAndAgentNamespace\" -}}\n" +
			"- apiGroups: [\"\"]\n  resources: [\"events\"]\n  verbs: [\"create\"]\n" +
			"- apiGroups: [\"apps\"]\n  resources: [\"deployments\", \"statefulsets\"]\n  verbs: [\"get\", \"list\", \"patch\", \"watch\"]\n" +
			"- apiGroups: [\"coordination.k8s.io\"]\n  resources: [\"leases\"]\n  verbs: [\"create\", \"get\", \"update\"]\n" +
			"- apiGroups: [\"events.k8s.io\"]\n  resources: [\"events\"]\n  verbs: [\"create\"]\n{{- end -}}",
		"{{- define \"flotilla-agent.rules.workloadsAndNodeReader\" -}}\n",
		// The webhook's rules, each narrowed to the names the chart computes.
		"{{- define \"flotilla-agent.rules.webhookCRDs\" -}}\n" +
			"- apiGroups: [\"apiextensions.k8s.io\"]\n  resources: [\"customresourcedefinitions\"]\n" +
			"  resourceNames: {{ include \"flotilla-agent.webhook.crdNames\" . }}\n  verbs: [\"get\", \"patch\"]\n{{- end -}}",
		"{{- define \"flotilla-agent.rules.webhookSecret\" -}}\n" +
			"- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n" +
			"  resourceNames: [{{ include \"flotilla-agent.webhook.secretName\" . | quote }}]\n" +
			"  verbs: [\"get\", \"patch\", \"update\"]\n{{- end -}}",
		"DO NOT EDIT",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the output lacks\n%s\n--- output:\n%s", want, got)
		}
	}
	again, err := generate([]byte(workloadsYAML), []byte(agentYAML), []byte(allYAML), []byte(webhookYAML))
	if err != nil || string(again) != got {
		t.Errorf("a second run differs (%v)", err)
	}
}

func TestGenerateRejects(t *testing.T) {
	replace := func(s, old, repl string) string {
		if !strings.Contains(s, old) {
			t.Fatalf("test input lacks %q", old)
		}
		return strings.Replace(s, old, repl, 1)
	}
	for name, tc := range map[string]struct {
		workloads, agent, all string
		want                  string
	}{
		"wildcard verb": {replace(workloadsYAML, "verbs: [create]", `verbs: ["*"]`), agentYAML, allYAML, "wildcards"},
		"wildcard resource": {workloadsYAML, replace(agentYAML, "resources: [leases]", `resources: ["*"]`), allYAML,
			"wildcards"},
		"namespaced workload rule": {workloadsYAML + "---\nkind: Role\nmetadata: {name: x, namespace: flotilla-system}\n" +
			"rules: [{apiGroups: [apps], resources: [deployments], verbs: [get]}]\n",
			agentYAML, allYAML, "must not name a namespace"},
		"other namespace": {workloadsYAML, replace(agentYAML, "namespace: flotilla-system", "namespace: kube-system"), allYAML,
			`Role in namespace "kube-system"`},
		"cluster-scoped workload rule": {replace(workloadsYAML, "resources: [deployments, statefulsets]", "resources: [namespaces]"),
			agentYAML, allYAML, "namespaces.apps is cluster-scoped"},
		"writing nodes": {workloadsYAML, replace(agentYAML, "verbs: [get, list, watch]", "verbs: [get, patch]"), allYAML,
			"only get, list and watch"},
		"package left out": {workloadsYAML, agentYAML, replace(allYAML, "resources: [statefulsets]", "resources: [replicasets]"),
			"add the package"},
		"namespaced rule left out": {workloadsYAML, agentYAML, replace(allYAML, "verbs: [create, get, update]", "verbs: [get]"),
			"add the package"},
		"resourceNames": {replace(workloadsYAML, "verbs: [create]", "verbs: [create]\n  resourceNames: [x]"), agentYAML, allYAML,
			"resourceNames"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := generate([]byte(tc.workloads), []byte(tc.agent), []byte(tc.all), []byte(webhookYAML))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestGenerateRejectsWebhook checks that the webhook's input is checked (rbacrules.DecodeWebhook
// has the details) and named in the error.
func TestGenerateRejectsWebhook(t *testing.T) {
	for name, in := range map[string]string{
		"other namespace": strings.Replace(webhookYAML, "namespace: flotilla-system", "namespace: kube-system", 1),
		"agent's rules":   agentYAML,
		"empty":           "",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := generate([]byte(workloadsYAML), []byte(agentYAML), []byte(allYAML), []byte(in))
			if err == nil || !strings.HasPrefix(err.Error(), "-webhook: ") {
				t.Errorf("got %v, want an error about -webhook", err)
			}
		})
	}
}

func TestRunWritesOnlyOnChange(t *testing.T) {
	dir := t.TempDir()
	paths := map[string]string{"workloads": workloadsYAML, "agent": agentYAML, "all": allYAML, "webhook": webhookYAML}
	for name, content := range paths {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out.tpl")
	run1 := func() {
		t.Helper()
		if err := run(filepath.Join(dir, "workloads"), filepath.Join(dir, "agent"), filepath.Join(dir, "all"),
			filepath.Join(dir, "webhook"), out); err != nil {
			t.Fatal(err)
		}
	}
	run1()
	before, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	run1()
	after, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("an unchanged output was rewritten")
	}
}
