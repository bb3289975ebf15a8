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
	"fmt"
	"net/http"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/flotilla-dev/flotilla/test/testenv"
)

// GrantsOf returns the grants (Grants' strings) objs give the ServiceAccount namespace/name:
// the rules of every Role and ClusterRole among objs that a RoleBinding or ClusterRoleBinding
// among objs binds to it, sorted and without duplicates.
func GrantsOf(objs []*unstructured.Unstructured, namespace, name string) ([]string, error) {
	roles := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		if o.GetKind() == "Role" || o.GetKind() == "ClusterRole" {
			roles[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] = o
		}
	}
	var grants []string
	for _, o := range objs {
		if o.GetKind() != "RoleBinding" && o.GetKind() != "ClusterRoleBinding" {
			continue
		}
		b := &rbacv1.RoleBinding{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, b); err != nil {
			return nil, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
		if !slices.ContainsFunc(b.Subjects, func(s rbacv1.Subject) bool {
			return s.Kind == rbacv1.ServiceAccountKind && s.Namespace == namespace && s.Name == name
		}) {
			continue
		}
		roleNS := o.GetNamespace()
		if b.RoleRef.Kind == "ClusterRole" {
			roleNS = ""
		}
		role, ok := roles[b.RoleRef.Kind+"/"+roleNS+"/"+b.RoleRef.Name]
		if !ok {
			return nil, fmt.Errorf("%s %s binds %s %s, which the chart does not render", o.GetKind(), o.GetName(), b.RoleRef.Kind, b.RoleRef.Name)
		}
		rules, err := Rules(role)
		if err != nil {
			return nil, err
		}
		grants = append(grants, Grants(rules)...)
	}
	slices.Sort(grants)
	return slices.Compact(grants), nil
}

// UnusedGrants returns the grants (Grants' strings) that no request of the ServiceAccount
// namespace/name among events exercised: a grant "verb resource.group" is used by a request
// with that verb on that resource (resource/subresource for a subresource), "verb
// resource.group name" by one that also named that object. Requests the API server refused
// as forbidden do not count. Two verbs are checked by the API server within another request:
//   - create, by a server-side apply (a patch) that creates the object (status 201);
//   - list, by a watch that streams the initial list (client-go's informers, WatchListClient).
func UnusedGrants(grants []string, events []testenv.AuditEvent, namespace, name string) []string {
	user := "system:serviceaccount:" + namespace + ":" + name
	used := map[string]bool{}
	for _, e := range events {
		if e.User != user || e.Code == http.StatusForbidden || e.Resource == "" {
			continue
		}
		res := e.Resource
		if e.Subresource != "" {
			res += "/" + e.Subresource
		}
		if e.Group != "" {
			res += "." + e.Group
		}
		verbs := []string{e.Verb}
		switch {
		case e.Verb == "patch" && e.Code == http.StatusCreated:
			verbs = append(verbs, "create")
		case e.Verb == "watch":
			verbs = append(verbs, "list")
		}
		for _, v := range verbs {
			used[v+" "+res] = true
			if e.Name != "" {
				used[v+" "+res+" "+e.Name] = true
			}
		}
	}
	var unused []string
	for _, g := range grants {
		if !used[g] {
			unused = append(unused, g)
		}
	}
	return unused
}
