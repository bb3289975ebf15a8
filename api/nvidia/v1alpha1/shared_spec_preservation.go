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
	"maps"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// What each direction of the component conversion keeps in the payload, and how it is put back.
//
// The rules, shared with Dynamo's operator:
//   - a field both versions have always comes from the live object; the payload never
//     overrides it and never stands in for it;
//   - a payload entry is used only while the live fields still match what it was saved
//     alongside, so an edit made in the other version is never undone by a stale payload;
//   - payloads are sparse: only what the other version cannot hold, plus the names needed to
//     match it back.

// v1alpha1 fields kept in the hub payload (alpha -> hub -> alpha); hub_only_preservation.go
// has the other direction.

// saveAlphaOnlyFields records in save the fields of a v1alpha1 component that v1beta1 cannot
// hold. saveOrigins records where each main-container field came from (see
// sharedSpecToHubOptions); it is also recorded whenever anything else is saved, or when
// mainContainer sets a field that a dedicated field would otherwise claim on the way back.
func saveAlphaOnlyFields(src, save *DynamoComponentDeploymentSharedSpec, saveOrigins bool) {
	saved := false
	if src.SubComponentType != "" && !subComponentTypePromotes(src) {
		save.SubComponentType = src.SubComponentType
		saved = true
	}
	// A componentType prefill or decode (rather than a worker with that subComponentType) is
	// the same v1beta1 type and comes back as a worker: keep the pair. Upstream does not.
	if componentType, _ := componentTypeFromHub(componentTypeToHub(src)); componentType != src.ComponentType {
		save.ComponentType = src.ComponentType
		save.SubComponentType = src.SubComponentType
		saved = true
	}
	if src.DynamoNamespace != nil {
		save.DynamoNamespace = ptr.To(*src.DynamoNamespace)
		saved = true
	}
	if src.Autoscaling != nil {
		save.Autoscaling = src.Autoscaling.DeepCopy()
		saved = true
	}
	if src.Ingress != nil {
		save.Ingress = src.Ingress.DeepCopy()
		saved = true
	}
	if len(src.Annotations) > 0 {
		save.Annotations = maps.Clone(src.Annotations)
		saved = true
	}
	if len(src.Labels) > 0 {
		save.Labels = maps.Clone(src.Labels)
		saved = true
	}
	if src.EnvFromSecret != nil {
		save.EnvFromSecret = ptr.To(*src.EnvFromSecret)
		saved = true
	}
	if resourcesLoseDetail(src.Resources) {
		save.Resources = src.Resources.DeepCopy()
		saved = true
	}
	if !flatMountsReproducible(src) {
		save.VolumeMounts = slices.Clone(src.VolumeMounts)
		saved = true
	}
	if sharedMemoryLosesDetail(src.SharedMemory) {
		save.SharedMemory = src.SharedMemory.DeepCopy()
		saved = true
	}
	if extraPodMetadataIsEmpty(src.ExtraPodMetadata) {
		save.ExtraPodMetadata = src.ExtraPodMetadata.DeepCopy()
		saved = true
	}
	if extraPodSpecLosesShape(src.ExtraPodSpec) || frontendSidecarConflicts(src.FrontendSidecar, src.ExtraPodSpec) {
		save.ExtraPodSpec = src.ExtraPodSpec.DeepCopy()
		saved = true
	}
	// An empty mainContainer beside pod fields leaves no trace in the hub either: its presence
	// is recorded. (Upstream records it only when the whole extraPodSpec renders to nothing.)
	if eps := src.ExtraPodSpec; eps != nil && eps.MainContainer != nil && containerIsEmpty(eps.MainContainer) && save.ExtraPodSpec == nil {
		ensureExtraMainContainer(save).Name = eps.MainContainer.Name
		saved = true
	}
	// v1beta1 marks an enabled adapter by presence: a disabled one, and the older disable
	// flag, are kept.
	if src.ScalingAdapter != nil && (!src.ScalingAdapter.Enabled || src.ScalingAdapter.Disable) {
		save.ScalingAdapter = src.ScalingAdapter.DeepCopy()
		saved = true
	}
	if src.PVC != nil {
		save.PVC = src.PVC.DeepCopy()
		saved = true
	}
	if mn := src.Multinode; mn != nil && (mn.Leader != nil || mn.Worker != nil) {
		save.Multinode = &MultinodeSpec{Leader: mn.Leader.DeepCopy(), Worker: mn.Worker.DeepCopy()}
		saved = true
	}
	if eppConfigLosesDetailToHub(src.EPPConfig) {
		save.EPPConfig = src.EPPConfig.DeepCopy()
		saved = true
	}
	if src.FrontendSidecar != nil {
		save.FrontendSidecar = src.FrontendSidecar.DeepCopy()
		saved = true
	}
	if src.GPUMemoryService != nil && !src.GPUMemoryService.Enabled {
		save.GPUMemoryService = src.GPUMemoryService.DeepCopy()
		saved = true
	}
	if src.Failover != nil && !src.Failover.Enabled {
		save.Failover = src.Failover.DeepCopy()
		saved = true
	}
	if saveOrigins || saved || extraMainContainerClaimsDedicatedFields(src) {
		saveMainContainerOrigins(src, save)
	}
}

