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

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// applyFrontendSidecar merges the frontend's defaults into the container spec.frontendSidecar
// names, among containers (the pod's, main first), as Dynamo does: the user's container over
// a frontend's base container (HTTP port, Dynamo's frontend variables, probes, command
// python3 -m dynamo.frontend), with the main container's mounts other than /dev/shm added.
// A v1alpha1 frontendSidecar arrives as the container sidecar-frontend.
func applyFrontendSidecar(c *component, containers []corev1.Container, mainMounts []corev1.VolumeMount) error {
	if c.spec.FrontendSidecar == nil {
		return nil
	}
	name := *c.spec.FrontendSidecar
	if name == MainContainerName {
		return fieldErrorf("spec.frontendSidecar", "%q is the main container; name a sidecar of the pod template", name)
	}
	i := slices.IndexFunc(containers, func(ctr corev1.Container) bool { return ctr.Name == name })
	if i < 0 {
		return fieldErrorf("spec.frontendSidecar", "%q does not name a container of the pod template", name)
	}
	path := fmt.Sprintf("%s.containers[%s]", podSpecPath, name)
	user := containers[i].DeepCopy()
	frontend := string(nvidiav1beta1.ComponentTypeFrontend)
	sidecar := *user
	sidecar.Command, sidecar.Args = sidecarCommand(user.Command, user.Args)
	sidecar.Ports = mergePorts(basePorts(frontend), user.Ports)
	sidecar.Env = mergeEnv(c.opts.Env, injectedEnv(c, frontend, singleNode), user.Env)
	sidecar.VolumeMounts = slices.Clone(user.VolumeMounts)
	for _, m := range mainMounts {
		if m.MountPath == SharedMemoryMountPath || slices.ContainsFunc(sidecar.VolumeMounts, func(s corev1.VolumeMount) bool {
			return s.Name == m.Name || s.MountPath == m.MountPath
		}) {
			continue
		}
		sidecar.VolumeMounts = append(sidecar.VolumeMounts, m)
	}
	resources, err := containerResources(path, user.Resources)
	if err != nil {
		return err
	}
	sidecar.Resources = resources
	p, err := containerProbes(defaultProbes(frontend), user, path)
	if err != nil {
		return err
	}
	sidecar.LivenessProbe, sidecar.ReadinessProbe, sidecar.StartupProbe = p[livenessProbe], p[readinessProbe], p[startupProbe]
	containers[i] = sidecar
	return nil
}

// sidecarCommand returns a frontend sidecar's command and args: the user's command with the
// user's args, else python3 with the user's args, or -m dynamo.frontend without any, as
// Dynamo's frontend base container merged under the user's gives.
func sidecarCommand(userCommand, userArgs []string) ([]string, []string) {
	if len(userCommand) > 0 {
		return userCommand, userArgs
	}
	cmd, args := frontendCommand()
	if len(userArgs) > 0 {
		args = userArgs
	}
	return cmd, args
}
