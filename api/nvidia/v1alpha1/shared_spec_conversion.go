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
	"slices"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// The component spec is where the two versions differ most. v1alpha1 describes a component's pod
// through a dozen dedicated fields (resources, envs, envFromSecret, probes, volumeMounts,
// extraPodMetadata, extraPodSpec with its mainContainer, frontendSidecar); v1beta1 has one
// podTemplate whose container "main" receives them. This file converts the fields both versions
// share; podtemplate_conversion.go composes and decomposes the pod template;
// shared_spec_preservation.go (v1alpha1 to v1beta1) and hub_only_preservation.go (v1beta1 to
// v1alpha1) decide what each direction keeps in the payload and how it is put back.

const (
	// mainContainerName is the container of a v1beta1 pod template that runs the component.
	mainContainerName = "main"

	// frontendSidecarContainerName is the container a v1alpha1 frontendSidecar becomes.
	frontendSidecarContainerName = "sidecar-frontend"

	// defaultGPUResource is the resource a v1alpha1 gpu count stands for when gpuType is empty.
	defaultGPUResource = corev1.ResourceName("nvidia.com/gpu")
)

// sharedSpecToHubOptions tells the alpha-to-hub conversion of one component what it cannot see
// from the component alone.
type sharedSpecToHubOptions struct {
	// saveMainContainerOrigins records, for every main-container field, whether it came from a
	// dedicated v1alpha1 field or from extraPodSpec.mainContainer. It is set when the object
	// was written in v1alpha1 (no hub payload came with it): the hub's pod template merges the
	// two and could not tell them apart on the way back.
	saveMainContainerOrigins bool

	// hubHadPodTemplate is set when the hub payload shows that the component had a pod
	// template in v1beta1; one is then built even if no v1alpha1 field asks for it.
	hubHadPodTemplate bool
}

// sharedSpecToHub converts one component from v1alpha1 to v1beta1. restored is the component's
// entry in the hub payload (nil when there is none); fields only v1beta1 has are taken from it.
// save, when not nil, receives the v1alpha1 fields v1beta1 cannot hold.
func sharedSpecToHub(src *DynamoComponentDeploymentSharedSpec, dst *nvidiav1beta1.DynamoComponentDeploymentSharedSpec,
	restored *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, save *DynamoComponentDeploymentSharedSpec, opts sharedSpecToHubOptions) error {
	if src.ProviderOverride != nil {
		dst.ProviderOverride = &nvidiav1beta1.ProviderOverride{}
		providerOverrideToHub(src.ProviderOverride, dst.ProviderOverride)
	}
	dst.ComponentType = componentTypeToHub(src)
	// The caller replaces the name: a graph uses its services key, a component its object name
	// when serviceName is empty.
	dst.ComponentName = src.ServiceName
	dst.RuntimeVersionOverride = src.RuntimeVersionOverride
	dst.GlobalDynamoNamespace = src.GlobalDynamoNamespace
	dst.Replicas = src.Replicas
	dst.MinAvailable = src.MinAvailable
	if src.Multinode != nil {
		dst.Multinode = &nvidiav1beta1.MultinodeSpec{}
		multinodeToHub(src.Multinode, dst.Multinode)
	}
	if src.Roles != nil {
		dst.Roles = make([]nvidiav1beta1.ComponentRoleSpec, len(src.Roles))
		for i := range src.Roles {
			componentRoleToHub(&src.Roles[i], &dst.Roles[i])
		}
	}
	if src.ModelRef != nil {
		dst.ModelRef = &nvidiav1beta1.ModelReference{Name: src.ModelRef.Name, Revision: src.ModelRef.Revision}
	}
	if src.TopologyConstraint != nil {
		dst.TopologyConstraint = &nvidiav1beta1.TopologyConstraint{
			PackDomain: nvidiav1beta1.TopologyDomain(src.TopologyConstraint.PackDomain),
		}
	}
	if src.EPPConfig != nil {
		dst.EPPConfig = eppConfigToHub(src.EPPConfig)
	}
	if src.LPX != nil {
		dst.LPX = &nvidiav1beta1.LPXConfig{}
		lpxToHub(src.LPX, dst.LPX)
	}

	// sharedMemory {disabled, size} becomes one quantity, "0" meaning disabled. A block that
	// sets neither says nothing v1beta1 can hold; it is kept in the payload.
	if shm := src.SharedMemory; shm != nil && (shm.Disabled || !shm.Size.IsZero()) {
		size := shm.Size
		if shm.Disabled {
			size = resource.MustParse("0")
		}
		dst.SharedMemorySize = &size
	}

	// The first volume mount flagged as compilation cache becomes compilationCache. Its mount
	// also goes into the main container with all the others (see mainContainerFromDedicated).
	for _, mount := range src.VolumeMounts {
		if mount.UseAsCompilationCache {
			dst.CompilationCache = &nvidiav1beta1.CompilationCacheConfig{PVCName: mount.Name, MountPath: mount.MountPoint}
			break
		}
	}

	// v1beta1 marks an enabled scaling adapter by the presence of an empty object.
	if src.ScalingAdapter != nil && src.ScalingAdapter.Enabled {
		dst.ScalingAdapter = &nvidiav1beta1.ScalingAdapter{}
	}

	experimentalToHub(src, dst)

	podTemplate, err := podTemplateFromAlpha(src, opts.hubHadPodTemplate)
	if err != nil {
		return err
	}
	if podTemplate != nil {
		if src.FrontendSidecar != nil {
			dst.FrontendSidecar = ptr.To(frontendSidecarContainerName)
		}
		dst.PodTemplate = podTemplate
	}

	if err := restoreHubOnlyFields(dst, restored, src); err != nil {
		return err
	}
	if save != nil {
		saveAlphaOnlyFields(src, save, opts.saveMainContainerOrigins)
	}
	return nil
}

