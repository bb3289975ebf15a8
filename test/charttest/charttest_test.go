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

package charttest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/flotilla-dev/flotilla/test/manifests"
)

const rendered = `---
apiVersion: v1
kind: ServiceAccount
metadata: {name: hub, namespace: flotilla-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: hub}
rules:
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: hub, namespace: fleet}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: hub, namespace: fleet}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: hub}
subjects: [{kind: ServiceAccount, name: hub, namespace: flotilla-system}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hub, namespace: flotilla-system}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hook
  namespace: flotilla-system
  annotations: {helm.sh/hook: post-install, helm.sh/hook-weight: "-1"}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: hook
  namespace: flotilla-system
  annotations: {helm.sh/hook: post-install}
`

func decode(t *testing.T, s string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := manifests.Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestSelectors(t *testing.T) {
	objs := decode(t, rendered)
	if got := Kinds(objs); len(got) != 6 || got["Role"] != 1 || got["Deployment"] != 1 || got["ServiceAccount"] != 2 {
		t.Errorf("Kinds: %v", got)
	}
	if got := OfKind(objs, "Role"); len(got) != 1 || got[0].GetNamespace() != "fleet" {
		t.Errorf("OfKind: %v", got)
	}
	if Find(objs, "Role", "fleet", "hub") == nil || Find(objs, "Role", "flotilla-system", "hub") != nil {
		t.Error("Find matches on the wrong namespace")
	}
	var kinds []string
	for _, o := range RBAC(objs) {
		kinds = append(kinds, o.GetKind())
	}
	if want := []string{"ServiceAccount", "ClusterRole", "Role", "RoleBinding"}; !slices.Equal(kinds, want) {
		t.Errorf("RBAC: %v, want %v", kinds, want)
	}
	hooks := Hooks(objs)
	if len(hooks) != 2 || hooks[0].GetName() != "hook" || hooks[1].GetKind() != "Job" {
		t.Fatalf("Hooks: %v", hooks)
	}
	if IsHook(hooks[0]) || hooks[0].GetAnnotations()["helm.sh/hook-weight"] != "-1" || !IsHook(objs[len(objs)-1]) {
		t.Error("Hooks did not turn the hook's objects into released ones, or changed objs")
	}
	if rbac := RBAC(hooks); len(rbac) != 1 || rbac[0].GetKind() != "ServiceAccount" {
		t.Errorf("RBAC(Hooks): %v, want the hook's ServiceAccount", rbac)
	}
}

func TestRulesAndGrants(t *testing.T) {
	objs := decode(t, rendered)
	rules, err := Rules(Find(objs, "ClusterRole", "", "hub"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"create events", "patch events", "create events.events.k8s.io", "patch events.events.k8s.io"}
	if got := Grants(rules); !slices.Equal(got, want) {
		t.Errorf("Grants: %v, want %v", got, want)
	}
	named := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"a", "b"},
		Verbs: []string{"get"}}}
	if got, want := Grants(named), []string{"get secrets a", "get secrets b"}; !slices.Equal(got, want) {
		t.Errorf("Grants with resourceNames: %v, want %v", got, want)
	}
	if _, err := Rules(Find(objs, "ServiceAccount", "flotilla-system", "hub")); err == nil {
		t.Error("Rules accepted a ServiceAccount")
	}
}

func TestCheckNoWildcards(t *testing.T) {
	if err := CheckNoWildcards(decode(t, rendered)); err != nil {
		t.Error(err)
	}
	err := CheckNoWildcards(decode(t, strings.Replace(rendered, "verbs: [get]", `verbs: ["*"]`, 1)))
	if err == nil || !strings.Contains(err.Error(), "Role fleet/hub") {
		t.Errorf("got %v, want the wildcard Role named", err)
	}
	if err := CheckNoWildcards(decode(t, "kind: ServiceAccount\nmetadata: {name: x}\n")); err == nil {
		t.Error("no rules at all passed")
	}
}

func TestInstall(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "flotilla-system"}}).Build()
	if err := Install(t.Context(), c, decode(t, rendered)); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, o := range []client.Object{&corev1.Namespace{}, &rbacv1.Role{}, &rbacv1.RoleBinding{}} {
		key := client.ObjectKey{Namespace: "fleet", Name: "hub"}
		if _, ok := o.(*corev1.Namespace); ok {
			key = client.ObjectKey{Name: "fleet"}
		}
		if err := c.Get(ctx, key, o); err != nil {
			t.Errorf("%T: %v", o, err)
		}
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "flotilla-system", Name: "hub"}, &appsv1.Deployment{}); err == nil {
		t.Error("the Deployment was installed")
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "flotilla-system", Name: "hook"}, &corev1.ServiceAccount{}); err == nil {
		t.Error("a hook's object was installed")
	}
	if err := Install(ctx, c, decode(t, rendered)); err == nil || !strings.Contains(err.Error(), "creating ServiceAccount flotilla-system/hub") {
		t.Errorf("a second install: got %v, want an error naming the existing object", err)
	}
}

func TestRepoRootAndPath(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, chart := range []string{AgentChart, HubChart} {
		p, err := Path(chart)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(p, "Chart.yaml")); err != nil {
			t.Errorf("%s: %v", chart, err)
		}
	}
	if p, _ := Path("/abs"); p != "/abs" {
		t.Errorf("Path changed an absolute path: %s", p)
	}
	if !filepath.IsAbs(root) {
		t.Errorf("root %s is relative", root)
	}
}
