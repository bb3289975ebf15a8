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

package policy

import (
	"slices"

	psaapi "k8s.io/pod-security-admission/api"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// ToAPI returns the policy as the agent publishes it in its GPUInventory.
func (p *Policy) ToAPI() *flotillav1alpha1.MemberPolicy {
	return &flotillav1alpha1.MemberPolicy{
		PodSecurityLevel:        string(p.level()),
		Namespaces:              slices.Clone(p.Namespaces),
		AllowedCapabilities:     slices.Clone(p.Allow.Capabilities),
		AllowedHostPathPrefixes: slices.Clone(p.Allow.HostPathPrefixes),
		AllowedServiceAccounts:  slices.Clone(p.Allow.ServiceAccounts),
		WorkloadServiceAccount:  p.WorkloadServiceAccount,
		AgentNamespace:          p.AgentNamespace,
	}
}

// FromAPI returns the policy a member publishes, for the hub to judge graphs by.
func FromAPI(mp *flotillav1alpha1.MemberPolicy) *Policy {
	p := &Policy{
		Namespaces:             slices.Clone(mp.Namespaces),
		Level:                  psaapi.Level(mp.PodSecurityLevel),
		WorkloadServiceAccount: mp.WorkloadServiceAccount,
		AgentNamespace:         mp.AgentNamespace,
		Allow: Allowances{
			Capabilities:     slices.Clone(mp.AllowedCapabilities),
			HostPathPrefixes: slices.Clone(mp.AllowedHostPathPrefixes),
			ServiceAccounts:  slices.Clone(mp.AllowedServiceAccounts),
		},
	}
	return p
}

// Pod Security Admission's namespace labels.
const (
	labelEnforce        = "pod-security.kubernetes.io/enforce"
	labelEnforceVersion = "pod-security.kubernetes.io/enforce-version"
	labelWarn           = "pod-security.kubernetes.io/warn"
	labelWarnVersion    = "pod-security.kubernetes.io/warn-version"
	labelAudit          = "pod-security.kubernetes.io/audit"
	labelAuditVersion   = "pod-security.kubernetes.io/audit-version"
)

// NamespaceLabels are the Pod Security Admission labels of a namespace the hub creates on a
// member whose agent publishes mp, so that the member's own API server enforces the policy on
// every pod there, even pods created without the agent: enforce, warn and audit at the policy's
// level. Pod Security Admission knows levels only, so a policy with allowances beyond its level
// (capabilities, hostPath prefixes) gets enforce=privileged, and warn and audit at its level:
// the agent then remains the one that enforces the policy. nil when mp is nil.
func NamespaceLabels(mp *flotillav1alpha1.MemberPolicy) map[string]string {
	if mp == nil {
		return nil
	}
	level := mp.PodSecurityLevel
	if level == "" {
		level = string(DefaultLevel)
	}
	enforce := level
	if len(mp.AllowedCapabilities) > 0 || len(mp.AllowedHostPathPrefixes) > 0 {
		enforce = string(psaapi.LevelPrivileged)
	}
	return map[string]string{
		labelEnforce: enforce, labelEnforceVersion: psaapi.VersionLatest,
		labelWarn: level, labelWarnVersion: psaapi.VersionLatest,
		labelAudit: level, labelAuditVersion: psaapi.VersionLatest,
	}
}
