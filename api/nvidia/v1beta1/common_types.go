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

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ComponentType is the role of a component in a graph. It selects the ports, probes and
// environment Dynamo gives the component and becomes the pod label
// nvidia.com/dynamo-component-type. Unlike v1alpha1, prefill and decode are types of their own.
// +kubebuilder:validation:Enum=frontend;worker;prefill;decode;planner;epp;lpx
type ComponentType string

// ProviderOverride is a sparse fragment of the object a workload provider generates for part of a
// graph, merged into it. Dynamo supports only Grove (apiVersion grove.io/v1alpha1), and of Grove's
// objects only the topologyConstraint subtree; the target and the fragment are checked by Dynamo's
// admission webhook, not by this schema.
type ProviderOverride struct {
	// apiVersion is the API group and version of the provider's schema, such as
	// grove.io/v1alpha1.
	// +required
	// +kubebuilder:validation:MinLength=1
	APIVersion string `json:"apiVersion"`

	// target is the provider kind or embedded provider type the fragment applies to: PodCliqueSet
	// on the graph, PodCliqueTemplateSpec or PodCliqueScalingGroupConfig on a component. Where only
	// one target fits, it may be omitted and Dynamo's admission fills it in.
	// +optional
	Target string `json:"target,omitempty"`

	// value is the fragment, an object in the target's schema.
	// +required
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Value apiextensionsv1.JSON `json:"value"`
}

// Restart asks Dynamo to restart the components of a graph.
type Restart struct {
	// id identifies the restart request: every change of it restarts the graph with the strategy
	// below.
	// +required
	// +kubebuilder:validation:MinLength=1
	ID string `json:"id"`

	// strategy says in what order the components restart.
	// +optional
	Strategy *RestartStrategy `json:"strategy,omitempty"`
}

// RestartStrategyType is how components restart: one after the other or all at once.
type RestartStrategyType string

// Restart strategy types.
const (
	// RestartStrategySequential restarts one component at a time.
	RestartStrategySequential RestartStrategyType = "Sequential"
	// RestartStrategyParallel restarts every component at once.
	RestartStrategyParallel RestartStrategyType = "Parallel"
)

// RestartStrategy is the order of a graph restart.
type RestartStrategy struct {
	// type is Sequential (the default) or Parallel.
	// +optional
	// +kubebuilder:validation:Enum=Sequential;Parallel
	// +kubebuilder:default=Sequential
	Type RestartStrategyType `json:"type,omitempty"`

	// order lists every component name in the order a sequential restart takes them. Empty,
	// Dynamo picks the order. It must not be set for a parallel restart.
	// +optional
	Order []string `json:"order,omitempty"`
}

// SpecTopologyConstraint is the graph-wide topology constraint: the Grove ClusterTopology whose
// levels the graph's constraints name, and optionally a domain to pack every component within.
type SpecTopologyConstraint struct {
	// clusterTopologyName names the Grove ClusterTopology (a cluster-scoped object) that defines the
	// topology levels. It must exist in the cluster the graph runs in.
	// +required
	// +kubebuilder:validation:MinLength=1
	ClusterTopologyName string `json:"clusterTopologyName"`

	// packDomain is the topology domain every component is packed within unless it sets its own.
	// It may be omitted when only components carry constraints.
	// +optional
	PackDomain TopologyDomain `json:"packDomain,omitempty"`
}

// TopologyDomain names a topology level, such as zone, rack or host: a level of the graph's
// ClusterTopology, or, with kvTransferPolicy.labelKey, a name the user chooses.
// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`
type TopologyDomain string

// ComponentKind is the kind of workload that runs a component. StatefulSet is Flotilla's
// addition, as in v1alpha1: a Flotilla agent runs each replica of a multinode component as a
// StatefulSet.
// +kubebuilder:validation:Enum=PodClique;PodCliqueScalingGroup;Deployment;LeaderWorkerSet;StatefulSet
type ComponentKind string

