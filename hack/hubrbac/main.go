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

// Command hubrbac turns the RBAC controller-gen generates from the hub's kubebuilder markers
// (every package under hub/) into named rule lists for the hub chart
// (charts/hub/templates/_rbac_rules.tpl), which the chart's templates grant according to the
// member sources it enables.
//
// controller-gen markers are either cluster-wide or name one namespace. The hub's rules fall in
// five groups, told apart by what they are about rather than by the package holding the marker,
// so that markers may move between the hub's packages:
//
//   - flotilla-hub.rules.memberSecrets: every rule on core Secrets, with or without a namespace.
//     The hub reads Secrets only as member kubeconfigs, so these must be read-only. The chart
//     grants them with a Role in members.secretNamespace, or in the ClusterRole when the
//     cluster-api member source is on (a Cluster's <name>-kubeconfig Secret lives in the
//     Cluster's namespace, any namespace).
//   - flotilla-hub.rules.clusterAPI: the cluster-wide rules on the cluster.x-k8s.io group,
//     read-only; part of the ClusterRole only with the cluster-api member source.
//   - flotilla-hub.rules.hubNamespace: the rules of markers with namespace=flotilla-system, the
//     placeholder of the hub's own namespace: a Role in the release namespace (leader election).
//   - flotilla-hub.rules.webhookConfigurations: the cluster-wide rules on the
//     admissionregistration.k8s.io group (the graphs' ValidatingWebhookConfiguration, whose
//     webhooks the hub's certificate Rotator points at itself), narrowed to the chart's
//     configuration (flotilla-hub.webhook.validatingConfigurationName): a hub allowed to patch
//     any webhook configuration could switch off the cluster's other admission webhooks.
//   - flotilla-hub.rules: every other cluster-wide rule: the hub's ClusterRole.
//
// The conversion webhook's certificate rules come from the markers of internal/webhookcert, in a
// controller-gen run of their own (-webhook), since the chart narrows each of them to
// resourceNames, which markers cannot name (the Secret is named after the release):
//
//   - flotilla-hub.rules.webhookCRDs: the cluster-wide rules on CustomResourceDefinitions,
//     narrowed to the CRDs the hub converts (the chart's flotilla-hub.webhook.crdNames); part of
//     the ClusterRole when the hub manages the CRDs' conversion (webhook.manageCRDs).
//   - flotilla-hub.rules.webhookSecret: the rules on Secrets in the hub's namespace, narrowed to
//     the certificate Secret (flotilla-hub.webhook.secretName): a Role in the release namespace.
//
// A marker naming any other namespace, a wildcard, resourceNames or nonResourceURLs is an
// error. The output is written only when it changed, so that make manifests run twice leaves the
// file untouched.
//
// Usage: hubrbac -rbac FILE -webhook FILE -out FILE
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/flotilla-dev/flotilla/hack/internal/rbacrules"
)

const (
	// hubNamespacePlaceholder is the namespace the hub's markers name for its own namespace.
	hubNamespacePlaceholder = "flotilla-system"
	// clusterAPIGroup is the API group of Cluster API, read by the cluster-api member source.
	clusterAPIGroup = "cluster.x-k8s.io"
	// admissionGroup is the API group of webhook configurations, whose caBundle the hub sets.
	admissionGroup = "admissionregistration.k8s.io"
)

// readVerbs are the verbs of a read-only rule.
var readVerbs = map[string]bool{"get": true, "list": true, "watch": true}

func main() {
	rbac := flag.String("rbac", "", "role.yaml controller-gen wrote for the packages under hub/")
	webhook := flag.String("webhook", "", "role.yaml controller-gen wrote for internal/webhookcert")
	out := flag.String("out", "", "the chart template to write")
	flag.Parse()
	if *rbac == "" || *webhook == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: hubrbac -rbac FILE -webhook FILE -out FILE")
		os.Exit(2)
	}
	if err := run(*rbac, *webhook, *out); err != nil {
		fmt.Fprintf(os.Stderr, "hubrbac: %v\n", err)
		os.Exit(1)
	}
}

func run(rbacPath, webhookPath, outPath string) error {
	data, err := os.ReadFile(rbacPath)
	if err != nil {
		return err
	}
	webhookData, err := os.ReadFile(webhookPath)
	if err != nil {
		return err
	}
	webhook, err := rbacrules.DecodeWebhook(webhookData, hubNamespacePlaceholder)
	if err != nil {
		return fmt.Errorf("%s: %w", webhookPath, err)
	}
	tpl, err := generate(data, webhook)
	if err != nil {
		return fmt.Errorf("%s: %w", rbacPath, err)
	}
	return rbacrules.WriteIfChanged(outPath, tpl)
}

// groups are the hub's rules, grouped as the chart grants them (see the package documentation).
type groups struct {
	cluster, clusterAPI, memberSecrets, hubNamespace, webhookConfigurations rbacrules.Set
}

