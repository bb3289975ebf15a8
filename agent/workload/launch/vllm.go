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
	"errors"
	"fmt"
	"strconv"
	"strings"

	semver "github.com/Masterminds/semver/v3"
	corev1 "k8s.io/api/core/v1"
)

// Annotations of the pod template that choose vLLM's distributed executor backend.
const (
	// annotationVLLMExecutorBackend is "mp" or "ray" (any case) to choose the backend.
	annotationVLLMExecutorBackend = "nvidia.com/vllm-distributed-executor-backend"
	// annotationOriginVersion is the version of the Dynamo operator that created the graph; mp is
	// the default from 1.0.0 on (upstream's compatibility.VLLMMultiprocessing gate).
	annotationOriginVersion = "nvidia.com/dynamo-operator-origin-version"
)

// mpMinOriginVersion is the first origin version for which mp is the default backend.
var mpMinOriginVersion = semver.MustParse("1.0.0")

const (
	vllmRayPort      = "6379"  // the Ray head's GCS port on the leader
	vllmMPMasterPort = "29500" // torch.distributed master port of the mp backend
	vllmDPRPCPort    = "13445" // data-parallel RPC port of the leader

	// envNixlSideChannelHost is set to the pod IP for the mp backend.
	envNixlSideChannelHost = "VLLM_NIXL_SIDE_CHANNEL_HOST"
)

// vLLM flags read from the args.
const (
	flagTensorParallelSize    = "--tensor-parallel-size"
	flagPipelineParallelSize  = "--pipeline-parallel-size"
	flagDataParallelSize      = "--data-parallel-size"
	flagDataParallelSizeLocal = "--data-parallel-size-local"
	flagDataParallelBackend   = "--data-parallel-backend"
	flagDistributedExecutor   = "--distributed-executor-backend"
	flagEnableElasticEP       = "--enable-elastic-ep"
)

// vllmShortFlags are vLLM's short spellings of the flags read here.
var vllmShortFlags = map[string]string{
	"-tp":  flagTensorParallelSize,
	"-pp":  flagPipelineParallelSize,
	"-dp":  flagDataParallelSize,
	"-dpl": flagDataParallelSizeLocal,
	"-dpb": flagDataParallelBackend,
}

// vllmKnownFlags are the flags whose underscore spelling is read as the dashed one.
var vllmKnownFlags = map[string]bool{
	flagTensorParallelSize:    true,
	flagPipelineParallelSize:  true,
	flagDataParallelSize:      true,
	flagDataParallelSizeLocal: true,
	flagDataParallelBackend:   true,
	flagDistributedExecutor:   true,
	flagEnableElasticEP:       true,
}

// vllmValueFlags are the known flags that take a value, the only ones split at "=".
var vllmValueFlags = map[string]bool{
	flagTensorParallelSize:    true,
	flagPipelineParallelSize:  true,
	flagDataParallelSize:      true,
	flagDataParallelSizeLocal: true,
	flagDataParallelBackend:   true,
	flagDistributedExecutor:   true,
}

// vllmArgs is what the launch needs to know of a vLLM command line.
type vllmArgs struct {
	tp, pp, dp int64 // tensor, pipeline and data parallel sizes (1 when absent)
	hasDP      bool  // --data-parallel-size is present
	elasticEP  bool  // --enable-elastic-ep is present
}

// worldSize is the number of GPUs one engine (one data-parallel rank) uses.
func (a vllmArgs) worldSize() int64 { return a.tp * a.pp }

