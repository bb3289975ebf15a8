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
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
	"github.com/flotilla-dev/flotilla/hub/register"
	"github.com/flotilla-dev/flotilla/test/serving"
)

// failoverAfter is the graphs' own grace in these specs (spec.placement.failoverAfter): far
// shorter than the hub's --member-lost-after in this suite, which it overrides.
const failoverAfter = 10 * time.Second

// failoverNamespace is the namespace of the failover specs' graphs, on the hub and on gpu-east.
const failoverNamespace = "failover"

// Real faults on the local fleet: gpu-east's kube-apiserver is frozen with SIGSTOP, so that
// neither the hub nor east's agent reaches it while its pods (KWOK's) keep running, as in a
// network partition. Every move is make-before-break, and a sampler checks that no graph ever
// stops serving.
var _ = Describe("Failover under real faults", Ordered, func() {
	const ns = failoverNamespace

	BeforeAll(func(ctx SpecContext) {
		ensureNamespace(ctx, ns)
	})

	It("moves the copies of a member cut off past the grace, make-before-break, and deletes the stale ones after the heal", func(ctx SpecContext) {
		graphs := onEast(ctx, "cut-a", "cut-b")

		s := startSamplerOf(ctx, graphs)
		moves := watchMoves(ctx, ns, east, west)
		By("freezing gpu-east's API server")
		s.Cut(east) // before the cut: reads of east racing with it would count it down
		resume, err := local.Members[east].Pause()
		Expect(err).NotTo(HaveOccurred())
		resumed := false
		DeferCleanup(func(ctx SpecContext) {
			if !resumed {
				Expect(resume()).To(Succeed())
			}
			expectMemberSchedulable(ctx, east)
		})
		cut := time.Now()

		By("waiting for each copy to be Available on gpu-west, shown meanwhile as moving from gpu-east")
		failedOver := map[string]time.Duration{}
		Eventually(func(g Gomega) {
			for _, name := range graphs {
				if _, done := failedOver[name]; !done && copyAvailable(ctx, g, west, westNamespace, name) {
					failedOver[name] = time.Since(cut)
				}
			}
			g.Expect(failedOver).To(HaveLen(len(graphs)))
		}).WithContext(ctx).WithTimeout(failoverAfter + timeout).WithPolling(250 * time.Millisecond).Should(Succeed())
		// The moving state may last less than a poll: the watch saw every status written.
		Eventually(moves).WithContext(ctx).WithTimeout(timeout).Should(HaveLen(len(graphs)),
			"each graph showed its copy on gpu-west with its previous placement on gpu-east")
		for name, reason := range moves() {
			Expect(reason).To(ContainSubstring("unreachable for longer than the failover grace"), "graph %s", name)
		}
		for _, name := range graphs {
			Eventually(func(g Gomega) {
				got := getGraph(ctx, g, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
				c := got.Status.ClusterPlacement.Copies[0]
				g.Expect(c.Cluster).To(Equal(west))
				g.Expect(c.State).To(Equal(flotillav1alpha1.CopyReady))
				g.Expect(c.Previous).To(BeNil(), "the copy on gpu-east is deleted once its replacement serves")
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		}
		Eventually(func(g Gomega) {
			mc := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: east}, mc)).To(Succeed())
			g.Expect(mc.Status.PendingCleanup).To(BeEquivalentTo(2*len(graphs)), "the stale copies wait for gpu-east")
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("resuming gpu-east: its stale copies are deleted, now that their replacements serve")
		Expect(resume()).To(Succeed())
		resumed = true
		healed := time.Now()
		s.Heal(east)
		Eventually(func(g Gomega) {
			for _, name := range graphs {
				g.Expect(memberDCDs(ctx, g, east, ns, name)).To(BeEmpty())
			}
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(250 * time.Millisecond).Should(Succeed())
		cleanup := time.Since(healed)
		gaps := s.Stop()

		var durations []time.Duration
		for _, name := range graphs {
			durations = append(durations, failedOver[name])
			Expect(gaps[name]).To(BeZero(), "graph %s had no serving copy for %s", name, gaps[name])
		}
		slices.Sort(durations)
		AddReportEntry("failover: cut → replacement Available (grace "+failoverAfter.String()+")",
			fmt.Sprintf("p50 %s, max %s", durations[len(durations)/2].Round(100*time.Millisecond), durations[len(durations)-1].Round(100*time.Millisecond)))
		AddReportEntry("failover: heal → stale copies deleted", cleanup.Round(100*time.Millisecond).String())
		AddReportEntry("failover: longest time without a serving copy", serving.Longest(gaps).String())
		Expect(durations[len(durations)-1]).To(BeNumerically("<", failoverAfter+timeout))
		for _, name := range graphs {
			deleteGraph(ctx, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
		}
	})

	It("moves nothing, and rolls nothing out, when a cut is shorter than the grace", func(ctx SpecContext) {
		graphs := onEast(ctx, "blip")
		generations := deploymentGenerations(ctx, graphs[0])
		Expect(generations).NotTo(BeEmpty())

		s := startSamplerOf(ctx, graphs)
		By("freezing gpu-east's API server for half the grace")
		s.Cut(east)
		resume, err := local.Members[east].Pause()
		Expect(err).NotTo(HaveOccurred())
		Consistently(func(g Gomega) {
			g.Expect(memberDCDs(ctx, g, west, westNamespace, "blip")).To(BeEmpty())
			got := getGraph(ctx, g, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "blip"}})
			g.Expect(got.Status.ClusterPlacement.Copies[0].Cluster).To(Equal(east))
		}).WithContext(ctx).WithTimeout(failoverAfter / 2).WithPolling(250 * time.Millisecond).Should(Succeed())
		Expect(resume()).To(Succeed())
		s.Heal(east)

		By("checking that the copy stayed, nothing was written on gpu-west and no Deployment rolled out")
		Consistently(func(g Gomega) {
			g.Expect(memberDCDs(ctx, g, west, westNamespace, "blip")).To(BeEmpty())
			got := getGraph(ctx, g, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "blip"}})
			g.Expect(got.Status.ClusterPlacement.Copies[0].Cluster).To(Equal(east))
			g.Expect(got.Status.ClusterPlacement.Copies[0].Previous).To(BeNil())
		}).WithContext(ctx).WithTimeout(failoverAfter).WithPolling(250 * time.Millisecond).Should(Succeed())
		expectMemberSchedulable(ctx, east)
		Expect(deploymentGenerations(ctx, graphs[0])).To(Equal(generations))
		gaps := s.Stop()
		Expect(gaps["blip"]).To(BeZero())
		AddReportEntry("failover: moves after a cut shorter than the grace", "0")
		AddReportEntry("failover: Deployment rollouts after a cut shorter than the grace", "0")
		deleteGraph(ctx, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "blip"}})
	})

	It("drains a member make-before-break, keeps a copy that fits nowhere else, and calls the move off on undrain", func(ctx SpecContext) {
		graphs := onEast(ctx, "drained")
		dgd := &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "drained"}}
		s := startSamplerOf(ctx, graphs)

		By("draining gpu-east while gpu-west is cordoned: the copy has nowhere to go and keeps serving on east")
		setMemberSpec(ctx, west, func(spec *flotillav1alpha1.MemberClusterSpec) { spec.Unschedulable = true })
		setMemberSpec(ctx, east, func(spec *flotillav1alpha1.MemberClusterSpec) { spec.Drain = true })
		DeferCleanup(func(ctx SpecContext) {
			setMemberSpec(ctx, east, func(spec *flotillav1alpha1.MemberClusterSpec) { spec.Drain = false })
			setMemberSpec(ctx, west, func(spec *flotillav1alpha1.MemberClusterSpec) { spec.Unschedulable = false })
		})
		Eventually(func(g Gomega) {
			c := getGraph(ctx, g, dgd).Status.ClusterPlacement.Copies[0]
			g.Expect(c.State).To(Equal(flotillav1alpha1.CopyPending))
			g.Expect(c.Previous).NotTo(BeNil())
			g.Expect(c.Previous.Cluster).To(Equal(east))
			g.Expect(c.Previous.State).To(Equal(flotillav1alpha1.CopyReady))
			g.Expect(c.Previous.Reason).To(ContainSubstring("draining"))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(getGraph(ctx, Default, dgd).Status.State).To(Equal(nvidiav1alpha1.StateSuccessful), "the copy still serves where it leaves")
		Expect(copyAvailable(ctx, Default, east, ns, "drained")).To(BeTrue())

		By("undraining gpu-east: the move is called off and the copy is placed on east again")
		setMemberSpec(ctx, east, func(spec *flotillav1alpha1.MemberClusterSpec) { spec.Drain = false })
		Eventually(func(g Gomega) {
			c := getGraph(ctx, g, dgd).Status.ClusterPlacement.Copies[0]
			g.Expect(c.Cluster).To(Equal(east))
			g.Expect(c.State).To(Equal(flotillav1alpha1.CopyReady))
			g.Expect(c.Previous).To(BeNil())
			for _, rec := range hubRecords(ctx, g, dgd) {
				g.Expect(rec.Annotations).NotTo(HaveKey(flotillav1alpha1.AnnotationReplaced))
			}
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("draining gpu-east with gpu-west open: the copy moves, and leaves east only once it serves on west")
		setMemberSpec(ctx, west, func(spec *flotillav1alpha1.MemberClusterSpec) { spec.Unschedulable = false })
		setMemberSpec(ctx, east, func(spec *flotillav1alpha1.MemberClusterSpec) { spec.Drain = true })
		var eastGoneWhileWestDown bool
		Eventually(func(g Gomega) {
			onEast := len(memberDCDs(ctx, g, east, ns, "drained")) > 0
			onWest := copyAvailable(ctx, g, west, westNamespace, "drained")
			if !onEast && !onWest {
				eastGoneWhileWestDown = true
			}
			g.Expect(onWest).To(BeTrue())
			g.Expect(onEast).To(BeFalse())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(100 * time.Millisecond).Should(Succeed())
		Expect(eastGoneWhileWestDown).To(BeFalse(), "the copy on east was deleted before its replacement on west was Available")
		expectEvent(ctx, getGraph(ctx, Default, dgd), "Moved", "draining")
		Expect(s.Stop()["drained"]).To(BeZero())
		deleteGraph(ctx, dgd)
	})

	It("moves a copy that stopped serving on a member that answers (its GPU nodes died), make-before-break", func(ctx SpecContext) {
		graphs := onEast(ctx, "capacity")
		dgd := &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "capacity"}}
		s := startSamplerOf(ctx, graphs)

		By("tainting gpu-east's GPU nodes NoExecute: their pods are evicted and cannot come back")
		setNodeTaint(ctx, east, deadTaint, true)
		DeferCleanup(func(ctx SpecContext) { setNodeTaint(ctx, east, deadTaint, false) })
		died := time.Now()
		Eventually(func(g Gomega) {
			c := getGraph(ctx, g, dgd).Status.ClusterPlacement.Copies[0]
			g.Expect(c.Cluster).To(Equal(east))
			g.Expect(c.UnavailableSince).NotTo(BeNil(), "state %s: %s", c.State, c.Message)
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("waiting for the copy to serve on gpu-west; gpu-east's goes only then")
		var eastGoneFirst bool
		Eventually(func(g Gomega) {
			onWest := copyAvailable(ctx, g, west, westNamespace, "capacity")
			onEast := len(memberDCDs(ctx, g, east, ns, "capacity")) > 0
			if !onEast && !onWest {
				eastGoneFirst = true
			}
			g.Expect(onWest).To(BeTrue())
			g.Expect(onEast).To(BeFalse())
		}).WithContext(ctx).WithTimeout(failoverAfter + timeout).WithPolling(100 * time.Millisecond).Should(Succeed())
		Expect(eastGoneFirst).To(BeFalse(), "the copy on gpu-east was deleted before its replacement was Available")
		AddReportEntry("failover: GPU nodes dead → replacement Available (grace "+failoverAfter.String()+")",
			time.Since(died).Round(100*time.Millisecond).String())
		got := expectSuccessful(ctx, dgd)
		Expect(got.Status.ClusterPlacement.Clusters).To(Equal(west))
		expectEvent(ctx, got, "Moved", "stopped serving here for longer than its failover grace")
		s.Stop()
		deleteGraph(ctx, dgd)
	})

	It("moves nothing while a member's agent is down and its workloads run", func(ctx SpecContext) {
		graphs := onEast(ctx, "agentless")
		generations := deploymentGenerations(ctx, graphs[0])
		Expect(generations).NotTo(BeEmpty())

		By("stopping gpu-east's agent for longer than the grace")
		Expect(local.Members[east].StopAgent()).To(Succeed())
		restarted := false
		DeferCleanup(func(ctx SpecContext) {
			if !restarted {
				Expect(local.Members[east].StartAgent(ctx)).To(Succeed())
			}
			expectMemberSchedulable(ctx, east)
		})
		Eventually(func(g Gomega) {
			mc := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: east}, mc)).To(Succeed())
			g.Expect(meta.IsStatusConditionFalse(mc.Status.Conditions, flotillav1alpha1.MemberAgentReady)).To(BeTrue())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(memberDCDs(ctx, g, west, westNamespace, graphs[0])).To(BeEmpty())
			c := getGraph(ctx, g, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: graphs[0]}}).Status.ClusterPlacement.Copies[0]
			g.Expect(c.Cluster).To(Equal(east))
			g.Expect(c.Previous).To(BeNil())
		}).WithContext(ctx).WithTimeout(failoverAfter + 5*time.Second).WithPolling(250 * time.Millisecond).Should(Succeed())

		By("starting the agent again: nothing rolls out")
		Expect(local.Members[east].StartAgent(ctx)).To(Succeed())
		restarted = true
		expectMemberSchedulable(ctx, east)
		Consistently(func() map[string]int64 {
			return deploymentGenerations(ctx, graphs[0])
		}).WithContext(ctx).WithTimeout(5 * time.Second).WithPolling(500 * time.Millisecond).Should(Equal(generations))
		AddReportEntry("failover: moves and Deployment rollouts after the agent was down past the grace", "0 and 0")
		deleteGraph(ctx, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: graphs[0]}})
	})

	It("reports a member that refuses the hub's credentials as Refused and moves nothing", func(ctx SpecContext) {
		graphs := onEast(ctx, "refused")
		DeferCleanup(deleteGraph, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: graphs[0]}})
		eastMember := local.Members[east]

		By("revoking the hub's token on gpu-east (deleting its token Secret)")
		token := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: eastMember.AgentNamespace, Name: register.DefaultTokenSecret}}
		Expect(eastMember.Client.Get(ctx, client.ObjectKeyFromObject(token), token)).To(Succeed())
		Expect(eastMember.Client.Delete(ctx, token)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			By("issuing a new token and registering gpu-east again")
			fresh := &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: token.Namespace, Name: token.Name, Labels: token.Labels, Annotations: map[string]string{
					corev1.ServiceAccountNameKey: token.Annotations[corev1.ServiceAccountNameKey]}},
				Type: corev1.SecretTypeServiceAccountToken,
			}
			Expect(client.IgnoreAlreadyExists(eastMember.Client.Create(ctx, fresh))).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(eastMember.Client.Get(ctx, client.ObjectKeyFromObject(fresh), fresh)).To(Succeed())
				g.Expect(fresh.Data).To(HaveKey(corev1.ServiceAccountTokenKey))
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
			Expect(local.Register(ctx, east)).To(Succeed())
			expectMemberSchedulable(ctx, east)
		})
		Eventually(func(g Gomega) {
			mc := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: east}, mc)).To(Succeed())
			joined := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.MemberJoined)
			g.Expect(joined).NotTo(BeNil())
			g.Expect(joined.Reason).To(Equal(membercluster.ReasonRefused), joined.Message)
			g.Expect(joined.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(joined.Message).To(ContainSubstring("401"))
			g.Expect(mc.Annotations).NotTo(HaveKey(flotillav1alpha1.AnnotationUnreachableSince))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(memberDCDs(ctx, g, west, westNamespace, graphs[0])).To(BeEmpty())
			c := getGraph(ctx, g, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: graphs[0]}}).Status.ClusterPlacement.Copies[0]
			g.Expect(c.Cluster).To(Equal(east))
		}).WithContext(ctx).WithTimeout(failoverAfter + 5*time.Second).WithPolling(250 * time.Millisecond).Should(Succeed())
		ok, err := available(ctx, east, ns, graphs[0])
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeTrue(), "the copy keeps serving on gpu-east")
	})
})

