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

package workload_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// replicaSets returns the leader and worker StatefulSets of multinode replica i.
func replicaSets(t *testing.T, res *workload.Result, name string, i int) (leader, worker *appsv1.StatefulSet) {
	t.Helper()
	for _, s := range res.StatefulSets {
		switch s.Name {
		case fmt.Sprintf("%s-%d", name, i):
			leader = s
		case fmt.Sprintf("%s-%d-0", name, i):
			worker = s
		}
	}
	if leader == nil || worker == nil {
		t.Fatalf("replica %d: leader %v, worker %v; StatefulSets %v", i, leader != nil, worker != nil, res.Names(workload.KindStatefulSet))
	}
	return leader, worker
}

// TestBuildMultinode builds the SGLang worker spanning two nodes per replica, with two
// replicas, laid out as LeaderWorkerSet lays out its groups: per replica a leader StatefulSet of
// one pod, a worker StatefulSet of the other pods numbered from 1, and a headless Service; the
// pods get LeaderWorkerSet's variables and SGLang's launch flags, and only leaders are probed.
func TestBuildMultinode(t *testing.T) {
	dcd := exampleDCD(t, "sglang-multinode", "SGLangWorker")
	dcd.Spec.Replicas = ptrTo(int32(2))
	res, err := buildAlpha(t, dcd, workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const name = "sglang-multinode-sglangworker"
	if res.Deployment != nil {
		t.Errorf("multinode component got a Deployment %s", res.Deployment.Name)
	}
	wantSlice(t, "Names(StatefulSet)", res.Names(workload.KindStatefulSet), []string{name + "-0", name + "-0-0", name + "-1", name + "-1-0"})
	wantSlice(t, "Names(Service)", res.Names(workload.KindService), []string{name + "-0", name + "-1"})
	wantSlice(t, "Names(Deployment)", res.Names(workload.KindDeployment), nil)
	if res.Wants(workload.KindDeployment, name) {
		t.Error("Wants(Deployment) for a multinode component: the old Deployment would be kept")
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes = %q, want none for SGLang", res.Notes)
	}
	wantEqual(t, "SSHKeySecret", res.SSHKeySecret, "")
	for i := range 2 {
		t.Run(fmt.Sprintf("replica %d", i), func(t *testing.T) {
			replica := fmt.Sprint(i)
			group := map[string]string{"nvidia.com/selector": name, "nvidia.com/multinode-replica": replica}
			leader, worker := replicaSets(t, res, name, i)
			leaderAddress := fmt.Sprintf("%s-%d-0.%s-%d.%s", name, i, name, i, testNamespace)
			for _, tc := range []struct {
				sts      *appsv1.StatefulSet
				role     string
				pods     int32
				ordinals *appsv1.StatefulSetOrdinals
				args     []string
			}{
				{leader, "leader", 1, nil, []string{"--dist-init-addr", "$(LWS_LEADER_ADDRESS):29500", "--nnodes", "2", "--node-rank", "0"}},
				{worker, "worker", 1, &appsv1.StatefulSetOrdinals{Start: 1}, []string{"--dist-init-addr", "$(LWS_LEADER_ADDRESS):29500", "--nnodes", "2", "--node-rank", "$(LWS_WORKER_INDEX)"}},
			} {
				sts := tc.sts
				selector := map[string]string{"nvidia.com/selector": name, "nvidia.com/multinode-replica": replica, "role": tc.role}
				wantEqual(t, tc.role+" TypeMeta", sts.APIVersion+"/"+sts.Kind, "apps/v1/StatefulSet")
				wantEqual(t, tc.role+" pods", *sts.Spec.Replicas, tc.pods)
				if !deepEqual(sts.Spec.Ordinals, tc.ordinals) {
					t.Errorf("%s ordinals = %+v, want %+v", tc.role, sts.Spec.Ordinals, tc.ordinals)
				}
				wantEqual(t, tc.role+" podManagementPolicy", sts.Spec.PodManagementPolicy, appsv1.ParallelPodManagement)
				wantEqual(t, tc.role+" serviceName", sts.Spec.ServiceName, fmt.Sprintf("%s-%d", name, i))
				wantMap(t, tc.role+" selector", sts.Spec.Selector.MatchLabels, selector)
				wantLabels(t, sts.Spec.Template.Labels, selector)
				wantLabels(t, sts.Spec.Template.Labels, map[string]string{"nvidia.com/dynamo-component-type": "worker"})

				spec := sts.Spec.Template.Spec
				anti := spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
				if len(anti) != 1 || anti[0].TopologyKey != "kubernetes.io/hostname" || !deepEqual(anti[0].LabelSelector.MatchLabels, group) {
					t.Errorf("%s pod anti-affinity = %+v, want pods of replica %s on distinct hosts", tc.role, anti, replica)
				}
				wantMap(t, "nodeSelector", spec.NodeSelector, map[string]string{"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"})

				main := mainOf(t, spec)
				wantEnv(t, main, map[string]string{
					"LWS_LEADER_ADDRESS": leaderAddress, "LWS_GROUP_SIZE": "2",
					"LEADER_HOST": leaderAddress + ".svc.cluster.local", "NODE_COUNT": "2", "HF_HOME": "/models/hf",
				})
				if tc.role == "leader" {
					wantEnv(t, main, map[string]string{"LWS_WORKER_INDEX": "0", "NODE_RANK": "0"})
					wantHTTPProbe(t, "leader liveness", main.LivenessProbe, "/live", "system")
					wantHTTPProbe(t, "leader readiness", main.ReadinessProbe, "/health", "system")
					wantHTTPProbe(t, "leader startup", main.StartupProbe, "/live", "system")
				} else {
					wantFieldRef(t, main, "LWS_WORKER_INDEX", "metadata.labels['apps.kubernetes.io/pod-index']")
					wantFieldRef(t, main, "NODE_RANK", "metadata.labels['apps.kubernetes.io/pod-index']")
					if main.LivenessProbe != nil || main.ReadinessProbe != nil || main.StartupProbe != nil {
						t.Error("SGLang worker pods kept probes, which Dynamo removes from them")
					}
				}
				wantGPU(t, main, "nvidia.com/gpu", "8")
				wantQuantity(t, "cpu request", main.Resources.Requests, corev1.ResourceCPU, "32")
				wantShm(t, spec, main, "64Gi")
				wantPVC(t, spec, main, "model-cache", "/models")
				wantSecretEnvFrom(t, main, "hf-token-secret")
				wantSlice(t, tc.role+" args", main.Args, append([]string{"--model-path", "deepseek-ai/DeepSeek-R1", "--tp", "16"}, tc.args...))
			}

			svc := res.Services[i]
			wantEqual(t, "service name", svc.Name, fmt.Sprintf("%s-%d", name, i))
			wantEqual(t, "clusterIP", svc.Spec.ClusterIP, corev1.ClusterIPNone)
			wantEqual(t, "publishNotReadyAddresses", svc.Spec.PublishNotReadyAddresses, true)
			wantMap(t, "service selector", svc.Spec.Selector, group)
		})
	}

	dcd.Spec.Replicas = ptrTo(int32(1))
	res, err = buildAlpha(t, dcd, workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantSlice(t, "Names(StatefulSet) after scaling to 1", res.Names(workload.KindStatefulSet), []string{name + "-0", name + "-0-0"})
	if res.Wants(workload.KindStatefulSet, name+"-1") || res.Wants(workload.KindStatefulSet, name+"-1-0") {
		t.Error("the StatefulSets of replica 1 are still wanted after scaling to 1")
	}
}

// multinodeDCD returns a v1beta1 DCD of a worker spanning two nodes per replica, running command
// and args of backend, with gpus GPUs per pod.
func multinodeDCD(name, backend, gpus string, command, args []string) *nvidiav1beta1.DynamoComponentDeployment {
	dcd := betaDCD(name, nvidiav1beta1.ComponentTypeWorker, corev1.Container{
		Name: "main", Image: "test-image:1.5.0", Command: command, Args: args,
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse(gpus)}},
	})
	dcd.Spec.BackendFramework = backend
	dcd.Spec.Multinode = &nvidiav1beta1.MultinodeSpec{NodeCount: 2}
	return dcd
}

