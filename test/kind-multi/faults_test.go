//go:build kindmulti

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

package kindmulti_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/serving"
)

// faultNamespace is the namespace of the fault specs' graphs on the hub and on gpu-east.
const faultNamespace = "faults"

// Real faults on the kind fleet: a member's node container is cut off the docker network (its
// pods keep running; the hub cannot reach it), the hub's leader and an agent are killed with
// SIGKILL, a member's kube-apiserver is killed. The graphs carry spec.placement.failoverAfter,
// so that the specs need not wait for the hub's default grace.
var _ = Describe("Failover on the kind fleet under real faults", Ordered, func() {
	BeforeAll(func(ctx SpecContext) {
		Expect(client.IgnoreAlreadyExists(hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: faultNamespace}}))).To(Succeed())
		DeferCleanup(func(ctx context.Context) {
			kubectlOn(ctx, hub, "delete", "dynamographdeployments.nvidia.com", "--all", "-n", faultNamespace, "--wait=true", "--timeout=3m")
		}, NodeTimeout(4*time.Minute))
	})

	It("fails a cut member's copies over past the grace, make-before-break, and removes the stale ones after the heal", func(ctx SpecContext) {
		const grace = 20 * time.Second
		graphs := []string{"cut-a", "cut-b"}
		placeOnEast(ctx, grace, graphs...)

		s := startSamplerOf(ctx, graphs)
		By("disconnecting gpu-east's node container from the kind network")
		s.Cut(east) // before the cut: reads of east racing with it would count it down
		heal := cutLink(ctx, eastCluster)
		healed := false
		DeferCleanup(func(ctx SpecContext) {
			if !healed {
				heal(ctx)
			}
			expectMemberReady(ctx, east)
		})
		cut := time.Now()

		By("waiting for each copy to be Available on gpu-west")
		failedOver := map[string]time.Duration{}
		Eventually(func(g Gomega) {
			for _, name := range graphs {
				if _, done := failedOver[name]; !done && copyServes(ctx, westMember, westNamespace, name) {
					failedOver[name] = time.Since(cut)
				}
			}
			g.Expect(failedOver).To(HaveLen(len(graphs)))
		}).WithContext(ctx).WithTimeout(grace + timeout).WithPolling(250 * time.Millisecond).Should(Succeed())
		for _, name := range graphs {
			Eventually(func(g Gomega) {
				c := faultGraph(ctx, g, name).Status.ClusterPlacement.Copies[0]
				g.Expect(c.Cluster).To(Equal(west))
				g.Expect(c.State).To(Equal(flotillav1alpha1.CopyReady))
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		}

		By("reconnecting gpu-east: its stale copies are deleted, their replacements serving")
		heal(ctx)
		healed = true
		healedAt := time.Now()
		Eventually(func(g Gomega) {
			for _, name := range graphs {
				g.Expect(memberDCDs(ctx, g, eastMember, faultNamespace, name)).To(BeEmpty())
			}
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(250 * time.Millisecond).Should(Succeed())
		cleanup := time.Since(healedAt)
		s.Heal(east)
		gaps := s.Stop()
		var durations []time.Duration
		for _, name := range graphs {
			durations = append(durations, failedOver[name])
			Expect(gaps[name]).To(BeZero(), "graph %s had no serving copy for %s", name, gaps[name])
		}
		slices.Sort(durations)
		AddReportEntry("kind failover: cut → replacement Available (grace "+grace.String()+")",
			fmt.Sprintf("p50 %s, max %s", durations[len(durations)/2].Round(100*time.Millisecond), durations[len(durations)-1].Round(100*time.Millisecond)))
		AddReportEntry("kind failover: heal → stale copies deleted", cleanup.Round(100*time.Millisecond).String())
		AddReportEntry("kind failover: longest time without a serving copy", serving.Longest(gaps).String())
		deleteFaultGraphs(ctx, graphs...)
	})

	It("moves nothing and rolls nothing out when a cut is shorter than the grace", func(ctx SpecContext) {
		const grace = 90 * time.Second
		placeOnEast(ctx, grace, "blip")
		generations := deploymentGenerations(ctx, eastMember, "blip")
		Expect(generations).NotTo(BeEmpty())

		By("disconnecting gpu-east for 20 s")
		heal := cutLink(ctx, eastCluster)
		DeferCleanup(func(ctx SpecContext) { heal(ctx) })
		Consistently(func(g Gomega) {
			g.Expect(memberDCDs(ctx, g, westMember, westNamespace, "blip")).To(BeEmpty())
		}).WithContext(ctx).WithTimeout(20 * time.Second).WithPolling(time.Second).Should(Succeed())
		heal(ctx)
		expectMemberReady(ctx, east)

		By("checking that nothing moved and no Deployment rolled out")
		Consistently(func(g Gomega) {
			g.Expect(memberDCDs(ctx, g, westMember, westNamespace, "blip")).To(BeEmpty())
			c := faultGraph(ctx, g, "blip").Status.ClusterPlacement.Copies[0]
			g.Expect(c.Cluster).To(Equal(east))
			g.Expect(c.Previous).To(BeNil())
		}).WithContext(ctx).WithTimeout(15 * time.Second).WithPolling(time.Second).Should(Succeed())
		Expect(deploymentGenerations(ctx, eastMember, "blip")).To(Equal(generations))
		Expect(movedEvents(ctx, "blip")).To(BeEmpty())
		AddReportEntry("kind failover: moves and rollouts after a 20 s cut (grace 90 s)", "0 and 0")
		deleteFaultGraphs(ctx, "blip")
	})

	It("loses, duplicates and moves no copy when the hub's leader is killed during a rollout of 20 graphs", func(ctx SpecContext) {
		var graphs []string
		for i := range 20 {
			graphs = append(graphs, "burst-"+strconv.Itoa(i))
		}
		leader := hubLeader(ctx)
		for _, name := range graphs {
			Expect(hub.Create(ctx, faultGraphObject(name, time.Hour))).To(Succeed())
		}
		By("waiting until some graphs are placed, then killing the leader " + leader + " with SIGKILL")
		firstCluster := map[string]string{}
		record := func(g Gomega) int {
			for _, name := range graphs {
				got := faultGraph(ctx, g, name)
				if pl := got.Status.ClusterPlacement; pl != nil && len(pl.Copies) == 1 && pl.Copies[0].Cluster != "" {
					if first, seen := firstCluster[name]; !seen {
						firstCluster[name] = pl.Copies[0].Cluster
					} else {
						g.Expect(pl.Copies[0].Cluster).To(Equal(first), "graph %s moved", name)
					}
				}
			}
			return len(firstCluster)
		}
		Eventually(record).WithContext(ctx).WithTimeout(timeout).WithPolling(250 * time.Millisecond).Should(BeNumerically(">=", 5))
		killed := time.Now()
		leaderPod, _, _ := strings.Cut(leader, "_")
		sigkillPod(ctx, hub, hubCluster, "flotilla-system", leaderPod)

		By("waiting for a standby to take the lead and every graph to be successful")
		Eventually(func(g Gomega) {
			g.Expect(hubLeaderOf(ctx, g)).NotTo(Equal(leader))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		takeover := time.Since(killed)
		Eventually(func(g Gomega) {
			g.Expect(record(g)).To(Equal(len(graphs)))
			for _, name := range graphs {
				g.Expect(faultGraph(ctx, g, name).Status.State).To(Equal(nvidiav1alpha1.StateSuccessful), name)
			}
		}).WithContext(ctx).WithTimeout(2 * timeout).WithPolling(time.Second).Should(Succeed())

		By("checking that every graph has one copy, two hub records and two DCDs on its member, and never moved")
		for _, name := range graphs {
			records := &nvidiav1alpha1.DynamoComponentDeploymentList{}
			Expect(hub.List(ctx, records, client.InNamespace(faultNamespace), client.MatchingLabels{
				flotillav1alpha1.LabelHubRecord: "true", flotillav1alpha1.LabelGraph: name})).To(Succeed())
			Expect(records.Items).To(HaveLen(2), "hub records of %s", name)
			member, namespace := eastMember, faultNamespace
			if firstCluster[name] == west {
				member, namespace = westMember, westNamespace
			}
			Expect(memberDCDs(ctx, Default, member, namespace, name)).To(HaveLen(2), "DCDs of %s on %s", name, firstCluster[name])
			Expect(movedEvents(ctx, name)).To(BeEmpty())
		}
		AddReportEntry("kind hub HA: leader SIGKILL → standby leads", takeover.Round(100*time.Millisecond).String())
		AddReportEntry("kind hub HA: 20 graphs after the leader's SIGKILL", "20 successful, 0 duplicate, 0 lost, 0 moved")
		deleteFaultGraphs(ctx, graphs...)
	})

	It("rolls nothing out when an agent is killed with SIGKILL", func(ctx SpecContext) {
		placeOnEast(ctx, time.Hour, "steady")
		generations := deploymentGenerations(ctx, eastMember, "steady")
		Expect(generations).NotTo(BeEmpty())
		pod := podOf(ctx, eastMember, agentNamespaceEast, "app.kubernetes.io/name=flotilla-agent")
		restarts := pod.Status.ContainerStatuses[0].RestartCount

		By("killing gpu-east's agent " + pod.Name + " with SIGKILL")
		sigkillPod(ctx, eastMember, eastCluster, agentNamespaceEast, pod.Name)
		Eventually(func(g Gomega) {
			p := &corev1.Pod{}
			g.Expect(eastMember.Get(ctx, client.ObjectKeyFromObject(&pod), p)).To(Succeed())
			g.Expect(p.Status.ContainerStatuses[0].RestartCount).To(BeNumerically(">", restarts))
			g.Expect(p.Status.ContainerStatuses[0].Ready).To(BeTrue())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		expectMemberReady(ctx, east)
		Consistently(func() map[string]int64 {
			return deploymentGenerations(ctx, eastMember, "steady")
		}).WithContext(ctx).WithTimeout(15 * time.Second).WithPolling(time.Second).Should(Equal(generations))
		Expect(movedEvents(ctx, "steady")).To(BeEmpty())
		AddReportEntry("kind: Deployment rollouts after an agent's SIGKILL", "0")

		By("killing gpu-east's kube-apiserver with SIGKILL: the kubelet restarts it and the fleet converges")
		killProcess(ctx, eastCluster, "kube-apiserver")
		expectMemberReady(ctx, east)
		Eventually(func(g Gomega) {
			got := faultGraph(ctx, g, "steady")
			g.Expect(got.Status.State).To(Equal(nvidiav1alpha1.StateSuccessful))
			g.Expect(got.Status.ClusterPlacement.Clusters).To(Equal(east))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		// A restarted API server may refuse requests while its authorizer's caches sync.
		Eventually(func(g Gomega) {
			list := &appsv1.DeploymentList{}
			g.Expect(eastMember.List(ctx, list, client.InNamespace(faultNamespace))).To(Succeed())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(deploymentGenerations(ctx, eastMember, "steady")).To(Equal(generations))
		AddReportEntry("kind: Deployment rollouts after gpu-east's kube-apiserver was killed", "0")
		deleteFaultGraphs(ctx, "steady")
	})
})

// faultGraphObject is a one-copy graph (a CPU frontend and a 1-GPU vLLM worker, on any GPU
// product) that fails over after grace.
func faultGraphObject(name string, grace time.Duration) *nvidiav1alpha1.DynamoGraphDeployment {
	svc := func(componentType string, gpus string) *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec {
		s := &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
			ComponentType: componentType,
			Replicas:      ptr.To[int32](1),
			ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{
				PodSpec: &corev1.PodSpec{
					NodeSelector: map[string]string{"type": "kwok"},
					Tolerations: []corev1.Toleration{{Key: "kwok.x-k8s.io/node", Operator: corev1.TolerationOpEqual,
						Value: "fake", Effect: corev1.TaintEffectNoSchedule}},
				},
				MainContainer: &corev1.Container{Image: "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1"},
			},
		}
		if gpus != "" {
			s.Resources = &nvidiav1alpha1.Resources{Limits: &nvidiav1alpha1.ResourceItem{GPU: gpus}}
		}
		return s
	}
	return &nvidiav1alpha1.DynamoGraphDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: faultNamespace, Name: name},
		Spec: nvidiav1alpha1.DynamoGraphDeploymentSpec{
			BackendFramework: "vllm",
			Placement:        &flotillav1alpha1.PlacementSpec{FailoverAfter: &metav1.Duration{Duration: grace}},
			Services: map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"Frontend":         svc(nvidiav1alpha1.ComponentTypeFrontend, ""),
				"VllmDecodeWorker": svc(nvidiav1alpha1.ComponentTypeWorker, "1"),
			},
		},
	}
}

// placeOnEast creates graphs while gpu-west is cordoned, so that they land on gpu-east, waits
// until they are successful there and uncordons gpu-west.
func placeOnEast(ctx context.Context, grace time.Duration, names ...string) {
	GinkgoHelper()
	setUnschedulable(ctx, west, true)
	DeferCleanup(setUnschedulable, west, false)
	for _, name := range names {
		Expect(hub.Create(ctx, faultGraphObject(name, grace))).To(Succeed())
	}
	for _, name := range names {
		Eventually(func(g Gomega) {
			got := faultGraph(ctx, g, name)
			g.Expect(got.Status.State).To(Equal(nvidiav1alpha1.StateSuccessful))
			g.Expect(got.Status.ClusterPlacement.Clusters).To(Equal(east))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}
	setUnschedulable(ctx, west, false)
	expectMemberReady(ctx, west)
}

func setUnschedulable(ctx context.Context, member string, on bool) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		mc := &flotillav1alpha1.MemberCluster{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: member}, mc)).To(Succeed())
		before := mc.DeepCopy()
		mc.Spec.Unschedulable = on
		g.Expect(hub.Patch(ctx, mc, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))).To(Succeed())
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}

// expectMemberReady waits until a member is Joined, AgentReady and Schedulable.
func expectMemberReady(ctx context.Context, member string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		mc := &flotillav1alpha1.MemberCluster{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: member}, mc)).To(Succeed())
		for _, t := range []string{flotillav1alpha1.MemberJoined, flotillav1alpha1.MemberAgentReady, flotillav1alpha1.MemberSchedulable} {
			c := meta.FindStatusCondition(mc.Status.Conditions, t)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s %s: %s: %s", member, t, c.Reason, c.Message)
			if t == flotillav1alpha1.MemberJoined {
				g.Expect(c.Reason).To(Equal("Reachable"))
			}
		}
	}).WithContext(ctx).WithTimeout(2 * timeout).WithPolling(interval).Should(Succeed())
}