// onEast creates one-copy graphs with failoverAfter while gpu-west is cordoned, so that they
// land on gpu-east, waits until they are successful there, and uncordons gpu-west.
func onEast(ctx SpecContext, names ...string) []string {
	GinkgoHelper()
	setMemberSpec(ctx, west, func(spec *flotillav1alpha1.MemberClusterSpec) { spec.Unschedulable = true })
	for _, name := range names {
		b := makeGraph(failoverNamespace, name)
		b.placement().FailoverAfter = &metav1.Duration{Duration: failoverAfter}
		Expect(hub.Create(ctx, b.obj())).To(Succeed())
	}
	for _, name := range names {
		got := expectSuccessful(ctx, &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: failoverNamespace, Name: name}})
		Expect(got.Status.ClusterPlacement.Clusters).To(Equal(east))
	}
	setMemberSpec(ctx, west, func(spec *flotillav1alpha1.MemberClusterSpec) { spec.Unschedulable = false })
	expectMemberSchedulable(ctx, west)
	return names
}

// deadTaint stands for GPU nodes that died: NoExecute, tolerated by no pod.
var deadTaint = corev1.Taint{Key: "flotilla.dev/test-dead", Value: "true", Effect: corev1.TaintEffectNoExecute}

// setNodeTaint adds taint to, or removes it from, every GPU node of a member.
func setNodeTaint(ctx context.Context, member string, taint corev1.Taint, on bool) {
	GinkgoHelper()
	nodes := &corev1.NodeList{}
	Expect(local.Members[member].Client.List(ctx, nodes)).To(Succeed())
	for i := range nodes.Items {
		n := &nodes.Items[i]
		if _, gpu := n.Status.Allocatable["nvidia.com/gpu"]; !gpu {
			continue
		}
		before := n.DeepCopy()
		n.Spec.Taints = slices.DeleteFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Key == taint.Key })
		if on {
			n.Spec.Taints = append(n.Spec.Taints, taint)
		}
		Expect(local.Members[member].Client.Patch(ctx, n, client.MergeFrom(before))).To(Succeed())
	}
}

