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
	"slices"

	corev1 "k8s.io/api/core/v1"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// MainContainerName is the name of the container running the component.
const MainContainerName = "main"

// mainContainer builds the main container of c's pods (of multinode replica i when
// replica >= 0): Dynamo's base container for the component type, extraPodSpec.mainContainer
// merged over it field by field (a field the user sets wins; env, ports and volume mounts are
// merged by name or path), then the DCD's envs, resources, envFromSecret, volumes and probes.
func mainContainer(c *component, replica int32, mounts []corev1.VolumeMount) (corev1.Container, error) {
	container := corev1.Container{Name: MainContainerName, Ports: basePorts(c)}
	user := corev1.Container{}
	if mc := c.mainContainer(); mc != nil {
		user = *mc.DeepCopy()
	}
	overrideNonZero(&container, &user,
		"Name", "Command", "Args", "Env", "Ports", "VolumeMounts", "Resources", "EnvFrom",
		"LivenessProbe", "ReadinessProbe", "StartupProbe")
	if container.Image == "" {
		return container, fieldErrorf("spec.extraPodSpec.mainContainer.image", "required: the main container has no image")
	}
	container.Command, container.Args = command(c, user.Command, user.Args)
	container.Ports = mergePorts(container.Ports, user.Ports)
	container.Env = containerEnv(c, replica)
	container.EnvFrom = user.EnvFrom
	if s := c.spec.EnvFromSecret; s != nil && *s != "" {
		ref := corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: *s}}}
		if !slices.ContainsFunc(container.EnvFrom, func(e corev1.EnvFromSource) bool {
			return e.SecretRef != nil && e.SecretRef.Name == *s
		}) {
			container.EnvFrom = append(container.EnvFrom, ref)
		}
	}
	container.VolumeMounts = appendMounts(user.VolumeMounts, mounts)
	resources, err := containerResources(c)
	if err != nil {
		return container, err
	}
	container.Resources = resources
	p, err := containerProbes(c)
	if err != nil {
		return container, err
	}
	container.LivenessProbe, container.ReadinessProbe, container.StartupProbe = p[livenessProbe], p[readinessProbe], p[startupProbe]
	return container, nil
}

// basePorts returns the ports Dynamo opens for the component type.
func basePorts(c *component) []corev1.ContainerPort {
	switch {
	case c.isFrontend():
		return []corev1.ContainerPort{{Name: HTTPPortName, ContainerPort: HTTPPort, Protocol: corev1.ProtocolTCP}}
	case c.isWorker():
		return []corev1.ContainerPort{{Name: SystemPortName, ContainerPort: SystemPort, Protocol: corev1.ProtocolTCP}}
	case c.componentType == nvidiav1alpha1.ComponentTypePlanner:
		return []corev1.ContainerPort{{Name: PlannerMetricsPortName, ContainerPort: PlannerMetricsPort, Protocol: corev1.ProtocolTCP}}
	}
	return nil
}

// command returns the main container's command and args. Command and args are one unit: a user
// command comes with the user's args only. Args alone run under Dynamo's base command
// /bin/sh -c. With neither, a frontend runs python3 -m dynamo.frontend (as recent Dynamo does)
// and other components the image's entrypoint, since /bin/sh -c without a script fails.
func command(c *component, userCommand, userArgs []string) ([]string, []string) {
	switch {
	case len(userCommand) > 0:
		return userCommand, userArgs
	case len(userArgs) > 0:
		return []string{"/bin/sh", "-c"}, userArgs
	case c.isFrontend():
		return []string{"python3"}, []string{"-m", "dynamo.frontend"}
	}
	return nil, nil
}