// sharedSpecFromHub converts one component from v1beta1 to v1alpha1. restored is the
// component's entry in the alpha payload (nil when there is none); fields only v1alpha1 has are
// taken from it. save, when not nil, receives the v1beta1 fields v1alpha1 cannot hold.
func sharedSpecFromHub(src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, dst *DynamoComponentDeploymentSharedSpec,
	restored *DynamoComponentDeploymentSharedSpec, save *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) error {
	if src.ProviderOverride != nil {
		dst.ProviderOverride = &ProviderOverride{}
		providerOverrideFromHub(src.ProviderOverride, dst.ProviderOverride)
	}
	dst.ComponentType, dst.SubComponentType = componentTypeFromHub(src.ComponentType)
	dst.GlobalDynamoNamespace = src.GlobalDynamoNamespace
	dst.Replicas = src.Replicas
	dst.MinAvailable = src.MinAvailable
	if src.Multinode != nil {
		dst.Multinode = &MultinodeSpec{}
		multinodeFromHub(src.Multinode, dst.Multinode)
	}
	if src.Roles != nil {
		dst.Roles = make([]ComponentRoleSpec, len(src.Roles))
		for i := range src.Roles {
			componentRoleFromHub(&src.Roles[i], &dst.Roles[i])
		}
	}
	if src.ModelRef != nil {
		dst.ModelRef = &ModelReference{Name: src.ModelRef.Name, Revision: src.ModelRef.Revision}
	}
	if src.TopologyConstraint != nil {
		dst.TopologyConstraint = &TopologyConstraint{PackDomain: TopologyDomain(src.TopologyConstraint.PackDomain)}
	}
	if src.EPPConfig != nil {
		dst.EPPConfig = eppConfigFromHub(src.EPPConfig)
	}
	if src.LPX != nil {
		dst.LPX = &LPXConfig{}
		lpxFromHub(src.LPX, dst.LPX)
	}
	dst.RuntimeVersionOverride = src.RuntimeVersionOverride
	dst.ServiceName = src.ComponentName

	if size := src.SharedMemorySize; size != nil {
		// A zero size is v1alpha1's disabled. The API server decides whether the generation
		// moves by comparing specs with reflect.DeepEqual, so the converted spec must equal its
		// own JSON round trip. Flotilla's v1alpha1 omits a zero size from JSON, which reads
		// back as a bare Quantity{}; so a disabled block carries exactly that. (Upstream's
		// v1alpha1 writes "0" and reads back the parsed quantity, so upstream carries the
		// hub's quantity instead.)
		if size.Sign() == 0 {
			dst.SharedMemory = &SharedMemorySpec{Disabled: true}
		} else {
			dst.SharedMemory = &SharedMemorySpec{Size: *size}
		}
	}

	// compilationCache becomes a flagged volume mount, the first of the list; the main
	// container's other mounts follow from the pod template.
	if cc := src.CompilationCache; cc != nil {
		dst.VolumeMounts = []VolumeMount{{Name: cc.PVCName, MountPoint: cc.MountPath, UseAsCompilationCache: true}}
	}

	experimentalFromHub(src, dst)

	if src.ScalingAdapter != nil {
		dst.ScalingAdapter = &ScalingAdapter{Enabled: true}
	}

	// An eppConfig kept in the payload because v1beta1 could not hold all of it comes back
	// while the live one is still what it converts to.
	if restored != nil && restored.EPPConfig != nil && src.EPPConfig != nil && equalSemantic(eppConfigToHub(restored.EPPConfig), src.EPPConfig) {
		dst.EPPConfig = restored.EPPConfig.DeepCopy()
	}

	decomposePodTemplate(src, dst, restored)

	// Put back what only v1alpha1 can say. The compilation-cache flags come first so that no
	// cache mount is mistaken for a main-container mount when origins are matched.
	restoreCompilationCacheFlags(dst, restored, src)
	restoreAlphaOnlyFields(dst, restored, src)
	restoreFlatMounts(dst, restored, src)
	pruneEmptyExtraPodSpec(dst, restored)

	if save != nil {
		return saveHubOnlyFields(src, dst, save)
	}
	return nil
}

