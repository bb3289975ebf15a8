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

package graph_test

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// notExercisedHere are the grants this suite cannot use, by the ServiceAccount they are granted
// to (a pattern on "<name>: <grant>"), and why:
var notExercisedHere = []struct {
	pattern *regexp.Regexp
	why     string
}{
	{regexp.MustCompile(`: update [a-z]+/finalizers\.`),
		"checked by the OwnerReferencesPermissionEnforcement admission plugin, where a cluster enables it, not requested"},
	{regexp.MustCompile(`: patch events(\.events\.k8s\.io)?$`),
		"client-go's recorders patch an event only to count its repeats (a series)"},
	{regexp.MustCompile(`^flotilla-agent: .* leaderworkersets\.leaderworkerset\.x-k8s\.io$`),
		"the members here serve no LeaderWorkerSet; the agent chart suite's LeaderWorkerSet context runs them"},
	{regexp.MustCompile(`^flotilla-agent: .* ingresses\.networking\.k8s\.io$`),
		"no graph here has an ingress (v1alpha1 spec.services[].ingress)"},
	{regexp.MustCompile(`^flotilla-agent: create secrets$`),
		"the SSH key Secret of TensorRT-LLM multinode components; the agent chart suite's multinode specs create it"},
	{regexp.MustCompile(`^flotilla-agent: delete (deployments|statefulsets)\.apps|^flotilla-agent: delete services$`),
		"deleting the StatefulSets and Services of multinode replicas scaled away, or a workload whose kind changed; " +
			"the agent's component suite deletes them"},
	{regexp.MustCompile(`^flotilla-agent-wire-conversion: patch secrets`),
		"the install hook writes the webhook certificate only into an empty Secret or when its CA is due"},
}

// After every spec of the suite, the API servers' audit logs say what the hub and the agents,
// running as their charts' ServiceAccounts, asked for: every verb the charts grant them must have
// been used, on one member at least for the identities every member has, unless notExercisedHere
// says why not; so no grant is kept "just in case". Skipped when the run is focused: the other
// specs exercise what the focused ones do not.
var _ = AfterSuite(func() {
	if cfg, _ := GinkgoConfiguration(); len(cfg.FocusStrings) > 0 || len(cfg.FocusFiles) > 0 || cfg.LabelFilter != "" {
		GinkgoWriter.Println("a focused run: the charts' grants are not checked against the audit logs")
		return
	}
	type identity struct {
		cluster, namespace, name string
		objs                     []*fleet.Object
	}
	ids := []identity{{"hub", fleet.HubNamespace, "flotilla-hub", local.HubObjects}}
	for _, name := range local.MemberNames() {
		m := local.Members[name]
		for _, sa := range charttest.OfKind(m.Objects, "ServiceAccount") {
			ids = append(ids, identity{name, sa.GetNamespace(), sa.GetName(), m.Objects})
		}
	}
	// unused maps "<cluster kind>/<ServiceAccount name>: <grant>" to the clusters where it went
	// unused; granted counts where it was granted.
	unused, granted := map[string][]string{}, map[string]int{}
	for _, id := range ids {
		events, err := testenv.ReadAuditLog(local.AuditLog(id.cluster))
		Expect(err).NotTo(HaveOccurred())
		grants, err := charttest.GrantsOf(id.objs, id.namespace, id.name)
		Expect(err).NotTo(HaveOccurred())
		kind := "member"
		if id.cluster == "hub" {
			kind = "hub"
		}
		for _, g := range grants {
			granted[kind+"/"+id.name+": "+g]++
		}
		for _, g := range charttest.UnusedGrants(grants, events, id.namespace, id.name) {
			key := kind + "/" + id.name + ": " + g
			unused[key] = append(unused[key], id.cluster)
		}
		GinkgoWriter.Printf("%s: %s/%s: %d grants, %d audited requests\n", id.cluster, id.namespace, id.name, len(grants), len(events))
	}
	var failures []string
	for _, key := range slices.Sorted(maps.Keys(unused)) {
		if len(unused[key]) < granted[key] {
			continue // used on another member
		}
		_, grant, _ := cutKind(key)
		if why := whyNotExercised(grant); why != "" {
			GinkgoWriter.Printf("not exercised here: %s (%s)\n", key, why)
			continue
		}
		failures = append(failures, fmt.Sprintf("%s (unused on %v)", key, unused[key]))
	}
	Expect(failures).To(BeEmpty(), "grants the charts give that no request used during the suite")
})

// cutKind splits "<kind>/<rest>".
func cutKind(key string) (kind, rest string, ok bool) {
	for i := range key {
		if key[i] == '/' {
			return key[:i], key[i+1:], true
		}
	}
	return "", key, false
}

// whyNotExercised returns why this suite cannot use grant ("<ServiceAccount name>: <grant>"),
// "" if it should.
func whyNotExercised(grant string) string {
	for _, n := range notExercisedHere {
		if n.pattern.MatchString(grant) {
			return n.why
		}
	}
	return ""
}
