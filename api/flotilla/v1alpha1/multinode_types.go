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

package v1alpha1

// MultinodeRuntime is what runs the pods of a multinode component (multinode.nodeCount > 1) on
// a member cluster. Each member's agent picks one (see the agent chart's
// workload.multinodeRuntime) and publishes it in its GPUInventory; the hub copies it to the
// MemberCluster, and a graph can require one with spec.placement.multinodeRuntimes.
// +kubebuilder:validation:Enum=StatefulSet;LeaderWorkerSet
type MultinodeRuntime string

const (
	// MultinodeRuntimeStatefulSet is the agent's own layout of each replica: a leader
	// StatefulSet, a worker StatefulSet and a headless Service, named and addressed as
	// LeaderWorkerSet names them. The fallback where the member does not serve LeaderWorkerSet.
	MultinodeRuntimeStatefulSet MultinodeRuntime = "StatefulSet"
	// MultinodeRuntimeLeaderWorkerSet is one LeaderWorkerSet (leaderworkerset.x-k8s.io/v1) per
	// component, as Dynamo runs multinode components without Grove; its controller must run on
	// the member.
	MultinodeRuntimeLeaderWorkerSet MultinodeRuntime = "LeaderWorkerSet"
)