// TestBuildMultinodeVLLMAsUpstream builds the DCD of upstream's LeaderWorkerSet test (a vLLM
// worker on two nodes of one GPU each running tensor parallel 4, so vLLM needs Ray across the
// nodes) and compares the leader's and worker's main containers with what upstream expects:
// deploy/operator/internal/controller/dynamocomponentdeployment_controller_test.go,
// TestDynamoComponentDeploymentReconciler_generateLeaderWorkerSet, "nominal case".
func TestBuildMultinodeVLLMAsUpstream(t *testing.T) {
	dcd := multinodeDCD("test-lws-deploy", "vllm", "1",
		[]string{"some", "dynamo", "command"}, []string{"--tensor-parallel-size", "4", "--pipeline-parallel-size", "1"})
	res, err := workload.Build(dcd, workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	leader, worker := replicaSets(t, res, "test-lws-deploy", 0)
	lm, wm := mainOf(t, leader.Spec.Template.Spec), mainOf(t, worker.Spec.Template.Spec)

	wantSlice(t, "leader command", lm.Command, []string{"/bin/sh", "-c"})
	wantSlice(t, "leader args", lm.Args, []string{"ray start --head --port=6379 && some dynamo command --tensor-parallel-size 4 --pipeline-parallel-size 1 --distributed-executor-backend ray"})
	wantSlice(t, "worker command", wm.Command, []string{"/bin/sh", "-c"})
	wantSlice(t, "worker args", wm.Args, []string{"ray start --address=$(LWS_LEADER_ADDRESS):6379 --block"})
	for _, m := range []corev1.Container{lm, wm} {
		wantPorts(t, m, map[string]int32{"system": 9090, "nixl": 19090})
		wantEnv(t, m, map[string]string{
			"DYN_COMPONENT": "worker", "DYN_SYSTEM_ENABLED": "true", "DYN_SYSTEM_PORT": "9090",
			"DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS": `["generate"]`, "DYN_FORWARDPASS_METRIC_PORT": "20380",
			"NIXL_TELEMETRY_ENABLE": "n", "NIXL_TELEMETRY_EXPORTER": "prometheus", "NIXL_TELEMETRY_PROMETHEUS_PORT": "19090",
		})
		wantMount(t, m, "shared-memory", "/dev/shm")
	}
	wantLiveness := &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/live", Port: intstr.FromString("system"), Scheme: corev1.URISchemeHTTP}},
		PeriodSeconds: 5, TimeoutSeconds: 4, FailureThreshold: 1,
	}
	wantEqual(t, "leader liveness", lm.LivenessProbe.String(), wantLiveness.String())
	wantHTTPProbe(t, "leader readiness", lm.ReadinessProbe, "/health", "system")
	wantEqual(t, "leader startup failureThreshold", lm.StartupProbe.FailureThreshold, int32(720))
	if wm.LivenessProbe != nil || wm.ReadinessProbe != nil || wm.StartupProbe != nil {
		t.Error("vLLM worker pods kept probes, which Dynamo removes from them")
	}
	wantLabels(t, leader.Spec.Template.Labels, map[string]string{"role": "leader", "nvidia.com/dynamo-component-type": "worker"})
	wantLabels(t, worker.Spec.Template.Labels, map[string]string{"role": "worker", "nvidia.com/dynamo-component-type": "worker"})
}

