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
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
)

// DynamoComponentDeploymentSharedSpec is the specification of one service of a graph. It is the
// value type of a DynamoGraphDeployment's spec.services and the inline body of a
// DynamoComponentDeployment's spec.
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
	// main or default. It selects the ports, probes and environment Dynamo injects.
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

// ScalingAdapter configures the scaling adapter Dynamo creates for a service.
type ScalingAdapter struct {
	// disable turns the scaling adapter off for this service.
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
