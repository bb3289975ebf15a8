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
	"maps"
	"slices"
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
)

const (
	// graphsFile holds Dynamo's vLLM examples, applied on the hub with kubectl.
	graphsFile = "test/kind-multi/testdata/graphs.yaml"
	// graphNamespace is the graphs' namespace on the hub (and on gpu-east, in cluster mode).
	graphNamespace = "smoke"
	// hfTokenSecret is the Secret upstream's workers read (envFromSecret); a member must have it.
	hfTokenSecret = "hf-token-secret"
)

// placedGraph is what a graph should become on its member.
type placedGraph struct {
	name string
	// member, on, namespace: the member it lands on, that member's cluster, the namespace there.
	member    string
	on        func() *cluster
	namespace string
	// product is the GPU product of the nodes its pods run on.
	product string
	// replicas of each of Dynamo's DCD names.
	replicas map[string]int32
}

var _ = Describe("Dynamo's vLLM examples on the kind fleet", Ordered, func() {
	agg := placedGraph{
		name: "vllm-agg", member: west, on: func() *cluster { return westMember }, namespace: westNamespace, product: l40s,
		replicas: map[string]int32{"vllm-agg-frontend": 1, "vllm-agg-vllmdecodeworker": 1},
	}
	disagg := placedGraph{
		name: "vllm-disagg", member: east, on: func() *cluster { return eastMember }, namespace: graphNamespace, product: h100,
		replicas: map[string]int32{"vllm-disagg-frontend": 1, "vllm-disagg-vllmdecodeworker": 2, "vllm-disagg-vllmprefillworker": 1},
	}

	BeforeAll(func(ctx SpecContext) {
		DeferCleanup(func(ctx context.Context) {
			kubectlOn(ctx, hub, "delete", "-f", graphsFile, "--ignore-not-found", "--wait=true", "--timeout=3m")
		}, NodeTimeout(4*time.Minute))

		By("creating the graphs' namespace on the hub, and the Hugging Face token Secret the workers read on each member")
		ensureGraphNamespace(ctx, hub)
		ensureGraphNamespace(ctx, eastMember)
		for _, m := range []struct {
			c         *cluster
			namespace string
		}{{eastMember, graphNamespace}, {westMember, westNamespace}} {
			secret := &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: hfTokenSecret, Namespace: m.namespace},
				StringData: map[string]string{"HF_TOKEN": "kind-smoke-not-a-token"},
			}
			Expect(client.IgnoreAlreadyExists(m.c.Create(ctx, secret))).To(Succeed())
			DeferCleanup(func(ctx context.Context) {
				Expect(client.IgnoreNotFound(m.c.Delete(ctx, secret))).To(Succeed())
			})
		}
	})

	It("accepts both graphs on the hub with kubectl apply", func(ctx SpecContext) {
		out := kubectlOn(ctx, hub, "apply", "-f", graphsFile)
		Expect(out).To(ContainSubstring("dynamographdeployment.nvidia.com/vllm-agg"))
		Expect(out).To(ContainSubstring("dynamographdeployment.nvidia.com/vllm-disagg"))

		By("reading each graph in the version it was not written in, through the hub's conversion webhook")
		Expect(kubectlOn(ctx, hub, "get", "dynamographdeployments.v1beta1.nvidia.com", "vllm-agg", "-n", graphNamespace,
			"-o", "jsonpath={range .spec.components[*]}{.name}/{.type} {end}")).To(Equal("Frontend/frontend VllmDecodeWorker/worker "))
		Expect(kubectlOn(ctx, hub, "get", "dynamographdeployments.v1alpha1.nvidia.com", "vllm-disagg", "-n", graphNamespace,
			"-o", "jsonpath={.spec.services.VllmPrefillWorker.componentType}/{.spec.services.VllmPrefillWorker.subComponentType}")).
			To(Equal("worker/prefill"))
	})

	It("runs the aggregated graph on the L40S member, in its restricted namespace", func(ctx SpecContext) {
		expectPlaced(ctx, agg)
		By("checking that gpu-east holds nothing of it")
		Expect(memberDCDs(ctx, Default, eastMember, "", agg.name)).To(BeEmpty())
	})

	It("runs the disaggregated graph on the H100 member, in the graph's namespace", func(ctx SpecContext) {
		expectPlaced(ctx, disagg)
		By("checking that the v1beta1 workers' envFrom reached their pods on gpu-east")
		d := &appsv1.Deployment{}
		Expect(eastMember.Get(ctx, client.ObjectKey{Namespace: disagg.namespace, Name: "vllm-disagg-vllmprefillworker"}, d)).To(Succeed())
		Expect(d.Spec.Template.Spec.Containers).To(ContainElement(And(
			HaveField("Name", "main"),
			HaveField("EnvFrom", ContainElement(HaveField("SecretRef.Name", hfTokenSecret))))))
		By("checking that gpu-west holds nothing of it")
		Expect(memberDCDs(ctx, Default, westMember, "", disagg.name)).To(BeEmpty())
	})

	It("deletes both graphs with kubectl delete, and nothing of them stays on the hub or the members", func(ctx SpecContext) {
		kubectlOn(ctx, hub, "delete", "-f", graphsFile, "--wait=true", "--timeout=3m")
		for _, g := range []placedGraph{agg, disagg} {
			By("checking that " + g.name + " and its hub records are gone from the hub")
			Eventually(func(gm Gomega) {
				list := &nvidiav1alpha1.DynamoComponentDeploymentList{}
				gm.Expect(hub.List(ctx, list, client.InNamespace(graphNamespace), client.MatchingLabels{flotillav1alpha1.LabelGraph: g.name})).To(Succeed())
				gm.Expect(list.Items).To(BeEmpty())
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

			By("checking that its DCDs, Deployments and pods are gone from " + g.member)
			member := g.on()
			Eventually(func(gm Gomega) {
				gm.Expect(memberDCDs(ctx, gm, member, g.namespace, g.name)).To(BeEmpty())
				for name := range g.replicas {
					err := member.Get(ctx, client.ObjectKey{Namespace: g.namespace, Name: name}, &appsv1.Deployment{})
					gm.Expect(err).To(HaveOccurred(), "Deployment %s/%s", g.namespace, name)
					gm.Expect(client.IgnoreNotFound(err)).To(Succeed())
					gm.Expect(podsOf(ctx, gm, member, g.namespace, name)).To(BeEmpty(), "pods of %s", name)
				}
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		}
	})
})

// expectPlaced waits until a graph is successful on the hub, placed on its member, and checks
// the member: Dynamo's DCD names, available Deployments, and Running pods on KWOK nodes of the
// graph's GPU product.
func expectPlaced(ctx context.Context, want placedGraph) {
	GinkgoHelper()
	By("waiting until " + want.name + " is successful on the hub")
	dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
	Eventually(func(g Gomega) {
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: graphNamespace, Name: want.name}, dgd)).To(Succeed())
		ready := meta.FindStatusCondition(dgd.Status.Conditions, nvidiav1alpha1.ConditionReady)
		g.Expect(ready).NotTo(BeNil(), "no Ready condition yet")
		g.Expect(dgd.Status.State).To(Equal(nvidiav1alpha1.StateSuccessful), "Ready: %s: %s", ready.Reason, ready.Message)
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	Expect(dgd.Status.ClusterPlacement).NotTo(BeNil())
	Expect(dgd.Status.ClusterPlacement.Copies).To(HaveLen(1))
	placed := dgd.Status.ClusterPlacement.Copies[0]
	Expect(placed.Cluster).To(Equal(want.member))
	Expect(placed.Namespace).To(Equal(want.namespace))
	Expect(placed.State).To(Equal(flotillav1alpha1.CopyReady))
	Expect(dgd.Status.ClusterPlacement.ReadyCopies).To(Equal("1/1"))
	Expect(meta.IsStatusConditionTrue(dgd.Status.Conditions, flotillav1alpha1.GraphScheduled)).To(BeTrue())
	Expect(meta.IsStatusConditionTrue(dgd.Status.Conditions, flotillav1alpha1.ConditionSynced)).To(BeTrue())

	By("checking " + want.member + ": Dynamo's DCD names in " + want.namespace + ", Deployments available, pods Running on " + want.product + " nodes")
	member := want.on()
	dcds := memberDCDs(ctx, Default, member, want.namespace, want.name)
	Expect(slices.Sorted(maps.Keys(dcds))).To(Equal(slices.Sorted(maps.Keys(want.replicas))))
	for name, replicas := range want.replicas {
		Expect(dcds[name].Labels).To(HaveKeyWithValue(flotillav1alpha1.LabelGraphUID, string(dgd.UID)))
		Expect(meta.IsStatusConditionTrue(dcds[name].Status.Conditions, nvidiav1alpha1.ConditionAvailable)).To(BeTrue(), "DCD %s is not Available", name)

		d := &appsv1.Deployment{}
		Expect(member.Get(ctx, client.ObjectKey{Namespace: want.namespace, Name: name}, d)).To(Succeed())
		Expect(d.Status.AvailableReplicas).To(Equal(replicas), "available replicas of Deployment %s", name)

		pods := podsOf(ctx, Default, member, want.namespace, name)
		Expect(pods).To(HaveLen(int(replicas)), "pods of %s", name)
		for _, pod := range pods {
			Expect(pod.Status.Phase).To(Equal(corev1.PodRunning), "pod %s", pod.Name)
			node := &corev1.Node{}
			Expect(member.Get(ctx, client.ObjectKey{Name: pod.Spec.NodeName}, node)).To(Succeed(), "node of pod %s", pod.Name)
			Expect(node.Labels).To(HaveKeyWithValue("type", "kwok"), "pod %s runs on %s", pod.Name, node.Name)
			Expect(node.Labels).To(HaveKeyWithValue(flotillav1alpha1.GPUProductLabel, want.product), "pod %s runs on %s", pod.Name, node.Name)
		}
	}
}

// memberDCDs lists a graph's DCDs on a member (in all namespaces when namespace is empty), by name.
func memberDCDs(ctx context.Context, g Gomega, member *cluster, namespace, graph string) map[string]*nvidiav1alpha1.DynamoComponentDeployment {
	list := &nvidiav1alpha1.DynamoComponentDeploymentList{}
	g.Expect(member.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{nvidiav1alpha1.LabelGraphName: graph})).To(Succeed())
	out := map[string]*nvidiav1alpha1.DynamoComponentDeployment{}
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

// podsOf lists the pods of a DCD on a member, by the selector label the agent gives them.
func podsOf(ctx context.Context, g Gomega, member *cluster, namespace, dcd string) []corev1.Pod {
	pods := &corev1.PodList{}
	g.Expect(member.List(ctx, pods, client.InNamespace(namespace), client.MatchingLabels{nvidiav1alpha1.LabelSelector: dcd})).To(Succeed())
	return pods.Items
}

// ensureGraphNamespace creates the graphs' namespace on a cluster unless it exists.
func ensureGraphNamespace(ctx context.Context, c *cluster) {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: graphNamespace}}
	Expect(client.IgnoreAlreadyExists(c.Create(ctx, ns))).To(Succeed())
}
