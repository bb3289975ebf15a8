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
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
)

// sglangCase is one SGLang row.
type sglangCase struct {
	name          string // the upstream row's name
	nodes         int32
	role          Role
	topo          Topology
	command, args []string
	wantCommand   []string // nil: unchanged
	wantArgs      []string // nil: unchanged
	wantRewritten bool
}

func runSGLangCases(t *testing.T, cases []sglangCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := withProbes(corev1.Container{Name: "main", Command: slices.Clone(tc.command), Args: slices.Clone(tc.args)})
			spec, got, rewritten := apply(t, before, Input{Backend: BackendSGLang, Role: tc.role, NodeCount: tc.nodes, Topology: tc.topo, GPUs: 8})
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
			if len(got.Env) != 0 || len(got.VolumeMounts) != 0 || len(spec.Volumes) != 0 || len(spec.InitContainers) != 0 {
				t.Errorf("SGLang added env %v, mounts %v, volumes %v or init containers %v", got.Env, got.VolumeMounts, spec.Volumes, spec.InitContainers)
			}
			checkProbes(t, &before, got, tc.role, tc.nodes)
		})
	}
}

// TestSGLangPythonCommandInjection translates upstream's TestSGLangBackend_PythonCommandInjection
// (deploy/operator/internal/dynamo/backend_sglang_test.go at 015d780ba9c3).
func TestSGLangPythonCommandInjection(t *testing.T) {
	runSGLangCases(t, []sglangCase{
		{
			name: "single node python command no changes", nodes: 1, role: RoleMain, topo: simpleTopology{},
			command: []string{"python3"}, args: []string{"-m", "dynamo.sglang"},
		},
		{
			name: "python command simple deployer - direct append", nodes: 2, role: RoleWorker, topo: simpleTopology{},
			command: []string{"python3"}, args: []string{"-m", "dynamo.sglang", "--model", "llama"},
			wantArgs:      []string{"-m", "dynamo.sglang", "--model", "llama", "--dist-init-addr", "leader.example.com:29500", "--nnodes", "2", "--node-rank", "1"},
			wantRewritten: true,
		},
		{
			name: "python command LWS worker - direct append (kubelet expansion)", nodes: 2, role: RoleWorker, topo: lws,
			command: []string{"python3"}, args: []string{"-m", "dynamo.sglang", "--model", "llama"},
			wantArgs:      []string{"-m", "dynamo.sglang", "--model", "llama", "--dist-init-addr", "$(LWS_LEADER_ADDRESS):29500", "--nnodes", "2", "--node-rank", "$(LWS_WORKER_INDEX)"},
			wantRewritten: true,
		},
		{
			name: "python command LWS leader - direct append", nodes: 2, role: RoleLeader, topo: lws,
			command: []string{"python3"}, args: []string{"-m", "dynamo.sglang"},
			wantArgs:      []string{"-m", "dynamo.sglang", "--dist-init-addr", "$(LWS_LEADER_ADDRESS):29500", "--nnodes", "2", "--node-rank", "0"},
			wantRewritten: true,
		},
		{
			name: "python command shell deployer - shell wrapping", nodes: 2, role: RoleWorker, topo: shellTopology{},
			command: []string{"python3"}, args: []string{"-m", "dynamo.sglang", "--model", "llama"},
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec python3 -m dynamo.sglang --model llama --dist-init-addr $(LEADER_HOST):29500 --nnodes 2 --node-rank $(WORKER_INDEX)"},
			wantRewritten: true,
		},
		{
			name: "python command leader role - always simple", nodes: 3, role: RoleLeader, topo: shellTopology{},
			command: []string{"python"}, args: []string{"-m", "dynamo.sglang"},
			wantArgs:      []string{"-m", "dynamo.sglang", "--dist-init-addr", "$(LEADER_HOST):29500", "--nnodes", "3", "--node-rank", "0"},
			wantRewritten: true,
		},
		{
			name: "python3.11 variant supported", nodes: 2, role: RoleWorker, topo: simpleTopology{},
			command: []string{"python3.11"}, args: []string{"-m", "dynamo.sglang"},
			wantArgs:      []string{"-m", "dynamo.sglang", "--dist-init-addr", "leader.example.com:29500", "--nnodes", "2", "--node-rank", "1"},
			wantRewritten: true,
		},
		{
			name: "absolute path python command supported", nodes: 2, role: RoleWorker, topo: simpleTopology{},
			command: []string{"/usr/bin/python3.8"}, args: []string{"-m", "dynamo.sglang", "--model", "llama"},
			wantArgs:      []string{"-m", "dynamo.sglang", "--model", "llama", "--dist-init-addr", "leader.example.com:29500", "--nnodes", "2", "--node-rank", "1"},
			wantRewritten: true,
		},
		{
			name: "pyenv shims python command supported", nodes: 2, role: RoleWorker, topo: shellTopology{},
			command: []string{"/home/user/.pyenv/shims/python3.9"}, args: []string{"-m", "dynamo.sglang"},
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec /home/user/.pyenv/shims/python3.9 -m dynamo.sglang --dist-init-addr $(LEADER_HOST):29500 --nnodes 2 --node-rank $(WORKER_INDEX)"},
			wantRewritten: true,
		},
		{
			name: "python command with module in command array - simple deployer", nodes: 2, role: RoleWorker, topo: simpleTopology{},
			command: []string{"python3", "-m", "dynamo.sglang"}, args: []string{"--model-path", "Qwen/Qwen3-0.6B", "--tp-size", "8"},
			wantArgs:      []string{"--model-path", "Qwen/Qwen3-0.6B", "--tp-size", "8", "--dist-init-addr", "leader.example.com:29500", "--nnodes", "2", "--node-rank", "1"},
			wantRewritten: true,
		},
		{
			name: "python command with module in command array - shell deployer", nodes: 2, role: RoleWorker, topo: shellTopology{},
			command: []string{"python3", "-m", "dynamo.sglang"}, args: []string{"--model-path", "Qwen/Qwen3-0.6B"},
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec python3 -m dynamo.sglang --model-path Qwen/Qwen3-0.6B --dist-init-addr $(LEADER_HOST):29500 --nnodes 2 --node-rank $(WORKER_INDEX)"},
			wantRewritten: true,
		},
		{
			name: "python command with no args - shell deployer", nodes: 2, role: RoleWorker, topo: shellTopology{},
			command: []string{"python3", "-m", "dynamo.sglang"}, args: []string{},
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{"exec python3 -m dynamo.sglang --dist-init-addr $(LEADER_HOST):29500 --nnodes 2 --node-rank $(WORKER_INDEX)"},
			wantRewritten: true,
		},
		{
			name: "non-python command multinode unchanged", nodes: 2, role: RoleWorker, topo: shellTopology{},
			command: []string{"java"}, args: []string{"-jar", "app.jar"},
		},
		{
			// Not an upstream row: a Grove worker's rank is shell arithmetic, so a python
			// command is wrapped (upstream's graph_test "sglang" golden uses a shell script).
			name: "python command Grove worker - shell wrapping", nodes: 3, role: RoleWorker, topo: groveTopology{service: "worker"},
			command: []string{"python3"}, args: []string{"-m", "dynamo.sglang", "--custom-flag", `{"a": 1}`},
			wantCommand:   []string{"sh", "-c"},
			wantArgs:      []string{`exec python3 -m dynamo.sglang --custom-flag "{\"a\": 1}" --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-worker-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 3 --node-rank $((GROVE_PCLQ_POD_INDEX + 1))`},
			wantRewritten: true,
		},
	})
}

