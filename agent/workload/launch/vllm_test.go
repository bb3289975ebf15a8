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
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
)

// vllmCase is one vLLM row: the pod's container and Input, and what Apply must make of them.
type vllmCase struct {
	name          string // the upstream row's name
	nodes         int32
	role          Role
	topo          Topology
	annotations   map[string]string
	command, args []string
	gpus          int64
	wantCommand   []string // nil: unchanged
	wantArgs      []string // nil: unchanged
	wantRewritten bool
	wantMPEnv     bool // VLLM_NIXL_SIDE_CHANNEL_HOST is added
}

// origin100 and friends are the pod template annotations of upstream's rows.
var (
	origin100 = map[string]string{annotationOriginVersion: "1.0.0"}
	origin160 = map[string]string{annotationOriginVersion: "1.6.0"}
	forceMP   = map[string]string{annotationVLLMExecutorBackend: "mp"}
	rayOn100  = map[string]string{annotationOriginVersion: "1.0.0", annotationVLLMExecutorBackend: "ray"}
)

func runVLLMCases(t *testing.T, cases []vllmCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := withProbes(corev1.Container{Name: "main", Command: slices.Clone(tc.command), Args: slices.Clone(tc.args)})
			_, got, rewritten := apply(t, before, Input{
				Backend: BackendVLLM, Role: tc.role, NodeCount: tc.nodes, Topology: tc.topo,
				GPUs: tc.gpus, Annotations: tc.annotations,
			})
			wantCommand, wantArgs := tc.command, tc.args
			if tc.wantCommand != nil {
				wantCommand = tc.wantCommand
			}
			if tc.wantArgs != nil {
				wantArgs = tc.wantArgs
			}
			if diff := cmp.Diff(wantCommand, got.Command, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("command (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantArgs, got.Args, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
			if rewritten != tc.wantRewritten {
				t.Errorf("rewritten = %v, want %v", rewritten, tc.wantRewritten)
			}
			var wantEnv []corev1.EnvVar
			if tc.wantMPEnv {
				wantEnv = []corev1.EnvVar{podIPEnv("VLLM_NIXL_SIDE_CHANNEL_HOST")}
			}
			if diff := cmp.Diff(wantEnv, got.Env, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("env (-want +got):\n%s", diff)
			}
			checkProbes(t, &before, got, tc.role, tc.nodes)
		})
	}
}