// TestBuildMultinodeTRTLLM builds a TensorRT-LLM worker on two nodes of four GPUs: the leader
// runs mpirun over SSH on all eight ranks, waiting for the workers' DNS names first, the workers
// run sshd on port 2222 and are ready when it listens, and both mount the SSH key Secret the
// controller is asked to create.
func TestBuildMultinodeTRTLLM(t *testing.T) {
	dcd := multinodeDCD("trt", "trtllm", "4", []string{"python3", "-m", "dynamo.trtllm"}, []string{"--model-path", "m"})
	res, err := workload.Build(dcd, workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "SSHKeySecret", res.SSHKeySecret, "mpi-run-ssh-secret")
	leader, worker := replicaSets(t, res, "trt", 0)
	for _, sts := range []*appsv1.StatefulSet{leader, worker} {
		spec := sts.Spec.Template.Spec
		i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == "mpi-run-ssh-secret" })
		if i < 0 || spec.Volumes[i].Secret == nil || spec.Volumes[i].Secret.SecretName != "mpi-run-ssh-secret" || *spec.Volumes[i].Secret.DefaultMode != 0o644 {
			t.Errorf("%s: volumes %+v, want the Secret mpi-run-ssh-secret with mode 0644", sts.Name, spec.Volumes)
		}
		m := mainOf(t, spec)
		wantMount(t, m, "mpi-run-ssh-secret", "/ssh-pk")
		wantEnv(t, m, map[string]string{"OMPI_MCA_orte_keep_fqdn_hostnames": "1"})
		wantSlice(t, sts.Name+" command", m.Command, []string{"/bin/sh", "-c"})
	}
	lm, wm := mainOf(t, leader.Spec.Template.Spec), mainOf(t, worker.Spec.Template.Spec)
	for _, want := range []string{
		`for worker in $(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-1\./'); do`,
		`mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) --oversubscribe -n 8 -H $(LWS_LEADER_ADDRESS),$(echo "$LWS_LEADER_ADDRESS" | sed 's/\./-1\./') --mca pml ob1`,
		`bash -c 'trtllm-llmapi-launch python3 -m dynamo.trtllm --model-path m'`,
	} {
		if !strings.Contains(lm.Args[0], want) {
			t.Errorf("leader script lacks %q:\n%s", want, lm.Args[0])
		}
	}
	wantHTTPProbe(t, "leader readiness", lm.ReadinessProbe, "/health", "system")
	if !strings.HasSuffix(wm.Args[0], "/usr/sbin/sshd -D -f $HOME/.ssh/sshd_config") {
		t.Errorf("worker script = %q, want it to end running sshd", wm.Args[0])
	}
	if wm.LivenessProbe != nil || wm.StartupProbe != nil || wm.ReadinessProbe == nil || wm.ReadinessProbe.TCPSocket == nil || wm.ReadinessProbe.TCPSocket.Port.IntValue() != 2222 {
		t.Errorf("worker probes: liveness %v, startup %v, readiness %v; want readiness on TCP 2222 only", wm.LivenessProbe, wm.StartupProbe, wm.ReadinessProbe)
	}
	// The host names the leader derives from LWS_LEADER_ADDRESS are those of the worker pods.
	addr := mainEnv(t, lm, "LWS_LEADER_ADDRESS")
	wantEqual(t, "leader address", addr, "trt-0-0.trt-0."+testNamespace)
	wantEqual(t, "first worker's host name", strings.Replace(addr, ".", "-1.", 1), worker.Name+"-1."+worker.Spec.ServiceName+"."+testNamespace)
}