// Component workload kinds.
const (
	// ComponentKindPodClique is a Grove PodClique.
	ComponentKindPodClique ComponentKind = "PodClique"
	// ComponentKindPodCliqueScalingGroup is a Grove PodCliqueScalingGroup.
	ComponentKindPodCliqueScalingGroup ComponentKind = "PodCliqueScalingGroup"
	// ComponentKindDeployment is a Kubernetes Deployment.
	ComponentKindDeployment ComponentKind = "Deployment"
	// ComponentKindLeaderWorkerSet is a LeaderWorkerSet.
	ComponentKindLeaderWorkerSet ComponentKind = "LeaderWorkerSet"
	// ComponentKindStatefulSet is a StatefulSet: one replica of a multinode component run by a
	// Flotilla agent.
	ComponentKindStatefulSet ComponentKind = "StatefulSet"
)

// DGDState is the summary state of a graph.
// +kubebuilder:validation:Enum=initializing;pending;successful;failed
type DGDState string

// PlacementScoreState says whether, and for how much of the graph, a placement score is known.
// +kubebuilder:validation:Enum=Reported;Partial;Unsupported;Unknown
type PlacementScoreState string

// Placement score states.
const (
	// PlacementScoreReported: every placement unit of the graph has a score.
	PlacementScoreReported PlacementScoreState = "Reported"
	// PlacementScorePartial: some placement units have a score.
	PlacementScorePartial PlacementScoreState = "Partial"
	// PlacementScoreUnsupported: the scheduler reports no score.
	PlacementScoreUnsupported PlacementScoreState = "Unsupported"
	// PlacementScoreUnknown: scores are supported but not known now; score is then absent.
	PlacementScoreUnknown PlacementScoreState = "Unknown"
)

// PlacementStatus holds the scheduler's placement signals for a graph (upstream's
// status.placement; Dynamo's controller does not write it yet).
type PlacementStatus struct {
	// score is the worst placement score over the graph's placement units, from 0 to 1, higher
	// being better. Scores compare only between graphs placed by the same scheduler version.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	Score *float64 `json:"score,omitempty"`

	// state says whether score is known: Reported, Partial, Unsupported or Unknown.
	// +optional
	State PlacementScoreState `json:"state,omitempty"`
}

// RestartPhase is the progress of a graph restart.
type RestartPhase string

// Restart phases.
const (
	// RestartPhasePending: the restart has not started.
	RestartPhasePending RestartPhase = "Pending"
	// RestartPhaseRestarting: components are restarting.
	RestartPhaseRestarting RestartPhase = "Restarting"
	// RestartPhaseCompleted: every component restarted.
	RestartPhaseCompleted RestartPhase = "Completed"
	// RestartPhaseFailed: the restart failed.
	RestartPhaseFailed RestartPhase = "Failed"
	// RestartPhaseSuperseded: a newer restart id replaced this one.
	RestartPhaseSuperseded RestartPhase = "Superseded"
)

// RestartStatus reports the graph restart in progress or last done.
type RestartStatus struct {
	// observedID is the spec.restart.id being (or last) processed.
	// +optional
	ObservedID string `json:"observedID,omitempty"`

	// phase is the progress of that restart.
	// +optional
	Phase RestartPhase `json:"phase,omitempty"`

	// inProgress lists the components restarting now.
	// +optional
	InProgress []string `json:"inProgress,omitempty"`
}

// RollingUpdatePhase is the progress of a rolling update Dynamo runs itself.
// +kubebuilder:validation:Enum=Pending;InProgress;Completed;Failed;""
type RollingUpdatePhase string

// Rolling update phases.
const (
	// RollingUpdatePhasePending: the update has not started.
	RollingUpdatePhasePending RollingUpdatePhase = "Pending"
	// RollingUpdatePhaseInProgress: components are being updated.
	RollingUpdatePhaseInProgress RollingUpdatePhase = "InProgress"
	// RollingUpdatePhaseCompleted: every component is updated.
	RollingUpdatePhaseCompleted RollingUpdatePhase = "Completed"
	// RollingUpdatePhaseFailed: the update failed.
	RollingUpdatePhaseFailed RollingUpdatePhase = "Failed"
	// RollingUpdatePhaseNone: no rolling update.
	RollingUpdatePhaseNone RollingUpdatePhase = ""
)