// TestVLLMUpdateContainer translates the in-scope rows of upstream's TestVLLMBackend_UpdateContainer
// (deploy/operator/internal/dynamo/backend_vllm_test.go at 0367e404b084). Every container has
// probes here; upstream's leader rows had none, so "expectProbesRemoved" on them only proved
// that nil stays nil: leaders keep their probes.
//
// Not translated (out of scope, see the package documentation): "new multinode leader/worker
// uses topology aliases" (replaced by the two origin-1.6.0 rows below) and the single-node
// elastic-EP rows that expect a Ray head ("single node elastic EP gets a ray head" and its
// "inline backend flag", "-dpb short alias", "inline -dpb alias" and "flags placed in Command"
// variants).
func TestVLLMUpdateContainer(t *testing.T) {
	runVLLMCases(t, []vllmCase{
		{
			name: "single node does not modify args", nodes: 1, role: RoleMain, topo: grove,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm"},
		},
		{
			name: "multinode leader uses ray (no annotations = legacy)", nodes: 3, role: RoleLeader, topo: grove,
			command: []string{"python3", "-m", "dynamo.vllm"}, args: []string{"--model", "test", "--tensor-parallel-size", "8"}, gpus: 4,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{"ray start --head --port=6379 && python3 -m dynamo.vllm --model test --tensor-parallel-size 8 --distributed-executor-backend ray"},
			wantRewritten: true,
		},
		{
			name: "multinode leader uses ray with JSON args (no annotations = legacy)", nodes: 3, role: RoleLeader, topo: grove,
			command:       []string{"python3", "-m", "dynamo.vllm"},
			args:          []string{"--model", "test", "--tensor-parallel-size", "8", "--kv-transfer-config", `{"kv_connector": "NixlConnector", "kv_role": "kv_producer"}`},
			gpus:          4,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{`ray start --head --port=6379 && python3 -m dynamo.vllm --model test --tensor-parallel-size 8 --kv-transfer-config "{\"kv_connector\": \"NixlConnector\", \"kv_role\": \"kv_producer\"}" --distributed-executor-backend ray`},
			wantRewritten: true,
		},
		{
			name: "multinode worker uses ray (no annotations = legacy)", nodes: 3, role: RoleWorker, topo: grove,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--model", "test", "--tensor-parallel-size", "8"}, gpus: 4,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{"ray start --address=$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE):6379 --block"},
			wantRewritten: true,
		},
		{
			name: "multinode worker with LWS deployment type (no annotations = legacy ray)", nodes: 2, role: RoleWorker, topo: lws,
			args: []string{"python3", "-m", "dynamo.vllm", "--tensor-parallel-size", "8"}, gpus: 4,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{"ray start --address=$(LWS_LEADER_ADDRESS):6379 --block"},
			wantRewritten: true,
		},
		{
			name: "multinode leader with no initial args", nodes: 2, role: RoleLeader, topo: grove,
			args: []string{},
		},
		{
			name: "multinode main role (non-leader/worker) does not modify args", nodes: 3, role: RoleMain, topo: grove,
			args: []string{"python3", "-m", "dynamo.frontend"},
		},
		{
			name: "multinode leader uses mp (origin version >= threshold)", nodes: 2, role: RoleLeader, topo: grove, annotations: origin100,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
			wantArgs:      []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE)", "--master-port", "29500", "--node-rank", "0"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "multinode worker uses mp (origin version >= threshold) Grove", nodes: 2, role: RoleWorker, topo: grove, annotations: origin100,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec python3 -m dynamo.vllm --tensor-parallel-size 16 --distributed-executor-backend mp --nnodes 2 --master-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE) --master-port 29500 --node-rank $((GROVE_PCLQ_POD_INDEX + 1)) --headless"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			// Not an upstream row: upstream's origin-1.6.0 rows expect the topology aliases,
			// which are not implemented; the provider's own names are used as before 1.6.0.
			name: "origin 1.6.0 leader uses the provider's names (no topology aliases)", nodes: 2, role: RoleLeader, topo: grove, annotations: origin160,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
			wantArgs:      []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE)", "--master-port", "29500", "--node-rank", "0"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			// Not an upstream row: see above.
			name: "origin 1.6.0 LWS worker uses the provider's names (no topology aliases)", nodes: 2, role: RoleWorker, topo: lws, annotations: origin160,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
			wantArgs:      []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(LWS_LEADER_ADDRESS)", "--master-port", "29500", "--node-rank", "$(LWS_WORKER_INDEX)", "--headless"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "multinode leader uses ray (explicit override despite new version)", nodes: 2, role: RoleLeader, topo: grove, annotations: rayOn100,
			command: []string{"python3", "-m", "dynamo.vllm"}, args: []string{"--model", "test", "--tensor-parallel-size", "8"}, gpus: 4,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{"ray start --head --port=6379 && python3 -m dynamo.vllm --model test --tensor-parallel-size 8 --distributed-executor-backend ray"},
			wantRewritten: true,
		},
		{
			name: "multinode leader uses mp (explicit override on legacy DGD)", nodes: 2, role: RoleLeader, topo: grove, annotations: forceMP,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
			wantArgs:      []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE)", "--master-port", "29500", "--node-rank", "0"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "single node elastic EP with no Command preserves the ENTRYPOINT invocation", nodes: 1, role: RoleMain, topo: grove,
			args: []string{"--model", "test", "--data-parallel-backend", "ray", "--enable-elastic-ep"}, gpus: 4,
		},
		{
			name: "single node without elastic EP keeps its plain command", nodes: 1, role: RoleMain, topo: grove,
			command: []string{"python3", "-m", "dynamo.vllm"}, args: []string{"--model", "test", "--data-parallel-backend", "ray"}, gpus: 4,
		},
		{
			name: "single node elastic EP without the ray backend is left alone", nodes: 1, role: RoleMain, topo: grove,
			command: []string{"python3", "-m", "dynamo.vllm"}, args: []string{"--model", "test", "--enable-elastic-ep"}, gpus: 2,
		},
		{
			name: "single node elastic EP on a non-ray backend is left alone", nodes: 1, role: RoleMain, topo: grove,
			command: []string{"python3", "-m", "dynamo.vllm"}, args: []string{"--model", "test", "--data-parallel-backend", "mp", "--enable-elastic-ep"}, gpus: 2,
		},
		{
			name: "multinode leader uses GPU count resolved from DRA", nodes: 2, role: RoleLeader, topo: grove, annotations: forceMP,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "2"}, gpus: 1,
			wantArgs:      []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "2", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE)", "--master-port", "29500", "--node-rank", "0"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "multinode leader sizes from short -tp alias", nodes: 2, role: RoleLeader, topo: grove, annotations: forceMP,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "-tp", "2"}, gpus: 1,
			wantArgs:      []string{"-m", "dynamo.vllm", "-tp", "2", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE)", "--master-port", "29500", "--node-rank", "0"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "multinode leader sizes from equals-form tensor-parallel-size", nodes: 2, role: RoleLeader, topo: grove, annotations: forceMP,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--tensor-parallel-size=2"}, gpus: 1,
			wantArgs:      []string{"-m", "dynamo.vllm", "--tensor-parallel-size=2", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE)", "--master-port", "29500", "--node-rank", "0"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "multinode worker computes data parallel ranks from DRA GPU count", nodes: 2, role: RoleWorker, topo: grove,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--data-parallel-size", "2"}, gpus: 1,
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec python3 -m dynamo.vllm --data-parallel-size 2 --data-parallel-hybrid-lb --data-parallel-size-local 1 --data-parallel-start-rank $(( 1 * $((GROVE_PCLQ_POD_INDEX + 1)) )) --data-parallel-address $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE) --data-parallel-rpc-port 13445"},
			wantRewritten: true,
		},
	})
}

