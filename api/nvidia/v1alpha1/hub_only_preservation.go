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
	"fmt"
	"maps"
	"slices"

	"github.com/imdario/mergo"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// What a v1beta1 component's conversion to v1alpha1 keeps in the payload, and how it is put
// back on the way to v1beta1; see shared_spec_preservation.go for the rules.

// saveHubOnlyFields records in save the fields of a v1beta1 component that its v1alpha1
// conversion, converted, cannot hold.
func saveHubOnlyFields(src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, converted *DynamoComponentDeploymentSharedSpec, save *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) error {
	// A frontendSidecar that does not name the generated container, or whose container is
	// missing, is not turned into a v1alpha1 frontendSidecar: keep the name.
	if src.FrontendSidecar != nil && converted.FrontendSidecar == nil {
		save.FrontendSidecar = ptr.To(*src.FrontendSidecar)
	}
	if src.PodTemplate != nil {
		projected, err := podTemplateFromAlpha(converted, false)
		if err != nil {
			return err
		}
		save.PodTemplate = sparsePodTemplate(src.PodTemplate, projected, ptr.Deref(save.FrontendSidecar, ""))
	}
	// Fields v1alpha1 has nothing for.
	if src.DynamoSidecar != nil {
		save.DynamoSidecar = ptr.To(*src.DynamoSidecar)
	}
	if src.EngineGroup != nil {
		save.EngineGroup = src.EngineGroup.DeepCopy()
	}
	if eppConfigLosesDetailFromHub(src.EPPConfig) {
		save.EPPConfig = src.EPPConfig.DeepCopy()
	}
	switch exp := src.Experimental; {
	case experimentalHubOnly(exp):
		// Nothing in the block has a v1alpha1 field: keep it whole, empty or not.
		save.Experimental = exp.DeepCopy()
	case exp != nil && exp.Grove != nil:
		save.Experimental = &nvidiav1beta1.ExperimentalSpec{Grove: exp.Grove.DeepCopy()}
	}
	return nil
}

// experimentalHubOnly reports whether an experimental block is present and holds nothing that
// v1alpha1 has a field for.
func experimentalHubOnly(exp *nvidiav1beta1.ExperimentalSpec) bool {
	return exp != nil && exp.GPUMemoryService == nil && exp.Failover == nil && exp.Checkpoint == nil
}

// sparsePodTemplate returns what of a v1beta1 pod template src is lost in its v1alpha1
// projection (the template the v1alpha1 conversion renders back to), or nil. It keeps the
// template's metadata other than labels and annotations, container fields v1alpha1 cannot hold,
// container order, and markers for a main container the projection would add or change.
func sparsePodTemplate(src, projected *corev1.PodTemplateSpec, frontendSidecar string) *corev1.PodTemplateSpec {
	meta := *src.ObjectMeta.DeepCopy()
	meta.Labels, meta.Annotations = nil, nil

	// Metadata, generated-shape markers and container order are separate signals, so that a
	// metadata-only save does not pin the order of live sidecars.
	saveMeta := !isZeroSemantic(meta)
	markMissingMain := projected != nil && !hasContainer(src.Spec.Containers, mainContainerName) && hasContainer(projected.Spec.Containers, mainContainerName)
	markEmpty := projected == nil && isZeroSemantic(*src)
	saveOrder := containerOrderDiffers(src, projected)
	saveSidecarKey := frontendSidecar != "" && hasContainer(src.Spec.Containers, frontendSidecar)
	if !saveMeta && !markMissingMain && !markEmpty && !saveOrder && !saveSidecarKey && !containerFieldsDiffer(src, projected) {
		return nil
	}

	out := &corev1.PodTemplateSpec{}
	if saveMeta {
		out.ObjectMeta = meta
	}
	var projectedContainers []corev1.Container
	if projected != nil {
		projectedContainers = projected.Spec.Containers
	}
	for _, c := range src.Spec.Containers {
		saved := corev1.Container{Name: c.Name}
		p, found := findContainer(projectedContainers, c.Name)
		switch {
		case found:
			saveContainerRemainder(&saved, c, p)
		case !containerHasOnlyName(c):
			saved = *c.DeepCopy()
		}
		if saveOrder || c.Name == frontendSidecar || mainKeyNeeded(c, p, found) || !containerHasOnlyName(saved) {
			out.Spec.Containers = append(out.Spec.Containers, saved)
		}
	}
	if !saveMeta && len(out.Spec.Containers) == 0 && !markMissingMain && !markEmpty {
		return nil
	}
	// An empty, non-nil template is itself a marker: the hub had no main container although the
	// v1alpha1 projection makes one, or had an empty template.
	return out
}

