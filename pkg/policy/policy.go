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

// Package policy is the member-side policy an agent enforces before it builds anything from a
// DynamoComponentDeployment: set by the member's administrator in the agent chart, never by the
// hub, so that whoever writes DCDs on a member (the hub's identity, or anyone who can write a
// graph on the hub) gets no more than the member allows.
//
// A Policy says which namespaces DCDs may run in (system namespaces and the agent's own never)
// and which pods they may make: a Pod Security Standards level (privileged, baseline or
// restricted, evaluated by Kubernetes' own k8s.io/pod-security-admission checks, as the
// member's Pod Security admission would) plus explicit allowances that GPU inference commonly
// needs beyond the level: added capabilities (IPC_LOCK for RDMA memory registration, SYS_PTRACE
// for checkpoints), hostPath prefixes (a node-local model cache), and ServiceAccounts other
// than the workloads' own.
//
// The package is pure: Check takes the namespace and the pod templates the agent would apply
// and returns every violation as a field error.
package policy

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	psaapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
)

// SystemNamespaces are never allowed, whatever the policy lists.
var SystemNamespaces = []string{metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease}

// DefaultLevel is the Pod Security Standards level of a policy that names none.
const DefaultLevel = psaapi.LevelBaseline

// Policy is what a member allows DCDs to run. The zero value allows any namespace but the
// system ones, and baseline pods.
type Policy struct {
	// Namespaces are the namespaces DCDs may run in; empty allows every namespace but the
	// system ones and AgentNamespace.
	Namespaces []string
	// AgentNamespace is the agent's own namespace, which holds its credentials and the hub's
	// token: never allowed.
	AgentNamespace string
	// Level is the Pod Security Standards level pods must meet; DefaultLevel when empty.
	Level psaapi.Level
	// Allow lists what pods may have beyond Level.
	Allow Allowances
	// WorkloadServiceAccount is the ServiceAccount the agent gives pods that name none: always
	// allowed, as is "default".
	WorkloadServiceAccount string
}

// Allowances are what pods may have beyond the policy's level.
type Allowances struct {
	// Capabilities may be added to containers (securityContext.capabilities.add), such as
	// IPC_LOCK; names with or without the CAP_ prefix.
	Capabilities []string
	// HostPathPrefixes are the host directories hostPath volumes may mount: a volume's path must
	// be one of them or below one.
	HostPathPrefixes []string
	// ServiceAccounts pods may run as, besides "default" and the workloads' own.
	ServiceAccounts []string
}

// Validate checks the policy itself, naming the chart value at fault.
func (p *Policy) Validate() error {
	if p.Level != "" {
		if _, err := psaapi.ParseLevel(string(p.Level)); err != nil {
			return fmt.Errorf("policy.podSecurityLevel: %w", err)
		}
	}
	for _, prefix := range p.Allow.HostPathPrefixes {
		if !path.IsAbs(prefix) || path.Clean(prefix) == "/" {
			return fmt.Errorf("policy.allow.hostPathPrefixes: %q must be an absolute path below /", prefix)
		}
	}
	return nil
}

// level returns the policy's level, DefaultLevel when unset.
func (p *Policy) level() psaapi.Level {
	if p.Level == "" {
		return DefaultLevel
	}
	return p.Level
}

// Summary is the policy in one line, for the GPUInventory and messages:
// "baseline; allows capabilities IPC_LOCK; namespaces team-a, team-b".
func (p *Policy) Summary() string {
	parts := []string{string(p.level())}
	if len(p.Allow.Capabilities) > 0 {
		parts = append(parts, "allows capabilities "+strings.Join(p.Allow.Capabilities, ", "))
	}
	if len(p.Allow.HostPathPrefixes) > 0 {
		parts = append(parts, "allows hostPath under "+strings.Join(p.Allow.HostPathPrefixes, ", "))
	}
	if len(p.Allow.ServiceAccounts) > 0 {
		parts = append(parts, "allows ServiceAccounts "+strings.Join(p.Allow.ServiceAccounts, ", "))
	}
	if len(p.Namespaces) > 0 {
		parts = append(parts, "namespaces "+strings.Join(p.Namespaces, ", "))
	}
	return strings.Join(parts, "; ")
}

// CheckNamespace reports whether DCDs may run in namespace, as an error on path (the DCD's
// metadata.namespace) if not.
func (p *Policy) CheckNamespace(fieldPath *field.Path, namespace string) *field.Error {
	switch {
	case slices.Contains(SystemNamespaces, namespace):
		return field.Forbidden(fieldPath, fmt.Sprintf("%s is a system namespace: the member's policy never runs DCDs there", namespace))
	case namespace == p.AgentNamespace:
		return field.Forbidden(fieldPath, fmt.Sprintf("%s is the agent's own namespace: the member's policy never runs DCDs there", namespace))
	case len(p.Namespaces) > 0 && !slices.Contains(p.Namespaces, namespace):
		return field.Forbidden(fieldPath, fmt.Sprintf("the member's policy runs DCDs in %s only", strings.Join(p.Namespaces, ", ")))
	}
	return nil
}

