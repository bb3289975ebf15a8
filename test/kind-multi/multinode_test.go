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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// multinodeFile holds a graph whose worker spans two nodes and asks for LeaderWorkerSet.
const multinodeFile = "test/kind-multi/testdata/multinode.yaml"

var _ = Describe("A multinode graph on the kind fleet", Ordered, func() {
	const (
		graphName = "vllm-multinode"
		worker    = "vllm-multinode-vllmworker" // Dynamo's DCD name
	)

	BeforeAll(func(ctx SpecContext) {
		ensureGraphNamespace(ctx, hub)
		ensureGraphNamespace(ctx, eastMember)
		DeferCleanup(func(ctx context.Context) {
			kubectlOn(ctx, hub, "delete", "-f", multinodeFile, "--ignore-not-found", "--wait=true", "--timeout=3m")
		}, NodeTimeout(4*time.Minute))
	})

	It("knows which member runs LeaderWorkerSet", func(ctx SpecContext) {
		for _, m := range []struct {
			name string
			want flotillav1alpha1.MultinodeRuntime
		}{{east, flotillav1alpha1.MultinodeRuntimeLeaderWorkerSet}, {west, flotillav1alpha1.MultinodeRuntimeStatefulSet}} {
			Eventually(func(g Gomega) {
				mc := &flotillav1alpha1.MemberCluster{}
				g.Expect(hub.Get(ctx, client.ObjectKey{Name: m.name}, mc)).To(Succeed())
				g.Expect(mc.Status.MultinodeRuntime).To(Equal(m.want), "member %s", m.name)
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		}
	})

	It("runs the graph's two-node worker on gpu-east as a LeaderWorkerSet that LeaderWorkerSet's controller rolls out", func(ctx SpecContext) {
		kubectlOn(ctx, hub, "apply", "-f", multinodeFile)

		By("waiting until the graph is successful on the hub, placed on gpu-east")
		dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: graphNamespace, Name: graphName}, dgd)).To(Succeed())
			ready := meta.FindStatusCondition(dgd.Status.Conditions, nvidiav1alpha1.ConditionReady)
			g.Expect(ready).NotTo(BeNil(), "no Ready condition yet")
			g.Expect(dgd.Status.State).To(Equal(nvidiav1alpha1.StateSuccessful), "Ready: %s: %s", ready.Reason, ready.Message)
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(dgd.Status.ClusterPlacement.Copies).To(HaveLen(1))
		Expect(dgd.Status.ClusterPlacement.Copies[0].Cluster).To(Equal(east))

		By("checking the LeaderWorkerSet on gpu-east: one group of two pods, ready")
		lws := &lwsv1.LeaderWorkerSet{}
		Expect(eastMember.Get(ctx, client.ObjectKey{Namespace: graphNamespace, Name: worker + "-0"}, lws)).To(Succeed())
		Expect(*lws.Spec.LeaderWorkerTemplate.Size).To(Equal(int32(2)))
		Expect(lws.Status.ReadyReplicas).To(Equal(int32(1)))

		By("checking the leader and the worker pod: Running on distinct H100 KWOK nodes, with LeaderWorkerSet's variables and the Ray launch")
		leaderAddress := worker + "-0-0." + worker + "-0." + graphNamespace
		nodes := map[string]bool{}
		for _, p := range []struct {
			name, index, command string
		}{
			{worker + "-0-0", "0", "ray start --head --port=6379"},
			{worker + "-0-0-1", "1", "ray start --address=$(LWS_LEADER_ADDRESS):6379 --block"},
		} {
			pod := &corev1.Pod{}
			Expect(eastMember.Get(ctx, client.ObjectKey{Namespace: graphNamespace, Name: p.name}, pod)).To(Succeed())
			Expect(pod.Status.Phase).To(Equal(corev1.PodRunning), "pod %s", p.name)
			Expect(pod.Labels).To(HaveKeyWithValue(lwsv1.WorkerIndexLabelKey, p.index))
			Expect(metav1.GetControllerOf(pod).Kind).To(Equal("StatefulSet"), "pod %s", p.name)
			node := &corev1.Node{}
			Expect(eastMember.Get(ctx, client.ObjectKey{Name: pod.Spec.NodeName}, node)).To(Succeed())
			Expect(node.Labels).To(HaveKeyWithValue(flotillav1alpha1.GPUProductLabel, h100))
			nodes[node.Name] = true
			main := pod.Spec.Containers[0]
			Expect(main.Env).To(ContainElement(corev1.EnvVar{Name: lwsv1.LwsLeaderAddress, Value: leaderAddress}))
			Expect(main.Env).To(ContainElement(corev1.EnvVar{Name: lwsv1.LwsWorkerIndex, Value: p.index}))
			Expect(append(append([]string{}, main.Command...), main.Args...)).To(ContainElement(ContainSubstring(p.command)))
		}
		Expect(nodes).To(HaveLen(2), "each pod of the group on its own node")
	})

	It("deletes the graph, and LeaderWorkerSet's pods go with it", func(ctx SpecContext) {
		kubectlOn(ctx, hub, "delete", "-f", multinodeFile, "--wait=true", "--timeout=3m")
		Eventually(func(g Gomega) {
			err := eastMember.Get(ctx, client.ObjectKey{Namespace: graphNamespace, Name: worker + "-0"}, &lwsv1.LeaderWorkerSet{})
			g.Expect(client.IgnoreNotFound(err)).To(Succeed())
			g.Expect(err).To(HaveOccurred(), "the LeaderWorkerSet is still there")
			pods := &corev1.PodList{}
			g.Expect(eastMember.List(ctx, pods, client.InNamespace(graphNamespace), client.HasLabels{lwsv1.SetNameLabelKey})).To(Succeed())
			g.Expect(pods.Items).To(BeEmpty())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})
})
