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

// Package launch rewrites the main container and pod spec of the leader and worker pods of a
// multinode Dynamo component (multinode.nodeCount >= 2) so that the pods of one replica form
// one distributed engine, the way upstream Dynamo's operator backends do. It is made of pure
// functions: no client, no clock; only GenerateSSHKeyPair reads randomness.
//
// Apply takes the backend framework, the pod's Role, the node count, the GPUs of one pod, the
// pod template's annotations and a Topology (how the pods of a replica find each other:
// LeaderWorkerSet's, which the agent's own StatefulSets reproduce with the same variables and
// host names), and rewrites:
//
//   - vLLM: when tensor × pipeline parallel size exceeds the GPUs of a pod, the multiprocessing
//     backend (--distributed-executor-backend mp --nnodes --master-addr --master-port 29500
//     --node-rank, --headless on workers) or Ray (the leader starts a Ray head before vLLM with
//     --distributed-executor-backend ray, workers only join it); otherwise, when tensor ×
//     pipeline × data parallel size exceeds them, data-parallel hybrid load balancing
//     (--data-parallel-hybrid-lb and the local size, start rank, address and RPC port). mp is
//     chosen by the annotation nvidia.com/vllm-distributed-executor-backend, else by an origin
//     version (nvidia.com/dynamo-operator-origin-version) of 1.0.0 or later; with mp every pod
//     gets VLLM_NIXL_SIDE_CHANNEL_HOST = its pod IP. Workers lose their probes.
//   - SGLang: --dist-init-addr <leader>:29500 --nnodes N --node-rank R on every pod. Workers lose
//     their probes.
//   - TRT-LLM: both pods mount the SSH key Secret (GenerateSSHKeyPair makes its data) at /ssh-pk
//     and get OMPI_MCA_orte_keep_fqdn_hostnames=1; the leader runs the engine under mpirun over
//     SSH on port 2222 across all pods (after waiting for the workers' DNS names when the
//     topology asks for it), a worker runs sshd instead of the engine and is ready when port
//     2222 accepts connections (no liveness or startup probe).
//
// # Upstream
//
// The behaviour is that of ai-dynamo/dynamo's deploy/operator, read at these commits:
//
//   - internal/dynamo/backend_vllm.go: the mainline logic common to 003d1ee5de27 and
//     0367e404b084 (the newest), with 0367e404b084's reading of the parallel sizes
//     (parseVLLMLaunchArgs); expected outputs from backend_vllm_test.go at 0367e404b084;
//   - internal/dynamo/backend_sglang.go and backend_sglang_test.go at 015d780ba9c3;
//   - internal/dynamo/backend_trtllm.go and backend_trtllm_test.go at 015d780ba9c3, except that
//     the GPU count is the caller's (Input.GPUs: limits first, as a8bed56ed21e and
//     ResolveContainerGPUs) where 015d780ba9c3 read requests first;
//   - internal/dynamo/utils.go (flag injection, shellQuoteForBashC) and internal/dynamo/lws.go
//     (LeaderWorkerSet) at 0484a3b145a2;
//   - internal/features/compatibility/gates.go at 1bf5424101cd (VLLMMultiprocessing: origin
//     version >= 1.0.0, parsed as github.com/Masterminds/semver/v3 does);
//   - internal/secret/ssh_key_manager.go at b982feee1da9 (GenerateSSHKeyPair).
//
// # Deliberate deviations
//
//   - Data-parallel start rank of a worker: upstream writes $(( L * <GetNodeRank> )), which for
//     a LeaderWorkerSet is $(( L * $(LWS_WORKER_INDEX) )); the kubelet does not expand a
//     reference nested in "$((", and the shell then runs $(LWS_WORKER_INDEX) as a command
//     substitution (a command that does not exist) and fails on the arithmetic. Apply writes
//     $(( L * <Topology.ShellNodeRank> )), e.g. $(( 8 * ${LWS_WORKER_INDEX} )), which the shell
//     evaluates; the worker's command runs through a shell, as upstream's already does.
//   - No wait-for-leader-mp init container on vLLM mp workers: upstream's runs a script from a
//     per-graph ConfigMap (<graph>-wait-leader-script) that the agent does not create. Nothing
//     holds a worker back until its leader's master port (29500) is open.
//   - A variable Apply adds (VLLM_NIXL_SIDE_CHANNEL_HOST, OMPI_MCA_orte_keep_fqdn_hostnames)
//     replaces the user's of the same name instead of being appended after it: the value is the
//     one the kubelet would have used, and the container keeps each name once, which server-side
//     apply requires.
//   - RoleMain is never rewritten, even with NodeCount > 1 (upstream never renders a multinode
//     pod as main; its SGLang and TRT-LLM backends would rewrite one).
//   - Not implemented, as they are opt-in, version-gated or on unmerged upstream branches: vLLM
//     elastic EP (--enable-elastic-ep across nodes is an error; a single-node one is left
//     alone, without upstream's Ray head), the DYNAMO_RANK / DYNAMO_LEADER_ADDRESS topology
//     aliases (an origin version >= 1.6.0 gets the provider's own names, as before 1.6.0),
//     role-specific pod templates, the Ray GCS wait init container, GPU memory service (GMS) and
//     inter-pod failover. VLLM_CACHE_ROOT, which upstream's vLLM backend also sets, belongs to
//     the compilation cache, not to the launch, and is left to the caller.
//
// # Kept as upstream
//
// These quirks are reproduced on purpose, so that a component renders as Dynamo renders it:
//
//   - vLLM reads the parallel sizes from the args only (not the command), split at white space,
//     so words of an "sh -c" script count, even in a shell comment; the last parseable
//     occurrence wins; -tp/-pp/-dp, --tensor_parallel_size and --flag=value spellings count.
//   - Flags are appended to the args of a python command (Command[0] is python, python3,
//     /usr/bin/python3.8, ...), or, when they need a shell (a worker rank that is shell
//     arithmetic, a data-parallel worker's start rank), the command becomes ["sh", "-c"] with
//     "exec <every word quoted> <flags>". Any other command is taken to be a
//     shell running the engine: the flags go into the first arg that runs "python... <framework>",
//     after the word holding the framework's last mention before the next |, & or ; (into every
//     such command of that arg), and the command itself is never changed. So an args-only
//     python command (no Command, one word per arg) gets no flags on the mp and data-parallel
//     paths, and Apply returns false.
//   - Ray leader: "ray start --head --port=6379 && <command> <args> --distributed-executor-backend
//     ray" with every word quoted by shellQuoteForBashC, so an empty command leaves a double
//     space after "&&", an "sh -c <script>" command puts the flag after the quoted script (as
//     the script's $0), and an args-only "python3 -m dynamo.vllm ..." single arg becomes one
//     quoted word. Ray and TRT-LLM use "/bin/sh -c", the shell wrapper of flag injection "sh -c".
//   - Worker probes are removed (vLLM, SGLang) and VLLM_NIXL_SIDE_CHANNEL_HOST is added (mp)
//     even when no flags were added.
//   - vLLM data parallel: --data-parallel-size is added only when absent; the local size is the
//     integer division GPUs / (tensor × pipeline parallel size); the total is local × nodes when
//     the size is 1. The backend annotation is read case-insensitively; any value but mp or
//     ray falls back to the origin version.
//   - SGLang flags are added whatever the GPUs and parallel sizes, and even when the command
//     already has them.
//   - TRT-LLM: the engine command of a non-python command is its args joined unquoted (the
//     command, e.g. "sh -c", is dropped) inside bash -c '...'; mpirun -n is nodes × GPUs (0
//     without GPUs); every env var name of the container is forwarded with -x besides a fixed
//     list; the volume is named after the Secret.
package launch
