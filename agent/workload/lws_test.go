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
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/workload"
)

// lwsOptions builds multinode components as LeaderWorkerSets.
var lwsOptions = workload.Options{MultinodeRuntime: workload.RuntimeLeaderWorkerSet}

// TestBuildLeaderWorkerSetAsUpstream builds the DCD of upstream's LeaderWorkerSet test for a
// member that serves LeaderWorkerSet and compares it with what upstream expects of its native
// LeaderWorkerSet (deploy/operator/internal/controller/dynamocomponentdeployment_controller_test.go,
// TestDynamoComponentDeploymentReconciler_generateLeaderWorkerSet): one LeaderWorkerSet
// <dcd>-0 of spec.replicas groups of nodeCount pods, startupPolicy LeaderCreated, leader and
// worker templates labelled by role, the leader launching the Ray head, the worker joining it at
// $(LWS_LEADER_ADDRESS) without probes. The fields LWS's defaulting webhook would set are set to
// its defaults.
func TestBuildLeaderWorkerSetAsUpstream(t *testing.T) {
	dcd := multinodeDCD("test-lws-deploy", "vllm", "1",
		[]string{"some", "dynamo", "command"}, []string{"--tensor-parallel-size", "4", "--pipeline-parallel-size", "1"})
	dcd.Spec.Replicas = ptrTo(int32(3))
	res, err := workload.Build(dcd, lwsOptions)
	if err != nil {
		t.Fatal(err)
	}
	wantSlice(t, "Names(StatefulSet)", res.Names(workload.KindStatefulSet), nil)
	wantSlice(t, "Names(LeaderWorkerSet)", res.Names(workload.KindLeaderWorkerSet), []string{"test-lws-deploy-0"})
	wantSlice(t, "Names(Service)", res.Names(workload.KindService), nil)
	if len(res.Notes) != 0 {
		t.Errorf("notes = %q, want none: the launch was rewritten", res.Notes)
	}
	lws := res.LeaderWorkerSet
	wantEqual(t, "TypeMeta", lws.APIVersion+"/"+lws.Kind, "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet")
	wantEqual(t, "replicas", *lws.Spec.Replicas, int32(3))
	wantEqual(t, "size", *lws.Spec.LeaderWorkerTemplate.Size, int32(2))
	wantEqual(t, "startupPolicy", lws.Spec.StartupPolicy, lwsv1.LeaderCreatedStartupPolicy)
	wantEqual(t, "restartPolicy", lws.Spec.LeaderWorkerTemplate.RestartPolicy, lwsv1.RecreateGroupOnPodRestart)
	wantEqual(t, "rollout", lws.Spec.RolloutStrategy.Type, lwsv1.RollingUpdateStrategyType)
	ru := lws.Spec.RolloutStrategy.RollingUpdateConfiguration
	if ru == nil || *ru.Partition != 0 || ru.MaxUnavailable != intstr.FromInt32(1) || ru.MaxSurge != intstr.FromInt32(0) {
		t.Errorf("rollingUpdateConfiguration = %+v, want LWS's defaults (partition 0, maxUnavailable 1, maxSurge 0)", ru)
	}
	wantEqual(t, "subdomainPolicy", *lws.Spec.NetworkConfig.SubdomainPolicy, lwsv1.SubdomainShared)
	wantLabels(t, lws.Labels, map[string]string{"nvidia.com/selector": "test-lws-deploy", "nvidia.com/dynamo-component": "Component"})

	leader, worker := *lws.Spec.LeaderWorkerTemplate.LeaderTemplate, lws.Spec.LeaderWorkerTemplate.WorkerTemplate
	wantLabels(t, leader.Labels, map[string]string{"role": "leader", "nvidia.com/dynamo-component-type": "worker", "nvidia.com/metrics-enabled": "true"})
	wantLabels(t, worker.Labels, map[string]string{"role": "worker", "nvidia.com/dynamo-component-type": "worker"})
	lm, wm := mainOf(t, leader.Spec), mainOf(t, worker.Spec)
	wantSlice(t, "leader command", lm.Command, []string{"/bin/sh", "-c"})
	wantSlice(t, "leader args", lm.Args, []string{"ray start --head --port=6379 && some dynamo command --tensor-parallel-size 4 --pipeline-parallel-size 1 --distributed-executor-backend ray"})
	wantSlice(t, "worker args", wm.Args, []string{"ray start --address=$(LWS_LEADER_ADDRESS):6379 --block"})
	wantHTTPProbe(t, "leader liveness", lm.LivenessProbe, "/live", "system")
	wantHTTPProbe(t, "leader startup", lm.StartupProbe, "/live", "system")
	if wm.LivenessProbe != nil || wm.ReadinessProbe != nil || wm.StartupProbe != nil {
		t.Error("worker template kept probes, which Dynamo removes from workers")
	}
	for _, name := range []string{"LWS_LEADER_ADDRESS", "LWS_WORKER_INDEX", "LEADER_HOST", "NODE_RANK"} {
		wantNoEnv(t, lm, name)
		wantNoEnv(t, wm, name)
	}
	for role, tpl := range map[string]corev1.PodTemplateSpec{"leader": leader, "worker": worker} {
		terms := tpl.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		if len(terms) != 1 || terms[0].TopologyKey != "kubernetes.io/hostname" ||
			!slices.Equal(terms[0].MatchLabelKeys, []string{lwsv1.GroupUniqueHashLabelKey}) ||
			terms[0].LabelSelector.MatchLabels["nvidia.com/selector"] != "test-lws-deploy" {
			t.Errorf("%s template anti-affinity = %+v, want one term keeping a group's pods on separate nodes", role, terms)
		}
	}

	res, err = workload.Build(multinodeDCD("trt", "trtllm", "4", []string{"python3", "-m", "dynamo.trtllm"}, nil), lwsOptions)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "SSHKeySecret of a TensorRT-LLM LeaderWorkerSet", res.SSHKeySecret, "mpi-run-ssh-secret")
}

