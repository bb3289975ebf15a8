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
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
)

// DynamoComponentDeploymentSharedSpec is the specification of one service of a graph. It is the
// value type of a DynamoGraphDeployment's spec.services and the inline body of a
// DynamoComponentDeployment's spec.
//
// +kubebuilder:validation:XValidation:rule="!has(self.minAvailable) || (has(self.replicas) && self.replicas == 0) || self.minAvailable <= (has(self.replicas) ? self.replicas : 1)",message="minAvailable must be less than or equal to replicas unless replicas is 0"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.minAvailable) || (has(self.minAvailable) && self.minAvailable == oldSelf.minAvailable)",message="minAvailable is immutable after creation"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.componentType) || (has(self.componentType) && self.componentType == oldSelf.componentType)",message="componentType is immutable after it is set"
type DynamoComponentDeploymentSharedSpec struct {
	// annotations are added to the Kubernetes objects generated for this component (Pod, Service
	// and Ingress where applicable).
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// labels are added to the Kubernetes objects generated for this component.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// serviceName is the name of this service in its graph. The graph controller sets it to the
	// key of spec.services.
	// +optional
	ServiceName string `json:"serviceName,omitempty"`

	// componentType is the role of the component: frontend, worker, prefill, decode, planner,
	// epp, lpx, main or default. It selects the ports, probes and environment Dynamo injects, and
	// cannot change once set.
	// +optional
	ComponentType string `json:"componentType,omitempty"`

	// subComponentType refines a worker's role, for example prefill or decode. Upstream graphs
	// sometimes write it as null, which is accepted.
	// +optional
	// +nullable
	SubComponentType string `json:"subComponentType,omitempty"`

	// dynamoNamespace is the Dynamo (not Kubernetes) namespace the component registers in. All
	// services of one graph that set it must agree. Deprecated upstream in favour of a computed
	// namespace, still accepted.
	// +optional
	DynamoNamespace *string `json:"dynamoNamespace,omitempty"`

	// globalDynamoNamespace places the component in the shared, global Dynamo namespace instead of
	// a per-graph one.
	// +optional
	GlobalDynamoNamespace bool `json:"globalDynamoNamespace,omitempty"`

	// resources are the CPU, memory and GPU requests and limits of one pod of this component.
	// For a multinode component they apply to each node's pod.
	// +optional
	Resources *Resources `json:"resources,omitempty"`

	// autoscaling is deprecated and ignored by Dynamo; it is accepted so that older graphs apply.
	// +optional
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`

	// envs are environment variables of the main container. They override graph-level envs of
	// the same name.
	// +optional
	Envs []corev1.EnvVar `json:"envs,omitempty"`

	// envFromSecret names a Secret whose keys become environment variables of the main container.
	// +optional
	EnvFromSecret *string `json:"envFromSecret,omitempty"`

	// volumeMounts mount persistent volume claims of the graph into the main container.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	VolumeMounts []VolumeMount `json:"volumeMounts,omitempty"`

	// pvc is the older, single-claim form of volumeMounts. Deprecated; accepted for older graphs.
	// +optional
	PVC *PVC `json:"pvc,omitempty"`

	// ingress exposes the component (usually the frontend) outside the cluster.
	// +optional
	Ingress *IngressSpec `json:"ingress,omitempty"`

	// modelRef names the model this component serves.
	// +optional
	ModelRef *ModelReference `json:"modelRef,omitempty"`

	// eppConfig is the configuration of an endpoint picker (Gateway API inference extension). Its
	// content is passed through unchanged.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	EPPConfig *runtime.RawExtension `json:"eppConfig,omitempty"`

	// sharedMemory configures the memory-backed volume mounted at /dev/shm (8Gi unless disabled).
	// +optional
	SharedMemory *SharedMemorySpec `json:"sharedMemory,omitempty"`

	// extraPodMetadata adds labels and annotations to the component's pods.
	// +optional
	ExtraPodMetadata *ExtraPodMetadata `json:"extraPodMetadata,omitempty"`

	// extraPodSpec is merged over the pod spec Dynamo generates; its mainContainer is merged over
	// the generated main container.
	// +optional
	ExtraPodSpec *ExtraPodSpec `json:"extraPodSpec,omitempty"`

	// livenessProbe replaces the default liveness probe of the main container.
	// +optional
	LivenessProbe *corev1.Probe `json:"livenessProbe,omitempty"`

	// readinessProbe replaces the default readiness probe of the main container.
	// +optional
	ReadinessProbe *corev1.Probe `json:"readinessProbe,omitempty"`

	// replicas is the number of replicas of the component. A multinode replica spans
	// multinode.nodeCount pods.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Replicas *int32 `json:"replicas,omitempty"`

	// multinode spreads each replica over several nodes (for example tensor parallelism across
	// nodes).
	// +optional
	Multinode *MultinodeSpec `json:"multinode,omitempty"`

	// scalingAdapter configures the DynamoGraphDeploymentScalingAdapter Dynamo creates for this
	// service.
	// +optional
	ScalingAdapter *ScalingAdapter `json:"scalingAdapter,omitempty"`

	// minAvailable is the number of replicas Grove must gang-schedule together, and below which
	// it terminates the gang. Only Grove-backed graphs accept it (Dynamo's admission refuses it
	// otherwise); Dynamo defaults it to 1 there. It may not exceed replicas unless replicas is
	// 0, and cannot change once set.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MinAvailable *int32 `json:"minAvailable,omitempty"`

	// runtimeVersionOverride states the Dynamo runtime version, MAJOR.MINOR.PATCH, that the main
	// image carries when its tag does not say it (a digest or a non-semver tag). It does not
	// change the image.
	// +optional
	// +kubebuilder:validation:Pattern=`^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$`
	RuntimeVersionOverride string `json:"runtimeVersionOverride,omitempty"`

	// roles configures the named pod-producing parts of a compound component, such as the leader
	// and worker of a multinode component. The component type decides which names are allowed.
	// +optional
	// +listType=map
	// +listMapKey=name
	Roles []ComponentRoleSpec `json:"roles,omitempty"`

	// providerOverride sets fields of the workload unit Grove generates for this component (a
	// PodClique template or a scaling group); only its topologyConstraint may be set. Dynamo
	// accepts it only on services of a DynamoGraphDeployment.
	// +optional
	ProviderOverride *ProviderOverride `json:"providerOverride,omitempty"`

	// topologyConstraint packs this component's pods into one domain of the cluster topology
	// named by the graph's spec.topologyConstraint. Its packDomain must be as narrow as the
	// graph's or narrower.
	// +optional
	TopologyConstraint *TopologyConstraint `json:"topologyConstraint,omitempty"`

	// gpuMemoryService runs Dynamo's GPU Memory Service with the component, which then reaches
	// its GPUs through a dynamic resource allocation claim instead of the gpu limit.
	// +optional
	GPUMemoryService *GPUMemoryServiceSpec `json:"gpuMemoryService,omitempty"`

	// failover runs standby engines beside the active one, sharing its GPUs through the GPU
	// Memory Service, so that a standby takes over when the active engine fails.
	// +optional
	Failover *FailoverSpec `json:"failover,omitempty"`

	// checkpoint makes new pods of the component start from a checkpoint of a running one
	// instead of loading the model from scratch.
	// +optional
	Checkpoint *ServiceCheckpointConfig `json:"checkpoint,omitempty"`

	// frontendSidecar adds a Dynamo frontend container to each pod of the component, with the
	// environment, probes and ports Dynamo gives a frontend (used with the Gateway API inference
	// extension).
	// +optional
	FrontendSidecar *FrontendSidecarSpec `json:"frontendSidecar,omitempty"`

	// lpx configures a component of componentType lpx: the compiled model build it serves and how
	// it is scheduled.
	// +optional
	LPX *LPXConfig `json:"lpx,omitempty"`
}

// Resources are the requests and limits of one pod of a component. Quantities are strings, as in
// Dynamo: cpu "1000m", memory "4Gi", gpu "1".
type Resources struct {
	// requests are the resources the pod is guaranteed.
	// +optional
	Requests *ResourceItem `json:"requests,omitempty"`

	// limits are the most the pod may use. For GPUs, limits.gpu is the number of GPUs per pod.
	// +optional
	Limits *ResourceItem `json:"limits,omitempty"`

	// claims are dynamic resource allocation claims of the main container.
	// +optional
	// +listType=map
	// +listMapKey=name
	Claims []corev1.ResourceClaim `json:"claims,omitempty"`
}

// ResourceItem is one set of resource quantities, every one written as a string.
// +kubebuilder:validation:XValidation:rule="!has(self.gpu) || size(self.gpu) == 0 || self.gpu.matches('^[0-9]+$')",message="gpu must be a whole number of GPUs written as a string, such as \"1\"",fieldPath=".gpu"
// +kubebuilder:validation:XValidation:rule="!has(self.cpu) || size(self.cpu) == 0 || isQuantity(self.cpu)",message="cpu must be a Kubernetes quantity such as \"500m\" or \"2\"",fieldPath=".cpu"
// +kubebuilder:validation:XValidation:rule="!has(self.memory) || size(self.memory) == 0 || isQuantity(self.memory)",message="memory must be a Kubernetes quantity such as \"4Gi\"",fieldPath=".memory"
type ResourceItem struct {
	// cpu is a CPU quantity such as "1000m" or "2".
	// +optional
	// +kubebuilder:validation:MaxLength=64
	CPU string `json:"cpu,omitempty"`

	// memory is a memory quantity such as "4Gi".
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Memory string `json:"memory,omitempty"`

	// gpu is the number of GPUs, as a string ("1"). For a multinode component it is the number per
	// node.
	// +optional
	// +kubebuilder:validation:MaxLength=8
	GPU string `json:"gpu,omitempty"`

	// gpuType is the extended resource name of the GPUs; the default is nvidia.com/gpu.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	GPUType string `json:"gpuType,omitempty"`

	// custom holds further extended resources by name, as quantity strings.
	// +optional
	Custom map[string]string `json:"custom,omitempty"`
}

// PVC is a persistent volume claim of a graph: either an existing claim (name only) or one Dynamo
// creates (create: true with storageClass, size and volumeAccessMode).
// +kubebuilder:validation:XValidation:rule="!has(self.create) || !self.create || (has(self.storageClass) && size(self.storageClass) > 0)",message="storageClass is required when create is true",fieldPath=".storageClass"
// +kubebuilder:validation:XValidation:rule="!has(self.create) || !self.create || has(self.size)",message="size is required when create is true",fieldPath=".size"
// +kubebuilder:validation:XValidation:rule="!has(self.create) || !self.create || (has(self.volumeAccessMode) && size(self.volumeAccessMode) > 0)",message="volumeAccessMode is required when create is true",fieldPath=".volumeAccessMode"
type PVC struct {
	// create asks Dynamo to create the claim; otherwise it must already exist.
	// +optional
	Create *bool `json:"create,omitempty"`

	// name is the name of the claim.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name *string `json:"name,omitempty"`

	// storageClass is the storage class of a claim to create.
	// +optional
	StorageClass string `json:"storageClass,omitempty"`

	// size is the requested size of a claim to create.
	// +optional
	Size resource.Quantity `json:"size,omitempty,omitzero"`

	// volumeAccessMode is the access mode of a claim to create, such as ReadWriteMany.
	// +optional
	VolumeAccessMode corev1.PersistentVolumeAccessMode `json:"volumeAccessMode,omitempty"`
}

// VolumeMount mounts one of the graph's claims into the main container.
// +kubebuilder:validation:XValidation:rule="(has(self.useAsCompilationCache) && self.useAsCompilationCache) || (has(self.mountPoint) && size(self.mountPoint) > 0)",message="mountPoint is required unless useAsCompilationCache is true",fieldPath=".mountPoint"
type VolumeMount struct {
	// name is the name of the claim to mount.
	// +optional
	Name string `json:"name,omitempty"`

	// mountPoint is the path in the container. It may be omitted when useAsCompilationCache is
	// true: the backend's default cache directory is used.
	// +optional
	MountPoint string `json:"mountPoint,omitempty"`

	// useAsCompilationCache marks the volume as the backend's compilation cache.
	// +optional
	UseAsCompilationCache bool `json:"useAsCompilationCache,omitempty"`
}

// SharedMemorySpec configures the memory-backed /dev/shm volume.
// +kubebuilder:validation:XValidation:rule="(has(self.disabled) && self.disabled) || has(self.size)",message="size is required unless disabled is true",fieldPath=".size"
type SharedMemorySpec struct {
	// disabled removes the shared memory volume.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// size is the size limit of the shared memory volume.
	// +optional
	Size resource.Quantity `json:"size,omitempty,omitzero"`
}

// ExtraPodMetadata adds labels and annotations to a component's pods.
type ExtraPodMetadata struct {
	// annotations are added to the pods.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// labels are added to the pods.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
}

// ExtraPodSpec is a pod spec merged over the one Dynamo generates, plus mainContainer, merged over
// the generated main container. Neither needs the fields Kubernetes requires of a full pod
// (containers, a container name): Dynamo supplies them.
type ExtraPodSpec struct {
	*corev1.PodSpec `json:",inline"`

	// mainContainer is merged over the main container Dynamo generates (named "main").
	// +optional
	MainContainer *corev1.Container `json:"mainContainer,omitempty"`
}

// MultinodeSpec spreads each replica of a component over several nodes.
type MultinodeSpec struct {
	// nodeCount is the number of nodes (pods) per replica, at least 2.
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=1024
	NodeCount int32 `json:"nodeCount"`

	// leader configures the workload unit generated for the leader of each replica. An earlier
	// form of roles, accepted for graphs written for it.
	// +optional
	Leader *MultinodeRoleSpec `json:"leader,omitempty"`

	// worker configures the workload unit generated for the workers of each replica. An earlier
	// form of roles, accepted for graphs written for it.
	// +optional
	Worker *MultinodeRoleSpec `json:"worker,omitempty"`
}

// MultinodeRoleSpec configures the unit generated for the leader or the workers of a multinode
// component.
type MultinodeRoleSpec struct {
	// providerOverride sets fields of the PodClique template Grove generates for this part; only
	// its topologyConstraint may be set.
	// +optional
	ProviderOverride *ProviderOverride `json:"providerOverride,omitempty"`
}

// IngressSpec exposes a component outside the cluster through an Ingress or an Istio
// VirtualService.
// +kubebuilder:validation:XValidation:rule="!has(self.enabled) || !self.enabled || (has(self.host) && size(self.host) > 0)",message="host is required when ingress is enabled",fieldPath=".host"
type IngressSpec struct {
	// enabled turns the ingress on.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// host is the host name, before hostPrefix and hostSuffix are applied.
	// +optional
	Host string `json:"host,omitempty"`

	// useVirtualService exposes the component through an Istio VirtualService instead of an
	// Ingress.
	// +optional
	UseVirtualService bool `json:"useVirtualService,omitempty"`

	// virtualServiceGateway is the Istio gateway of the VirtualService.
	// +optional
	VirtualServiceGateway *string `json:"virtualServiceGateway,omitempty"`

	// hostPrefix is prepended to host.
	// +optional
	HostPrefix *string `json:"hostPrefix,omitempty"`

	// annotations are added to the Ingress.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// labels are added to the Ingress.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// tls configures TLS for the host.
	// +optional
	TLS *IngressTLSSpec `json:"tls,omitempty"`

	// hostSuffix is appended to host; the default is "local".
	// +optional
	HostSuffix *string `json:"hostSuffix,omitempty"`

	// ingressControllerClassName is the ingress class. Without it no Ingress is created.
	// +optional
	IngressControllerClassName *string `json:"ingressControllerClassName,omitempty"`
}

// IngressTLSSpec configures TLS of an ingress.
type IngressTLSSpec struct {
	// secretName is the Secret holding the certificate and key.
	// +optional
	SecretName string `json:"secretName,omitempty"`
}

// ModelReference names a model served by a component.
type ModelReference struct {
	// name is the model's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// revision is the model's revision.
	// +optional
	Revision string `json:"revision,omitempty"`
}

// ScalingAdapter configures the DynamoGraphDeploymentScalingAdapter of a service or component
// group. With it, the adapter owns replicas and autoscalers scale through its scale subresource.
type ScalingAdapter struct {
	// enabled creates the adapter. It is false by default, so an empty scalingAdapter leaves the
	// adapter off.
	// +optional
	// +kubebuilder:default=false
	Enabled bool `json:"enabled,omitempty"`

	// disable is the earlier, opt-out form of enabled (older Dynamo versions created the adapter
	// unless disable was true). Accepted for graphs written for them.
	// +optional
	Disable bool `json:"disable,omitempty"`
}

// Autoscaling is Dynamo's deprecated horizontal autoscaling configuration. It is accepted and
// ignored.
type Autoscaling struct {
	// enabled turns autoscaling on.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// minReplicas is the lower bound of replicas.
	// +optional
	MinReplicas int `json:"minReplicas,omitempty"`

	// maxReplicas is the upper bound of replicas.
	// +optional
	MaxReplicas int `json:"maxReplicas,omitempty"`

	// behavior configures scaling up and down.
	// +optional
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`

	// metrics are the metrics to scale on.
	// +optional
	Metrics []autoscalingv2.MetricSpec `json:"metrics,omitempty"`
}

