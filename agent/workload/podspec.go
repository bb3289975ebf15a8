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

// DefaultFSGroup is the fsGroup of pods whose pod template sets no securityContext, as Dynamo
// sets it (applyDefaultSecurityContext) so that non-root images can write to mounted volumes.
const DefaultFSGroup int64 = 1000

// podTemplate builds the pod template of c (of multinode replica i when replica >= 0) the way
// Dynamo's v1beta1 operator does: the DCD's pod template is the base; Dynamo's pod defaults fill
// the pod fields it leaves unset (a top-level field the user sets wins); Dynamo's defaults for
// the component type are merged into the container named main, which comes first; a pod template
// without securityContext gets Dynamo's (fsGroup DefaultFSGroup); the other
// containers are the user's sidecars, kept as written, except the one spec.frontendSidecar names,
// which gets the frontend's defaults; and the volumes are the template's, then those the main
// container mounts without the template defining them.
func podTemplate(c *component, pods podSet) (corev1.PodTemplateSpec, error) {
	mounts, err := mainMounts(c)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	main, err := mainContainer(c, pods, mounts)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	spec := corev1.PodSpec{
		TerminationGracePeriodSeconds: ptr.To[int64](defaultTerminationGracePeriodSeconds),
		RestartPolicy:                 corev1.RestartPolicyAlways,
		ServiceAccountName:            c.opts.ServiceAccountName,
	}
	user := corev1.PodSpec{}
	if ps := c.podSpec(); ps != nil {
		user = *ps.DeepCopy()
	}
	overrideNonZero(&spec, &user, "Containers", "Volumes")
	if user.SecurityContext == nil {
		// A securityContext the user gives, even a partial or empty one, is kept whole.
		spec.SecurityContext = &corev1.PodSecurityContext{FSGroup: ptr.To(DefaultFSGroup)}
	}
	if spec.Affinity != nil && *spec.Affinity == (corev1.Affinity{}) {
		spec.Affinity = nil
	}
	spec.Containers = []corev1.Container{main}
	seen := map[string]bool{}
	for i, uc := range user.Containers {
		if uc.Name == MainContainerName && !seen[uc.Name] {
			// The first container named main is the one merged above.
			seen[uc.Name] = true
			continue
		}
		if seen[uc.Name] {
			return corev1.PodTemplateSpec{}, fieldErrorf(fmt.Sprintf("%s.containers[%d].name", podSpecPath, i), "duplicate container name %q", uc.Name)
		}
		seen[uc.Name] = true
		spec.Containers = append(spec.Containers, uc)
	}
	if err := applyFrontendSidecar(c, spec.Containers, mounts); err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	volumes, err := podVolumes(c, user.Volumes, main)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	spec.Volumes = volumes
	annotations := podAnnotations(c)
	if pods.multinode() {
		if err := applyLaunch(c, pods, &spec, annotations); err != nil {
			return corev1.PodTemplateSpec{}, err
		}
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      podLabels(c, pods),
			Annotations: annotations,
		},
		Spec: spec,
	}, nil
}