// TestVLLMShellCommandInjection translates upstream's TestVLLMBackend_ShellCommandInjection
// (backend_vllm_test.go at 0367e404b084): a "sh -c" command is kept and the flags go into the
// script.
func TestVLLMShellCommandInjection(t *testing.T) {
	sh := []string{"sh", "-c"}
	runVLLMCases(t, []vllmCase{
		{
			name: "single node shell command not modified", nodes: 1, role: RoleMain, topo: grove,
			command: sh, args: []string{"python3 -m dynamo.vllm"},
		},
		{
			name: "multinode shell command with regex injection", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"python3 -m dynamo.vllm --data-parallel-size 8"}, gpus: 4,
			wantArgs:      []string{"python3 -m dynamo.vllm --data-parallel-hybrid-lb --data-parallel-size-local 4 --data-parallel-start-rank 0 --data-parallel-address $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE) --data-parallel-rpc-port 13445 --data-parallel-size 8"},
			wantRewritten: true,
		},
		{
			name: "multinode shell command with complex pipeline", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"echo blah | wc -l && python3 -m dynamo.vllm --data-parallel-size 8 && ls -al"}, gpus: 4,
			wantArgs:      []string{"echo blah | wc -l && python3 -m dynamo.vllm --data-parallel-hybrid-lb --data-parallel-size-local 4 --data-parallel-start-rank 0 --data-parallel-address $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE) --data-parallel-rpc-port 13445 --data-parallel-size 8 && ls -al"},
			wantRewritten: true,
		},
		{
			name: "shell command with LWS deployer", nodes: 2, role: RoleLeader, topo: lws,
			command: sh, args: []string{"python3 -m dynamo.vllm --data-parallel-size 8"}, gpus: 4,
			wantArgs:      []string{"python3 -m dynamo.vllm --data-parallel-hybrid-lb --data-parallel-size-local 4 --data-parallel-start-rank 0 --data-parallel-address $(LWS_LEADER_ADDRESS) --data-parallel-rpc-port 13445 --data-parallel-size 8"},
			wantRewritten: true,
		},
		{
			name: "shell command with pipes", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"python3 -m dynamo.vllm --data-parallel-size 8 | tee /tmp/log"}, gpus: 4,
			wantArgs:      []string{"python3 -m dynamo.vllm --data-parallel-hybrid-lb --data-parallel-size-local 4 --data-parallel-start-rank 0 --data-parallel-address $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE) --data-parallel-rpc-port 13445 --data-parallel-size 8 | tee /tmp/log"},
			wantRewritten: true,
		},
	})
}

