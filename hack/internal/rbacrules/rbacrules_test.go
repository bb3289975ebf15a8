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