// extraMainContainerClaimsDedicatedFields reports whether extraPodSpec.mainContainer sets a
// field that, once merged into the hub's main container, would come back as a dedicated
// v1alpha1 field (or sets a name, which the hub cannot hold).
func extraMainContainerClaimsDedicatedFields(src *DynamoComponentDeploymentSharedSpec) bool {
	if src.ExtraPodSpec == nil || src.ExtraPodSpec.MainContainer == nil {
		return false
	}
	main := src.ExtraPodSpec.MainContainer
	return main.Name != "" ||
		len(main.Env) > 0 ||
		!isZeroSemantic(main.Resources) ||
		len(main.VolumeMounts) > 0 ||
		main.LivenessProbe != nil ||
		main.ReadinessProbe != nil
}

// saveMainContainerOrigins records, for each main-container field that both a dedicated field
// and extraPodSpec.mainContainer can set, both values: the hub holds only their merge.
func saveMainContainerOrigins(src, save *DynamoComponentDeploymentSharedSpec) {
	if src.ExtraPodSpec == nil || src.ExtraPodSpec.MainContainer == nil {
		return
	}
	main := src.ExtraPodSpec.MainContainer
	if main.Name != "" {
		ensureExtraMainContainer(save).Name = main.Name
	}
	if len(src.Envs) > 0 || len(main.Env) > 0 {
		save.Envs = slices.Clone(src.Envs)
		ensureExtraMainContainer(save).Env = slices.Clone(main.Env)
	}
	if src.EnvFromSecret != nil || len(main.EnvFrom) > 0 {
		if src.EnvFromSecret != nil {
			save.EnvFromSecret = ptr.To(*src.EnvFromSecret)
		}
		ensureExtraMainContainer(save).EnvFrom = slices.Clone(main.EnvFrom)
	}
	if src.Resources != nil || !isZeroSemantic(main.Resources) {
		save.Resources = src.Resources.DeepCopy()
		ensureExtraMainContainer(save).Resources = *main.Resources.DeepCopy()
	}
	if len(src.VolumeMounts) > 0 || len(main.VolumeMounts) > 0 {
		save.VolumeMounts = slices.Clone(src.VolumeMounts)
		ensureExtraMainContainer(save).VolumeMounts = cloneMounts(main.VolumeMounts)
	}
	if src.LivenessProbe != nil || main.LivenessProbe != nil {
		save.LivenessProbe = src.LivenessProbe.DeepCopy()
		ensureExtraMainContainer(save).LivenessProbe = main.LivenessProbe.DeepCopy()
	}
	if src.ReadinessProbe != nil || main.ReadinessProbe != nil {
		save.ReadinessProbe = src.ReadinessProbe.DeepCopy()
		ensureExtraMainContainer(save).ReadinessProbe = main.ReadinessProbe.DeepCopy()
	}
}

