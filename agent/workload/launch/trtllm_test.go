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
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Expected scripts of upstream's backend_trtllm_test.go at 015d780ba9c3, verbatim (runtime
// values of its Go string literals).
const (
	// TestTRTLLMBackend_UpdateContainer "Multinode leader with GPU resources".
	trtllmLeaderGrove3 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 6 -H $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-wkr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-wkr-1.$(GROVE_HEADLESS_SERVICE) --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x OMPI_MCA_orte_keep_fqdn_hostnames -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch python3 --model test'`
	// TestTRTLLMBackend_UpdateContainer "Multinode worker" and TestTRTLLMBackend_setupWorkerContainer.
	trtllmWorker = `mkdir -p $HOME/.ssh $HOME/.ssh/host_keys $HOME/.ssh/run && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && ssh-keygen -t rsa -f $HOME/.ssh/host_keys/ssh_host_rsa_key -N '' && ssh-keygen -t ecdsa -f $HOME/.ssh/host_keys/ssh_host_ecdsa_key -N '' && ssh-keygen -t ed25519 -f $HOME/.ssh/host_keys/ssh_host_ed25519_key -N '' && printf 'Port 2222\nHostKey '$HOME'/.ssh/host_keys/ssh_host_rsa_key\nHostKey '$HOME'/.ssh/host_keys/ssh_host_ecdsa_key\nHostKey '$HOME'/.ssh/host_keys/ssh_host_ed25519_key\nPidFile '$HOME'/.ssh/run/sshd.pid\nStrictModes no\nPermitRootLogin yes\nPasswordAuthentication no\nPubkeyAuthentication yes\nAuthorizedKeysFile '$HOME'/.ssh/authorized_keys\n' > $HOME/.ssh/sshd_config && /usr/sbin/sshd -D -f $HOME/.ssh/sshd_config`
	// TestTRTLLMBackend_UpdateContainer "Multinode leader with LWS deployment".
	trtllmLeaderLWS2 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && TIMEOUT=300; START_TIME=$(date +%s); for worker in $(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-1\./'); do echo "Waiting for DNS: $worker"; until getent hosts $worker >/dev/null 2>&1; do CURRENT_TIME=$(date +%s); if [ $((CURRENT_TIME - START_TIME)) -gt $TIMEOUT ]; then echo "ERROR: Timeout waiting for DNS: $worker"; exit 1; fi; echo "DNS not ready for $worker, retrying..."; sleep 2; done; echo "✓ DNS resolved: $worker"; done; echo "All workers DNS ready" && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 2 -H $(LWS_LEADER_ADDRESS),$(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-1\./') --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x OMPI_MCA_orte_keep_fqdn_hostnames -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch python3 --model test'`
	// TestTRTLLMBackend_setupLeaderContainer "Leader with args and GPU resources".
	trtllmSetupLeader1 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 6 -H $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-wkr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-wkr-1.$(GROVE_HEADLESS_SERVICE) --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch python3 --model test'`
	// TestTRTLLMBackend_setupLeaderContainer "Leader with command and no GPU resources".
	trtllmSetupLeader2 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && TIMEOUT=300; START_TIME=$(date +%s); for worker in $(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-1\./'); do echo "Waiting for DNS: $worker"; until getent hosts $worker >/dev/null 2>&1; do CURRENT_TIME=$(date +%s); if [ $((CURRENT_TIME - START_TIME)) -gt $TIMEOUT ]; then echo "ERROR: Timeout waiting for DNS: $worker"; exit 1; fi; echo "DNS not ready for $worker, retrying..."; sleep 2; done; echo "✓ DNS resolved: $worker"; done; echo "All workers DNS ready" && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 0 -H $(LWS_LEADER_ADDRESS),$(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-1\./') --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch python -m worker'`
	// TestTRTLLMBackend_setupLeaderContainer "Leader with both command and args (shell command - args take precedence)".
	trtllmSetupLeader3 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 2 -H $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-ldr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-wkr-0.$(GROVE_HEADLESS_SERVICE) --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch launch --config test.yaml'`
	// TestTRTLLMBackend_setupLeaderContainer "Leader with python command and args (combined)".
	trtllmSetupLeader4 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 2 -H $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-ldr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-wkr-0.$(GROVE_HEADLESS_SERVICE) --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch python3 -m dynamo.trtllm --model-path test'`
	// TestTRTLLMBackend_setupLeaderContainer "Leader with python module command and separate args".
	trtllmSetupLeader5 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 2 -H $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-ldr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-wkr-0.$(GROVE_HEADLESS_SERVICE) --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch python3 -m dynamo.trtllm --model-path Qwen/Qwen3-0.6B --served-model-name Qwen/Qwen3-0.6B --disaggregation-mode prefill'`
	// TestTRTLLMBackend_setupLeaderContainer "Leader with absolute path python command".
	trtllmSetupLeader6 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 2 -H $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-ldr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-wkr-0.$(GROVE_HEADLESS_SERVICE) --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch /usr/bin/python3.8 -m dynamo.trtllm --model-path test'`
	// TestTRTLLMBackend_setupLeaderContainer "Leader with all environment variables forwarded".
	trtllmSetupLeader7 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 2 -H $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-ldr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-wkr-0.$(GROVE_HEADLESS_SERVICE) --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch serve --model test'`
	// TestTRTLLMBackend_setupLeaderContainer "Leader with overlapping environment variables (deduplication test)".
	trtllmSetupLeader8 = `mkdir -p $HOME/.ssh && ls -la /ssh-pk/ && cp /ssh-pk/private.key $HOME/.ssh/id_rsa && cp /ssh-pk/private.key.pub $HOME/.ssh/id_rsa.pub && cp /ssh-pk/private.key.pub $HOME/.ssh/authorized_keys && chmod 600 $HOME/.ssh/id_rsa $HOME/.ssh/authorized_keys && chmod 644 $HOME/.ssh/id_rsa.pub && printf 'Host *\nIdentityFile '$HOME'/.ssh/id_rsa\nStrictHostKeyChecking no\nPort 2222\n' > $HOME/.ssh/config && mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 2 -H $(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-ldr-0.$(GROVE_HEADLESS_SERVICE),$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-wkr-0.$(GROVE_HEADLESS_SERVICE) --mca pml ob1 --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" -x CUDA_VISIBLE_DEVICES -x CUSTOM_VAR -x HF_DATASETS_CACHE -x HF_ENDPOINT -x HF_HOME -x HF_TOKEN -x HOME -x HUGGING_FACE_HUB_TOKEN -x LD_LIBRARY_PATH -x MODEL_PATH -x NCCL_DEBUG -x NCCL_IB_DISABLE -x NCCL_P2P_DISABLE -x PATH -x PYTHONPATH -x TENSORRT_LLM_CACHE_DIR -x TOKENIZERS_PARALLELISM -x TRANSFORMERS_CACHE -x TRTLLM_USE_UCX_KVCACHE -x USER bash -c 'trtllm-llmapi-launch serve --model test'`
)

