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

package workload_test

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
	"github.com/flotilla-dev/flotilla/test/manifests"
)

// testNamespace is the member namespace the example DCDs are placed in.
const testNamespace = "team-a"

// toV1beta1 converts a v1alpha1 DCD to v1beta1, as the agent's controller does before building.
func toV1beta1(t testing.TB, dcd *nvidiav1alpha1.DynamoComponentDeployment) *nvidiav1beta1.DynamoComponentDeployment {
	t.Helper()
	hub := &nvidiav1beta1.DynamoComponentDeployment{}
	if err := dcd.ConvertTo(hub); err != nil {
		t.Fatalf("converting DCD %s to v1beta1: %v", dcd.Name, err)
	}
	return hub
}

// buildAlpha builds a DCD written in v1alpha1: converted to v1beta1, then built.
func buildAlpha(t testing.TB, dcd *nvidiav1alpha1.DynamoComponentDeployment, opts workload.Options) (*workload.Result, error) {
	t.Helper()
	return workload.Build(toV1beta1(t, dcd), opts)
}

// exampleGraphs reads every DynamoGraphDeployment of examples/, by name.
func exampleGraphs(t *testing.T) map[string]*nvidiav1alpha1.DynamoGraphDeployment {
	t.Helper()
	list, err := manifests.ReadGraphs(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	graphs := map[string]*nvidiav1alpha1.DynamoGraphDeployment{}
	for _, dgd := range list {
		graphs[dgd.Name] = dgd
	}
	if len(graphs) < 6 {
		t.Fatalf("found %d graphs in examples/, want at least 6", len(graphs))
	}
	return graphs
}

// exampleDCD returns the DCD the hub sends a member for service of the example graph: the
// service's spec with the graph's backendFramework, envs and labels merged in, Dynamo's labels,
// and the name <graph>-<lowercase service>. The Dynamo namespace is left to the label when the
// service names none, as the hub may.
func exampleDCD(t *testing.T, graph, service string) *nvidiav1alpha1.DynamoComponentDeployment {
	t.Helper()
	dgd, ok := exampleGraphs(t)[graph]
	if !ok {
		t.Fatalf("no example graph %q", graph)
	}
	return dcdFromGraph(t, dgd, service)
}

// dcdFromGraph converts one service of dgd into a v1alpha1 DCD, as the hub wrote them when it
// generated DCDs from v1alpha1 graphs: the service's spec with the graph's backendFramework, its
// envs merged under the service's own (sorted by name), the Dynamo namespace written out, and
// Dynamo's labels (component, Dynamo namespace, graph name, plus the graph's spec.labels) on both
// the object and spec.labels. These are the inputs the builder's expectations were written for;
// the hub now generates DCDs in v1beta1 (internal/dynamo), which TestBuildV1beta1Examples covers.
func dcdFromGraph(t *testing.T, dgd *nvidiav1alpha1.DynamoGraphDeployment, service string) *nvidiav1alpha1.DynamoComponentDeployment {
	t.Helper()
	svc, ok := dgd.Spec.Services[service]
	if !ok {
		t.Fatalf("graph %s has no service %q", dgd.Name, service)
	}
	spec := &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{}
	if svc != nil {
		spec = svc.DeepCopy()
	}
	dynNamespace := "dynamo-" + dgd.Name
	for _, name := range slices.Sorted(maps.Keys(dgd.Spec.Services)) {
		if svc := dgd.Spec.Services[name]; svc != nil && ptr.Deref(svc.DynamoNamespace, "") != "" {
			dynNamespace = *svc.DynamoNamespace
			break
		}
	}
	labels := maps.Clone(dgd.Spec.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[nvidiav1alpha1.LabelComponent] = service
	labels[nvidiav1alpha1.LabelDynamoNamespace] = dynNamespace
	labels[nvidiav1alpha1.LabelGraphName] = dgd.Name
	specLabels := maps.Clone(spec.Labels)
	if specLabels == nil {
		specLabels = map[string]string{}
	}
	maps.Copy(specLabels, labels)
	spec.Labels = specLabels
	spec.ServiceName = service
	spec.DynamoNamespace = ptr.To(dynNamespace)
	spec.Envs = dynamo.MergeEnvs(dgd.Spec.Envs, spec.Envs)
	return &nvidiav1alpha1.DynamoComponentDeployment{
		TypeMeta: metav1.TypeMeta{APIVersion: nvidiav1alpha1.GroupVersion.String(), Kind: "DynamoComponentDeployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      dgd.Name + "-" + strings.ToLower(service),
			Namespace: testNamespace,
			Labels:    labels,
		},
		Spec: nvidiav1alpha1.DynamoComponentDeploymentSpec{
			BackendFramework:                    dgd.Spec.BackendFramework,
			DynamoComponentDeploymentSharedSpec: *spec,
		},
	}
}

// allExampleDCDs returns the DCD of every service of every example graph, by DCD name.
func allExampleDCDs(t *testing.T) map[string]*nvidiav1alpha1.DynamoComponentDeployment {
	t.Helper()
	dcds := map[string]*nvidiav1alpha1.DynamoComponentDeployment{}
	for _, dgd := range exampleGraphs(t) {
		for service := range dgd.Spec.Services {
			dcd := dcdFromGraph(t, dgd, service)
			dcds[dcd.Name] = dcd
		}
	}
	return dcds
}

// envMap returns a container's variables by name.
func envMap(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

// mainOf returns the main container of a pod spec.
func mainOf(t *testing.T, spec corev1.PodSpec) corev1.Container {
	t.Helper()
	for _, c := range spec.Containers {
		if c.Name == "main" {
			return c
		}
	}
	t.Fatal("no main container")
	return corev1.Container{}
}