// ProviderOverride is a sparse fragment of the schema of the workload provider (Grove) that
// Dynamo merges into the object it generates at this place in the graph. Dynamo accepts only
// apiVersion grove.io/v1alpha1 and only the topologyConstraint of the target.
type ProviderOverride struct {
	// apiVersion is the API group and version of the provider schema, grove.io/v1alpha1 for
	// Grove.
	// +required
	// +kubebuilder:validation:MinLength=1
	APIVersion string `json:"apiVersion"`

	// target names the provider kind or embedded schema the value applies to: PodCliqueSet,
	// PodCliqueTemplateSpec or PodCliqueScalingGroupConfig. Dynamo's admission fills it in when
	// the place in the graph allows only one.
	// +optional
	Target string `json:"target,omitempty"`

	// value is the fragment, kept as written.
	// +required
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Value apiextensionsv1.JSON `json:"value"`
}

// ComponentRoleSpec configures one named part of a compound component that produces pods, such
// as the leader or the workers of a multinode component.
type ComponentRoleSpec struct {
	// name is the role, for example leader or worker; the component type decides which names
	// are allowed.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// replicas is how many pods of this role one instance of the component has. For a
	// multinode component Dynamo requires 1 for the leader and nodeCount-1 for the worker, and
	// fills them in when left out.
	// +optional
	// +kubebuilder:validation:Minimum=1
	Replicas *int32 `json:"replicas,omitempty"`

	// providerOverride sets fields of the workload unit generated for this role; only its
	// topologyConstraint may be set.
	// +optional
	ProviderOverride *ProviderOverride `json:"providerOverride,omitempty"`

	// podTemplate is a pod template for this role alone. No component type accepts one yet.
	// The schema keeps it unvalidated (it would double the size of the CRD); Dynamo's admission
	// refuses it.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *corev1.PodTemplateSpec `json:"podTemplate,omitempty"`
}