func faultGraph(ctx context.Context, g Gomega, name string) *nvidiav1alpha1.DynamoGraphDeployment {
	got := &nvidiav1alpha1.DynamoGraphDeployment{}
	g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: faultNamespace, Name: name}, got)).To(Succeed())
	g.Expect(got.Status.ClusterPlacement).NotTo(BeNil())
	return got
}

func deleteFaultGraphs(ctx context.Context, names ...string) {
	GinkgoHelper()
	for _, name := range names {
		Expect(client.IgnoreNotFound(hub.Delete(ctx, &nvidiav1alpha1.DynamoGraphDeployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: faultNamespace, Name: name}}))).To(Succeed())
	}
	Eventually(func(g Gomega) {
		list := &nvidiav1alpha1.DynamoGraphDeploymentList{}
		g.Expect(hub.List(ctx, list, client.InNamespace(faultNamespace))).To(Succeed())
		for _, d := range list.Items {
			g.Expect(names).NotTo(ContainElement(d.Name))
		}
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}

// copyServes reports whether both DCDs of a graph on a member are Available; a failed read (a
// member cut off) counts as not serving.
func copyServes(ctx context.Context, member *cluster, namespace, graph string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	list := &nvidiav1alpha1.DynamoComponentDeploymentList{}
	if err := member.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{nvidiav1alpha1.LabelGraphName: graph}); err != nil {
		return false
	}
	if len(list.Items) < 2 {
		return false
	}
	for i := range list.Items {
		if !meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, nvidiav1alpha1.ConditionAvailable) {
			return false
		}
	}
	return true
}