// parseVLLMArgs reads the parallel sizes from args, split at white space (so the words of an
// "sh -c" script count too): the last parseable occurrence of a flag wins, short spellings (-tp,
// -pp, -dp), underscore spellings (--tensor_parallel_size) and --flag=value are understood, as
// upstream's parseVLLMLaunchArgs (backend_vllm.go at 0367e404).
func parseVLLMArgs(args []string) vllmArgs {
	var words []string
	for _, a := range args {
		words = append(words, strings.Fields(a)...)
	}
	words = normalizeVLLMFlags(words)
	parsed := vllmArgs{tp: 1, pp: 1, dp: 1}
	for i, w := range words {
		switch w {
		case flagDataParallelSize:
			parsed.hasDP = true
		case flagEnableElasticEP:
			parsed.elasticEP = true
		}
		if i+1 >= len(words) {
			continue
		}
		value, err := strconv.ParseInt(words[i+1], 10, 64)
		if err != nil {
			continue
		}
		switch w {
		case flagTensorParallelSize:
			parsed.tp = value
		case flagPipelineParallelSize:
			parsed.pp = value
		case flagDataParallelSize:
			parsed.dp = value
		}
	}
	return parsed
}

// normalizeVLLMFlags rewrites the known flags to their long dashed spelling and splits
// --flag=value into two words for the known flags that take a value (unless the value starts
// with "--", which no legal value does). Other words are kept as they are.
func normalizeVLLMFlags(words []string) []string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		flag, value, hasValue := strings.Cut(w, "=")
		if long, ok := vllmShortFlags[flag]; ok {
			flag = long
		} else if dashed := strings.ReplaceAll(flag, "_", "-"); vllmKnownFlags[dashed] {
			flag = dashed
		}
		switch {
		case !hasValue:
			out = append(out, flag)
		case vllmValueFlags[flag] && !strings.HasPrefix(value, "--"):
			out = append(out, flag, value)
		default:
			out = append(out, w)
		}
	}
	return out
}

// useMPBackend reports whether vLLM's multiprocessing backend is used rather than Ray
// (upstream's shouldUseMpBackend): the annotation nvidia.com/vllm-distributed-executor-backend
// when it is "mp" or "ray" (any case), else whether the graph was created by an operator of
// version 1.0.0 or later. No annotation (or a version that does not parse) means Ray.
func useMPBackend(annotations map[string]string) bool {
	if backend, ok := annotations[annotationVLLMExecutorBackend]; ok {
		switch strings.ToLower(backend) {
		case "mp":
			return true
		case "ray":
			return false
		}
	}
	origin, ok := annotations[annotationOriginVersion]
	if !ok {
		return false
	}
	v, err := semver.NewVersion(origin)
	if err != nil {
		return false
	}
	return v.Compare(mpMinOriginVersion) >= 0
}

// errElasticEP is returned for a vLLM elastic-EP launch across nodes, which is not implemented.
var errElasticEP = errors.New("vLLM elastic EP (" + flagEnableElasticEP + ") across nodes is not supported")

// applyVLLM is upstream's VLLMBackend.UpdateContainer for a multinode leader or worker
// (updateVLLMMultinodeArgs): it picks one launch from the args and the GPUs of one pod.
//
//   - tensor × pipeline parallel size > GPUs: one engine spans the nodes, with the mp backend
//     (every pod runs vLLM, workers --headless) or Ray (the leader starts the Ray head and vLLM,
//     workers only join the Ray cluster);
//   - else, with --enable-elastic-ep: an error (upstream builds one Ray cluster; not implemented);
//   - else tensor × pipeline × data parallel size > GPUs: every pod runs its share of the
//     data-parallel ranks (hybrid load balancing);
//   - else nothing.
func applyVLLM(c *corev1.Container, in Input) (bool, error) {
	args := parseVLLMArgs(c.Args)
	mp := useMPBackend(in.Annotations)
	distributed := in.GPUs != 0 && args.worldSize() > in.GPUs
	dataParallel := in.GPUs != 0 && args.worldSize()*args.dp > in.GPUs
	if !distributed && args.elasticEP {
		return false, errElasticEP
	}
	if !distributed && dataParallel && args.worldSize() <= 0 {
		return false, fmt.Errorf("tensor parallel size %d × pipeline parallel size %d is not positive", args.tp, args.pp)
	}

	var rewritten bool
	switch {
	case distributed && mp:
		rewritten = injectVLLMMP(c, in)
	case distributed:
		injectVLLMRay(c, in)
		rewritten = true
	case dataParallel:
		rewritten = injectVLLMDataParallel(c, in, args)
	}
	if mp {
		setEnv(c, corev1.EnvVar{
			Name:      envNixlSideChannelHost,
			ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}},
		})
	}
	if in.Role == RoleWorker {
		removeProbes(c)
	}
	return rewritten, nil
}