// GPUMemoryServiceMode is where the GPU Memory Service runs: in the component's pod (intraPod) or
// in a pod of its own per rank (interPod).
// +kubebuilder:validation:Enum=intraPod;interPod
type GPUMemoryServiceMode string

// GPU Memory Service modes.
const (
	// GPUMemoryServiceModeIntraPod runs the GPU Memory Service as a sidecar of the component's pod.
	GPUMemoryServiceModeIntraPod GPUMemoryServiceMode = "intraPod"
	// GPUMemoryServiceModeInterPod runs the GPU Memory Service in a weight-server pod per rank,
	// shared by engine pods through dynamic resource allocation.
	GPUMemoryServiceModeInterPod GPUMemoryServiceMode = "interPod"
)

// GPUMemoryServiceSpec configures Dynamo's GPU Memory Service (GMS) for a worker component.
// +kubebuilder:validation:XValidation:rule="!has(self.extraClientContainers) || size(self.extraClientContainers) == 0 || self.mode == 'intraPod'",message="extraClientContainers is only supported with mode=intraPod"
// +kubebuilder:validation:XValidation:rule="!has(self.extraClientPods) || size(self.extraClientPods) == 0 || self.mode == 'interPod'",message="extraClientPods is only supported with mode=interPod"
// +kubebuilder:validation:XValidation:rule="!has(self.extraClientPods) || size(self.extraClientPods) == 0",message="extraClientPods is reserved for inter-pod GMS and is not implemented yet"
type GPUMemoryServiceSpec struct {
	// enabled turns the GPU Memory Service on: the GPUs of its client containers are then
	// requested through a shared dynamic resource allocation claim.
	// +required
	Enabled bool `json:"enabled"`

	// mode is where the service runs, intraPod by default.
	// +optional
	// +kubebuilder:default=intraPod
	Mode GPUMemoryServiceMode `json:"mode,omitempty"`

	// deviceClassName is the DeviceClass the GPUs are claimed from, gpu.nvidia.com by default.
	// +optional
	// +kubebuilder:default="gpu.nvidia.com"
	DeviceClassName string `json:"deviceClassName,omitempty"`

	// extraClientContainers names further containers of the pod, declared by the user, that
	// become clients of the service. Only with mode intraPod.
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	ExtraClientContainers []string `json:"extraClientContainers,omitempty"`

	// extraClientPods declares further client pods for mode interPod. Reserved: Dynamo refuses
	// it until it is implemented.
	// +optional
	// +listType=map
	// +listMapKey=name
	ExtraClientPods []GMSClientPodSpec `json:"extraClientPods,omitempty"`
}