// sshMount is the SSH key mount of upstream's rows.
var sshMount = corev1.VolumeMount{Name: "mpi-run-ssh-secret", MountPath: "/ssh-pk", ReadOnly: true}

// sshVolume is the SSH key volume of upstream's rows.
var sshVolume = corev1.Volume{Name: "mpi-run-ssh-secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
	SecretName: "mpi-run-ssh-secret", DefaultMode: ptr.To[int32](0o644),
}}}

// sshReadiness is the readiness probe of a TRT-LLM worker.
var sshReadiness = &corev1.Probe{
	ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(2222)}},
	InitialDelaySeconds: 20, PeriodSeconds: 20, TimeoutSeconds: 5, FailureThreshold: 10,
}

// TestTRTLLMUpdateContainer translates upstream's TestTRTLLMBackend_UpdateContainer
// (deploy/operator/internal/dynamo/backend_trtllm_test.go at 015d780ba9c3), with upstream's
// resources given as Input.GPUs, and checks the pod spec of TestTRTLLMBackend_UpdatePodSpec too.
func TestTRTLLMUpdateContainer(t *testing.T) {
	for _, tc := range []struct {
		name          string
		nodes         int32
		role          Role
		topo          Topology
		gpus          int64
		wantCommand   []string
		wantArgs      []string
		wantMounts    []corev1.VolumeMount
		wantEnv       []corev1.EnvVar
		wantVolumes   []corev1.Volume
		wantRewritten bool
	}{
		{
			name: "Single node - no changes", nodes: 1, role: RoleMain, topo: grove,
			wantArgs: []string{"python3", "--model", "test"},
		},
		{
			name: "Multinode leader with GPU resources", nodes: 3, role: RoleLeader, topo: grove, gpus: 2,
			wantCommand: []string{"/bin/sh", "-c"}, wantArgs: []string{trtllmLeaderGrove3},
			wantMounts:    []corev1.VolumeMount{sshMount},
			wantEnv:       []corev1.EnvVar{{Name: "OMPI_MCA_orte_keep_fqdn_hostnames", Value: "1"}},
			wantVolumes:   []corev1.Volume{sshVolume},
			wantRewritten: true,
		},
		{
			name: "Multinode worker", nodes: 3, role: RoleWorker, topo: grove,
			wantCommand: []string{"/bin/sh", "-c"}, wantArgs: []string{trtllmWorker},
			wantMounts:    []corev1.VolumeMount{sshMount},
			wantEnv:       []corev1.EnvVar{{Name: "OMPI_MCA_orte_keep_fqdn_hostnames", Value: "1"}},
			wantVolumes:   []corev1.Volume{sshVolume},
			wantRewritten: true,
		},
		{
			name: "Multinode leader with LWS deployment", nodes: 2, role: RoleLeader, topo: lws, gpus: 1,
			wantCommand: []string{"/bin/sh", "-c"}, wantArgs: []string{trtllmLeaderLWS2},
			wantMounts:    []corev1.VolumeMount{sshMount},
			wantEnv:       []corev1.EnvVar{{Name: "OMPI_MCA_orte_keep_fqdn_hostnames", Value: "1"}},
			wantVolumes:   []corev1.Volume{sshVolume},
			wantRewritten: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := corev1.Container{
				Name: "main", Args: []string{"python3", "--model", "test"},
				LivenessProbe: &corev1.Probe{}, ReadinessProbe: &corev1.Probe{}, StartupProbe: &corev1.Probe{},
			}
			spec, got, rewritten := apply(t, before, Input{Backend: BackendTRTLLM, Role: tc.role, NodeCount: tc.nodes, Topology: tc.topo, GPUs: tc.gpus})
			want := before.DeepCopy()
			want.Command, want.Args, want.VolumeMounts, want.Env = tc.wantCommand, tc.wantArgs, tc.wantMounts, tc.wantEnv
			if tc.role == RoleWorker {
				want.LivenessProbe, want.StartupProbe, want.ReadinessProbe = nil, nil, sshReadiness
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("container (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantVolumes, spec.Volumes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("volumes (-want +got):\n%s", diff)
			}
			if rewritten != tc.wantRewritten {
				t.Errorf("rewritten = %v, want %v", rewritten, tc.wantRewritten)
			}
		})
	}
}

