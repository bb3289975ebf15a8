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
	"maps"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/flotilla-dev/flotilla/agent/workload/launch"
)

// Backend frameworks.
const (
	BackendVLLM   = launch.BackendVLLM
	BackendSGLang = launch.BackendSGLang
	BackendTRTLLM = launch.BackendTRTLLM
)

// vllmCompilationCacheDir is where vLLM keeps its compilation cache, Dynamo's default mount
// point of spec.compilationCache.
const vllmCompilationCacheDir = "/root/.cache/vllm"

// backendPattern finds "python... -m dynamo.<backend>" in a command line, as Dynamo's detection.
var backendPattern = regexp.MustCompile(`python[0-9.]*\s+[^|&;]*-m\s+[^|&;]*dynamo\.(vllm|sglang|trtllm)\b`)

// backendFramework returns spec.backendFramework, else the backend the main container's command
// runs (python3 -m dynamo.vllm and so on), else "".
func backendFramework(c *component) string {
	if c.dcd.Spec.BackendFramework != "" {
		return c.dcd.Spec.BackendFramework
	}
	mc := c.mainContainer()
	if mc == nil {
		return ""
	}
	line := strings.Join(append(slices.Clone(mc.Command), mc.Args...), " ")
	if m := backendPattern.FindStringSubmatch(line); m != nil {
		return m[1]
	}
	return ""
}

// compilationCacheDir returns the backend's default compilation cache directory, "" when it has
// none. Dynamo knows one only for vLLM; SGLang and TensorRT-LLM have no compilation cache it
// manages, so a mount point is required for them.
func compilationCacheDir(backend string) string {
	if backend == BackendVLLM {
		return vllmCompilationCacheDir
	}
	return ""
}

// containerGPUs returns the GPUs a container asks for, as Dynamo counts them for a multinode
// launch: the limit of nvidia.com/gpu or another <vendor>/gpu resource, else its request, else 0.
func containerGPUs(c *corev1.Container) int64 {
	for _, list := range []corev1.ResourceList{c.Resources.Limits, c.Resources.Requests} {
		if q, ok := list[DefaultGPUResource]; ok {
			return q.Value()
		}
		for _, name := range slices.Sorted(maps.Keys(list)) {
			if strings.HasSuffix(string(name), "/gpu") {
				q := list[name]
				return q.Value()
			}
		}
	}
	return 0
}
