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
// DynamoComponentDeployments (upstream internal/dynamo/graph.go, generateSingleDCD and the
// helpers it calls), on the hub version of both kinds, v1beta1, for the hub and for tests that
// need the DCDs a hub sends its members.
//
// What Flotilla leaves out of upstream's generation, because it belongs to the operator that runs
// the workloads on a member (Flotilla's agent there) rather than to the DCD a hub hands over:
// backend-framework detection from the workers' commands (the agent detects it per component),
// rolling-update worker hashes and restart annotations, the EPP's component-class label and Istio
// opt-out, the planner's service account, the KV-transfer topology volume (it needs the member's
// ClusterTopology) and the legacy DYN_DEPLOYMENT_CONFIG overrides.
package dynamo

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Annotations of a graph's metadata that Dynamo copies into every component's pod template
// annotations, unless the pod template sets them (upstream's dgdPropagatedAnnotationKeys).
const (
	annotationEnableMetrics                  = "nvidia.com/enable-metrics"
	annotationDiscoveryBackend               = "nvidia.com/dynamo-discovery-backend"
	annotationOperatorOriginVersion          = "nvidia.com/dynamo-operator-origin-version"
	annotationVLLMDistributedExecutorBackend = "nvidia.com/vllm-distributed-executor-backend"
)

var propagatedAnnotationKeys = []string{
	annotationEnableMetrics,
	annotationDiscoveryBackend,
	nvidiav1beta1.AnnotationKubeDiscoveryMode,
	annotationOperatorOriginVersion,
	annotationVLLMDistributedExecutorBackend,
}

// GlobalDynamoNamespace is the Dynamo namespace of a component with globalDynamoNamespace set, as
// in Dynamo: one namespace shared by such components of every graph.
const GlobalDynamoNamespace = "dynamo"

// ComponentName is Dynamo's name of the DCD of one component: <graph>-<lowercased component>.
func ComponentName(graph, component string) string {
	return graph + "-" + strings.ToLower(component)
}

// Namespace is the Dynamo namespace of a graph: the dynamoNamespace its components set in
// v1alpha1 (kept in the graph's conversion payload; the first in name order, validation checks
// they agree), else dynamo-<graph>. Unlike upstream, which names it <namespace>-<graph>, the
// name does not depend on the Kubernetes namespace: copies of a graph in different namespaces of
// different members share it.
func Namespace(dgd *nvidiav1beta1.DynamoGraphDeployment) string {
	services, err := nvidiav1alpha1.PreservedServices(dgd)
	if err != nil {
		services = nil
	}
	return namespaceOf(dgd.Name, services)
}

func namespaceOf(graph string, services map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec) string {
	for _, name := range slices.Sorted(maps.Keys(services)) {
		if svc := services[name]; svc != nil && ptr.Deref(svc.DynamoNamespace, "") != "" {
			return *svc.DynamoNamespace
		}
	}
	return "dynamo-" + graph
}

// ComponentDeployment returns the DCD of one component of dgd in namespace, as Dynamo's graph
// controller builds it (see ComponentDeployments). Owner references and Flotilla's labels are
// the caller's.
func ComponentDeployment(dgd *nvidiav1beta1.DynamoGraphDeployment, component, namespace string) (*nvidiav1beta1.DynamoComponentDeployment, error) {
	i := slices.IndexFunc(dgd.Spec.Components, func(c nvidiav1beta1.DynamoComponentDeploymentSharedSpec) bool {
		return c.ComponentName == component
	})
	if i < 0 {
		return nil, fmt.Errorf("graph %s has no component %q", dgd.Name, component)
	}
	g, err := newGenerator(dgd)
	if err != nil {
		return nil, err
	}
	return g.componentDeployment(&dgd.Spec.Components[i], namespace)
}