// classify sorts the ClusterRole and Roles of a controller-gen role.yaml into groups.
func classify(data []byte) (groups, error) {
	g := groups{cluster: rbacrules.Set{}, hubNamespace: rbacrules.Set{}}
	decoded, err := rbacrules.Decode(data)
	if err != nil {
		return g, err
	}
	for _, r := range decoded {
		switch {
		case r.Kind == "ClusterRole":
			err = g.cluster.Add(r.Rules)
		case r.Metadata.Namespace == hubNamespacePlaceholder:
			err = g.hubNamespace.Add(r.Rules)
		default:
			err = fmt.Errorf("a Role in namespace %q: the hub's markers may name only namespace=%s, the hub's own namespace "+
				"(member kubeconfig Secrets need no namespace: the chart scopes them)", r.Metadata.Namespace, hubNamespacePlaceholder)
		}
		if err != nil {
			return g, err
		}
	}
	isSecrets := func(k rbacrules.Key) bool { return k.Group == "" && k.Resource == "secrets" }
	g.memberSecrets = rbacrules.Union(g.cluster.Split(isSecrets), g.hubNamespace.Split(isSecrets))
	g.clusterAPI = g.cluster.Split(func(k rbacrules.Key) bool { return k.Group == clusterAPIGroup })
	g.webhookConfigurations = g.cluster.Split(func(k rbacrules.Key) bool { return k.Group == admissionGroup })
	for k := range g.hubNamespace {
		if k.Group == admissionGroup {
			return g, fmt.Errorf("%s with namespace=%s: webhook configurations are cluster-scoped", k, hubNamespacePlaceholder)
		}
		if k.Group == clusterAPIGroup {
			return g, fmt.Errorf("%s with namespace=%s: Cluster API Clusters live in any namespace; grant them cluster-wide", k, hubNamespacePlaceholder)
		}
	}
	return g, nil
}

// generate returns the chart template for the controller-gen output of hub/... and the
// webhook's rules (see the package documentation).
func generate(data []byte, webhook rbacrules.WebhookRules) ([]byte, error) {
	g, err := classify(data)
	if err != nil {
		return nil, err
	}
	if len(g.cluster) == 0 {
		return nil, errors.New("no cluster-wide rules: are the hub's markers under hub/?")
	}
	if len(g.hubNamespace) == 0 {
		return nil, fmt.Errorf("no rules with namespace=%s, the hub's own namespace: leader election needs its Lease there",
			hubNamespacePlaceholder)
	}
	if len(g.memberSecrets) == 0 {
		return nil, errors.New("no rule on Secrets: the hub reads its members' kubeconfig Secrets")
	}
	for _, ro := range []struct {
		what string
		set  rbacrules.Set
	}{{"Secrets (member kubeconfigs)", g.memberSecrets}, {"Cluster API objects", g.clusterAPI}} {
		if v, k, ok := firstWrite(ro.set); ok {
			return nil, fmt.Errorf("%s %s: the hub may only get, list and watch %s", v, k, ro.what)
		}
	}

	var b strings.Builder
	b.WriteString(`{{- /*
Code generated by hack/hubrbac (make manifests) from the kubebuilder RBAC markers of the hub's
packages (hub/...) and of internal/webhookcert. DO NOT EDIT: change the markers and run make
manifests.
*/ -}}
`)
	for _, d := range []struct {
		name, doc string
		rules     string
	}{
		{"flotilla-hub.rules", "The hub's cluster-wide rules: graphs, hub records, MemberClusters, events.\nThe hub's ClusterRole.", g.cluster.YAML()},
		{"flotilla-hub.rules.memberSecrets", "Read-only rules on the member kubeconfig Secrets: a Role in members.secretNamespace,\n" +
			"or part of the ClusterRole with the cluster-api member source (a Cluster's\n<name>-kubeconfig Secret lives in the Cluster's namespace).",
			g.memberSecrets.YAML()},
		{"flotilla-hub.rules.clusterAPI", "Read-only rules on Cluster API: part of the ClusterRole with the cluster-api member\nsource only.",
			g.clusterAPI.YAML()},
		{"flotilla-hub.rules.hubNamespace", "The rules in the hub's own namespace (leader election): a Role in the release namespace.",
			g.hubNamespace.YAML()},
		{"flotilla-hub.rules.webhookCRDs", "The conversion webhook's rules on the CRDs the hub converts, and on no other CRD:\n" +
			"part of the ClusterRole when the hub manages their conversion (webhook.manageCRDs).",
			webhook.CRDs.YAMLForNames(`{{ include "flotilla-hub.webhook.crdNames" . }}`)},
		{"flotilla-hub.rules.webhookConfigurations", "The rules on the ValidatingWebhookConfiguration of graphs, whose webhooks the hub points\n" +
			"at itself with its CA bundle, and on no other: part of the ClusterRole when webhook.validation.enabled.",
			g.webhookConfigurations.YAMLForNames(`[{{ include "flotilla-hub.webhook.validatingConfigurationName" . | quote }}]`)},
		{"flotilla-hub.rules.webhookSecret", "The conversion webhook's rules on its certificate Secret, and on no other Secret:\n" +
			"a Role in the release namespace.",
			webhook.Secret.YAMLForNames(`[{{ include "flotilla-hub.webhook.secretName" . | quote }}]`)},
	} {
		fmt.Fprintf(&b, "\n{{- /*\n%s\n*/ -}}\n{{- define %q -}}\n%s{{- end -}}\n", d.doc, d.name, d.rules)
	}
	return []byte(b.String()), nil
}

// firstWrite returns the first (by resource, then verb) grant of s that is not read-only.
func firstWrite(s rbacrules.Set) (verb string, key rbacrules.Key, found bool) {
	keys := make([]rbacrules.Key, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rbacrules.Key) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		for _, v := range s.Verbs(k) {
			if !readVerbs[v] {
				return v, k, true
			}
		}
	}
	return "", rbacrules.Key{}, false
}
