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

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// DynamoGraphDeploymentSpec is an inference graph: its services, shared volumes and environment,
// and, on a Flotilla hub, where its copies may run.
//
// +kubebuilder:validation:XValidation:rule="has(self.services) && size(self.services) > 0",message="services must name at least one service",fieldPath=".services"
// +kubebuilder:validation:XValidation:rule="!has(self.services) || self.services.all(k, k.matches('^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$'))",message="services keys must be letters, digits and '-', starting and ending with a letter or digit: each becomes part of Kubernetes names",fieldPath=".services"
// +kubebuilder:validation:XValidation:rule="has(self.backendFramework) == has(oldSelf.backendFramework) && (!has(self.backendFramework) || self.backendFramework == oldSelf.backendFramework)",message="backendFramework is immutable",fieldPath=".backendFramework"
// +kubebuilder:validation:XValidation:rule="oldSelf.hasValue() || !has(self.restart)",message="spec.restart must be unset on create; set spec.restart.id after creation to request a restart",optionalOldSelf=true
type DynamoGraphDeploymentSpec struct {
	// dynamoGraph selects a graph packaged with a Dynamo archive. Deprecated upstream; accepted
	// for older graphs.
	// +optional
	DynamoGraph string `json:"dynamoGraph,omitempty"`

	// pvcs are persistent volume claims that services mount by name through volumeMounts.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	PVCs []PVC `json:"pvcs,omitempty"`

	// services are the components of the graph by name, such as Frontend and VllmDecodeWorker.
	// Each becomes a DynamoComponentDeployment named <graph>-<lowercased service>.
	// +optional
	// +kubebuilder:validation:MaxProperties=25
	Services map[string]*DynamoComponentDeploymentSharedSpec `json:"services,omitempty"`

	// envs are environment variables of every service; a service's own envs win.
	// +optional
	Envs []corev1.EnvVar `json:"envs,omitempty"`

	// backendFramework is the inference backend: sglang, vllm or trtllm. Immutable.
	// +optional
	// +kubebuilder:validation:Enum=sglang;vllm;trtllm
	BackendFramework string `json:"backendFramework,omitempty"`

	// labels are added to every component of the graph and to the objects generated for it; a
	// service's own labels win.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// annotations are added to every component of the graph and to the objects generated for
	// it; a service's own annotations win.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// priorityClassName is the PriorityClass of the Grove PodCliqueSet of the graph (Grove only).
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`

	// providerOverride sets fields of the root object Grove generates for the graph, its
	// PodCliqueSet; only spec.template.topologyConstraint may be set. It cannot choose the
	// provider.
	// +optional
	ProviderOverride *ProviderOverride `json:"providerOverride,omitempty"`

	// restart asks Dynamo to restart the graph's pods: each new restart.id triggers one restart.
	// It must be left out when the graph is created.
	// +optional
	Restart *Restart `json:"restart,omitempty"`

	// topologyConstraint names the Grove ClusterTopology of the member and the domain the graph's
	// pods are packed into by default; services inherit it unless they set their own.
	// +optional
	TopologyConstraint *SpecTopologyConstraint `json:"topologyConstraint,omitempty"`

	// experimental holds graph-level preview features of Dynamo whose shape may still change.
	// +optional
	Experimental *DynamoGraphDeploymentExperimentalSpec `json:"experimental,omitempty"`

	// placement is Flotilla's addition: how many copies of the graph run and on which member
	// clusters. Absent, one copy runs on any member where every service fits.
	// +optional
	Placement *flotillav1alpha1.PlacementSpec `json:"placement,omitempty"`
}

// DynamoGraphDeploymentExperimentalSpec holds Dynamo's graph-level preview features.
type DynamoGraphDeploymentExperimentalSpec struct {
	// kvTransferPolicy routes KV-cache transfers between prefill and decode workers by topology.
	// +optional
	KvTransferPolicy *KvTransferPolicy `json:"kvTransferPolicy,omitempty"`

	// componentGroups are scale units of several services: each group becomes one Grove
	// PodCliqueScalingGroup, so its services scale together.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	ComponentGroups []ComponentGroupSpec `json:"componentGroups,omitempty"`
}

// ComponentGroupSpec is a scale unit of several services of a graph.
type ComponentGroupSpec struct {
	// name identifies the group among the graph's componentGroups.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$`
	Name string `json:"name"`

	// replicas is the number of replicas of the group. With an enabled scalingAdapter the
	// adapter owns it.
	// +required
	// +kubebuilder:validation:Minimum=1
	Replicas int32 `json:"replicas"`

	// scalingAdapter lets a DynamoGraphDeploymentScalingAdapter own the group's replicas.
	// +optional
	ScalingAdapter *ScalingAdapter `json:"scalingAdapter,omitempty"`

	// components are the services of the group.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	Components []ComponentGroupComponentSpec `json:"components"`
}

