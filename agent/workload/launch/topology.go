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
	"fmt"
	"strings"
)

// Topology is how the pods of one replica find each other (upstream's MultinodeDeployer, which
// has one for LeaderWorkerSet and one for Grove). The agent uses LeaderWorkerSet's on both of its
// paths: its own StatefulSets give pods the same variables and host names.
//
// The leader's rank is always the literal 0. A NodeRank that starts with "$((" is shell
// arithmetic: a python command that uses it is run through "sh -c" (upstream's GetNodeRank
// returning needsShell=true); any other NodeRank must be something the kubelet expands by itself.
type Topology interface {
	// LeaderAddress is the leader's host name as the kubelet expands it in command and args,
	// e.g. "$(LWS_LEADER_ADDRESS)".
	LeaderAddress() string
	// NodeRank is the rank of a worker pod as the kubelet expands it, e.g. "$(LWS_WORKER_INDEX)".
	NodeRank() string
	// ShellNodeRank is the same rank as a POSIX shell variable reference, e.g.
	// "${LWS_WORKER_INDEX}", for use inside shell arithmetic.
	ShellNodeRank() string
	// HostNames returns every node's host name, leader first, as shell text (may contain
	// command substitutions).
	HostNames(nodeCount int32) []string
	// NeedsDNSWait reports whether the leader must wait for the workers' DNS names before mpirun.
	NeedsDNSWait() bool
}

// shellRanked is implemented by a Topology whose NodeRank needs a shell although it does not
// start with "$((". Only the tests' copy of upstream's MockShellDeployer implements it.
type shellRanked interface {
	nodeRankNeedsShell() bool
}

// nodeRankNeedsShell reports whether a command that uses t.NodeRank() must run through a shell.
func nodeRankNeedsShell(t Topology) bool {
	if s, ok := t.(shellRanked); ok {
		return s.nodeRankNeedsShell()
	}
	return strings.HasPrefix(t.NodeRank(), "$((")
}

// LeaderWorkerSet is the Topology of LeaderWorkerSet pods (upstream's LWSMultinodeDeployer,
// lws.go): LWS sets LWS_LEADER_ADDRESS and LWS_WORKER_INDEX in every container, and names the
// worker pods after the leader (<lws>-<group>-<index>).
type LeaderWorkerSet struct{}

var _ Topology = LeaderWorkerSet{}

// LeaderAddress returns "$(LWS_LEADER_ADDRESS)".
func (LeaderWorkerSet) LeaderAddress() string { return "$(LWS_LEADER_ADDRESS)" }

// NodeRank returns "$(LWS_WORKER_INDEX)".
func (LeaderWorkerSet) NodeRank() string { return "$(LWS_WORKER_INDEX)" }

// ShellNodeRank returns "${LWS_WORKER_INDEX}".
func (LeaderWorkerSet) ShellNodeRank() string { return "${LWS_WORKER_INDEX}" }

// HostNames returns "$(LWS_LEADER_ADDRESS)" followed, for each worker i, by a command
// substitution that inserts "-i" before the first dot of LWS_LEADER_ADDRESS, the DNS name of
// worker i. It returns nil when nodeCount < 1.
func (l LeaderWorkerSet) HostNames(nodeCount int32) []string {
	if nodeCount < 1 {
		return nil
	}
	hosts := make([]string, 0, nodeCount)
	hosts = append(hosts, l.LeaderAddress())
	for i := int32(1); i < nodeCount; i++ {
		hosts = append(hosts, fmt.Sprintf(`$(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-%d\./')`, i))
	}
	return hosts
}

// NeedsDNSWait returns true: LWS starts the pods of a group together, so the workers' DNS names
// may not resolve yet when the leader starts.
func (LeaderWorkerSet) NeedsDNSWait() bool { return true }
