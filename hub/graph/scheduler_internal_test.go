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

package graph

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

// oneGPUCopy is a request for one copy of one 1-GPU pod.
func oneGPUCopy(t *testing.T, owner string) *placement.Request {
	t.Helper()
	policy, err := placement.PolicyFromSpec(nil)
	if err != nil {
		t.Fatal(err)
	}
	demand, err := placement.NewDemand(placement.ServiceDemand{Name: "worker", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 1,
		ResourceName: flotillav1alpha1.DefaultGPUResourceName})
	if err != nil {
		t.Fatal(err)
	}
	return &placement.Request{Owner: owner, Namespace: "ns", Policy: policy, Demand: demand}
}

// memberWithGPUs is a Schedulable member with one node of free 1-GPU slots.
func memberWithGPUs(name string, free int32) flotillav1alpha1.MemberCluster {
	mc := *member(name, membercluster.ReasonReachable)
	mc.Status.Conditions = append(mc.Status.Conditions, metav1.Condition{Type: flotillav1alpha1.MemberAgentReady, Status: metav1.ConditionTrue, Reason: "r"})
	mc.Status.GPUs = []flotillav1alpha1.GPUPool{{ResourceName: flotillav1alpha1.DefaultGPUResourceName, Total: int64(free), Free: int64(free),
		NodesByFree: []flotillav1alpha1.NodesAtFree{{Free: free, Nodes: 1}}}}
	return mc
}

// TestSchedulerSeed checks that a seeded copy holds its GPUs on its member, as a copy placed by
// this Scheduler would: a new leader whose members' inventories do not show the copies the old
// one placed does not place new copies into their GPUs.
func TestSchedulerSeed(t *testing.T) {
	clusters := []flotillav1alpha1.MemberCluster{memberWithGPUs("west", 2), memberWithGPUs("east", 1)}
	s := NewScheduler(placement.NewPlacer(plugins.NewDefaultFramework()))
	for _, owner := range []string{"ns/a", "ns/b"} {
		if err := s.Seed(clusters, oneGPUCopy(t, owner), 0, "west"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Seed(clusters, oneGPUCopy(t, "ns/c"), 0, "west"); err != nil {
		t.Fatal(err)
	}
	d, err := s.Place(clusters, oneGPUCopy(t, "ns/new"))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Copies[0].Member; got != "east" {
		t.Errorf("a new copy went to %q beside two seeded copies on west's two GPUs, want east", got)
	}
	d, err = s.Place(clusters, oneGPUCopy(t, "ns/newer"))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Copies[0].Member; got != "" {
		t.Errorf("a copy went to %q with every GPU booked, want none", got)
	}

	s.ReleaseCopy("ns/a", 0) // west's inventory shows it now, or it is gone
	d, err = s.Place(clusters, oneGPUCopy(t, "ns/last"))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Copies[0].Member; got != "west" {
		t.Errorf("after a seeded copy was released, a new copy went to %q, want west", got)
	}
}