// ensureExtraMainContainer returns spec.extraPodSpec.mainContainer, creating it if needed.
func ensureExtraMainContainer(spec *DynamoComponentDeploymentSharedSpec) *corev1.Container {
	if spec.ExtraPodSpec == nil {
		spec.ExtraPodSpec = &ExtraPodSpec{}
	}
	if spec.ExtraPodSpec.MainContainer == nil {
		spec.ExtraPodSpec.MainContainer = &corev1.Container{}
	}
	return spec.ExtraPodSpec.MainContainer
}

// resourcesLoseDetail reports whether v1alpha1 resources do not come back as they are from the
// hub: a quantity that does not parse or is not written canonically, a gpuType, an empty block.
func resourcesLoseDetail(r *Resources) bool {
	return r != nil && !reflect.DeepEqual(r, resourcesFromNative(resourcesToNative(r)))
}

// sharedMemoryLosesDetail reports whether a sharedMemory block is not what the hub's single
// quantity gives back: a size beside disabled, or neither set.
func sharedMemoryLosesDetail(shm *SharedMemorySpec) bool {
	if shm == nil {
		return false
	}
	if shm.Disabled {
		return !shm.Size.IsZero()
	}
	return shm.Size.IsZero()
}

// extraPodMetadataIsEmpty reports whether extraPodMetadata is present but empty, which the hub
// cannot tell from absent.
func extraPodMetadataIsEmpty(md *ExtraPodMetadata) bool {
	return md != nil && len(md.Annotations) == 0 && len(md.Labels) == 0
}

// extraPodSpecLosesShape reports whether an extraPodSpec is present but renders to nothing
// (empty, or a mainContainer with only a name).
func extraPodSpecLosesShape(eps *ExtraPodSpec) bool {
	return eps != nil && (extraPodSpecIsEmpty(eps) || extraMainContainerOnlyNamed(eps))
}

// extraMainContainerOnlyNamed reports whether an extraPodSpec holds only a named, otherwise
// empty, mainContainer.
func extraMainContainerOnlyNamed(eps *ExtraPodSpec) bool {
	if eps == nil || eps.MainContainer == nil || eps.MainContainer.Name == "" || (eps.PodSpec != nil && !isZeroSemantic(*eps.PodSpec)) {
		return false
	}
	return containerIsEmpty(eps.MainContainer)
}

// frontendSidecarConflicts reports whether a v1alpha1 component has a frontendSidecar and also
// a container of its generated name in extraPodSpec. v1alpha1 admission rejects that; the whole
// extraPodSpec is kept so that the conflict is still visible on the way back.
func frontendSidecarConflicts(fs *FrontendSidecarSpec, eps *ExtraPodSpec) bool {
	return fs != nil && eps != nil && eps.PodSpec != nil && hasContainer(eps.Containers, frontendSidecarContainerName)
}

// flatMountsReproducible reports whether v1alpha1's volume mounts come back as they are from the
// hub, which lists them in the main container after extraPodSpec.mainContainer's and gives the
// first compilation cache back first: they must not repeat a name and path (among themselves or
// with mainContainer's), and only the first may be a compilation cache. Upstream keeps the mounts
// only when several are compilation caches; Flotilla keeps them whenever they would not come
// back in the same order.
func flatMountsReproducible(src *DynamoComponentDeploymentSharedSpec) bool {
	seen := map[[2]string]bool{}
	for i, m := range src.VolumeMounts {
		key := [2]string{m.Name, m.MountPoint}
		if seen[key] || (m.UseAsCompilationCache && i != 0) {
			return false
		}
		seen[key] = true
	}
	if src.ExtraPodSpec != nil && src.ExtraPodSpec.MainContainer != nil {
		for _, m := range src.ExtraPodSpec.MainContainer.VolumeMounts {
			if seen[[2]string{m.Name, m.MountPath}] {
				return false
			}
		}
	}
	return true
}

