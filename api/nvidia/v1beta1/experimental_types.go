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
	corev1 "k8s.io/api/core/v1"
)

// DynamoGraphDeploymentExperimentalSpec holds graph-wide preview features that upstream may
// change between v1beta1 releases. Per-component previews are in spec.components[*].experimental.
type DynamoGraphDeploymentExperimentalSpec struct {
	// kvTransferPolicy routes KV-cache transfers between prefill and decode workers by topology.
	// +optional
	KvTransferPolicy *KvTransferPolicy `json:"kvTransferPolicy,omitempty"`

	// componentGroups are scale units of several components: each becomes one Grove
	// PodCliqueScalingGroup, so its components scale together.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	ComponentGroups []ComponentGroupSpec `json:"componentGroups,omitempty"`
}

// KvTransferEnforcement is how strictly decode workers are chosen in the prefill worker's topology
// domain: required or preferred.
// +kubebuilder:validation:Enum=required;preferred
type KvTransferEnforcement string

// KV transfer enforcements.
const (
	// KvTransferRequired allows only decode workers in the prefill worker's domain.
	KvTransferRequired KvTransferEnforcement = "required"
	// KvTransferPreferred favours decode workers in the prefill worker's domain.
	KvTransferPreferred KvTransferEnforcement = "preferred"
)

// KvTransferPolicy routes KV-cache transfers by topology: the domain of each worker comes either
// from a Grove ClusterTopology or from a node label.
// +kubebuilder:validation:XValidation:rule="(has(self.labelKey) && !has(self.clusterTopologyName)) || (!has(self.labelKey) && has(self.clusterTopologyName))",message="exactly one of labelKey or clusterTopologyName is required"
// +kubebuilder:validation:XValidation:rule="!has(self.enforcement) || self.enforcement != 'preferred' || has(self.preferredWeight)",message="preferredWeight is required when enforcement is preferred",fieldPath=".preferredWeight"
// +kubebuilder:validation:XValidation:rule="!has(self.preferredWeight) || (has(self.enforcement) && self.enforcement == 'preferred')",message="preferredWeight may only be set when enforcement is preferred",fieldPath=".preferredWeight"
type KvTransferPolicy struct {
	// clusterTopologyName names a Grove ClusterTopology whose levels Dynamo copies onto worker pods
	// as labels. Exactly one of clusterTopologyName and labelKey is set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	ClusterTopologyName string `json:"clusterTopologyName,omitempty"`

	// labelKey is a node label key, such as topology.kubernetes.io/zone, whose value is a worker's
	// domain; Dynamo copies it from the node onto worker pods. Exactly one of clusterTopologyName
	// and labelKey is set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=317
	// +kubebuilder:validation:Pattern=`^(([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('/') || self.split('/')[0].size() <= 253",message="labelKey prefix must be 253 characters or less"
	LabelKey string `json:"labelKey,omitempty"`

	// domain is the topology level to match workers on, such as zone or rack.
	// +required
	Domain TopologyDomain `json:"domain"`

	// enforcement is required (the default: only decode workers of the same domain) or preferred
	// (favour them, weighted by preferredWeight).
	// +optional
	// +kubebuilder:default=required
	Enforcement KvTransferEnforcement `json:"enforcement,omitempty"`

	// preferredWeight is how strongly preferred enforcement favours the same domain, from 0 (not
	// at all) to 1; set exactly when enforcement is preferred. It is a weight, not a probability.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	PreferredWeight *float32 `json:"preferredWeight,omitempty"`
}

// ComponentGroupSpec is a scale unit of several components of a graph.
type ComponentGroupSpec struct {
	// name identifies the group within spec.experimental.componentGroups.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$`
	Name string `json:"name"`

	// replicas is the number of replicas of the group. With scalingAdapter the
	// DynamoGraphDeploymentScalingAdapter owns it.
	// +required
	// +kubebuilder:validation:Minimum=1
	Replicas int32 `json:"replicas"`

	// scalingAdapter, when present, has Dynamo create a DynamoGraphDeploymentScalingAdapter that
	// owns replicas.
	// +optional
	ScalingAdapter *ScalingAdapter `json:"scalingAdapter,omitempty"`

	// components are the graph components in the group.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	Components []ComponentGroupComponentSpec `json:"components"`
}

// ComponentGroupComponentSpec names one component of a component group.
type ComponentGroupComponentSpec struct {
	// name is a spec.components[*].name of the graph.
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}