// setMemberSpec edits a MemberCluster's spec.
func setMemberSpec(ctx context.Context, name string, edit func(*flotillav1alpha1.MemberClusterSpec)) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		mc := &flotillav1alpha1.MemberCluster{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, mc)).To(Succeed())
		before := mc.DeepCopy()
		edit(&mc.Spec)
		g.Expect(hub.Patch(ctx, mc, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))).To(Succeed())
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}

// copyAvailable reports whether every DCD of a graph's copy on a member is Available.
func copyAvailable(ctx context.Context, g Gomega, member, namespace, graph string) bool {
	ok, err := available(ctx, member, namespace, graph)
	g.Expect(err).NotTo(HaveOccurred())
	return ok
}

// available reports whether both DCDs of a graph's copy on a member are Available.
func available(ctx context.Context, member, namespace, graph string) (bool, error) {
	list := &nvidiav1alpha1.DynamoComponentDeploymentList{}
	if err := local.Members[member].Client.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{
		nvidiav1alpha1.LabelGraphName: graph,
	}); err != nil {
		return false, err
	}
	if len(list.Items) < 2 {
		return false, nil
	}
	for i := range list.Items {
		if !meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, nvidiav1alpha1.ConditionAvailable) {
			return false, nil
		}
	}
	return true, nil
}

