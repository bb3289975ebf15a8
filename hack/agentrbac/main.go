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
//   - -webhook: internal/webhookcert, the conversion webhook's certificate Rotator. The chart
//     narrows each of its rules to resourceNames, which markers cannot name (the Secret is named
//     after the release): its ClusterRole's rules on CustomResourceDefinitions to the DCD CRD
//     (flotilla-agent.webhook.crdNames), granted by the cluster-mode ClusterRole when the agent
//     manages the CRD's conversion, and by the wire-conversion hook's ClusterRole in
//     namespace-restricted mode; its Role's rules on Secrets in flotilla-system to the
//     certificate Secret (flotilla-agent.webhook.secretName), granted in the release namespace
//     to the agent, and to the hook.
//
// No rule may use a wildcard, resourceNames or nonResourceURLs. The output is written only when
// it changed, so that make manifests run twice leaves the file untouched.
//
// Usage: agentrbac -workloads FILE -agent FILE -all FILE -webhook FILE -out FILE
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/flotilla-dev/flotilla/hack/internal/rbacrules"
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
	webhook := flag.String("webhook", "", "role.yaml controller-gen wrote for internal/webhookcert")
	out := flag.String("out", "", "the chart template to write")
	flag.Parse()
	if *workloads == "" || *agent == "" || *all == "" || *webhook == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: agentrbac -workloads FILE -agent FILE -all FILE -webhook FILE -out FILE")
		os.Exit(2)
	}
	if err := run(*workloads, *agent, *all, *webhook, *out); err != nil {
		fmt.Fprintf(os.Stderr, "agentrbac: %v\n", err)
		os.Exit(1)
	}
}

func run(workloadsPath, agentPath, allPath, webhookPath, outPath string) error {
	var inputs [4][]byte
	for i, p := range []string{workloadsPath, agentPath, allPath, webhookPath} {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		inputs[i] = data
	}
	tpl, err := generate(inputs[0], inputs[1], inputs[2], inputs[3])
	if err != nil {
		return err
	}
	return rbacrules.WriteIfChanged(outPath, tpl)
}

// roles decodes the ClusterRole and Roles of a controller-gen role.yaml into rule sets: the
// cluster-wide ones and those of the agent's namespace.
func roles(name string, data []byte) (cluster, namespaced rbacrules.Set, err error) {
	cluster, namespaced = rbacrules.Set{}, rbacrules.Set{}
	decoded, err := rbacrules.Decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, r := range decoded {
		switch {
		case r.Kind == "ClusterRole":
			err = cluster.Add(r.Rules)
		case r.Metadata.Namespace == agentNamespacePlaceholder:
			err = namespaced.Add(r.Rules)
		default:
			err = fmt.Errorf("a Role in namespace %q: the agent's markers may name only namespace=%s, its own namespace",
				r.Metadata.Namespace, agentNamespacePlaceholder)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return cluster, namespaced, nil
}

// generate returns the chart template for the four controller-gen outputs (see the package
// documentation).
func generate(workloadsYAML, agentYAML, allYAML, webhookYAML []byte) ([]byte, error) {
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
	webhook, err := rbacrules.DecodeWebhook(webhookYAML, agentNamespacePlaceholder)
	if err != nil {
		return nil, fmt.Errorf("-webhook: %w", err)
	}

	if len(wNamespaced) > 0 {
		return nil, fmt.Errorf("-workloads: the DCD controller's rules must not name a namespace: restricted mode grants "+
			"them in its target namespace (%s)", strings.Join(wNamespaced.Keys(), ", "))
	}
	if len(workloads) == 0 {
		return nil, errors.New("-workloads: no rules")
	}
	if len(agentNamespace) == 0 {
		return nil, errors.New("-agent: no rules in the agent's namespace")
	}
	for k := range workloads {
		if clusterScoped[k.Resource] || clusterScoped[strings.SplitN(k.Resource, "/", 2)[0]] {
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
	if want := rbacrules.Union(workloads, nodeReader); !allCluster.Equal(want) {
		return nil, fmt.Errorf("-all: the cluster-wide rules of agent/... (%s) differ from those of the listed packages (%s): "+
			"add the package with the markers to the rbac paths of make manifests",
			allCluster.Describe(), want.Describe())
	}
	if !allNamespaced.Equal(agentNamespace) {
		return nil, fmt.Errorf("-all: the rules in the agent's namespace of agent/... (%s) differ from those of the listed "+
			"packages (%s): add the package with the markers to the rbac paths of make manifests",
			allNamespaced.Describe(), agentNamespace.Describe())
	}

	var b strings.Builder
	b.WriteString(`{{- /*
Code generated by hack/agentrbac (make manifests) from the kubebuilder RBAC markers of the agent's
packages (agent/...) and of internal/webhookcert. DO NOT EDIT: change the markers and run make
manifests.
*/ -}}
`)
	for _, d := range []struct {
		name, doc string
		rules     string
	}{
		{"workloads", "The DCD controller's rules: DCDs and the workloads built from them, all namespaced.\n" +
			"A ClusterRole in cluster mode, a Role in the target namespace in namespace-restricted mode.", workloads.YAML()},
		{"nodeReader", "The GPU inventory's read-only rules on Nodes and Pods: part of the cluster-mode\n" +
			"ClusterRole, and the optional node-reader ClusterRole of namespace-restricted mode.", nodeReader.YAML()},
		{"agentNamespace", "The rules in the agent's own namespace: its GPUInventory, its liveness Lease and\n" +
			"leader election. A Role in the release namespace.", agentNamespace.YAML()},
		{"workloadsAndNodeReader", "workloads and nodeReader together: the cluster-mode ClusterRole.",
			rbacrules.Union(workloads, nodeReader).YAML()},
		{"workloadsAndAgentNamespace", "workloads and agentNamespace together: the one Role of a namespace-restricted\n" +
			"agent whose target namespace is its own.", rbacrules.Union(workloads, agentNamespace).YAML()},
		{"webhookCRDs", "The conversion webhook's rules on the DCD CRD, and on no other CRD: part of the\n" +
			"cluster-mode ClusterRole when the agent manages the CRD's conversion (webhook.manageCRDs),\n" +
			"and the wire-conversion hook's ClusterRole in namespace-restricted mode.",
			webhook.CRDs.YAMLForNames(`{{ include "flotilla-agent.webhook.crdNames" . }}`)},
		{"webhookSecret", "The conversion webhook's rules on its certificate Secret, and on no other Secret:\n" +
			"part of the agent's Role in the release namespace, and the wire-conversion hook's Role.",
			webhook.Secret.YAMLForNames(`[{{ include "flotilla-agent.webhook.secretName" . | quote }}]`)},
	} {
		fmt.Fprintf(&b, "\n{{- /*\n%s\n*/ -}}\n{{- define \"flotilla-agent.rules.%s\" -}}\n%s{{- end -}}\n",
			d.doc, d.name, d.rules)
	}
	return []byte(b.String()), nil
}
