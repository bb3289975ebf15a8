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

package membercluster

import (
	"maps"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// Which changes of a MemberCluster concern whom: agents publish their inventory every few
// seconds while pods come and go, and a graph placed and running has nothing to learn from it;
// a graph waiting for capacity has. Watches filter with these, so that inventory updates do not
// make every graph and record on the member reconcile.

// PlacementChanged reports whether a change may move copies or change where new ones go:
// labels, taints or cordon, the namespace restriction, the multinode runtime, the policy, or the state (status and reason) of the
// Joined, AgentReady or Schedulable conditions.
func PlacementChanged(old, cur *flotillav1alpha1.MemberCluster) bool {
	if !maps.Equal(old.Labels, cur.Labels) || !equality.Semantic.DeepEqual(old.Spec, cur.Spec) ||
		old.Status.NamespaceRestriction != cur.Status.NamespaceRestriction ||
		old.Status.MultinodeRuntime != cur.Status.MultinodeRuntime ||
		!equality.Semantic.DeepEqual(old.Status.Policy, cur.Status.Policy) {
		return true
	}
	for _, t := range []string{flotillav1alpha1.MemberJoined, flotillav1alpha1.MemberAgentReady, flotillav1alpha1.MemberSchedulable} {
		if conditionState(old, t) != conditionState(cur, t) {
			return true
		}
	}
	return false
}

// InventoryChanged reports whether the member's GPU inventory changed.
func InventoryChanged(old, cur *flotillav1alpha1.MemberCluster) bool {
	return !equality.Semantic.DeepEqual(old.Status.GPUs, cur.Status.GPUs)
}

// JoinedChanged reports whether the Joined condition changed state: the member was reached,
// lost, or came back.
func JoinedChanged(old, cur *flotillav1alpha1.MemberCluster) bool {
	return conditionState(old, flotillav1alpha1.MemberJoined) != conditionState(cur, flotillav1alpha1.MemberJoined)
}

func conditionState(mc *flotillav1alpha1.MemberCluster, t string) string {
	c := meta.FindStatusCondition(mc.Status.Conditions, t)
	if c == nil {
		return ""
	}
	return string(c.Status) + "/" + c.Reason
}
