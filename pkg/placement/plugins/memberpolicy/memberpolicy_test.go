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

package memberpolicy

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/policy"
)

func TestFilter(t *testing.T) {
	plain := &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "x"}}}}
	privileged := plain.DeepCopy()
	privileged.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	request := func(ns string, pods ...*corev1.PodTemplateSpec) *placement.Request {
		req := &placement.Request{Namespace: ns}
		for i, p := range pods {
			req.Pods = append(req.Pods, placement.ComponentPod{Component: []string{"Frontend", "Worker"}[i], Template: p})
		}
		return req
	}
	baseline := &policy.Policy{AgentNamespace: "flotilla-system"}
	p := New()
	for _, tc := range []struct {
		name   string
		req    *placement.Request
		member placement.Member
		reason string // "": passes
	}{
		{name: "no published policy", req: request("team-a", privileged), member: placement.Member{}},
		{name: "baseline pods", req: request("team-a", plain, plain), member: placement.Member{Policy: baseline}},
		{name: "a privileged worker", req: request("team-a", plain, privileged), member: placement.Member{Policy: baseline},
			reason: `policy denies spec.components[Worker].podTemplate.spec.containers[*].securityContext.privileged: Forbidden: violates the member's Pod Security "baseline" policy: privileged (container "main" must not set securityContext.privileged=true)`},
		{name: "privileged where allowed", req: request("team-a", privileged), member: placement.Member{Policy: &policy.Policy{Level: psaapi.LevelPrivileged}}},
		{name: "the graph's namespace is the agent's", req: request("flotilla-system", plain), member: placement.Member{Policy: baseline},
			reason: "policy denies metadata.namespace: Forbidden: flotilla-system is the agent's own namespace: the member's policy never runs DCDs there"},
		{name: "a restricted member's own namespace is what counts", req: request("kube-system", plain),
			member: placement.Member{Policy: baseline, NamespaceRestriction: "team-b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.Filter(tc.req, &tc.member)
			if tc.reason == "" {
				if !r.IsSuccess() {
					t.Errorf("Filter = %s, want success", r.Reason)
				}
				return
			}
			if r.IsSuccess() || r.Code != placement.Unschedulable || r.Reason.String() != tc.reason {
				t.Errorf("Filter = %+v (%s), want Unschedulable: %s", r, r.Reason, tc.reason)
			}
		})
	}
}
