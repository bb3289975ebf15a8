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
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// TestModelService checks what a component naming its model gets, as Dynamo's model_service.go
// and model_service_test.go (ai-dynamo/dynamo deploy/operator/internal/dynamo) expect: the
// model's hash label on the pods and the workload, its name as an annotation on the workload,
// and the headless Service dynamo-model-<hash> selecting the model's pods on the system port.
func TestModelService(t *testing.T) {
	wantEqual(t, "HashModelName", workload.HashModelName("llama-3"), "e3352e1e") // echo -n llama-3 | sha256sum
	dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, vllmMain())
	dcd.Spec.ModelRef = &nvidiav1beta1.ModelReference{Name: "llama-3"}
	res, tmpl := buildBeta(t, dcd)
	hash := workload.HashModelName("llama-3")
	wantLabels(t, tmpl.Labels, map[string]string{"nvidia.com/dynamo-base-model-hash": hash})
	wantLabels(t, res.Deployment.Labels, map[string]string{"nvidia.com/dynamo-base-model-hash": hash})
	wantEqual(t, "workload annotation", res.Deployment.Annotations["nvidia.com/dynamo-base-model"], "llama-3")

	svc := res.ModelService
	if svc == nil {
		t.Fatal("no model Service")
	}
	wantEqual(t, "name", svc.Name, "dynamo-model-"+hash)
	wantEqual(t, "namespace", svc.Namespace, testNamespace)
	wantEqual(t, "clusterIP", svc.Spec.ClusterIP, corev1.ClusterIPNone)
	wantEqual(t, "publishNotReadyAddresses", svc.Spec.PublishNotReadyAddresses, false)
	wantMap(t, "selector", svc.Spec.Selector, map[string]string{"nvidia.com/dynamo-base-model-hash": hash})
	wantMap(t, "labels", svc.Labels, map[string]string{"nvidia.com/dynamo-base-model-hash": hash, "nvidia.com/managed-by": "flotilla-agent"})
	wantMap(t, "annotations", svc.Annotations, map[string]string{"nvidia.com/dynamo-base-model": "llama-3"})
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "system" || svc.Spec.Ports[0].Port != 9090 || svc.Spec.Ports[0].TargetPort != intstr.FromInt32(9090) {
		t.Errorf("ports = %+v, want system 9090 -> 9090", svc.Spec.Ports)
	}
	if res.Wants(workload.KindService, svc.Name) {
		t.Error("the shared model Service is among the objects the DCD controls, so it would delete it")
	}

	dcd.Spec.ModelRef = nil
	res, tmpl = buildBeta(t, dcd)
	if res.ModelService != nil {
		t.Errorf("model Service %s without spec.modelRef", res.ModelService.Name)
	}
	if _, ok := tmpl.Labels["nvidia.com/dynamo-base-model-hash"]; ok {
		t.Error("model hash label without spec.modelRef")
	}
}