// GMSClientPodSpec declares one further client pod of an inter-pod GPU Memory Service.
type GMSClientPodSpec struct {
	// name identifies the client pod.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// podTemplate is the client pod, kept unvalidated as in Dynamo.
	// +required
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate corev1.PodTemplateSpec `json:"podTemplate"`
}

// FailoverSpec configures active-passive failover of a worker component's engine.
type FailoverSpec struct {
	// enabled turns failover on. With mode intraPod the main container is cloned into an active
	// and a standby engine container; it needs gpuMemoryService and the graph annotation
	// nvidia.com/dynamo-kube-discovery-mode: container.
	// +required
	Enabled bool `json:"enabled"`

	// mode is intraPod (engine containers in one pod) or interPod (a weight-server pod and
	// engine pods per rank, Grove only); it must match gpuMemoryService.mode. intraPod by
	// default.
	// +optional
	// +kubebuilder:default=intraPod
	Mode GPUMemoryServiceMode `json:"mode,omitempty"`

	// numShadows is the number of standby engines per rank, 1 by default. Only interPod may use
	// more than 1.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	NumShadows int32 `json:"numShadows,omitempty"`
}

// CheckpointMode is the deprecated way of choosing who creates a checkpoint.
// +kubebuilder:validation:Enum=Auto;Manual
type CheckpointMode string

