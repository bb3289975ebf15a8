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
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// DynamoComponentDeploymentSharedSpec is one component of a graph: an item of a
// DynamoGraphDeployment's spec.components, and the inline body of a DynamoComponentDeployment's
// spec. Where v1alpha1 had ten fields shaping the pod (resources, envs, probes, extraPodSpec, ...),
// v1beta1 has one native pod template; Dynamo merges its defaults into the template's container
// named "main" and leaves every other container, the user's sidecars, as written.
//
// The last rule requires that container, with an image, whenever podTemplate is set (upstream's
// admission webhook requires it of new components). It looks for "main" among the first 64
// containers only: a rule iterating over the whole, unbounded containers list of each of up to 25
// components exceeds the apiserver's CEL cost budget, while indexing a fixed range does not.
//
// +kubebuilder:validation:XValidation:rule="!has(self.eppConfig) || (has(self.type) && self.type == 'epp')",message="eppConfig may only be set when type is epp",fieldPath=".eppConfig"
// +kubebuilder:validation:XValidation:rule="!has(self.minAvailable) || (has(self.replicas) && self.replicas == 0) || self.minAvailable <= (has(self.replicas) ? self.replicas : 1)",message="minAvailable must be less than or equal to replicas unless replicas is 0",fieldPath=".minAvailable"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.minAvailable) || (has(self.minAvailable) && self.minAvailable == oldSelf.minAvailable)",message="minAvailable is immutable after creation",fieldPath=".minAvailable"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.type) || (has(self.type) && self.type == oldSelf.type)",message="type is immutable after it is set",fieldPath=".type"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.engineGroup) || (has(self.engineGroup) && self.engineGroup.initialSize == oldSelf.engineGroup.initialSize)",message="engineGroup.initialSize is immutable after it is set",fieldPath=".engineGroup"
// +kubebuilder:validation:XValidation:rule="!has(self.podTemplate) || (has(self.podTemplate.spec) && has(self.podTemplate.spec.containers) && [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63].exists(i, i < size(self.podTemplate.spec.containers) && self.podTemplate.spec.containers[i].name == 'main' && has(self.podTemplate.spec.containers[i].image) && size(self.podTemplate.spec.containers[i].image) > 0))",message="podTemplate.spec.containers must include a container named main with an image",fieldPath=".podTemplate"
type DynamoComponentDeploymentSharedSpec struct {
	// providerOverride is merged into the Grove object that runs this component: a
	// PodCliqueTemplateSpec for a single-node component, a PodCliqueScalingGroupConfig for one run
	// as a scaling group. Only topologyConstraint may be set. Upstream leaves it out of a
	// standalone DynamoComponentDeployment's schema; here the shared type carries it in both.
	// +optional
	ProviderOverride *ProviderOverride `json:"providerOverride,omitempty"`

	// name identifies the component within its graph, independently of the names of the objects
	// Dynamo creates for it (worker DCDs get a hash suffix during rolling updates); labels, status
	// keys, scaling adapters and the planner use it. Unique within spec.components, letters of
	// either case, digits and '-'. A DynamoComponentDeployment that omits it gets metadata.name from
	// Dynamo's defaulting webhook; this schema still requires it, as upstream's does.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$`
	ComponentName string `json:"name"`

	// type is the role of the component: frontend, worker, prefill, decode, planner, epp or lpx.
	// Once set it cannot change.
	// +optional
	ComponentType ComponentType `json:"type,omitempty"`

	// runtimeVersionOverride is the Dynamo runtime version (MAJOR.MINOR.PATCH, such as 1.4.0) of
	// the runtime image: the main container's, or the dynamoSidecar init container's. Dynamo's
	// admission requires it when that image's tag is not a semantic version. It does not change the
	// image; changing it may roll the component out again.
	// +optional
	// +kubebuilder:validation:Pattern=`^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$`
	RuntimeVersionOverride string `json:"runtimeVersionOverride,omitempty"`

	// globalDynamoNamespace puts the component in the shared, global Dynamo namespace instead of
	// the one derived from the graph's namespace and name.
	// +optional
	GlobalDynamoNamespace bool `json:"globalDynamoNamespace,omitempty"`

	// podTemplate is the component's pod. It must have a container named "main" with an image:
	// Dynamo merges its command, environment, ports, probes, resources and mounts into that one.
	// Other containers are the user's sidecars and must be complete. Volumes for existing claims go
	// here too (v1beta1 has no pvcs).
	// +optional
	PodTemplate *corev1.PodTemplateSpec `json:"podTemplate,omitempty"`

	// replicas is the number of replicas of the component (of engine groups, with engineGroup).
	// With scalingAdapter the DynamoGraphDeploymentScalingAdapter owns it.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Replicas *int32 `json:"replicas,omitempty"`

	// engineGroup makes each replica an independently resizable engine world (a
	// DynamoGraphDeploymentEngineGroup). Graph components only; Dynamo's admission does not accept
	// it yet.
	// +optional
	EngineGroup *ComponentEngineGroupSpec `json:"engineGroup,omitempty"`

	// minAvailable is Grove's minAvailable for the component's PodClique or PodCliqueScalingGroup:
	// the replicas gang-scheduled together, below which the gang is terminated. Grove only;
	// defaults to 1 there and cannot change after creation. At most replicas, unless replicas is 0.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MinAvailable *int32 `json:"minAvailable,omitempty"`

	// multinode spreads each replica of a worker, prefill or decode component over several pods.
	// +optional
	Multinode *MultinodeSpec `json:"multinode,omitempty"`

	// roles name the pod-producing parts of a compound component. For a multinode component they
	// are exactly leader and worker (Dynamo's admission fills in their replicas).
	// +optional
	// +listType=map
	// +listMapKey=name
	Roles []ComponentRoleSpec `json:"roles,omitempty"`

	// sharedMemorySize is the size of the memory-backed /dev/shm: absent means Dynamo's default
	// (8Gi), "0" means none.
	// +optional
	SharedMemorySize *resource.Quantity `json:"sharedMemorySize,omitempty"`

	// modelRef names the model the component serves; Dynamo then creates a headless Service for
	// discovering its endpoints.
	// +optional
	ModelRef *ModelReference `json:"modelRef,omitempty"`

	// scalingAdapter, when present (even as {}), has Dynamo create a
	// DynamoGraphDeploymentScalingAdapter that owns replicas, so that an autoscaler can scale the
	// component through the scale subresource.
	// +optional
	ScalingAdapter *ScalingAdapter `json:"scalingAdapter,omitempty"`

	// eppConfig configures the legacy Go endpoint picker; only for type epp. Deprecated upstream:
	// leave it out to run the native endpoint picker.
	// +optional
	EPPConfig *EPPConfig `json:"eppConfig,omitempty"`

	// frontendSidecar names a container of podTemplate.spec.containers that Dynamo treats as a
	// frontend sidecar, merging frontend defaults into it as it does into "main".
	// +optional
	FrontendSidecar *string `json:"frontendSidecar,omitempty"`

	// dynamoSidecar names a restartable init container (restartPolicy Always) of the pod template
	// that runs the Dynamo runtime for a worker, prefill or decode component, while "main" runs the
	// engine as written. Not with multinode, checkpoints, the GPU memory service or failover.
	// +optional
	DynamoSidecar *string `json:"dynamoSidecar,omitempty"`

	// compilationCache mounts an existing claim as the backend's compilation cache; Dynamo picks
	// the path and environment for the backend.
	// +optional
	CompilationCache *CompilationCacheConfig `json:"compilationCache,omitempty"`

	// topologyConstraint packs the component's pods within one topology domain, no wider than the
	// graph's spec.topologyConstraint.packDomain. It cannot change after creation.
	// +optional
	TopologyConstraint *TopologyConstraint `json:"topologyConstraint,omitempty"`

	// lpx configures a component of type lpx: its compiled model build and its scheduling.
	// +optional
	LPX *LPXConfig `json:"lpx,omitempty"`

	// experimental holds preview features (GPU memory service, failover, Grove options,
	// checkpoints) that upstream may change or drop between v1beta1 releases.
	// +optional
	Experimental *ExperimentalSpec `json:"experimental,omitempty"`
}