// containerOrderDiffers reports whether the projection lists the containers in another order,
// ignoring a main container only the projection has.
func containerOrderDiffers(src, projected *corev1.PodTemplateSpec) bool {
	if projected == nil {
		return false
	}
	srcNames := containerNames(src.Spec.Containers)
	projectedNames := containerNames(projected.Spec.Containers)
	if !hasContainer(src.Spec.Containers, mainContainerName) {
		projectedNames = slices.DeleteFunc(projectedNames, func(n string) bool { return n == mainContainerName })
	}
	return !slices.Equal(srcNames, projectedNames)
}

// containerFieldsDiffer reports whether the projection's containers differ from the
// template's.
func containerFieldsDiffer(src, projected *corev1.PodTemplateSpec) bool {
	if projected == nil {
		return len(src.Spec.Containers) > 0
	}
	return !equalSemantic(src.Spec.Containers, projected.Spec.Containers)
}

func containerNames(containers []corev1.Container) []string {
	names := make([]string, 0, len(containers))
	for _, c := range containers {
		names = append(names, c.Name)
	}
	return names
}

// mainKeyNeeded reports whether the payload must list the main container by name even if
// nothing else of it is kept: it had only a name (so the projection would not make it, or would
// make more of it), or it lacks a mount the projection adds.
func mainKeyNeeded(src, projected corev1.Container, projectedFound bool) bool {
	if src.Name != mainContainerName {
		return false
	}
	if !projectedFound || containerHasOnlyName(src) {
		return containerHasOnlyName(src)
	}
	for _, m := range projected.VolumeMounts {
		if _, ok := matchMount(src.VolumeMounts, m); !ok {
			return true
		}
	}
	return false
}

// saveContainerRemainder records in save what of container src its projection does not
// reproduce. For main, that is the extra fields of its volume mounts (read-only, sub-path, ...);
// everything else of main has a v1alpha1 field. For the frontend sidecar and other containers it
// is the whole container, less what a v1alpha1 frontendSidecar holds.
func saveContainerRemainder(save *corev1.Container, src, projected corev1.Container) {
	if src.Name != mainContainerName {
		if !equalSemantic(src, projected) {
			*save = *src.DeepCopy()
			save.Image = ""
			save.Args = nil
			save.Env = nil
			if equalSemantic(save.EnvFrom, projected.EnvFrom) {
				save.EnvFrom = nil
			}
		}
		return
	}
	if len(src.VolumeMounts) == 0 {
		return
	}
	save.VolumeMounts = make([]corev1.VolumeMount, 0, len(src.VolumeMounts))
	for _, m := range src.VolumeMounts {
		saved := corev1.VolumeMount{Name: m.Name, MountPath: m.MountPath}
		if p, ok := matchMount(projected.VolumeMounts, m); !ok || !equalSemantic(m, p) {
			saved = *m.DeepCopy()
		}
		save.VolumeMounts = append(save.VolumeMounts, saved)
	}
}

// matchMount finds the mount of mounts that m corresponds to: the one with the same name and
// path, else the only one with the same name.
func matchMount(mounts []corev1.VolumeMount, m corev1.VolumeMount) (corev1.VolumeMount, bool) {
	for _, c := range mounts {
		if c.Name == m.Name && c.MountPath == m.MountPath {
			return *c.DeepCopy(), true
		}
	}
	var match *corev1.VolumeMount
	for i := range mounts {
		if mounts[i].Name != m.Name {
			continue
		}
		if match != nil {
			return corev1.VolumeMount{}, false
		}
		match = mounts[i].DeepCopy()
	}
	if match == nil {
		return corev1.VolumeMount{}, false
	}
	return *match, true
}

func cloneMounts(mounts []corev1.VolumeMount) []corev1.VolumeMount {
	if len(mounts) == 0 {
		return nil
	}
	out := make([]corev1.VolumeMount, 0, len(mounts))
	for _, m := range mounts {
		out = append(out, *m.DeepCopy())
	}
	return out
}

func cloneEnvFrom(envFrom []corev1.EnvFromSource) []corev1.EnvFromSource {
	if len(envFrom) == 0 {
		return nil
	}
	out := make([]corev1.EnvFromSource, 0, len(envFrom))
	for _, e := range envFrom {
		out = append(out, *e.DeepCopy())
	}
	return out
}

