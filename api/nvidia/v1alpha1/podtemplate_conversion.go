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
	"k8s.io/apimachinery/pkg/api/resource"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Composing a v1beta1 pod template from v1alpha1 fields, and taking one apart again.
//
// Composition follows the order in which Dynamo's v1alpha1 controller renders a pod: the pod
// starts from extraPodSpec and extraPodMetadata; the main container starts from the dedicated
// fields and extraPodSpec.mainContainer is merged over it (non-empty fields win), except that
// env is merged by name with mainContainer winning and volumeMounts are mainContainer's followed
// by the dedicated ones. The merge is the mergo library's, as in Dynamo, so that both operators
// build the same template.
//
// Decomposition moves what v1alpha1 has dedicated fields for out of the main container
// (resources, env, probes, volume mounts) and leaves the rest of it in
// extraPodSpec.mainContainer, the other containers and pod fields in extraPodSpec.

// podTemplateFromAlpha builds the v1beta1 pod template of a v1alpha1 component, or returns nil
// when no v1alpha1 field describes the pod and hubHadPodTemplate is false.
func podTemplateFromAlpha(src *DynamoComponentDeploymentSharedSpec, hubHadPodTemplate bool) (*corev1.PodTemplateSpec, error) {
	if src == nil || (!describesPod(src) && !hubHadPodTemplate) {
		return nil, nil
	}
	tpl := &corev1.PodTemplateSpec{}
	if md := src.ExtraPodMetadata; md != nil {
		if len(md.Annotations) > 0 {
			tpl.Annotations = maps.Clone(md.Annotations)
		}
		if len(md.Labels) > 0 {
			tpl.Labels = maps.Clone(md.Labels)
		}
	}
	if src.ExtraPodSpec != nil && src.ExtraPodSpec.PodSpec != nil {
		tpl.Spec = *src.ExtraPodSpec.PodSpec.DeepCopy()
	}

	main, err := mainContainerFromAlpha(src)
	if err != nil {
		return nil, err
	}
	// main comes first; a container named "main" in extraPodSpec is replaced by it.
	containers := []corev1.Container{main}
	for _, c := range tpl.Spec.Containers {
		if c.Name != mainContainerName {
			containers = append(containers, c)
		}
	}
	tpl.Spec.Containers = containers

	if fs := src.FrontendSidecar; fs != nil && !hasContainer(tpl.Spec.Containers, frontendSidecarContainerName) {
		sidecar := corev1.Container{
			Name:  frontendSidecarContainerName,
			Image: fs.Image,
			Args:  slices.Clone(fs.Args),
			Env:   slices.Clone(fs.Envs),
		}
		if fs.EnvFromSecret != nil && *fs.EnvFromSecret != "" {
			sidecar.EnvFrom = []corev1.EnvFromSource{secretEnvSource(*fs.EnvFromSecret)}
		}
		tpl.Spec.Containers = append(tpl.Spec.Containers, sidecar)
	}
	return tpl, nil
}

// describesPod reports whether any v1alpha1 field of a component says something about its pod.
// A compilation-cache mount alone does not: it is carried by compilationCache.
func describesPod(src *DynamoComponentDeploymentSharedSpec) bool {
	return src.Resources != nil ||
		len(src.Envs) > 0 ||
		src.EnvFromSecret != nil ||
		slices.ContainsFunc(src.VolumeMounts, func(m VolumeMount) bool { return !m.UseAsCompilationCache }) ||
		src.LivenessProbe != nil ||
		src.ReadinessProbe != nil ||
		!extraPodSpecIsEmpty(src.ExtraPodSpec) ||
		src.ExtraPodMetadata != nil ||
		src.FrontendSidecar != nil
}

// mainContainerFromAlpha renders the main container of a v1alpha1 component: dedicated fields
// first, extraPodSpec.mainContainer merged over them.
func mainContainerFromAlpha(src *DynamoComponentDeploymentSharedSpec) (corev1.Container, error) {
	main := mainContainerFromDedicated(src)
	if err := mergeExtraMainContainer(src, &main); err != nil {
		return corev1.Container{}, err
	}
	main.Name = mainContainerName
	return main, nil
}