// CheckPod returns every way a pod made from meta and spec breaks the policy, each an error on
// a field below fieldPath (the pod template's path in the DCD). The arguments are not modified.
func (p *Policy) CheckPod(fieldPath *field.Path, meta *metav1.ObjectMeta, spec *corev1.PodSpec) field.ErrorList {
	var errs field.ErrorList
	specPath := fieldPath.Child("spec")
	if sa := spec.ServiceAccountName; sa != "" && sa != "default" && sa != p.WorkloadServiceAccount && !slices.Contains(p.Allow.ServiceAccounts, sa) {
		errs = append(errs, field.Forbidden(specPath.Child("serviceAccountName"), fmt.Sprintf(
			"%s is not a ServiceAccount the member's policy allows (policy.allow.serviceAccounts)", sa)))
	}
	// What the allowances allow is taken out of a copy, which the level then judges.
	judged := spec.DeepCopy()
	p.removeAllowed(judged)
	level := p.level()
	evaluator, err := defaultEvaluator()
	if err != nil { // the default checks are always valid
		return append(errs, field.InternalError(specPath, err))
	}
	for _, r := range evaluator.EvaluatePod(psaapi.LevelVersion{Level: level, Version: psaapi.LatestVersion()}, meta, judged) {
		if r.Allowed {
			continue
		}
		detail := r.ForbiddenReason
		if r.ForbiddenDetail != "" {
			detail += " (" + r.ForbiddenDetail + ")"
		}
		errs = append(errs, field.Forbidden(specPath.Child(reasonField(r.ForbiddenReason)), fmt.Sprintf(
			"violates the member's Pod Security %q policy: %s%s", level, detail, p.hint(r.ForbiddenReason))))
	}
	return errs
}

// defaultEvaluator is Kubernetes' Pod Security evaluator with its default checks, built once.
var defaultEvaluator = sync.OnceValues(func() (psapolicy.Evaluator, error) {
	return psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
})

// removeAllowed deletes from spec the added capabilities and hostPath volumes the allowances
// allow.
func (p *Policy) removeAllowed(spec *corev1.PodSpec) {
	allowedCap := func(c corev1.Capability) bool {
		name := strings.TrimPrefix(strings.ToUpper(string(c)), "CAP_")
		return slices.ContainsFunc(p.Allow.Capabilities, func(a string) bool {
			return strings.TrimPrefix(strings.ToUpper(a), "CAP_") == name
		})
	}
	strip := func(c *corev1.Container) {
		if c.SecurityContext != nil && c.SecurityContext.Capabilities != nil {
			c.SecurityContext.Capabilities.Add = slices.DeleteFunc(c.SecurityContext.Capabilities.Add, allowedCap)
		}
	}
	for i := range spec.InitContainers {
		strip(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		strip(&spec.Containers[i])
	}
	for i := range spec.EphemeralContainers {
		strip((*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon))
	}
	spec.Volumes = slices.DeleteFunc(spec.Volumes, func(v corev1.Volume) bool {
		return v.HostPath != nil && p.hostPathAllowed(v.HostPath.Path)
	})
}

// hostPathAllowed reports whether a hostPath volume's path is an allowed prefix or below one.
func (p *Policy) hostPathAllowed(hostPath string) bool {
	clean := path.Clean(hostPath)
	return path.IsAbs(clean) && slices.ContainsFunc(p.Allow.HostPathPrefixes, func(prefix string) bool {
		prefix = path.Clean(prefix)
		return clean == prefix || strings.HasPrefix(clean, prefix+"/")
	})
}

// hint says which chart value would allow what a reason forbids, where an allowance can.
func (p *Policy) hint(reason string) string {
	switch reason {
	case "non-default capabilities", "unrestricted capabilities":
		return "; the member's administrator can allow a capability with policy.allow.capabilities"
	case "hostPath volumes", "restricted volume types":
		return "; the member's administrator can allow host directories with policy.allow.hostPathPrefixes"
	}
	return ""
}

// reasonField names the pod spec field a Pod Security check's reason is about.
func reasonField(reason string) string {
	switch reason {
	case "privileged":
		return "containers[*].securityContext.privileged"
	case "host namespaces":
		return "hostNetwork/hostPID/hostIPC"
	case "hostPath volumes", "restricted volume types":
		return "volumes"
	case "hostPort":
		return "containers[*].ports[*].hostPort"
	case "non-default capabilities", "unrestricted capabilities":
		return "containers[*].securityContext.capabilities"
	case "allowPrivilegeEscalation != false":
		return "containers[*].securityContext.allowPrivilegeEscalation"
	case "runAsNonRoot != true":
		return "securityContext.runAsNonRoot"
	case "runAsUser=0":
		return "securityContext.runAsUser"
	case "seccompProfile":
		return "securityContext.seccompProfile"
	case "seLinuxOptions":
		return "securityContext.seLinuxOptions"
	case "forbidden sysctls":
		return "securityContext.sysctls"
	case "procMount":
		return "containers[*].securityContext.procMount"
	case "hostProcess":
		return "securityContext.windowsOptions.hostProcess"
	case "probe or lifecycle host":
		return "containers[*].livenessProbe/readinessProbe/startupProbe/lifecycle"
	default:
		return "securityContext"
	}
}
