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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// defaultTerminationGracePeriodSeconds is Dynamo's grace period for its pods.
const defaultTerminationGracePeriodSeconds = 60

// podTemplate builds the pod template of c (of multinode replica i when replica >= 0): Dynamo's
// base pod spec with extraPodSpec merged over it (a top-level field the user sets wins), the main
// container first and the user's containers after it, the user's volumes then the generated ones.
func podTemplate(c *component, replica int32) (corev1.PodTemplateSpec, error) {
	volumes, mounts, err := generatedVolumes(c)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	main, err := mainContainer(c, replica, mounts)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	spec := corev1.PodSpec{
		TerminationGracePeriodSeconds: ptr.To[int64](defaultTerminationGracePeriodSeconds),
		RestartPolicy:                 corev1.RestartPolicyAlways,
		ServiceAccountName:            c.opts.ServiceAccountName,
	}
	user := corev1.PodSpec{}
	if ep := c.extraPodSpec(); ep != nil {
		user = *ep.DeepCopy()
	}
	overrideNonZero(&spec, &user, "Containers", "Volumes")
	if spec.Affinity != nil && *spec.Affinity == (corev1.Affinity{}) {
		spec.Affinity = nil
	}
	spec.Containers = []corev1.Container{main}
	for i, uc := range user.Containers {
		if uc.Name == MainContainerName {
			return corev1.PodTemplateSpec{}, fieldErrorf(fmt.Sprintf("spec.extraPodSpec.containers[%d].name", i),
				"%q is the generated main container; set its fields in spec.extraPodSpec.mainContainer", MainContainerName)
		}
		spec.Containers = append(spec.Containers, uc)
	}
	if err := checkVolumeNames(user.Volumes); err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	spec.Volumes = appendVolumes(user.Volumes, volumes, mountedVolumes(main.VolumeMounts))
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      podLabels(c, replica),
			Annotations: podAnnotations(c),
		},
		Spec: spec,
	}, nil
}