// mainContainerFromDedicated collects the dedicated v1alpha1 fields into a container named
// main. Every volume mount is included, compilation-cache mounts too.
func mainContainerFromDedicated(src *DynamoComponentDeploymentSharedSpec) corev1.Container {
	c := corev1.Container{Name: mainContainerName}
	if src.Resources != nil {
		c.Resources = resourcesToNative(src.Resources)
	}
	if len(src.Envs) > 0 {
		c.Env = slices.Clone(src.Envs)
	}
	if src.EnvFromSecret != nil && *src.EnvFromSecret != "" {
		c.EnvFrom = []corev1.EnvFromSource{secretEnvSource(*src.EnvFromSecret)}
	}
	c.LivenessProbe = src.LivenessProbe.DeepCopy()
	c.ReadinessProbe = src.ReadinessProbe.DeepCopy()
	for _, m := range src.VolumeMounts {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: m.Name, MountPath: m.MountPoint})
	}
	return c
}

// mergeExtraMainContainer merges extraPodSpec.mainContainer over base, as Dynamo's v1alpha1
// controller does.
func mergeExtraMainContainer(src *DynamoComponentDeploymentSharedSpec, base *corev1.Container) error {
	if src.ExtraPodSpec == nil || src.ExtraPodSpec.MainContainer == nil {
		return nil
	}
	overlay := src.ExtraPodSpec.MainContainer.DeepCopy()
	overlay.Name = mainContainerName
	dedicatedEnv := base.Env
	dedicatedMounts := slices.Clone(base.VolumeMounts)
	if err := mergo.Merge(base, *overlay, mergo.WithOverride); err != nil {
		return fmt.Errorf("merging extraPodSpec.mainContainer: %w", err)
	}
	base.Env = mergeEnvByName(dedicatedEnv, overlay.Env)
	base.VolumeMounts = append(slices.Clone(overlay.VolumeMounts), dedicatedMounts...)
	// Ports and the startup probe have no dedicated field: mainContainer's are taken whole.
	if overlay.Ports != nil {
		base.Ports = overlay.Ports
	}
	if overlay.StartupProbe != nil {
		base.StartupProbe = overlay.StartupProbe
	}
	return nil
}