// ComponentRoleSpec is one pod-producing role of a compound component. The component's type
// decides which role names it has and how many pods each has.
type ComponentRoleSpec struct {
	// name is the role, such as leader or worker.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// replicas is the number of pods of this role in one replica of the component. For a
	// multinode component the leader has 1 and the worker multinode.nodeCount - 1, which Dynamo's
	// admission fills in when absent.
	// +optional
	// +kubebuilder:validation:Minimum=1
	Replicas *int32 `json:"replicas,omitempty"`

	// providerOverride is merged into the workload object generated for this role (graph
	// components only).
	// +optional
	ProviderOverride *ProviderOverride `json:"providerOverride,omitempty"`

	// podTemplate is a pod template for this role alone; no component type accepts one yet.
	// +optional
	PodTemplate *corev1.PodTemplateSpec `json:"podTemplate,omitempty"`
}

// MultinodeSpec spreads each replica of a component over several pods (nodes).
type MultinodeSpec struct {
	// nodeCount is the number of pods of one replica, 2 or more; the replica uses nodeCount times
	// the GPUs of the main container. It cannot change after creation.
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=2
	NodeCount int32 `json:"nodeCount"`
}

// ModelReference names the model a component serves.
type ModelReference struct {
	// name is the model's base name.
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// revision is the model's revision.
	// +optional
	Revision string `json:"revision,omitempty"`
}

