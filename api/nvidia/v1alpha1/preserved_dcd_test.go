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

package v1alpha1_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// TestPreservedDCDSpec checks that the v1alpha1-only fields of a DCD converted to v1beta1 can be
// read back from the converted object, and that a DCD written in v1beta1 has none.
func TestPreservedDCDSpec(t *testing.T) {
	alpha := &nvidiav1alpha1.DynamoComponentDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "llama-frontend", Namespace: "team-a"},
		Spec: nvidiav1alpha1.DynamoComponentDeploymentSpec{
			DynamoComponentDeploymentSharedSpec: nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				ServiceName:      "Frontend",
				ComponentType:    nvidiav1alpha1.ComponentTypeFrontend,
				DynamoNamespace:  ptr.To("llama"),
				Labels:           map[string]string{"team": "a"},
				Annotations:      map[string]string{"nvidia.com/deployment-strategy": "Recreate"},
				Ingress:          &nvidiav1alpha1.IngressSpec{Enabled: true, Host: "llama"},
				Autoscaling:      &nvidiav1alpha1.Autoscaling{Enabled: true},
				SubComponentType: "router",
				ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{MainContainer: &corev1.Container{
					Image: "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1",
				}},
			},
		},
	}
	hub := &nvidiav1beta1.DynamoComponentDeployment{}
	if err := alpha.ConvertTo(hub); err != nil {
		t.Fatal(err)
	}
	got := nvidiav1alpha1.PreservedDCDSpec(hub)
	if got == nil {
		t.Fatal("no preserved spec on a DCD converted from v1alpha1")
	}
	if ptr.Deref(got.DynamoNamespace, "") != "llama" {
		t.Errorf("dynamoNamespace = %v, want llama", got.DynamoNamespace)
	}
	if got.Labels["team"] != "a" || got.Annotations["nvidia.com/deployment-strategy"] != "Recreate" {
		t.Errorf("labels %v, annotations %v", got.Labels, got.Annotations)
	}
	if got.Ingress == nil || got.Ingress.Host != "llama" || !got.Ingress.Enabled {
		t.Errorf("ingress = %+v", got.Ingress)
	}
	if got.Autoscaling == nil || got.SubComponentType != "router" {
		t.Errorf("autoscaling %+v, subComponentType %q", got.Autoscaling, got.SubComponentType)
	}

	native := &nvidiav1beta1.DynamoComponentDeployment{ObjectMeta: metav1.ObjectMeta{Name: "w"}}
	if got := nvidiav1alpha1.PreservedDCDSpec(native); got != nil {
		t.Errorf("a DCD written in v1beta1 has preserved spec %+v", got)
	}
	native.Annotations = map[string]string{"nvidia.com/dcd-spec": "{not json"}
	if got := nvidiav1alpha1.PreservedDCDSpec(native); got != nil {
		t.Errorf("a payload that does not parse gave %+v", got)
	}
	if got := nvidiav1alpha1.PreservedDCDSpec(nil); got != nil {
		t.Errorf("nil DCD gave %+v", got)
	}
}