// ComponentGroupComponentSpec names one service of a component group.
type ComponentGroupComponentSpec struct {
	// name is the service, a key of spec.services.
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}

// Restart requests a restart of a graph's pods.
type Restart struct {
	// id triggers a restart whenever it changes; its value has no other meaning.
	// +required
	// +kubebuilder:validation:MinLength=1
	ID string `json:"id"`

	// strategy says in which order the services restart.
	// +optional
	Strategy *RestartStrategy `json:"strategy,omitempty"`
}

// RestartStrategyType is how the services of a graph restart: one after another or all at once.
// +kubebuilder:validation:Enum=Sequential;Parallel
type RestartStrategyType string

// Restart strategy types.
const (
	// RestartStrategySequential restarts the services one after another.
	RestartStrategySequential RestartStrategyType = "Sequential"
	// RestartStrategyParallel restarts every service at once.
	RestartStrategyParallel RestartStrategyType = "Parallel"
)

// RestartStrategy says how the services of a graph restart.
type RestartStrategy struct {
	// type is Sequential (the default) or Parallel.
	// +optional
	// +kubebuilder:default=Sequential
	Type RestartStrategyType `json:"type,omitempty"`

	// order is the order in which the services restart, for the Sequential type.
	// +optional
	Order []string `json:"order,omitempty"`
}