// TestVLLMMultinodeArgs translates the in-scope rows of upstream's TestUpdateVLLMMultinodeArgs
// (backend_vllm_test.go at 0367e404b084; 2 nodes), which upstream runs on
// updateVLLMMultinodeArgs alone and checks the args of. The elastic-EP rows ("elastic EP
// leader/worker Grove", "... user-specified --data-parallel-size-local preserved", "elastic EP
// worker LWS", "elastic EP main: takes the leader arm") are out of scope: see
// TestVLLMElasticEPIsRefused.
func TestVLLMMultinodeArgs(t *testing.T) {
	tp16 := []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16"}
	dp16 := []string{"-m", "dynamo.vllm", "--data-parallel-size", "16"}
	runVLLMCases(t, []vllmCase{
		{
			name: "leader uses ray (nil annotations = legacy)", nodes: 2, role: RoleLeader, topo: grove,
			command: []string{"python3"}, args: tp16, gpus: 8,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{"ray start --head --port=6379 && python3 -m dynamo.vllm --tensor-parallel-size 16 --distributed-executor-backend ray"},
			wantRewritten: true,
		},
		{
			name: "leader uses mp (origin version >= threshold)", nodes: 2, role: RoleLeader, topo: grove, annotations: origin100,
			command: []string{"python3"}, args: tp16, gpus: 8,
			wantArgs:      []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE)", "--master-port", "29500", "--node-rank", "0"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "worker uses mp (origin version >= threshold) Grove", nodes: 2, role: RoleWorker, topo: grove, annotations: origin100,
			command: []string{"python3"}, args: tp16, gpus: 8,
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec python3 -m dynamo.vllm --tensor-parallel-size 16 --distributed-executor-backend mp --nnodes 2 --master-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE) --master-port 29500 --node-rank $((GROVE_PCLQ_POD_INDEX + 1)) --headless"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "worker uses mp (origin version >= threshold) LWS", nodes: 2, role: RoleWorker, topo: lws, annotations: origin100,
			command: []string{"python3"}, args: tp16, gpus: 8,
			wantArgs:      []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(LWS_LEADER_ADDRESS)", "--master-port", "29500", "--node-rank", "$(LWS_WORKER_INDEX)", "--headless"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "leader uses mp (origin version >= threshold) LWS", nodes: 2, role: RoleLeader, topo: lws, annotations: origin100,
			command: []string{"python3"}, args: tp16, gpus: 8,
			wantArgs:      []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "16", "--distributed-executor-backend", "mp", "--nnodes", "2", "--master-addr", "$(LWS_LEADER_ADDRESS)", "--master-port", "29500", "--node-rank", "0"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "leader with data parallel launch LWS", nodes: 2, role: RoleLeader, topo: lws,
			command: []string{"python3"}, args: dp16, gpus: 8,
			wantArgs:      []string{"-m", "dynamo.vllm", "--data-parallel-size", "16", "--data-parallel-hybrid-lb", "--data-parallel-size-local", "8", "--data-parallel-start-rank", "0", "--data-parallel-address", "$(LWS_LEADER_ADDRESS)", "--data-parallel-rpc-port", "13445"},
			wantRewritten: true,
		},
		{
			name: "leader prepends distributed data parallel flags (annotations don't affect DP path)", nodes: 2, role: RoleLeader, topo: grove,
			command: []string{"python3"}, args: dp16, gpus: 8,
			wantArgs:      []string{"-m", "dynamo.vllm", "--data-parallel-size", "16", "--data-parallel-hybrid-lb", "--data-parallel-size-local", "8", "--data-parallel-start-rank", "0", "--data-parallel-address", "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE)", "--data-parallel-rpc-port", "13445"},
			wantRewritten: true,
		},
		{
			name: "leader with empty args does not modify", nodes: 2, role: RoleLeader, topo: grove,
			args: []string{},
		},
		{
			name: "worker with ray distributed launch Grove (nil annotations)", nodes: 2, role: RoleWorker, topo: grove,
			args: []string{"python3", "-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{"ray start --address=$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE):6379 --block"},
			wantRewritten: true,
		},
		{
			name: "worker with data parallel launch Grove", nodes: 2, role: RoleWorker, topo: grove,
			command: []string{"python3"}, args: dp16, gpus: 8,
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec python3 -m dynamo.vllm --data-parallel-size 16 --data-parallel-hybrid-lb --data-parallel-size-local 8 --data-parallel-start-rank $(( 8 * $((GROVE_PCLQ_POD_INDEX + 1)) )) --data-parallel-address $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE) --data-parallel-rpc-port 13445"},
			wantRewritten: true,
		},
		{
			name: "worker with data parallel launch Grove, tp > 1", nodes: 2, role: RoleWorker, topo: grove,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--data-parallel-size", "8", "--tensor-parallel-size", "2"}, gpus: 8,
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec python3 -m dynamo.vllm --data-parallel-size 8 --tensor-parallel-size 2 --data-parallel-hybrid-lb --data-parallel-size-local 4 --data-parallel-start-rank $(( 4 * $((GROVE_PCLQ_POD_INDEX + 1)) )) --data-parallel-address $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE) --data-parallel-rpc-port 13445"},
			wantRewritten: true,
		},
		{
			name: "worker with ray distributed launch LWS (nil annotations)", nodes: 2, role: RoleWorker, topo: lws,
			args: []string{"python3", "-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{"ray start --address=$(LWS_LEADER_ADDRESS):6379 --block"},
			wantRewritten: true,
		},
		{
			name: "main role does not modify args", nodes: 2, role: RoleMain, topo: grove,
			args: []string{"python3", "-m", "dynamo.frontend"},
		},
	})
}

