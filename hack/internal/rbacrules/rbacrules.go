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

// Package rbacrules turns the RBAC controller-gen generates from kubebuilder markers into rule
// lists for Helm templates: it decodes controller-gen's role.yaml, compares rules as sets of
// (group, resource, verb) grants, and renders them in one canonical YAML form. hack/agentrbac
// and hack/hubrbac build the agent's and the hub's chart rules with it.
package rbacrules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Role is the part of a ClusterRole or Role of a controller-gen role.yaml that matters here.
type Role struct {
	// Kind is ClusterRole or Role.
	Kind string `json:"kind"`
	// Metadata holds the name, and the namespace of a Role.
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	// Rules are the role's rules as controller-gen wrote them.
	Rules []rbacv1.PolicyRule `json:"rules"`
}

// Decode returns the ClusterRoles and Roles of a (multi-document) role.yaml, skipping empty
// documents. Any other kind is an error.
func Decode(data []byte) ([]Role, error) {
	var out []Role
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var r Role
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		switch r.Kind {
		case "":
			continue // an empty document
		case "ClusterRole", "Role":
			out = append(out, r)
		default:
			return nil, fmt.Errorf("unexpected kind %q", r.Kind)
		}
	}
}

// WriteIfChanged writes data to path unless the file already holds exactly data, so that a
// generator run twice leaves its output untouched.
func WriteIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}

// Key is one resource (or subresource, "dcds/status") of one API group.
type Key struct{ Group, Resource string }

func (k Key) String() string {
	if k.Group == "" {
		return k.Resource
	}
	return k.Resource + "." + k.Group
}

// Set is a set of granted (group, resource, verb), the form in which rules compare.
type Set map[Key]map[string]bool

// Add adds the grants of rules to s. Wildcards, resourceNames and nonResourceURLs are errors.
func (s Set) Add(rules []rbacv1.PolicyRule) error {
	for _, r := range rules {
		if len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			return fmt.Errorf("rule %v: resourceNames and nonResourceURLs are not supported", r)
		}
		for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs} {
			if slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, "*") }) {
				return fmt.Errorf("rule %v: wildcards are not allowed", r)
			}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				s.grant(Key{g, res}, r.Verbs...)
			}
		}
	}
	return nil
}

// grant adds verbs on k to s.
func (s Set) grant(k Key, verbs ...string) {
	if s[k] == nil {
		s[k] = map[string]bool{}
	}
	for _, v := range verbs {
		s[k][v] = true
	}
}

// Union returns a new set with the grants of all sets.
func Union(sets ...Set) Set {
	u := Set{}
	for _, s := range sets {
		for k, verbs := range s {
			u.grant(k, sortedKeys(verbs)...)
		}
	}
	return u
}

// Split moves the grants of s on the keys for which in returns true into a new set, which it
// returns.
func (s Set) Split(in func(Key) bool) Set {
	out := Set{}
	for k, verbs := range s {
		if in(k) {
			out[k] = verbs
			delete(s, k)
		}
	}
	return out
}

// Equal reports whether s and o grant the same.
func (s Set) Equal(o Set) bool { return s.Describe() == o.Describe() }

// Keys returns the resources of s, sorted.
func (s Set) Keys() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k.String())
	}
	slices.Sort(out)
	return out
}

// Verbs returns the verbs granted on k, sorted.
func (s Set) Verbs(k Key) []string { return sortedKeys(s[k]) }