// Checkpoint modes (deprecated).
const (
	// CheckpointModeAuto let Dynamo create the checkpoint.
	CheckpointModeAuto CheckpointMode = "Auto"
	// CheckpointModeManual expected the user to create the checkpoint.
	CheckpointModeManual CheckpointMode = "Manual"
)

// CheckpointStartupPolicy says when the worker replicas of a component start relative to its
// automatic checkpoint becoming ready.
// +kubebuilder:validation:Enum=Immediate;WaitForCheckpoint
type CheckpointStartupPolicy string

// Checkpoint startup policies.
const (
	// CheckpointStartupPolicyImmediate starts workers cold at once; pods created after the
	// checkpoint is ready restore it.
	CheckpointStartupPolicyImmediate CheckpointStartupPolicy = "Immediate"
	// CheckpointStartupPolicyWaitForCheckpoint keeps worker replicas at zero until the checkpoint
	// is ready.
	CheckpointStartupPolicyWaitForCheckpoint CheckpointStartupPolicy = "WaitForCheckpoint"
)

// CheckpointDeletionPolicy says what happens to a graph's automatic checkpoint when the graph is
// deleted.
// +kubebuilder:validation:Enum=Delete;Retain
type CheckpointDeletionPolicy string

// Checkpoint deletion policies.
const (
	// CheckpointDeletionPolicyDelete deletes the automatic checkpoint with its graph.
	CheckpointDeletionPolicyDelete CheckpointDeletionPolicy = "Delete"
	// CheckpointDeletionPolicyRetain keeps the automatic checkpoint after its graph is deleted.
	CheckpointDeletionPolicyRetain CheckpointDeletionPolicy = "Retain"
)

