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

package workload

import (
	"maps"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/flotilla-dev/flotilla/agent/workload/launch"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Labels and annotations the builder reads or writes besides those of the API package.
const (
	// LabelMetricsEnabled marks pods whose metrics Dynamo's PodMonitors scrape.
	LabelMetricsEnabled = "nvidia.com/metrics-enabled"
	// LabelMultinodeReplica is the index of the multinode replica a pod belongs to.
	LabelMultinodeReplica = "nvidia.com/multinode-replica"
	// AnnotationEnableMetrics set to "false" on the DCD (v1alpha1 spec.annotations, the pod
	// template's annotations, or the DCD's own) leaves LabelMetricsEnabled off its pods.
	AnnotationEnableMetrics = "nvidia.com/enable-metrics"
	// AnnotationDeploymentStrategy selects the Deployment strategy: RollingUpdate (default),
	// Recreate, RampedSlowRollout or BestEffortControlledRollout.
	AnnotationDeploymentStrategy = "nvidia.com/deployment-strategy"
)

// objectLabels returns the labels of every object built for c: the component's v1alpha1
// spec.labels, then the DCD's own labels, as Dynamo's getKubeLabels, plus the selector label
// naming the DCD.
func objectLabels(c *component) map[string]string {
	labels := map[string]string{}
	maps.Copy(labels, c.alpha.Labels)
	maps.Copy(labels, c.dcd.Labels)
	if model := c.modelName(); model != "" {
		labels[LabelBaseModelHash] = HashModelName(model)
	}
	labels[nvidiav1beta1.LabelSelector] = c.name
	return labels
}

// objectAnnotations returns the annotations of the Deployment and Services built for c: the
// component's v1alpha1 spec.annotations, then the pod template's annotations, as Dynamo's
// getKubeAnnotations.
func objectAnnotations(c *component) map[string]string {
	annotations := map[string]string{}
	maps.Copy(annotations, c.alpha.Annotations)
	maps.Copy(annotations, c.podMetadataAnnotations())
	return emptyToNil(annotations)
}

// workloadAnnotations returns the annotations of the Deployment, StatefulSets or LeaderWorkerSet
// of c: objectAnnotations, and the model's name when the component serves one, as Dynamo's.
func workloadAnnotations(c *component) map[string]string {
	annotations := objectAnnotations(c)
	if model := c.modelName(); model != "" {
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[AnnotationBaseModel] = model
	}
	return annotations
}

// selectorLabels returns the labels selecting the pods of c in pods: all of them for a
// single-node component; those of one multinode replica, and of one role in it when pods names a
// leader or worker role.
func selectorLabels(c *component, pods podSet) map[string]string {
	sel := map[string]string{nvidiav1beta1.LabelSelector: c.name}
	if pods.replica >= 0 {
		sel[LabelMultinodeReplica] = strconv.Itoa(int(pods.replica))
	}
	if pods.multinode() && (pods.role == launch.RoleLeader || pods.role == launch.RoleWorker) {
		sel[LabelRole] = string(pods.role)
	}
	return sel
}

// podLabels returns the labels of c's pods in pods, in
// Dynamo's order of precedence, the pod template's labels last; the selector labels come after
// them so nothing can break the match between a workload and its pods.
func podLabels(c *component, pods podSet) map[string]string {
	labels := map[string]string{}
	maps.Copy(labels, c.alpha.Labels)
	maps.Copy(labels, c.dcd.Labels)
	if model := c.modelName(); model != "" {
		labels[LabelBaseModelHash] = HashModelName(model)
	}
	if v, _ := c.annotation(AnnotationEnableMetrics); v != "false" {
		labels[LabelMetricsEnabled] = "true"
	}
	setIfNotEmpty(labels, nvidiav1beta1.LabelGraphName, c.graphName)
	setIfNotEmpty(labels, nvidiav1beta1.LabelComponentType, c.componentType)
	setIfNotEmpty(labels, nvidiav1alpha1.LabelSubComponentType, c.subComponentType)
	maps.Copy(labels, c.podMetadataLabels())
	maps.Copy(labels, selectorLabels(c, pods))
	return labels
}

// podAnnotations returns the annotations of c's pods: the component's v1alpha1
// spec.annotations, then the pod template's annotations.
func podAnnotations(c *component) map[string]string {
	return objectAnnotations(c)
}

// labelSource is a map of labels the DCD contributes and the path of the field holding it.
type labelSource struct {
	path   string
	labels map[string]string
}

// validateLabels checks every label the DCD contributes, naming the field it comes from.
func validateLabels(c *component) error {
	sources := []labelSource{
		{"metadata.labels", c.dcd.Labels},
		{"spec.labels", c.alpha.Labels},
		{podTemplatePath + ".metadata.labels", c.podMetadataLabels()},
	}
	if ing := c.alpha.Ingress; ing != nil {
		sources = append(sources, labelSource{"spec.ingress.labels", ing.Labels})
	}
	for _, s := range sources {
		for _, k := range slices.Sorted(maps.Keys(s.labels)) {
			if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
				return fieldErrorf(keyPath(s.path, k), "invalid label key: %s", msgs[0])
			}
			if msgs := validation.IsValidLabelValue(s.labels[k]); len(msgs) > 0 {
				return fieldErrorf(keyPath(s.path, k), "invalid label value %q: %s", s.labels[k], msgs[0])
			}
		}
	}
	generated := []struct{ path, value string }{
		{"spec.type", c.componentType},
		{"spec.subComponentType", c.subComponentType},
	}
	for _, g := range generated {
		if msgs := validation.IsValidLabelValue(g.value); len(msgs) > 0 {
			return fieldErrorf(g.path, "%q cannot be a label value: %s", g.value, msgs[0])
		}
	}
	return nil
}

// setIfNotEmpty sets m[k] = v unless v is empty.
func setIfNotEmpty(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// emptyToNil returns nil for an empty map, so that built objects carry no empty maps.
func emptyToNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// podIndexLabel is the label the StatefulSet controller sets to each pod's ordinal.
const podIndexLabel = appsv1.PodIndexLabel
