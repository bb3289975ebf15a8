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

package v1beta1

// Graph states, as Dynamo writes them in DynamoGraphDeployment status.state.
const (
	// DGDStateInitializing is the state of a graph no controller has reported on yet; it is the
	// schema default.
	DGDStateInitializing DGDState = "initializing"
	// DGDStatePending means some component is not ready yet (or, on a hub, some copy is not placed).
	DGDStatePending DGDState = "pending"
	// DGDStateSuccessful means every component is ready.
	DGDStateSuccessful DGDState = "successful"
	// DGDStateFailed means reconciling the graph failed.
	DGDStateFailed DGDState = "failed"
)

// Condition types Dynamo writes.
const (
	// ConditionReady is the graph's summary condition: True when every component is ready.
	ConditionReady = "Ready"
	// ConditionAvailable is a component's condition: True when its workload is rolled out and
	// available.
	ConditionAvailable = "Available"
	// ConditionComponentReady is a component's second condition, about the Dynamo component itself.
	ConditionComponentReady = "DynamoComponentReady"
	// ConditionTopologyLevelsAvailable reports whether the ClusterTopology a graph names offers the
	// topology domains its constraints use.
	ConditionTopologyLevelsAvailable = "TopologyLevelsAvailable"
	// ConditionOwnershipConflict reports that a child object the graph would manage is owned by
	// something else.
	ConditionOwnershipConflict = "OwnershipConflict"
)

// Reasons of a graph's Ready condition.
const (
	// ReadyReasonAllResourcesReady: every component is ready.
	ReadyReasonAllResourcesReady = "all_resources_are_ready"
	// ReadyReasonInsufficientCapacity: some component cannot be scheduled (capacity, gating).
	ReadyReasonInsufficientCapacity = "insufficient_capacity"
	// ReadyReasonPodsNotReady: pods are scheduled but not enough are ready.
	ReadyReasonPodsNotReady = "pods_not_ready"
	// ReadyReasonUpdating: a rollout of some component has not finished.
	ReadyReasonUpdating = "updating"
	// ReadyReasonMixedNotReadyReasons: several components are not ready for different reasons.
	ReadyReasonMixedNotReadyReasons = "mixed_not_ready_reasons"
	// ReadyReasonSomeResourcesNotReady: some component is not ready, for a reason not classified.
	ReadyReasonSomeResourcesNotReady = "some_resources_are_not_ready"
)

// Reasons of the TopologyLevelsAvailable condition.
const (
	// TopologyReasonAllLevelsAvailable: every topology domain used is offered.
	TopologyReasonAllLevelsAvailable = "AllTopologyLevelsAvailable"
	// TopologyReasonLevelsUnavailable: some topology domain used is not offered.
	TopologyReasonLevelsUnavailable = "TopologyLevelsUnavailable"
	// TopologyReasonDefinitionNotFound: the named ClusterTopology does not exist.
	TopologyReasonDefinitionNotFound = "TopologyDefinitionNotFound"
	// TopologyReasonConditionPending: the topology check has not completed.
	TopologyReasonConditionPending = "TopologyConditionPending"
)

// Component types (spec.components[*].type).
const (
	// ComponentTypeFrontend is the HTTP frontend of a graph.
	ComponentTypeFrontend ComponentType = "frontend"
	// ComponentTypeWorker is an aggregated inference worker.
	ComponentTypeWorker ComponentType = "worker"
	// ComponentTypePrefill is the prefill worker of a disaggregated graph.
	ComponentTypePrefill ComponentType = "prefill"
	// ComponentTypeDecode is the decode worker of a disaggregated graph.
	ComponentTypeDecode ComponentType = "decode"
	// ComponentTypePlanner is the planner that scales the workers of a graph.
	ComponentTypePlanner ComponentType = "planner"
	// ComponentTypeEPP is the endpoint picker of the Gateway API inference extension; a graph has
	// at most one.
	ComponentTypeEPP ComponentType = "epp"
	// ComponentTypeLPX is a component Dynamo's LPX integration manages (LPU builds).
	ComponentTypeLPX ComponentType = "lpx"
)

// MainContainerName is the name of the container of a component's podTemplate that runs the
// component. Dynamo merges its defaults (command, environment, ports, probes, resources, volume
// mounts) into it; every other container is the user's own sidecar.
const MainContainerName = "main"

// Role names of a multinode component (spec.components[*].roles[*].name).
const (
	// ComponentRoleLeader is the role of the first pod of each multinode replica.
	ComponentRoleLeader = "leader"
	// ComponentRoleWorker is the role of the other pods of each multinode replica.
	ComponentRoleWorker = "worker"
)

// Labels Dynamo puts on the objects of a graph.
const (
	// LabelGraphName names the graph a component belongs to.
	LabelGraphName = "nvidia.com/dynamo-graph-deployment-name"
	// LabelComponent names the component (spec.components[*].name).
	LabelComponent = "nvidia.com/dynamo-component"
	// LabelDynamoNamespace is the Dynamo namespace of a component.
	LabelDynamoNamespace = "nvidia.com/dynamo-namespace"
	// LabelComponentType is the type of a component's pods.
	LabelComponentType = "nvidia.com/dynamo-component-type"
	// LabelSelector selects the pods of one component: its value is the component's name.
	LabelSelector = "nvidia.com/selector"
)

// AnnotationKubeDiscoveryMode is the graph annotation that selects how Dynamo's runtime discovers
// its peers in Kubernetes; failover needs the value "container".
const AnnotationKubeDiscoveryMode = "nvidia.com/dynamo-kube-discovery-mode"