// restoreFlatMounts puts back v1alpha1's volume mounts kept in the payload when the live hub
// component is exactly what they render to: the same compilation cache, and the same main
// container mounts by name and path (the compilation cache's own mount aside, which a hub
// payload may have dropped as generated).
func restoreFlatMounts(dst, preserved *DynamoComponentDeploymentSharedSpec, src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
	if preserved == nil || len(preserved.VolumeMounts) == 0 || mountsEqual(dst.VolumeMounts, preserved.VolumeMounts) {
		return
	}
	if !firstCompilationCacheMatches(src.CompilationCache, preserved.VolumeMounts) {
		return
	}
	candidate := dst.DeepCopy()
	candidate.VolumeMounts = preserved.VolumeMounts
	if main, ok := mainContainerOf(src); ok {
		rendered := flatMounts(renderedMainContainer(candidate).VolumeMounts)
		if cc := src.CompilationCache; cc != nil && !hasNativeMount(main.VolumeMounts, cc.PVCName, cc.MountPath) {
			rendered = slices.DeleteFunc(rendered, func(m VolumeMount) bool { return m.Name == cc.PVCName && m.MountPoint == cc.MountPath })
		}
		if !slices.Equal(rendered, flatMounts(main.VolumeMounts)) {
			return
		}
	} else if src.PodTemplate != nil || slices.ContainsFunc(preserved.VolumeMounts, func(m VolumeMount) bool { return !m.UseAsCompilationCache }) {
		// Without a main container, only compilation-cache mounts of a component with no pod
		// template at all render to nothing more than compilationCache.
		return
	}
	dst.VolumeMounts = slices.Clone(preserved.VolumeMounts)
}

func countCompilationCaches(mounts []VolumeMount) int {
	n := 0
	for _, m := range mounts {
		if m.UseAsCompilationCache {
			n++
		}
	}
	return n
}

// restoreCompilationCacheFlags puts back compilation-cache flags of mounts beyond the first one,
// which v1beta1 holds only as ordinary mounts, provided the live component still shows the
// mounts the payload was saved with.
func restoreCompilationCacheFlags(dst, preserved *DynamoComponentDeploymentSharedSpec, src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
	if preserved == nil || countCompilationCaches(preserved.VolumeMounts) <= 1 {
		return
	}
	if !firstCompilationCacheMatches(src.CompilationCache, preserved.VolumeMounts) {
		return
	}
	if !mountsEqual(dst.VolumeMounts, visibleMountProjection(src, preserved.VolumeMounts)) {
		return
	}
	dst.VolumeMounts = mergeCacheMounts(liveCompilationCacheMounts(src, preserved), dst.VolumeMounts)
}

// firstCompilationCacheMatches reports whether the first flagged mount of mounts is what the hub
// shows as compilationCache (or there is neither).
func firstCompilationCacheMatches(cc *nvidiav1beta1.CompilationCacheConfig, mounts []VolumeMount) bool {
	for _, m := range mounts {
		if m.UseAsCompilationCache {
			return cacheMatchesMount(cc, m)
		}
	}
	return cc == nil
}

func cacheMatchesMount(cc *nvidiav1beta1.CompilationCacheConfig, m VolumeMount) bool {
	return cc != nil && cc.PVCName == m.Name && cc.MountPath == m.MountPoint
}

// liveCompilationCacheMounts returns the flagged mounts of the payload that the live hub
// component still shows: the first if it is the compilationCache, the others if the main
// container still mounts them. When neither the live component nor the payload's v1alpha1
// fields have a pod template, the extra flags had no place in the hub and are all kept.
// (Upstream looks only at a main container and the payload; a live pod template without one,
// after an edit in v1beta1, would otherwise bring a deleted mount back.)
func liveCompilationCacheMounts(src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, preserved *DynamoComponentDeploymentSharedSpec) []VolumeMount {
	main, hasMain := mainContainerOf(src)
	projected := hasMain || src.PodTemplate != nil || describesPod(preserved)
	first := true
	var out []VolumeMount
	for _, m := range preserved.VolumeMounts {
		if !m.UseAsCompilationCache {
			continue
		}
		if first {
			first = false
			if cacheMatchesMount(src.CompilationCache, m) {
				out = append(out, m)
			}
			continue
		}
		if !projected || hasNativeMount(main.VolumeMounts, m.Name, m.MountPoint) {
			out = append(out, m)
		}
	}
	return out
}

