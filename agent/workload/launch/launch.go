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

package launch

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Role is the part a pod plays in one replica of a multinode component.
type Role string

const (
	// RoleMain is the role of the pods of a single-node component: nothing is rewritten.
	RoleMain Role = "main"
	// RoleLeader is the role of the pod with rank 0 of a multinode replica, the one that serves.
	RoleLeader Role = "leader"
	// RoleWorker is the role of the other pods of a multinode replica (ranks 1 to nodeCount-1).
	RoleWorker Role = "worker"
)

// Backend frameworks, as a graph's backendFramework names them.
const (
	// BackendVLLM is vLLM: Ray or multiprocessing (mp) for tensor/pipeline parallelism across
	// nodes, data-parallel "hybrid load balancing" otherwise.
	BackendVLLM = "vllm"
	// BackendSGLang is SGLang: --dist-init-addr, --nnodes and --node-rank.
	BackendSGLang = "sglang"
	// BackendTRTLLM is TensorRT-LLM: the leader runs mpirun over SSH, the workers run sshd.
	BackendTRTLLM = "trtllm"
)

// DefaultSSHSecretName is upstream's default name of the mpirun SSH key Secret.
const DefaultSSHSecretName = "mpi-run-ssh-secret"

// Input is what Apply needs to know about the component.
type Input struct {
	// Backend is BackendVLLM, BackendSGLang or BackendTRTLLM; for anything else nothing is
	// rewritten (not even the probes of workers).
	Backend string
	// Role is the role of the pod whose spec is rewritten.
	Role Role
	// NodeCount is the number of pods per replica (multinode.nodeCount); <= 1 means single node.
	NodeCount int32
	// Topology tells how the pods of one replica find each other. Required when NodeCount > 1
	// and Role is RoleLeader or RoleWorker.
	Topology Topology
	// GPUs is the number of GPUs of the main container on one pod (limits first, then requests,
	// as upstream's ResolveContainerGPUs).
	GPUs int64
	// Annotations are the pod template's annotations (nvidia.com/vllm-distributed-executor-backend,
	// nvidia.com/dynamo-operator-origin-version).
	Annotations map[string]string
	// SSHSecretName is, for TRT-LLM, the Secret holding the mpirun SSH key pair
	// (DefaultSSHSecretName if empty).
	SSHSecretName string
}

// Apply rewrites the main container (container, which is an element of podSpec.Containers) and
// podSpec for in, as upstream's Backend.UpdateContainer and Backend.UpdatePodSpec do for a
// multinode component: command/args rewriting, flags, env, probes of worker pods, volumes and
// mounts.
//
// It returns whether launch flags were added, that is whether the command or args were
// rewritten. It returns false, with the command and args unchanged, when the command could not
// be rewritten (e.g. vLLM args-only commands, a non-python command that does not run the engine
// through a shell) or when no distributed launch is needed (a vLLM engine that fits on one pod).
// Even then the pod of a worker loses its probes, and a vLLM pod using the mp backend gets the
// VLLM_NIXL_SIDE_CHANNEL_HOST env var, as upstream. Nothing at all is changed for RoleMain, for
// NodeCount <= 1 and for an unknown backend.
//
// The error names the problem: a nil pod spec or container, an unknown role, a missing topology,
// a negative GPU count, or a launch this package does not implement (vLLM elastic EP across
// nodes). Nothing is changed when it is not nil.
func Apply(podSpec *corev1.PodSpec, container *corev1.Container, in Input) (rewritten bool, err error) {
	if podSpec == nil || container == nil {
		return false, errors.New("launch: pod spec and container are required")
	}
	switch in.Role {
	case RoleMain, RoleLeader, RoleWorker:
	default:
		return false, fmt.Errorf("launch: unknown role %q", in.Role)
	}
	if in.Role == RoleMain || in.NodeCount <= 1 {
		return false, nil
	}
	switch in.Backend {
	case BackendVLLM, BackendSGLang, BackendTRTLLM:
	default:
		return false, nil
	}
	if in.Topology == nil {
		return false, fmt.Errorf("launch: %s %s of %d nodes: no topology", in.Backend, in.Role, in.NodeCount)
	}
	if in.GPUs < 0 {
		return false, fmt.Errorf("launch: %s %s of %d nodes: negative GPU count %d", in.Backend, in.Role, in.NodeCount, in.GPUs)
	}
	switch in.Backend {
	case BackendVLLM:
		rewritten, err = applyVLLM(container, in)
	case BackendSGLang:
		rewritten = applySGLang(container, in)
	default:
		rewritten = applyTRTLLM(podSpec, container, in)
	}
	if err != nil {
		return false, fmt.Errorf("launch: %s %s of %d nodes: %w", in.Backend, in.Role, in.NodeCount, err)
	}
	return rewritten, nil
}

// removeProbes drops every probe of the main container of a worker pod, which does not serve
// (vLLM, SGLang).
func removeProbes(c *corev1.Container) {
	c.LivenessProbe = nil
	c.ReadinessProbe = nil
	c.StartupProbe = nil
}

// setEnv sets a variable of c: in place of one of the same name, else appended. Upstream appends,
// which leaves a user's variable of that name twice, the later one winning in the kubelet; a
// container with a name twice cannot be server-side applied (env is a map keyed by name), so
// the one variable takes the value upstream's second one would have.
func setEnv(c *corev1.Container, v corev1.EnvVar) {
	for i := range c.Env {
		if c.Env[i].Name == v.Name {
			c.Env[i] = v
			return
		}
	}
	c.Env = append(c.Env, v)
}