// deploymentGenerations returns the generation of every Deployment of a graph's copy on gpu-east.
func deploymentGenerations(ctx context.Context, graph string) map[string]int64 {
	GinkgoHelper()
	list := &appsv1.DeploymentList{}
	Expect(local.Members[east].Client.List(ctx, list, client.InNamespace(failoverNamespace))).To(Succeed())
	out := map[string]int64{}
	for _, d := range list.Items {
		if strings.HasPrefix(d.Name, graph+"-") {
			out[d.Name] = d.Generation
		}
	}
	return out
}

// startSampler samples the graphs' serving copies on gpu-east and gpu-west.
func startSamplerOf(ctx context.Context, graphs []string) *serving.Sampler {
	return serving.Start(ctx, []string{east, west}, graphs, func(ctx context.Context, member, graph string) bool {
		namespace := failoverNamespace
		if member == west {
			namespace = westNamespace
		}
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		ok, _ := available(ctx, member, namespace, graph)
		return ok
	}, 200*time.Millisecond)
}

// watchMoves watches the graphs of namespace ns on the hub until the end of the spec, and
// returns what it saw so far: for each graph whose status showed its copy placed on to with its
// previous placement on from, unreachable, the reason given for that previous placement. A
// watch sees every status the hub writes, however briefly it lasts.
func watchMoves(ctx context.Context, ns, from, to string) func() map[string]string {
	GinkgoHelper()
	wc, err := client.NewWithWatch(local.Hub.Config, client.Options{Scheme: hub.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(ctx)
	w, err := wc.Watch(ctx, &nvidiav1alpha1.DynamoGraphDeploymentList{}, client.InNamespace(ns))
	Expect(err).NotTo(HaveOccurred())
	var mu sync.Mutex
	seen := map[string]string{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			dgd, ok := ev.Object.(*nvidiav1alpha1.DynamoGraphDeployment)
			if !ok || len(dgd.Status.ClusterPlacement.Copies) == 0 {
				continue
			}
			if c := dgd.Status.ClusterPlacement.Copies[0]; c.Cluster == to && c.Previous != nil &&
				c.Previous.Cluster == from && c.Previous.State == flotillav1alpha1.CopyUnreachable {
				mu.Lock()
				if _, ok := seen[dgd.Name]; !ok {
					seen[dgd.Name] = c.Previous.Reason
				}
				mu.Unlock()
			}
		}
	}()
	DeferCleanup(func() {
		w.Stop()
		cancel()
		<-done
	})
	return func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(seen)
	}
}