// cutLink disconnects a kind cluster's node container from the kind network: traffic between
// it and the other clusters (and the host's port mappings) stops, its processes and pods keep
// running. The returned heal connects it again with the same addresses.
func cutLink(ctx context.Context, kindCluster string) (heal func(context.Context)) {
	GinkgoHelper()
	node := kindCluster + "-control-plane"
	addrs := strings.Fields(run(ctx, "docker", "inspect", node, "--format",
		`{{with index .NetworkSettings.Networks "kind"}}{{.IPAddress}} {{.GlobalIPv6Address}}{{end}}`))
	Expect(addrs).NotTo(BeEmpty(), "the kind network addresses of %s", node)
	run(ctx, "docker", "network", "disconnect", "kind", node)
	var once sync.Once
	return func(ctx context.Context) {
		once.Do(func() {
			args := []string{"network", "connect", "--ip", addrs[0]}
			if len(addrs) > 1 {
				args = append(args, "--ip6", addrs[1])
			}
			run(ctx, "docker", append(args, "kind", node)...)
		})
	}
}

// hubLeader returns the holder identity of the hub's leader-election Lease: the leader's pod
// name and a UUID of its process, so that a killed leader restarted in the same pod counts as
// a new holder.
func hubLeader(ctx context.Context) string {
	GinkgoHelper()
	var leader string
	Eventually(func(g Gomega) { leader = hubLeaderOf(ctx, g) }).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	return leader
}

