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
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLeaderWorkerSet checks the LeaderWorkerSet topology's strings (upstream's
// LWSMultinodeDeployer, lws.go at 0484a3b145a2, plus ShellNodeRank).
func TestLeaderWorkerSet(t *testing.T) {
	var topo Topology = LeaderWorkerSet{}
	if got := topo.LeaderAddress(); got != "$(LWS_LEADER_ADDRESS)" {
		t.Errorf("LeaderAddress = %q", got)
	}
	if got := topo.NodeRank(); got != "$(LWS_WORKER_INDEX)" {
		t.Errorf("NodeRank = %q", got)
	}
	if got := topo.ShellNodeRank(); got != "${LWS_WORKER_INDEX}" {
		t.Errorf("ShellNodeRank = %q", got)
	}
	if !topo.NeedsDNSWait() {
		t.Error("NeedsDNSWait = false")
	}
	if nodeRankNeedsShell(topo) {
		t.Error("the kubelet expands $(LWS_WORKER_INDEX): no shell needed")
	}
	for _, tc := range []struct {
		nodes int32
		want  []string
	}{
		{0, nil},
		{1, []string{"$(LWS_LEADER_ADDRESS)"}},
		{3, []string{
			"$(LWS_LEADER_ADDRESS)",
			`$(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-1\./')`,
			`$(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-2\./')`,
		}},
	} {
		if diff := cmp.Diff(tc.want, topo.HostNames(tc.nodes)); diff != "" {
			t.Errorf("HostNames(%d) (-want +got):\n%s", tc.nodes, diff)
		}
	}
}

// TestNodeRankNeedsShell: shell arithmetic needs a shell, as upstream's Grove deployer says.
func TestNodeRankNeedsShell(t *testing.T) {
	for _, tc := range []struct {
		name string
		topo Topology
		want bool
	}{
		{"grove arithmetic", grove, true},
		{"LWS kubelet reference", LeaderWorkerSet{}, false},
		{"literal", simpleTopology{}, false},
		{"declared by the topology", shellTopology{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nodeRankNeedsShell(tc.topo); got != tc.want {
				t.Errorf("nodeRankNeedsShell = %v, want %v", got, tc.want)
			}
		})
	}
}
