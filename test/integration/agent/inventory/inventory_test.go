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

package inventory_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

var _ = Describe("The agent's GPU inventory", Ordered, func() {
	It("publishes every GPU of every node as free before any pod runs", func(ctx SpecContext) {
		By("waiting for the GPUInventory to show two H100 nodes with 8 free GPUs and one A100 node with 4")
		expectInventory(ctx, agentNamespace, flotillav1alpha1.InventoryFromNodes, "",
			pool(a100, 4, 4, 0, 4, 1),
			pool(h100, 16, 16, 0, 8, 2),
		)
	})

	It("counts the GPUs of the pods the scheduler binds", func(ctx SpecContext) {
		By("running a 4-GPU pod on an H100 node, then an 8-GPU one, a 1-GPU pod on the A100 node and a CPU-only pod")
		createPod(ctx, "h100-half", h100, 4)
		expectRunning(ctx, "h100-half")
		createPod(ctx, "h100-full", h100, 8)
		createPod(ctx, "a100-one", a100, 1)
		createPod(ctx, "cpu-only", "", 0)
		for _, name := range []string{"h100-full", "a100-one", "cpu-only"} {
			expectRunning(ctx, name)
		}

		By("waiting for the GPUInventory to show one H100 node with 4 free, one with none, the A100 node with 3")
		expectInventory(ctx, agentNamespace, flotillav1alpha1.InventoryFromNodes, "",
			pool(a100, 4, 3, 0, 3, 1),
			pool(h100, 16, 4, 0, 4, 1, 0, 1),
		)
	})

	It("frees the GPUs of a pod that goes away", func(ctx SpecContext) {
		By("deleting the 4-GPU pod")
		Expect(k8sClient.Delete(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: workloadNamespace, Name: "h100-half"}},
			client.GracePeriodSeconds(0))).To(Succeed())

		By("waiting for its H100 node to show 8 free GPUs again")
		expectInventory(ctx, agentNamespace, flotillav1alpha1.InventoryFromNodes, "",
			pool(a100, 4, 3, 0, 3, 1),
			pool(h100, 16, 8, 0, 8, 1, 0, 1),
		)
	})

	It("leaves a cordoned node out of the pool and counts it apart", func(ctx SpecContext) {
		free := freeH100Node(ctx)

		By("cordoning the H100 node with no pod, " + free)
		setUnschedulable(ctx, free, true)

		By("waiting for the H100 pool to hold only the full node, and one unschedulable node")
		expectInventory(ctx, agentNamespace, flotillav1alpha1.InventoryFromNodes, "",
			pool(a100, 4, 3, 0, 3, 1),
			pool(h100, 8, 0, 1, 0, 1),
		)

		By("uncordoning it and waiting for it to come back")
		setUnschedulable(ctx, free, false)
		expectInventory(ctx, agentNamespace, flotillav1alpha1.InventoryFromNodes, "",
			pool(a100, 4, 3, 0, 3, 1),
			pool(h100, 16, 8, 0, 8, 1, 0, 1),
		)
	})

	It("writes nothing while nothing changes", func(ctx SpecContext) {
		By("reading the GPUInventory's resourceVersion")
		inv := &flotillav1alpha1.GPUInventory{}
		Expect(k8sClient.Get(ctx, inventoryKey(agentNamespace), inv)).To(Succeed())

		By("checking it stays the same over ten write intervals, while kwok keeps updating the nodes")
		Consistently(func(g Gomega) string {
			got := &flotillav1alpha1.GPUInventory{}
			g.Expect(k8sClient.Get(ctx, inventoryKey(agentNamespace), got)).To(Succeed())
			return got.ResourceVersion
		}).WithContext(ctx).WithTimeout(10 * writeInterval).WithPolling(writeInterval / 2).Should(Equal(inv.ResourceVersion))
	})

	It("publishes declared capacity with its source and namespace restriction", func(ctx SpecContext) {
		By("waiting for the restricted agent's GPUInventory to show the declared L40S nodes, all free")
		expectInventory(ctx, restrictedNamespace, flotillav1alpha1.InventoryDeclared, restrictedNamespace,
			pool(l40s, 20, 20, 0, 8, 2, 4, 1),
		)
	})
})

