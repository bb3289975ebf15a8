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
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

// groveTopology reproduces upstream's GroveMultinodeDeployer (grove.go, not inter-pod GMS) for
// the component named service, so that upstream's expected strings compare verbatim.
type groveTopology struct{ service string }

func (g groveTopology) LeaderAddress() string {
	return fmt.Sprintf("$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-%s-ldr-0.$(GROVE_HEADLESS_SERVICE)", strings.ToLower(g.service))
}

// NodeRank is shell arithmetic: a python command that uses it runs through a shell.
func (groveTopology) NodeRank() string { return "$((GROVE_PCLQ_POD_INDEX + 1))" }

func (groveTopology) ShellNodeRank() string { return "$((GROVE_PCLQ_POD_INDEX + 1))" }

func (g groveTopology) HostNames(nodeCount int32) []string {
	hosts := []string{g.LeaderAddress()}
	for i := int32(0); i < nodeCount-1; i++ {
		hosts = append(hosts, fmt.Sprintf("$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-%s-wkr-%d.$(GROVE_HEADLESS_SERVICE)", strings.ToLower(g.service), i))
	}
	return hosts
}

func (groveTopology) NeedsDNSWait() bool { return false }

// simpleTopology reproduces upstream's MockSimpleDeployer (backend_sglang_test.go).
type simpleTopology struct{}

func (simpleTopology) LeaderAddress() string { return "leader.example.com" }
func (simpleTopology) NodeRank() string      { return "1" }
func (simpleTopology) ShellNodeRank() string { return "1" }
func (simpleTopology) NeedsDNSWait() bool    { return false }
func (s simpleTopology) HostNames(nodeCount int32) []string {
	hosts := []string{s.LeaderAddress()}
	for i := int32(1); i < nodeCount; i++ {
		hosts = append(hosts, fmt.Sprintf("worker%d.example.com", i))
	}
	return hosts
}

// shellTopology reproduces upstream's MockShellDeployer (backend_sglang_test.go), whose rank
// needs a shell although it is a kubelet reference.
type shellTopology struct{}

func (shellTopology) LeaderAddress() string    { return "$(LEADER_HOST)" }
func (shellTopology) NodeRank() string         { return "$(WORKER_INDEX)" }
func (shellTopology) ShellNodeRank() string    { return "${WORKER_INDEX}" }
func (shellTopology) NeedsDNSWait() bool       { return true }
func (shellTopology) nodeRankNeedsShell() bool { return true }
func (s shellTopology) HostNames(nodeCount int32) []string {
	hosts := []string{s.LeaderAddress()}
	for i := int32(1); i < nodeCount; i++ {
		hosts = append(hosts, fmt.Sprintf("$(WORKER_%d_HOST)", i))
	}
	return hosts
}

// grove is the Grove topology of upstream's tests' service "test-service".
var grove = groveTopology{service: "test-service"}

// lws is the LeaderWorkerSet topology.
var lws = LeaderWorkerSet{}

// withProbes returns c with three distinct probes set.
func withProbes(c corev1.Container) corev1.Container {
	c.LivenessProbe = &corev1.Probe{InitialDelaySeconds: 30}
	c.ReadinessProbe = &corev1.Probe{InitialDelaySeconds: 10}
	c.StartupProbe = &corev1.Probe{InitialDelaySeconds: 5}
	return c
}

// apply runs Apply on a pod spec holding a copy of c as its only container and returns the
// pod spec and the rewritten container.
func apply(t *testing.T, c corev1.Container, in Input) (*corev1.PodSpec, *corev1.Container, bool) {
	t.Helper()
	spec := &corev1.PodSpec{Containers: []corev1.Container{*c.DeepCopy()}}
	rewritten, err := Apply(spec, &spec.Containers[0], in)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return spec, &spec.Containers[0], rewritten
}

// checkProbes checks that a worker lost its probes and any other pod kept them.
func checkProbes(t *testing.T, before, after *corev1.Container, role Role, nodes int32) {
	t.Helper()
	if role == RoleWorker && nodes > 1 {
		if after.LivenessProbe != nil || after.ReadinessProbe != nil || after.StartupProbe != nil {
			t.Errorf("worker probes not removed: %v %v %v", after.LivenessProbe, after.ReadinessProbe, after.StartupProbe)
		}
		return
	}
	if diff := cmp.Diff([]*corev1.Probe{before.LivenessProbe, before.ReadinessProbe, before.StartupProbe},
		[]*corev1.Probe{after.LivenessProbe, after.ReadinessProbe, after.StartupProbe}); diff != "" {
		t.Errorf("probes changed (-want +got):\n%s", diff)
	}
}

// podIPEnv is the env var Apply sets to the pod IP.
func podIPEnv(name string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}
}
