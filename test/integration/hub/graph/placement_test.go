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
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/hub/graph"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

var _ = Describe("Members", func() {
	It("joins both members with their labels, agent, inventory and namespace restriction", func(ctx SpecContext) {
		for _, tc := range []struct {
			name, region, restriction string
		}{{east, "us-east", ""}, {west, "us-west", westNamespace}} {
			By("waiting until MemberCluster " + tc.name + " is Joined, AgentReady and Schedulable with 16 GPUs")
			Eventually(func(g Gomega) {
				mc := &flotillav1alpha1.MemberCluster{}
				g.Expect(hub.Get(ctx, client.ObjectKey{Name: tc.name}, mc)).To(Succeed())
				for _, t := range []string{flotillav1alpha1.MemberJoined, flotillav1alpha1.MemberAgentReady, flotillav1alpha1.MemberSchedulable} {
					c := meta.FindStatusCondition(mc.Status.Conditions, t)
					g.Expect(c).NotTo(BeNil(), t)
					g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s: %s", t, c.Reason, c.Message)
				}
				g.Expect(mc.Labels).To(HaveKeyWithValue(regionLabel, tc.region))
				g.Expect(mc.Status.GPUsTotal).To(BeEquivalentTo(16))
				g.Expect(mc.Status.GPUsFree).To(BeEquivalentTo(16))
				g.Expect(mc.Status.NamespaceRestriction).To(Equal(tc.restriction))
				g.Expect(mc.Status.MultinodeRuntime).To(Equal(flotillav1alpha1.MultinodeRuntimeStatefulSet), "the member serves no LeaderWorkerSet")
				g.Expect(mc.Status.Policy).NotTo(BeNil(), "the agent publishes its policy")
				g.Expect(mc.Status.Policy.PodSecurityLevel).To(Equal("baseline"))
				g.Expect(mc.Status.Source).NotTo(BeNil())
				g.Expect(mc.Status.Source.KubeconfigSecret).To(Equal(&flotillav1alpha1.ObjectReference{Namespace: "flotilla-system", Name: tc.name}))
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		}
	})
})

var _ = Describe("Placing a graph", func() {
	const ns = "team-a"

	BeforeEach(func(ctx SpecContext) { ensureNamespace(ctx, ns) })

	It("splits an H100 graph into hub records, runs it on the H100 member under Dynamo's names and reports it successful", func(ctx SpecContext) {
		dgd := makeGraph(ns, "llama").products(h100).obj()
		By("creating a graph that needs H100 GPUs")
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)

		By("waiting until it is successful, placed on " + east)
		got := expectSuccessful(ctx, dgd)
		Expect(got.Status.ClusterPlacement).NotTo(BeNil())
		Expect(got.Status.ClusterPlacement.Copies).To(HaveLen(1))
		c := got.Status.ClusterPlacement.Copies[0]
		Expect(c.Cluster).To(Equal(east))
		Expect(c.Namespace).To(Equal(ns))
		Expect(c.State).To(Equal(flotillav1alpha1.CopyReady))
		Expect(c.ReadyServices).To(Equal("2/2"))
		Expect(got.Status.ClusterPlacement.ReadyCopies).To(Equal("1/1"))
		Expect(got.Status.ClusterPlacement.Clusters).To(Equal(east))
		Expect(meta.IsStatusConditionTrue(got.Status.Conditions, flotillav1alpha1.GraphScheduled)).To(BeTrue())
		Expect(meta.IsStatusConditionTrue(got.Status.Conditions, flotillav1alpha1.ConditionSynced)).To(BeTrue())
		Expect(got.Status.Services).To(HaveKey("VllmDecodeWorker"))
		Expect(got.Status.Services["VllmDecodeWorker"].ComponentName).To(Equal("llama-vllmdecodeworker"))
		Expect(got.Status.Services["VllmDecodeWorker"].Replicas).To(BeEquivalentTo(1))

		By("checking the hub records: one per service, labelled with graph, copy and member, owned by the graph")
		recs := hubRecords(ctx, Default, dgd)
		Expect(names(recs)).To(Equal([]string{"llama-frontend-0-" + east, "llama-vllmdecodeworker-0-" + east}))
		for _, rec := range recs {
			Expect(rec.Labels).To(HaveKeyWithValue(flotillav1alpha1.LabelCluster, east))
			Expect(rec.Labels).To(HaveKeyWithValue(flotillav1alpha1.LabelCopy, "0"))
			Expect(rec.Labels).To(HaveKeyWithValue(flotillav1alpha1.LabelGraph, "llama"))
			Expect(metav1.IsControlledBy(rec, got)).To(BeTrue())
			Expect(meta.IsStatusConditionTrue(rec.Status.Conditions, nvidiav1alpha1.ConditionAvailable)).To(BeTrue())
		}

		By("checking the member: Dynamo's DCD names in the graph's namespace, each with a rolled-out Deployment on an H100 node")
		dcds := memberDCDs(ctx, Default, east, ns, "llama")
		Expect(names(dcds)).To(Equal([]string{"llama-frontend", "llama-vllmdecodeworker"}))
		member := local.Members[east].Client
		for name, dcd := range dcds {
			Expect(dcd.Labels).To(HaveKeyWithValue(flotillav1alpha1.LabelGraphUID, string(got.UID)))
			Expect(dcd.Labels).NotTo(HaveKey(flotillav1alpha1.LabelHubRecord))
			d := &appsv1.Deployment{}
			Expect(member.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d)).To(Succeed())
			Expect(d.Status.AvailableReplicas).To(BeEquivalentTo(1))
		}
		pods := &corev1.PodList{}
		Expect(member.List(ctx, pods, client.InNamespace(ns), client.MatchingLabels{nvidiav1alpha1.LabelSelector: "llama-vllmdecodeworker"})).To(Succeed())
		Expect(pods.Items).To(HaveLen(1))
		Expect(pods.Items[0].Spec.NodeName).To(HavePrefix("h100-"))

		By("checking that gpu-west holds nothing of it")
		Expect(memberDCDs(ctx, Default, west, westNamespace, "llama")).To(BeEmpty())

		By("checking the Placed event on the graph")
		expectEvent(ctx, got, "Placed", "Copy 0 placed on member "+east)
	})

	It("spreads two copies by region over both members, in the restricted member's namespace", func(ctx SpecContext) {
		dgd := makeGraph(ns, "spread").copies(2, regionLabel).obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)

		got := expectSuccessful(ctx, dgd)
		Expect(got.Status.ClusterPlacement.Copies).To(HaveLen(2))
		byMember := map[string]flotillav1alpha1.CopyStatus{}
		for _, c := range got.Status.ClusterPlacement.Copies {
			byMember[c.Cluster] = c
		}
		Expect(names(byMember)).To(Equal([]string{east, west}))
		Expect(byMember[east].Namespace).To(Equal(ns))
		Expect(byMember[west].Namespace).To(Equal(westNamespace))
		Expect(got.Status.ClusterPlacement.ReadyCopies).To(Equal("2/2"))
		Expect(got.Status.ClusterPlacement.Clusters).To(Equal(east + "," + west))
		Expect(got.Status.Services["VllmDecodeWorker"].Replicas).To(BeEquivalentTo(2))

		Expect(names(memberDCDs(ctx, Default, east, ns, "spread"))).To(Equal([]string{"spread-frontend", "spread-vllmdecodeworker"}))
		Expect(names(memberDCDs(ctx, Default, west, westNamespace, "spread"))).To(Equal([]string{"spread-frontend", "spread-vllmdecodeworker"}))
	})

	It("leaves a graph that fits nowhere pending and says why", func(ctx SpecContext) {
		dgd := makeGraph(ns, "too-big").workerGPUs("16").obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)

		Eventually(func(g Gomega) {
			got := getGraph(ctx, g, dgd)
			g.Expect(got.Status.State).To(Equal(nvidiav1alpha1.StatePending))
			sched := meta.FindStatusCondition(got.Status.Conditions, flotillav1alpha1.GraphScheduled)
			g.Expect(sched).NotTo(BeNil())
			g.Expect(sched.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(sched.Reason).To(Equal(graph.ReasonUnschedulable))
			g.Expect(sched.Message).To(ContainSubstring("0/1 copies placed"))
			g.Expect(sched.Message).To(ContainSubstring("0/2 clusters fit"))
			g.Expect(got.Status.ClusterPlacement.Copies).To(HaveLen(1))
			g.Expect(got.Status.ClusterPlacement.Copies[0].State).To(Equal(flotillav1alpha1.CopyPending))
			g.Expect(hubRecords(ctx, g, dgd)).To(BeEmpty())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		got := getGraph(ctx, Default, dgd)
		expectEvent(ctx, got, "Unschedulable", "0/2 clusters fit")
		GinkgoWriter.Println("Scheduled:", meta.FindStatusCondition(got.Status.Conditions, flotillav1alpha1.GraphScheduled).Message)

		By("adding a 16-GPU H100 node to gpu-east: the graph is placed there as soon as the inventory shows it")
		Expect(local.Members[east].Cluster.AddGPUNodes(ctx, []testenv.GPUNodeSpec{{Name: "h100-big", Product: h100, GPUs: 16}})).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "h100-big"}}
			Expect(client.IgnoreNotFound(local.Members[east].Client.Delete(ctx, node))).To(Succeed())
		})
		got = expectSuccessful(ctx, dgd)
		Expect(got.Status.ClusterPlacement.Clusters).To(Equal(east))
		deleteGraph(ctx, dgd)
	})

	It("creates the copy's namespace on the member with its policy's Pod Security labels, which the member's API server enforces", func(ctx SpecContext) {
		const fresh = "psa-fresh"
		ensureNamespace(ctx, fresh)
		dgd := makeGraph(fresh, "psa").products(h100).obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)
		expectSuccessful(ctx, dgd)

		By("reading the namespace the hub created on " + east)
		member := local.Members[east].Client
		created := &corev1.Namespace{}
		Expect(member.Get(ctx, client.ObjectKey{Name: fresh}, created)).To(Succeed())
		Expect(created.Labels).To(HaveKeyWithValue("pod-security.kubernetes.io/enforce", "baseline"))
		Expect(created.Labels).To(HaveKeyWithValue("pod-security.kubernetes.io/warn", "baseline"))

		By("creating a privileged pod there directly, as the member's administrator: Pod Security admission refuses it")
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: fresh, Name: "bypass"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "main", Image: "x", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
			}}},
		}
		err := member.Create(ctx, pod)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring(`violates PodSecurity "baseline:latest": privileged`))
	})

	It("says on the graph, with a condition and an event, when the hub cannot write its records, and recovers", func(ctx SpecContext) {
		const frozenNS = "records-frozen"
		ensureNamespace(ctx, frozenNS)
		By("refusing every DynamoComponentDeployment write in the graph's namespace on the hub (a ValidatingAdmissionPolicy)")
		vap := &admissionregistrationv1.ValidatingAdmissionPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "freeze-records"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				FailurePolicy: ptr.To(admissionregistrationv1.Fail),
				MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
						Rule:       admissionregistrationv1.Rule{APIGroups: []string{"nvidia.com"}, APIVersions: []string{"*"}, Resources: []string{"dynamocomponentdeployments"}},
					},
				}}},
				// Dry runs pass: the hub's admission webhook dry-runs a graph's records, and a
				// policy it met there would refuse the graph itself. This one refuses the writes.
				Validations: []admissionregistrationv1.Validation{{Expression: "request.dryRun == true", Message: "records are frozen here",
					Reason: ptr.To(metav1.StatusReasonForbidden)}},
			},
		}
		binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "freeze-records"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
				PolicyName:        vap.Name,
				ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
				MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
					MatchLabels: map[string]string{corev1.LabelMetadataName: frozenNS},
				}},
			},
		}
		Expect(hub.Create(ctx, vap)).To(Succeed())
		Expect(hub.Create(ctx, binding)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) { // also when the spec fails before removing them
			Expect(client.IgnoreNotFound(hub.Delete(ctx, binding))).To(Succeed())
			Expect(client.IgnoreNotFound(hub.Delete(ctx, vap))).To(Succeed())
		})
		By("waiting until the API server enforces the policy (it loads policies asynchronously)")
		Eventually(func() error {
			probe := testenv.GPUWorkerDCD(frozenNS, "probe", "probe")
			err := hub.Create(ctx, probe)
			if err == nil {
				Expect(hub.Delete(ctx, probe)).To(Succeed())
			}
			return err
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(MatchError(ContainSubstring("records are frozen here")))

		dgd := makeGraph(frozenNS, "frozen").products(h100).obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)

		By("waiting until the graph says its records are not written, and why")
		Eventually(func(g Gomega) {
			got := getGraph(ctx, g, dgd)
			synced := meta.FindStatusCondition(got.Status.Conditions, flotillav1alpha1.ConditionSynced)
			g.Expect(synced).NotTo(BeNil())
			g.Expect(synced.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(synced.Reason).To(Equal(graph.ReasonRecordsNotWritten))
			g.Expect(synced.Message).To(ContainSubstring("records are frozen here"))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		expectEvent(ctx, getGraph(ctx, Default, dgd), graph.ReasonRecordsNotWritten, "records are frozen here")

		By("removing the policy: the graph is written and runs")
		Expect(hub.Delete(ctx, binding)).To(Succeed())
		Expect(hub.Delete(ctx, vap)).To(Succeed())
		expectSuccessful(ctx, dgd)
	})

	It("leaves a graph whose pods no member's policy allows pending, and says which field", func(ctx SpecContext) {
		b := makeGraph(ns, "privileged")
		b.dgd.Spec.Services["VllmDecodeWorker"].ExtraPodSpec.MainContainer.SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
		dgd := b.obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)

		Eventually(func(g Gomega) {
			got := getGraph(ctx, g, dgd)
			g.Expect(got.Status.State).To(Equal(nvidiav1alpha1.StatePending))
			sched := meta.FindStatusCondition(got.Status.Conditions, flotillav1alpha1.GraphScheduled)
			g.Expect(sched).NotTo(BeNil())
			g.Expect(sched.Reason).To(Equal(graph.ReasonUnschedulable))
			g.Expect(sched.Message).To(ContainSubstring("0/2 clusters fit"))
			g.Expect(sched.Message).To(ContainSubstring(`policy denies spec.components[VllmDecodeWorker].podTemplate.spec.containers[*].securityContext.privileged: Forbidden: violates the member's Pod Security "baseline" policy: privileged`))
			g.Expect(hubRecords(ctx, g, dgd)).To(BeEmpty(), "nothing is written for a member that would refuse it")
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("places a multinode graph only on members that run multinode components as it asks", func(ctx SpecContext) {
		b := makeGraph(ns, "needs-lws")
		b.dgd.Spec.Services["VllmDecodeWorker"].Multinode = &nvidiav1alpha1.MultinodeSpec{NodeCount: 2}
		b.placement().MultinodeRuntimes = []flotillav1alpha1.MultinodeRuntime{flotillav1alpha1.MultinodeRuntimeLeaderWorkerSet}
		dgd := b.obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)

		By("waiting until it is pending: both members run multinode components as StatefulSets")
		Eventually(func(g Gomega) {
			got := getGraph(ctx, g, dgd)
			g.Expect(got.Status.State).To(Equal(nvidiav1alpha1.StatePending))
			sched := meta.FindStatusCondition(got.Status.Conditions, flotillav1alpha1.GraphScheduled)
			g.Expect(sched).NotTo(BeNil())
			g.Expect(sched.Reason).To(Equal(graph.ReasonUnschedulable))
			g.Expect(sched.Message).To(ContainSubstring("0/2 clusters fit"))
			g.Expect(sched.Message).To(ContainSubstring("runs multinode components as StatefulSet; spec.placement.multinodeRuntimes asks for LeaderWorkerSet"))
			g.Expect(hubRecords(ctx, g, dgd)).To(BeEmpty())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("accepting StatefulSets too, after which it runs as the agent's StatefulSets")
		got := getGraph(ctx, Default, dgd)
		patch := client.MergeFrom(got.DeepCopy())
		got.Spec.Placement.MultinodeRuntimes = append(got.Spec.Placement.MultinodeRuntimes, flotillav1alpha1.MultinodeRuntimeStatefulSet)
		Expect(hub.Patch(ctx, got, patch)).To(Succeed())
		got = expectSuccessful(ctx, dgd)
		member := got.Status.ClusterPlacement.Copies[0]
		sets := &appsv1.StatefulSetList{}
		Expect(local.Members[member.Cluster].Client.List(ctx, sets, client.InNamespace(member.Namespace))).To(Succeed())
		var leaders []string
		for _, s := range sets.Items {
			if strings.HasPrefix(s.Name, "needs-lws-vllmdecodeworker-") {
				leaders = append(leaders, s.Name)
			}
		}
		Expect(leaders).To(ConsistOf("needs-lws-vllmdecodeworker-0", "needs-lws-vllmdecodeworker-0-0"), "a leader and a worker StatefulSet")
	})

	It("repairs the member's copy when someone edits or deletes it", func(ctx SpecContext) {
		dgd := makeGraph(ns, "drift").products(h100).obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)
		expectSuccessful(ctx, dgd)
		member := local.Members[east].Client
		key := client.ObjectKey{Namespace: ns, Name: "drift-frontend"}

		By("scaling the member's Frontend DCD to 3 by hand: the hub puts back 1")
		dcd := &nvidiav1alpha1.DynamoComponentDeployment{}
		Expect(member.Get(ctx, key, dcd)).To(Succeed())
		uid := dcd.UID
		dcd.Spec.Replicas = ptr.To[int32](3)
		Expect(member.Update(ctx, dcd)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(member.Get(ctx, key, dcd)).To(Succeed())
			g.Expect(dcd.Spec.Replicas).To(Equal(ptr.To[int32](1)))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("deleting it: the hub applies it again")
		Expect(member.Delete(ctx, dcd)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(member.Get(ctx, key, dcd)).To(Succeed())
			g.Expect(dcd.UID).NotTo(Equal(uid))
			g.Expect(dcd.DeletionTimestamp.IsZero()).To(BeTrue())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		expectSuccessful(ctx, dgd)
	})
})

// expectEvent waits for an event on obj with reason whose note contains text.
func expectEvent(ctx SpecContext, obj client.Object, reason, text string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		list := &eventsv1.EventList{}
		g.Expect(hub.List(ctx, list, client.InNamespace(obj.GetNamespace()))).To(Succeed())
		var seen []string
		for _, e := range list.Items {
			if e.Regarding.UID != obj.GetUID() {
				continue
			}
			if e.Reason == reason && strings.Contains(e.Note, text) {
				return
			}
			seen = append(seen, e.Reason+": "+e.Note)
		}
		g.Expect(seen).To(ContainElement(ContainSubstring(text)), "no %s event", reason)
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}
