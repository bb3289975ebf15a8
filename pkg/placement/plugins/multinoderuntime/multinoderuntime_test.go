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

package multinoderuntime

import (
	"testing"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

func demand(t *testing.T, nodesPerReplica int32) *placement.Demand {
	t.Helper()
	d, err := placement.NewDemand(
		placement.ServiceDemand{Name: "Frontend", Replicas: 1},
		placement.ServiceDemand{Name: "VllmWorker", Replicas: 1, NodesPerReplica: nodesPerReplica, GPUsPerPod: 8},
	)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFilter(t *testing.T) {
	lws, sts := flotillav1alpha1.MultinodeRuntimeLeaderWorkerSet, flotillav1alpha1.MultinodeRuntimeStatefulSet
	wantLWS := placement.Policy{MultinodeRuntimes: []flotillav1alpha1.MultinodeRuntime{lws}}
	p := New()
	for _, tc := range []struct {
		name       string
		policy     placement.Policy
		nodes      int32
		member     flotillav1alpha1.MultinodeRuntime
		skip, pass bool
		reason     string
	}{
		{name: "no requirement", nodes: 2, member: sts, skip: true, pass: true},
		{name: "single-node graph", policy: wantLWS, nodes: 1, member: sts, skip: true, pass: true},
		{name: "member runs LeaderWorkerSet", policy: wantLWS, nodes: 2, member: lws, pass: true},
		{name: "member runs StatefulSets", policy: wantLWS, nodes: 2, member: sts,
			reason: "runs multinode components as StatefulSet; spec.placement.multinodeRuntimes asks for LeaderWorkerSet"},
		{name: "member publishes no runtime", policy: wantLWS, nodes: 2,
			reason: "runs multinode components as an unknown runtime (its agent publishes none); spec.placement.multinodeRuntimes asks for LeaderWorkerSet"},
		{name: "either accepted", policy: placement.Policy{MultinodeRuntimes: []flotillav1alpha1.MultinodeRuntime{lws, sts}}, nodes: 4, member: sts, pass: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := &placement.Request{Policy: tc.policy, Demand: demand(t, tc.nodes)}
			if got := p.Skip(req, nil); got != tc.skip {
				t.Errorf("Skip = %v, want %v", got, tc.skip)
			}
			r := p.Filter(req, &placement.Member{Name: "a", MultinodeRuntime: tc.member})
			if r.IsSuccess() != tc.pass {
				t.Fatalf("Filter = %+v, want success %v", r, tc.pass)
			}
			if !tc.pass {
				if r.Code != placement.Unschedulable {
					t.Errorf("code %s, want Unschedulable: copies already there stay", r.Code)
				}
				if got := r.Reason.String(); got != tc.reason {
					t.Errorf("reason %q, want %q", got, tc.reason)
				}
			}
		})
	}
}
