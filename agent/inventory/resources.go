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

package inventory

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// NodeGPUs returns the node's allocatable quantity of each of resourceNames it has.
func NodeGPUs(node *corev1.Node, resourceNames []string) map[string]int64 {
	out := map[string]int64{}
	for _, res := range resourceNames {
		if q, ok := node.Status.Allocatable[corev1.ResourceName(res)]; ok {
			out[res] = q.Value()
		}
	}
	return out
}

// NodeProduct returns the node's GPU product label, empty when absent.
func NodeProduct(node *corev1.Node) string {
	return node.Labels[flotillav1alpha1.GPUProductLabel]
}

// NodeSchedulable reports whether new pods may land on the node: it is not cordoned, its Ready
// condition is True and it has no NoSchedule or NoExecute taint whose key ignoredTaintKeys does
// not list. PreferNoSchedule taints do not count.
func NodeSchedulable(node *corev1.Node, ignoredTaintKeys []string) bool {
	if node.Spec.Unschedulable {
		return false
	}
	ready := false
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			ready = c.Status == corev1.ConditionTrue
			break
		}
	}
	if !ready {
		return false
	}
	for _, taint := range node.Spec.Taints {
		if (taint.Effect == corev1.TaintEffectNoSchedule || taint.Effect == corev1.TaintEffectNoExecute) &&
			!slices.Contains(ignoredTaintKeys, taint.Key) {
			return false
		}
	}
	return true
}

// PodGPURequests returns what the pod requests of each of resourceNames, by Kubernetes' rule for
// a pod's effective request: the larger of the sum over its containers and restartable init
// containers (sidecars) and, for each other init container, its own request plus those of the
// sidecars started before it. A container's request of an extended resource is the larger of its
// request and limit (the API server makes them equal). Pod overhead is not counted: runtime
// classes do not add GPUs. Resource names the pod does not request are left out.
func PodGPURequests(pod *corev1.Pod, resourceNames []string) map[string]int64 {
	out := map[string]int64{}
	for _, res := range resourceNames {
		name := corev1.ResourceName(res)
		var sum, sidecars, initMax int64
		for i := range pod.Spec.Containers {
			sum += containerRequest(&pod.Spec.Containers[i], name)
		}
		for i := range pod.Spec.InitContainers {
			c := &pod.Spec.InitContainers[i]
			q := containerRequest(c, name)
			if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				sum += q
				sidecars += q
				initMax = max(initMax, sidecars)
			} else {
				initMax = max(initMax, q+sidecars)
			}
		}
		if q := max(sum, initMax); q > 0 {
			out[res] = q
		}
	}
	return out
}

// PodTerminated reports whether the pod has finished (Succeeded or Failed), so that its
// requests no longer hold anything on its node.
func PodTerminated(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

func containerRequest(c *corev1.Container, name corev1.ResourceName) int64 {
	var q int64
	if r, ok := c.Resources.Requests[name]; ok {
		q = r.Value()
	}
	if l, ok := c.Resources.Limits[name]; ok {
		q = max(q, l.Value())
	}
	return q
}
