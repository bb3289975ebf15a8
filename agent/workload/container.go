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
	corev1 "k8s.io/api/core/v1"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// MainContainerName is the name of the container running the component: the pod template's
// container of that name, into which Dynamo's defaults are merged.
const MainContainerName = nvidiav1beta1.MainContainerName

// mainContainer builds the main container of c's pods in pods: Dynamo's base container for the component type with the pod template's main
// container merged over it field by field (a field the user sets wins; env and ports are merged
// by name), mounts the given ones (see mainMounts), resources and probes completed.
func mainContainer(c *component, pods podSet, mounts []corev1.VolumeMount) (corev1.Container, error) {
	container := corev1.Container{Name: MainContainerName, Ports: basePorts(c.componentType)}
	mc := c.mainContainer()
	if mc == nil {
		return container, fieldErrorf(mainContainerPath+".image", "required: the pod template has no container named %q to run the component", MainContainerName)
	}
	user := *mc.DeepCopy()
	overrideNonZero(&container, &user,
		"Name", "Command", "Args", "Env", "Ports", "VolumeMounts", "Resources",
		"LivenessProbe", "ReadinessProbe", "StartupProbe")
	if container.Image == "" {
		return container, fieldErrorf(mainContainerPath+".image", "required: the main container has no image")
	}
	container.Command, container.Args = command(c.isFrontend(), user.Command, user.Args)
	container.Ports = mergePorts(container.Ports, user.Ports)
	container.Env = mergeEnv(c.opts.Env, injectedEnv(c, c.componentType, pods), backendEnv(c), user.Env)
	container.VolumeMounts = mounts
	if err := checkPreservedResources(c); err != nil {
		return container, err
	}
	resources, err := containerResources(mainContainerPath, user.Resources)
	if err != nil {
		return container, err
	}
	container.Resources = resources
	p, err := containerProbes(defaultProbes(c.componentType), &user, mainContainerPath)
	if err != nil {
		return container, err
	}
	container.LivenessProbe, container.ReadinessProbe, container.StartupProbe = p[livenessProbe], p[readinessProbe], p[startupProbe]
	return container, nil
}

// basePorts returns the ports Dynamo opens for a component type.
func basePorts(componentType string) []corev1.ContainerPort {
	switch {
	case componentType == string(nvidiav1beta1.ComponentTypeFrontend):
		return []corev1.ContainerPort{{Name: HTTPPortName, ContainerPort: HTTPPort, Protocol: corev1.ProtocolTCP}}
	case isWorkerType(componentType):
		return []corev1.ContainerPort{
			{Name: SystemPortName, ContainerPort: SystemPort, Protocol: corev1.ProtocolTCP},
			{Name: NixlPortName, ContainerPort: NixlPort, Protocol: corev1.ProtocolTCP},
		}
	case componentType == string(nvidiav1beta1.ComponentTypePlanner):
		return []corev1.ContainerPort{
			{Name: PlannerMetricsPortName, ContainerPort: PlannerMetricsPort, Protocol: corev1.ProtocolTCP},
			{Name: SystemPortName, ContainerPort: SystemPort, Protocol: corev1.ProtocolTCP},
		}
	}
	return nil
}

// command returns the main container's command and args. Command and args are one unit: a user
// command comes with the user's args only. Args alone run under Dynamo's base command
// /bin/sh -c. With neither, a frontend runs python3 -m dynamo.frontend (as recent Dynamo does)
// and other components the image's entrypoint, since /bin/sh -c without a script fails.
func command(frontend bool, userCommand, userArgs []string) ([]string, []string) {
	switch {
	case len(userCommand) > 0:
		return userCommand, userArgs
	case len(userArgs) > 0:
		return []string{"/bin/sh", "-c"}, userArgs
	case frontend:
		return frontendCommand()
	}
	return nil, nil
}

// frontendCommand is the command and args of a frontend that sets neither.
func frontendCommand() ([]string, []string) {
	return []string{"python3"}, []string{"-m", "dynamo.frontend"}
}
