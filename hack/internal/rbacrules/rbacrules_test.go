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

package rbacrules

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestSetSplitUnionYAML(t *testing.T) {
	s := Set{}
	if err := s.Add([]rbacv1.PolicyRule{
		{APIGroups: []string{"", "apps"}, Resources: []string{"secrets", "deployments"}, Verbs: []string{"watch", "get"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list"}},
	}); err != nil {
		t.Fatal(err)
	}
	secrets := s.Split(func(k Key) bool { return k.Group == "" && k.Resource == "secrets" })
	if got, want := secrets.Describe(), "secrets: get,list,watch"; got != want {
		t.Errorf("split: got %q, want %q", got, want)
	}
	if got, want := s.Keys(), []string{"deployments", "deployments.apps", "secrets.apps"}; len(got) != len(want) ||
		got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("rest: got %v, want %v", got, want)
	}
	u := Union(s, secrets)
	if got, want := u.YAML(), "- apiGroups: [\"\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\", \"watch\"]\n"+
		"- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n"+
		"- apiGroups: [\"apps\"]\n  resources: [\"deployments\", \"secrets\"]\n  verbs: [\"get\", \"watch\"]\n"; got != want {
		t.Errorf("YAML: got\n%s\nwant\n%s", got, want)
	}
	if !u.Equal(Union(secrets, s)) || u.Equal(s) {
		t.Error("Equal disagrees with the grants")
	}
	if (Set{}).YAML() != "" {
		t.Error("an empty set renders rules")
	}
}

func TestDecode(t *testing.T) {
	roles, err := Decode([]byte("---\n---\nkind: Role\nmetadata: {name: r, namespace: ns}\n" +
		"rules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]\n---\nkind: ClusterRole\nmetadata: {name: c}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 2 || roles[0].Metadata.Namespace != "ns" || len(roles[0].Rules) != 1 || roles[1].Kind != "ClusterRole" {
		t.Errorf("got %+v", roles)
	}
	if _, err := Decode([]byte("kind: Secret\n")); err == nil {
		t.Error("a Secret was accepted")
	}
}

func TestYAMLForNames(t *testing.T) {
	s := Set{}
	if err := s.Add([]rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"patch", "get"}}}); err != nil {
		t.Fatal(err)
	}
	const names = `[{{ include "x.secretName" . | quote }}]`
	if got, want := s.YAMLForNames(names), "- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  resourceNames: "+names+"\n"+
		"  verbs: [\"get\", \"patch\"]\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("YAMLForNames without names did not panic")
		}
	}()
	s.YAMLForNames("")
}

// webhookYAML is what controller-gen makes of internal/webhookcert's markers.
const webhookYAML = `---
kind: ClusterRole
metadata: {name: flotilla-webhook}
rules:
- apiGroups: [apiextensions.k8s.io]
  resources: [customresourcedefinitions]
  verbs: [get, patch]
---
kind: Role
metadata: {name: flotilla-webhook, namespace: flotilla-system}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, patch, update]
`

func TestDecodeWebhook(t *testing.T) {
	w, err := DecodeWebhook([]byte(webhookYAML), "flotilla-system")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w.CRDs.Describe(), "customresourcedefinitions.apiextensions.k8s.io: get,patch"; got != want {
		t.Errorf("CRDs: got %q, want %q", got, want)
	}
	if got, want := w.Secret.Describe(), "secrets: get,patch,update"; got != want {
		t.Errorf("Secret: got %q, want %q", got, want)
	}
	for name, tc := range map[string]struct{ old, repl, want string }{
		"other namespace":       {"namespace: flotilla-system", "namespace: fleet", `Role in namespace "fleet"`},
		"cluster-wide secrets":  {"resources: [customresourcedefinitions]", "resources: [customresourcedefinitions, secrets]", "cluster-wide rule on secrets"},
		"namespaced configmaps": {"resources: [secrets]", "resources: [secrets, configmaps]", "rule on configmaps in namespace"},
		"no Role":               {"kind: Role", "kind: ClusterRole", "cluster-wide rule on secrets"},
		"no rules":              {"resources: [secrets]", "resources: []", "rules on secrets"},
		"wildcard":              {"verbs: [get, patch]", `verbs: ["*"]`, "wildcards"},
		"resourceNames":         {"verbs: [get, patch]", "verbs: [get, patch]\n  resourceNames: [x]", "resourceNames"},
	} {
		t.Run(name, func(t *testing.T) {
			in := strings.Replace(webhookYAML, tc.old, tc.repl, 1)
			if in == webhookYAML {
				t.Fatalf("test input lacks %q", tc.old)
			}
			if _, err := DecodeWebhook([]byte(in), "flotilla-system"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