// visibleMountProjection is what the hub would show of a payload's mounts after a plain
// conversion: the first flagged mount, then the main container's mounts not already listed.
func visibleMountProjection(src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, mounts []VolumeMount) []VolumeMount {
	var out []VolumeMount
	for _, m := range mounts {
		if m.UseAsCompilationCache {
			out = append(out, m)
			break
		}
	}
	if main, ok := mainContainerOf(src); ok && len(main.VolumeMounts) > 0 {
		out = appendMissingMounts(out, flatMounts(main.VolumeMounts))
	}
	return out
}

// mergeCacheMounts lists the flagged mounts of preserved first, then the mounts of current with
// another name or path.
func mergeCacheMounts(preserved, current []VolumeMount) []VolumeMount {
	out := make([]VolumeMount, 0, len(preserved)+len(current))
	for _, m := range preserved {
		if m.UseAsCompilationCache && !hasFlatMount(out, m.Name, m.MountPoint) {
			out = append(out, m)
		}
	}
	return appendMissingMounts(out, current)
}

func mountsEqual(a, b []VolumeMount) bool {
	return slices.Equal(a, b)
}

// restoreAlphaOnlyFields puts back the v1alpha1 fields kept in the payload on dst, converted
// from the hub component src. Fields that describe the main container are restored only when
// src has one.
func restoreAlphaOnlyFields(dst, preserved *DynamoComponentDeploymentSharedSpec, src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
	if preserved == nil {
		return
	}
	liveMain, mainPresent := mainContainerOf(src)

	// Fields with no v1beta1 counterpart at all. A saved subComponentType that would change
	// the component's v1beta1 type (a worker's prefill or decode) is stale: the live type wins.
	if dst.SubComponentType == "" && preserved.SubComponentType != "" {
		withSub := *dst
		withSub.SubComponentType = preserved.SubComponentType
		if componentTypeToHub(&withSub) == componentTypeToHub(dst) {
			dst.SubComponentType = preserved.SubComponentType
		}
	}
	if preserved.ComponentType != "" && componentTypeToHub(dst) == componentTypeToHub(preserved) {
		dst.ComponentType, dst.SubComponentType = preserved.ComponentType, preserved.SubComponentType
	}
	if dst.DynamoNamespace == nil && preserved.DynamoNamespace != nil {
		dst.DynamoNamespace = ptr.To(*preserved.DynamoNamespace)
	}
	if dst.Autoscaling == nil && preserved.Autoscaling != nil {
		dst.Autoscaling = preserved.Autoscaling.DeepCopy()
	}
	if dst.Ingress == nil && preserved.Ingress != nil {
		dst.Ingress = preserved.Ingress.DeepCopy()
	}
	if len(dst.Annotations) == 0 {
		dst.Annotations = maps.Clone(preserved.Annotations)
	}
	if len(dst.Labels) == 0 {
		dst.Labels = maps.Clone(preserved.Labels)
	}
	if dst.PVC == nil && preserved.PVC != nil {
		dst.PVC = preserved.PVC.DeepCopy()
	}
	if dst.Multinode != nil && preserved.Multinode != nil {
		if dst.Multinode.Leader == nil {
			dst.Multinode.Leader = preserved.Multinode.Leader.DeepCopy()
		}
		if dst.Multinode.Worker == nil {
			dst.Multinode.Worker = preserved.Multinode.Worker.DeepCopy()
		}
	}

	// Pod fields whose exact v1alpha1 form the hub flattens.
	if sharedMemoryToRestore(dst.SharedMemory, preserved.SharedMemory) {
		dst.SharedMemory = preserved.SharedMemory.DeepCopy()
	}
	if mainPresent && resourcesToRestore(dst.Resources, preserved.Resources) {
		dst.Resources = preserved.Resources.DeepCopy()
	}
	restoreEnvFromSecret(dst, preserved, mainPresent)
	if dst.ExtraPodMetadata == nil && extraPodMetadataIsEmpty(preserved.ExtraPodMetadata) {
		dst.ExtraPodMetadata = preserved.ExtraPodMetadata.DeepCopy()
	}
	if preserved.ExtraPodSpec != nil &&
		(extraPodSpecLosesShape(preserved.ExtraPodSpec) || frontendSidecarConflicts(preserved.FrontendSidecar, preserved.ExtraPodSpec)) {
		if dst.ExtraPodSpec == nil {
			dst.ExtraPodSpec = preserved.ExtraPodSpec.DeepCopy()
		} else {
			restoreConflictingFrontendSidecar(dst.ExtraPodSpec, preserved.ExtraPodSpec)
		}
	}
	restoreMainContainerOrigins(dst, preserved, liveMain, mainPresent)
	if dst.ExtraPodSpec != nil && dst.ExtraPodSpec.MainContainer != nil && dst.ExtraPodSpec.MainContainer.Name == "" &&
		preserved.ExtraPodSpec != nil && preserved.ExtraPodSpec.MainContainer != nil {
		dst.ExtraPodSpec.MainContainer.Name = preserved.ExtraPodSpec.MainContainer.Name
	}

	// Disabled features, which v1beta1 expresses by absence.
	if sa := preserved.ScalingAdapter; sa != nil {
		switch {
		case dst.ScalingAdapter == nil && !sa.Enabled:
			dst.ScalingAdapter = sa.DeepCopy()
		case dst.ScalingAdapter != nil && sa.Enabled:
			dst.ScalingAdapter.Disable = sa.Disable
		}
	}
	if dst.GPUMemoryService == nil && preserved.GPUMemoryService != nil && !preserved.GPUMemoryService.Enabled {
		dst.GPUMemoryService = preserved.GPUMemoryService.DeepCopy()
	}
	if dst.Failover == nil && preserved.Failover != nil && !preserved.Failover.Enabled {
		dst.Failover = preserved.Failover.DeepCopy()
	}
	if dst.Checkpoint == nil && preserved.Checkpoint != nil && !preserved.Checkpoint.Enabled {
		dst.Checkpoint = preserved.Checkpoint.DeepCopy()
	}
}