// ComponentDeployments returns the DCD of every component of dgd in namespace, in the order of
// spec.components, as Dynamo's graph controller builds them (upstream's generateSingleDCD):
//
//   - named <graph>-<lowercased component>, with the component's spec and the graph's
//     backendFramework;
//   - the component's v1alpha1-only fields (dynamoNamespace, ingress, its own annotations and
//     labels, ...) in the nvidia.com/dcd-spec annotation, as a v1alpha1 DCD of that component
//     converted to v1beta1 carries them (applyDGDComponentAlphaCompatibilityToDCD), so that they
//     reach the member when the DCD is converted back; Flotilla writes the graph's Dynamo
//     namespace (Namespace) there for every component, as it always has;
//   - labelled with the graph's spec.labels, under the component's v1alpha1 labels and its pod
//     template's labels, which win, and Dynamo's component, Dynamo namespace and graph-name
//     labels over all (a component with globalDynamoNamespace is in Dynamo's global namespace,
//     GlobalDynamoNamespace, as upstream);
//   - the graph's env merged into the main container's (the component's winning, sorted by
//     name), and the graph's spec.annotations and spec.labels, and the component's v1alpha1
//     annotations and labels, merged into the pod template's metadata under its own values, with
//     the graph metadata annotations Dynamo propagates (applyDGDTemplateDefaults).
//
// dgd is not modified.
func ComponentDeployments(dgd *nvidiav1beta1.DynamoGraphDeployment, namespace string) ([]*nvidiav1beta1.DynamoComponentDeployment, error) {
	g, err := newGenerator(dgd)
	if err != nil {
		return nil, err
	}
	out := make([]*nvidiav1beta1.DynamoComponentDeployment, 0, len(dgd.Spec.Components))
	for i := range dgd.Spec.Components {
		dcd, err := g.componentDeployment(&dgd.Spec.Components[i], namespace)
		if err != nil {
			return nil, err
		}
		out = append(out, dcd)
	}
	return out, nil
}

// AlphaComponentDeployment returns, in v1alpha1, the DCD of one service of a v1alpha1 graph: the
// graph converted to v1beta1, ComponentDeployment, and the result converted back. It is the
// v1alpha1 view of what the hub writes (in v1beta1), for callers that write DCDs in v1alpha1.
func AlphaComponentDeployment(dgd *nvidiav1alpha1.DynamoGraphDeployment, service, namespace string) (*nvidiav1alpha1.DynamoComponentDeployment, error) {
	hub := &nvidiav1beta1.DynamoGraphDeployment{}
	if err := dgd.ConvertTo(hub); err != nil {
		return nil, fmt.Errorf("converting graph %s to v1beta1: %w", dgd.Name, err)
	}
	dcd, err := ComponentDeployment(hub, service, namespace)
	if err != nil {
		return nil, err
	}
	return ToV1Alpha1(dcd)
}

// ToV1Alpha1 converts a v1beta1 DCD to v1alpha1, with v1alpha1's apiVersion and kind: what
// v1alpha1 cannot hold goes to its nvidia.com/dcd-spec annotation, and the v1alpha1-only fields
// that annotation carried on dcd come back. dcd is not modified.
func ToV1Alpha1(dcd *nvidiav1beta1.DynamoComponentDeployment) (*nvidiav1alpha1.DynamoComponentDeployment, error) {
	out := &nvidiav1alpha1.DynamoComponentDeployment{}
	if err := out.ConvertFrom(dcd.DeepCopy()); err != nil {
		return nil, fmt.Errorf("converting DynamoComponentDeployment %s to v1alpha1: %w", dcd.Name, err)
	}
	out.APIVersion = nvidiav1alpha1.GroupVersion.String()
	out.Kind = "DynamoComponentDeployment"
	return out, nil
}

// generator holds what every component of one graph shares: the graph, its v1alpha1 view (for
// the v1alpha1-only fields of its components) and its Dynamo namespace.
type generator struct {
	dgd          *nvidiav1beta1.DynamoGraphDeployment
	services     map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec
	dynNamespace string
}

