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
	"errors"
	"fmt"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gstruct"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flotilla-dev/flotilla/agent/component"
	"github.com/flotilla-dev/flotilla/agent/workload"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

var _ = Describe("The agent's DCD controller on an apiserver", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = newNamespace(ctx, k8sClient)
	})

	// getDCD reads the DCD named name of the spec's namespace.
	getDCD := func(ctx SpecContext, g Gomega, name string) *nvidiav1alpha1.DynamoComponentDeployment {
		dcd := &nvidiav1alpha1.DynamoComponentDeployment{}
		g.ExpectWithOffset(1, k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dcd)).To(Succeed())
		return dcd
	}

	// expectNotFound checks that no object of kind k is named name in the spec's namespace.
	expectNotFound := func(ctx SpecContext, g Gomega, k workload.Kind, name string) {
		err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, newOf(k))
		g.ExpectWithOffset(1, apierrors.IsNotFound(err)).To(BeTrue(), "%s: want NotFound, got %v", describe(k, name), err)
	}

	It("turns every service of every example graph into its workload, and refuses those that cannot run", func(ctx SpecContext) {
		dcds := exampleDCDs(ns)
		By(fmt.Sprintf("creating the %d DCDs of the example graphs' services", len(dcds)))
		for _, dcd := range dcds {
			Expect(k8sClient.Create(ctx, dcd)).To(Succeed(), "creating DCD %s", dcd.Name)
		}

		built, refused := 0, 0
		for _, dcd := range dcds {
			if errs := unsupported(dcd); len(errs) > 0 {
				refused++
				By(fmt.Sprintf("checking that %s, which uses %s, is UnsupportedFeature naming the field", dcd.Name, errs[0].Field))
				Eventually(func(g Gomega) {
					got := getDCD(ctx, g, dcd.Name)
					expectAvailable(g, got, metav1.ConditionFalse, component.ReasonUnsupportedFeature)
					g.Expect(condition(got, nvidiav1alpha1.ConditionAvailable).Message).To(ContainSubstring(errs[0].Field))
				}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
				expectNotFound(ctx, Default, workload.KindDeployment, dcd.Name)
				continue
			}
			desired, buildErr := build(dcd, agentOptions)
			if buildErr != nil {
				refused++
				var fe *workload.FieldError
				Expect(errors.As(buildErr, &fe)).To(BeTrue(), "%s: %v", dcd.Name, buildErr)
				By(fmt.Sprintf("checking that %s, which cannot run (%s), is InvalidSpec naming the field", dcd.Name, fe.Field))
				Eventually(func(g Gomega) {
					got := getDCD(ctx, g, dcd.Name)
					expectAvailable(g, got, metav1.ConditionFalse, component.ReasonInvalidSpec)
					g.Expect(condition(got, nvidiav1alpha1.ConditionAvailable).Message).To(ContainSubstring(fe.Field))
				}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
				expectNotFound(ctx, Default, workload.KindDeployment, dcd.Name)
				continue
			}
			built++
			By(fmt.Sprintf("checking the %d objects of %s: owner, labels, env, ports, GPUs", len(desired.Objects()), dcd.Name))
			Eventually(func(g Gomega) {
				for _, want := range desired.Objects() {
					kind := workload.Kind(want.GetObjectKind().GroupVersionKind().Kind)
					got := newOf(kind)
					g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(want), got)).To(Succeed(), describe(kind, want.GetName()))
					expectControlledBy(g, got, dcd)
					g.Expect(got.GetLabels()).To(Equal(want.GetLabels()), "labels of %s", describe(kind, want.GetName()))
					switch w := want.(type) {
					case *appsv1.Deployment:
						d := got.(*appsv1.Deployment)
						g.Expect(d.Spec.Replicas).To(Equal(w.Spec.Replicas))
						g.Expect(d.Spec.Selector).To(Equal(w.Spec.Selector))
						expectPodTemplate(g, dcd, w.Spec.Template, d.Spec.Template)
					case *appsv1.StatefulSet:
						s := got.(*appsv1.StatefulSet)
						g.Expect(s.Spec.Replicas).To(Equal(w.Spec.Replicas))
						g.Expect(s.Spec.ServiceName).To(Equal(w.Spec.ServiceName))
						expectPodTemplate(g, dcd, w.Spec.Template, s.Spec.Template)
					case *corev1.Service:
						s := got.(*corev1.Service)
						g.Expect(s.Spec.Selector).To(Equal(w.Spec.Selector))
						g.Expect(s.Spec.Ports).To(HaveLen(len(w.Spec.Ports)))
						for i, p := range w.Spec.Ports {
							g.Expect(s.Spec.Ports[i].Name).To(Equal(p.Name))
							g.Expect(s.Spec.Ports[i].Port).To(Equal(p.Port))
							g.Expect(s.Spec.Ports[i].TargetPort).To(Equal(p.TargetPort))
						}
						if w.Spec.ClusterIP == corev1.ClusterIPNone {
							g.Expect(s.Spec.ClusterIP).To(Equal(corev1.ClusterIPNone), "headless Service %s", s.Name)
						}
					}
				}

				got := getDCD(ctx, g, dcd.Name)
				g.Expect(got.Status.Service).NotTo(BeNil())
				if desired.Deployment != nil {
					// envtest runs no Deployment controller: nothing ever rolls out.
					expectAvailable(g, got, metav1.ConditionFalse, workload.ReasonDeploymentNotReady)
					g.Expect(got.Status.Service.ComponentKind).To(BeEquivalentTo("Deployment"))
					g.Expect(got.Status.Service.ComponentName).To(Equal(dcd.Name))
				} else {
					expectAvailable(g, got, metav1.ConditionFalse, workload.ReasonSomeStatefulSetsNotReady)
					g.Expect(got.Status.Service.ComponentKind).To(BeEquivalentTo("StatefulSet"))
					g.Expect(got.Status.Service.Replicas).To(BeEquivalentTo(len(desired.StatefulSets)/2), "a leader and a worker StatefulSet per replica")
				}
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		}
		Expect(built).To(BeNumerically(">", refused), "most example services run")
		AddReportEntry("example DCDs", fmt.Sprintf("%d built, %d refused by design", built, refused))

		By("checking that creations were recorded as events on the DCD")
		Eventually(func(g Gomega) {
			g.Expect(eventReasons(ctx, g, k8sClient, exampleDCDByName(dcds, "vllm-agg-frontend"))).To(
				ContainElements("CreatedDeployment", "CreatedService"))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(5*time.Minute))

	It("updates the workload when the DCD's replicas or environment change", func(ctx SpecContext) {
		dcd := exampleDCD("vllm-agg", "VllmDecodeWorker", ns)
		Expect(k8sClient.Create(ctx, dcd)).To(Succeed())
		By("waiting for its Deployment")
		Eventually(func(g Gomega) {
			d := &appsv1.Deployment{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(dcd), d)).To(Succeed())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("scaling the DCD to 3 replicas and adding a variable to its environment")
		base := dcd.DeepCopy()
		dcd.Spec.Replicas = ptr.To[int32](3)
		dcd.Spec.Envs = append(dcd.Spec.Envs, corev1.EnvVar{Name: "FLOTILLA_TEST", Value: "updated"})
		Expect(k8sClient.Patch(ctx, dcd, client.MergeFrom(base))).To(Succeed())

		By("waiting for the Deployment to follow, and the DCD's status to describe the new generation")
		Eventually(func(g Gomega) {
			d := &appsv1.Deployment{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(dcd), d)).To(Succeed())
			g.Expect(d.Spec.Replicas).To(Equal(ptr.To[int32](3)))
			v, ok := envValue(mainContainer(g, d.Spec.Template.Spec), "FLOTILLA_TEST")
			g.Expect(ok).To(BeTrue(), "FLOTILLA_TEST is not set")
			g.Expect(v).To(Equal("updated"))
			got := getDCD(ctx, g, dcd.Name)
			expectAvailable(g, got, metav1.ConditionFalse, workload.ReasonDeploymentNotReady)
			g.Expect(condition(got, nvidiav1alpha1.ConditionAvailable).ObservedGeneration).To(Equal(got.Generation))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("checking that the update was recorded as an event")
		Eventually(func(g Gomega) {
			g.Expect(eventReasons(ctx, g, k8sClient, dcd)).To(ContainElement("UpdatedDeployment"))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(2*time.Minute))

	It("writes nothing when nothing changed, not even after an agent restart", func(ctx SpecContext) {
		dcd := exampleDCD("vllm-agg", "Frontend", ns)
		Expect(k8sClient.Create(ctx, dcd)).To(Succeed())
		By("waiting until the controller has applied the Deployment and Service and written the status")
		Eventually(func(g Gomega) {
			got := getDCD(ctx, g, dcd.Name)
			expectAvailable(g, got, metav1.ConditionFalse, workload.ReasonDeploymentNotReady)
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(dcd), &appsv1.Deployment{})).To(Succeed())
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(dcd), &corev1.Service{})).To(Succeed())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		before := resourceVersions(ctx, Default, k8sClient, dcd)
		Expect(before).To(HaveKey("Deployment/" + dcd.Name))
		Expect(before).To(HaveKey("Service/" + dcd.Name))

		By("reconciling again with a new Reconciler and an uncached client, as a restarted agent does")
		recorder := events.NewFakeRecorder(16)
		restarted := &component.Reconciler{Client: k8sClient, Recorder: recorder, Options: agentOptions}
		for range 2 {
			_, err := restarted.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(dcd)})
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(resourceVersions(ctx, Default, k8sClient, dcd)).To(Equal(before), "a reconcile with nothing to do wrote something")
		Expect(recorder.Events).To(BeEmpty(), "a reconcile with nothing to do recorded an event")

		By("touching an annotation of the DCD that changes neither its generation nor its workload")
		touched := getDCD(ctx, Default, dcd.Name)
		base := touched.DeepCopy()
		metav1.SetMetaDataAnnotation(&touched.ObjectMeta, "example.com/touched", "yes")
		Expect(k8sClient.Patch(ctx, touched, client.MergeFrom(base))).To(Succeed())
		Expect(touched.Generation).To(Equal(base.Generation))
		after := resourceVersions(ctx, Default, k8sClient, dcd)
		delete(after, "DynamoComponentDeployment/"+dcd.Name)
		delete(before, "DynamoComponentDeployment/"+dcd.Name)
		Expect(after).To(Equal(before))
		after["DynamoComponentDeployment/"+dcd.Name] = touched.ResourceVersion
		Consistently(func(g Gomega) {
			g.Expect(resourceVersions(ctx, g, k8sClient, dcd)).To(Equal(after))
		}).WithContext(ctx).WithTimeout(quiet).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(2*time.Minute))

	It("never turns a hub record into a workload, nor writes its status", func(ctx SpecContext) {
		dcd := exampleDCD("vllm-agg", "Frontend", ns)
		dcd.Labels[flotillav1alpha1.LabelHubRecord] = "true"
		Expect(k8sClient.Create(ctx, dcd)).To(Succeed())

		By("reconciling it directly, past the watch's filter")
		recorder := events.NewFakeRecorder(16)
		r := &component.Reconciler{Client: k8sClient, Recorder: recorder, Options: agentOptions}
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(dcd)})
		Expect(err).NotTo(HaveOccurred())
		Expect(recorder.Events).To(BeEmpty())

		By("checking that neither the agent's manager nor the direct call created anything or wrote status")
		Consistently(func(g Gomega) {
			rvs := resourceVersions(ctx, g, k8sClient, dcd)
			g.Expect(rvs).To(HaveLen(1), "objects labelled for the hub record: %v", rvs)
			g.Expect(rvs).To(HaveKeyWithValue("DynamoComponentDeployment/"+dcd.Name, dcd.ResourceVersion))
			got := getDCD(ctx, g, dcd.Name)
			g.Expect(got.Status).To(Equal(nvidiav1alpha1.DynamoComponentDeploymentStatus{}))
		}).WithContext(ctx).WithTimeout(quiet).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(time.Minute))

	It("reports a workload the apiserver rejects as ApplyFailed with its message, and recovers once fixed", func(ctx SpecContext) {
		dcd := exampleDCD("vllm-agg", "VllmDecodeWorker", ns)
		dcd.Spec.ExtraPodSpec.PodSpec = &corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever}
		By("creating a worker whose extraPodSpec sets restartPolicy Never, which a Deployment refuses")
		Expect(k8sClient.Create(ctx, dcd)).To(Succeed())
		Eventually(func(g Gomega) {
			got := getDCD(ctx, g, dcd.Name)
			expectAvailable(g, got, metav1.ConditionFalse, component.ReasonApplyFailed)
			msg := condition(got, nvidiav1alpha1.ConditionAvailable).Message
			g.Expect(msg).To(ContainSubstring("spec.template.spec.restartPolicy"))
			g.Expect(msg).To(ContainSubstring(`Unsupported value: "Never"`))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		expectNotFound(ctx, Default, workload.KindDeployment, dcd.Name)
		Eventually(func(g Gomega) {
			g.Expect(eventReasons(ctx, g, k8sClient, dcd)).To(ContainElement(component.ReasonApplyFailed))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("removing the restartPolicy")
		current := getDCD(ctx, Default, dcd.Name)
		base := current.DeepCopy()
		current.Spec.ExtraPodSpec.RestartPolicy = ""
		Expect(k8sClient.Patch(ctx, current, client.MergeFrom(base))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(dcd), &appsv1.Deployment{})).To(Succeed())
			expectAvailable(g, getDCD(ctx, g, dcd.Name), metav1.ConditionFalse, workload.ReasonDeploymentNotReady)
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(2*time.Minute))

	It("runs a multinode component as a leader and a worker StatefulSet and a headless Service per replica, and deletes those scaled away", func(ctx SpecContext) {
		dcd := exampleDCD("sglang-multinode", "SGLangWorker", ns)
		dcd.Spec.Replicas = ptr.To[int32](2)
		nodeCount := dcd.Spec.Multinode.NodeCount
		Expect(nodeCount).To(BeNumerically(">=", 2))
		replica := func(i int) string { return fmt.Sprintf("%s-%d", dcd.Name, i) }
		By("creating a multinode DCD with 2 replicas")
		Expect(k8sClient.Create(ctx, dcd)).To(Succeed())
		Eventually(func(g Gomega) {
			for i := range 2 {
				leader := &appsv1.StatefulSet{}
				g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: replica(i)}, leader)).To(Succeed())
				expectControlledBy(g, leader, dcd)
				g.Expect(leader.Spec.Replicas).To(Equal(ptr.To[int32](1)), "one leader pod")
				worker := &appsv1.StatefulSet{}
				g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: replica(i) + "-0"}, worker)).To(Succeed())
				expectControlledBy(g, worker, dcd)
				g.Expect(worker.Spec.Replicas).To(Equal(ptr.To(nodeCount-1)), "one pod per other node")
				g.Expect(worker.Spec.Ordinals).To(Equal(&appsv1.StatefulSetOrdinals{Start: 1}), "workers numbered from 1, as LeaderWorkerSet numbers them")
				svc := &corev1.Service{}
				g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: replica(i)}, svc)).To(Succeed())
				expectControlledBy(g, svc, dcd)
				g.Expect(svc.Spec.ClusterIP).To(Equal(corev1.ClusterIPNone))
			}
			got := getDCD(ctx, g, dcd.Name)
			expectAvailable(g, got, metav1.ConditionFalse, workload.ReasonSomeStatefulSetsNotReady)
			g.Expect(got.Status.Service).To(gstruct.PointTo(gstruct.MatchFields(gstruct.IgnoreExtras, gstruct.Fields{
				"ComponentKind": BeEquivalentTo("StatefulSet"),
				"ComponentName": Equal(replica(0)),
				"Replicas":      BeEquivalentTo(2),
			})))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		expectNotFound(ctx, Default, workload.KindDeployment, dcd.Name)

		By("scaling it to 1 replica")
		current := getDCD(ctx, Default, dcd.Name)
		base := current.DeepCopy()
		current.Spec.Replicas = ptr.To[int32](1)
		Expect(k8sClient.Patch(ctx, current, client.MergeFrom(base))).To(Succeed())
		Eventually(func(g Gomega) {
			expectNotFound(ctx, g, workload.KindStatefulSet, replica(1))
			expectNotFound(ctx, g, workload.KindStatefulSet, replica(1)+"-0")
			expectNotFound(ctx, g, workload.KindService, replica(1))
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: replica(0)}, &appsv1.StatefulSet{})).To(Succeed())
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: replica(0)}, &corev1.Service{})).To(Succeed())
			g.Expect(getDCD(ctx, g, dcd.Name).Status.Service.Replicas).To(BeEquivalentTo(1))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(eventReasons(ctx, g, k8sClient, dcd)).To(ContainElements("DeletedStatefulSet", "DeletedService"))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(2*time.Minute))

	It("gives the components serving one model one headless model Service, which each of them owns", func(ctx SpecContext) {
		var dcds []*nvidiav1alpha1.DynamoComponentDeployment
		for _, service := range []string{"VllmPrefillWorker", "VllmDecodeWorker"} {
			dcd := exampleDCD("vllm-disagg", service, ns)
			dcd.Spec.ModelRef = &nvidiav1alpha1.ModelReference{Name: "Qwen/Qwen3-0.6B"}
			Expect(k8sClient.Create(ctx, dcd)).To(Succeed())
			dcds = append(dcds, dcd)
		}
		name := workload.ModelServiceName("Qwen/Qwen3-0.6B")
		hash := workload.HashModelName("Qwen/Qwen3-0.6B")
		Eventually(func(g Gomega) {
			svc := &corev1.Service{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, svc)).To(Succeed())
			g.Expect(svc.Spec.ClusterIP).To(Equal(corev1.ClusterIPNone))
			g.Expect(svc.Spec.Selector).To(Equal(map[string]string{workload.LabelBaseModelHash: hash}))
			g.Expect(metav1.GetControllerOf(svc)).To(BeNil(), "a shared Service has no controller")
			var owners []string
			for _, ref := range svc.OwnerReferences {
				owners = append(owners, ref.Name)
			}
			g.Expect(owners).To(ConsistOf(dcds[0].Name, dcds[1].Name))
			for _, dcd := range dcds {
				d := &appsv1.Deployment{}
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(dcd), d)).To(Succeed())
				g.Expect(d.Spec.Template.Labels).To(HaveKeyWithValue(workload.LabelBaseModelHash, hash))
				g.Expect(d.Annotations).To(HaveKeyWithValue(workload.AnnotationBaseModel, "Qwen/Qwen3-0.6B"))
			}
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(time.Minute))

	It("reports the component Available once its Deployment is rolled out", func(ctx SpecContext) {
		dcd := exampleDCD("vllm-agg", "Frontend", ns)
		Expect(k8sClient.Create(ctx, dcd)).To(Succeed())
		d := &appsv1.Deployment{}
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(dcd), d)).To(Succeed())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("writing the Deployment's status as its controller would once every replica is available")
		d.Status = appsv1.DeploymentStatus{
			ObservedGeneration: d.Generation,
			Replicas:           1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{{
				Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable",
				LastUpdateTime: metav1.Now(), LastTransitionTime: metav1.Now(),
			}},
		}
		Expect(k8sClient.Status().Update(ctx, d)).To(Succeed())

		Eventually(func(g Gomega) {
			got := getDCD(ctx, g, dcd.Name)
			expectAvailable(g, got, metav1.ConditionTrue, workload.ReasonDeploymentReady)
			g.Expect(got.Status.Service).To(Equal(&nvidiav1alpha1.ServiceReplicaStatus{
				ComponentKind: "Deployment", ComponentName: dcd.Name, ComponentNames: []string{dcd.Name},
				Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: ptr.To[int32](1), AvailableReplicas: ptr.To[int32](1),
			}))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}, SpecTimeout(time.Minute))
})

