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
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

// TestApplyRefuses: Apply names what is wrong with its input and changes nothing.
func TestApplyRefuses(t *testing.T) {
	container := withProbes(corev1.Container{Name: "main", Command: []string{"python3"}, Args: []string{"-m", "dynamo.sglang"}})
	valid := Input{Backend: BackendSGLang, Role: RoleWorker, NodeCount: 2, Topology: lws, GPUs: 1}
	for _, tc := range []struct {
		name    string
		spec    bool
		in      func(Input) Input
		wantErr string
	}{
		{"nil pod spec", false, func(in Input) Input { return in }, "pod spec and container are required"},
		{"unknown role", true, func(in Input) Input { in.Role = "follower"; return in }, `unknown role "follower"`},
		{"empty role", true, func(in Input) Input { in.Role = ""; in.NodeCount = 1; return in }, `unknown role ""`},
		{"no topology", true, func(in Input) Input { in.Topology = nil; return in }, "sglang worker of 2 nodes: no topology"},
		{"negative GPUs", true, func(in Input) Input { in.GPUs = -1; return in }, "negative GPU count -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := &corev1.PodSpec{Containers: []corev1.Container{*container.DeepCopy()}}
			target := &spec.Containers[0]
			var rewritten bool
			var err error
			if tc.spec {
				rewritten, err = Apply(spec, target, tc.in(valid))
			} else {
				rewritten, err = Apply(nil, target, tc.in(valid))
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || rewritten {
				t.Fatalf("Apply = %v, %v; want false and an error containing %q", rewritten, err, tc.wantErr)
			}
			if diff := cmp.Diff(container, *target); diff != "" {
				t.Errorf("container changed (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Apply(&corev1.PodSpec{}, nil, valid); err == nil {
		t.Error("Apply with a nil container: no error")
	}
}

// TestApplyLeavesAlone: single-node pods, RoleMain, and unknown backends are not changed at
// all, whatever the topology (none is needed).
func TestApplyLeavesAlone(t *testing.T) {
	container := withProbes(corev1.Container{Name: "main", Command: []string{"python3"}, Args: []string{"-m", "dynamo.sglang"}})
	for _, tc := range []struct {
		name string
		in   Input
	}{
		{"single node leader", Input{Backend: BackendTRTLLM, Role: RoleLeader, NodeCount: 1}},
		{"zero nodes worker", Input{Backend: BackendVLLM, Role: RoleWorker, NodeCount: 0}},
		{"multinode main", Input{Backend: BackendSGLang, Role: RoleMain, NodeCount: 4}},
		{"unknown backend worker", Input{Backend: "mocker", Role: RoleWorker, NodeCount: 2}},
		{"backend in upper case is unknown", Input{Backend: "SGLang", Role: RoleWorker, NodeCount: 2, Topology: lws}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, _, rewritten := apply(t, container, tc.in)
			if rewritten {
				t.Error("rewritten = true")
			}
			if diff := cmp.Diff(&corev1.PodSpec{Containers: []corev1.Container{container}}, spec); diff != "" {
				t.Errorf("pod spec changed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLWSDataParallelStartRankRunsInAShell runs the start rank Apply writes for a LeaderWorkerSet
// data-parallel worker through /bin/sh (deviation 1 of the package documentation).
func TestLWSDataParallelStartRankRunsInAShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	_, got, _ := apply(t, corev1.Container{Name: "main", Command: []string{"python3"}, Args: []string{"-m", "dynamo.vllm", "--data-parallel-size", "32"}},
		Input{Backend: BackendVLLM, Role: RoleWorker, NodeCount: 4, Topology: LeaderWorkerSet{}, GPUs: 8})
	_, after, ok := strings.Cut(got.Args[0], "--data-parallel-start-rank ")
	rank, _, ok2 := strings.Cut(after, " --data-parallel-address")
	if !ok || !ok2 {
		t.Fatalf("no start rank in %q", got.Args[0])
	}
	cmd := exec.Command(sh, "-c", "echo "+rank)
	cmd.Env = []string{"LWS_WORKER_INDEX=3"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", "echo "+rank, err)
	}
	if got := strings.TrimSpace(string(out)); got != "24" {
		t.Errorf("start rank of worker 3 = %q, want 24", got)
	}
}

// TestApplyReplacesUserVariables checks that a variable Apply sets replaces the user's of the
// same name (upstream appends a second one, which server-side apply refuses).
func TestApplyReplacesUserVariables(t *testing.T) {
	c := corev1.Container{Name: "main", Command: []string{"python3", "-m", "dynamo.trtllm"},
		Env: []corev1.EnvVar{{Name: "OMPI_MCA_orte_keep_fqdn_hostnames", Value: "0"}, {Name: "A", Value: "a"}}}
	spec := corev1.PodSpec{Containers: []corev1.Container{c}}
	if _, err := Apply(&spec, &spec.Containers[0], Input{Backend: BackendTRTLLM, Role: RoleWorker, NodeCount: 2, Topology: LeaderWorkerSet{}, GPUs: 1}); err != nil {
		t.Fatal(err)
	}
	var got []corev1.EnvVar
	for _, e := range spec.Containers[0].Env {
		if e.Name == "OMPI_MCA_orte_keep_fqdn_hostnames" {
			got = append(got, e)
		}
	}
	if len(got) != 1 || got[0].Value != "1" {
		t.Errorf("OMPI_MCA_orte_keep_fqdn_hostnames = %+v, want once, set to 1", got)
	}
}