// ScalingAdapter has no fields: its presence opts a component into a
// DynamoGraphDeploymentScalingAdapter.
type ScalingAdapter struct{}

// EPPConfig configures the legacy Go endpoint picker: a ConfigMap key holding its configuration,
// or the configuration itself, which Dynamo writes into a ConfigMap.
// +kubebuilder:validation:XValidation:rule="has(self.configMapRef) != has(self.config)",message="exactly one of configMapRef or config must be specified"
type EPPConfig struct {
	// configMapRef selects the ConfigMap key holding the endpoint picker's configuration.
	// +optional
	ConfigMapRef *corev1.ConfigMapKeySelector `json:"configMapRef,omitempty"`

	// config is the endpoint picker's configuration (an EndpointPickerConfig of the Gateway API
	// inference extension), kept as written.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Config *apiextensionsv1.JSON `json:"config,omitempty"`
}

// CompilationCacheConfig mounts an existing claim as a component's compilation cache.
type CompilationCacheConfig struct {
	// pvcName names a PersistentVolumeClaim in the graph's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	PVCName string `json:"pvcName"`

	// mountPath replaces the backend's default cache path.
	// +optional
	MountPath string `json:"mountPath,omitempty"`
}

// TopologyConstraint packs a component's pods within one topology domain of the graph's
// ClusterTopology.
type TopologyConstraint struct {
	// packDomain is the topology domain, a level of the graph's ClusterTopology.
	// +required
	PackDomain TopologyDomain `json:"packDomain"`
}

// ComponentEngineGroupSpec makes each replica of a component an engine world that can be resized
// on its own.
// +kubebuilder:validation:XValidation:rule="!has(self.policy) || !has(self.policy.minSize) || self.initialSize >= self.policy.minSize",message="initialSize must be greater than or equal to policy.minSize",fieldPath=".initialSize"
// +kubebuilder:validation:XValidation:rule="!has(self.policy) || !has(self.policy.maxSize) || self.initialSize <= self.policy.maxSize",message="initialSize must be less than or equal to policy.maxSize",fieldPath=".initialSize"
type ComponentEngineGroupSpec struct {
	// initialSize is the number of allocations each new world starts with (not GPUs or ranks).
	// It cannot change after it is set.
	// +required
	// +kubebuilder:validation:Minimum=1
	InitialSize int32 `json:"initialSize"`

	// policy bounds the size of each new world.
	// +optional
	Policy *ComponentEngineGroupPolicy `json:"policy,omitempty"`
}