// TestVLLMDataParallelWorkerLWS covers deviation 1 of the package documentation: on a
// LeaderWorkerSet, a data-parallel worker's start rank is shell arithmetic over
// ${LWS_WORKER_INDEX} (upstream: $(( 8 * $(LWS_WORKER_INDEX) ))), so the command runs through a
// shell; a shell script gets it inline.
func TestVLLMDataParallelWorkerLWS(t *testing.T) {
	runVLLMCases(t, []vllmCase{
		{
			name: "python command is wrapped in a shell", nodes: 2, role: RoleWorker, topo: lws, annotations: origin100,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--data-parallel-size", "16"}, gpus: 8,
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec python3 -m dynamo.vllm --data-parallel-size 16 --data-parallel-hybrid-lb --data-parallel-size-local 8 --data-parallel-start-rank $(( 8 * ${LWS_WORKER_INDEX} )) --data-parallel-address $(LWS_LEADER_ADDRESS) --data-parallel-rpc-port 13445"},
			wantRewritten: true, wantMPEnv: true,
		},
		{
			name: "shell script gets the flags inline", nodes: 3, role: RoleWorker, topo: lws,
			command: []string{"/bin/sh", "-c"}, args: []string{"exec python3 -m dynamo.vllm --model m -dp=4 -tp 2"}, gpus: 4,
			wantArgs:      []string{"exec python3 -m dynamo.vllm --data-parallel-hybrid-lb --data-parallel-size-local 2 --data-parallel-start-rank $(( 2 * ${LWS_WORKER_INDEX} )) --data-parallel-address $(LWS_LEADER_ADDRESS) --data-parallel-rpc-port 13445 --model m -dp=4 -tp 2"},
			wantRewritten: true,
		},
	})
}