// mergeEnvByName appends specific to common; a variable of specific replaces one of common with
// the same name in place. It returns nil rather than an empty list.
func mergeEnvByName(common, specific []corev1.EnvVar) []corev1.EnvVar {
	out := make([]corev1.EnvVar, 0, len(common)+len(specific))
	index := map[string]int{}
	for _, e := range common {
		index[e.Name] = len(out)
		out = append(out, e)
	}
	for _, e := range specific {
		if i, ok := index[e.Name]; ok {
			out[i] = e
			continue
		}
		index[e.Name] = len(out)
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// renderedMainContainer is the main container v1alpha1 fields render to, used to compare what
// the live fields and a payload would each produce.
func renderedMainContainer(src *DynamoComponentDeploymentSharedSpec) corev1.Container {
	if src == nil {
		return corev1.Container{Name: mainContainerName}
	}
	main := mainContainerFromDedicated(src)
	_ = mergeExtraMainContainer(src, &main)
	main.Name = mainContainerName
	return main
}

// decomposePodTemplate spreads a v1beta1 pod template over v1alpha1's fields. restored is the
// component's alpha payload entry, used only to turn the generated frontend sidecar back into a
// v1alpha1 frontendSidecar.
func decomposePodTemplate(src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, dst, restored *DynamoComponentDeploymentSharedSpec) {
	if src.PodTemplate == nil {
		if fs, ok := restoredFrontendSidecar(src, restored); ok {
			dst.FrontendSidecar = fs.DeepCopy()
		}
		return
	}
	tpl := src.PodTemplate.DeepCopy()
	if len(tpl.Annotations) > 0 || len(tpl.Labels) > 0 {
		dst.ExtraPodMetadata = &ExtraPodMetadata{Annotations: maps.Clone(tpl.Annotations), Labels: maps.Clone(tpl.Labels)}
	}

	var main *corev1.Container
	others := make([]corev1.Container, 0, len(tpl.Spec.Containers))
	for i := range tpl.Spec.Containers {
		if main == nil && tpl.Spec.Containers[i].Name == mainContainerName {
			main = &tpl.Spec.Containers[i]
			continue
		}
		others = append(others, tpl.Spec.Containers[i])
	}

	// A sidecar that came from a v1alpha1 frontendSidecar turns back into one.
	if src.FrontendSidecar != nil {
		if fs, ok := restoredFrontendSidecar(src, restored); ok {
			name := *src.FrontendSidecar
			if c, found := findContainer(others, name); found {
				dst.FrontendSidecar = frontendSidecarFromContainer(c, fs)
				others = slices.DeleteFunc(others, func(c corev1.Container) bool { return c.Name == name })
			} else {
				dst.FrontendSidecar = fs.DeepCopy()
			}
		}
	}

	if main != nil {
		moveDedicatedFieldsOut(main, dst)
		main.Name = ""
		if containerIsEmpty(main) {
			main = nil
		}
	}
	podSpec := tpl.Spec
	podSpec.Containers = others
	podSpecSet := !isZeroSemantic(podSpec)
	if podSpecSet || main != nil {
		dst.ExtraPodSpec = &ExtraPodSpec{MainContainer: main}
		if podSpecSet {
			dst.ExtraPodSpec.PodSpec = &podSpec
		}
	}
}

// moveDedicatedFieldsOut moves from main into dst the fields v1alpha1 has dedicated fields for,
// clearing them in main.
func moveDedicatedFieldsOut(main *corev1.Container, dst *DynamoComponentDeploymentSharedSpec) {
	if r := resourcesFromNative(main.Resources); r != nil {
		dst.Resources = r
		main.Resources = corev1.ResourceRequirements{}
	}
	if len(main.VolumeMounts) > 0 {
		dst.VolumeMounts = appendMissingMounts(dst.VolumeMounts, flatMounts(main.VolumeMounts))
		main.VolumeMounts = nil
	}
	if len(main.Env) > 0 {
		dst.Envs = slices.Clone(main.Env)
		main.Env = nil
	}
	if main.LivenessProbe != nil {
		dst.LivenessProbe, main.LivenessProbe = main.LivenessProbe, nil
	}
	if main.ReadinessProbe != nil {
		dst.ReadinessProbe, main.ReadinessProbe = main.ReadinessProbe, nil
	}
}

// restoredFrontendSidecar returns the v1alpha1 frontendSidecar kept in the payload when the live
// v1beta1 component still points at the container it was converted to.
func restoredFrontendSidecar(src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, restored *DynamoComponentDeploymentSharedSpec) (*FrontendSidecarSpec, bool) {
	if src.FrontendSidecar == nil || *src.FrontendSidecar != frontendSidecarContainerName || restored == nil || restored.FrontendSidecar == nil {
		return nil, false
	}
	return restored.FrontendSidecar, true
}

// frontendSidecarFromContainer reads a frontendSidecar back from its container. The container's
// image, args, env and secret win; origin supplies what the container cannot tell, an explicitly
// empty envFromSecret.
func frontendSidecarFromContainer(c corev1.Container, origin *FrontendSidecarSpec) *FrontendSidecarSpec {
	out := &FrontendSidecarSpec{}
	if origin != nil {
		out = origin.DeepCopy()
	}
	out.Image = c.Image
	out.Args = slices.Clone(c.Args)
	out.Envs = slices.Clone(c.Env)
	switch secret, ok := singleSecretEnvSource(c.EnvFrom); {
	case ok:
		out.EnvFromSecret = &secret
	case origin != nil && origin.EnvFromSecret != nil && *origin.EnvFromSecret == "":
		out.EnvFromSecret = new(string)
	default:
		out.EnvFromSecret = nil
	}
	return out
}

// singleSecretEnvSource returns the secret name when envFrom is exactly one unprefixed secret
// reference.
func singleSecretEnvSource(envFrom []corev1.EnvFromSource) (string, bool) {
	if len(envFrom) != 1 || envFrom[0].Prefix != "" || envFrom[0].ConfigMapRef != nil || envFrom[0].SecretRef == nil {
		return "", false
	}
	return envFrom[0].SecretRef.Name, true
}

// secretEnvSource is the envFrom entry a v1alpha1 envFromSecret stands for.
func secretEnvSource(name string) corev1.EnvFromSource {
	return corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}
}

// isSecretEnvSource reports whether envFrom is exactly what envFromSecret name renders to.
func isSecretEnvSource(envFrom []corev1.EnvFromSource, name string) bool {
	return equalSemantic(envFrom, []corev1.EnvFromSource{secretEnvSource(name)})
}

// Resources.

// resourcesToNative converts v1alpha1 resources to a container's. cpu and memory keep their
// names; gpu becomes gpuType, or nvidia.com/gpu; custom entries keep their names. A quantity
// that does not parse is left out (and the whole v1alpha1 block is kept in the payload).
func resourcesToNative(r *Resources) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: resourceListFromItem(r.Requests),
		Limits:   resourceListFromItem(r.Limits),
		Claims:   slices.Clone(r.Claims),
	}
}