// ServiceCheckpointConfig configures checkpoint and restore for a service: new pods restore a
// snapshot of a running one instead of starting cold.
// +kubebuilder:validation:XValidation:rule="!has(self.job) || !has(self.checkpointRef) || size(self.checkpointRef) == 0",message="checkpoint.job cannot be set when checkpointRef is specified"
type ServiceCheckpointConfig struct {
	// enabled turns checkpointing on: without checkpointRef Dynamo captures a checkpoint of its
	// own; with it, pods restore the named snapshot.
	// +optional
	// +kubebuilder:default=false
	Enabled bool `json:"enabled,omitempty"`

	// mode is deprecated; enabled and checkpointRef replace it.
	// +optional
	Mode CheckpointMode `json:"mode,omitempty"`

	// startupPolicy is Immediate (workers start cold and later pods restore once the checkpoint
	// is ready; the default) or WaitForCheckpoint (no worker replica starts before it is ready).
	// +optional
	// +kubebuilder:default=Immediate
	StartupPolicy CheckpointStartupPolicy `json:"startupPolicy,omitempty"`

	// deletionPolicy is Delete (the default) or Retain: whether an automatic checkpoint goes with
	// the graph. A checkpoint named by checkpointRef is never deleted with the graph.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy CheckpointDeletionPolicy `json:"deletionPolicy,omitempty"`

	// checkpointRef names an existing snapshot in the graph's namespace to restore; identity is
	// then ignored.
	// +optional
	CheckpointRef *string `json:"checkpointRef,omitempty"`

	// identity is the deprecated description of the checkpoint, from which older Dynamo versions
	// computed its hash. Dynamo ignores it now.
	// +optional
	Identity *DynamoCheckpointIdentity `json:"identity,omitempty"`

	// targetContainerName is the container snapshotted and restored, main by default.
	// +optional
	// +kubebuilder:default=main
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	TargetContainerName string `json:"targetContainerName,omitempty"`

	// job customizes the pod Dynamo runs to capture an automatic checkpoint. Not allowed with
	// checkpointRef.
	// +optional
	Job *ServiceCheckpointJobConfig `json:"job,omitempty"`
}

