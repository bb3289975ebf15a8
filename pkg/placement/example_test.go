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

package placement_test

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

// Example places a disaggregated graph (two 4-GPU decode workers, one 2-GPU prefill worker and
// a CPU-only frontend) over three members, then places a second, identical graph in the same
// burst.
func Example() {
	h100 := "NVIDIA-H100-80GB-HBM3"
	pool := func(product string, bars ...flotillav1alpha1.NodesAtFree) []flotillav1alpha1.GPUPool {
		return []flotillav1alpha1.GPUPool{{ResourceName: flotillav1alpha1.DefaultGPUResourceName, Product: product, NodesByFree: bars}}
	}
	snap, err := placement.NewSnapshot([]placement.Member{
		// Whole free nodes: fits, but leaves half of a node free.
		{Name: "east", Joined: true, AgentReady: true, GPUs: pool(h100, flotillav1alpha1.NodesAtFree{Free: 8, Nodes: 2})},
		// Nodes with exactly 4 and 2 free: the tightest fit.
		{Name: "west", Joined: true, AgentReady: true, GPUs: pool(h100,
			flotillav1alpha1.NodesAtFree{Free: 4, Nodes: 2}, flotillav1alpha1.NodesAtFree{Free: 2, Nodes: 1})},
		// 8 nodes with 1 free GPU each: 8 free GPUs, but no node holds a 4-GPU pod.
		{Name: "north", Joined: true, AgentReady: true, GPUs: pool(h100, flotillav1alpha1.NodesAtFree{Free: 1, Nodes: 8})},
	})
	if err != nil {
		panic(err)
	}

	one, two := int32(1), int32(2)
	gpus := func(n int64) *corev1.PodTemplateSpec {
		return &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:      nvidiav1beta1.MainContainerName,
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": *resource.NewQuantity(n, resource.DecimalSI)}},
		}}}}
	}
	dgd := &nvidiav1beta1.DynamoGraphDeployment{}
	dgd.Namespace, dgd.Name = "team-a", "llama"
	dgd.Spec.Placement = &flotillav1alpha1.PlacementSpec{GPUProducts: []string{h100}}
	dgd.Spec.Components = []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
		{ComponentName: "Frontend", Replicas: &one},
		{ComponentName: "VllmDecodeWorker", Replicas: &two, PodTemplate: gpus(4)},
		{ComponentName: "VllmPrefillWorker", Replicas: &one, PodTemplate: gpus(2)},
	}
	req, err := placement.RequestFromGraph(dgd)
	if err != nil {
		panic(err)
	}

	placer := placement.NewPlacer(plugins.NewDefaultFramework())
	reservations := placement.NewReservations(snap)
	for _, name := range []string{"llama", "llama-2"} {
		req.Owner = "team-a/" + name
		req.Reservations = reservations
		d, err := placer.Place(snap, req)
		if err != nil {
			panic(err)
		}
		reservations.Add(d.Reservations...)
		fmt.Printf("%s: copy 0 on %q\n", name, d.Copies[0].Member)
		for _, r := range d.Rejections() {
			fmt.Printf("  %s: %s\n", r.Member, r.Reason)
		}
		fmt.Println(" ", d.Summary())
	}
	// Output:
	// llama: copy 0 on "west"
	//   east: fits, ranked below the chosen clusters (score -6)
	//   north: needs room for 2 pods of 4 NVIDIA-H100-80GB-HBM3 for VllmDecodeWorker, has room for none
	//   placed 1/1 copies
	// llama-2: copy 0 on "east"
	//   north: needs room for 2 pods of 4 NVIDIA-H100-80GB-HBM3 for VllmDecodeWorker, has room for none
	//   west: needs room for 2 pods of 4 NVIDIA-H100-80GB-HBM3 for VllmDecodeWorker, has room for none
	//   placed 1/1 copies
}