// restoreHubOnlyFields puts back the v1beta1 fields kept in the payload, preserved, on the
// component dst converted from the v1alpha1 component src.
func restoreHubOnlyFields(dst, preserved *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, src *DynamoComponentDeploymentSharedSpec) error {
	if preserved == nil {
		return nil
	}
	tpl, err := restorePodTemplate(preserved, dst.PodTemplate, dst.CompilationCache, src)
	if err != nil {
		return err
	}
	dst.PodTemplate = tpl

	if dst.FrontendSidecar == nil && preserved.FrontendSidecar != nil {
		// A name whose container the payload also kept is restored only while that container
		// is still there.
		keptContainer := preserved.PodTemplate != nil && podTemplateHasContainer(preserved.PodTemplate, *preserved.FrontendSidecar)
		if !keptContainer || podTemplateHasContainer(dst.PodTemplate, *preserved.FrontendSidecar) {
			dst.FrontendSidecar = ptr.To(*preserved.FrontendSidecar)
		}
	}

	if preserved.DynamoSidecar != nil {
		dst.DynamoSidecar = ptr.To(*preserved.DynamoSidecar)
	}
	if preserved.EngineGroup != nil {
		dst.EngineGroup = preserved.EngineGroup.DeepCopy()
	}
	if preserved.EPPConfig != nil && src.EPPConfig != nil && jsonEqual(src.EPPConfig.Raw, eppConfigFromHub(preserved.EPPConfig).Raw) {
		dst.EPPConfig = preserved.EPPConfig.DeepCopy()
	}

	switch {
	case dst.Experimental == nil && experimentalHubOnly(preserved.Experimental):
		dst.Experimental = preserved.Experimental.DeepCopy()
	case dst.Experimental != nil && preserved.Experimental != nil && dst.Experimental.Grove == nil && preserved.Experimental.Grove != nil:
		// The block was rebuilt from v1alpha1 fields; the grove settings come from the payload.
		dst.Experimental.Grove = preserved.Experimental.Grove.DeepCopy()
	}
	return nil
}

// restorePodTemplate applies the pod template kept in the payload to the template semantic that
// the live v1alpha1 fields render to.
func restorePodTemplate(preserved *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, semantic *corev1.PodTemplateSpec,
	cc *nvidiav1beta1.CompilationCacheConfig, src *DynamoComponentDeploymentSharedSpec) (*corev1.PodTemplateSpec, error) {
	saved := preserved.PodTemplate
	if saved == nil {
		return semantic.DeepCopy(), nil
	}
	out := &corev1.PodTemplateSpec{}
	if semantic != nil {
		out = semantic.DeepCopy()
	}
	dropGeneratedCacheMount(out, saved, cc, src)
	dropGeneratedMainContainer(out, saved, cc, src)
	restoreHubOnlyContainers(out, saved, src)
	if err := restoreFrontendSidecarRemainder(out, saved, src); err != nil {
		return nil, err
	}
	restoreContainerOrder(out, saved)

	// Labels and annotations are v1alpha1's extraPodMetadata and come from the live object.
	labels, annotations := maps.Clone(out.Labels), maps.Clone(out.Annotations)
	out.ObjectMeta = *saved.ObjectMeta.DeepCopy()
	out.Labels, out.Annotations = labels, annotations

	restoreMountDetails(out, saved, src)
	restoreMountOrder(out, saved, cc, src)
	if isZeroSemantic(*saved) && isZeroSemantic(*out) {
		return out, nil
	}
	if isZeroSemantic(*out) {
		return nil, nil
	}
	return out, nil
}

// dropGeneratedCacheMount removes from main the mount v1alpha1's compilation-cache flag renders
// to, when the hub's main container did not have it.
func dropGeneratedCacheMount(dst, saved *corev1.PodTemplateSpec, cc *nvidiav1beta1.CompilationCacheConfig, src *DynamoComponentDeploymentSharedSpec) {
	if cc == nil || savedMainHasMount(saved, cc.PVCName, cc.MountPath) || extraMainContainerHasMount(src, cc.PVCName, cc.MountPath) {
		return
	}
	for i := range dst.Spec.Containers {
		if dst.Spec.Containers[i].Name == mainContainerName {
			dst.Spec.Containers[i].VolumeMounts = slices.DeleteFunc(dst.Spec.Containers[i].VolumeMounts, func(m corev1.VolumeMount) bool {
				return m.Name == cc.PVCName && m.MountPath == cc.MountPath
			})
			return
		}
	}
}