func resourceListFromItem(item *ResourceItem) corev1.ResourceList {
	if item == nil {
		return nil
	}
	out := corev1.ResourceList{}
	add := func(name corev1.ResourceName, value string) {
		if value == "" {
			return
		}
		if q, err := resource.ParseQuantity(value); err == nil {
			out[name] = q
		}
	}
	add(corev1.ResourceCPU, item.CPU)
	add(corev1.ResourceMemory, item.Memory)
	gpu := defaultGPUResource
	if item.GPUType != "" {
		gpu = corev1.ResourceName(item.GPUType)
	}
	add(gpu, item.GPU)
	for name, value := range item.Custom {
		// Unlike the named fields, an empty custom value is tried, and fails to parse.
		if q, err := resource.ParseQuantity(value); err == nil {
			out[corev1.ResourceName(name)] = q
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// resourcesFromNative converts a container's resources to v1alpha1's, or returns nil when they
// are empty. nvidia.com/gpu becomes gpu; other resources than cpu and memory become custom.
func resourcesFromNative(r corev1.ResourceRequirements) *Resources {
	out := &Resources{Requests: resourceItemFromList(r.Requests), Limits: resourceItemFromList(r.Limits), Claims: slices.Clone(r.Claims)}
	if out.Requests == nil && out.Limits == nil && len(out.Claims) == 0 {
		return nil
	}
	return out
}

func resourceItemFromList(list corev1.ResourceList) *ResourceItem {
	if len(list) == 0 {
		return nil
	}
	out := &ResourceItem{}
	for name, q := range list {
		switch value := q.String(); name {
		case corev1.ResourceCPU:
			out.CPU = value
		case corev1.ResourceMemory:
			out.Memory = value
		case defaultGPUResource:
			out.GPU = value
		default:
			if out.Custom == nil {
				out.Custom = map[string]string{}
			}
			out.Custom[string(name)] = value
		}
	}
	return out
}

// Volume mounts.

// flatMounts converts container mounts to v1alpha1's name-and-path mounts.
func flatMounts(mounts []corev1.VolumeMount) []VolumeMount {
	if len(mounts) == 0 {
		return nil
	}
	out := make([]VolumeMount, 0, len(mounts))
	for _, m := range mounts {
		out = append(out, VolumeMount{Name: m.Name, MountPoint: m.MountPath})
	}
	return out
}

// appendMissingMounts appends to dst the mounts of add whose name and path it does not have.
func appendMissingMounts(dst, add []VolumeMount) []VolumeMount {
	for _, m := range add {
		if !hasFlatMount(dst, m.Name, m.MountPoint) {
			dst = append(dst, m)
		}
	}
	return dst
}

func hasFlatMount(mounts []VolumeMount, name, path string) bool {
	return slices.ContainsFunc(mounts, func(m VolumeMount) bool { return m.Name == name && m.MountPoint == path })
}

func hasNativeMount(mounts []corev1.VolumeMount, name, path string) bool {
	return slices.ContainsFunc(mounts, func(m corev1.VolumeMount) bool { return m.Name == name && m.MountPath == path })
}

// Containers.

func hasContainer(containers []corev1.Container, name string) bool {
	return slices.ContainsFunc(containers, func(c corev1.Container) bool { return c.Name == name })
}

// findContainer returns a copy of the first container named name.
func findContainer(containers []corev1.Container, name string) (corev1.Container, bool) {
	for _, c := range containers {
		if c.Name == name {
			return *c.DeepCopy(), true
		}
	}
	return corev1.Container{}, false
}

// mainContainerOf returns a copy of the main container of a v1beta1 component.
func mainContainerOf(src *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) (corev1.Container, bool) {
	if src == nil || src.PodTemplate == nil {
		return corev1.Container{}, false
	}
	return findContainer(src.PodTemplate.Spec.Containers, mainContainerName)
}

func podTemplateHasContainer(tpl *corev1.PodTemplateSpec, name string) bool {
	return tpl != nil && hasContainer(tpl.Spec.Containers, name)
}

// containerIsEmpty reports whether a container sets nothing but, perhaps, its name.
func containerIsEmpty(c *corev1.Container) bool {
	if c == nil {
		return true
	}
	cp := *c
	cp.Name = ""
	return isZeroSemantic(cp)
}

// containerHasOnlyName is containerIsEmpty for a container value.
func containerHasOnlyName(c corev1.Container) bool {
	return containerIsEmpty(&c)
}

// extraPodSpecIsEmpty reports whether an extraPodSpec sets nothing, a mainContainer holding only
// a name included.
func extraPodSpecIsEmpty(eps *ExtraPodSpec) bool {
	return eps == nil || ((eps.PodSpec == nil || isZeroSemantic(*eps.PodSpec)) && containerIsEmpty(eps.MainContainer))
}
