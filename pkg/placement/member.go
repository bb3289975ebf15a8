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

package placement

import (
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/pkg/policy"
)

// Member is one member cluster as placement sees it. Filters receive the Snapshot's copy and
// must not modify it.
type Member struct {
	// Name is the MemberCluster's name.
	Name string
	// Labels are the MemberCluster's labels, for clusterSelector and spreadBy.
	Labels map[string]string
	// Taints are the MemberCluster's taints.
	Taints []corev1.Taint
	// Joined is true while the hub holds a working connection to the member. A member that is
	// not joined loses its copies: the hub should set it false only once the member is
	// considered lost (after its grace period).
	Joined bool
	// AgentReady is true while the member's agent renews its lease. A member whose agent is not
	// ready receives no new copies but keeps the ones it has.
	AgentReady bool
	// Unschedulable cordons the member: no new copies; copies already there stay.
	Unschedulable bool
	// Draining moves every copy off the member: no new copies, and copies there move.
	Draining bool
	// UnreachableSince is when the hub started failing to reach the member; zero while it
	// answers. A copy there moves once it is older than the request's LostAfter.
	UnreachableSince time.Time
	// NamespaceRestriction is the only namespace the member's agent may use, or empty.
	NamespaceRestriction string
	// MultinodeRuntime is what runs multinode components on the member; empty if unknown.
	MultinodeRuntime flotillav1alpha1.MultinodeRuntime
	// Policy is what the member's agent allows DCDs; nil when it publishes none (nothing is
	// checked then: the agent still enforces its own).
	Policy *policy.Policy
	// GPUs is the member's GPU inventory.
	GPUs []flotillav1alpha1.GPUPool
}

// MemberFromCluster reads a MemberCluster: its labels, taints, cordon, Joined and AgentReady
// conditions, namespace restriction and GPU inventory. A member whose Schedulable condition is
// False (for any reason: its inventory is stale, its namespace restriction does not match, its
// credentials are refused, ...) takes no new copies, as a cordoned one. It shares no memory
// with mc.
func MemberFromCluster(mc *flotillav1alpha1.MemberCluster) Member {
	m := Member{
		Name:                 mc.Name,
		Labels:               mc.Labels,
		Taints:               mc.Spec.Taints,
		Joined:               meta.IsStatusConditionTrue(mc.Status.Conditions, flotillav1alpha1.MemberJoined),
		AgentReady:           meta.IsStatusConditionTrue(mc.Status.Conditions, flotillav1alpha1.MemberAgentReady),
		Unschedulable:        mc.Spec.Unschedulable || meta.IsStatusConditionFalse(mc.Status.Conditions, flotillav1alpha1.MemberSchedulable),
		Draining:             mc.Spec.Drain,
		NamespaceRestriction: mc.Status.NamespaceRestriction,
		MultinodeRuntime:     mc.Status.MultinodeRuntime,
		GPUs:                 mc.Status.GPUs,
	}
	if t, err := time.Parse(time.RFC3339, mc.Annotations[flotillav1alpha1.AnnotationUnreachableSince]); err == nil {
		m.UnreachableSince = t
	}
	if mc.Status.Policy != nil {
		m.Policy = policy.FromAPI(mc.Status.Policy) // a fresh copy
	}
	return m.deepCopy()
}

// deepCopy returns a copy of m that shares no memory with it.
func (m *Member) deepCopy() Member {
	out := *m
	out.Labels = maps.Clone(m.Labels)
	if m.Taints != nil {
		out.Taints = make([]corev1.Taint, len(m.Taints))
		for i := range m.Taints {
			m.Taints[i].DeepCopyInto(&out.Taints[i])
		}
	}
	if m.GPUs != nil {
		out.GPUs = make([]flotillav1alpha1.GPUPool, len(m.GPUs))
		for i := range m.GPUs {
			out.GPUs[i] = m.GPUs[i]
			out.GPUs[i].NodesByFree = slices.Clone(m.GPUs[i].NodesByFree)
		}
	}
	return out
}