// restoreConflictingFrontendSidecar puts back an extraPodSpec container that has the generated
// frontend sidecar's name, when the live extraPodSpec lost it to the frontendSidecar.
func restoreConflictingFrontendSidecar(dst, preserved *ExtraPodSpec) {
	if preserved.PodSpec == nil {
		return
	}
	c, ok := findContainer(preserved.Containers, frontendSidecarContainerName)
	if !ok {
		return
	}
	if dst.PodSpec == nil {
		dst.PodSpec = &corev1.PodSpec{}
	}
	if !hasContainer(dst.Containers, frontendSidecarContainerName) {
		dst.Containers = append(dst.Containers, c)
	}
}

// sharedMemoryToRestore reports whether a saved sharedMemory block still describes the live
// one: an empty block when the hub has no size, a disabled block with a size when the hub still
// says disabled.
func sharedMemoryToRestore(live, preserved *SharedMemorySpec) bool {
	if !sharedMemoryLosesDetail(preserved) {
		return false
	}
	if live == nil {
		return true
	}
	return preserved.Disabled && live.Disabled && live.Size.Sign() == 0
}

// resourcesToRestore reports whether saved resources render to what the live ones do.
func resourcesToRestore(live, preserved *Resources) bool {
	if !resourcesLoseDetail(preserved) {
		return false
	}
	liveNative := corev1.ResourceRequirements{}
	if live != nil {
		liveNative = resourcesToNative(live)
	}
	return equalSemantic(liveNative, resourcesToNative(preserved))
}

