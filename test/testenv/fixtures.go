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

package testenv

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// GPUWorkerDCD returns a vLLM worker DynamoComponentDeployment of one replica asking for one GPU
// and tolerating the fake GPU nodes' taint, with Dynamo's labels for the given graph: the
// smallest component that runs on a local cluster's KWOK GPU nodes.
func GPUWorkerDCD(namespace, name, graph string) *nvidiav1alpha1.DynamoComponentDeployment {
	return &nvidiav1alpha1.DynamoComponentDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{
			nvidiav1alpha1.LabelComponent:       "VllmDecodeWorker",
			nvidiav1alpha1.LabelDynamoNamespace: graph,
			nvidiav1alpha1.LabelGraphName:       graph,
		}},
		Spec: nvidiav1alpha1.DynamoComponentDeploymentSpec{
			BackendFramework: "vllm",
			DynamoComponentDeploymentSharedSpec: nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				ServiceName:   "VllmDecodeWorker",
				ComponentType: nvidiav1alpha1.ComponentTypeWorker,
				Replicas:      ptr.To[int32](1),
				Resources:     &nvidiav1alpha1.Resources{Limits: &nvidiav1alpha1.ResourceItem{GPU: "1"}},
				ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{
					PodSpec: &corev1.PodSpec{Tolerations: []corev1.Toleration{KwokToleration()}},
					MainContainer: &corev1.Container{
						Image:   "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1",
						Command: []string{"python3", "-m", "dynamo.vllm"},
					},
				},
			},
		},
	}
}

// GPUWorkerDCDV1beta1 is GPUWorkerDCD written in nvidia.com/v1beta1: the same worker, with its
// image, command, GPU and toleration in spec.podTemplate and its container main. Converting
// GPUWorkerDCD to v1beta1 gives the same spec.
func GPUWorkerDCDV1beta1(namespace, name, graph string) *nvidiav1beta1.DynamoComponentDeployment {
	return &nvidiav1beta1.DynamoComponentDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{
			nvidiav1beta1.LabelComponent:       "VllmDecodeWorker",
			nvidiav1beta1.LabelDynamoNamespace: graph,
			nvidiav1beta1.LabelGraphName:       graph,
		}},
		Spec: nvidiav1beta1.DynamoComponentDeploymentSpec{
			BackendFramework: "vllm",
			DynamoComponentDeploymentSharedSpec: nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				ComponentName: "VllmDecodeWorker",
				ComponentType: nvidiav1beta1.ComponentTypeWorker,
				Replicas:      ptr.To[int32](1),
				PodTemplate: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					Tolerations: []corev1.Toleration{KwokToleration()},
					Containers: []corev1.Container{{
						Name:    nvidiav1beta1.MainContainerName,
						Image:   "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1",
						Command: []string{"python3", "-m", "dynamo.vllm"},
						Resources: corev1.ResourceRequirements{
							Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")},
						},
					}},
				}},
			},
		},
	}
}
