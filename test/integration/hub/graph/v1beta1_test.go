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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/graph"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
	"github.com/flotilla-dev/flotilla/test/fleet"
)

var _ = Describe("A graph written in nvidia.com/v1beta1", func() {
	It("runs on a member with the same member objects as its v1alpha1 twin", func(ctx SpecContext) {
		const alphaNS, betaNS = "twin-alpha", "twin-beta"
		ensureNamespace(ctx, alphaNS)
		ensureNamespace(ctx, betaNS)

		alpha := makeGraph(alphaNS, "twin").products(h100).obj()
		beta := &nvidiav1beta1.DynamoGraphDeployment{}
		Expect(alpha.DeepCopy().ConvertTo(beta)).To(Succeed())
		beta.Namespace = betaNS
		Expect(beta.Spec.Components).To(HaveLen(2), "the twin is written with spec.components")

		By("creating the graph in v1alpha1 in " + alphaNS + " and in v1beta1 in " + betaNS)
		Expect(hub.Create(ctx, alpha)).To(Succeed())
		DeferCleanup(deleteGraph, alpha)
		Expect(hub.Create(ctx, beta)).To(Succeed())
		betaAsAlpha := &nvidiav1alpha1.DynamoGraphDeployment{}
		betaAsAlpha.Namespace, betaAsAlpha.Name = betaNS, beta.Name
		DeferCleanup(deleteGraph, betaAsAlpha)

		By("waiting until both are successful on " + east)
		expectSuccessful(ctx, alpha)
		got := expectSuccessful(ctx, betaAsAlpha)
		Expect(got.Status.ClusterPlacement.Clusters).To(Equal(east))

		By("comparing the twins' DCDs and Deployments on the member, their namespaces set aside")
		member := local.Members[east].Client
		alphaDCDs, betaDCDs := memberDCDs(ctx, Default, east, alphaNS, "twin"), memberDCDs(ctx, Default, east, betaNS, "twin")
		Expect(names(betaDCDs)).To(Equal(names(alphaDCDs)))
		Expect(names(alphaDCDs)).To(Equal([]string{"twin-frontend", "twin-vllmdecodeworker"}))
		for name := range alphaDCDs {
			Expect(withoutNamespace(betaDCDs[name].Spec, betaNS)).To(Equal(withoutNamespace(alphaDCDs[name].Spec, alphaNS)), "the spec of DCD %s", name)
			Expect(betaDCDs[name].Annotations["nvidia.com/dcd-spec"]).To(Equal(alphaDCDs[name].Annotations["nvidia.com/dcd-spec"]), "the payload of DCD %s", name)
			a, b := &appsv1.Deployment{}, &appsv1.Deployment{}
			Expect(member.Get(ctx, client.ObjectKey{Namespace: alphaNS, Name: name}, a)).To(Succeed())
			Expect(member.Get(ctx, client.ObjectKey{Namespace: betaNS, Name: name}, b)).To(Succeed())
			Expect(withoutNamespace(b.Spec.Template.Spec, betaNS)).To(Equal(withoutNamespace(a.Spec.Template.Spec, alphaNS)), "the pod spec of Deployment %s", name)
			Expect(b.Spec.Template.Labels).To(HaveLen(len(a.Spec.Template.Labels)), "the pod labels of Deployment %s", name)
		}
	})

	It("restarts every component of every copy when spec.restart.id is set, one component after the other", func(ctx SpecContext) {
		const ns = "restart"
		ensureNamespace(ctx, ns)
		dgd := makeGraph(ns, "restarted").obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)
		placed := expectSuccessful(ctx, dgd)
		copyOn := placed.Status.ClusterPlacement.Copies[0]

		By("setting spec.restart.id, which Dynamo forbids on create")
		patch := client.MergeFrom(placed.DeepCopy())
		placed.Spec.Restart = &nvidiav1alpha1.Restart{ID: "restart-1"}
		Expect(hub.Patch(ctx, placed, patch)).To(Succeed())

		By("waiting until status.restart says Completed")
		var seen []string
		Eventually(func(g Gomega) {
			got := getGraph(ctx, g, dgd)
			g.Expect(got.Status.Restart).NotTo(BeNil())
			if p := got.Status.Restart.InProgress; len(p) == 1 && (len(seen) == 0 || seen[len(seen)-1] != p[0]) {
				seen = append(seen, p[0])
			}
			g.Expect(got.Status.Restart.ObservedID).To(Equal("restart-1"))
			g.Expect(got.Status.Restart.Phase).To(Equal(nvidiav1alpha1.RestartPhaseCompleted))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval / 4).Should(Succeed())
		GinkgoWriter.Printf("components seen in progress, in order: %v\n", seen)
		// Polling may miss a short step, never reorder them.
		Expect(strings.Join(seen, ",")).To(BeElementOf("Frontend,VllmDecodeWorker", "Frontend", "VllmDecodeWorker", ""))

		By("checking the member: each Deployment's pod template carries the restart id, and the graph is successful again")
		member := local.Members[copyOn.Cluster].Client
		for _, name := range []string{"restarted-frontend", "restarted-vllmdecodeworker"} {
			d := &appsv1.Deployment{}
			Expect(member.Get(ctx, client.ObjectKey{Namespace: copyOn.Namespace, Name: name}, d)).To(Succeed())
			Expect(d.Spec.Template.Annotations).To(HaveKeyWithValue(dynamo.RestartAnnotation, "restart-1"), "Deployment %s", name)
		}
		expectSuccessful(ctx, dgd)
	})

	It("refuses a graph that uses a Dynamo feature its members cannot run, naming the field", func(ctx SpecContext) {
		const ns = "unsupported"
		ensureNamespace(ctx, ns)
		alpha := makeGraph(ns, "gms").obj()
		dgd := &nvidiav1beta1.DynamoGraphDeployment{}
		Expect(alpha.ConvertTo(dgd)).To(Succeed())
		for i := range dgd.Spec.Components {
			if dgd.Spec.Components[i].ComponentName == "VllmDecodeWorker" {
				dgd.Spec.Components[i].Experimental = &nvidiav1beta1.ExperimentalSpec{GPUMemoryService: &nvidiav1beta1.GPUMemoryServiceSpec{}}
			}
		}
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		asAlpha := &nvidiav1alpha1.DynamoGraphDeployment{}
		asAlpha.Namespace, asAlpha.Name = ns, dgd.Name
		DeferCleanup(deleteGraph, asAlpha)

		Eventually(func(g Gomega) {
			got := getGraph(ctx, g, asAlpha)
			g.Expect(got.Status.State).To(Equal(nvidiav1alpha1.StateFailed))
			ready := meta.FindStatusCondition(got.Status.Conditions, nvidiav1alpha1.ConditionReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Reason).To(Equal(graph.ReasonUnsupportedFeature))
			g.Expect(ready.Message).To(ContainSubstring("spec.components[VllmDecodeWorker].experimental.gpuMemoryService"))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(hubRecords(ctx, Default, asAlpha)).To(BeEmpty())
		expectEvent(ctx, getGraph(ctx, Default, asAlpha), graph.ReasonUnsupportedFeature, "gpuMemoryService")
	})
})

var _ = Describe("A graph the hub cannot run as written", func() {
	// eppOnFrontend is a v1alpha1 graph whose DCDs nvidia.com/v1beta1 refuses: v1alpha1 takes
	// eppConfig on any service; v1beta1, in which the hub writes its records as Dynamo writes its
	// DCDs, only on an epp.
	eppOnFrontend := func(ns string) *nvidiav1alpha1.DynamoGraphDeployment {
		dgd := makeGraph(ns, "epp-on-frontend").obj()
		dgd.Spec.Services["Frontend"].EPPConfig = &runtime.RawExtension{Raw: []byte(`{"configMapRef":{"name":"epp","key":"config.yaml"}}`)}
		return dgd
	}

	It("is refused at admission in either version, naming the field, and nothing is written", func(ctx SpecContext) {
		const ns = "admission"
		ensureNamespace(ctx, ns)

		By("a v1alpha1 graph whose components v1beta1 refuses")
		err := hub.Create(ctx, eppOnFrontend(ns))
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "error %v, want 422 Invalid", err)
		Expect(err.Error()).To(ContainSubstring(`DynamoGraphDeployment.nvidia.com "epp-on-frontend" is invalid`))
		Expect(err.Error()).To(ContainSubstring("spec.components[Frontend].eppConfig"))

		By("a v1alpha1 graph whose name leaves no room for its Dynamo namespace label")
		long := makeGraph(ns, strings.Repeat("g", 60)).obj()
		err = hub.Create(ctx, long)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "error %v, want 422 Invalid", err)
		Expect(err.Error()).To(ContainSubstring("label value"))

		By("a v1beta1 graph with a label value members would refuse")
		beta := &nvidiav1beta1.DynamoGraphDeployment{}
		Expect(makeGraph(ns, "bad-label").obj().ConvertTo(beta)).To(Succeed())
		beta.Spec.Labels = map[string]string{"team": "has spaces"}
		err = hub.Create(ctx, beta)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "error %v, want 422 Invalid", err)
		Expect(err.Error()).To(ContainSubstring("spec.labels: Invalid value"))

		By("a valid graph changed into an invalid one: the change is refused, the graph runs on")
		ok := makeGraph(ns, "stays-valid").obj()
		Expect(hub.Create(ctx, ok)).To(Succeed())
		DeferCleanup(deleteGraph, ok)
		expectSuccessful(ctx, ok)
		Expect(hub.Get(ctx, client.ObjectKeyFromObject(ok), ok)).To(Succeed())
		ok.Spec.Services["Frontend"].EPPConfig = eppOnFrontend(ns).Spec.Services["Frontend"].EPPConfig
		err = hub.Update(ctx, ok)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "error %v, want 422 Invalid", err)
		expectSuccessful(ctx, ok)

		list := &nvidiav1beta1.DynamoGraphDeploymentList{}
		Expect(hub.List(ctx, list, client.InNamespace(ns))).To(Succeed())
		Expect(list.Items).To(HaveLen(1), "only the valid graph exists")
	})

	It("without the admission webhook, is InvalidSpec naming the field, and none of its records is written", func(ctx SpecContext) {
		const ns = "beta-rules"
		ensureNamespace(ctx, ns)
		By("removing the graphs' ValidatingWebhookConfiguration for this spec, as a hub installed without it")
		vwc := graphsWebhookConfiguration(ctx)
		Expect(hub.Delete(ctx, vwc)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			vwc.ResourceVersion, vwc.UID = "", ""
			Expect(hub.Create(ctx, vwc)).To(Succeed())
		})

		dgd := eppOnFrontend(ns)
		Eventually(func() error { return hub.Create(ctx, dgd) }).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).
			Should(Succeed(), "the API server still calls the deleted webhook")
		DeferCleanup(deleteGraph, dgd)

		Eventually(func(g Gomega) {
			got := getGraph(ctx, g, dgd)
			g.Expect(got.Status.State).To(Equal(nvidiav1alpha1.StateFailed))
			ready := meta.FindStatusCondition(got.Status.Conditions, nvidiav1alpha1.ConditionReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Reason).To(Equal(graph.ReasonInvalidSpec))
			g.Expect(ready.Message).To(ContainSubstring("spec.components[Frontend].eppConfig"))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(hubRecords(ctx, g, dgd)).To(BeEmpty())
		}).WithContext(ctx).WithTimeout(3 * time.Second).WithPolling(interval).Should(Succeed())
	})
})

// graphsWebhookConfiguration returns the hub chart's ValidatingWebhookConfiguration of graphs,
// pointed at the hub running in this process.
func graphsWebhookConfiguration(ctx SpecContext) *admissionregistrationv1.ValidatingWebhookConfiguration {
	GinkgoHelper()
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	Expect(hub.Get(ctx, client.ObjectKey{Name: "flotilla-hub-" + fleet.HubNamespace + "-graphs"}, vwc)).To(Succeed())
	Expect(vwc.Webhooks).To(HaveLen(1))
	Expect(vwc.Webhooks[0].ClientConfig.URL).To(HaveValue(HavePrefix("https://127.0.0.1:")), "the hub points it at itself")
	Expect(vwc.Webhooks[0].ClientConfig.CABundle).NotTo(BeEmpty(), "the hub injects its CA")
	return vwc
}

// withoutNamespace renders v as JSON with every occurrence of namespace replaced, so that the
// objects of twins in two namespaces compare equal when they differ only there.
func withoutNamespace(v any, namespace string) string {
	GinkgoHelper()
	data, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return strings.ReplaceAll(string(data), namespace, "<namespace>")
}
