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
	"strconv"

	corev1 "k8s.io/api/core/v1"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Ports Dynamo gives its components.
const (
	// HTTPPort is the frontend's OpenAI-compatible HTTP port, named HTTPPortName.
	HTTPPort     = 8000
	HTTPPortName = "http"
	// SystemPort is a worker's system (health and metrics) port, named SystemPortName.
	SystemPort     = 9090
	SystemPortName = "system"
	// PlannerMetricsPort is the planner's Prometheus port, named PlannerMetricsPortName.
	PlannerMetricsPort     = 9085
	PlannerMetricsPortName = "metrics"
)

// Variables the agent injects into multinode pods.
const (
	// EnvLeaderHost is the DNS name of the leader (ordinal 0) pod of the pod's replica.
	EnvLeaderHost = "LEADER_HOST"
	// EnvNodeCount is the number of pods of a replica.
	EnvNodeCount = "NODE_COUNT"
	// EnvNodeRank is the pod's ordinal in its replica, 0 for the leader.
	EnvNodeRank = "NODE_RANK"
)

// injectedEnv returns the variables Dynamo injects into a container running componentType for
// c (the main container, or a frontend sidecar): those of every component, those of the type,
// and, for multinode replica i (replica >= 0), the multinode variables. Callers merge them after
// Options.Env and before the container's own, which win.
func injectedEnv(c *component, componentType string, replica int32) []corev1.EnvVar {
	env := []corev1.EnvVar{
		{Name: "DYN_NAMESPACE", Value: c.dynamoNamespace},
		{Name: "DYN_COMPONENT", Value: componentType},
		{Name: "DYN_PARENT_DGD_K8S_NAME", Value: c.graphName},
		{Name: "DYN_PARENT_DGD_K8S_NAMESPACE", Value: c.namespace},
		fieldRefEnv("POD_NAME", "metadata.name"),
		fieldRefEnv("POD_NAMESPACE", "metadata.namespace"),
		fieldRefEnv("POD_UID", "metadata.uid"),
	}
	switch {
	case componentType == string(nvidiav1beta1.ComponentTypeFrontend):
		env = append(env,
			corev1.EnvVar{Name: "DYNAMO_PORT", Value: strconv.Itoa(HTTPPort)},
			corev1.EnvVar{Name: "DYN_HTTP_PORT", Value: strconv.Itoa(HTTPPort)},
		)
	case isWorkerType(componentType):
		env = append(env,
			corev1.EnvVar{Name: "DYN_SYSTEM_ENABLED", Value: "true"},
			corev1.EnvVar{Name: "DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS", Value: `["generate"]`},
			corev1.EnvVar{Name: "DYN_SYSTEM_PORT", Value: strconv.Itoa(SystemPort)},
			corev1.EnvVar{Name: "DYN_HEALTH_CHECK_ENABLED", Value: "false"},
		)
	case componentType == string(nvidiav1beta1.ComponentTypePlanner):
		env = append(env, corev1.EnvVar{Name: "PLANNER_PROMETHEUS_PORT", Value: strconv.Itoa(PlannerMetricsPort)})
	}
	if replica >= 0 {
		env = append(env,
			corev1.EnvVar{Name: EnvLeaderHost, Value: leaderHost(c, replica)},
			corev1.EnvVar{Name: EnvNodeCount, Value: strconv.Itoa(int(c.nodeCount))},
			fieldRefEnv(EnvNodeRank, fmt.Sprintf("metadata.labels['%s']", podIndexLabel)),
		)
	}
	return env
}

// leaderHost is the DNS name of the leader pod of multinode replica i, through its headless
// Service.
func leaderHost(c *component, replica int32) string {
	name := replicaName(c, replica)
	return fmt.Sprintf("%s-0.%s.%s.svc.%s", name, name, c.namespace, c.opts.ClusterDomain)
}

// fieldRefEnv returns a variable holding a field of the pod, through the downward API.
func fieldRefEnv(name, fieldPath string) corev1.EnvVar {
	return corev1.EnvVar{
		Name: name,
		ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: fieldPath},
		},
	}
}
