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

package placement_test

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

func TestPolicyFromSpec(t *testing.T) {
	p, err := placement.PolicyFromSpec(nil)
	if err != nil || p.CopyCount() != 1 || p.Selector != nil || p.SpreadBy != "" {
		t.Errorf("nil placement: %+v, %v", p, err)
	}
	spec := &flotillav1alpha1.PlacementSpec{
		Copies:          3,
		ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}},
		SpreadBy:        regionKey,
		Tolerations:     []corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpExists}},
	}
	before := spec.DeepCopy()
	p, err = placement.PolicyFromSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	if p.CopyCount() != 3 || p.SpreadBy != regionKey || p.Selector.String() != "env=prod" || len(p.Tolerations) != 1 {
		t.Errorf("policy = %+v", p)
	}
	p.Tolerations[0].Key = "changed"
	if !reflect.DeepEqual(spec, before) {
		t.Error("the policy shares memory with the spec")
	}
	p, err = placement.PolicyFromSpec(&flotillav1alpha1.PlacementSpec{ClusterSelector: &metav1.LabelSelector{}})
	if err != nil || p.Selector != nil {
		t.Errorf("an empty selector selects everything: %v, %v", p.Selector, err)
	}
	_, err = placement.PolicyFromSpec(&flotillav1alpha1.PlacementSpec{ClusterSelector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Near"}}}})
	if err == nil || !strings.HasPrefix(err.Error(), "spec.placement.clusterSelector: Invalid value") {
		t.Errorf("bad selector: %v", err)
	}
}

func TestRequestFromGraph(t *testing.T) {
	g := makeGraph("team-a", "llama").
		Placement(&flotillav1alpha1.PlacementSpec{Copies: 2, GPUProducts: []string{h100}}).
		Service("W", gpuService(1, "8")).Obj()
	g.Status.ClusterPlacement = &flotillav1alpha1.GraphPlacementStatus{Copies: []flotillav1alpha1.CopyStatus{
		{Index: 1, Cluster: "west"}, {Index: 0, Cluster: ""}, {Index: 5, Cluster: "beyond"},
	}}
	req, err := placement.RequestFromGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	if req.Owner != "team-a/llama" || req.Namespace != "team-a" || req.Policy.CopyCount() != 2 ||
		!reflect.DeepEqual(req.Current, []string{"", "west"}) || req.Demand.GPUs() != 8 {
		t.Errorf("request = %+v", req)
	}
	if _, err := placement.RequestFromGraph(makeGraph("ns", "bad").Service("W", gpuService(1, "1.5")).Obj()); err == nil {
		t.Error("no error for a bad graph")
	}
}

func TestMemberFromCluster(t *testing.T) {
	mc := &flotillav1alpha1.MemberCluster{}
	mc.Name = "east"
	mc.Labels = map[string]string{regionKey: "us-east"}
	mc.Spec = flotillav1alpha1.MemberClusterSpec{Unschedulable: true, Taints: []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}}
	mc.Status.Conditions = []metav1.Condition{
		{Type: flotillav1alpha1.MemberJoined, Status: metav1.ConditionTrue},
		{Type: flotillav1alpha1.MemberAgentReady, Status: metav1.ConditionFalse},
	}
	mc.Status.NamespaceRestriction = "dynamo"
	mc.Status.GPUs = []flotillav1alpha1.GPUPool{{ResourceName: "nvidia.com/gpu", Product: h100, Total: 8, Free: 8,
		NodesByFree: []flotillav1alpha1.NodesAtFree{{Free: 8, Nodes: 1}}}}
	m := placement.MemberFromCluster(mc)
	if m.Name != "east" || !m.Joined || m.AgentReady || !m.Unschedulable || m.NamespaceRestriction != "dynamo" ||
		m.Labels[regionKey] != "us-east" || len(m.Taints) != 1 || len(m.GPUs) != 1 {
		t.Errorf("member = %+v", m)
	}
	m.Labels["x"] = "y"
	m.GPUs[0].NodesByFree[0].Nodes = 5
	if _, ok := mc.Labels["x"]; ok || mc.Status.GPUs[0].NodesByFree[0].Nodes != 1 {
		t.Error("the member shares memory with the MemberCluster")
	}

	// Schedulable=False for a reason placement has no field of its own for (a stale inventory)
	// cordons the member; Schedulable=True or no condition yet does not.
	mc.Spec.Unschedulable = false
	for status, want := range map[metav1.ConditionStatus]bool{metav1.ConditionFalse: true, metav1.ConditionTrue: false, "": false} {
		mc.Status.Conditions = mc.Status.Conditions[:2]
		if status != "" {
			mc.Status.Conditions = append(mc.Status.Conditions, metav1.Condition{Type: flotillav1alpha1.MemberSchedulable, Status: status, Reason: "InventoryStale"})
		}
		if got := placement.MemberFromCluster(mc).Unschedulable; got != want {
			t.Errorf("Schedulable %q: Unschedulable = %v, want %v", status, got, want)
		}
	}
}
