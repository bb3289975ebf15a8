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
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

const (
	// mpiSSHPort is the port of the workers' sshd, which mpirun on the leader connects to.
	mpiSSHPort = 2222
	// sshKeyMountPath is where the SSH key Secret is mounted in the main container.
	sshKeyMountPath = "/ssh-pk"
	// envKeepFQDNHostnames keeps Open MPI from shortening the host names given with -H.
	envKeepFQDNHostnames = "OMPI_MCA_orte_keep_fqdn_hostnames"
)

// trtllmForwardedEnv are the env vars mpirun forwards to every rank (-x) besides those of the
// container (upstream's getCommonTRTLLMEnvVars at 015d780b).
var trtllmForwardedEnv = []string{
	"CUDA_VISIBLE_DEVICES", "MODEL_PATH", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT",
	"TOKENIZERS_PARALLELISM", "NCCL_DEBUG", "NCCL_IB_DISABLE", "NCCL_P2P_DISABLE",
	"TENSORRT_LLM_CACHE_DIR", "HF_HOME", "TRANSFORMERS_CACHE", "HF_DATASETS_CACHE",
	"PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "HOME", "USER", "TRTLLM_USE_UCX_KVCACHE",
}

// sshClientSetup copies the key pair from the Secret into $HOME/.ssh and points ssh at port
// 2222 ($HOME rather than ~, because HOME may differ from the passwd entry of the user).
var sshClientSetup = []string{
	"ls -la " + sshKeyMountPath + "/",
	"cp " + sshKeyMountPath + "/private.key $HOME/.ssh/id_rsa",
	"cp " + sshKeyMountPath + "/private.key.pub $HOME/.ssh/id_rsa.pub",
	"cp " + sshKeyMountPath + "/private.key.pub $HOME/.ssh/authorized_keys",
	"chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys",
	"chmod 644 $HOME/.ssh/id_rsa.pub",
	fmt.Sprintf(`printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort %d\n' > $HOME/.ssh/config`, mpiSSHPort),
}

// applyTRTLLM is upstream's TRTLLMBackend.UpdateContainer and UpdatePodSpec for a multinode
// leader or worker: both pods mount the SSH key Secret at /ssh-pk and get
// OMPI_MCA_orte_keep_fqdn_hostnames=1; the leader runs the engine under mpirun across all pods,
// a worker only runs sshd on port 2222 and is ready when that port accepts connections.
func applyTRTLLM(podSpec *corev1.PodSpec, c *corev1.Container, in Input) bool {
	secret := in.SSHSecretName
	if secret == "" {
		secret = DefaultSSHSecretName
	}
	if in.Role == RoleWorker {
		c.LivenessProbe = nil
		c.StartupProbe = nil
		c.ReadinessProbe = &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(mpiSSHPort)}},
			InitialDelaySeconds: 20,
			PeriodSeconds:       20,
			TimeoutSeconds:      5,
			FailureThreshold:    10,
		}
	}
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: secret, MountPath: sshKeyMountPath, ReadOnly: true})
	setEnv(c, corev1.EnvVar{Name: envKeepFQDNHostnames, Value: "1"})
	if in.Role == RoleLeader {
		setupTRTLLMLeader(c, in.NodeCount, in.GPUs, in.Topology)
	} else {
		setupTRTLLMWorker(c)
	}
	podSpec.Volumes = append(podSpec.Volumes, corev1.Volume{
		Name: secret,
		VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName:  secret,
			DefaultMode: ptr.To[int32](0o644),
		}},
	})
	return true
}