// DynamoGraphDeploymentStatus is the observed state of a graph, in Dynamo's form plus where its
// copies run.
type DynamoGraphDeploymentStatus struct {
	// state is Dynamo's summary: initializing, pending, successful or failed. On a hub,
	// successful means every component of every copy is available.
	// +optional
	// +kubebuilder:validation:Enum=initializing;pending;successful;failed
	// +kubebuilder:default=initializing
	State string `json:"state,omitempty"`

	// conditions are Dynamo's Ready and, on a hub, Flotilla's Scheduled and Synced.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// services reports the replicas of each service, keyed as spec.services and summed over copies.
	// +optional
	Services map[string]ServiceReplicaStatus `json:"services,omitempty"`

	// clusterPlacement reports where each copy of the graph runs (Flotilla's addition).
	// +optional
	ClusterPlacement *flotillav1alpha1.GraphPlacementStatus `json:"clusterPlacement,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// restart reports the progress of the restart last requested in spec.restart.
	// +optional
	Restart *RestartStatus `json:"restart,omitempty"`

	// checkpoints reports the checkpoint of each service that has one, keyed as spec.services.
	// +optional
	Checkpoints map[string]ServiceCheckpointStatus `json:"checkpoints,omitempty"`

	// rollingUpdate reports the progress of a rolling update Dynamo manages itself (single-node
	// services outside Grove).
	// +optional
	RollingUpdate *RollingUpdateStatus `json:"rollingUpdate,omitempty"`

	// placement is Dynamo's scheduler placement signal for the graph, a score and how complete it
	// is. Not to be confused with clusterPlacement, Flotilla's report of member clusters.
	// +optional
	Placement *PlacementStatus `json:"placement,omitempty"`
}

// RestartPhase is the phase of a graph restart: Pending, Restarting, Completed, Failed or
// Superseded.
type RestartPhase string

// Restart phases.
const (
	RestartPhasePending    RestartPhase = "Pending"
	RestartPhaseRestarting RestartPhase = "Restarting"
	RestartPhaseCompleted  RestartPhase = "Completed"
	RestartPhaseFailed     RestartPhase = "Failed"
	RestartPhaseSuperseded RestartPhase = "Superseded"
)

// RestartStatus reports the progress of a graph restart.
type RestartStatus struct {
	// observedID is the spec.restart.id being processed.
	// +optional
	ObservedID string `json:"observedID,omitempty"`

	// phase is the phase of the restart.
	// +optional
	Phase RestartPhase `json:"phase,omitempty"`

	// inProgress are the services restarting now.
	// +optional
	InProgress []string `json:"inProgress,omitempty"`
}

// ServiceCheckpointStatus reports the checkpoint of one service.
type ServiceCheckpointStatus struct {
	// checkpointName is the name of the checkpoint object.
	// +optional
	CheckpointName string `json:"checkpointName,omitempty"`

	// checkpointID is the artifact ID of the checkpoint.
	// +optional
	CheckpointID string `json:"checkpointID,omitempty"`

	// identityHash is the hash of the deprecated checkpoint identity, kept for older readers.
	// +optional
	IdentityHash string `json:"identityHash,omitempty"`

	// ready says that new pods can restore the checkpoint.
	// +optional
	Ready bool `json:"ready,omitempty"`
}

// RollingUpdatePhase is the phase of a rolling update; empty when none is under way.
// +kubebuilder:validation:Enum=Pending;InProgress;Completed;Failed;""
type RollingUpdatePhase string

// Rolling update phases.
const (
	RollingUpdatePhasePending    RollingUpdatePhase = "Pending"
	RollingUpdatePhaseInProgress RollingUpdatePhase = "InProgress"
	RollingUpdatePhaseCompleted  RollingUpdatePhase = "Completed"
	RollingUpdatePhaseFailed     RollingUpdatePhase = "Failed"
	RollingUpdatePhaseNone       RollingUpdatePhase = ""
)

// RollingUpdateStatus reports the progress of a rolling update.
type RollingUpdateStatus struct {
	// phase is the phase of the update.
	// +optional
	Phase RollingUpdatePhase `json:"phase,omitempty"`

	// startTime is when the update began.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`

	// endTime is when the update ended, successfully or not.
	// +optional
	EndTime *metav1.Time `json:"endTime,omitempty"`

	// updatedServices are the worker services whose new replicas are all ready and whose old
	// replicas are gone.
	// +optional
	UpdatedServices []string `json:"updatedServices,omitempty"`
}

// PlacementScoreState says whether a graph's placement score is reported and how complete it
// is.
// +kubebuilder:validation:Enum=Reported;Partial;Unsupported;Unknown
type PlacementScoreState string

// Placement score states.
const (
	PlacementScoreStateReported    PlacementScoreState = "Reported"
	PlacementScoreStatePartial     PlacementScoreState = "Partial"
	PlacementScoreStateUnsupported PlacementScoreState = "Unsupported"
	PlacementScoreStateUnknown     PlacementScoreState = "Unknown"
)

// PlacementStatus is Dynamo's scheduler placement signal for a graph.
type PlacementStatus struct {
	// score rates the graph's placement from 0 to 1, higher being better.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	Score *float64 `json:"score,omitempty"`

	// state says whether the score is reported and how complete it is.
	// +optional
	State PlacementScoreState `json:"state,omitempty"`
}