// Describe returns "resource.group: verb,verb; ..." sorted: a canonical text of s.
func (s Set) Describe() string {
	parts := make([]string, 0, len(s))
	for k, verbs := range s {
		parts = append(parts, k.String()+": "+strings.Join(sortedKeys(verbs), ","))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// YAML renders s as a YAML list of PolicyRules: one rule per API group and verb set, resources
// sorted, rules ordered by group and first resource, in flow style with quoted strings. An
// empty set renders as "".
func (s Set) YAML() string { return s.render("") }

// YAMLForNames renders s as YAML does, every rule narrowed to resourceNames: names is written
// as is after "resourceNames: ", a flow list or a Helm template expression that renders one
// (the names a chart computes, such as a Secret named after the release).
func (s Set) YAMLForNames(names string) string {
	if names == "" {
		panic("rbacrules: YAMLForNames without names would grant every object")
	}
	return s.render(names)
}

// render renders s (see YAML), with a resourceNames line in every rule when names is set.
func (s Set) render(names string) string {
	type ruleKey struct{ group, verbs string }
	resources := map[ruleKey][]string{}
	for k, verbs := range s {
		rk := ruleKey{k.Group, strings.Join(sortedKeys(verbs), ",")}
		resources[rk] = append(resources[rk], k.Resource)
	}
	keys := make([]ruleKey, 0, len(resources))
	for rk := range resources {
		slices.Sort(resources[rk])
		keys = append(keys, rk)
	}
	slices.SortFunc(keys, func(a, b ruleKey) int {
		if c := strings.Compare(a.group, b.group); c != 0 {
			return c
		}
		return strings.Compare(resources[a][0], resources[b][0])
	})
	var b strings.Builder
	for _, rk := range keys {
		fmt.Fprintf(&b, "- apiGroups: %s\n  resources: %s\n", flowList([]string{rk.group}), flowList(resources[rk]))
		if names != "" {
			fmt.Fprintf(&b, "  resourceNames: %s\n", names)
		}
		fmt.Fprintf(&b, "  verbs: %s\n", flowList(strings.Split(rk.verbs, ",")))
	}
	return b.String()
}

// WebhookRules are the rules of the conversion webhook's certificate Rotator, from the markers
// of internal/webhookcert, as the charts grant them: each narrowed to resourceNames.
type WebhookRules struct {
	// CRDs are the cluster-wide rules on the CustomResourceDefinitions whose conversion the
	// component sets: granted on the CRDs it converts only.
	CRDs Set
	// Secret are the rules in the component's own namespace on the Secret holding the
	// certificates: granted on that Secret only.
	Secret Set
}

// crdKey is what WebhookRules.CRDs may grant on.
var crdKey = Key{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"}

// DecodeWebhook sorts the ClusterRole and the Role of a controller-gen role.yaml generated from
// internal/webhookcert into WebhookRules. Roles must be in namespacePlaceholder, which stands for
// the component's own namespace. Since the charts narrow every rule to the names of the CRDs or
// of the Secret, the ClusterRole may hold rules on CRDs only and the Role rules on Secrets only.
func DecodeWebhook(data []byte, namespacePlaceholder string) (WebhookRules, error) {
	w := WebhookRules{CRDs: Set{}, Secret: Set{}}
	decoded, err := Decode(data)
	if err != nil {
		return w, err
	}
	for _, r := range decoded {
		switch {
		case r.Kind == "ClusterRole":
			err = w.CRDs.Add(r.Rules)
		case r.Metadata.Namespace == namespacePlaceholder:
			err = w.Secret.Add(r.Rules)
		default:
			err = fmt.Errorf("a Role in namespace %q: the webhook's markers may name only namespace=%s, the component's own namespace",
				r.Metadata.Namespace, namespacePlaceholder)
		}
		if err != nil {
			return w, err
		}
	}
	for k := range w.CRDs {
		if k != crdKey {
			return w, fmt.Errorf("cluster-wide rule on %s: the webhook's cluster-wide rules are granted on the CRDs it converts only, "+
				"so they may only be about %s", k, crdKey)
		}
	}
	for k := range w.Secret {
		if k.Group != "" || k.Resource != "secrets" {
			return w, fmt.Errorf("rule on %s in namespace %s: the webhook's namespaced rules are granted on its certificate Secret only, "+
				"so they may only be about secrets", k, namespacePlaceholder)
		}
	}
	if len(w.CRDs) == 0 || len(w.Secret) == 0 {
		return w, errors.New("the webhook needs cluster-wide rules on customresourcedefinitions and rules on secrets " +
			"in its own namespace: are the markers of internal/webhookcert in the input?")
	}
	return w, nil
}

func flowList(items []string) string {
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i] = strconv.Quote(it)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