// mainEnv returns the value of a variable of c.
func mainEnv(t *testing.T, c corev1.Container, name string) string {
	t.Helper()
	e, ok := envMap(c)[name]
	if !ok {
		t.Fatalf("no variable %s", name)
	}
	return e.Value
}

// TestBuildMultinodeVariants covers a multinode component without resources or backend, an
// SGLang command in a shell script, and a frontend spanning nodes.
func TestBuildMultinodeVariants(t *testing.T) {
	t.Run("no resources, no backend", func(t *testing.T) {
		res, err := buildAlpha(t, exampleDCD(t, "upstream-shapes", "MultinodeWorker"), workload.Options{})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "statefulsets", len(res.StatefulSets), 2)
		main := mainOf(t, res.StatefulSets[0].Spec.Template.Spec)
		if len(main.Resources.Requests)+len(main.Resources.Limits) != 0 {
			t.Errorf("resources = %v, want none", main.Resources)
		}
		wantNote(t, res, "spec.multinode: ")
	})
	t.Run("shell script", func(t *testing.T) {
		dcd := exampleDCD(t, "sglang-multinode", "SGLangWorker")
		mc := dcd.Spec.ExtraPodSpec.MainContainer
		mc.Command = []string{"/bin/sh", "-c"}
		mc.Args = []string{"python3 -m dynamo.sglang --model-path m --tp 16 2>&1 | tee /tmp/log"}
		res, err := buildAlpha(t, dcd, workload.Options{})
		if err != nil {
			t.Fatal(err)
		}
		leader, worker := replicaSets(t, res, "sglang-multinode-sglangworker", 0)
		wantSlice(t, "leader args", mainOf(t, leader.Spec.Template.Spec).Args, []string{
			"python3 -m dynamo.sglang --dist-init-addr $(LWS_LEADER_ADDRESS):29500 --nnodes 2 --node-rank 0 --model-path m --tp 16 2>&1 | tee /tmp/log"})
		wantSlice(t, "worker args", mainOf(t, worker.Spec.Template.Spec).Args, []string{
			"python3 -m dynamo.sglang --dist-init-addr $(LWS_LEADER_ADDRESS):29500 --nnodes 2 --node-rank $(LWS_WORKER_INDEX) --model-path m --tp 16 2>&1 | tee /tmp/log"})
	})
	t.Run("frontend spanning nodes serves from leaders", func(t *testing.T) {
		dcd := exampleDCD(t, "vllm-agg", "Frontend")
		dcd.Spec.Multinode = &nvidiav1alpha1.MultinodeSpec{NodeCount: 2}
		res, err := buildAlpha(t, dcd, workload.Options{})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(res.Services, func(s *corev1.Service) bool { return s.Name == "vllm-agg-frontend" })
		if i < 0 {
			t.Fatal("no frontend Service")
		}
		wantMap(t, "selector", res.Services[i].Spec.Selector, map[string]string{
			"nvidia.com/selector": "vllm-agg-frontend", "role": "leader",
		})
	})
}
