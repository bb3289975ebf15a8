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

package chart_test

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// multinodeEngine is a 2-node DCD and what its leader's and its worker's command lines must hold.
type multinodeEngine struct {
	dcd          *nvidiav1alpha1.DynamoComponentDeployment
	leader, peer []string
}

// multinodeEngines returns a 2-node vLLM, SGLang and TensorRT-LLM worker in namespace ns. Each pod
// has one GPU; vLLM's tensor parallel size 2 needs both nodes, through Ray.
func multinodeEngines(ns string) []multinodeEngine {
	return []multinodeEngine{
		{
			dcd:    multinodeDCD(ns, "vllm-mn", "vllm", []string{"python3", "-m", "dynamo.vllm"}, []string{"--model", "m", "--tensor-parallel-size", "2"}),
			leader: []string{"ray start --head --port=6379 && python3 -m dynamo.vllm --model m --tensor-parallel-size 2 --distributed-executor-backend ray"},
			peer:   []string{"ray start --address=$(LWS_LEADER_ADDRESS):6379 --block"},
		},
		{
			dcd:    multinodeDCD(ns, "sglang-mn", "sglang", []string{"python3", "-m", "dynamo.sglang"}, []string{"--model-path", "m", "--tp", "2"}),
			leader: []string{"--dist-init-addr $(LWS_LEADER_ADDRESS):29500 --nnodes 2 --node-rank 0"},
			peer:   []string{"--dist-init-addr $(LWS_LEADER_ADDRESS):29500 --nnodes 2 --node-rank $(LWS_WORKER_INDEX)"},
		},
		{
			dcd: multinodeDCD(ns, "trtllm-mn", "trtllm", []string{"python3", "-m", "dynamo.trtllm"}, []string{"--model-path", "m"}),
			leader: []string{
				`mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 2 -H $(LWS_LEADER_ADDRESS),$(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-1\./')`,
				"bash -c 'trtllm-llmapi-launch python3 -m dynamo.trtllm --model-path m'",
			},
			peer: []string{"/usr/sbin/sshd -D -f $HOME/.ssh/sshd_config"},
		},
	}
}