// TestSGLangShellCommandInjection translates upstream's TestSGLangBackend_ShellCommandInjection
// (backend_sglang_test.go at 015d780ba9c3, and its older "python -m dynamo.sglang.worker" row),
// and the leader and worker of the SGLang Grove golden (graph_test.go,
// "test_generate_grove_pod_gang_set_multinode sglang").
func TestSGLangShellCommandInjection(t *testing.T) {
	sh := []string{"sh", "-c"}
	runSGLangCases(t, []sglangCase{
		{
			name: "single node shell command not modified", nodes: 1, role: RoleMain, topo: grove,
			command: sh, args: []string{"python -m dynamo.sglang"},
		},
		{
			name: "multinode shell command with regex injection", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"python -m dynamo.sglang"},
			wantArgs:      []string{"python -m dynamo.sglang --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 2 --node-rank 0"},
			wantRewritten: true,
		},
		{
			name: "multinode shell command with complex pipeline", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"echo blah | wc -l && python -m dynamo.sglang && ls -al"},
			wantArgs:      []string{"echo blah | wc -l && python -m dynamo.sglang --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 2 --node-rank 0 && ls -al"},
			wantRewritten: true,
		},
		{
			name: "shell command worker with grove env vars", nodes: 3, role: RoleWorker, topo: grove,
			command: sh, args: []string{"python -m dynamo.sglang"},
			wantArgs:      []string{"python -m dynamo.sglang --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 3 --node-rank $((GROVE_PCLQ_POD_INDEX + 1))"},
			wantRewritten: true,
		},
		{
			name: "shell command with LWS deployer", nodes: 2, role: RoleLeader, topo: lws,
			command: sh, args: []string{"python -m dynamo.sglang"},
			wantArgs:      []string{"python -m dynamo.sglang --dist-init-addr $(LWS_LEADER_ADDRESS):29500 --nnodes 2 --node-rank 0"},
			wantRewritten: true,
		},
		{
			name: "shell command with pipes", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"python -m dynamo.sglang | tee /tmp/log"},
			wantArgs:      []string{"python -m dynamo.sglang --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 2 --node-rank 0 | tee /tmp/log"},
			wantRewritten: true,
		},
		{
			name: "shell command multiple args individual processing", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"echo start", "python -m dynamo.sglang", "echo done"},
			wantArgs:      []string{"echo start", "python -m dynamo.sglang --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 2 --node-rank 0", "echo done"},
			wantRewritten: true,
		},
		{
			name: "shell command no sglang modules unchanged", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"echo hello", "python -m some.other.module"},
		},
		{
			name: "shell command stops after first python injection", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"python -m dynamo.sglang", "python -m dynamo.sglang --other-flags"},
			wantArgs:      []string{"python -m dynamo.sglang --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 2 --node-rank 0", "python -m dynamo.sglang --other-flags"},
			wantRewritten: true,
		},
		{
			name: "python -m dynamo.sglang.worker (older backend_sglang_test.go)", nodes: 2, role: RoleLeader, topo: grove,
			command: sh, args: []string{"python -m dynamo.sglang.worker"},
			wantArgs:      []string{"python -m dynamo.sglang.worker --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 2 --node-rank 0"},
			wantRewritten: true,
		},
		{
			name: "graph_test sglang golden: worker-ldr", nodes: 3, role: RoleLeader, topo: groveTopology{service: "worker"},
			command: []string{"/bin/sh", "-c"}, args: []string{"python3 -m dynamo.sglang --custom-flag custom-value"},
			wantArgs:      []string{"python3 -m dynamo.sglang --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-worker-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 3 --node-rank 0 --custom-flag custom-value"},
			wantRewritten: true,
		},
		{
			name: "graph_test sglang golden: worker-wkr", nodes: 3, role: RoleWorker, topo: groveTopology{service: "worker"},
			command: []string{"/bin/sh", "-c"}, args: []string{"python3 -m dynamo.sglang --custom-flag custom-value"},
			wantArgs:      []string{"python3 -m dynamo.sglang --dist-init-addr $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-worker-ldr-0.$(GROVE_HEADLESS_SERVICE):29500 --nnodes 3 --node-rank $((GROVE_PCLQ_POD_INDEX + 1)) --custom-flag custom-value"},
			wantRewritten: true,
		},
		{
			// Not an upstream row: every engine command of the first matching arg gets the flags.
			name: "every engine command of the matching arg", nodes: 2, role: RoleLeader, topo: lws,
			command: sh, args: []string{"python -m dynamo.sglang --a; python3 -m dynamo.sglang --b"},
			wantArgs:      []string{"python -m dynamo.sglang --dist-init-addr $(LWS_LEADER_ADDRESS):29500 --nnodes 2 --node-rank 0 --a; python3 -m dynamo.sglang --dist-init-addr $(LWS_LEADER_ADDRESS):29500 --nnodes 2 --node-rank 0 --b"},
			wantRewritten: true,
		},
	})
}