// restoreEnvFromSecret puts back envFromSecret: an explicitly empty one always (it renders to
// nothing), a named one when the main container still holds exactly its secret reference.
func restoreEnvFromSecret(dst, preserved *DynamoComponentDeploymentSharedSpec, mainPresent bool) {
	if dst.EnvFromSecret != nil || preserved.EnvFromSecret == nil {
		return
	}
	if *preserved.EnvFromSecret == "" {
		dst.EnvFromSecret = new(string)
		return
	}
	if !mainPresent || dst.ExtraPodSpec == nil || dst.ExtraPodSpec.MainContainer == nil {
		return
	}
	if !isSecretEnvSource(dst.ExtraPodSpec.MainContainer.EnvFrom, *preserved.EnvFromSecret) {
		return
	}
	dst.EnvFromSecret = ptr.To(*preserved.EnvFromSecret)
	dst.ExtraPodSpec.MainContainer.EnvFrom = nil
}

// restoreMainContainerOrigins splits main-container fields back between the dedicated fields
// and extraPodSpec.mainContainer as the payload recorded them, field by field, where the live
// main container still renders the same as the payload does. liveMain is the hub's main
// container.
func restoreMainContainerOrigins(dst, preserved *DynamoComponentDeploymentSharedSpec, liveMain corev1.Container, mainPresent bool) {
	if !mainPresent || preserved.ExtraPodSpec == nil || preserved.ExtraPodSpec.MainContainer == nil {
		return
	}
	savedMain := preserved.ExtraPodSpec.MainContainer
	live := renderedMainContainer(dst)
	saved := renderedMainContainer(preserved)

	if equalSemantic(live.Env, saved.Env) && (len(preserved.Envs) > 0 || len(savedMain.Env) > 0) {
		dst.Envs = slices.Clone(preserved.Envs)
		ensureExtraMainContainer(dst).Env = slices.Clone(savedMain.Env)
	}
	if equalSemantic(live.EnvFrom, saved.EnvFrom) && preserved.EnvFromSecret != nil {
		dst.EnvFromSecret = ptr.To(*preserved.EnvFromSecret)
	}
	if equalSemantic(live.Resources, saved.Resources) && (preserved.Resources != nil || !isZeroSemantic(savedMain.Resources)) {
		dst.Resources = preserved.Resources.DeepCopy()
		ensureExtraMainContainer(dst).Resources = *savedMain.Resources.DeepCopy()
	}
	liveMounts := withoutCacheMounts(live.VolumeMounts, dst.VolumeMounts)
	savedMounts := withoutCacheMounts(saved.VolumeMounts, preserved.VolumeMounts)
	if mountsMatchByNameAndPath(flatMounts(savedMounts), liveMounts) && (len(preserved.VolumeMounts) > 0 || len(savedMain.VolumeMounts) > 0) {
		dst.VolumeMounts = restoreMountOrigins(preserved.VolumeMounts, dst.VolumeMounts, savedMain.VolumeMounts)
		// The payload matched by name and path; the rest of each mount (read-only, sub-path,
		// ...) is the live hub's. Upstream restores the saved mounts whole, which undoes an
		// edit of those fields made in v1beta1.
		mounts := cloneMounts(savedMain.VolumeMounts)
		for i := range mounts {
			if live, ok := matchMount(liveMain.VolumeMounts, mounts[i]); ok && live.Name == mounts[i].Name && live.MountPath == mounts[i].MountPath {
				mounts[i] = live
			}
		}
		ensureExtraMainContainer(dst).VolumeMounts = mounts
	}
	if equalSemantic(live.LivenessProbe, saved.LivenessProbe) && (preserved.LivenessProbe != nil || savedMain.LivenessProbe != nil) {
		dst.LivenessProbe = preserved.LivenessProbe.DeepCopy()
		ensureExtraMainContainer(dst).LivenessProbe = savedMain.LivenessProbe.DeepCopy()
	}
	if equalSemantic(live.ReadinessProbe, saved.ReadinessProbe) && (preserved.ReadinessProbe != nil || savedMain.ReadinessProbe != nil) {
		dst.ReadinessProbe = preserved.ReadinessProbe.DeepCopy()
		ensureExtraMainContainer(dst).ReadinessProbe = savedMain.ReadinessProbe.DeepCopy()
	}
}