// ExperimentalSpec holds per-component preview features that upstream may change or drop between
// v1beta1 releases; they are outside upstream's v1beta1 deprecation policy.
type ExperimentalSpec struct {
	// gpuMemoryService runs the GPU memory service (GMS) for the component; clients get the GPUs
	// through dynamic resource allocation.
	// +optional
	GPUMemoryService *GPUMemoryServiceSpec `json:"gpuMemoryService,omitempty"`

	// failover runs a standby engine that takes over when the active one fails. It needs
	// gpuMemoryService with the same mode, and the graph annotation
	// nvidia.com/dynamo-kube-discovery-mode: container.
	// +optional
	Failover *FailoverSpec `json:"failover,omitempty"`

	// grove holds Grove rendering options.
	// +optional
	Grove *GroveSpec `json:"grove,omitempty"`

	// checkpoint snapshots the component's container and restores new pods from the snapshot.
	// +optional
	Checkpoint *ComponentCheckpointConfig `json:"checkpoint,omitempty"`
}

// GPUMemoryServiceMode is where the GPU memory service runs: IntraPod (a sidecar in each pod) or
// InterPod (pods of its own sharing the GPUs).
type GPUMemoryServiceMode string

// GPU memory service modes.
const (
	// GMSModeIntraPod runs the service as a sidecar in the component's pod.
	GMSModeIntraPod GPUMemoryServiceMode = "IntraPod"
	// GMSModeInterPod runs the service in pods of its own that share the GPUs through DRA.
	GMSModeInterPod GPUMemoryServiceMode = "InterPod"
)

// GPUMemoryServiceSpec configures the GPU memory service of a worker, prefill or decode component.
// Dynamo replaces the main container's GPU resources with a DRA resource claim.
// +kubebuilder:validation:XValidation:rule="!has(self.extraClientContainers) || size(self.extraClientContainers) == 0 || self.mode == 'IntraPod'",message="extraClientContainers is only supported with mode=IntraPod",fieldPath=".extraClientContainers"
// +kubebuilder:validation:XValidation:rule="!has(self.extraClientPods) || size(self.extraClientPods) == 0 || self.mode == 'InterPod'",message="extraClientPods is only supported with mode=InterPod",fieldPath=".extraClientPods"
// +kubebuilder:validation:XValidation:rule="!has(self.extraClientPods) || size(self.extraClientPods) == 0",message="extraClientPods is reserved for inter-pod GMS and is not implemented yet",fieldPath=".extraClientPods"
type GPUMemoryServiceSpec struct {
	// mode is IntraPod (the default) or InterPod.
	// +optional
	// +kubebuilder:default=IntraPod
	// +kubebuilder:validation:Enum=IntraPod;InterPod
	Mode GPUMemoryServiceMode `json:"mode,omitempty"`

	// deviceClassName is the DRA DeviceClass the GPUs are requested from.
	// +optional
	// +kubebuilder:default="gpu.nvidia.com"
	DeviceClassName string `json:"deviceClassName,omitempty"`

	// extraClientContainers name further containers of the pod template that Dynamo wires as
	// clients of the service (IntraPod only).
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	ExtraClientContainers []string `json:"extraClientContainers,omitempty"`

	// extraClientPods are further client pods of an InterPod service. Reserved: any entry is
	// rejected for now.
	// +optional
	// +listType=map
	// +listMapKey=name
	ExtraClientPods []GMSClientPodSpec `json:"extraClientPods,omitempty"`
}

// GMSClientPodSpec is a further client pod of an InterPod GPU memory service.
type GMSClientPodSpec struct {
	// name identifies the client pod.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// podTemplate is the client pod, kept as written.
	// +required
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate corev1.PodTemplateSpec `json:"podTemplate"`
}

// FailoverSpec runs a standby copy of the main container (sharing the GPUs through the GPU memory
// service) that takes over when the active engine fails.
type FailoverSpec struct {
	// mode is IntraPod (the default) or InterPod; it must equal gpuMemoryService.mode.
	// +optional
	// +kubebuilder:default=IntraPod
	// +kubebuilder:validation:Enum=IntraPod;InterPod
	Mode GPUMemoryServiceMode `json:"mode,omitempty"`

	// numShadows is the number of standby engines per rank; only 1 for now.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1
	NumShadows int32 `json:"numShadows,omitempty"`
}

// GroveSpec holds Grove rendering options of a component.
type GroveSpec struct {
	// forceScalingGroup renders a single-node component as a PodCliqueScalingGroup of one-pod
	// cliques instead of a PodClique. Absent or false lets Dynamo choose. It cannot change after
	// creation.
	// +optional
	ForceScalingGroup *bool `json:"forceScalingGroup,omitempty"`
}

// CheckpointMode is the deprecated way of choosing automatic or manual checkpoints.
// +kubebuilder:validation:Enum=Auto;Manual
type CheckpointMode string

// Checkpoint modes (deprecated).
const (
	// CheckpointModeAuto: Dynamo makes the checkpoint (now: enabled without checkpointRef).
	CheckpointModeAuto CheckpointMode = "Auto"
	// CheckpointModeManual: the user supplies it (now: checkpointRef).
	CheckpointModeManual CheckpointMode = "Manual"
)

