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
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
	"github.com/flotilla-dev/flotilla/internal/manifests"
)

// testNamespace is the member namespace the example DCDs are placed in.
const testNamespace = "team-a"

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

// dcdFromGraph converts one service of dgd into a DCD, as the hub does.
func dcdFromGraph(t *testing.T, dgd *nvidiav1alpha1.DynamoGraphDeployment, service string) *nvidiav1alpha1.DynamoComponentDeployment {
	t.Helper()
	dcd, err := dynamo.ComponentDeployment(dgd, service, testNamespace)
	if err != nil {
		t.Fatal(err)
	}
	return dcd
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