var _ = Describe("The agent's Lease", func() {
	It("is created and renewed by the agent", func(ctx SpecContext) {
		key := client.ObjectKey{Namespace: agentNamespace, Name: flotillav1alpha1.AgentLeaseName}
		lease := &coordinationv1.Lease{}

		By("waiting for the Lease to exist, held by the agent for 30 seconds")
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, key, lease)).To(Succeed())
			g.Expect(lease.Spec.HolderIdentity).To(HaveValue(Equal(agentIdentity)))
			g.Expect(lease.Spec.LeaseDurationSeconds).To(HaveValue(BeEquivalentTo(30)))
			g.Expect(lease.Spec.RenewTime).NotTo(BeNil())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		first := lease.Spec.RenewTime.Time

		By("waiting for its renewTime to advance")
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, key, lease)).To(Succeed())
			g.Expect(lease.Spec.RenewTime.Time).To(BeTemporally(">", first))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})
})

func inventoryKey(namespace string) client.ObjectKey {
	return client.ObjectKey{Namespace: namespace, Name: flotillav1alpha1.InventoryName}
}

// pool is an expected nvidia.com/gpu pool of product; bars are free, nodes pairs, most free first.
func pool(product string, total, free int64, unschedulable int32, bars ...int32) flotillav1alpha1.GPUPool {
	p := flotillav1alpha1.GPUPool{ResourceName: flotillav1alpha1.DefaultGPUResourceName, Product: product,
		Total: total, Free: free, UnschedulableNodes: unschedulable}
	for i := 0; i+1 < len(bars); i += 2 {
		p.NodesByFree = append(p.NodesByFree, flotillav1alpha1.NodesAtFree{Free: bars[i], Nodes: bars[i+1]})
	}
	return p
}

// expectInventory waits until the GPUInventory of namespace shows exactly pools, with their
// totals, source and namespace restriction.
func expectInventory(ctx SpecContext, namespace string, source flotillav1alpha1.InventorySource,
	restriction string, pools ...flotillav1alpha1.GPUPool) {
	GinkgoHelper()
	free, total := flotillav1alpha1.GPUTotals(pools)
	Eventually(func(g Gomega) {
		inv := &flotillav1alpha1.GPUInventory{}
		g.Expect(k8sClient.Get(ctx, inventoryKey(namespace), inv)).To(Succeed())
		g.Expect(inv.Status.GPUs).To(Equal(pools))
		g.Expect(inv.Status.GPUsFree).To(Equal(free))
		g.Expect(inv.Status.GPUsTotal).To(Equal(total))
		g.Expect(inv.Status.Source).To(Equal(source))
		g.Expect(inv.Status.NamespaceRestriction).To(Equal(restriction))
		g.Expect(inv.Status.UpdateTime).NotTo(BeNil())
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}

// createPod creates a pod tolerating the fake nodes' taint that asks for gpus nvidia.com/gpu on a
// node of product (any node when empty).
func createPod(ctx SpecContext, name, product string, gpus int64) {
	GinkgoHelper()
	resources := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
	}
	if gpus > 0 {
		q := *resource.NewQuantity(gpus, resource.DecimalSI)
		resources.Requests[testenv.ResourceGPU] = q
		resources.Limits = corev1.ResourceList{testenv.ResourceGPU: q}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: workloadNamespace, Name: name},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "main", Image: "fake", Resources: resources}},
			Tolerations:                   []corev1.Toleration{testenv.KwokToleration()},
			TerminationGracePeriodSeconds: ptr.To[int64](0),
		},
	}
	if product != "" {
		pod.Spec.NodeSelector = map[string]string{flotillav1alpha1.GPUProductLabel: product}
	}
	Expect(k8sClient.Create(ctx, pod)).To(Succeed())
}

// expectRunning waits until the scheduler has bound the pod and kwok reports it Running.
func expectRunning(ctx SpecContext, name string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		pod := &corev1.Pod{}
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: workloadNamespace, Name: name}, pod)).To(Succeed())
		g.Expect(pod.Spec.NodeName).NotTo(BeEmpty())
		g.Expect(pod.Status.Phase).To(Equal(corev1.PodRunning))
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}

// freeH100Node returns the H100 node the 8-GPU pod does not run on.
func freeH100Node(ctx SpecContext) string {
	GinkgoHelper()
	pod := &corev1.Pod{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: workloadNamespace, Name: "h100-full"}, pod)).To(Succeed())
	for _, n := range gpuNodes {
		if n.Product == h100 && n.Name != pod.Spec.NodeName {
			return n.Name
		}
	}
	Fail("no H100 node is free of the 8-GPU pod, which runs on " + pod.Spec.NodeName)
	return ""
}

// setUnschedulable cordons or uncordons a node.
func setUnschedulable(ctx SpecContext, name string, unschedulable bool) {
	GinkgoHelper()
	node := &corev1.Node{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, node)).To(Succeed())
	patch := client.MergeFrom(node.DeepCopy())
	node.Spec.Unschedulable = unschedulable
	Expect(k8sClient.Patch(ctx, node, patch)).To(Succeed())
}
