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
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// TestBuildExamples builds the DCDs of the example graphs' single-node services and checks
// what Dynamo would give their pods.
func TestBuildExamples(t *testing.T) {
	tests := []struct {
		name    string
		graph   string
		service string
		mutate  func(*nvidiav1alpha1.DynamoComponentDeployment)
		check   func(t *testing.T, res *workload.Result, main corev1.Container)
	}{
		{
			name: "aggregated frontend", graph: "vllm-agg", service: "Frontend",
			check: func(t *testing.T, res *workload.Result, main corev1.Container) {
				d := res.Deployment
				wantEqual(t, "deployment name", d.Name, "vllm-agg-frontend")
				wantEqual(t, "namespace", d.Namespace, testNamespace)
				wantEqual(t, "TypeMeta", d.APIVersion+"/"+d.Kind, "apps/v1/Deployment")
				wantEqual(t, "replicas", *d.Spec.Replicas, int32(1))
				wantMap(t, "selector", d.Spec.Selector.MatchLabels, map[string]string{"nvidia.com/selector": "vllm-agg-frontend"})
				wantEqual(t, "strategy", d.Spec.Strategy.Type, appsv1.RollingUpdateDeploymentStrategyType)
				wantEqual(t, "maxSurge", d.Spec.Strategy.RollingUpdate.MaxSurge.String(), "25%")
				wantEqual(t, "maxUnavailable", d.Spec.Strategy.RollingUpdate.MaxUnavailable.String(), "25%")
				spec := d.Spec.Template.Spec
				wantEqual(t, "terminationGracePeriodSeconds", *spec.TerminationGracePeriodSeconds, int64(60))
				wantEqual(t, "restartPolicy", spec.RestartPolicy, corev1.RestartPolicyAlways)
				wantEqual(t, "serviceAccountName", spec.ServiceAccountName, "default")
				wantEqual(t, "image", main.Image, "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1")
				wantSlice(t, "command", main.Command, []string{"python3"})
				wantSlice(t, "args", main.Args, []string{"-m", "dynamo.frontend"})
				wantEnv(t, main, map[string]string{
					"DYN_NAMESPACE":                "vllm-agg",
					"DYN_COMPONENT":                "frontend",
					"DYN_PARENT_DGD_K8S_NAME":      "vllm-agg",
					"DYN_PARENT_DGD_K8S_NAMESPACE": testNamespace,
					"DYNAMO_PORT":                  "8000",
				})
				wantFieldRef(t, main, "POD_NAME", "metadata.name")
				wantFieldRef(t, main, "POD_NAMESPACE", "metadata.namespace")
				wantFieldRef(t, main, "POD_UID", "metadata.uid")
				wantNoEnv(t, main, "DYN_SYSTEM_ENABLED")
				wantPorts(t, main, map[string]int32{"http": 8000})
				wantLabels(t, d.Spec.Template.Labels, map[string]string{
					"nvidia.com/selector":                     "vllm-agg-frontend",
					"nvidia.com/dynamo-component-type":        "frontend",
					"nvidia.com/dynamo-graph-deployment-name": "vllm-agg",
					"nvidia.com/dynamo-component":             "Frontend",
					"nvidia.com/dynamo-namespace":             "vllm-agg",
					"nvidia.com/metrics-enabled":              "true",
				})
				if _, ok := d.Spec.Template.Labels["nvidia.com/dynamo-sub-component-type"]; ok {
					t.Error("sub-component-type label set without subComponentType")
				}
				wantHTTPProbe(t, "liveness", main.LivenessProbe, "/live", "http")
				wantHTTPProbe(t, "readiness", main.ReadinessProbe, "/health", "http")
				if main.StartupProbe != nil {
					t.Errorf("frontend startup probe = %v, want none", main.StartupProbe)
				}
				wantShm(t, spec, main, "8Gi")
				if len(res.Services) != 1 {
					t.Fatalf("services = %d, want 1", len(res.Services))
				}
				svc := res.Services[0]
				wantEqual(t, "service name", svc.Name, "vllm-agg-frontend")
				wantEqual(t, "service TypeMeta", svc.APIVersion+"/"+svc.Kind, "v1/Service")
				wantMap(t, "service selector", svc.Spec.Selector, map[string]string{"nvidia.com/selector": "vllm-agg-frontend"})
				wantEqual(t, "service ports", len(svc.Spec.Ports), 1)
				p := svc.Spec.Ports[0]
				wantEqual(t, "service port", fmt.Sprintf("%s:%d->%s", p.Name, p.Port, p.TargetPort.String()), "http:8000->http")
				if res.Ingress != nil {
					t.Error("ingress built without spec.ingress")
				}
				wantSlice(t, "Names(Deployment)", res.Names(workload.KindDeployment), []string{"vllm-agg-frontend"})
				wantSlice(t, "Names(Service)", res.Names(workload.KindService), []string{"vllm-agg-frontend"})
				wantSlice(t, "Names(StatefulSet)", res.Names(workload.KindStatefulSet), nil)
				wantMap(t, "PodSelector", res.PodSelector, map[string]string{"nvidia.com/selector": "vllm-agg-frontend"})
			},
		},
		{
			name: "aggregated GPU worker", graph: "vllm-agg", service: "VllmDecodeWorker",
			check: func(t *testing.T, res *workload.Result, main corev1.Container) {
				wantEqual(t, "deployment name", res.Deployment.Name, "vllm-agg-vllmdecodeworker")
				wantGPU(t, main, "nvidia.com/gpu", "1")
				if _, ok := main.Resources.Requests[corev1.ResourceCPU]; ok {
					t.Error("cpu request set though the DCD asks for none")
				}
				wantSecretEnvFrom(t, main, "hf-token-secret")
				wantPorts(t, main, map[string]int32{"system": 9090, "nixl": 19090})
				wantEnv(t, main, map[string]string{
					"DYN_COMPONENT":                         "worker",
					"DYN_SYSTEM_ENABLED":                    "true",
					"DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS": `["generate"]`,
					"DYN_SYSTEM_PORT":                       "9090",
					"DYN_HEALTH_CHECK_ENABLED":              "false",
				})
				wantNoEnv(t, main, "DYNAMO_PORT")
				wantHTTPProbe(t, "liveness", main.LivenessProbe, "/live", "system")
				wantHTTPProbe(t, "readiness", main.ReadinessProbe, "/health", "system")
				wantHTTPProbe(t, "startup", main.StartupProbe, "/live", "system")
				wantEqual(t, "startup periodSeconds", main.StartupProbe.PeriodSeconds, int32(10))
				wantEqual(t, "startup failureThreshold", main.StartupProbe.FailureThreshold, int32(720))
				wantSlice(t, "command", main.Command, []string{"python3", "-m", "dynamo.vllm"})
				wantSlice(t, "args", main.Args, []string{"--model", "Qwen/Qwen3-0.6B"})
				wantEqual(t, "workingDir", main.WorkingDir, "/workspace/components/backends/vllm")
				if !slices.IsSortedFunc(main.Env, func(a, b corev1.EnvVar) int { return compareStrings(a.Name, b.Name) }) {
					t.Error("env not sorted by name")
				}
				wantShm(t, res.Deployment.Spec.Template.Spec, main, "8Gi")
				if len(res.Services) != 0 {
					t.Errorf("worker got services %v", res.Names(workload.KindService))
				}
			},
		},
		{
			name: "disaggregated prefill worker", graph: "vllm-disagg", service: "VllmPrefillWorker",
			check: func(t *testing.T, res *workload.Result, main corev1.Container) {
				wantLabels(t, res.Deployment.Spec.Template.Labels, map[string]string{
					"nvidia.com/dynamo-sub-component-type": "prefill",
					"nvidia.com/dynamo-component-type":     "worker",
				})
				if !slices.Contains(main.Args, "--is-prefill-worker") {
					t.Errorf("args %v lack --is-prefill-worker", main.Args)
				}
				wantGPU(t, main, "nvidia.com/gpu", "1")
			},
		},
		{
			name: "planner with a PVC", graph: "vllm-disagg-planner", service: "Planner",
			check: func(t *testing.T, res *workload.Result, main corev1.Container) {
				spec := res.Deployment.Spec.Template.Spec
				wantPorts(t, main, map[string]int32{"metrics": 9085, "system": 9090})
				wantPVC(t, spec, main, "planner-profile", "/data/profiling_results")
				wantQuantity(t, "cpu request", main.Resources.Requests, corev1.ResourceCPU, "1")
				wantQuantity(t, "memory request", main.Resources.Requests, corev1.ResourceMemory, "2Gi")
				if main.Resources.Limits != nil {
					t.Errorf("limits = %v, want none", main.Resources.Limits)
				}
				wantEnv(t, main, map[string]string{
					"DYNAMO_SERVICE_CONFIG": `{"Prometheus":{"global":{"scrape_interval":"5s"}}}`,
					"DYN_NAMESPACE":         "dynamo-vllm-disagg-planner",
					"DYN_COMPONENT":         "planner",
				})
				wantHTTPProbe(t, "liveness", main.LivenessProbe, "/live", "system")
				wantHTTPProbe(t, "readiness", main.ReadinessProbe, "/health", "system")
				wantHTTPProbe(t, "startup", main.StartupProbe, "/live", "system")
			},
		},
		{
			name: "frontend with ingress", graph: "vllm-agg-regional", service: "Frontend",
			check: func(t *testing.T, res *workload.Result, _ corev1.Container) {
				wantEqual(t, "replicas", *res.Deployment.Spec.Replicas, int32(2))
				ing := res.Ingress
				if ing == nil {
					t.Fatal("no ingress")
				}
				wantEqual(t, "ingress TypeMeta", ing.APIVersion+"/"+ing.Kind, "networking.k8s.io/v1/Ingress")
				wantEqual(t, "ingress name", ing.Name, "vllm-agg-regional-frontend")
				wantEqual(t, "ingress class", *ing.Spec.IngressClassName, "nginx")
				wantEqual(t, "rules", len(ing.Spec.Rules), 1)
				rule := ing.Spec.Rules[0]
				wantEqual(t, "host", rule.Host, "llama.local")
				path := rule.HTTP.Paths[0]
				wantEqual(t, "path", path.Path, "/")
				wantEqual(t, "pathType", string(*path.PathType), "Prefix")
				wantEqual(t, "backend", path.Backend.Service.Name, "vllm-agg-regional-frontend")
				wantEqual(t, "backend port", path.Backend.Service.Port.Number, int32(8000))
				if len(ing.Spec.TLS) != 0 {
					t.Errorf("TLS = %v without tls.secretName", ing.Spec.TLS)
				}
				wantSlice(t, "Names(Ingress)", res.Names(workload.KindIngress), []string{"vllm-agg-regional-frontend"})
			},
		},
		{
			name: "ingress with prefix, suffix and TLS", graph: "vllm-agg-regional", service: "Frontend",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Spec.Ingress.HostPrefix = ptrTo("eu-")
				d.Spec.Ingress.HostSuffix = ptrTo("example.com")
				d.Spec.Ingress.TLS = &nvidiav1alpha1.IngressTLSSpec{SecretName: "llama-tls"}
			},
			check: func(t *testing.T, res *workload.Result, _ corev1.Container) {
				wantEqual(t, "host", res.Ingress.Spec.Rules[0].Host, "eu-llama.example.com")
				wantEqual(t, "tls", len(res.Ingress.Spec.TLS), 1)
				wantEqual(t, "tls secret", res.Ingress.Spec.TLS[0].SecretName, "llama-tls")
				wantSlice(t, "tls hosts", res.Ingress.Spec.TLS[0].Hosts, []string{"eu-llama.example.com"})
			},
		},
		{
			name: "worker with cpu, memory and 4 GPUs", graph: "vllm-agg-regional", service: "VllmDecodeWorker",
			check: func(t *testing.T, res *workload.Result, main corev1.Container) {
				wantEqual(t, "replicas", *res.Deployment.Spec.Replicas, int32(4))
				wantQuantity(t, "cpu request", main.Resources.Requests, corev1.ResourceCPU, "8")
				wantQuantity(t, "memory request", main.Resources.Requests, corev1.ResourceMemory, "64Gi")
				wantGPU(t, main, "nvidia.com/gpu", "4")
				if _, ok := main.Resources.Limits[corev1.ResourceCPU]; ok {
					t.Error("cpu limit set though the DCD asks for none")
				}
			},
		},
		{
			name: "worker keeps its node affinity", graph: "trtllm-agg", service: "TRTLLMWorker",
			check: func(t *testing.T, res *workload.Result, _ corev1.Container) {
				wantEqual(t, "replicas", *res.Deployment.Spec.Replicas, int32(2))
				aff := res.Deployment.Spec.Template.Spec.Affinity
				if aff == nil || aff.NodeAffinity == nil || aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
					t.Fatalf("affinity = %v, want the worker's node affinity", aff)
				}
				expr := aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0]
				wantEqual(t, "affinity key", expr.Key, "nvidia.com/gpu.product")
				wantSlice(t, "affinity values", expr.Values, []string{"NVIDIA-A100-SXM4-80GB", "NVIDIA-H100-80GB-HBM3"})
			},
		},
		{
			name: "upstream worker: compilation cache, handler-less probe, DRA claims", graph: "upstream-shapes", service: "DecodeWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) { d.Spec.BackendFramework = "vllm" },
			check: func(t *testing.T, res *workload.Result, main corev1.Container) {
				spec := res.Deployment.Spec.Template.Spec
				wantPVC(t, spec, main, "model-store", "/root/.cache/vllm")
				wantHTTPProbe(t, "liveness", main.LivenessProbe, "/live", "system")
				wantEqual(t, "liveness initialDelaySeconds (user's)", main.LivenessProbe.InitialDelaySeconds, int32(60))
				wantEqual(t, "liveness periodSeconds (default's)", main.LivenessProbe.PeriodSeconds, int32(5))
				wantEqual(t, "container claims", len(main.Resources.Claims), 1)
				wantEqual(t, "container claim", main.Resources.Claims[0].Name, "gpu-claim")
				wantEqual(t, "pod resourceClaims", len(spec.ResourceClaims), 1)
				wantEqual(t, "pod resourceClaim template", *spec.ResourceClaims[0].ResourceClaimTemplateName, "two-gpus")
				wantGPU(t, main, "nvidia.com/gpu", "2")
				wantLabels(t, res.Deployment.Spec.Template.Labels, map[string]string{"team": "inference"})
				wantEnv(t, main, map[string]string{"DYN_NAMESPACE": "upstream-shapes"})
			},
		},
		{
			name: "upstream frontend: empty affinity and tolerations", graph: "upstream-shapes", service: "Frontend",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Spec.ExtraPodSpec.MainContainer.StartupProbe = nil
			},
			check: func(t *testing.T, res *workload.Result, _ corev1.Container) {
				spec := res.Deployment.Spec.Template.Spec
				if spec.Affinity != nil {
					t.Errorf("affinity = %v, want none for affinity: {}", spec.Affinity)
				}
				if len(spec.Tolerations) != 0 {
					t.Errorf("tolerations = %v", spec.Tolerations)
				}
			},
		},
		{
			name: "recreate strategy, metrics off, extra pod metadata", graph: "vllm-agg", service: "VllmDecodeWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Spec.Annotations = map[string]string{
					"nvidia.com/deployment-strategy": "Recreate",
					"nvidia.com/enable-metrics":      "false",
				}
				d.Spec.ExtraPodMetadata = &nvidiav1alpha1.ExtraPodMetadata{
					Labels:      map[string]string{"extra": "yes", "nvidia.com/selector": "hijack"},
					Annotations: map[string]string{"prometheus.io/scrape": "false"},
				}
			},
			check: func(t *testing.T, res *workload.Result, _ corev1.Container) {
				d := res.Deployment
				wantEqual(t, "strategy", d.Spec.Strategy.Type, appsv1.RecreateDeploymentStrategyType)
				if d.Spec.Strategy.RollingUpdate != nil {
					t.Error("rollingUpdate set with Recreate")
				}
				labels := d.Spec.Template.Labels
				if _, ok := labels["nvidia.com/metrics-enabled"]; ok {
					t.Error("metrics-enabled label set with enable-metrics=false")
				}
				wantLabels(t, labels, map[string]string{"extra": "yes", "nvidia.com/selector": "vllm-agg-vllmdecodeworker"})
				wantMap(t, "pod annotations", d.Spec.Template.Annotations, map[string]string{
					"nvidia.com/deployment-strategy": "Recreate",
					"nvidia.com/enable-metrics":      "false",
					"prometheus.io/scrape":           "false",
				})
			},
		},
		{
			name: "GPU type and limits only", graph: "vllm-agg", service: "VllmDecodeWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) {
				d.Spec.Resources.Limits = &nvidiav1alpha1.ResourceItem{GPU: "1", GPUType: "nvidia.com/mig-1g.10gb", CPU: "2", Memory: "8Gi"}
			},
			check: func(t *testing.T, _ *workload.Result, main corev1.Container) {
				wantGPU(t, main, "nvidia.com/mig-1g.10gb", "1")
				if _, ok := main.Resources.Limits["nvidia.com/gpu"]; ok {
					t.Error("nvidia.com/gpu set though gpuType names another resource")
				}
				wantQuantity(t, "cpu limit", main.Resources.Limits, corev1.ResourceCPU, "2")
				if _, ok := main.Resources.Requests[corev1.ResourceCPU]; ok {
					t.Error("cpu request copied from its limit: only extended resources are")
				}
			},
		},
		{
			name: "zero replicas", graph: "vllm-agg", service: "VllmDecodeWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) { d.Spec.Replicas = ptrTo(int32(0)) },
			check: func(t *testing.T, res *workload.Result, _ corev1.Container) {
				wantEqual(t, "replicas", *res.Deployment.Spec.Replicas, int32(0))
			},
		},
		{
			name: "unset replicas", graph: "vllm-agg", service: "VllmDecodeWorker",
			mutate: func(d *nvidiav1alpha1.DynamoComponentDeployment) { d.Spec.Replicas = nil },
			check: func(t *testing.T, res *workload.Result, _ corev1.Container) {
				wantEqual(t, "replicas", *res.Deployment.Spec.Replicas, int32(1))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dcd := exampleDCD(t, tt.graph, tt.service)
			if tt.mutate != nil {
				tt.mutate(dcd)
			}
			res, err := buildAlpha(t, dcd, workload.Options{})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if res.Deployment == nil {
				t.Fatal("no Deployment")
			}
			if len(res.StatefulSets) != 0 {
				t.Errorf("single-node component got StatefulSets %v", res.Names(workload.KindStatefulSet))
			}
			tt.check(t, res, mainOf(t, res.Deployment.Spec.Template.Spec))
		})
	}
}