// ComponentEngineGroupPolicy bounds the size of an engine world.
// +kubebuilder:validation:XValidation:rule="!has(self.minSize) || !has(self.maxSize) || self.minSize <= self.maxSize",message="minSize must be less than or equal to maxSize",fieldPath=".minSize"
type ComponentEngineGroupPolicy struct {
	// minSize is the smallest size of a world.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MinSize *int32 `json:"minSize,omitempty"`

	// maxSize is the largest size of a world.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxSize *int32 `json:"maxSize,omitempty"`
}

// LPXConfig configures a component of type lpx.
type LPXConfig struct {
	// buildId names the immutable compiled model build.
	// +required
	// +kubebuilder:validation:MinLength=1
	BuildID string `json:"buildId"`

	// scheduling bounds LPX scheduling attempts; absent, there is no deadline.
	// +optional
	Scheduling *LPXSchedulingSpec `json:"scheduling,omitempty"`

	// experimental holds LPX preview options.
	// +optional
	Experimental *LPXExperimentalSpec `json:"experimental,omitempty"`
}

// LPXSchedulingSpec bounds LPX scheduling attempts.
type LPXSchedulingSpec struct {
	// attemptDeadlineSeconds is how long one scheduling request may stay pending; absent means no
	// limit.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=9223372036
	AttemptDeadlineSeconds *int64 `json:"attemptDeadlineSeconds,omitempty"`
}

// LPXExperimentalSpec holds LPX preview options.
type LPXExperimentalSpec struct {
	// localPartitions selects partitions of a hybrid build that run on the conductor's own GPU
	// instead of LPUs; absent, every partition runs on LPUs.
	// +optional
	LocalPartitions *LPXLocalPartitions `json:"localPartitions,omitempty"`

	// checkpoint replaces the checkpoint a hybrid build's manifest names for the conductor.
	// +optional
	Checkpoint *LPXCheckpoint `json:"checkpoint,omitempty"`
}

// LPXLocalPartitionsMode is how localPartitions selects partitions: All or IDs.
// +kubebuilder:validation:Enum=All;IDs
type LPXLocalPartitionsMode string

// LPX local partition modes.
const (
	// LPXLocalPartitionsAll runs every partition on the conductor's GPU.
	LPXLocalPartitionsAll LPXLocalPartitionsMode = "All"
	// LPXLocalPartitionsIDs runs the partitions listed in ids on the conductor's GPU.
	LPXLocalPartitionsIDs LPXLocalPartitionsMode = "IDs"
)

// LPXLocalPartitions selects the build partitions that run on the conductor's GPU.
// +kubebuilder:validation:XValidation:rule="self.mode == 'IDs' ? has(self.ids) : !has(self.ids)",message="ids is required when mode is IDs and forbidden otherwise",fieldPath=".ids"
type LPXLocalPartitions struct {
	// mode is All (every partition) or IDs (those listed in ids).
	// +required
	Mode LPXLocalPartitionsMode `json:"mode"`

	// ids are compiler partition ids; required with mode IDs and forbidden otherwise.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:items:Minimum=0
	// +kubebuilder:validation:items:Maximum=4294967295
	IDs []int64 `json:"ids,omitempty"`
}

// LPXCheckpointProvider is where an LPX checkpoint comes from.
// +kubebuilder:validation:Enum=HuggingFace
type LPXCheckpointProvider string

// LPXCheckpointProviderHuggingFace downloads a Hugging Face Hub repository.
const LPXCheckpointProviderHuggingFace LPXCheckpointProvider = "HuggingFace"

// LPXCheckpoint names one immutable model checkpoint.
type LPXCheckpoint struct {
	// provider is the checkpoint's source; only HuggingFace.
	// +required
	Provider LPXCheckpointProvider `json:"provider"`

	// model is the Hugging Face repository id, such as openai/gpt-oss-20b.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=193
	// +kubebuilder:validation:Pattern=`^([A-Za-z0-9_]([A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?/)?[A-Za-z0-9_]([A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('--') && !self.contains('..')",message="model must not contain '--' or '..'"
	// +kubebuilder:validation:XValidation:rule="!self.endsWith('.git')",message="model must not end with '.git'"
	Model string `json:"model"`

	// revision is the full 40-character commit SHA of the repository snapshot.
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{40}$`
	Revision string `json:"revision"`
}
