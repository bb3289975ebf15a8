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
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
	"github.com/flotilla-dev/flotilla/internal/validation"
	"github.com/flotilla-dev/flotilla/test/manifests"
)

// Timeouts of the suite's Eventually and Consistently.
const (
	// timeout bounds waiting for the controller on an apiserver with nothing else running.
	timeout = 30 * time.Second
	// interval is the polling interval.
	interval = 100 * time.Millisecond
	// quiet is how long Consistently watches for writes that must not happen.
	quiet = 3 * time.Second
)

// exampleGraphs reads every DynamoGraphDeployment of examples/.
func exampleGraphs() []*nvidiav1alpha1.DynamoGraphDeployment {
	GinkgoHelper()
	graphs, err := manifests.ReadGraphs(filepath.Join(repoRoot, "examples"))
	Expect(err).NotTo(HaveOccurred())
	Expect(len(graphs)).To(BeNumerically(">=", 6), "example graphs in examples/")
	return graphs
}

// exampleDCDs returns the DCD of every service of every example graph in namespace ns, sorted by
// name.
func exampleDCDs(ns string) []*nvidiav1alpha1.DynamoComponentDeployment {
	GinkgoHelper()
	var dcds []*nvidiav1alpha1.DynamoComponentDeployment
	for _, dgd := range exampleGraphs() {
		for _, service := range slices.Sorted(maps.Keys(dgd.Spec.Services)) {
			dcds = append(dcds, dcdFromGraph(dgd, service, ns))
		}
	}
	slices.SortFunc(dcds, func(a, b *nvidiav1alpha1.DynamoComponentDeployment) int { return strings.Compare(a.Name, b.Name) })
	return dcds
}

// exampleDCD returns the DCD of one service of an example graph in namespace ns.
func exampleDCD(graph, service, ns string) *nvidiav1alpha1.DynamoComponentDeployment {
	GinkgoHelper()
	for _, dgd := range exampleGraphs() {
		if dgd.Name == graph {
			return dcdFromGraph(dgd, service, ns)
		}
	}
	Fail("no example graph " + graph)
	return nil
}

// dcdFromGraph converts one service of dgd into the DCD a hub sends a member: generated in
// v1beta1 from the graph converted to v1beta1, then converted to v1alpha1, the version the
// apiserver serves.
func dcdFromGraph(dgd *nvidiav1alpha1.DynamoGraphDeployment, service, ns string) *nvidiav1alpha1.DynamoComponentDeployment {
	GinkgoHelper()
	dcd, err := dynamo.AlphaComponentDeployment(dgd, service, ns)
	Expect(err).NotTo(HaveOccurred())
	dcd.TypeMeta = metav1.TypeMeta{}
	return dcd
}

// build returns the objects the agent builds for a DCD as the apiserver serves it, in v1alpha1:
// converted to v1beta1 in memory, as the controller does, then built.
func build(dcd *nvidiav1alpha1.DynamoComponentDeployment, opts workload.Options) (*workload.Result, error) {
	GinkgoHelper()
	hub := &nvidiav1beta1.DynamoComponentDeployment{}
	Expect(dcd.ConvertTo(hub)).To(Succeed(), "converting DCD %s to v1beta1", dcd.Name)
	return workload.Build(hub, opts)
}

// unsupported returns what the agent refuses in a DCD as the apiserver serves it, in v1alpha1:
// the Dynamo features it cannot build (internal/validation.UnsupportedInComponent).
func unsupported(dcd *nvidiav1alpha1.DynamoComponentDeployment) field.ErrorList {
	GinkgoHelper()
	hub := &nvidiav1beta1.DynamoComponentDeployment{}
	Expect(dcd.ConvertTo(hub)).To(Succeed(), "converting DCD %s to v1beta1", dcd.Name)
	return validation.UnsupportedInComponent(field.NewPath("spec"), &hub.Spec.DynamoComponentDeploymentSharedSpec)
}

// newNamespace creates a namespace of its own for one spec and returns its name.
func newNamespace(ctx SpecContext, c client.Client) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "dcd-"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// mainContainer returns the container named main of a pod spec.
func mainContainer(g Gomega, spec corev1.PodSpec) corev1.Container {
	i := slices.IndexFunc(spec.Containers, func(c corev1.Container) bool { return c.Name == "main" })
	g.ExpectWithOffset(1, i).To(BeNumerically(">=", 0), "no main container")
	return spec.Containers[i]
}

// envValue returns the value of a container's variable and whether it is set.
func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// condition returns the DCD's condition of type t, or nil.
func condition(dcd *nvidiav1alpha1.DynamoComponentDeployment, t string) *metav1.Condition {
	return meta.FindStatusCondition(dcd.Status.Conditions, t)
}

