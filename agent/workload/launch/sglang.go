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

	corev1 "k8s.io/api/core/v1"
)

// sglangDistInitPort is the port of SGLang's torch.distributed rendezvous on the leader.
const sglangDistInitPort = "29500"

// applySGLang is upstream's SGLangBackend.UpdateContainer for a multinode leader or worker: a
// worker loses its probes, and every pod gets --dist-init-addr <leader>:29500 --nnodes N
// --node-rank <rank> (0 on the leader), whatever its GPUs and parallel sizes.
func applySGLang(c *corev1.Container, in Input) bool {
	if in.Role == RoleWorker {
		removeProbes(c)
	}
	flags, needsShell := sglangFlags(in)
	return injectFlags(c, flags, needsShell, BackendSGLang)
}

// sglangFlags returns the flags of in's pod and whether they need a shell (upstream's
// getMultinodeFlags): the leader's never do.
func sglangFlags(in Input) (string, bool) {
	rank, needsShell := "0", false
	if in.Role != RoleLeader {
		rank, needsShell = in.Topology.NodeRank(), nodeRankNeedsShell(in.Topology)
	}
	return fmt.Sprintf("--dist-init-addr %s:%s --nnodes %d --node-rank %s",
		in.Topology.LeaderAddress(), sglangDistInitPort, in.NodeCount, rank), needsShell
}