// TestBuildOptions checks operator-level variables, the service account and the ingress
// suffix, and the precedence of variables.
func TestBuildOptions(t *testing.T) {
	dcd := exampleDCD(t, "vllm-agg-regional", "Frontend")
	dcd.Spec.ExtraPodSpec.MainContainer.Env = []corev1.EnvVar{{Name: "FOO", Value: "main"}, {Name: "NATS_SERVER", Value: "nats://main"}}
	dcd.Spec.Envs = []corev1.EnvVar{{Name: "FOO", Value: "spec"}}
	res, err := buildAlpha(t, dcd, workload.Options{
		IngressHostSuffix:  "gpu.example.org",
		ServiceAccountName: "dynamo-pods",
		Env: []corev1.EnvVar{
			{Name: "NATS_SERVER", Value: "nats://operator"},
			{Name: "ETCD_ENDPOINTS", Value: "etcd:2379"},
			{Name: "DYN_NAMESPACE", Value: "operator-loses"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	main := mainOf(t, res.Deployment.Spec.Template.Spec)
	// mainContainer's variable wins over spec.envs' of the same name: the conversion to v1beta1
	// merges mainContainer over the dedicated fields, as upstream's does.
	wantEnv(t, main, map[string]string{
		"FOO":            "main",
		"NATS_SERVER":    "nats://main",
		"ETCD_ENDPOINTS": "etcd:2379",
		"DYN_NAMESPACE":  "dynamo-vllm-agg-regional",
	})
	wantEqual(t, "serviceAccountName", res.Deployment.Spec.Template.Spec.ServiceAccountName, "dynamo-pods")
	wantEqual(t, "host", res.Ingress.Spec.Rules[0].Host, "llama.gpu.example.org")

	dcd.Spec.ExtraPodSpec.PodSpec = &corev1.PodSpec{ServiceAccountName: "planner-serviceaccount"}
	res, err = buildAlpha(t, dcd, workload.Options{ServiceAccountName: "dynamo-pods"})
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "extraPodSpec serviceAccountName", res.Deployment.Spec.Template.Spec.ServiceAccountName, "planner-serviceaccount")
}

// TestMainContainerMerge checks how extraPodSpec.mainContainer merges over the generated
// container.
func TestMainContainerMerge(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(mc *corev1.Container)
		check  func(t *testing.T, main corev1.Container)
	}{
		{
			name:   "args alone run under /bin/sh -c",
			mutate: func(mc *corev1.Container) { mc.Command, mc.Args = nil, []string{"python3 -m dynamo.vllm --model x"} },
			check: func(t *testing.T, main corev1.Container) {
				wantSlice(t, "command", main.Command, []string{"/bin/sh", "-c"})
				wantSlice(t, "args", main.Args, []string{"python3 -m dynamo.vllm --model x"})
			},
		},
		{
			name:   "neither command nor args run the image entrypoint",
			mutate: func(mc *corev1.Container) { mc.Command, mc.Args = nil, nil },
			check: func(t *testing.T, main corev1.Container) {
				if main.Command != nil || main.Args != nil {
					t.Errorf("command %v args %v, want none", main.Command, main.Args)
				}
			},
		},
		{
			name: "a user port of the same name replaces the generated one",
			mutate: func(mc *corev1.Container) {
				mc.Ports = []corev1.ContainerPort{{Name: "system", ContainerPort: 9345}, {Name: "nixl", ContainerPort: 5600}}
			},
			check: func(t *testing.T, main corev1.Container) {
				wantPorts(t, main, map[string]int32{"system": 9345, "nixl": 5600})
			},
		},
		{
			name: "user volume mounts stay, and one at /dev/shm wins",
			mutate: func(mc *corev1.Container) {
				mc.VolumeMounts = []corev1.VolumeMount{{Name: "my-shm", MountPath: "/dev/shm"}}
			},
			check: func(t *testing.T, main corev1.Container) {
				wantEqual(t, "mounts", len(main.VolumeMounts), 1)
				wantEqual(t, "mount", main.VolumeMounts[0].Name, "my-shm")
			},
		},
		{
			name: "mainContainer resources merge under spec.resources",
			mutate: func(mc *corev1.Container) {
				mc.Resources.Limits = corev1.ResourceList{
					corev1.ResourceMemory: resource.MustParse("32Gi"),
					"nvidia.com/gpu":      resource.MustParse("1"),
				}
			},
			check: func(t *testing.T, main corev1.Container) {
				wantQuantity(t, "memory limit", main.Resources.Limits, corev1.ResourceMemory, "32Gi")
				wantGPU(t, main, "nvidia.com/gpu", "1")
			},
		},
		{
			// The conversion to v1beta1 merges mainContainer over the dedicated fields, as
			// upstream's does: mainContainer's envFrom replaces the one envFromSecret stands for.
			name: "envFrom of the user replaces envFromSecret",
			mutate: func(mc *corev1.Container) {
				mc.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}}
			},
			check: func(t *testing.T, main corev1.Container) {
				wantEqual(t, "envFrom", len(main.EnvFrom), 1)
				wantEqual(t, "first envFrom", main.EnvFrom[0].ConfigMapRef.Name, "cfg")
			},
		},
		{
			// As env: a resource both set comes from mainContainer (the conversion's merge).
			name: "mainContainer's cpu limit wins over spec.resources'",
			mutate: func(mc *corev1.Container) {
				mc.Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}
			},
			check: func(t *testing.T, main corev1.Container) {
				wantQuantity(t, "cpu limit", main.Resources.Limits, corev1.ResourceCPU, "3")
				wantGPU(t, main, "nvidia.com/gpu", "1")
			},
		},
		{
			name: "envFrom of the user naming envFromSecret's secret",
			mutate: func(mc *corev1.Container) {
				mc.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "hf-token-secret"}}}}
			},
			check: func(t *testing.T, main corev1.Container) {
				wantEqual(t, "envFrom", len(main.EnvFrom), 1)
				wantSecretEnvFrom(t, main, "hf-token-secret")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dcd := exampleDCD(t, "vllm-agg", "VllmDecodeWorker")
			tt.mutate(dcd.Spec.ExtraPodSpec.MainContainer)
			res, err := buildAlpha(t, dcd, workload.Options{})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, mainOf(t, res.Deployment.Spec.Template.Spec))
		})
	}
}

// TestNotes checks that fields accepted but not honoured are reported, not failed.
func TestNotes(t *testing.T) {
	dcd := exampleDCD(t, "vllm-agg-regional", "Frontend")
	dcd.Spec.Ingress.UseVirtualService = true
	dcd.Spec.Ingress.VirtualServiceGateway = ptrTo("istio-system/gateway")
	dcd.Spec.Autoscaling = &nvidiav1alpha1.Autoscaling{Enabled: true}
	res, err := buildAlpha(t, dcd, workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantNote(t, res, "spec.ingress.useVirtualService: ")
	wantNote(t, res, "spec.autoscaling: ")
	if res.Ingress == nil {
		t.Error("the Ingress is still built when an ingress class is set")
	}

	dcd.Spec.Ingress.IngressControllerClassName = nil
	res, err = buildAlpha(t, dcd, workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ingress != nil {
		t.Error("Ingress built without an ingress class")
	}
	wantNote(t, res, "spec.ingress.useVirtualService: ")
}