func newGenerator(dgd *nvidiav1beta1.DynamoGraphDeployment) (*generator, error) {
	services, err := nvidiav1alpha1.PreservedServices(dgd)
	if err != nil {
		return nil, fmt.Errorf("reading the v1alpha1 fields of graph %s: %w", dgd.Name, err)
	}
	return &generator{dgd: dgd, services: services, dynNamespace: namespaceOf(dgd.Name, services)}, nil
}

// componentDeployment is upstream's generateSingleDCD for one component.
func (g *generator) componentDeployment(component *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, namespace string) (*nvidiav1beta1.DynamoComponentDeployment, error) {
	name := component.ComponentName
	dcd := &nvidiav1beta1.DynamoComponentDeployment{}
	dcd.APIVersion = nvidiav1beta1.GroupVersion.String()
	dcd.Kind = "DynamoComponentDeployment"
	dcd.Name = ComponentName(g.dgd.Name, name)
	dcd.Namespace = namespace
	dcd.Spec.BackendFramework = g.dgd.Spec.BackendFramework
	dcd.Spec.DynamoComponentDeploymentSharedSpec = *component.DeepCopy()
	spec := &dcd.Spec.DynamoComponentDeploymentSharedSpec

	dynNamespace := g.dynNamespace
	if component.GlobalDynamoNamespace {
		dynNamespace = GlobalDynamoNamespace
	}
	if err := g.carryAlphaFields(dcd, dynNamespace); err != nil {
		return nil, err
	}

	// The graph's labels are the base; the component's own (its v1alpha1 labels, then its pod
	// template's) win over them, and Dynamo's over all.
	labels := maps.Clone(g.dgd.Spec.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	if svc := g.services[name]; svc != nil {
		maps.Copy(labels, svc.Labels)
	}
	if spec.PodTemplate != nil {
		maps.Copy(labels, spec.PodTemplate.Labels)
	}
	labels[nvidiav1beta1.LabelComponent] = name
	labels[nvidiav1beta1.LabelDynamoNamespace] = dynNamespace
	labels[nvidiav1beta1.LabelGraphName] = g.dgd.Name
	dcd.Labels = labels

	hadPodTemplate := spec.PodTemplate != nil
	g.applyTemplateDefaults(spec)
	if !hadPodTemplate && podTemplateIsEmpty(spec.PodTemplate) {
		// Upstream always makes a pod template to propagate metadata into; one with nothing in
		// it is the same as none.
		spec.PodTemplate = nil
	}
	return dcd, nil
}

// carryAlphaFields puts the component's v1alpha1-only fields on dcd's annotations as a v1alpha1
// DCD of the component, converted to v1beta1, carries them (upstream's
// applyDGDComponentAlphaCompatibilityToDCD), with the graph's Dynamo namespace written out.
func (g *generator) carryAlphaFields(dcd *nvidiav1beta1.DynamoComponentDeployment, dynNamespace string) error {
	svc := &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{}
	if s := g.services[dcd.Spec.ComponentName]; s != nil {
		svc = s.DeepCopy()
	}
	svc.ServiceName = dcd.Spec.ComponentName
	svc.DynamoNamespace = ptr.To(dynNamespace)
	alpha := &nvidiav1alpha1.DynamoComponentDeployment{}
	alpha.Name = dcd.Name
	alpha.Namespace = dcd.Namespace
	alpha.Spec.BackendFramework = dcd.Spec.BackendFramework
	alpha.Spec.DynamoComponentDeploymentSharedSpec = *svc
	carrier := &nvidiav1beta1.DynamoComponentDeployment{}
	if err := alpha.ConvertTo(carrier); err != nil {
		return fmt.Errorf("keeping the v1alpha1 fields of component %s: %w", dcd.Spec.ComponentName, err)
	}
	if len(carrier.Annotations) == 0 {
		return nil
	}
	if dcd.Annotations == nil {
		dcd.Annotations = map[string]string{}
	}
	maps.Copy(dcd.Annotations, carrier.Annotations)
	return nil
}

// applyTemplateDefaults is upstream's applyDGDTemplateDefaults without the KV-transfer policy:
// the graph's env under the main container's, then the graph's and the component's v1alpha1
// metadata, then the propagated graph annotations.
func (g *generator) applyTemplateDefaults(spec *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
	if len(g.dgd.Spec.Env) > 0 {
		main := ensureMainContainer(ensurePodTemplate(spec))
		main.Env = MergeEnvs(g.dgd.Spec.Env, main.Env)
	}
	g.propagateSpecMetadata(spec)
	propagateAnnotations(g.dgd.Annotations, spec)
}

// propagateSpecMetadata is upstream's propagateDGDSpecMetadata: the pod template's own
// metadata wins over the component's v1alpha1 annotations and labels, which win over the
// graph's spec.annotations and spec.labels.
func (g *generator) propagateSpecMetadata(spec *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
	tpl := ensurePodTemplate(spec)
	var svcAnnotations, svcLabels map[string]string
	if svc := g.services[spec.ComponentName]; svc != nil {
		svcAnnotations, svcLabels = svc.Annotations, svc.Labels
	}
	annotations := mergeLowPriority(maps.Clone(svcAnnotations), g.dgd.Spec.Annotations)
	labels := mergeLowPriority(maps.Clone(svcLabels), g.dgd.Spec.Labels)
	tpl.Annotations = mergeLowPriority(tpl.Annotations, annotations)
	tpl.Labels = mergeLowPriority(tpl.Labels, labels)
}

// propagateAnnotations is upstream's propagateDGDAnnotations: a few of the graph's metadata
// annotations, unless the pod template sets them.
func propagateAnnotations(graph map[string]string, spec *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
	tpl := ensurePodTemplate(spec)
	for _, key := range propagatedAnnotationKeys {
		if v, ok := graph[key]; ok {
			if _, own := tpl.Annotations[key]; !own {
				tpl.Annotations[key] = v
			}
		}
	}
}

// mergeLowPriority adds to dst the entries of src it does not have.
func mergeLowPriority(dst, src map[string]string) map[string]string {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = map[string]string{}
	}
	for k, v := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = v
		}
	}
	return dst
}

