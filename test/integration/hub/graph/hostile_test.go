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
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/test/hostile"
)

// stoppedAt is where a hostile case was stopped, for the table.
type stoppedAt string

const (
	atAdmission stoppedAt = "admission"
	atHub       stoppedAt = "hub (failed)"
	atPlacement stoppedAt = "hub placement (unschedulable)"
	atNothing   stoppedAt = "placed and running"
)

var _ = Describe("The hostile-input corpus (test/hostile)", func() {
	It("stops every case where it says, leaves nothing half-applied on any member, and the hub keeps working", func(ctx SpecContext) {
		cases, err := hostile.Read(filepath.Join("..", "..", "..", "hostile", hostile.Dir))
		Expect(err).NotTo(HaveOccurred())
		Expect(len(cases)).To(BeNumerically(">=", 200))
		for _, ns := range []string{hostile.Namespace, "kube-public", "kube-node-lease"} {
			ensureNamespace(ctx, ns)
		}
		cs, err := kubernetes.NewForConfig(local.Hub.Config)
		Expect(err).NotTo(HaveOccurred())

		By(fmt.Sprintf("sending the %d cases to the hub's API server as kubectl would (JSON, fieldValidation=Strict)", len(cases)))
		created := map[string]hostile.Case{}
		stopped := map[string]stoppedAt{}
		// mismatches are the cases not stopped where they say, reported together.
		var mismatches []string
		mismatch := func(c hostile.Case, format string, args ...any) {
			got := fmt.Sprintf(format, args...)
			if len(got) > 600 {
				got = got[:600] + "..."
			}
			mismatches = append(mismatches, fmt.Sprintf("%s (want %s %q): %s", c.Name, c.Expect, c.Message, got))
		}
		for _, c := range cases {
			res := cs.CoreV1().RESTClient().Post().
				AbsPath("/apis/nvidia.com", c.Version, "namespaces", c.Namespace, "dynamographdeployments").
				Param("fieldValidation", "Strict").SetHeader("Content-Type", "application/json").
				Body(c.Request()).Do(ctx)
			err := res.Error()
			switch {
			case err != nil:
				stopped[c.Name] = atAdmission
				if c.Expect != hostile.Admission || !strings.Contains(err.Error(), c.Message) {
					mismatch(c, "refused at admission: %v", err)
				}
			case c.Expect == hostile.Admission:
				mismatch(c, "admitted")
				created[c.Name] = c
			default:
				created[c.Name] = c
			}
		}

		// graphOf returns the graph a created case names; each body is parsed once (some expand
		// to megabytes), not at every poll.
		names := map[string]string{}
		for _, c := range created {
			var meta struct {
				Metadata struct{ Name string } `json:"metadata"`
			}
			Expect(json.Unmarshal(c.Request(), &meta)).To(Succeed(), "case %s", c.Name)
			names[c.Name] = meta.Metadata.Name
		}
		graphOf := func(c hostile.Case) *nvidiav1beta1.DynamoGraphDeployment {
			return &nvidiav1beta1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: names[c.Name]}}
		}
		DeferCleanup(func(ctx SpecContext) {
			for _, c := range created {
				Expect(client.IgnoreNotFound(hub.Delete(ctx, graphOf(c)))).To(Succeed())
			}
		})

		By(fmt.Sprintf("waiting for the %d admitted cases to settle where they must", len(created)))
		pending := maps.Clone(created)
		for name, c := range pending {
			if c.Expect == hostile.Admission { // admitted by mistake: already reported
				delete(pending, name)
			}
		}
		settle := func(g Gomega, final bool) {
			for name, c := range pending {
				got := &nvidiav1beta1.DynamoGraphDeployment{}
				g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(graphOf(c)), got)).To(Succeed())
				ready := meta.FindStatusCondition(got.Status.Conditions, nvidiav1alpha1.ConditionReady)
				scheduled := meta.FindStatusCondition(got.Status.Conditions, flotillav1alpha1.GraphScheduled)
				switch {
				case got.Status.State == nvidiav1beta1.DGDStateFailed && ready != nil:
					stopped[name] = atHub
					if c.Expect != hostile.Failed || !strings.Contains(ready.Message, c.Message) {
						mismatch(c, "failed: %s: %s", ready.Reason, ready.Message)
					}
				case scheduled != nil && scheduled.Status == metav1.ConditionFalse && c.Expect != hostile.Placed:
					stopped[name] = atPlacement
					if c.Expect != hostile.Unschedulable || !strings.Contains(scheduled.Message, c.Message) {
						mismatch(c, "unschedulable: %s", scheduled.Message)
					}
				case got.Status.State == nvidiav1beta1.DGDStateSuccessful:
					stopped[name] = atNothing
					if c.Expect != hostile.Placed {
						mismatch(c, "placed and running")
					}
					// A system namespace's graph runs only where the member maps it into its own
					// namespace: the namespace-restricted west, never east's kube-system.
					if c.Class == "namespaces" && (got.Status.ClusterPlacement == nil || got.Status.ClusterPlacement.Clusters != west) {
						mismatch(c, "placed on %v, want %s only", got.Status.ClusterPlacement, west)
					}
					// Free its GPUs for the next placed case.
					g.Expect(hub.Delete(ctx, got)).To(Succeed())
				case final:
					mismatch(c, "still %s: %v", got.Status.State, got.Status.Conditions)
				default:
					continue
				}
				delete(pending, name)
			}
		}
		for deadline := time.Now().Add(4 * time.Minute); len(pending) > 0 && time.Now().Before(deadline); {
			settle(Default, false)
			time.Sleep(time.Second)
		}
		settle(Default, true)

		By("checking that every case was stopped where the corpus says")
		slices.Sort(mismatches)
		Expect(mismatches).To(BeEmpty(), "cases not stopped where the corpus says")

		By("checking that no failed or unschedulable case has a hub record or anything on a member")
		for name, c := range created {
			if stopped[name] != atHub && stopped[name] != atPlacement {
				continue
			}
			key := graphOf(c)
			list := &nvidiav1beta1.DynamoComponentDeploymentList{}
			Expect(hub.List(ctx, list, client.InNamespace(c.Namespace), client.MatchingLabels{
				flotillav1alpha1.LabelHubRecord: "true", flotillav1alpha1.LabelGraph: key.Name,
			})).To(Succeed())
			Expect(list.Items).To(BeEmpty(), "case %s has hub records", name)
		}
		for member, m := range local.Members {
			list := &nvidiav1beta1.DynamoComponentDeploymentList{}
			Expect(m.Client.List(ctx, list)).To(Succeed())
			for _, dcd := range list.Items {
				if c, ok := created[dcd.Labels[nvidiav1alpha1.LabelGraphName]]; ok {
					Expect(stopped[c.Name]).To(Equal(atNothing), "case %s left DCD %s on %s", c.Name, dcd.Name, member)
				}
			}
		}

		By("deleting the admitted cases; the hub still runs a graph afterwards")
		for _, c := range created {
			Expect(client.IgnoreNotFound(hub.Delete(ctx, graphOf(c)))).To(Succeed())
		}
		Eventually(func(g Gomega) {
			for _, c := range created {
				err := hub.Get(ctx, client.ObjectKeyFromObject(graphOf(c)), &nvidiav1beta1.DynamoGraphDeployment{})
				g.Expect(client.IgnoreNotFound(err)).To(Succeed())
				g.Expect(err).To(HaveOccurred(), "case %s is not gone", c.Name)
			}
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		after := makeGraph(hostile.Namespace, "after-the-corpus").obj()
		Expect(hub.Create(ctx, after)).To(Succeed())
		DeferCleanup(deleteGraph, after)
		expectSuccessful(ctx, after)

		reportHostileTable(cases, stopped)
	}, SpecTimeout(15*time.Minute))
})

// reportHostileTable prints, and adds to the report, how many cases of each class were stopped
// where.
func reportHostileTable(cases []hostile.Case, stopped map[string]stoppedAt) {
	counts := map[string]map[stoppedAt]int{}
	for _, c := range cases {
		if counts[c.Class] == nil {
			counts[c.Class] = map[stoppedAt]int{}
		}
		counts[c.Class][stopped[c.Name]]++
	}
	var b strings.Builder
	b.WriteString("| class | cases | admission | hub (failed) | placement (unschedulable) | placed and running |\n|---|---|---|---|---|---|\n")
	total := map[stoppedAt]int{}
	for _, class := range slices.Sorted(maps.Keys(counts)) {
		n := counts[class]
		sum := 0
		for k, v := range n {
			sum += v
			total[k] += v
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", class, sum, n[atAdmission], n[atHub], n[atPlacement], n[atNothing])
	}
	fmt.Fprintf(&b, "| **all** | %d | %d | %d | %d | %d |\n", len(cases), total[atAdmission], total[atHub], total[atPlacement], total[atNothing])
	AddReportEntry("hostile corpus", b.String())
	GinkgoWriter.Print(b.String())
}