// withoutCacheMounts drops from mounts those that flat flags as compilation caches.
func withoutCacheMounts(mounts []corev1.VolumeMount, flat []VolumeMount) []corev1.VolumeMount {
	if len(mounts) == 0 || len(flat) == 0 {
		return mounts
	}
	out := make([]corev1.VolumeMount, 0, len(mounts))
	for _, m := range mounts {
		cache := slices.ContainsFunc(flat, func(f VolumeMount) bool {
			return f.UseAsCompilationCache && f.Name == m.Name && f.MountPoint == m.MountPath
		})
		if !cache {
			out = append(out, m)
		}
	}
	return out
}

// mountsMatchByNameAndPath compares flat and native mounts in order, by name and path.
func mountsMatchByNameAndPath(flat []VolumeMount, native []corev1.VolumeMount) bool {
	if len(flat) != len(native) {
		return false
	}
	for i := range flat {
		if flat[i].Name != native[i].Name || flat[i].MountPoint != native[i].MountPath {
			return false
		}
	}
	return true
}

// restoreMountOrigins rebuilds the flat mounts: the payload's unflagged mounts, then live ones
// that are neither there nor in the payload's mainContainer, with compilation-cache flags
// carried over from the live list.
func restoreMountOrigins(preserved, current []VolumeMount, preservedMain []corev1.VolumeMount) []VolumeMount {
	out := make([]VolumeMount, 0, len(preserved)+len(current))
	for _, m := range preserved {
		if !m.UseAsCompilationCache {
			out = append(out, m)
		}
	}
	for _, m := range current {
		if !m.UseAsCompilationCache {
			if hasNativeMount(preservedMain, m.Name, m.MountPoint) || hasFlatMount(out, m.Name, m.MountPoint) {
				continue
			}
			out = append(out, m)
			continue
		}
		i := slices.IndexFunc(out, func(o VolumeMount) bool { return o.Name == m.Name && o.MountPoint == m.MountPoint })
		if i >= 0 {
			out[i].UseAsCompilationCache = true
		} else {
			out = append(out, m)
		}
	}
	return out
}

// pruneEmptyExtraPodSpec drops an extraPodSpec (or its mainContainer) that decomposition left
// empty, unless the payload shows v1alpha1 had it that way.
func pruneEmptyExtraPodSpec(dst, restored *DynamoComponentDeploymentSharedSpec) {
	if dst.ExtraPodSpec == nil {
		return
	}
	var restoredEPS *ExtraPodSpec
	if restored != nil {
		restoredEPS = restored.ExtraPodSpec
	}
	// A mainContainer the payload has, but with nothing of its own beyond a name, stood for an
	// empty (or name-only) mainContainer of v1alpha1: keep one.
	keepMain := restoredEPS != nil && restoredEPS.MainContainer != nil && containerIsEmpty(restoredEPS.MainContainer)
	switch {
	case !containerIsEmpty(dst.ExtraPodSpec.MainContainer):
	case keepMain && dst.ExtraPodSpec.MainContainer == nil:
		dst.ExtraPodSpec.MainContainer = &corev1.Container{Name: restoredEPS.MainContainer.Name}
	case !keepMain:
		dst.ExtraPodSpec.MainContainer = nil
	}
	if extraPodSpecIsEmpty(dst.ExtraPodSpec) && !extraPodSpecLosesShape(restoredEPS) {
		dst.ExtraPodSpec = nil
	}
}