// TestSGLangMultinodeFlags translates upstream's TestSGLangBackend_GetMultinodeFlags
// (backend_sglang_test.go at 015d780ba9c3).
func TestSGLangMultinodeFlags(t *testing.T) {
	for _, tc := range []struct {
		name           string
		nodes          int32
		role           Role
		topo           Topology
		wantFlags      string
		wantNeedsShell bool
	}{
		{"leader role never needs shell", 2, RoleLeader, shellTopology{}, "--dist-init-addr $(LEADER_HOST):29500 --nnodes 2 --node-rank 0", false},
		{"worker with simple deployer", 3, RoleWorker, simpleTopology{}, "--dist-init-addr leader.example.com:29500 --nnodes 3 --node-rank 1", false},
		{"worker with shell deployer", 2, RoleWorker, shellTopology{}, "--dist-init-addr $(LEADER_HOST):29500 --nnodes 2 --node-rank $(WORKER_INDEX)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flags, needsShell := sglangFlags(Input{Backend: BackendSGLang, Role: tc.role, NodeCount: tc.nodes, Topology: tc.topo})
			if flags != tc.wantFlags || needsShell != tc.wantNeedsShell {
				t.Errorf("sglangFlags = %q, %v; want %q, %v", flags, needsShell, tc.wantFlags, tc.wantNeedsShell)
			}
		})
	}
}

// TestSGLangProbeRemoval translates upstream's TestSGLangBackend_ProbeRemoval
// (backend_sglang_test.go at 015d780ba9c3): only a multinode worker loses its probes.
func TestSGLangProbeRemoval(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nodes int32
		role  Role
	}{
		{"single node does not remove probes", 1, RoleMain},
		{"multinode leader does not remove probes", 2, RoleLeader},
		{"multinode worker removes probes", 2, RoleWorker},
		{"multinode main role does not remove probes", 2, RoleMain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := withProbes(corev1.Container{Name: "main", Args: []string{"python -m dynamo.sglang"}})
			_, got, _ := apply(t, before, Input{Backend: BackendSGLang, Role: tc.role, NodeCount: tc.nodes, Topology: grove})
			checkProbes(t, &before, got, tc.role, tc.nodes)
		})
	}
}
