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

package policy_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/pkg/policy"
)

// worker is a vLLM worker pod as Dynamo's examples write it: one GPU, shared memory in RAM.
func worker() *corev1.PodSpec {
	return &corev1.PodSpec{
		Containers: []corev1.Container{{
			Name:    "main",
			Image:   "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.3.0",
			Command: []string{"python3", "-m", "dynamo.vllm"},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
				"nvidia.com/gpu": resource.MustParse("1"),
			}},
			VolumeMounts: []corev1.VolumeMount{{Name: "shared-memory", MountPath: "/dev/shm"}},
		}},
		Volumes: []corev1.Volume{{Name: "shared-memory", VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory},
		}}},
		SecurityContext: &corev1.PodSecurityContext{FSGroup: ptr.To[int64](1000)},
	}
}

func withCaps(caps ...corev1.Capability) *corev1.PodSpec {
	s := worker()
	s.Containers[0].SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: caps}}
	return s
}

func withHostPath(p string) *corev1.PodSpec {
	s := worker()
	s.Volumes = append(s.Volumes, corev1.Volume{Name: "models", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: p}}})
	return s
}

func TestCheckPod(t *testing.T) {
	privileged := worker()
	privileged.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	hostNetwork := worker()
	hostNetwork.HostNetwork = true
	otherSA := worker()
	otherSA.ServiceAccountName = "cluster-admin-sa"
	workloadSA := worker()
	workloadSA.ServiceAccountName = "dynamo-workloads"

	baseline := policy.Policy{WorkloadServiceAccount: "dynamo-workloads"}
	gpu := policy.Policy{WorkloadServiceAccount: "dynamo-workloads", Allow: policy.Allowances{
		Capabilities:     []string{"IPC_LOCK", "CAP_SYS_PTRACE"},
		HostPathPrefixes: []string{"/models"},
		ServiceAccounts:  []string{"planner"},
	}}
	for _, tc := range []struct {
		name   string
		policy policy.Policy
		spec   *corev1.PodSpec
		want   []string // substrings of the errors, in order; none: allowed
	}{
		{name: "a Dynamo worker meets baseline", policy: baseline, spec: worker()},
		{name: "the workloads' own ServiceAccount", policy: baseline, spec: workloadSA},
		{name: "IPC_LOCK is refused at baseline, with the value that allows it", policy: baseline, spec: withCaps("IPC_LOCK"),
			want: []string{`podTemplate.spec.containers[*].securityContext.capabilities: Forbidden: violates the member's Pod Security "baseline" policy: non-default capabilities (container "main" must not include "IPC_LOCK" in securityContext.capabilities.add); the member's administrator can allow a capability with policy.allow.capabilities`}},
		{name: "IPC_LOCK and SYS_PTRACE where allowed, with or without CAP_", policy: gpu, spec: withCaps("IPC_LOCK", "SYS_PTRACE")},
		{name: "an allowance covers only what it names", policy: gpu, spec: withCaps("IPC_LOCK", "NET_ADMIN"),
			want: []string{`must not include "NET_ADMIN"`}},
		{name: "privileged", policy: gpu, spec: privileged,
			want: []string{`podTemplate.spec.containers[*].securityContext.privileged: Forbidden: violates the member's Pod Security "baseline" policy: privileged (container "main" must not set securityContext.privileged=true)`}},
		{name: "privileged where the level is privileged", policy: policy.Policy{Level: psaapi.LevelPrivileged}, spec: privileged},
		{name: "hostNetwork", policy: gpu, spec: hostNetwork,
			want: []string{`podTemplate.spec.hostNetwork/hostPID/hostIPC: Forbidden: violates the member's Pod Security "baseline" policy: host namespaces (hostNetwork=true)`}},
		{name: "a hostPath below an allowed prefix", policy: gpu, spec: withHostPath("/models/llama")},
		{name: "the allowed prefix itself", policy: gpu, spec: withHostPath("/models/")},
		{name: "a hostPath that only starts like the prefix", policy: gpu, spec: withHostPath("/models2"),
			want: []string{`podTemplate.spec.volumes: Forbidden: violates the member's Pod Security "baseline" policy: hostPath volumes (volume "models")`}},
		{name: "a hostPath escaping the prefix", policy: gpu, spec: withHostPath("/models/../etc"), want: []string{`hostPath volumes`}},
		{name: "another ServiceAccount", policy: baseline, spec: otherSA,
			want: []string{`podTemplate.spec.serviceAccountName: Forbidden: cluster-admin-sa is not a ServiceAccount the member's policy allows (policy.allow.serviceAccounts)`}},
		{name: "restricted wants non-root, no escalation, dropped capabilities and a seccomp profile", policy: policy.Policy{Level: psaapi.LevelRestricted}, spec: worker(),
			want: []string{"allowPrivilegeEscalation != false", "unrestricted capabilities", "runAsNonRoot != true", "seccompProfile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.spec.DeepCopy()
			errs := tc.policy.CheckPod(field.NewPath("podTemplate"), &metav1.ObjectMeta{}, tc.spec)
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d: %v", len(errs), len(tc.want), errs)
			}
			for i, want := range tc.want {
				if !strings.Contains(errs[i].Error(), want) {
					t.Errorf("error %d:\n got %s\nwant it to contain %s", i, errs[i].Error(), want)
				}
			}
			if tc.spec.String() != before.String() {
				t.Error("CheckPod modified the pod spec")
			}
		})
	}
}

