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
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Backend frameworks.
const (
	BackendVLLM   = "vllm"
	BackendSGLang = "sglang"
	BackendTRTLLM = "trtllm"
)

// vllmCompilationCacheDir is where vLLM keeps its compilation cache, Dynamo's default mount
// point of spec.compilationCache.
const vllmCompilationCacheDir = "/root/.cache/vllm"

// sglangDistPort is the port of SGLang's distributed initialisation on the leader.
const sglangDistPort = "29500"

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

// sglangMultinodeFlags returns the flags SGLang needs to join a multinode replica. They use
// Kubernetes' $(VAR) expansion of command and args, so they work with and without a shell.
func sglangMultinodeFlags(c *component) []string {
	return []string{
		"--dist-init-addr", "$(" + EnvLeaderHost + "):" + sglangDistPort,
		"--nnodes", strconv.Itoa(int(c.nodeCount)),
		"--node-rank", "$(" + EnvNodeRank + ")",
	}
}

// sglangCommandPattern finds a python command running SGLang inside a shell script, up to the
// first shell operator or redirection.
var sglangCommandPattern = regexp.MustCompile(`(python[0-9.]*\s+[^|&;<>]*sglang[^|&;<>]*?)(\s*(?:\d*[<>]|[|&;]|$))`)

// pythonPattern matches the base name of a Python interpreter.
var pythonPattern = regexp.MustCompile(`^python[0-9.]*$`)

// isPython reports whether cmd runs a Python interpreter (python, python3, python3.12, a path).
func isPython(cmd string) bool {
	base := cmd[strings.LastIndex(cmd, "/")+1:]
	return pythonPattern.MatchString(base)
}

// injectMultinodeFlags adds the backend's multinode launch flags to the main container of a
// multinode component, as Dynamo's backends do: appended to the args of a python command, or
// inserted after the SGLang command in a shell script. It returns false when it could not.
// Only SGLang is handled; a container that already passes --dist-init-addr is left alone.
func injectMultinodeFlags(c *component, container *corev1.Container) bool {
	if c.backend != BackendSGLang {
		return false
	}
	if slices.ContainsFunc(append(slices.Clone(container.Command), container.Args...), func(s string) bool {
		return strings.Contains(s, "--dist-init-addr")
	}) {
		return true
	}
	flags := sglangMultinodeFlags(c)
	if len(container.Command) > 0 && isPython(container.Command[0]) {
		container.Args = append(container.Args, flags...)
		return true
	}
	for i, arg := range container.Args {
		if loc := sglangCommandPattern.FindStringSubmatchIndex(arg); loc != nil {
			container.Args[i] = arg[:loc[3]] + " " + strings.Join(flags, " ") + arg[loc[3]:]
			return true
		}
	}
	return false
}