// expectMultinodeEngines creates namespace ns with the engines of multinodeEngines, waits until
// each DCD is Available for reason (the agent's StatefulSets or a LeaderWorkerSet), and checks
// every engine's two pods: Running on distinct GPU nodes, with the leader's address and the
// pod's rank in their command lines and environment. Pods have the same names on both paths:
// <dcd>-0-0 leads replica 0, <dcd>-0-0-1 is its worker. It deletes the DCDs at the end.
func expectMultinodeEngines(ctx context.Context, admin client.Client, ns, reason string) {
	GinkgoHelper()
	Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	engines := multinodeEngines(ns)
	for _, e := range engines {
		Expect(admin.Create(ctx, e.dcd)).To(Succeed())
	}
	for _, e := range engines {
		By("waiting until " + e.dcd.Name + " is Available with its leader and worker pods running")
		Eventually(func(g Gomega) {
			got := getDCD(ctx, g, admin, e.dcd)
			cond := meta.FindStatusCondition(got.Status.Conditions, nvidiav1alpha1.ConditionAvailable)
			g.Expect(cond).NotTo(BeNil())
			g.Expect(cond.Status).To(Equal(metav1.ConditionTrue), "%s: %s", cond.Reason, cond.Message)
			g.Expect(cond.Reason).To(Equal(reason))
		}).WithContext(ctx).WithTimeout(rollout).WithPolling(interval).Should(Succeed())

		// Available says the replica is ready; a pod the group's controller recreates meanwhile
		// (LeaderWorkerSet restarts a whole group when one of its pods restarts) runs again soon.
		leader, worker := &corev1.Pod{}, &corev1.Pod{}
		Eventually(func(g Gomega) {
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: e.dcd.Name + "-0-0"}, leader)).To(Succeed())
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: e.dcd.Name + "-0-0-1"}, worker)).To(Succeed())
			g.Expect([]corev1.PodPhase{leader.Status.Phase, worker.Status.Phase}).To(HaveEach(corev1.PodRunning),
				"leader %s on %q: %v; worker %s on %q: %v", leader.Name, leader.Spec.NodeName, leader.Status.Conditions,
				worker.Name, worker.Spec.NodeName, worker.Status.Conditions)
		}).WithContext(ctx).WithTimeout(rollout).WithPolling(interval).Should(Succeed())
		leaderAddress := fmt.Sprintf("%s-0-0.%s-0.%s", e.dcd.Name, e.dcd.Name, ns)
		for _, p := range []struct {
			pod  *corev1.Pod
			role string
			want []string
			rank string
		}{{leader, "leader", e.leader, "0"}, {worker, "worker", e.peer, "1"}} {
			pod := p.pod
			Expect(pod.Status.Phase).To(Equal(corev1.PodRunning), "%s pod %s", p.role, pod.Name)
			Expect(pod.Labels).To(HaveKeyWithValue(workload.LabelRole, p.role))
			Expect(pod.Labels).To(HaveKeyWithValue(appsv1.PodIndexLabel, p.rank), "the %s's rank", p.role)
			node := &corev1.Node{}
			Expect(admin.Get(ctx, client.ObjectKey{Name: pod.Spec.NodeName}, node)).To(Succeed())
			Expect(node.Status.Allocatable).To(HaveKey(corev1.ResourceName("nvidia.com/gpu")), "%s runs on a GPU node", pod.Name)
			main := pod.Spec.Containers[0]
			line := strings.Join(append(append([]string{}, main.Command...), main.Args...), " ")
			for _, w := range p.want {
				Expect(line).To(ContainSubstring(w), "%s command line", p.role)
			}
			env := map[string]corev1.EnvVar{}
			for _, v := range main.Env {
				env[v.Name] = v
			}
			Expect(env[workload.EnvLWSLeaderAddress].Value).To(Equal(leaderAddress))
			Expect(env[workload.EnvLWSGroupSize].Value).To(Equal("2"))
			switch {
			case p.role == "leader":
				Expect(env[workload.EnvLWSWorkerIndex].Value).To(Equal("0"))
			case reason == workload.ReasonLeaderWorkerSetReady: // LeaderWorkerSet's webhook writes the rank
				Expect(env[workload.EnvLWSWorkerIndex].Value).To(Equal(p.rank))
			default: // the agent's worker StatefulSet reads it from the pod's ordinal
				Expect(env[workload.EnvLWSWorkerIndex].ValueFrom.FieldRef.FieldPath).To(Equal("metadata.labels['" + appsv1.PodIndexLabel + "']"))
			}
		}
		Expect(leader.Spec.NodeName).NotTo(Equal(worker.Spec.NodeName), "each pod of a replica on its own node")
	}

	By("checking that the agent created the SSH key Secret mpirun uses, readable as an RSA key pair")
	secret := &corev1.Secret{}
	Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mpi-run-ssh-secret"}, secret)).To(Succeed())
	Expect(secret.Data).To(HaveKey("private.key"))
	Expect(string(secret.Data["private.key.pub"])).To(HavePrefix("ssh-rsa "))

	if reason == workload.ReasonLeaderWorkerSetReady {
		By("checking that LeaderWorkerSet's controller, not the agent, made the StatefulSets of the pods")
		for _, e := range engines {
			lws := &lwsv1.LeaderWorkerSet{}
			Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: e.dcd.Name + "-0"}, lws)).To(Succeed())
			Expect(lws.Status.ReadyReplicas).To(Equal(int32(1)))
			Expect(metav1.IsControlledBy(lws, e.dcd)).To(BeTrue(), "the DCD owns its LeaderWorkerSet")
			for _, owned := range []struct{ sts, ownerKind, owner string }{
				{e.dcd.Name + "-0", "LeaderWorkerSet", lws.Name},  // the leaders' StatefulSet
				{e.dcd.Name + "-0-0", "Pod", e.dcd.Name + "-0-0"}, // group 0's workers, owned by their leader
			} {
				sts := &appsv1.StatefulSet{}
				Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: owned.sts}, sts)).To(Succeed())
				Expect(hasOwner(sts.OwnerReferences, owned.ownerKind, owned.owner)).
					To(BeTrue(), "StatefulSet %s is owned by %s %s: %v", owned.sts, owned.ownerKind, owned.owner, sts.OwnerReferences)
			}
		}
	}

	By("deleting them, which frees their GPUs for the other specs")
	for _, e := range engines {
		Expect(admin.Delete(ctx, e.dcd)).To(Succeed())
	}
	for _, e := range engines {
		Eventually(func(g Gomega) {
			pods := &corev1.PodList{}
			g.Expect(admin.List(ctx, pods, client.InNamespace(ns))).To(Succeed())
			for _, p := range pods.Items {
				g.Expect(p.Name).NotTo(HavePrefix(e.dcd.Name+"-"), "pod %s still exists", p.Name)
			}
		}).WithContext(ctx).WithTimeout(rollout).WithPolling(interval).Should(Succeed())
	}
}

// hasOwner reports whether refs name an owner of kind and name.
func hasOwner(refs []metav1.OwnerReference, kind, name string) bool {
	for _, r := range refs {
		if r.Kind == kind && r.Name == name {
			return true
		}
	}
	return false
}

// multinodeDCD returns a DCD of one replica of two pods of one GPU each, running command and args
// of backend, tolerating the fake nodes' taint.
func multinodeDCD(namespace, name, backend string, command, args []string) *nvidiav1alpha1.DynamoComponentDeployment {
	dcd := testenv.GPUWorkerDCD(namespace, name, "multinode-graph")
	dcd.Spec.BackendFramework = backend
	dcd.Spec.Multinode = &nvidiav1alpha1.MultinodeSpec{NodeCount: 2}
	dcd.Spec.ExtraPodSpec.MainContainer.Command = command
	dcd.Spec.ExtraPodSpec.MainContainer.Args = args
	return dcd
}
