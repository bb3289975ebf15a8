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

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// TestBuildMultinode builds the SGLang worker spanning two nodes per replica, with two
// replicas: two StatefulSets of two pods, each with its headless Service, and no Deployment.
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
	wantSlice(t, "Names(StatefulSet)", res.Names(workload.KindStatefulSet), []string{name + "-0", name + "-1"})
	wantSlice(t, "Names(Service)", res.Names(workload.KindService), []string{name + "-0", name + "-1"})
	wantSlice(t, "Names(Deployment)", res.Names(workload.KindDeployment), nil)
	if res.Wants(workload.KindDeployment, name) {
		t.Error("Wants(Deployment) for a multinode component: the old Deployment would be kept")
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes = %q, want none for SGLang", res.Notes)
	}
	for i, sts := range res.StatefulSets {
		t.Run(sts.Name, func(t *testing.T) {
			replica := fmt.Sprint(i)
			selector := map[string]string{"nvidia.com/selector": name, "nvidia.com/multinode-replica": replica}
			wantEqual(t, "name", sts.Name, fmt.Sprintf("%s-%d", name, i))
			wantEqual(t, "TypeMeta", sts.APIVersion+"/"+sts.Kind, "apps/v1/StatefulSet")
			wantEqual(t, "pods per replica", *sts.Spec.Replicas, int32(2))
			wantEqual(t, "podManagementPolicy", sts.Spec.PodManagementPolicy, appsv1.ParallelPodManagement)
			wantEqual(t, "serviceName", sts.Spec.ServiceName, sts.Name)
			wantMap(t, "selector", sts.Spec.Selector.MatchLabels, selector)
			wantLabels(t, sts.Spec.Template.Labels, selector)
			wantLabels(t, sts.Spec.Template.Labels, map[string]string{"nvidia.com/dynamo-component-type": "worker"})

			spec := sts.Spec.Template.Spec
			anti := spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
			if len(anti) != 1 || anti[0].TopologyKey != "kubernetes.io/hostname" || !deepEqual(anti[0].LabelSelector.MatchLabels, selector) {
				t.Errorf("pod anti-affinity = %+v, want pods of replica %s on distinct hosts", anti, replica)
			}
			wantMap(t, "nodeSelector", spec.NodeSelector, map[string]string{"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"})

			main := mainOf(t, spec)
			leader := fmt.Sprintf("%s-%d-0.%s-%d.%s.svc.cluster.local", name, i, name, i, testNamespace)
			wantEnv(t, main, map[string]string{"LEADER_HOST": leader, "NODE_COUNT": "2", "HF_HOME": "/models/hf"})
			wantFieldRef(t, main, "NODE_RANK", "metadata.labels['apps.kubernetes.io/pod-index']")
			wantGPU(t, main, "nvidia.com/gpu", "8")
			wantQuantity(t, "cpu request", main.Resources.Requests, corev1.ResourceCPU, "32")
			wantQuantity(t, "memory request", main.Resources.Requests, corev1.ResourceMemory, "400Gi")
			wantShm(t, spec, main, "64Gi")
			wantPVC(t, spec, main, "model-cache", "/models")
			wantSecretEnvFrom(t, main, "hf-token-secret")
			wantSlice(t, "args", main.Args, []string{
				"--model-path", "deepseek-ai/DeepSeek-R1", "--tp", "16",
				"--dist-init-addr", "$(LEADER_HOST):29500", "--nnodes", "2", "--node-rank", "$(NODE_RANK)",
			})
			if main.LivenessProbe != nil || main.ReadinessProbe != nil || main.StartupProbe != nil {
				t.Error("multinode pods got default probes, which non-leader pods would fail")
			}

			svc := res.Services[i]
			wantEqual(t, "service name", svc.Name, sts.Name)
			wantEqual(t, "clusterIP", svc.Spec.ClusterIP, corev1.ClusterIPNone)
			wantEqual(t, "publishNotReadyAddresses", svc.Spec.PublishNotReadyAddresses, true)
			wantMap(t, "service selector", svc.Spec.Selector, selector)
		})
	}

	dcd.Spec.Replicas = ptrTo(int32(1))
	res, err = buildAlpha(t, dcd, workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantSlice(t, "Names(StatefulSet) after scaling to 1", res.Names(workload.KindStatefulSet), []string{name + "-0"})
	if res.Wants(workload.KindStatefulSet, name+"-1") {
		t.Error("the StatefulSet of replica 1 is still wanted after scaling to 1")
	}
}

// TestBuildMultinodeVariants covers a multinode component without resources or backend, an
// SGLang command in a shell script, and flags the user already passes.
func TestBuildMultinodeVariants(t *testing.T) {
	t.Run("no resources, no backend", func(t *testing.T) {
		res, err := buildAlpha(t, exampleDCD(t, "upstream-shapes", "MultinodeWorker"), workload.Options{})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "statefulsets", len(res.StatefulSets), 1)
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
		main := mainOf(t, res.StatefulSets[0].Spec.Template.Spec)
		want := "python3 -m dynamo.sglang --model-path m --tp 16 --dist-init-addr $(LEADER_HOST):29500 --nnodes 2 --node-rank $(NODE_RANK) 2>&1 | tee /tmp/log"
		wantSlice(t, "args", main.Args, []string{want})
	})
	t.Run("flags already given", func(t *testing.T) {
		dcd := exampleDCD(t, "sglang-multinode", "SGLangWorker")
		mc := dcd.Spec.ExtraPodSpec.MainContainer
		mc.Args = append(mc.Args, "--dist-init-addr", "$(LEADER_HOST):5000")
		res, err := buildAlpha(t, dcd, workload.Options{})
		if err != nil {
			t.Fatal(err)
		}
		main := mainOf(t, res.StatefulSets[0].Spec.Template.Spec)
		if n := strings.Count(strings.Join(main.Args, " "), "--dist-init-addr"); n != 1 {
			t.Errorf("args %v pass --dist-init-addr %d times", main.Args, n)
		}
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
			"nvidia.com/selector": "vllm-agg-frontend", "apps.kubernetes.io/pod-index": "0",
		})
	})
}