func ensurePodTemplate(spec *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) *corev1.PodTemplateSpec {
	if spec.PodTemplate == nil {
		spec.PodTemplate = &corev1.PodTemplateSpec{}
	}
	if spec.PodTemplate.Labels == nil {
		spec.PodTemplate.Labels = map[string]string{}
	}
	if spec.PodTemplate.Annotations == nil {
		spec.PodTemplate.Annotations = map[string]string{}
	}
	return spec.PodTemplate
}

func ensureMainContainer(tpl *corev1.PodTemplateSpec) *corev1.Container {
	for i := range tpl.Spec.Containers {
		if tpl.Spec.Containers[i].Name == nvidiav1beta1.MainContainerName {
			return &tpl.Spec.Containers[i]
		}
	}
	tpl.Spec.Containers = append(tpl.Spec.Containers, corev1.Container{Name: nvidiav1beta1.MainContainerName})
	return &tpl.Spec.Containers[len(tpl.Spec.Containers)-1]
}

// podTemplateIsEmpty reports whether a pod template holds nothing (empty maps included).
func podTemplateIsEmpty(tpl *corev1.PodTemplateSpec) bool {
	return tpl == nil || equality.Semantic.DeepEqual(*tpl, corev1.PodTemplateSpec{})
}

// MergeEnvs merges graph-level and component-level variables, the component's winning, sorted by
// name, as Dynamo does. It returns nil when both are empty.
func MergeEnvs(graph, component []corev1.EnvVar) []corev1.EnvVar {
	byName := map[string]corev1.EnvVar{}
	for _, e := range graph {
		byName[e.Name] = e
	}
	for _, e := range component {
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