// componentTypeToHub returns the v1beta1 type of a v1alpha1 component: a worker whose
// subComponentType is prefill or decode becomes that type; any other componentType is carried
// over as it is, including legacy values outside the v1beta1 enum.
func componentTypeToHub(src *DynamoComponentDeploymentSharedSpec) nvidiav1beta1.ComponentType {
	if subComponentTypePromotes(src) {
		return nvidiav1beta1.ComponentType(src.SubComponentType)
	}
	return nvidiav1beta1.ComponentType(src.ComponentType)
}

// componentTypeFromHub splits a v1beta1 type back into v1alpha1's componentType and
// subComponentType.
func componentTypeFromHub(t nvidiav1beta1.ComponentType) (componentType, subComponentType string) {
	switch t {
	case nvidiav1beta1.ComponentTypePrefill, nvidiav1beta1.ComponentTypeDecode:
		return string(nvidiav1beta1.ComponentTypeWorker), string(t)
	default:
		return string(t), ""
	}
}

// subComponentTypePromotes reports whether a v1alpha1 component is a worker whose
// subComponentType is one of the v1beta1 types prefill and decode.
func subComponentTypePromotes(src *DynamoComponentDeploymentSharedSpec) bool {
	return src.ComponentType == string(nvidiav1beta1.ComponentTypeWorker) &&
		(src.SubComponentType == string(nvidiav1beta1.ComponentTypePrefill) ||
			src.SubComponentType == string(nvidiav1beta1.ComponentTypeDecode))
}

// providerOverrideToHub copies a provider override; its value is opaque to the conversion.
func providerOverrideToHub(src *ProviderOverride, dst *nvidiav1beta1.ProviderOverride) {
	*dst = nvidiav1beta1.ProviderOverride{APIVersion: src.APIVersion, Target: src.Target, Value: src.Value}
}

