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

// Graph states, as Dynamo writes them in DynamoGraphDeployment status.state.
const (
	// StateInitializing is the state Dynamo gives a graph before its first reconcile.
	StateInitializing = "initializing"
	// StatePending means some component is not ready yet (or, on a hub, some copy is not placed).
	StatePending = "pending"
	// StateSuccessful means every component is ready.
	StateSuccessful = "successful"
	// StateFailed means reconciling the graph failed.
	StateFailed = "failed"
)

// Condition types.
const (
	// ConditionReady is Dynamo's graph condition: True when state is successful.
	ConditionReady = "Ready"
	// ConditionAvailable is Dynamo's component condition: True when its workload is fully rolled
	// out and available.
	ConditionAvailable = "Available"
	// ConditionComponentReady is Dynamo's second component condition.
	ConditionComponentReady = "DynamoComponentReady"
)

// Component types Dynamo knows (spec.services[*].componentType).
const (
	ComponentTypeFrontend = "frontend"
	ComponentTypeWorker   = "worker"
	ComponentTypePrefill  = "prefill"
	ComponentTypeDecode   = "decode"
	ComponentTypePlanner  = "planner"
	ComponentTypeEPP      = "epp"
	ComponentTypeLPX      = "lpx"
	ComponentTypeMain     = "main"
	ComponentTypeDefault  = "default"
)

// Labels Dynamo puts on the objects of a graph.
const (
	// LabelGraphName names the graph a component belongs to.
	LabelGraphName = "nvidia.com/dynamo-graph-deployment-name"
	// LabelComponent names the service (the spec.services key) of a component.
	LabelComponent = "nvidia.com/dynamo-component"
	// LabelDynamoNamespace is the Dynamo namespace of a component.
	LabelDynamoNamespace = "nvidia.com/dynamo-namespace"
	// LabelComponentType is the componentType of a component's pods.
	LabelComponentType = "nvidia.com/dynamo-component-type"
	// LabelSubComponentType is the subComponentType of a component's pods.
	LabelSubComponentType = "nvidia.com/dynamo-sub-component-type"
	// LabelSelector selects the pods of one component: its value is the component's name.
	LabelSelector = "nvidia.com/selector"
)
