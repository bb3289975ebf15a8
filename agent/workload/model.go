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
	"crypto/sha256"
	"encoding/hex"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Labels and annotations of a component's model (spec.modelRef), as Dynamo sets them.
const (
	// LabelBaseModelHash is on the pods (and workloads) of a component serving a model: the
	// first 8 hex digits of the SHA-256 of the model's name (a name may not be a label value).
	LabelBaseModelHash = "nvidia.com/dynamo-base-model-hash"
	// AnnotationBaseModel holds the model's name on the workload and the model Service.
	AnnotationBaseModel = "nvidia.com/dynamo-base-model"
	// labelManagedBy names the manager of a model Service, which belongs to no one component
	// (Dynamo's key); the agent's value is managedByAgent.
	labelManagedBy = "nvidia.com/managed-by"
	managedByAgent = "flotilla-agent"
)

// HashModelName is Dynamo's hash of a model name: the first 8 hex digits of its SHA-256.
func HashModelName(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])[:8]
}

// ModelServiceName is the name of the headless Service of the pods serving a model, as Dynamo
// names it: dynamo-model-<hash>.
func ModelServiceName(model string) string {
	return "dynamo-model-" + HashModelName(model)
}

// modelName returns spec.modelRef.name, "" when the component names no model.
func (c *component) modelName() string {
	if c.spec.ModelRef == nil {
		return ""
	}
	return c.spec.ModelRef.Name
}

// buildModelService returns the headless Service Dynamo creates for the model a component serves
// (spec.modelRef): dynamo-model-<hash>, selecting every ready pod of the namespace labelled with
// the model's hash, whichever component runs it, on the system port. nil when the component
// names no model. The Service is shared by the components serving the model: each DCD is one of
// its owners (not its controller), so it goes when the last of them does.
func buildModelService(c *component) *corev1.Service {
	model := c.modelName()
	if model == "" {
		return nil
	}
	hash := HashModelName(model)
	return &corev1.Service{
		TypeMeta: typeMeta(KindService),
		ObjectMeta: metav1.ObjectMeta{
			Name:        ModelServiceName(model),
			Namespace:   c.namespace,
			Labels:      map[string]string{LabelBaseModelHash: hash, labelManagedBy: managedByAgent},
			Annotations: map[string]string{AnnotationBaseModel: model},
		},
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  map[string]string{LabelBaseModelHash: hash},
			Ports: []corev1.ServicePort{{
				Name:       SystemPortName,
				Port:       SystemPort,
				TargetPort: intstr.FromInt32(SystemPort),
				Protocol:   corev1.ProtocolTCP,
			}},
		},
	}
}