// TestVLLMKeptQuirks pins behaviour kept as upstream that no upstream row covers.
func TestVLLMKeptQuirks(t *testing.T) {
	runVLLMCases(t, []vllmCase{
		{
			// The Ray leader's format puts the (empty) command between two spaces.
			name: "ray leader with no command has a double space", nodes: 2, role: RoleLeader, topo: lws,
			args: []string{"python3", "-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{"ray start --head --port=6379 &&  python3 -m dynamo.vllm --tensor-parallel-size 16 --distributed-executor-backend ray"},
			wantRewritten: true,
		},
		{
			// The flag lands after the quoted script, as its $0.
			name: "ray leader with a shell command quotes the script", nodes: 2, role: RoleLeader, topo: lws,
			command: []string{"sh", "-c"}, args: []string{"python3 -m dynamo.vllm --tensor-parallel-size 16"}, gpus: 8,
			wantCommand:   []string{"/bin/sh", "-c"},
			wantArgs:      []string{`ray start --head --port=6379 && sh -c "python3 -m dynamo.vllm --tensor-parallel-size 16" --distributed-executor-backend ray`},
			wantRewritten: true,
		},
		{
			// An args-only python command: no arg holds "python ... vllm", so no mp flags; the
			// worker still loses its probes and gets the mp env var.
			name: "mp worker with an args-only command is not rewritten", nodes: 2, role: RoleWorker, topo: lws, annotations: origin100,
			args: []string{"python3", "-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
			wantMPEnv: true,
		},
		{
			// Sizes come from the args only, not from the command.
			name: "parallel sizes in the command are not read", nodes: 2, role: RoleWorker, topo: lws,
			command: []string{"python3", "-m", "dynamo.vllm", "--tensor-parallel-size", "16"}, gpus: 8,
		},
		{
			// The last occurrence wins, as in vLLM's argparse; an unparseable one is skipped.
			name: "last parseable tensor parallel size wins", nodes: 2, role: RoleLeader, topo: lws, annotations: forceMP,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--tensor_parallel_size", "16", "-tp", "4", "--tensor-parallel-size", "x"}, gpus: 8,
			wantMPEnv: true,
		},
		{
			// No distributed launch is needed: nothing is added, the worker loses its probes.
			name: "engine that fits on one pod", nodes: 2, role: RoleWorker, topo: lws,
			command: []string{"python3"}, args: []string{"-m", "dynamo.vllm", "--tensor-parallel-size", "8"}, gpus: 8,
		},
	})
}

// TestVLLMElasticEPIsRefused: a multinode elastic-EP launch (upstream's elasticEP path) is not
// implemented and is refused, leaving the container as it was; one that needs tensor/pipeline
// parallelism across nodes takes that path, as upstream.
func TestVLLMElasticEPIsRefused(t *testing.T) {
	c := withProbes(corev1.Container{
		Name:    "main",
		Command: []string{"python3", "-m", "dynamo.vllm"},
		Args:    []string{"--model", "test", "--data-parallel-size", "4", "--data-parallel-backend", "ray", "--enable-elastic-ep"},
	})
	spec := &corev1.PodSpec{Containers: []corev1.Container{*c.DeepCopy()}}
	rewritten, err := Apply(spec, &spec.Containers[0], Input{Backend: BackendVLLM, Role: RoleWorker, NodeCount: 2, Topology: lws, GPUs: 2})
	if !errors.Is(err, errElasticEP) || rewritten {
		t.Fatalf("Apply = %v, %v; want false, %v", rewritten, err, errElasticEP)
	}
	if diff := cmp.Diff(c, spec.Containers[0]); diff != "" {
		t.Errorf("container changed (-want +got):\n%s", diff)
	}

	runVLLMCases(t, []vllmCase{{
		name: "elastic EP with tensor parallelism across nodes takes the Ray path", nodes: 2, role: RoleWorker, topo: lws,
		command: []string{"python3", "-m", "dynamo.vllm"}, args: []string{"--enable-elastic-ep", "--tensor-parallel-size", "4"}, gpus: 2,
		wantCommand:   []string{"/bin/sh", "-c"},
		wantArgs:      []string{"ray start --address=$(LWS_LEADER_ADDRESS):6379 --block"},
		wantRewritten: true,
	}})
}

// TestShouldUseMPBackend translates upstream's TestShouldUseMpBackend (backend_vllm_test.go at
// 0367e404b084), plus rows of ours for the version parsing (Masterminds semver, as upstream's
// compatibility gate).
func TestShouldUseMPBackend(t *testing.T) {
	for _, tc := range []struct {
		name        string
		annotations map[string]string
		want        bool
	}{
		{"nil annotations = legacy = ray (delegates to feature gate)", nil, false},
		{"empty annotations = legacy = ray (delegates to feature gate)", map[string]string{}, false},
		{"explicit override mp takes priority over version", map[string]string{annotationOriginVersion: "0.1.0", annotationVLLMExecutorBackend: "mp"}, true},
		{"explicit override ray takes priority over version", map[string]string{annotationOriginVersion: "1.0.0", annotationVLLMExecutorBackend: "ray"}, false},
		{"explicit override mp (no origin version)", map[string]string{annotationVLLMExecutorBackend: "mp"}, true},
		{"explicit override with invalid value falls through to feature gate", map[string]string{annotationOriginVersion: "1.0.0", annotationVLLMExecutorBackend: "invalid"}, true},
		{"explicit override case insensitive MP", map[string]string{annotationVLLMExecutorBackend: "MP"}, true},
		{"explicit override case insensitive Ray", map[string]string{annotationOriginVersion: "1.0.0", annotationVLLMExecutorBackend: "RAY"}, false},
		// Ours.
		{"origin v-prefixed", map[string]string{annotationOriginVersion: "v1.2.3"}, true},
		{"origin partial version", map[string]string{annotationOriginVersion: "1.1"}, true},
		{"origin before 1.0.0", map[string]string{annotationOriginVersion: "0.9.9"}, false},
		{"origin prerelease of 1.0.0", map[string]string{annotationOriginVersion: "1.0.0-rc1"}, false},
		{"origin not a version", map[string]string{annotationOriginVersion: "latest"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := useMPBackend(tc.annotations); got != tc.want {
				t.Errorf("useMPBackend(%v) = %v, want %v", tc.annotations, got, tc.want)
			}
		})
	}
}