// TestTRTLLMSetupLeaderContainer translates upstream's TestTRTLLMBackend_setupLeaderContainer
// (backend_trtllm_test.go at 015d780ba9c3), which calls setupLeaderContainer directly (so no
// OMPI_MCA_orte_keep_fqdn_hostnames in the -x list); upstream's resources are given as GPUs.
func TestTRTLLMSetupLeaderContainer(t *testing.T) {
	test := groveTopology{service: "test"}
	for _, tc := range []struct {
		name          string
		nodes         int32
		topo          Topology
		gpus          int64
		command, args []string
		env           []corev1.EnvVar
		want          string
	}{
		{"Leader with args and GPU resources", 3, grove, 2, nil, []string{"python3", "--model", "test"}, nil, trtllmSetupLeader1},
		{"Leader with command and no GPU resources", 2, lws, 0, []string{"python", "-m", "worker"}, nil, nil, trtllmSetupLeader2},
		{"Leader with both command and args (shell command - args take precedence)", 2, test, 1, []string{"sh", "-c"}, []string{"launch", "--config", "test.yaml"}, nil, trtllmSetupLeader3},
		{"Leader with python command and args (combined)", 2, test, 1, []string{"python3"}, []string{"-m", "dynamo.trtllm", "--model-path", "test"}, nil, trtllmSetupLeader4},
		{"Leader with python module command and separate args", 2, test, 1, []string{"python3", "-m", "dynamo.trtllm"}, []string{"--model-path", "Qwen/Qwen3-0.6B", "--served-model-name", "Qwen/Qwen3-0.6B", "--disaggregation-mode", "prefill"}, nil, trtllmSetupLeader5},
		{"Leader with absolute path python command", 2, test, 1, []string{"/usr/bin/python3.8"}, []string{"-m", "dynamo.trtllm", "--model-path", "test"}, nil, trtllmSetupLeader6},
		{"Leader with all environment variables forwarded", 2, test, 1, nil, []string{"serve", "--model", "test"}, nil, trtllmSetupLeader7},
		{
			"Leader with overlapping environment variables (deduplication test)", 2, test, 1, nil, []string{"serve", "--model", "test"},
			[]corev1.EnvVar{{Name: "CUDA_VISIBLE_DEVICES", Value: "0,1"}, {Name: "CUSTOM_VAR", Value: "test_value"}, {Name: "PATH", Value: "/custom/path"}},
			trtllmSetupLeader8,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &corev1.Container{Command: slices.Clone(tc.command), Args: slices.Clone(tc.args), Env: tc.env}
			setupTRTLLMLeader(c, tc.nodes, tc.gpus, tc.topo)
			if diff := cmp.Diff([]string{"/bin/sh", "-c"}, c.Command); diff != "" {
				t.Errorf("command (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{tc.want}, c.Args); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
		})
	}
}

// TestShellQuoteForBashCInLeaderCommand translates upstream's TestShellQuoteForBashC_InLeaderCommand
// (backend_trtllm_test.go at 015d780ba9c3).
func TestShellQuoteForBashCInLeaderCommand(t *testing.T) {
	c := &corev1.Container{
		Command: []string{"python3", "-m", "dynamo.trtllm"},
		Args:    []string{"--model-path", "deepseek-ai/DeepSeek-R1", "--override-engine-args", `{"load_format": "DUMMY", "tensor_parallel_size": 8}`},
	}
	setupTRTLLMLeader(c, 2, 4, groveTopology{service: "dec"})
	if len(c.Args) != 1 {
		t.Fatalf("args = %q, want one", c.Args)
	}
	for _, want := range []string{
		`--override-engine-args "{\"load_format\": \"DUMMY\", \"tensor_parallel_size\": 8}"`,
		"bash -c 'trtllm-llmapi-launch",
	} {
		if !strings.Contains(c.Args[0], want) {
			t.Errorf("leader script lacks %q:\n%s", want, c.Args[0])
		}
	}
}

// TestTRTLLMSetupWorkerContainer translates upstream's TestTRTLLMBackend_setupWorkerContainer
// (backend_trtllm_test.go at 015d780ba9c3): whatever the command, the worker runs sshd.
func TestTRTLLMSetupWorkerContainer(t *testing.T) {
	for _, tc := range []struct {
		name          string
		command, args []string
	}{
		{"Worker setup with initial args", nil, []string{"some", "args"}},
		{"Worker setup with initial command", []string{"original", "command"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &corev1.Container{Command: tc.command, Args: tc.args}
			setupTRTLLMWorker(c)
			if diff := cmp.Diff(&corev1.Container{Command: []string{"/bin/sh", "-c"}, Args: []string{trtllmWorker}}, c); diff != "" {
				t.Errorf("container (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTRTLLMUpdatePodSpec translates upstream's TestTRTLLMBackend_UpdatePodSpec and
// TestTRTLLMBackend_addSSHVolumeMount (backend_trtllm_test.go at 015d780ba9c3): existing
// volumes and mounts are kept and the SSH key's are appended; plus a row of ours for
// Input.SSHSecretName.
func TestTRTLLMUpdatePodSpec(t *testing.T) {
	existingVolume := corev1.Volume{Name: "existing-volume"}
	existingMount := corev1.VolumeMount{Name: "existing-mount", MountPath: "/existing"}
	custom := "my-ssh"
	customVolume := corev1.Volume{Name: custom, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: custom, DefaultMode: ptr.To[int32](0o644),
	}}}
	for _, tc := range []struct {
		name        string
		nodes       int32
		role        Role
		topo        Topology
		secret      string
		volumes     []corev1.Volume
		mounts      []corev1.VolumeMount
		wantVolumes []corev1.Volume
		wantMounts  []corev1.VolumeMount
	}{
		{name: "Single node - no SSH volume added", nodes: 1, role: RoleMain, topo: grove},
		{name: "Multinode leader - SSH volume added", nodes: 3, role: RoleLeader, topo: grove, wantVolumes: []corev1.Volume{sshVolume}, wantMounts: []corev1.VolumeMount{sshMount}},
		{name: "Multinode worker - SSH volume added", nodes: 2, role: RoleWorker, topo: lws, wantVolumes: []corev1.Volume{sshVolume}, wantMounts: []corev1.VolumeMount{sshMount}},
		{
			name: "Multinode with existing volumes", nodes: 2, role: RoleLeader, topo: grove,
			volumes: []corev1.Volume{existingVolume}, wantVolumes: []corev1.Volume{existingVolume, sshVolume}, wantMounts: []corev1.VolumeMount{sshMount},
		},
		{
			name: "Add SSH volume mount to container with existing mounts", nodes: 2, role: RoleWorker, topo: lws,
			mounts: []corev1.VolumeMount{existingMount}, wantVolumes: []corev1.Volume{sshVolume}, wantMounts: []corev1.VolumeMount{existingMount, sshMount},
		},
		{
			name: "custom secret name (ours)", nodes: 2, role: RoleWorker, topo: lws, secret: custom,
			wantVolumes: []corev1.Volume{customVolume}, wantMounts: []corev1.VolumeMount{{Name: custom, MountPath: "/ssh-pk", ReadOnly: true}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := &corev1.PodSpec{
				Volumes:    slices.Clone(tc.volumes),
				Containers: []corev1.Container{{Name: "main", Env: []corev1.EnvVar{}, VolumeMounts: slices.Clone(tc.mounts)}},
			}
			if _, err := Apply(spec, &spec.Containers[0], Input{Backend: BackendTRTLLM, Role: tc.role, NodeCount: tc.nodes, Topology: tc.topo, SSHSecretName: tc.secret}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantVolumes, spec.Volumes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("volumes (-want +got):\n%s", diff)
			}
			wantMounts := tc.wantMounts
			if tc.nodes <= 1 {
				wantMounts = tc.mounts
			}
			if diff := cmp.Diff(wantMounts, spec.Containers[0].VolumeMounts, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("mounts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTRTLLMHostNamesList translates upstream's TestTRTLLMBackend_hostNamesList
// (backend_trtllm_test.go at 015d780ba9c3) onto Topology.HostNames.
func TestTRTLLMHostNamesList(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nodes int32
		topo  Topology
		want  []string
	}{
		{"Grove deployment with 3 nodes", 3, groveTopology{service: "test-service"}, []string{
			"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-ldr-0.$(GROVE_HEADLESS_SERVICE)",
			"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-wkr-0.$(GROVE_HEADLESS_SERVICE)",
			"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-test-service-wkr-1.$(GROVE_HEADLESS_SERVICE)",
		}},
		{"LWS deployment with 2 nodes", 2, lws, []string{
			"$(LWS_LEADER_ADDRESS)",
			"$(echo \"$LWS_LEADER_ADDRESS\" | sed 's/\\./-1\\./')",
		}},
		{"Grove deployment with 5 nodes", 5, groveTopology{service: "worker"}, []string{
			"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-worker-ldr-0.$(GROVE_HEADLESS_SERVICE)",
			"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-worker-wkr-0.$(GROVE_HEADLESS_SERVICE)",
			"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-worker-wkr-1.$(GROVE_HEADLESS_SERVICE)",
			"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-worker-wkr-2.$(GROVE_HEADLESS_SERVICE)",
			"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-worker-wkr-3.$(GROVE_HEADLESS_SERVICE)",
		}},
		{"LWS deployment with 4 nodes", 4, lws, []string{
			"$(LWS_LEADER_ADDRESS)",
			"$(echo \"$LWS_LEADER_ADDRESS\" | sed 's/\\./-1\\./')",
			"$(echo \"$LWS_LEADER_ADDRESS\" | sed 's/\\./-2\\./')",
			"$(echo \"$LWS_LEADER_ADDRESS\" | sed 's/\\./-3\\./')",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.topo.HostNames(tc.nodes)); diff != "" {
				t.Errorf("HostNames (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTRTLLMGPUsPerNode translates upstream's TestTRTLLMBackend_getGPUsPerNode
// (backend_trtllm_test.go at 015d780ba9c3) through Input.GPUs: mpirun -n is nodes × GPUs. Reading
// the GPU count from the resources is the caller's; "GPU in both requests and limits - requests
// takes precedence" (3 of requests 3 / limits 8) is not reproduced, since Input.GPUs is limits
// first, as upstream's newer ResolveContainerGPUs.
func TestTRTLLMGPUsPerNode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		gpus  int64
		wantN string
	}{
		{"No resources - default to 0", 0, "-n 0 "},
		{"Empty resources - default to 0", 0, "-n 0 "},
		{"GPU in requests", 2, "-n 4 "},
		{"GPU in limits", 4, "-n 8 "},
		{"Invalid GPU value - default to 0", 0, "-n 0 "},
		{"Empty GPU string - default to 0", 0, "-n 0 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, _ := apply(t, corev1.Container{Name: "main", Args: []string{"serve"}}, Input{Backend: BackendTRTLLM, Role: RoleLeader, NodeCount: 2, Topology: lws, GPUs: tc.gpus})
			if !strings.Contains(got.Args[0], " --oversubscribe "+tc.wantN) {
				t.Errorf("leader script lacks %q:\n%s", tc.wantN, got.Args[0])
			}
		})
	}
}
