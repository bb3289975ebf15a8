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

// Command agentrbac turns the RBAC controller-gen generates from the agent's kubebuilder markers
// into named rule lists for the agent chart (charts/agent/templates/_rbac_rules.tpl), which the
// chart's templates put into a ClusterRole or a Role depending on the mode.
//
// make manifests runs controller-gen three times over the agent's packages and passes the three
// role.yaml files:
//
//   - -workloads: the DCD controller's packages. Its ClusterRole holds the rules on DCDs and
//     the workloads built from them: a ClusterRole in cluster mode, a Role in the target
//     namespace in namespace-restricted mode. Its rules must all be namespaced.
//   - -agent: the inventory, liveness and manager packages. Its ClusterRole holds the read-only
//     rules on Nodes and Pods (the inventory from Nodes: part of the cluster-mode ClusterRole,
//     or the optional node-reader ClusterRole of restricted mode); its Role in flotilla-system,
//     the placeholder of the agent's own namespace, the rules on the GPUInventory and the
//     Leases, which become a Role in the release namespace.
//   - -all: every package under agent/. Its rules must be exactly the union of the two others,
//     so that a package whose markers the Makefile does not list is noticed.
//
// No rule may use a wildcard, resourceNames or nonResourceURLs. The output is written only when
// it changed, so that make manifests run twice leaves the file untouched.
//
// Usage: agentrbac -workloads FILE -agent FILE -all FILE -out FILE
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// agentNamespacePlaceholder is the namespace the agent's markers name for its own namespace.
const agentNamespacePlaceholder = "flotilla-system"

// clusterScoped are cluster-scoped resources that a Role cannot grant: none may appear among
// the DCD controller's rules, which restricted mode puts into a Role.
var clusterScoped = map[string]bool{
	"nodes": true, "namespaces": true, "persistentvolumes": true, "storageclasses": true,
	"clusterroles": true, "clusterrolebindings": true, "customresourcedefinitions": true,
	"priorityclasses": true, "ingressclasses": true, "runtimeclasses": true, "csidrivers": true,
	"csinodes": true, "volumeattachments": true, "certificatesigningrequests": true,
	"mutatingwebhookconfigurations": true, "validatingwebhookconfigurations": true,
	"apiservices": true, "tokenreviews": true, "subjectaccessreviews": true,
	"selfsubjectaccessreviews": true, "selfsubjectrulesreviews": true,
}

// readVerbs are the verbs of a read-only rule.
var readVerbs = map[string]bool{"get": true, "list": true, "watch": true}

func main() {
	workloads := flag.String("workloads", "", "role.yaml controller-gen wrote for the DCD controller's packages")
	agent := flag.String("agent", "", "role.yaml controller-gen wrote for the inventory, liveness and manager packages")
	all := flag.String("all", "", "role.yaml controller-gen wrote for every package under agent/")
	out := flag.String("out", "", "the chart template to write")
	flag.Parse()
	if *workloads == "" || *agent == "" || *all == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: agentrbac -workloads FILE -agent FILE -all FILE -out FILE")
		os.Exit(2)
	}
	if err := run(*workloads, *agent, *all, *out); err != nil {
		fmt.Fprintf(os.Stderr, "agentrbac: %v\n", err)
		os.Exit(1)
	}
}

func run(workloadsPath, agentPath, allPath, outPath string) error {
	var inputs [3][]byte
	for i, p := range []string{workloadsPath, agentPath, allPath} {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		inputs[i] = data
	}
	tpl, err := generate(inputs[0], inputs[1], inputs[2])
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(outPath); err == nil && bytes.Equal(old, tpl) {
		return nil
	}
	return os.WriteFile(outPath, tpl, 0o644)
}

// role is the part of a ClusterRole or Role that matters here.
type role struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Rules []rbacv1.PolicyRule `json:"rules"`
}

