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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Shared memory defaults, as in Dynamo.
const (
	// SharedMemoryVolumeName is the name of the memory-backed volume mounted at /dev/shm.
	SharedMemoryVolumeName = "shared-memory"
	// SharedMemoryMountPath is where the shared memory volume is mounted.
	SharedMemoryMountPath = "/dev/shm"
	// DefaultSharedMemorySize is the size limit of the shared memory volume unless
	// sharedMemory.size sets one.
	DefaultSharedMemorySize = "8Gi"
)

// generatedVolumes returns the volumes and main-container mounts the DCD asks for: one
// persistent volume claim per spec.volumeMounts entry (the claim named like the entry), then the
// shared memory volume unless disabled.
func generatedVolumes(c *component) ([]corev1.Volume, []corev1.VolumeMount, error) {
	var volumes []corev1.Volume
	var mounts []corev1.VolumeMount
	for i, vm := range c.spec.VolumeMounts {
		path := indexPath("spec.volumeMounts", i)
		if vm.Name == "" {
			return nil, nil, fieldErrorf(fieldPath(path, "name"), "required: the name of the persistent volume claim to mount")
		}
		if msgs := validation.IsDNS1123Label(vm.Name); len(msgs) > 0 {
			return nil, nil, fieldErrorf(fieldPath(path, "name"), "%q cannot name a volume: %s", vm.Name, msgs[0])
		}
		mountPoint := vm.MountPoint
		if mountPoint == "" {
			if !vm.UseAsCompilationCache {
				return nil, nil, fieldErrorf(fieldPath(path, "mountPoint"), "required unless useAsCompilationCache is true")
			}
			mountPoint = compilationCacheDir(c.backend)
			if mountPoint == "" {
				return nil, nil, fieldErrorf(fieldPath(path, "mountPoint"),
					"required: useAsCompilationCache has no default directory for backend framework %q (only vllm has one, %s); set mountPoint",
					c.backend, vllmCompilationCacheDir)
			}
		}
		volumes = append(volumes, corev1.Volume{
			Name: vm.Name,
			VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: vm.Name},
			},
		})
		mounts = append(mounts, corev1.VolumeMount{Name: vm.Name, MountPath: mountPoint})
	}
	if shm := c.spec.SharedMemory; shm == nil || !shm.Disabled {
		size := resource.MustParse(DefaultSharedMemorySize)
		if shm != nil && !shm.Size.IsZero() {
			if shm.Size.Sign() < 0 {
				return nil, nil, fieldErrorf("spec.sharedMemory.size", "must not be negative, got %s", shm.Size.String())
			}
			size = shm.Size.DeepCopy()
		}
		volumes = append(volumes, corev1.Volume{
			Name: SharedMemoryVolumeName,
			VolumeSource: corev1.VolumeSource{
				EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &size},
			},
		})
		mounts = append(mounts, corev1.VolumeMount{Name: SharedMemoryVolumeName, MountPath: SharedMemoryMountPath})
	}
	return volumes, mounts, nil
}

// checkVolumeNames rejects two volumes of one name, which Kubernetes would reject.
func checkVolumeNames(volumes []corev1.Volume) error {
	seen := map[string]bool{}
	for i, v := range volumes {
		if seen[v.Name] {
			return fieldErrorf(fmt.Sprintf("spec.extraPodSpec.volumes[%d].name", i), "duplicate volume name %q", v.Name)
		}
		seen[v.Name] = true
	}
	return nil
}
