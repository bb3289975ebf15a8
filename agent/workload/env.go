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
	// NixlPort is a worker's NIXL telemetry (Prometheus) port, named NixlPortName.
	NixlPort     = 19090
	NixlPortName = "nixl"
	// ForwardPassMetricPort is the base port of a worker's forward-pass metrics.
	ForwardPassMetricPort = 20380
)

// Variables the agent injects into multinode pods.
const (
	// EnvVLLMCacheRoot is where vLLM keeps its caches; set to the compilation cache's mount.
	EnvVLLMCacheRoot = "VLLM_CACHE_ROOT"
	// EnvLeaderHost is the fully qualified DNS name of the leader pod of the pod's replica.
	EnvLeaderHost = "LEADER_HOST"
	// EnvNodeCount is the number of pods of a replica.
	EnvNodeCount = "NODE_COUNT"
	// EnvNodeRank is the pod's rank in its replica, 0 for the leader (as EnvLWSWorkerIndex).
	EnvNodeRank = "NODE_RANK"
)

// injectedEnv returns the variables Dynamo injects into a container running componentType for
// c (the main container, or a frontend sidecar): those of every component, those of the type,
// and, for the pods of a multinode replica, the multinode variables (multinodeEnv). Callers merge
// them after Options.Env and before the container's own, which win.
func injectedEnv(c *component, componentType string, pods podSet) []corev1.EnvVar {
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
			corev1.EnvVar{Name: "DYN_NAMESPACE_PREFIX", Value: c.dynamoNamespace},
		)
	case isWorkerType(componentType):
		env = append(env,
			corev1.EnvVar{Name: "DYN_SYSTEM_ENABLED", Value: "true"},
			corev1.EnvVar{Name: "DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS", Value: `["generate"]`},
			corev1.EnvVar{Name: "DYN_SYSTEM_PORT", Value: strconv.Itoa(SystemPort)},
			corev1.EnvVar{Name: "DYN_HEALTH_CHECK_ENABLED", Value: "false"},
			corev1.EnvVar{Name: "DYN_FORWARDPASS_METRIC_PORT", Value: strconv.Itoa(ForwardPassMetricPort)},
			corev1.EnvVar{Name: "NIXL_TELEMETRY_ENABLE", Value: "n"},
			corev1.EnvVar{Name: "NIXL_TELEMETRY_EXPORTER", Value: "prometheus"},
			corev1.EnvVar{Name: "NIXL_TELEMETRY_PROMETHEUS_PORT", Value: strconv.Itoa(NixlPort)},
		)
	case componentType == string(nvidiav1beta1.ComponentTypePlanner):
		env = append(env,
			corev1.EnvVar{Name: "PLANNER_PROMETHEUS_PORT", Value: strconv.Itoa(PlannerMetricsPort)},
			corev1.EnvVar{Name: "DYN_SYSTEM_PORT", Value: strconv.Itoa(SystemPort)},
		)
	}
	if pods.replica >= 0 {
		// LeaderWorkerSet's webhook gives its own pods these variables.
		env = append(env, multinodeEnv(c, pods)...)
	}
	return env
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

// backendEnv returns the variables Dynamo's backend gives the main container: for vLLM with a
// compilation cache, VLLM_CACHE_ROOT at the cache's mount. Dynamo sets it only when the mount
// path is given; here the default path counts too, since vLLM's own default follows $HOME, which
// is not /root in every image.
func backendEnv(c *component) []corev1.EnvVar {
	if c.backend != BackendVLLM || c.spec.CompilationCache == nil {
		return nil
	}
	dir, err := compilationCachePath(c)
	if err != nil {
		return nil
	}
	return []corev1.EnvVar{{Name: EnvVLLMCacheRoot, Value: dir}}
}
