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
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flotilla-dev/flotilla/agent/component"
	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

var _ = Describe("The agent's DCD controller in a cluster with fake GPU nodes", Ordered, func() {
	const (
		// rollout bounds a rollout on the local cluster: scheduling, kwok and the controllers.
		rollout   = 2 * time.Minute
		gpuNodes  = 2
		nodeGPUs  = 8
		gpuWorker = "gpu-worker"
	)
	var (
		c   client.Client
		ns  string
		dcd *nvidiav1alpha1.DynamoComponentDeployment
	)

	BeforeAll(func(ctx SpecContext) {
		By("starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok")
		started := time.Now()
		cluster, err := testenv.StartCluster(ctx, testenv.Options{Name: "agent-component", Logf: GinkgoWriter.Printf})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(cluster.Stop)
		AddReportEntry("cluster start", time.Since(started).Round(time.Millisecond).String())

		By(fmt.Sprintf("adding %d fake nodes of %d GPUs each", gpuNodes, nodeGPUs))
		var nodes []testenv.GPUNodeSpec
		for i := range gpuNodes {
			nodes = append(nodes, testenv.GPUNodeSpec{Name: fmt.Sprintf("kwok-h100-%d", i), Product: "NVIDIA-H100-80GB-HBM3", GPUs: nodeGPUs})
		}
		Expect(cluster.AddGPUNodes(ctx, nodes)).To(Succeed())

		By("installing the agent chart's CRDs")
		Expect(testenv.InstallCRDs(cluster.RESTConfig(), agentCRDs)).To(Succeed())
		c, err = client.New(cluster.RESTConfig(), client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())

		By("serving the agent's conversion webhook and starting a manager running the DCD controller against the cluster")
		startConversionWebhook(ctx, cluster.RESTConfig())
		startAgent(cluster.RESTConfig())
		ns = newNamespace(ctx, c)
	}, NodeTimeout(30*time.Minute)) // a cold build of the binaries takes about ten minutes

	// getDCD reads the test's DCD.
	getDCD := func(ctx SpecContext, g Gomega) *nvidiav1alpha1.DynamoComponentDeployment {
		got := &nvidiav1alpha1.DynamoComponentDeployment{}
		g.ExpectWithOffset(1, c.Get(ctx, client.ObjectKeyFromObject(dcd), got)).To(Succeed())
		return got
	}

	It("makes a one-GPU worker Available once its pod runs on a GPU node", func(ctx SpecContext) {
		dcd = testenv.GPUWorkerDCD(ns, gpuWorker, "kwok-graph")
		By("creating a worker DCD of 1 replica asking for 1 GPU, tolerating the fake nodes' taint")
		Expect(c.Create(ctx, dcd)).To(Succeed())

		By("waiting until the DCD is Available because its Deployment rolled out")
		Eventually(func(g Gomega) {
			got := getDCD(ctx, g)
			expectAvailable(g, got, metav1.ConditionTrue, workload.ReasonDeploymentReady)
			g.Expect(got.Status.Service).To(Equal(&nvidiav1alpha1.ServiceReplicaStatus{
				ComponentKind: "Deployment", ComponentName: gpuWorker, ComponentNames: []string{gpuWorker},
				Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: ptr.To[int32](1), AvailableReplicas: ptr.To[int32](1),
			}))
		}).WithContext(ctx).WithTimeout(rollout).WithPolling(interval).Should(Succeed())

		By("reconciling it with a new Reconciler, as a restarted agent does: no rollout, no write, no event")
		d := &appsv1.Deployment{}
		Eventually(func(g Gomega) {
			// The Deployment controller's last write of a finished rollout.
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(dcd), d)).To(Succeed())
			g.Expect(d.Status.Conditions).To(ContainElement(And(
				HaveField("Type", appsv1.DeploymentProgressing),
				HaveField("Reason", "NewReplicaSetAvailable"))))
		}).WithContext(ctx).WithTimeout(rollout).WithPolling(interval).Should(Succeed())
		before := getDCD(ctx, Default)
		recorder := events.NewFakeRecorder(16)
		restarted := &component.Reconciler{Client: c, Recorder: recorder, Options: agentOptions}
		_, err := restarted.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(dcd)})
		Expect(err).NotTo(HaveOccurred())
		Expect(recorder.Events).To(BeEmpty())
		after := &appsv1.Deployment{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(dcd), after)).To(Succeed())
		Expect(after.Generation).To(Equal(d.Generation), "the Deployment's spec changed")
		Expect(after.ResourceVersion).To(Equal(d.ResourceVersion), "the Deployment was written")
		Expect(getDCD(ctx, Default).ResourceVersion).To(Equal(before.ResourceVersion), "the DCD was written")
	}, SpecTimeout(3*time.Minute))

	It("keeps it not Available when scaled beyond the cluster's GPUs", func(ctx SpecContext) {
		const replicas = 20 // one GPU each; the cluster has 16
		By(fmt.Sprintf("scaling the worker to %d replicas of one GPU on %d GPUs", replicas, gpuNodes*nodeGPUs))
		current := getDCD(ctx, Default)
		base := current.DeepCopy()
		current.Spec.Replicas = ptr.To[int32](replicas)
		Expect(c.Patch(ctx, current, client.MergeFrom(base))).To(Succeed())

		By("waiting until every GPU is taken and the remaining pods are unschedulable")
		Eventually(func(g Gomega) {
			got := getDCD(ctx, g)
			expectAvailable(g, got, metav1.ConditionFalse, workload.ReasonDeploymentNotReady)
			g.Expect(got.Status.Service).NotTo(BeNil())
			g.Expect(got.Status.Service.AvailableReplicas).To(Equal(ptr.To[int32](gpuNodes * nodeGPUs)))
			g.Expect(condition(got, nvidiav1alpha1.ConditionAvailable).Message).To(
				ContainSubstring(fmt.Sprintf("%d/%d replicas available", gpuNodes*nodeGPUs, replicas)))
			pods := &corev1.PodList{}
			g.Expect(c.List(ctx, pods, client.InNamespace(ns),
				client.MatchingLabels{nvidiav1alpha1.LabelSelector: gpuWorker})).To(Succeed())
			unschedulable := 0
			for _, p := range pods.Items {
				for _, cond := range p.Status.Conditions {
					if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse && cond.Reason == corev1.PodReasonUnschedulable {
						unschedulable++
					}
				}
			}
			g.Expect(unschedulable).To(Equal(replicas - gpuNodes*nodeGPUs))
		}).WithContext(ctx).WithTimeout(rollout).WithPolling(interval).Should(Succeed())

		By("checking that it stays so")
		Consistently(func(g Gomega) {
			expectAvailable(g, getDCD(ctx, g), metav1.ConditionFalse, workload.ReasonDeploymentNotReady)
		}).WithContext(ctx).WithTimeout(quiet).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(3*time.Minute))

	It("leaves the Deployment to the garbage collector when the DCD is deleted", func(ctx SpecContext) {
		By("deleting the DCD")
		Expect(c.Delete(ctx, dcd)).To(Succeed())
		By("waiting until the garbage collector has removed its Deployment")
		Eventually(func(g Gomega) {
			err := c.Get(ctx, client.ObjectKeyFromObject(dcd), &appsv1.Deployment{})
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "Deployment %s: want NotFound, got %v", gpuWorker, err)
			g.Expect(apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(dcd), &nvidiav1alpha1.DynamoComponentDeployment{}))).To(BeTrue())
		}).WithContext(ctx).WithTimeout(rollout).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(3*time.Minute))
})