// setupTRTLLMLeader makes the leader set up its SSH client, wait (when the topology needs it)
// for the workers' DNS names, and run
//
//	mpirun ... -n <nodes × GPUs> -H <hosts> ... -x <env>... bash -c 'trtllm-llmapi-launch <engine>'
//
// (upstream's setupLeaderContainer). The engine command is the command and args with every word
// quoted when the command is python; otherwise the args alone when there are any (a "sh -c"
// command is dropped), else the command, joined unquoted.
func setupTRTLLMLeader(c *corev1.Container, nodeCount int32, gpus int64, topo Topology) {
	hosts := topo.HostNames(nodeCount)
	var engine string
	switch {
	case len(c.Command) > 0 && isPythonCommand(c.Command[0]):
		engine = shellWords(slices.Concat(c.Command, c.Args))
	case len(c.Args) > 0:
		engine = strings.Join(c.Args, " ")
	default:
		engine = strings.Join(c.Command, " ")
	}
	mpirun := fmt.Sprintf(`mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n %d -H %s --mca pml ob1 --mca plm_rsh_args "-p %d -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" %s bash -c 'trtllm-llmapi-launch %s'`,
		int64(nodeCount)*gpus, strings.Join(hosts, ","), mpiSSHPort, mpirunEnvFlags(c.Env), engine)

	steps := slices.Concat([]string{"mkdir -p $HOME/.ssh"}, sshClientSetup)
	if topo.NeedsDNSWait() {
		var workers []string
		if len(hosts) > 1 {
			workers = hosts[1:]
		}
		steps = append(steps, fmt.Sprintf(`TIMEOUT=300; START_TIME=$(date +%%s); for worker in %s; do echo "Waiting for DNS: $worker"; until getent hosts $worker >/dev/null 2>&1; do CURRENT_TIME=$(date +%%s); if [ $((CURRENT_TIME - START_TIME)) -gt $TIMEOUT ]; then echo "ERROR: Timeout waiting for DNS: $worker"; exit 1; fi; echo "DNS not ready for $worker, retrying..."; sleep 2; done; echo "✓ DNS resolved: $worker"; done; echo "All workers DNS ready"`,
			strings.Join(workers, " ")))
	}
	steps = append(steps, mpirun)
	c.Command = []string{"/bin/sh", "-c"}
	c.Args = []string{strings.Join(steps, " && ")}
}

// mpirunEnvFlags returns "-x NAME" for the sorted union of trtllmForwardedEnv and the names of
// env.
func mpirunEnvFlags(env []corev1.EnvVar) string {
	names := slices.Clone(trtllmForwardedEnv)
	for _, e := range env {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	flags := make([]string, len(names))
	for i, n := range names {
		flags[i] = "-x " + n
	}
	return strings.Join(flags, " ")
}

// setupTRTLLMWorker replaces the worker's command with one that sets up its SSH client, makes
// host keys and runs sshd on port 2222 in the foreground (upstream's setupWorkerContainer); the
// engine ranks of the worker are started by the leader's mpirun.
func setupTRTLLMWorker(c *corev1.Container) {
	steps := slices.Concat(
		[]string{"mkdir -p $HOME/.ssh $HOME/.ssh/host_keys $HOME/.ssh/run"},
		sshClientSetup,
		[]string{
			"ssh-keygen -t rsa -f $HOME/.ssh/host_keys/ssh_host_rsa_key -N ''",
			"ssh-keygen -t ecdsa -f $HOME/.ssh/host_keys/ssh_host_ecdsa_key -N ''",
			"ssh-keygen -t ed25519 -f $HOME/.ssh/host_keys/ssh_host_ed25519_key -N ''",
			fmt.Sprintf(`printf 'Port %d\nHostKey '$HOME'/.ssh/host_keys/ssh_host_rsa_key\nHostKey '$HOME'/.ssh/host_keys/ssh_host_ecdsa_key\nHostKey '$HOME'/.ssh/host_keys/ssh_host_ed25519_key\nPidFile '$HOME'/.ssh/run/sshd.pid\nStrictModes no\nPermitRootLogin yes\nPasswordAuthentication no\nPubkeyAuthentication yes\nAuthorizedKeysFile '$HOME'/.ssh/authorized_keys\n' > $HOME/.ssh/sshd_config`, mpiSSHPort),
			"/usr/sbin/sshd -D -f $HOME/.ssh/sshd_config",
		},
	)
	c.Command = []string{"/bin/sh", "-c"}
	c.Args = []string{strings.Join(steps, " && ")}
}