// CheckpointStartupPolicy is when worker pods start relative to the checkpoint.
// +kubebuilder:validation:Enum=Immediate;WaitForCheckpoint
type CheckpointStartupPolicy string

// Checkpoint startup policies.
const (
	// CheckpointStartupImmediate starts workers at once; pods created after the checkpoint is
	// ready restore from it.
	CheckpointStartupImmediate CheckpointStartupPolicy = "Immediate"
	// CheckpointStartupWaitForCheckpoint keeps workers at zero until the checkpoint is ready.
	CheckpointStartupWaitForCheckpoint CheckpointStartupPolicy = "WaitForCheckpoint"
)

// CheckpointDeletionPolicy is what happens to an automatic checkpoint when its graph is deleted.
// +kubebuilder:validation:Enum=Delete;Retain
type CheckpointDeletionPolicy string

// Checkpoint deletion policies.
const (
	// CheckpointDeletionDelete deletes the checkpoint with the graph.
	CheckpointDeletionDelete CheckpointDeletionPolicy = "Delete"
	// CheckpointDeletionRetain keeps it.
	CheckpointDeletionRetain CheckpointDeletionPolicy = "Retain"
)

// ComponentCheckpointConfig configures checkpoints of a component: Dynamo makes one (no
// checkpointRef) or restores from a named PodSnapshot.
// +kubebuilder:validation:XValidation:rule="!has(self.job) || !has(self.checkpointRef) || size(self.checkpointRef) == 0",message="checkpoint.job cannot be set when checkpointRef is specified",fieldPath=".job"
type ComponentCheckpointConfig struct {
	// enabled turns checkpoints on.
	// +required
	Enabled bool `json:"enabled"`

	// mode is deprecated: use enabled, with or without checkpointRef.
	// +optional
	Mode CheckpointMode `json:"mode,omitempty"`

	// startupPolicy is Immediate (the default) or WaitForCheckpoint.
	// +optional
	// +kubebuilder:default=Immediate
	StartupPolicy CheckpointStartupPolicy `json:"startupPolicy,omitempty"`

	// deletionPolicy is whether an automatic checkpoint is deleted (Delete, the default) or kept
	// (Retain) with its graph. A checkpointRef snapshot is never deleted.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy CheckpointDeletionPolicy `json:"deletionPolicy,omitempty"`

	// checkpointRef names an existing PodSnapshot in the graph's namespace to restore from.
	// +optional
	CheckpointRef *string `json:"checkpointRef,omitempty"`

	// identity is deprecated and ignored.
	// +optional
	Identity *DynamoCheckpointIdentity `json:"identity,omitempty"`

	// targetContainerName is the container snapshotted and restored.
	// +optional
	// +kubebuilder:default=main
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	TargetContainerName string `json:"targetContainerName,omitempty"`

	// job adjusts the pod that takes an automatic checkpoint; not with checkpointRef.
	// +optional
	Job *ComponentCheckpointJobConfig `json:"job,omitempty"`
}

// ComponentCheckpointJobConfig adjusts the pod that takes a component's automatic checkpoint.
type ComponentCheckpointJobConfig struct {
	// gmsClientContainers name containers of that pod to wire as GPU memory service clients
	// (needs gpuMemoryService).
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	GMSClientContainers []string `json:"gmsClientContainers,omitempty"`

	// podTemplate is merged over the pod Dynamo builds from the workload container, for example
	// to add helper containers. Kept as written.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *corev1.PodTemplateSpec `json:"podTemplate,omitempty"`
}

// DynamoCheckpointIdentity is the deprecated identity of a Dynamo-made checkpoint, kept so that
// older graphs still apply; Dynamo ignores it.
type DynamoCheckpointIdentity struct {
	// model is the model identifier.
	// +required
	// +kubebuilder:validation:MinLength=1
	Model string `json:"model"`

	// backendFramework is vllm, sglang or trtllm.
	// +required
	// +kubebuilder:validation:Enum=vllm;sglang;trtllm
	BackendFramework string `json:"backendFramework"`

	// dynamoVersion is the Dynamo version.
	// +optional
	DynamoVersion string `json:"dynamoVersion,omitempty"`

	// tensorParallelSize is the tensor parallelism.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:default=1
	TensorParallelSize int32 `json:"tensorParallelSize,omitempty"`

	// pipelineParallelSize is the pipeline parallelism.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:default=1
	PipelineParallelSize int32 `json:"pipelineParallelSize,omitempty"`

	// dtype is the data type, such as bf16.
	// +optional
	Dtype string `json:"dtype,omitempty"`

	// maxModelLen is the maximum sequence length.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxModelLen int32 `json:"maxModelLen,omitempty"`

	// extraParameters are further parameters of the identity.
	// +optional
	ExtraParameters map[string]string `json:"extraParameters,omitempty"`
}