// expectAvailable checks that both of the DCD's conditions have status and reason and describe
// its current generation.
func expectAvailable(g Gomega, dcd *nvidiav1alpha1.DynamoComponentDeployment, status metav1.ConditionStatus, reason string) {
	for _, t := range []string{nvidiav1alpha1.ConditionAvailable, nvidiav1alpha1.ConditionComponentReady} {
		c := condition(dcd, t)
		g.ExpectWithOffset(1, c).NotTo(BeNil(), "DCD %s has no %s condition", dcd.Name, t)
		g.ExpectWithOffset(1, c.Status).To(Equal(status), "DCD %s condition %s: %s", dcd.Name, t, c.Message)
		g.ExpectWithOffset(1, c.Reason).To(Equal(reason), "DCD %s condition %s: %s", dcd.Name, t, c.Message)
	}
	g.ExpectWithOffset(1, dcd.Status.ObservedGeneration).To(Equal(dcd.Generation), "DCD %s observedGeneration", dcd.Name)
}

// expectControlledBy checks that obj's controller is the DCD.
func expectControlledBy(g Gomega, obj client.Object, dcd *nvidiav1alpha1.DynamoComponentDeployment) {
	ref := metav1.GetControllerOf(obj)
	g.ExpectWithOffset(1, ref).NotTo(BeNil(), "%s has no controller", obj.GetName())
	g.ExpectWithOffset(1, ref.Kind).To(Equal("DynamoComponentDeployment"))
	g.ExpectWithOffset(1, ref.APIVersion).To(Equal(nvidiav1beta1.GroupVersion.String()))
	g.ExpectWithOffset(1, ref.Name).To(Equal(dcd.Name))
	g.ExpectWithOffset(1, ref.UID).To(Equal(dcd.UID))
	g.ExpectWithOffset(1, obj.GetLabels()).To(HaveKeyWithValue(nvidiav1alpha1.LabelSelector, dcd.Name))
}

// newOf returns an empty object of a managed kind.
func newOf(k workload.Kind) client.Object {
	switch k {
	case workload.KindDeployment:
		return &appsv1.Deployment{}
	case workload.KindStatefulSet:
		return &appsv1.StatefulSet{}
	case workload.KindIngress:
		return &networkingv1.Ingress{}
	default:
		return &corev1.Service{}
	}
}

// resourceVersions returns the resourceVersion of the DCD and of every object of a managed
// kind labelled with its selector, by "<kind>/<name>".
func resourceVersions(ctx SpecContext, g Gomega, c client.Client, dcd *nvidiav1alpha1.DynamoComponentDeployment) map[string]string {
	current := &nvidiav1alpha1.DynamoComponentDeployment{}
	g.ExpectWithOffset(1, c.Get(ctx, client.ObjectKeyFromObject(dcd), current)).To(Succeed())
	rvs := map[string]string{"DynamoComponentDeployment/" + dcd.Name: current.ResourceVersion}
	opts := []client.ListOption{client.InNamespace(dcd.Namespace), client.MatchingLabels{nvidiav1alpha1.LabelSelector: dcd.Name}}
	add := func(kind string, objs []client.Object) {
		for _, o := range objs {
			rvs[kind+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	deployments := &appsv1.DeploymentList{}
	g.ExpectWithOffset(1, c.List(ctx, deployments, opts...)).To(Succeed())
	add("Deployment", itemsOf(deployments.Items))
	sets := &appsv1.StatefulSetList{}
	g.ExpectWithOffset(1, c.List(ctx, sets, opts...)).To(Succeed())
	add("StatefulSet", itemsOf(sets.Items))
	services := &corev1.ServiceList{}
	g.ExpectWithOffset(1, c.List(ctx, services, opts...)).To(Succeed())
	add("Service", itemsOf(services.Items))
	ingresses := &networkingv1.IngressList{}
	g.ExpectWithOffset(1, c.List(ctx, ingresses, opts...)).To(Succeed())
	add("Ingress", itemsOf(ingresses.Items))
	return rvs
}

// itemsOf returns pointers to the items of a list as client.Objects.
func itemsOf[T any, PT interface {
	*T
	client.Object
}](items []T) []client.Object {
	objs := make([]client.Object, len(items))
	for i := range items {
		objs[i] = PT(&items[i])
	}
	return objs
}

// eventReasons returns the reasons of the events.k8s.io events regarding the DCD.
func eventReasons(ctx SpecContext, g Gomega, c client.Client, dcd *nvidiav1alpha1.DynamoComponentDeployment) []string {
	list := &eventsv1.EventList{}
	g.ExpectWithOffset(1, c.List(ctx, list, client.InNamespace(dcd.Namespace))).To(Succeed())
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Kind == "DynamoComponentDeployment" && e.Regarding.Name == dcd.Name {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

// describe names an object for failure messages.
func describe(k workload.Kind, name string) string {
	return fmt.Sprintf("%s %s", k, name)
}
