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
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
)

var _ = Describe("A graph's lifecycle across hub restarts and member failures", func() {
	const ns = "team-b"

	BeforeEach(func(ctx SpecContext) { ensureNamespace(ctx, ns) })

	It("survives a hub restart mid-rollout with no duplicate, lost or moved copy", func(ctx SpecContext) {
		dgd := makeGraph(ns, "restart").copies(2, regionLabel).obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)

		By("stopping the hub as soon as the graph's four records exist")
		var before map[string]*nvidiav1alpha1.DynamoComponentDeployment
		Eventually(func(g Gomega) {
			before = hubRecords(ctx, g, dgd)
			g.Expect(before).To(HaveLen(4))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(10 * time.Millisecond).Should(Succeed())
		Expect(stopHub()).To(Succeed())
		placedBefore := map[string]string{}
		for _, rec := range before {
			placedBefore[rec.Labels[flotillav1alpha1.LabelCopy]] = rec.Labels[flotillav1alpha1.LabelCluster]
		}
		Expect(placedBefore).To(HaveLen(2))
		// Read in v1beta1, the stored version: v1alpha1 reads need the hub's conversion webhook.
		stopped := &nvidiav1beta1.DynamoGraphDeployment{}
		Expect(hub.Get(ctx, client.ObjectKeyFromObject(dgd), stopped)).To(Succeed())
		GinkgoWriter.Printf("state when the hub stopped: %q\n", stopped.Status.State)

		By("starting a new hub, which finishes the rollout")
		startHub()
		got := expectSuccessful(ctx, dgd)

		By("checking that the records are the same objects, and the copies where they were")
		after := hubRecords(ctx, Default, dgd)
		Expect(names(after)).To(Equal(names(before)))
		for name, rec := range after {
			Expect(rec.UID).To(Equal(before[name].UID), name)
		}
		for _, c := range got.Status.ClusterPlacement.Copies {
			Expect(c.Cluster).To(Equal(placedBefore[strconv.Itoa(int(c.Index))]), "copy %d", c.Index)
		}
		By("checking that each member holds exactly the copy's two DCDs")
		for copyIndex, member := range placedBefore {
			namespace := ns
			if member == west {
				namespace = westNamespace
			}
			dcds := memberDCDs(ctx, Default, member, namespace, "restart")
			Expect(names(dcds)).To(Equal([]string{"restart-frontend", "restart-vllmdecodeworker"}), "copy %s on %s", copyIndex, member)
		}
	})

	It("re-places the copies of a member that leaves the fleet, and uses it again when it returns", func(ctx SpecContext) {
		dgd := makeGraph(ns, "leaver").copies(2, regionLabel).obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		DeferCleanup(deleteGraph, dgd)
		expectSuccessful(ctx, dgd)

		By("removing gpu-west's kubeconfig Secret from the hub")
		Expect(local.Unregister(ctx, west)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			Expect(local.Register(ctx, west)).To(Succeed())
			expectMemberSchedulable(ctx, west)
		})

		By("waiting until its MemberCluster is gone, its records released and its copy pending")
		Eventually(func(g Gomega) {
			err := hub.Get(ctx, client.ObjectKey{Name: west}, &flotillav1alpha1.MemberCluster{})
			g.Expect(err).To(HaveOccurred())
			g.Expect(client.IgnoreNotFound(err)).To(Succeed())
			for _, rec := range hubRecords(ctx, g, dgd) {
				g.Expect(rec.Labels[flotillav1alpha1.LabelCluster]).To(Equal(east))
			}
			got := getGraph(ctx, g, dgd)
			g.Expect(got.Status.State).To(Equal(nvidiav1alpha1.StatePending))
			g.Expect(meta.IsStatusConditionFalse(got.Status.Conditions, flotillav1alpha1.GraphScheduled)).To(BeTrue())
			states := map[string]flotillav1alpha1.CopyState{}
			for _, c := range got.Status.ClusterPlacement.Copies {
				states[c.Cluster] = c.State
			}
			g.Expect(states).To(Equal(map[string]flotillav1alpha1.CopyState{east: flotillav1alpha1.CopyReady, "": flotillav1alpha1.CopyPending}))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("registering gpu-west again: the pending copy goes back there")
		Expect(local.Register(ctx, west)).To(Succeed())
		got := expectSuccessful(ctx, dgd)
		Expect(got.Status.ClusterPlacement.Clusters).To(Equal(east + "," + west))
	})

	It("deletes a graph while its member is unreachable after the deletion timeout, and cleans the member when it returns", func(ctx SpecContext) {
		dgd := makeGraph(ns, "orphan").products(h100).obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		got := expectSuccessful(ctx, dgd)
		Expect(got.Status.ClusterPlacement.Clusters).To(Equal(east))

		By("freezing gpu-east's API server")
		resume, err := local.Members[east].Pause()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) {
			Expect(resume()).To(Succeed())
			expectMemberSchedulable(ctx, east)
		})
		Eventually(func(g Gomega) {
			mc := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: east}, mc)).To(Succeed())
			joined := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.MemberJoined)
			g.Expect(joined).NotTo(BeNil())
			g.Expect(joined.Reason).To(Equal(membercluster.ReasonUnreachable))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("deleting the graph: it goes once the deletion timeout has passed")
		Expect(hub.Delete(ctx, dgd)).To(Succeed())
		Eventually(func(g Gomega) {
			err := hub.Get(ctx, client.ObjectKeyFromObject(dgd), &nvidiav1alpha1.DynamoGraphDeployment{})
			g.Expect(client.IgnoreNotFound(err)).To(Succeed())
			g.Expect(err).To(HaveOccurred())
		}).WithContext(ctx).WithTimeout(deletionTimeout + timeout).WithPolling(interval).Should(Succeed())
		expectEvent(ctx, got, "DeletionTimeout", "left on unreachable members ("+east+")")

		By("checking that its two records wait, terminating, and gpu-east counts them as pending cleanup")
		Eventually(func(g Gomega) {
			recs := hubRecords(ctx, g, dgd)
			g.Expect(recs).To(HaveLen(2))
			for _, rec := range recs {
				g.Expect(rec.DeletionTimestamp.IsZero()).To(BeFalse())
			}
			mc := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: east}, mc)).To(Succeed())
			g.Expect(mc.Status.PendingCleanup).To(BeEquivalentTo(2))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("resuming gpu-east: its copy is deleted and the records go")
		Expect(resume()).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(memberDCDs(ctx, g, east, ns, "orphan")).To(BeEmpty())
			g.Expect(hubRecords(ctx, g, dgd)).To(BeEmpty())
			mc := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: east}, mc)).To(Succeed())
			g.Expect(mc.Status.PendingCleanup).To(BeZero())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})
})

// expectMemberSchedulable waits until a member is Schedulable again.
func expectMemberSchedulable(ctx SpecContext, name string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		mc := &flotillav1alpha1.MemberCluster{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, mc)).To(Succeed())
		c := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.MemberSchedulable)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}