// ComponentKind is the kind of workload that runs a service.
// +kubebuilder:validation:Enum=PodClique;PodCliqueScalingGroup;Deployment;LeaderWorkerSet;StatefulSet
type ComponentKind string

// ServiceReplicaStatus reports the replicas of one service.
type ServiceReplicaStatus struct {
	// componentKind is the kind of workload running the service.
	// +optional
	ComponentKind ComponentKind `json:"componentKind"`

	// componentName is the name of that workload. Deprecated in Dynamo in favour of
	// componentNames.
	// +optional
	ComponentName string `json:"componentName"`

	// componentNames are the names of the workloads running the service: one, or the old and the
	// new during a rolling update.
	// +optional
	ComponentNames []string `json:"componentNames,omitempty"`

	// runtimeNamespace is the Dynamo runtime namespace the service runs in.
	// +optional
	RuntimeNamespace string `json:"runtimeNamespace,omitempty"`

	// gpusPerEngine is the number of GPUs of one inference engine of a replica, over all its
	// nodes, not counting auxiliary allocations.
	// +optional
	// +kubebuilder:validation:Minimum=0
	GPUsPerEngine *int64 `json:"gpusPerEngine,omitempty"`

	// gpusPerReplica is the number of GPUs one more replica of the service takes, counting every
	// pod of the replica; absent when not known.
	// +optional
	// +kubebuilder:validation:Minimum=0
	GPUsPerReplica *int64 `json:"gpusPerReplica,omitempty"`

	// replicas is the desired number of replicas.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Replicas int32 `json:"replicas"`

	// updatedReplicas is the number of replicas at the current spec.
	// +kubebuilder:validation:Minimum=0
	// +optional
	UpdatedReplicas int32 `json:"updatedReplicas"`

	// readyReplicas is the number of ready replicas.
	// +optional
	// +kubebuilder:validation:Minimum=0
	ReadyReplicas *int32 `json:"readyReplicas,omitempty"`

	// availableReplicas is the number of available replicas.
	// +optional
	// +kubebuilder:validation:Minimum=0
	AvailableReplicas *int32 `json:"availableReplicas,omitempty"`

	// scheduledReplicas is the number of replicas the scheduler has placed; absent when not
	// known (never a stand-in for zero).
	// +optional
	// +kubebuilder:validation:Minimum=0
	ScheduledReplicas *int32 `json:"scheduledReplicas,omitempty"`
}

// DynamoGraphDeployment is an NVIDIA Dynamo inference graph. Applied on a Flotilla hub, each copy
// of it runs on a member cluster that fits it.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=dgd,categories=dynamo
// +kubebuilder:deprecatedversion:warning="nvidia.com/v1alpha1 DynamoGraphDeployment is deprecated; use nvidia.com/v1beta1 DynamoGraphDeployment"
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Services",type=string,JSONPath=`.status.clusterPlacement.readyServices`,description="Ready services over all copies"
// +kubebuilder:printcolumn:name="Copies",type=string,JSONPath=`.status.clusterPlacement.readyCopies`,description="Ready copies / copies"
// +kubebuilder:printcolumn:name="Clusters",type=string,JSONPath=`.status.clusterPlacement.clusters`,description="Member clusters running a copy"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="!has(self.spec.services) || self.spec.services.all(k, size(self.metadata.name) + size(k) <= 62)",message="metadata.name and each spec.services key together must be at most 62 characters: components are named <graph>-<service> and that name is used as a label value",fieldPath=".spec.services"
type DynamoGraphDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the graph.
	// +required
	Spec DynamoGraphDeploymentSpec `json:"spec"`

	// status is the observed state of the graph.
	// +optional
	Status DynamoGraphDeploymentStatus `json:"status,omitempty"`
}

// DynamoGraphDeploymentList is a list of DynamoGraphDeployment.
//
// +kubebuilder:object:root=true
type DynamoGraphDeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the graphs.
	Items []DynamoGraphDeployment `json:"items"`
}