// roles decodes the ClusterRole and Roles of a controller-gen role.yaml into rule sets: the
// cluster-wide ones and those of the agent's namespace.
func roles(name string, data []byte) (cluster, namespaced ruleSet, err error) {
	cluster, namespaced = ruleSet{}, ruleSet{}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var r role
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		switch {
		case r.Kind == "":
			continue // an empty document
		case r.Kind == "ClusterRole":
			err = cluster.add(r.Rules)
		case r.Kind == "Role" && r.Metadata.Namespace == agentNamespacePlaceholder:
			err = namespaced.add(r.Rules)
		case r.Kind == "Role":
			err = fmt.Errorf("a Role in namespace %q: the agent's markers may name only namespace=%s, its own namespace",
				r.Metadata.Namespace, agentNamespacePlaceholder)
		default:
			err = fmt.Errorf("unexpected kind %q", r.Kind)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return cluster, namespaced, nil
}

// generate returns the chart template for the three controller-gen outputs (see the package
// documentation).
func generate(workloadsYAML, agentYAML, allYAML []byte) ([]byte, error) {
	workloads, wNamespaced, err := roles("-workloads", workloadsYAML)
	if err != nil {
		return nil, err
	}
	nodeReader, agentNamespace, err := roles("-agent", agentYAML)
	if err != nil {
		return nil, err
	}
	allCluster, allNamespaced, err := roles("-all", allYAML)
	if err != nil {
		return nil, err
	}

	if len(wNamespaced) > 0 {
		return nil, fmt.Errorf("-workloads: the DCD controller's rules must not name a namespace: restricted mode grants "+
			"them in its target namespace (%s)", strings.Join(wNamespaced.keys(), ", "))
	}
	if len(workloads) == 0 {
		return nil, errors.New("-workloads: no rules")
	}
	if len(agentNamespace) == 0 {
		return nil, errors.New("-agent: no rules in the agent's namespace")
	}
	for k := range workloads {
		if clusterScoped[k.resource] || clusterScoped[strings.SplitN(k.resource, "/", 2)[0]] {
			return nil, fmt.Errorf("-workloads: %s is cluster-scoped: restricted mode cannot grant it with a Role", k)
		}
	}
	for k, verbs := range nodeReader {
		for v := range verbs {
			if !readVerbs[v] {
				return nil, fmt.Errorf("-agent: cluster-wide rule %s %s: only get, list and watch may be granted cluster-wide "+
					"outside the DCD controller (the optional read-only node ClusterRole)", v, k)
			}
		}
	}
	if want := union(workloads, nodeReader); !allCluster.equal(want) {
		return nil, fmt.Errorf("-all: the cluster-wide rules of agent/... (%s) differ from those of the listed packages (%s): "+
			"add the package with the markers to the rbac paths of make manifests",
			allCluster.describe(), want.describe())
	}
	if !allNamespaced.equal(agentNamespace) {
		return nil, fmt.Errorf("-all: the rules in the agent's namespace of agent/... (%s) differ from those of the listed "+
			"packages (%s): add the package with the markers to the rbac paths of make manifests",
			allNamespaced.describe(), agentNamespace.describe())
	}

	var b strings.Builder
	b.WriteString(`{{- /*
Code generated by hack/agentrbac (make manifests) from the kubebuilder RBAC markers of the agent's
packages (agent/...). DO NOT EDIT: change the markers and run make manifests.
*/ -}}
`)
	for _, d := range []struct {
		name, doc string
		rules     ruleSet
	}{
		{"workloads", "The DCD controller's rules: DCDs and the workloads built from them, all namespaced.\n" +
			"A ClusterRole in cluster mode, a Role in the target namespace in namespace-restricted mode.", workloads},
		{"nodeReader", "The GPU inventory's read-only rules on Nodes and Pods: part of the cluster-mode\n" +
			"ClusterRole, and the optional node-reader ClusterRole of namespace-restricted mode.", nodeReader},
		{"agentNamespace", "The rules in the agent's own namespace: its GPUInventory, its liveness Lease and\n" +
			"leader election. A Role in the release namespace.", agentNamespace},
		{"workloadsAndNodeReader", "workloads and nodeReader together: the cluster-mode ClusterRole.",
			union(workloads, nodeReader)},
		{"workloadsAndAgentNamespace", "workloads and agentNamespace together: the one Role of a namespace-restricted\n" +
			"agent whose target namespace is its own.", union(workloads, agentNamespace)},
	} {
		fmt.Fprintf(&b, "\n{{- /*\n%s\n*/ -}}\n{{- define \"flotilla-agent.rules.%s\" -}}\n%s{{- end -}}\n",
			d.doc, d.name, d.rules.yaml())
	}
	return []byte(b.String()), nil
}

// resourceKey is one resource (or subresource, "dcds/status") of one API group.
type resourceKey struct{ group, resource string }

func (k resourceKey) String() string {
	if k.group == "" {
		return k.resource
	}
	return k.resource + "." + k.group
}

// ruleSet is a set of granted (group, resource, verb), the form in which rules compare.
type ruleSet map[resourceKey]map[string]bool

func (s ruleSet) add(rules []rbacv1.PolicyRule) error {
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
				k := resourceKey{g, res}
				if s[k] == nil {
					s[k] = map[string]bool{}
				}
				for _, v := range r.Verbs {
					s[k][v] = true
				}
			}
		}
	}
	return nil
}

func union(sets ...ruleSet) ruleSet {
	u := ruleSet{}
	for _, s := range sets {
		for k, verbs := range s {
			if u[k] == nil {
				u[k] = map[string]bool{}
			}
			for v := range verbs {
				u[k][v] = true
			}
		}
	}
	return u
}

func (s ruleSet) equal(o ruleSet) bool { return s.describe() == o.describe() }

// keys returns the resources of s, sorted.
func (s ruleSet) keys() []string {
	var out []string
	for k := range s {
		out = append(out, k.String())
	}
	slices.Sort(out)
	return out
}

// describe returns "resource.group: verb,verb; ..." sorted: a canonical text of s.
func (s ruleSet) describe() string {
	var parts []string
	for k, verbs := range s {
		parts = append(parts, k.String()+": "+strings.Join(sortedKeys(verbs), ","))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// yaml renders s as a YAML list of PolicyRules: one rule per API group and verb set, resources
// sorted, rules ordered by group and first resource, in flow style with quoted strings.
func (s ruleSet) yaml() string {
	type ruleKey struct{ group, verbs string }
	resources := map[ruleKey][]string{}
	for k, verbs := range s {
		rk := ruleKey{k.group, strings.Join(sortedKeys(verbs), ",")}
		resources[rk] = append(resources[rk], k.resource)
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
		fmt.Fprintf(&b, "- apiGroups: %s\n  resources: %s\n  verbs: %s\n",
			flowList([]string{rk.group}), flowList(resources[rk]), flowList(strings.Split(rk.verbs, ",")))
	}
	return b.String()
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