// ServiceCheckpointJobConfig customizes the capture pod of a service's automatic checkpoint.
type ServiceCheckpointJobConfig struct {
	// gmsClientContainers names containers of the capture pod that become GPU Memory Service
	// clients. Needs gpuMemoryService on the service.
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	GMSClientContainers []string `json:"gmsClientContainers,omitempty"`

	// podTemplate is merged over the capture pod Dynamo builds from the workload, for example to
	// add helper containers. Kept unvalidated, as in Dynamo.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *corev1.PodTemplateSpec `json:"podTemplate,omitempty"`
}

// DynamoCheckpointIdentity is the deprecated description of a checkpoint. Dynamo ignores it; it
// is accepted for graphs written for older versions.
type DynamoCheckpointIdentity struct {
	// model is the model, for example meta-llama/Llama-3-70B.
	// +required
	Model string `json:"model"`

	// backendFramework is the backend: vllm, sglang or trtllm.
	// +required
	// +kubebuilder:validation:Enum=vllm;sglang;trtllm
	BackendFramework string `json:"backendFramework"`

	// dynamoVersion is the Dynamo version.
	// +optional
	DynamoVersion string `json:"dynamoVersion,omitempty"`

	// tensorParallelSize is the tensor parallel size, 1 by default.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	TensorParallelSize int32 `json:"tensorParallelSize,omitempty"`

	// pipelineParallelSize is the pipeline parallel size, 1 by default.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	PipelineParallelSize int32 `json:"pipelineParallelSize,omitempty"`

	// dtype is the data type, such as fp16, bf16 or fp8.
	// +optional
	Dtype string `json:"dtype,omitempty"`

	// maxModelLen is the maximum sequence length.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxModelLen int32 `json:"maxModelLen,omitempty"`

	// extraParameters are further parameters of the checkpoint.
	// +optional
	ExtraParameters map[string]string `json:"extraParameters,omitempty"`
}

// FrontendSidecarSpec describes the frontend container Dynamo adds to a component's pods.
type FrontendSidecarSpec struct {
	// image is the frontend container's image.
	// +required
	Image string `json:"image"`

	// args replace the frontend's default arguments (-m dynamo.frontend) entirely.
	// +optional
	Args []string `json:"args,omitempty"`

	// envs are environment variables of the frontend container; they win over the ones Dynamo
	// generates.
	// +optional
	Envs []corev1.EnvVar `json:"envs,omitempty"`

	// envFromSecret names a Secret whose keys become environment variables of the frontend
	// container.
	// +optional
	EnvFromSecret *string `json:"envFromSecret,omitempty"`
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