// providerOverrideFromHub is the inverse of providerOverrideToHub.
func providerOverrideFromHub(src *nvidiav1beta1.ProviderOverride, dst *ProviderOverride) {
	*dst = ProviderOverride{APIVersion: src.APIVersion, Target: src.Target, Value: src.Value}
}

func multinodeToHub(src *MultinodeSpec, dst *nvidiav1beta1.MultinodeSpec) {
	*dst = nvidiav1beta1.MultinodeSpec{NodeCount: src.NodeCount}
}

func multinodeFromHub(src *nvidiav1beta1.MultinodeSpec, dst *MultinodeSpec) {
	*dst = MultinodeSpec{NodeCount: src.NodeCount}
}

func componentRoleToHub(src *ComponentRoleSpec, dst *nvidiav1beta1.ComponentRoleSpec) {
	*dst = nvidiav1beta1.ComponentRoleSpec{Name: src.Name, Replicas: copyPtr(src.Replicas), PodTemplate: src.PodTemplate.DeepCopy()}
	if src.ProviderOverride != nil {
		dst.ProviderOverride = &nvidiav1beta1.ProviderOverride{}
		providerOverrideToHub(src.ProviderOverride, dst.ProviderOverride)
	}
}

func componentRoleFromHub(src *nvidiav1beta1.ComponentRoleSpec, dst *ComponentRoleSpec) {
	*dst = ComponentRoleSpec{Name: src.Name, Replicas: copyPtr(src.Replicas), PodTemplate: src.PodTemplate.DeepCopy()}
	if src.ProviderOverride != nil {
		dst.ProviderOverride = &ProviderOverride{}
		providerOverrideFromHub(src.ProviderOverride, dst.ProviderOverride)
	}
}

// experimentalToHub gathers v1alpha1's GPU memory service, failover and checkpoint settings
// into v1beta1's experimental block. v1beta1 marks the first two as enabled by their presence,
// so disabled ones are left out (and kept in the payload); checkpoint has an enabled field of
// its own in both versions.
func experimentalToHub(src *DynamoComponentDeploymentSharedSpec, dst *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
	var exp *nvidiav1beta1.ExperimentalSpec
	ensure := func() *nvidiav1beta1.ExperimentalSpec {
		if exp == nil {
			exp = &nvidiav1beta1.ExperimentalSpec{}
		}
		return exp
	}
	if gms := src.GPUMemoryService; gms != nil && gms.Enabled {
		ensure().GPUMemoryService = &nvidiav1beta1.GPUMemoryServiceSpec{
			Mode:                  gmsModeToHub(gms.Mode),
			DeviceClassName:       gms.DeviceClassName,
			ExtraClientContainers: slices.Clone(gms.ExtraClientContainers),
		}
		if len(gms.ExtraClientPods) > 0 {
			exp.GPUMemoryService.ExtraClientPods = make([]nvidiav1beta1.GMSClientPodSpec, len(gms.ExtraClientPods))
			for i, pod := range gms.ExtraClientPods {
				exp.GPUMemoryService.ExtraClientPods[i] = nvidiav1beta1.GMSClientPodSpec{Name: pod.Name, PodTemplate: *pod.PodTemplate.DeepCopy()}
			}
		}
	}
	if fo := src.Failover; fo != nil && fo.Enabled {
		ensure().Failover = &nvidiav1beta1.FailoverSpec{Mode: gmsModeToHub(fo.Mode), NumShadows: fo.NumShadows}
	}
	if cp := src.Checkpoint; cp != nil {
		ensure().Checkpoint = &nvidiav1beta1.ComponentCheckpointConfig{}
		checkpointToHub(cp, exp.Checkpoint)
	}
	dst.Experimental = exp
}