// expectPodTemplate checks what the DCD's pods get, against the template built for them: image,
// Dynamo's environment, ports, GPUs and labels.
func expectPodTemplate(g Gomega, dcd *nvidiav1alpha1.DynamoComponentDeployment, want, got corev1.PodTemplateSpec) {
	for k, v := range want.Labels {
		g.ExpectWithOffset(1, got.Labels).To(HaveKeyWithValue(k, v))
	}
	wantMain, gotMain := mainContainer(g, want.Spec), mainContainer(g, got.Spec)
	g.ExpectWithOffset(1, gotMain.Image).To(Equal(wantMain.Image))
	var wantEnv, gotEnv []string
	for _, e := range wantMain.Env {
		wantEnv = append(wantEnv, e.Name)
	}
	for _, e := range gotMain.Env {
		gotEnv = append(gotEnv, e.Name)
	}
	g.ExpectWithOffset(1, gotEnv).To(Equal(wantEnv), "environment of %s", dcd.Name)
	dynNamespace, ok := envValue(gotMain, "DYN_NAMESPACE")
	g.ExpectWithOffset(1, ok).To(BeTrue(), "DYN_NAMESPACE of %s", dcd.Name)
	wantNamespace := dcd.Labels[nvidiav1alpha1.LabelDynamoNamespace]
	if dcd.Spec.DynamoNamespace != nil && *dcd.Spec.DynamoNamespace != "" {
		wantNamespace = *dcd.Spec.DynamoNamespace
	}
	g.ExpectWithOffset(1, dynNamespace).To(Equal(wantNamespace), "DYN_NAMESPACE of %s", dcd.Name)
	nats, _ := envValue(gotMain, "NATS_SERVER")
	g.ExpectWithOffset(1, nats).To(Equal(agentOptions.Env[0].Value), "the agent's NATS_SERVER in %s", dcd.Name)

	g.ExpectWithOffset(1, gotMain.Ports).To(HaveLen(len(wantMain.Ports)))
	for i, p := range wantMain.Ports {
		g.ExpectWithOffset(1, gotMain.Ports[i].Name).To(Equal(p.Name))
		g.ExpectWithOffset(1, gotMain.Ports[i].ContainerPort).To(Equal(p.ContainerPort))
	}

	if r := dcd.Spec.Resources; r != nil && r.Limits != nil && r.Limits.GPU != "" && r.Limits.GPUType == "" {
		gpus := gotMain.Resources.Limits[workload.DefaultGPUResource]
		g.ExpectWithOffset(1, gpus.Cmp(resource.MustParse(r.Limits.GPU))).To(BeZero(),
			"GPU limit of %s: %s, want %s", dcd.Name, gpus.String(), r.Limits.GPU)
	}
	for name, q := range wantMain.Resources.Limits {
		got := gotMain.Resources.Limits[name]
		g.ExpectWithOffset(1, got.Cmp(q)).To(BeZero(), "limit %s of %s", name, dcd.Name)
	}
	for name, q := range wantMain.Resources.Requests {
		got := gotMain.Resources.Requests[name]
		g.ExpectWithOffset(1, got.Cmp(q)).To(BeZero(), "request %s of %s", name, dcd.Name)
	}
}

// exampleDCDByName returns the DCD named name among dcds.
func exampleDCDByName(dcds []*nvidiav1alpha1.DynamoComponentDeployment, name string) *nvidiav1alpha1.DynamoComponentDeployment {
	GinkgoHelper()
	i := slices.IndexFunc(dcds, func(d *nvidiav1alpha1.DynamoComponentDeployment) bool { return d.Name == name })
	Expect(i).To(BeNumerically(">=", 0), "no DCD %s", name)
	return dcds[i]
}