func hubLeaderOf(ctx context.Context, g Gomega) string {
	lease := &coordinationv1.Lease{}
	g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: "flotilla-system", Name: "flotilla-hub-leader"}, lease)).To(Succeed())
	holder := ptr.Deref(lease.Spec.HolderIdentity, "")
	g.Expect(holder).NotTo(BeEmpty())
	return holder
}

// podOf returns the one pod matching a label selector.
func podOf(ctx context.Context, c *cluster, namespace, selector string) corev1.Pod {
	GinkgoHelper()
	pods := &corev1.PodList{}
	var out corev1.Pod
	Eventually(func(g Gomega) {
		sel, err := metav1.ParseToLabelSelector(selector)
		g.Expect(err).NotTo(HaveOccurred())
		s, err := metav1.LabelSelectorAsSelector(sel)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(c.List(ctx, pods, client.InNamespace(namespace), client.MatchingLabelsSelector{Selector: s})).To(Succeed())
		g.Expect(pods.Items).To(HaveLen(1))
		g.Expect(pods.Items[0].Status.ContainerStatuses).NotTo(BeEmpty())
		out = pods.Items[0]
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	return out
}

// sigkillPod kills the main process of a pod's first container with SIGKILL, from inside the
// kind node that runs it.
func sigkillPod(ctx context.Context, c *cluster, kindCluster, namespace, name string) {
	GinkgoHelper()
	pod := &corev1.Pod{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, pod)).To(Succeed())
	Expect(pod.Status.ContainerStatuses).NotTo(BeEmpty())
	_, id, ok := strings.Cut(pod.Status.ContainerStatuses[0].ContainerID, "://")
	Expect(ok).To(BeTrue(), "container ID %q", pod.Status.ContainerStatuses[0].ContainerID)
	node := kindCluster + "-control-plane"
	pid := strings.TrimSpace(run(ctx, "docker", "exec", node, "crictl", "inspect", "--output", "go-template", "--template", "{{.info.pid}}", id))
	run(ctx, "docker", "exec", node, "kill", "-KILL", pid)
}

// killProcess kills a control-plane container of a kind node (by its crictl name) with SIGKILL.
func killProcess(ctx context.Context, kindCluster, container string) {
	GinkgoHelper()
	node := kindCluster + "-control-plane"
	id := strings.TrimSpace(run(ctx, "docker", "exec", node, "crictl", "ps", "--name", container, "-q"))
	Expect(id).NotTo(BeEmpty())
	pid := strings.TrimSpace(run(ctx, "docker", "exec", node, "crictl", "inspect", "--output", "go-template", "--template", "{{.info.pid}}", strings.Fields(id)[0]))
	run(ctx, "docker", "exec", node, "kill", "-KILL", pid)
}

// deploymentGenerations returns the generation of every Deployment of a graph on a member, in
// faultNamespace.
func deploymentGenerations(ctx context.Context, c *cluster, graph string) map[string]int64 {
	GinkgoHelper()
	list := &appsv1.DeploymentList{}
	Expect(c.List(ctx, list, client.InNamespace(faultNamespace))).To(Succeed())
	out := map[string]int64{}
	for _, d := range list.Items {
		if strings.HasPrefix(d.Name, graph+"-") {
			out[d.Name] = d.Generation
		}
	}
	return out
}

// movedEvents returns the notes of the Moved events of a graph on the hub.
func movedEvents(ctx context.Context, graph string) []string {
	GinkgoHelper()
	list := &eventsv1.EventList{}
	Expect(hub.List(ctx, list, client.InNamespace(faultNamespace))).To(Succeed())
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == graph && e.Reason == "Moved" {
			out = append(out, e.Note)
		}
	}
	return out
}

// startSampler samples the graphs' serving copies on gpu-east and gpu-west.
func startSamplerOf(ctx context.Context, graphs []string) *serving.Sampler {
	return serving.Start(ctx, []string{east, west}, graphs, func(ctx context.Context, member, graph string) bool {
		if member == east {
			return copyServes(ctx, eastMember, faultNamespace, graph)
		}
		return copyServes(ctx, westMember, westNamespace, graph)
	}, 250*time.Millisecond)
}