// dropGeneratedMainContainer removes a main container the projection made up, when the hub had
// none and main holds nothing beyond the generated compilation-cache mount.
func dropGeneratedMainContainer(dst, saved *corev1.PodTemplateSpec, cc *nvidiav1beta1.CompilationCacheConfig, src *DynamoComponentDeploymentSharedSpec) {
	if hasContainer(saved.Spec.Containers, mainContainerName) || (src != nil && resourcesLoseDetail(src.Resources)) {
		return
	}
	for i := range dst.Spec.Containers {
		if dst.Spec.Containers[i].Name != mainContainerName {
			continue
		}
		c := dst.Spec.Containers[i].DeepCopy()
		if cc != nil {
			c.VolumeMounts = slices.DeleteFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
				return m.Name == cc.PVCName && m.MountPath == cc.MountPath
			})
		}
		if containerHasOnlyName(*c) {
			dst.Spec.Containers = slices.Delete(dst.Spec.Containers, i, i+1)
			if len(dst.Spec.Containers) == 0 {
				dst.Spec.Containers = nil
			}
		}
		return
	}
}

func savedMainHasMount(saved *corev1.PodTemplateSpec, name, path string) bool {
	main, ok := findContainer(saved.Spec.Containers, mainContainerName)
	return ok && hasNativeMount(main.VolumeMounts, name, path)
}

func extraMainContainerHasMount(src *DynamoComponentDeploymentSharedSpec, name, path string) bool {
	return src != nil && src.ExtraPodSpec != nil && src.ExtraPodSpec.MainContainer != nil &&
		hasNativeMount(src.ExtraPodSpec.MainContainer.VolumeMounts, name, path)
}

// restoreHubOnlyContainers adds back the containers kept whole in the payload that the live
// template lacks. The payload's copy of the generated frontend sidecar is stale once v1alpha1's
// frontendSidecar is gone.
func restoreHubOnlyContainers(dst, saved *corev1.PodTemplateSpec, src *DynamoComponentDeploymentSharedSpec) {
	for _, c := range saved.Spec.Containers {
		if containerHasOnlyName(c) || hasContainer(dst.Spec.Containers, c.Name) {
			continue
		}
		if c.Name == frontendSidecarContainerName && (src == nil || src.FrontendSidecar == nil) {
			continue
		}
		dst.Spec.Containers = append(dst.Spec.Containers, *c.DeepCopy())
	}
}

// restoreFrontendSidecarRemainder merges the fields of the generated frontend sidecar that
// v1alpha1's frontendSidecar cannot hold (security context, ports, ...) back into it.
func restoreFrontendSidecarRemainder(dst, saved *corev1.PodTemplateSpec, src *DynamoComponentDeploymentSharedSpec) error {
	if src == nil || src.FrontendSidecar == nil {
		return nil
	}
	kept, ok := findContainer(saved.Spec.Containers, frontendSidecarContainerName)
	if !ok || containerHasOnlyName(kept) {
		return nil
	}
	for i := range dst.Spec.Containers {
		if dst.Spec.Containers[i].Name != frontendSidecarContainerName {
			continue
		}
		live := &dst.Spec.Containers[i]
		kept.Name, kept.Image, kept.Args, kept.Env = "", "", nil, nil
		if len(kept.EnvFrom) > 0 {
			envFrom, ok := restoredSidecarEnvFrom(live.EnvFrom, kept.EnvFrom, src.FrontendSidecar)
			if ok {
				kept.EnvFrom = envFrom
			} else {
				kept.EnvFrom = nil
			}
		}
		if err := mergo.Merge(live, kept, mergo.WithOverride); err != nil {
			return fmt.Errorf("restoring the frontend sidecar container: %w", err)
		}
		return nil
	}
	return nil
}

// restoredSidecarEnvFrom returns the sidecar's saved envFrom when it still agrees with the live
// v1alpha1 envFromSecret, with the live secret name.
func restoredSidecarEnvFrom(live, saved []corev1.EnvFromSource, fs *FrontendSidecarSpec) ([]corev1.EnvFromSource, bool) {
	if fs.EnvFromSecret == nil || *fs.EnvFromSecret == "" {
		return cloneEnvFrom(saved), true
	}
	if len(live) != 1 || len(saved) != 1 || live[0].SecretRef == nil || saved[0].SecretRef == nil ||
		live[0].SecretRef.Name != *fs.EnvFromSecret || saved[0].SecretRef.Name != *fs.EnvFromSecret {
		return nil, false
	}
	out := cloneEnvFrom(saved)
	out[0].SecretRef.Name = live[0].SecretRef.Name
	return out, true
}