// experimentalFromHub spreads v1beta1's experimental block over v1alpha1's fields. The grove
// settings have no v1alpha1 field and go to the payload.
func experimentalFromHub(src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, dst *DynamoComponentDeploymentSharedSpec) {
	exp := src.Experimental
	if exp == nil {
		return
	}
	if gms := exp.GPUMemoryService; gms != nil {
		dst.GPUMemoryService = &GPUMemoryServiceSpec{
			Enabled:               true,
			Mode:                  gmsModeFromHub(gms.Mode),
			DeviceClassName:       gms.DeviceClassName,
			ExtraClientContainers: slices.Clone(gms.ExtraClientContainers),
		}
		if len(gms.ExtraClientPods) > 0 {
			dst.GPUMemoryService.ExtraClientPods = make([]GMSClientPodSpec, len(gms.ExtraClientPods))
			for i, pod := range gms.ExtraClientPods {
				dst.GPUMemoryService.ExtraClientPods[i] = GMSClientPodSpec{Name: pod.Name, PodTemplate: *pod.PodTemplate.DeepCopy()}
			}
		}
	}
	if fo := exp.Failover; fo != nil {
		dst.Failover = &FailoverSpec{Enabled: true, Mode: gmsModeFromHub(fo.Mode), NumShadows: fo.NumShadows}
	}
	if cp := exp.Checkpoint; cp != nil {
		dst.Checkpoint = &ServiceCheckpointConfig{}
		checkpointFromHub(cp, dst.Checkpoint)
	}
}

// gmsModeToHub maps v1alpha1's GPU memory service modes (intraPod, interPod) to v1beta1's
// (IntraPod, InterPod); other values are carried over as they are.
func gmsModeToHub(mode GPUMemoryServiceMode) nvidiav1beta1.GPUMemoryServiceMode {
	switch mode {
	case GPUMemoryServiceModeIntraPod:
		return nvidiav1beta1.GMSModeIntraPod
	case GPUMemoryServiceModeInterPod:
		return nvidiav1beta1.GMSModeInterPod
	default:
		return nvidiav1beta1.GPUMemoryServiceMode(mode)
	}
}

// gmsModeFromHub is the inverse of gmsModeToHub.
func gmsModeFromHub(mode nvidiav1beta1.GPUMemoryServiceMode) GPUMemoryServiceMode {
	switch mode {
	case nvidiav1beta1.GMSModeIntraPod:
		return GPUMemoryServiceModeIntraPod
	case nvidiav1beta1.GMSModeInterPod:
		return GPUMemoryServiceModeInterPod
	default:
		return GPUMemoryServiceMode(mode)
	}
}

func lpxToHub(src *LPXConfig, dst *nvidiav1beta1.LPXConfig) {
	*dst = nvidiav1beta1.LPXConfig{BuildID: src.BuildID}
	if src.Scheduling != nil {
		dst.Scheduling = &nvidiav1beta1.LPXSchedulingSpec{AttemptDeadlineSeconds: copyPtr(src.Scheduling.AttemptDeadlineSeconds)}
	}
	if exp := src.Experimental; exp != nil {
		dst.Experimental = &nvidiav1beta1.LPXExperimentalSpec{}
		if lp := exp.LocalPartitions; lp != nil {
			dst.Experimental.LocalPartitions = &nvidiav1beta1.LPXLocalPartitions{Mode: nvidiav1beta1.LPXLocalPartitionsMode(lp.Mode), IDs: slices.Clone(lp.IDs)}
		}
		if cp := exp.Checkpoint; cp != nil {
			dst.Experimental.Checkpoint = &nvidiav1beta1.LPXCheckpoint{Provider: nvidiav1beta1.LPXCheckpointProvider(cp.Provider), Model: cp.Model, Revision: cp.Revision}
		}
	}
}