func TestCheckNamespace(t *testing.T) {
	p := policy.Policy{AgentNamespace: "flotilla-system"}
	restricted := policy.Policy{AgentNamespace: "flotilla-system", Namespaces: []string{"team-a", "team-b"}}
	path := field.NewPath("metadata", "namespace")
	for _, tc := range []struct {
		policy    policy.Policy
		namespace string
		want      string
	}{
		{p, "team-a", ""},
		{p, "kube-system", "kube-system is a system namespace"},
		{p, "kube-node-lease", "kube-node-lease is a system namespace"},
		{p, "flotilla-system", "flotilla-system is the agent's own namespace"},
		{restricted, "team-b", ""},
		{restricted, "team-c", "the member's policy runs DCDs in team-a, team-b only"},
		{restricted, "kube-public", "kube-public is a system namespace"},
	} {
		err := tc.policy.CheckNamespace(path, tc.namespace)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.namespace, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "metadata.namespace: Forbidden")):
			t.Errorf("%s: got %v, want %q", tc.namespace, err, tc.want)
		}
	}
}

func TestValidateAndSummary(t *testing.T) {
	for _, bad := range []policy.Policy{
		{Level: "lax"},
		{Allow: policy.Allowances{HostPathPrefixes: []string{"models"}}},
		{Allow: policy.Allowances{HostPathPrefixes: []string{"/"}}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v is valid", bad)
		}
	}
	p := policy.Policy{Namespaces: []string{"team-a"}, Allow: policy.Allowances{Capabilities: []string{"IPC_LOCK"}, HostPathPrefixes: []string{"/models"}}}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
	if got, want := p.Summary(), "baseline; allows capabilities IPC_LOCK; allows hostPath under /models; namespaces team-a"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

func TestNamespaceLabels(t *testing.T) {
	if policy.NamespaceLabels(nil) != nil {
		t.Error("labels without a policy")
	}
	got := policy.NamespaceLabels(&flotillav1alpha1.MemberPolicy{PodSecurityLevel: "baseline"})
	for k, v := range map[string]string{
		"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
		"pod-security.kubernetes.io/warn": "baseline", "pod-security.kubernetes.io/audit": "baseline",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	got = policy.NamespaceLabels(&flotillav1alpha1.MemberPolicy{PodSecurityLevel: "restricted", AllowedCapabilities: []string{"IPC_LOCK"}})
	if got["pod-security.kubernetes.io/enforce"] != "privileged" || got["pod-security.kubernetes.io/warn"] != "restricted" {
		t.Errorf("with an allowance beyond the level: %v", got)
	}
	p := policy.Policy{AgentNamespace: "flotilla-system", Allow: policy.Allowances{ServiceAccounts: []string{"planner"}}}
	if back := policy.FromAPI(p.ToAPI()); back.Summary() != p.Summary() || back.AgentNamespace != "flotilla-system" {
		t.Errorf("FromAPI(ToAPI()) = %+v", back)
	}
}