// restoreContainerOrder puts the containers in the saved order when the payload lists every
// live container.
func restoreContainerOrder(dst, saved *corev1.PodTemplateSpec) {
	if len(saved.Spec.Containers) < 2 || len(saved.Spec.Containers) != len(dst.Spec.Containers) {
		return
	}
	for _, c := range dst.Spec.Containers {
		if !hasContainer(saved.Spec.Containers, c.Name) {
			return
		}
	}
	remaining := slices.Clone(dst.Spec.Containers)
	out := make([]corev1.Container, 0, len(remaining))
	for _, s := range saved.Spec.Containers {
		if i := slices.IndexFunc(remaining, func(c corev1.Container) bool { return c.Name == s.Name }); i >= 0 {
			out = append(out, remaining[i])
			remaining = slices.Delete(remaining, i, i+1)
		}
	}
	out = append(out, remaining...)
	dst.Spec.Containers = out
}

// restoreMountDetails puts back the fields v1alpha1's flat mounts cannot hold (read-only,
// sub-path, propagation, ...) on the main-container mounts that came from flat mounts.
func restoreMountDetails(dst, saved *corev1.PodTemplateSpec, src *DynamoComponentDeploymentSharedSpec) {
	if src == nil || len(src.VolumeMounts) == 0 {
		return
	}
	savedMain, ok := findContainer(saved.Spec.Containers, mainContainerName)
	if !ok || len(savedMain.VolumeMounts) == 0 {
		return
	}
	for i := range dst.Spec.Containers {
		if dst.Spec.Containers[i].Name != mainContainerName {
			continue
		}
		for j := range dst.Spec.Containers[i].VolumeMounts {
			m := &dst.Spec.Containers[i].VolumeMounts[j]
			if !hasFlatMount(src.VolumeMounts, m.Name, m.MountPath) || extraMainContainerHasMount(src, m.Name, m.MountPath) {
				continue
			}
			if kept, ok := matchMount(savedMain.VolumeMounts, *m); ok {
				name, path := m.Name, m.MountPath
				*m = kept
				m.Name, m.MountPath = name, path
			}
		}
		return
	}
}

// restoreMountOrder puts main's mounts back in the hub's order, while the live flat mounts are
// still exactly what the hub's mounts convert to (compilation cache first).
func restoreMountOrder(dst, saved *corev1.PodTemplateSpec, cc *nvidiav1beta1.CompilationCacheConfig, src *DynamoComponentDeploymentSharedSpec) {
	if src == nil {
		return
	}
	savedMain, ok := findContainer(saved.Spec.Containers, mainContainerName)
	if !ok {
		return
	}
	var projected []VolumeMount
	if cc != nil {
		projected = append(projected, VolumeMount{Name: cc.PVCName, MountPoint: cc.MountPath, UseAsCompilationCache: true})
	}
	projected = appendMissingMounts(projected, flatMounts(savedMain.VolumeMounts))
	if !mountsEqual(src.VolumeMounts, projected) {
		return
	}
	for i := range dst.Spec.Containers {
		if dst.Spec.Containers[i].Name != mainContainerName {
			continue
		}
		if reordered, ok := reorderMounts(dst.Spec.Containers[i].VolumeMounts, savedMain.VolumeMounts); ok {
			dst.Spec.Containers[i].VolumeMounts = reordered
		}
		return
	}
}

// reorderMounts orders current as saved lists the same name-and-path pairs, or reports false.
func reorderMounts(current, saved []corev1.VolumeMount) ([]corev1.VolumeMount, bool) {
	if len(current) != len(saved) {
		return current, false
	}
	if len(current) == 0 {
		return current, true
	}
	out := make([]corev1.VolumeMount, 0, len(current))
	used := make([]bool, len(current))
	for _, s := range saved {
		found := false
		for i, m := range current {
			if used[i] || m.Name != s.Name || m.MountPath != s.MountPath {
				continue
			}
			out = append(out, *m.DeepCopy())
			used[i], found = true, true
			break
		}
		if !found {
			return current, false
		}
	}
	return out, true
}