func lpxFromHub(src *nvidiav1beta1.LPXConfig, dst *LPXConfig) {
	*dst = LPXConfig{BuildID: src.BuildID}
	if src.Scheduling != nil {
		dst.Scheduling = &LPXSchedulingSpec{AttemptDeadlineSeconds: copyPtr(src.Scheduling.AttemptDeadlineSeconds)}
	}
	if exp := src.Experimental; exp != nil {
		dst.Experimental = &LPXExperimentalSpec{}
		if lp := exp.LocalPartitions; lp != nil {
			dst.Experimental.LocalPartitions = &LPXLocalPartitions{Mode: LPXLocalPartitionsMode(lp.Mode), IDs: slices.Clone(lp.IDs)}
		}
		if cp := exp.Checkpoint; cp != nil {
			dst.Experimental.Checkpoint = &LPXCheckpoint{Provider: LPXCheckpointProvider(cp.Provider), Model: cp.Model, Revision: cp.Revision}
		}
	}
}

func checkpointToHub(src *ServiceCheckpointConfig, dst *nvidiav1beta1.ComponentCheckpointConfig) {
	*dst = nvidiav1beta1.ComponentCheckpointConfig{
		Enabled:             src.Enabled,
		Mode:                nvidiav1beta1.CheckpointMode(src.Mode),
		StartupPolicy:       nvidiav1beta1.CheckpointStartupPolicy(src.StartupPolicy),
		DeletionPolicy:      nvidiav1beta1.CheckpointDeletionPolicy(src.DeletionPolicy),
		TargetContainerName: src.TargetContainerName,
		CheckpointRef:       src.CheckpointRef,
	}
	if id := src.Identity; id != nil {
		dst.Identity = &nvidiav1beta1.DynamoCheckpointIdentity{
			Model:                id.Model,
			BackendFramework:     id.BackendFramework,
			DynamoVersion:        id.DynamoVersion,
			TensorParallelSize:   id.TensorParallelSize,
			PipelineParallelSize: id.PipelineParallelSize,
			Dtype:                id.Dtype,
			MaxModelLen:          id.MaxModelLen,
			ExtraParameters:      id.ExtraParameters,
		}
	}
	if job := src.Job; job != nil {
		dst.Job = &nvidiav1beta1.ComponentCheckpointJobConfig{
			GMSClientContainers: slices.Clone(job.GMSClientContainers),
			PodTemplate:         job.PodTemplate.DeepCopy(),
		}
	}
}

func checkpointFromHub(src *nvidiav1beta1.ComponentCheckpointConfig, dst *ServiceCheckpointConfig) {
	*dst = ServiceCheckpointConfig{
		Enabled:             src.Enabled,
		Mode:                CheckpointMode(src.Mode),
		StartupPolicy:       CheckpointStartupPolicy(src.StartupPolicy),
		DeletionPolicy:      CheckpointDeletionPolicy(src.DeletionPolicy),
		TargetContainerName: src.TargetContainerName,
		CheckpointRef:       src.CheckpointRef,
	}
	if id := src.Identity; id != nil {
		dst.Identity = &DynamoCheckpointIdentity{
			Model:                id.Model,
			BackendFramework:     id.BackendFramework,
			DynamoVersion:        id.DynamoVersion,
			TensorParallelSize:   id.TensorParallelSize,
			PipelineParallelSize: id.PipelineParallelSize,
			Dtype:                id.Dtype,
			MaxModelLen:          id.MaxModelLen,
			ExtraParameters:      id.ExtraParameters,
		}
	}
	if job := src.Job; job != nil {
		dst.Job = &ServiceCheckpointJobConfig{
			GMSClientContainers: slices.Clone(job.GMSClientContainers),
			PodTemplate:         job.PodTemplate.DeepCopy(),
		}
	}
}

// copyPtr returns a pointer to a copy of *p, or nil.
func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// equalSemantic compares two values as the API server does: nil and empty slices and maps are
// equal, quantities by value.
func equalSemantic[T any](a, b T) bool {
	return apiequality.Semantic.DeepEqual(a, b)
}

// isZeroSemantic reports whether v equals its zero value, nil and empty slices and maps being
// equal as the API server compares them.
func isZeroSemantic[T any](v T) bool {
	var zero T
	return apiequality.Semantic.DeepEqual(v, zero)
}