// injectVLLMMP adds the mp backend's flags (upstream's injectMpDistributedLaunchFlags):
// --distributed-executor-backend mp --nnodes N --master-addr <leader> --master-port 29500
// --node-rank <rank>, and --headless on workers.
func injectVLLMMP(c *corev1.Container, in Input) bool {
	flags := fmt.Sprintf("%s mp --nnodes %d --master-addr %s --master-port %s",
		flagDistributedExecutor, in.NodeCount, in.Topology.LeaderAddress(), vllmMPMasterPort)
	needsShell := false
	if in.Role == RoleLeader {
		flags += " --node-rank 0"
	} else {
		flags += " --node-rank " + in.Topology.NodeRank() + " --headless"
		needsShell = nodeRankNeedsShell(in.Topology)
	}
	return injectFlags(c, flags, needsShell, BackendVLLM)
}

// injectVLLMRay replaces the command with "/bin/sh -c" and (upstream's
// injectRayDistributedLaunchFlags) the leader's args with
// "ray start --head --port=6379 && <command> <args> --distributed-executor-backend ray",
// every word of the command and args quoted with shellQuoteForBashC, and a worker's with
// "ray start --address=<leader>:6379 --block".
func injectVLLMRay(c *corev1.Container, in Input) {
	if in.Role == RoleLeader {
		c.Args = []string{fmt.Sprintf("ray start --head --port=%s && %s %s %s ray",
			vllmRayPort, shellWords(c.Command), shellWords(c.Args), flagDistributedExecutor)}
	} else {
		c.Args = []string{fmt.Sprintf("ray start --address=%s:%s --block", in.Topology.LeaderAddress(), vllmRayPort)}
	}
	c.Command = []string{"/bin/sh", "-c"}
}

// injectVLLMDataParallel adds the data-parallel flags (upstream's injectDataParallelLaunchFlags):
// --data-parallel-hybrid-lb, --data-parallel-size <total> unless present, --data-parallel-size-local
// <local>, --data-parallel-start-rank <first rank of the pod>, --data-parallel-address <leader>
// and --data-parallel-rpc-port 13445, where local = GPUs / (tensor × pipeline parallel size) and
// total = local × nodes when the data parallel size is 1. A worker's start rank is shell
// arithmetic over ShellNodeRank, so a python command runs through a shell.
func injectVLLMDataParallel(c *corev1.Container, in Input, args vllmArgs) bool {
	local := in.GPUs / args.worldSize()
	total := args.dp
	if total == 1 {
		total = local * int64(in.NodeCount)
	}
	startRank := "0"
	needsShell := false
	if in.Role == RoleWorker {
		startRank = fmt.Sprintf("$(( %d * %s ))", local, in.Topology.ShellNodeRank())
		needsShell = true
	}
	flags := []string{"--data-parallel-hybrid-lb"}
	if !args.hasDP {
		flags = append(flags, flagDataParallelSize, strconv.FormatInt(total, 10))
	}
	flags = append(flags,
		flagDataParallelSizeLocal, strconv.FormatInt(local, 10),
		"--data-parallel-start-rank", startRank,
		"--data-parallel-address", in.Topology.LeaderAddress(),
		"--data-parallel-rpc-port", vllmDPRPCPort,
	)
	return injectFlags(c, strings.Join(flags, " "), needsShell, BackendVLLM)
}
