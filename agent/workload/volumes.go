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

package workload

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// Shared memory defaults, as in Dynamo.
const (
	// SharedMemoryVolumeName is the name of the memory-backed volume mounted at /dev/shm.
	SharedMemoryVolumeName = "shared-memory"
	// SharedMemoryMountPath is where the shared memory volume is mounted.
	SharedMemoryMountPath = "/dev/shm"
	// DefaultSharedMemorySize is the size limit of the shared memory volume unless
	// spec.sharedMemorySize sets one.
	DefaultSharedMemorySize = "8Gi"
)

// mainMounts returns the main container's volume mounts: the pod template's, in order (a mount
// whose path an earlier one already uses is dropped, the earlier one winning, as the user's
// mounts won over generated ones in v1alpha1), then the compilation cache's unless it is mounted,
// then the shared memory volume's at /dev/shm unless spec.sharedMemorySize is 0 or the user
// mounts something there.
//
// A mount of the compilation cache's claim without a path is mounted at the cache's path, as
// Dynamo does; that is how a v1alpha1 volume mount with useAsCompilationCache and no mountPoint
// arrives. Every mount must otherwise name a volume and a path.
func mainMounts(c *component) ([]corev1.VolumeMount, error) {
	var user []corev1.VolumeMount
	if mc := c.mainContainer(); mc != nil {
		user = mc.VolumeMounts
	}
	var mounts []corev1.VolumeMount
	uses := func(path string) bool {
		return slices.ContainsFunc(mounts, func(m corev1.VolumeMount) bool { return m.MountPath == path })
	}
	cache := c.spec.CompilationCache
	for i, m := range user {
		path := indexPath(mainContainerPath+".volumeMounts", i)
		if m.Name == "" {
			return nil, fieldErrorf(fieldPath(path, "name"), "required: the name of the volume to mount")
		}
		if m.MountPath == "" {
			switch {
			case cache != nil && m.Name == cache.PVCName:
				cachePath, err := compilationCachePath(c)
				if err != nil {
					return nil, err
				}
				m.MountPath = cachePath
			case isV1alpha1CompilationCache(c, m.Name):
				// A further v1alpha1 volume mount with useAsCompilationCache and no mountPoint,
				// which v1beta1 keeps only in the payload: mounted at the backend's cache
				// directory, as in v1alpha1 (unless the first cache is already there).
				dir := compilationCacheDir(c.backend)
				if dir == "" {
					return nil, fieldErrorf(fieldPath(path, "mountPath"),
						"required: the compilation cache has no default directory for backend framework %q (only vllm has one, %s)",
						c.backend, vllmCompilationCacheDir)
				}
				m.MountPath = dir
			default:
				return nil, fieldErrorf(fieldPath(path, "mountPath"), "required")
			}
		}
		if uses(m.MountPath) {
			continue
		}
		mounts = append(mounts, *m.DeepCopy())
	}
	if cache != nil {
		cachePath, err := compilationCachePath(c)
		if err != nil {
			return nil, err
		}
		mounted := slices.ContainsFunc(mounts, func(m corev1.VolumeMount) bool { return m.Name == cache.PVCName && m.MountPath == cachePath })
		if !mounted && !uses(cachePath) {
			mounts = append(mounts, corev1.VolumeMount{Name: cache.PVCName, MountPath: cachePath})
		}
	}
	shm, err := sharedMemoryVolume(c)
	if err != nil {
		return nil, err
	}
	if shm != nil && !uses(SharedMemoryMountPath) {
		mounts = append(mounts, corev1.VolumeMount{Name: SharedMemoryVolumeName, MountPath: SharedMemoryMountPath})
	}
	return mounts, nil
}

// isV1alpha1CompilationCache reports whether the DCD, converted from v1alpha1, had a volume
// mount of volume name flagged useAsCompilationCache.
func isV1alpha1CompilationCache(c *component, name string) bool {
	return slices.ContainsFunc(c.alpha.VolumeMounts, func(m nvidiav1alpha1.VolumeMount) bool {
		return m.Name == name && m.UseAsCompilationCache
	})
}

// compilationCachePath returns where spec.compilationCache is mounted: its mountPath, else the
// backend's cache directory.
func compilationCachePath(c *component) (string, error) {
	cache := c.spec.CompilationCache
	if cache.MountPath != "" {
		return cache.MountPath, nil
	}
	if dir := compilationCacheDir(c.backend); dir != "" {
		return dir, nil
	}
	return "", fieldErrorf("spec.compilationCache.mountPath",
		"required: the compilation cache has no default directory for backend framework %q (only vllm has one, %s)",
		c.backend, vllmCompilationCacheDir)
}

// sharedMemoryVolume returns the memory-backed volume of spec.sharedMemorySize: DefaultSharedMemorySize
// when unset, none when 0.
func sharedMemoryVolume(c *component) (*corev1.Volume, error) {
	size := resource.MustParse(DefaultSharedMemorySize)
	if q := c.spec.SharedMemorySize; q != nil {
		switch q.Sign() {
		case 0:
			return nil, nil
		case -1:
			return nil, fieldErrorf("spec.sharedMemorySize", "must not be negative, got %s", q.String())
		}
		size = q.DeepCopy()
	}
	return &corev1.Volume{
		Name: SharedMemoryVolumeName,
		VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &size},
		},
	}, nil
}

// podVolumes returns the pod's volumes: the pod template's, then, for every volume the main
// container mounts that the template does not define, a persistent volume claim of the
// volume's name (as Dynamo adds for mounts without a volume, and as v1alpha1's volumeMounts
// always meant), then the shared memory volume if mounted.
func podVolumes(c *component, user []corev1.Volume, main corev1.Container) ([]corev1.Volume, error) {
	if err := checkVolumeNames(user); err != nil {
		return nil, err
	}
	volumes := slices.Clone(user)
	defined := func(name string) bool {
		return slices.ContainsFunc(volumes, func(v corev1.Volume) bool { return v.Name == name })
	}
	for _, m := range main.VolumeMounts {
		if defined(m.Name) {
			continue
		}
		if m.Name == SharedMemoryVolumeName && m.MountPath == SharedMemoryMountPath {
			shm, err := sharedMemoryVolume(c)
			if err != nil {
				return nil, err
			}
			if shm != nil {
				volumes = append(volumes, *shm)
				continue
			}
		}
		if msgs := validation.IsDNS1123Label(m.Name); len(msgs) > 0 {
			return nil, fieldErrorf(mountNamePath(c, m.Name), "%q cannot name a volume: %s", m.Name, msgs[0])
		}
		volumes = append(volumes, corev1.Volume{
			Name: m.Name,
			VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: m.Name},
			},
		})
	}
	return volumes, nil
}

// mountNamePath returns the path of the name of the main container's first mount of volume
// name, or of the compilation cache's claim.
func mountNamePath(c *component, name string) string {
	if mc := c.mainContainer(); mc != nil {
		if i := slices.IndexFunc(mc.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == name }); i >= 0 {
			return fieldPath(indexPath(mainContainerPath+".volumeMounts", i), "name")
		}
	}
	return "spec.compilationCache.pvcName"
}

// checkVolumeNames rejects two volumes of one name, which Kubernetes would reject.
func checkVolumeNames(volumes []corev1.Volume) error {
	seen := map[string]bool{}
	for i, v := range volumes {
		if seen[v.Name] {
			return fieldErrorf(fmt.Sprintf("%s.volumes[%d].name", podSpecPath, i), "duplicate volume name %q", v.Name)
		}
		seen[v.Name] = true
	}
	return nil
}
