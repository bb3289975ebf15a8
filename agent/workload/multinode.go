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
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// hostnameTopologyKey is the node label that tells nodes apart.
const hostnameTopologyKey = "kubernetes.io/hostname"

// buildReplica returns the StatefulSet and headless Service of multinode replica i, both named
// <dcd>-<i>: nodeCount pods started in parallel, each on its own node, the one with ordinal 0
// being the leader (see the package documentation).
func buildReplica(c *component, i int32) (*appsv1.StatefulSet, *corev1.Service, error) {
	name := replicaName(c, i)
	tmpl, err := podTemplate(c, i)
	if err != nil {
		return nil, nil, err
	}
	c.multinodeFlagsInjected = injectMultinodeFlags(c, &tmpl.Spec.Containers[0])
	addReplicaAntiAffinity(&tmpl.Spec, selectorLabels(c, i))
	labels := objectLabels(c)
	labels[LabelMultinodeReplica] = selectorLabels(c, i)[LabelMultinodeReplica]
	sts := &appsv1.StatefulSet{
		TypeMeta: typeMeta(KindStatefulSet),
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   c.namespace,
			Labels:      labels,
			Annotations: objectAnnotations(c),
		},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To(c.nodeCount),
			Selector:            &metav1.LabelSelector{MatchLabels: selectorLabels(c, i)},
			ServiceName:         name,
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Template:            tmpl,
		},
	}
	svc := &corev1.Service{
		TypeMeta: typeMeta(KindService),
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: c.namespace,
			Labels:    objectLabels(c),
		},
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			Selector:                 selectorLabels(c, i),
			PublishNotReadyAddresses: true,
		},
	}
	svc.Labels[LabelMultinodeReplica] = labels[LabelMultinodeReplica]
	return sts, svc, nil
}

// addReplicaAntiAffinity requires the pods matching selector (those of one replica) to run on
// distinct nodes, keeping whatever affinity the user gave.
func addReplicaAntiAffinity(spec *corev1.PodSpec, selector map[string]string) {
	if spec.Affinity == nil {
		spec.Affinity = &corev1.Affinity{}
	}
	if spec.Affinity.PodAntiAffinity == nil {
		spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
	}
	anti := spec.Affinity.PodAntiAffinity
	anti.RequiredDuringSchedulingIgnoredDuringExecution = append(anti.RequiredDuringSchedulingIgnoredDuringExecution,
		corev1.PodAffinityTerm{
			LabelSelector: &metav1.LabelSelector{MatchLabels: selector},
			TopologyKey:   hostnameTopologyKey,
		})
}

// multinodeNote says, when the backend's launch flags could not be injected, that the command
// must bring the nodes of a replica together itself; "" otherwise.
func multinodeNote(c *component) string {
	if c.multinodeFlagsInjected || c.replicas == 0 {
		return ""
	}
	if c.backend == BackendSGLang {
		return "the SGLang multinode flags could not be added (the command is neither python nor a shell script running python ... sglang); it must use LEADER_HOST, NODE_COUNT and NODE_RANK itself"
	}
	return "no launch flags are added for backend framework " + quoteOrUnknown(c.backend) +
		"; the command must use LEADER_HOST, NODE_COUNT and NODE_RANK to join the replica's leader"
}

// quoteOrUnknown returns s quoted, or "unknown" when empty.
func quoteOrUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return `"` + s + `"`
}
