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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/flotilla-dev/flotilla/agent/workload/launch"
)

// buildService returns the Service named like the DCD that fronts a frontend's pods, or nil for
// other component types (Dynamo's workers find each other through its discovery plane, not
// Services).
//
// The selector is nvidia.com/selector=<dcd name>, the pods of this component only. Dynamo selects
// on componentType and Dynamo namespace instead, which would make the frontends of two graphs in
// one Kubernetes namespace that share a Dynamo namespace (two copies of one graph placed on the
// same member, or two graphs naming the same dynamoNamespace) answer for each other.
func buildService(c *component) *corev1.Service {
	if !c.isFrontend() {
		return nil
	}
	selector := selectorLabels(c, singleNode)
	if c.multinode() {
		// Only leaders serve, as in Dynamo.
		selector[LabelRole] = string(launch.RoleLeader)
	}
	return &corev1.Service{
		TypeMeta: typeMeta(KindService),
		ObjectMeta: metav1.ObjectMeta{
			Name:        c.name,
			Namespace:   c.namespace,
			Labels:      objectLabels(c),
			Annotations: objectAnnotations(c),
		},
		Spec: corev1.ServiceSpec{
			Selector: selector,
			Ports: []corev1.ServicePort{{
				Name:       HTTPPortName,
				Port:       HTTPPort,
				TargetPort: intstr.FromString(HTTPPortName),
				Protocol:   corev1.ProtocolTCP,
			}},
		},
	}
}
