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

package component_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

var _ = Describe("The agent's DCD controller on a member that serves LeaderWorkerSet", Ordered, func() {
	var (
		c      client.Client
		lwsCfg *rest.Config
	)

	BeforeAll(func(ctx SpecContext) {
		By("finding that the suite's apiserver, without LeaderWorkerSet, gets StatefulSets")
		Expect(agentmanager.ResolveMultinodeRuntime(env.Config, agentmanager.MultinodeRuntimeAuto)).To(Equal(workload.RuntimeStatefulSet))
		_, err := agentmanager.ResolveMultinodeRuntime(env.Config, string(workload.RuntimeLeaderWorkerSet))
		Expect(err).To(MatchError(ContainSubstring("does not serve leaderworkerset.x-k8s.io/v1")))

		By("starting another kube-apiserver with the agent chart's CRDs and LeaderWorkerSet's, from its Go module")
		lwsCRDs, err := testenv.LeaderWorkerSetCRDs()
		Expect(err).NotTo(HaveOccurred())
		lwsEnv, err := testenv.StartEnvtest(ctx, agentCRDs, lwsCRDs)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(lwsEnv.Stop)
		lwsCfg = lwsEnv.Config
		c, err = client.New(lwsEnv.Config, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		startConversionWebhook(ctx, lwsEnv.Config)

		By("finding LeaderWorkerSet served there, as the agent does at start")
		runtime, err := agentmanager.ResolveMultinodeRuntime(lwsEnv.Config, agentmanager.MultinodeRuntimeAuto)
		Expect(err).NotTo(HaveOccurred())
		Expect(runtime).To(Equal(workload.RuntimeLeaderWorkerSet))
		opts := agentOptions
		opts.MultinodeRuntime = runtime
		startAgentWith(lwsEnv.Config, opts)
	}, NodeTimeout(5*time.Minute))

	It("stops an agent started without LeaderWorkerSet once the cluster serves it, and not one started with it", func(ctx SpecContext) {
		By("watching as an agent that started before LeaderWorkerSet was installed")
		err := (&agentmanager.RuntimeWatcher{Config: lwsCfg, Current: workload.RuntimeStatefulSet, Interval: 100 * time.Millisecond,
			Log: GinkgoLogr}).Start(ctx)
		Expect(err).To(MatchError(agentmanager.ErrMultinodeRuntimeChanged))
		Expect(err).To(MatchError(ContainSubstring("from StatefulSet to LeaderWorkerSet")))

		By("watching as an agent that runs LeaderWorkerSets: nothing changes")
		watchCtx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		Expect((&agentmanager.RuntimeWatcher{Config: lwsCfg, Current: workload.RuntimeLeaderWorkerSet, Interval: 100 * time.Millisecond,
			Log: GinkgoLogr}).Start(watchCtx)).To(Succeed())
	}, SpecTimeout(5*time.Minute)) // the first spec of the container: BeforeAll's time counts too

	It("runs a multinode component as one LeaderWorkerSet and reports it Available once its groups are", func(ctx SpecContext) {
		ns := newNamespace(ctx, c)
		dcd := exampleDCD("sglang-multinode", "SGLangWorker", ns)
		dcd.Spec.Replicas = ptr.To[int32](2)
		nodeCount := dcd.Spec.Multinode.NodeCount
		Expect(c.Create(ctx, dcd)).To(Succeed())
		getDCD := func(g Gomega) *nvidiav1alpha1.DynamoComponentDeployment {
			got := &nvidiav1alpha1.DynamoComponentDeployment{}
			g.ExpectWithOffset(1, c.Get(ctx, client.ObjectKeyFromObject(dcd), got)).To(Succeed())
			return got
		}

		By("waiting for its LeaderWorkerSet <dcd>-0 of 2 groups of nodeCount pods, and no StatefulSet")
		lws := &lwsv1.LeaderWorkerSet{}
		Eventually(func(g Gomega) {
			g.Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: dcd.Name + "-0"}, lws)).To(Succeed())
			expectControlledBy(g, lws, getDCD(g))
			g.Expect(lws.Spec.Replicas).To(Equal(ptr.To[int32](2)))
			g.Expect(lws.Spec.LeaderWorkerTemplate.Size).To(Equal(ptr.To(nodeCount)))
			g.Expect(lws.Spec.StartupPolicy).To(Equal(lwsv1.LeaderCreatedStartupPolicy))
			g.Expect(lws.Spec.LeaderWorkerTemplate.LeaderTemplate.Labels).To(HaveKeyWithValue("role", "leader"))
			g.Expect(lws.Spec.LeaderWorkerTemplate.WorkerTemplate.Labels).To(HaveKeyWithValue("role", "worker"))
			expectAvailable(g, getDCD(g), metav1.ConditionFalse, workload.ReasonLeaderWorkerSetNotReady)
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		sets := &appsv1.StatefulSetList{}
		Expect(c.List(ctx, sets, client.InNamespace(ns))).To(Succeed())
		Expect(sets.Items).To(BeEmpty())

		By("writing the LeaderWorkerSet's status as its controller does once both groups are ready")
		lws.Status = lwsv1.LeaderWorkerSetStatus{
			Replicas: 2, ReadyReplicas: 2, UpdatedReplicas: 2,
			Conditions: []metav1.Condition{{
				Type: string(lwsv1.LeaderWorkerSetAvailable), Status: metav1.ConditionTrue, Reason: "AllGroupsReady",
				Message: "All replicas are ready", LastTransitionTime: metav1.Now(),
			}},
		}
		Expect(c.Status().Update(ctx, lws)).To(Succeed())
		Eventually(func(g Gomega) {
			got := getDCD(g)
			expectAvailable(g, got, metav1.ConditionTrue, workload.ReasonLeaderWorkerSetReady)
			g.Expect(got.Status.Service).To(Equal(&nvidiav1alpha1.ServiceReplicaStatus{
				ComponentKind: "LeaderWorkerSet", ComponentName: lws.Name, ComponentNames: []string{lws.Name},
				Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: ptr.To[int32](2),
			}))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("making it single-node, which replaces the LeaderWorkerSet with a Deployment")
		current := getDCD(Default)
		base := current.DeepCopy()
		current.Spec.Multinode = nil
		Expect(c.Patch(ctx, current, client.MergeFrom(base))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(dcd), &appsv1.Deployment{})).To(Succeed())
			err := c.Get(ctx, client.ObjectKeyFromObject(lws), &lwsv1.LeaderWorkerSet{})
			g.Expect(client.IgnoreNotFound(err)).To(Succeed())
			g.Expect(err).To(HaveOccurred(), "the LeaderWorkerSet is still there")
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(2*time.Minute))
})