// TestLeaderWorkerSetAnnotations checks that the LeaderWorkerSet carries no annotations, as
// upstream's (deploy/operator/internal/controller/dynamocomponentdeployment_controller.go,
// generateLeaderWorkerSet): the pod template's stay on the pods, where LeaderWorkerSet does not
// read them, instead of acting on the LeaderWorkerSet (exclusive placement, say).
func TestLeaderWorkerSetAnnotations(t *testing.T) {
	dcd := multinodeDCD("ann", "sglang", "1", []string{"python3", "-m", "dynamo.sglang"}, []string{"--tp", "2"})
	const exclusive = "leaderworkerset.sigs.k8s.io/exclusive-topology"
	dcd.Spec.PodTemplate.Annotations = map[string]string{exclusive: "kubernetes.io/hostname", "team": "a"}
	res, err := workload.Build(dcd, lwsOptions)
	if err != nil {
		t.Fatal(err)
	}
	lws := res.LeaderWorkerSet
	if len(lws.Annotations) != 0 {
		t.Errorf("LeaderWorkerSet annotations = %v, want none", lws.Annotations)
	}
	tmpl := lws.Spec.LeaderWorkerTemplate
	for role, ann := range map[string]map[string]string{"leader": tmpl.LeaderTemplate.Annotations, "worker": tmpl.WorkerTemplate.Annotations} {
		wantMap(t, role+" template annotations", ann, map[string]string{exclusive: "kubernetes.io/hostname", "team": "a"})
	}
}

// TestLeaderWorkerSetAvailable checks Dynamo's readiness rule for LeaderWorkerSets.
func TestLeaderWorkerSetAvailable(t *testing.T) {
	available := []metav1.Condition{{Type: string(lwsv1.LeaderWorkerSetAvailable), Status: metav1.ConditionTrue}}
	tests := []struct {
		name    string
		lws     *lwsv1.LeaderWorkerSet
		desired int32
		ready   bool
	}{
		{"missing", nil, 1, false},
		{"scaled to zero", &lwsv1.LeaderWorkerSet{}, 0, true},
		{"groups ready and Available", &lwsv1.LeaderWorkerSet{Status: lwsv1.LeaderWorkerSetStatus{ReadyReplicas: 2, Conditions: available}}, 2, true},
		{"one group short", &lwsv1.LeaderWorkerSet{Status: lwsv1.LeaderWorkerSetStatus{ReadyReplicas: 1, Conditions: available}}, 2, false},
		{"no Available condition", &lwsv1.LeaderWorkerSet{Status: lwsv1.LeaderWorkerSetStatus{ReadyReplicas: 2}}, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready, reason, message := workload.LeaderWorkerSetAvailable(tt.lws, tt.desired)
			wantEqual(t, "ready", ready, tt.ready)
			want := workload.ReasonLeaderWorkerSetNotReady
			if tt.ready {
				want = workload.ReasonLeaderWorkerSetReady
			}
			wantEqual(t, "reason ("+message+")", reason, want)
		})
	}
}
