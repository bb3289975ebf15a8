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

// Package dynamo holds what Dynamo's graph controller does to turn a DynamoGraphDeployment into
// DynamoComponentDeployments (upstream internal/dynamo/graph.go), for the hub and for tests that
// need the DCDs a hub sends its members.
package dynamo

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// ComponentName is Dynamo's name of the DCD of one service: <graph>-<lowercased service>.
func ComponentName(graph, service string) string {
	return graph + "-" + strings.ToLower(service)
}

// Namespace is the Dynamo namespace of a graph: the dynamoNamespace its services set (the
// first in name order; admission checks they agree), else dynamo-<graph>.
func Namespace(dgd *nvidiav1alpha1.DynamoGraphDeployment) string {
	for _, name := range slices.Sorted(maps.Keys(dgd.Spec.Services)) {
		if svc := dgd.Spec.Services[name]; svc != nil && ptr.Deref(svc.DynamoNamespace, "") != "" {
			return *svc.DynamoNamespace
		}
	}
	return "dynamo-" + dgd.Name
}

// ComponentDeployment returns the DCD of one service of dgd in namespace, as Dynamo's graph
// controller builds it: the service's spec with the graph's backendFramework, its envs merged
// under the service's own (sorted by name), the Dynamo namespace written out, and Dynamo's labels
// (component, Dynamo namespace, graph name, plus the graph's spec.labels) on both the object and
// spec.labels. Owner references and Flotilla's labels are the caller's.
func ComponentDeployment(dgd *nvidiav1alpha1.DynamoGraphDeployment, service, namespace string) (*nvidiav1alpha1.DynamoComponentDeployment, error) {
	svc, ok := dgd.Spec.Services[service]
	if !ok {
		return nil, fmt.Errorf("graph %s has no service %q", dgd.Name, service)
	}
	spec := &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{}
	if svc != nil {
		spec = svc.DeepCopy()
	}
	dynNamespace := Namespace(dgd)

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
	spec.Envs = MergeEnvs(dgd.Spec.Envs, spec.Envs)
	return &nvidiav1alpha1.DynamoComponentDeployment{
		TypeMeta: metav1.TypeMeta{APIVersion: nvidiav1alpha1.GroupVersion.String(), Kind: "DynamoComponentDeployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      ComponentName(dgd.Name, service),
			Namespace: namespace,
			Labels:    labels,
		},
		Spec: nvidiav1alpha1.DynamoComponentDeploymentSpec{
			BackendFramework:                    dgd.Spec.BackendFramework,
			DynamoComponentDeploymentSharedSpec: *spec,
		},
	}, nil
}

// MergeEnvs merges graph-level and service-level variables, the service's winning, sorted by
// name, as Dynamo does.
func MergeEnvs(graph, service []corev1.EnvVar) []corev1.EnvVar {
	byName := map[string]corev1.EnvVar{}
	for _, e := range graph {
		byName[e.Name] = e
	}
	for _, e := range service {
		byName[e.Name] = e
	}
	if len(byName) == 0 {
		return nil
	}
	merged := make([]corev1.EnvVar, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		merged = append(merged, byName[name])
	}
	return merged
}