// RollingUpdateStatus reports a rolling update Dynamo runs itself (single-node components without
// Grove).
type RollingUpdateStatus struct {
	// phase is the progress of the update.
	// +optional
	Phase RollingUpdatePhase `json:"phase,omitempty"`

	// startTime is when the update started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`

	// endTime is when the update ended, successfully or not.
	// +optional
	EndTime *metav1.Time `json:"endTime,omitempty"`

	// updatedComponents lists the components already updated.
	// +optional
	UpdatedComponents []string `json:"updatedComponents,omitempty"`
}

// ComponentCheckpointStatus reports the checkpoint of one component.
type ComponentCheckpointStatus struct {
	// checkpointName is the name of the PodSnapshot in use.
	// +optional
	CheckpointName string `json:"checkpointName,omitempty"`

	// checkpointID is the artifact id of older, Dynamo-made checkpoints (deprecated; empty for
	// PodSnapshots).
	// +optional
	CheckpointID string `json:"checkpointID,omitempty"`

	// identityHash is the identity hash of older checkpoints (deprecated; empty for PodSnapshots).
	// +optional
	IdentityHash string `json:"identityHash,omitempty"`

	// ready is true once new pods can restore from the checkpoint.
	// +optional
	Ready bool `json:"ready,omitempty"`
}

// ComponentReplicaStatus reports the replicas of one component's workload.
type ComponentReplicaStatus struct {
	// componentKind is the kind of workload running the component.
	// +required
	ComponentKind ComponentKind `json:"componentKind"`

	// componentNames are the names of the workloads running the component: one, or during a
	// rolling update the old and the new one.
	// +optional
	ComponentNames []string `json:"componentNames,omitempty"`

	// runtimeNamespace is the Dynamo namespace the component runs in (workers may carry a
	// generation suffix).
	// +optional
	RuntimeNamespace string `json:"runtimeNamespace,omitempty"`

	// gpusPerEngine is the number of GPUs of one inference engine of a replica, over all its nodes
	// (0: the engine has none). Absent when unknown.
	// +optional
	// +kubebuilder:validation:Minimum=0
	GPUsPerEngine *int64 `json:"gpusPerEngine,omitempty"`

	// gpusPerReplica is the number of GPUs one more replica takes, over all its nodes and pods,
	// shared claims counted once. Absent when unknown.
	// +optional
	// +kubebuilder:validation:Minimum=0
	GPUsPerReplica *int64 `json:"gpusPerReplica,omitempty"`

	// replicas is the number of replicas that are not terminated.
	// +required
	// +kubebuilder:validation:Minimum=0
	Replicas int32 `json:"replicas"`

	// updatedReplicas is the number of replicas at the desired revision.
	// +required
	// +kubebuilder:validation:Minimum=0
	UpdatedReplicas int32 `json:"updatedReplicas"`

	// readyReplicas is the number of ready replicas (not reported for PodCliqueScalingGroup).
	// +optional
	// +kubebuilder:validation:Minimum=0
	ReadyReplicas *int32 `json:"readyReplicas,omitempty"`

	// availableReplicas is the number of available replicas (reported for Deployment and
	// PodCliqueScalingGroup only).
	// +optional
	// +kubebuilder:validation:Minimum=0
	AvailableReplicas *int32 `json:"availableReplicas,omitempty"`

	// scheduledReplicas is the number of replicas the scheduler has placed, in component replicas
	// (not pods). Absent means not reported, never zero.
	// +optional
	// +kubebuilder:validation:Minimum=0
	ScheduledReplicas *int32 `json:"scheduledReplicas,omitempty"`
}
