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
	"maps"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// graphBuilder builds test graphs: a CPU frontend and a GPU worker, both tolerating the KWOK
// nodes' taint.
type graphBuilder struct {
	dgd *nvidiav1alpha1.DynamoGraphDeployment
}

func makeGraph(namespace, name string) *graphBuilder {
	svc := func(componentType string, gpus string) *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec {
		s := &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
			ComponentType: componentType,
			Replicas:      ptr.To[int32](1),
			ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{
				PodSpec:       &corev1.PodSpec{Tolerations: []corev1.Toleration{testenv.KwokToleration()}},
				MainContainer: &corev1.Container{Image: "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1"},
			},
		}
		if gpus != "" {
			s.Resources = &nvidiav1alpha1.Resources{Limits: &nvidiav1alpha1.ResourceItem{GPU: gpus}}
		}
		return s
	}
	return &graphBuilder{dgd: &nvidiav1alpha1.DynamoGraphDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: nvidiav1alpha1.DynamoGraphDeploymentSpec{
			BackendFramework: "vllm",
			Services: map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"Frontend":         svc(nvidiav1alpha1.ComponentTypeFrontend, ""),
				"VllmDecodeWorker": svc(nvidiav1alpha1.ComponentTypeWorker, "1"),
			},
		},
	}}
}

// products restricts the graph to GPU products, through spec.placement.gpuProducts.
func (b *graphBuilder) products(p ...string) *graphBuilder {
	b.placement().GPUProducts = p
	return b
}

// copies asks for n copies spread by a label.
func (b *graphBuilder) copies(n int32, spreadBy string) *graphBuilder {
	b.placement().Copies = n
	b.placement().SpreadBy = spreadBy
	return b
}

// workerGPUs sets the GPUs of each worker pod.
func (b *graphBuilder) workerGPUs(gpus string) *graphBuilder {
	b.dgd.Spec.Services["VllmDecodeWorker"].Resources.Limits.GPU = gpus
	return b
}

// cpuOnly makes the worker ask for no GPU.
func (b *graphBuilder) cpuOnly() *graphBuilder {
	b.dgd.Spec.Services["VllmDecodeWorker"].Resources = nil
	return b
}

func (b *graphBuilder) placement() *flotillav1alpha1.PlacementSpec {
	if b.dgd.Spec.Placement == nil {
		b.dgd.Spec.Placement = &flotillav1alpha1.PlacementSpec{}
	}
	return b.dgd.Spec.Placement
}

func (b *graphBuilder) obj() *nvidiav1alpha1.DynamoGraphDeployment { return b.dgd }

// ensureNamespace creates a namespace on the hub if absent.
func ensureNamespace(ctx context.Context, name string) {
	GinkgoHelper()
	err := hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	Expect(client.IgnoreAlreadyExists(err)).To(Succeed())
}

// getGraph reads a graph from the hub.
func getGraph(ctx context.Context, g Gomega, dgd *nvidiav1alpha1.DynamoGraphDeployment) *nvidiav1alpha1.DynamoGraphDeployment {
	got := &nvidiav1alpha1.DynamoGraphDeployment{}
	g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(dgd), got)).To(Succeed())
	return got
}

// expectSuccessful waits until the graph is successful and returns it.
func expectSuccessful(ctx context.Context, dgd *nvidiav1alpha1.DynamoGraphDeployment) *nvidiav1alpha1.DynamoGraphDeployment {
	GinkgoHelper()
	var got *nvidiav1alpha1.DynamoGraphDeployment
	Eventually(func(g Gomega) {
		got = getGraph(ctx, g, dgd)
		ready := meta.FindStatusCondition(got.Status.Conditions, nvidiav1alpha1.ConditionReady)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(got.Status.State).To(Equal(nvidiav1alpha1.StateSuccessful), "Ready: %s: %s", ready.Reason, ready.Message)
		g.Expect(ready.Status).To(Equal(metav1.ConditionTrue))
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	return got
}

// hubRecords lists a graph's hub records, by name.
func hubRecords(ctx context.Context, g Gomega, dgd *nvidiav1alpha1.DynamoGraphDeployment) map[string]*nvidiav1alpha1.DynamoComponentDeployment {
	list := &nvidiav1alpha1.DynamoComponentDeploymentList{}
	g.Expect(hub.List(ctx, list, client.InNamespace(dgd.Namespace), client.MatchingLabels{
		flotillav1alpha1.LabelHubRecord: "true", flotillav1alpha1.LabelGraph: dgd.Name,
	})).To(Succeed())
	out := map[string]*nvidiav1alpha1.DynamoComponentDeployment{}
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

// memberDCDs lists the DCDs of a graph on a member, by name.
func memberDCDs(ctx context.Context, g Gomega, member, namespace, graph string) map[string]*nvidiav1alpha1.DynamoComponentDeployment {
	list := &nvidiav1alpha1.DynamoComponentDeploymentList{}
	g.Expect(local.Members[member].Client.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{
		nvidiav1alpha1.LabelGraphName: graph,
	})).To(Succeed())
	out := map[string]*nvidiav1alpha1.DynamoComponentDeployment{}
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

// names returns the sorted keys of a map.
func names[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// deleteGraph deletes a graph and waits until it is gone from the hub.
func deleteGraph(ctx context.Context, dgd *nvidiav1alpha1.DynamoGraphDeployment) {
	GinkgoHelper()
	Expect(client.IgnoreNotFound(hub.Delete(ctx, dgd))).To(Succeed())
	Eventually(func(g Gomega) {
		err := hub.Get(ctx, client.ObjectKeyFromObject(dgd), &nvidiav1alpha1.DynamoGraphDeployment{})
		g.Expect(err).To(HaveOccurred())
		g.Expect(client.IgnoreNotFound(err)).To(Succeed())
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}
