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

package v1alpha1_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Golden cases of the mapping rules: a v1alpha1 or v1beta1 object, what it converts to, what
// the payload annotation holds, and that it converts back unchanged. Where upstream's conversion
// tests give concrete input and output, the case reproduces them (named after upstream's test).

const (
	dgdSpecKey   = "nvidia.com/dgd-spec"
	dgdStatusKey = "nvidia.com/dgd-status"
	dcdSpecKey   = "nvidia.com/dcd-spec"
	dcdStatusKey = "nvidia.com/dcd-status"
)

func alphaGraph(services map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec) *nvidiav1alpha1.DynamoGraphDeployment {
	return &nvidiav1alpha1.DynamoGraphDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "graph", Namespace: "ns"},
		Spec:       nvidiav1alpha1.DynamoGraphDeploymentSpec{Services: services},
	}
}

func betaGraph(components ...nvidiav1beta1.DynamoComponentDeploymentSharedSpec) *nvidiav1beta1.DynamoGraphDeployment {
	return &nvidiav1beta1.DynamoGraphDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "graph", Namespace: "ns"},
		Spec:       nvidiav1beta1.DynamoGraphDeploymentSpec{Components: components},
	}
}

func toHub(t *testing.T, in *nvidiav1alpha1.DynamoGraphDeployment) *nvidiav1beta1.DynamoGraphDeployment {
	t.Helper()
	out := &nvidiav1beta1.DynamoGraphDeployment{}
	if err := in.ConvertTo(out); err != nil {
		t.Fatalf("ConvertTo: %v", err)
	}
	return out
}

func fromHub(t *testing.T, in *nvidiav1beta1.DynamoGraphDeployment) *nvidiav1alpha1.DynamoGraphDeployment {
	t.Helper()
	out := &nvidiav1alpha1.DynamoGraphDeployment{}
	if err := out.ConvertFrom(in); err != nil {
		t.Fatalf("ConvertFrom: %v", err)
	}
	return out
}

func componentToHub(t *testing.T, in *nvidiav1alpha1.DynamoComponentDeployment) *nvidiav1beta1.DynamoComponentDeployment {
	t.Helper()
	out := &nvidiav1beta1.DynamoComponentDeployment{}
	if err := in.ConvertTo(out); err != nil {
		t.Fatalf("ConvertTo: %v", err)
	}
	return out
}

func componentFromHub(t *testing.T, in *nvidiav1beta1.DynamoComponentDeployment) *nvidiav1alpha1.DynamoComponentDeployment {
	t.Helper()
	out := &nvidiav1alpha1.DynamoComponentDeployment{}
	if err := out.ConvertFrom(in); err != nil {
		t.Fatalf("ConvertFrom: %v", err)
	}
	return out
}

// specPayload decodes a spec annotation's envelope: {"version":1,"spec":{...},"rawJSON":[...]}.
func specPayload(t *testing.T, annotations map[string]string, key string) map[string]any {
	t.Helper()
	raw, ok := annotations[key]
	if !ok {
		return nil
	}
	var envelope map[string]any
	if err := json.Unmarshal([]byte(raw), &envelope); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", key, err, raw)
	}
	if envelope["version"] != float64(1) {
		t.Fatalf("%s: version = %v, want 1", key, envelope["version"])
	}
	return envelope
}

// jsonOf decodes a JSON literal of a test case.
func jsonOf(t *testing.T, literal string) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(literal), &out); err != nil {
		t.Fatalf("bad test literal %s: %v", literal, err)
	}
	return out
}

func requireSemanticEqual[T any](t *testing.T, what string, want, got T) {
	t.Helper()
	if !apiequality.Semantic.DeepEqual(want, got) {
		t.Fatalf("%s (-want +got):\n%s", what, cmp.Diff(want, got, cmpopts.EquateEmpty()))
	}
}

func mainOf(components ...corev1.Container) *corev1.PodTemplateSpec {
	return &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: components}}
}

func q(s string) resource.Quantity { return resource.MustParse(s) }

// TestDGDToHubGolden converts v1alpha1 graphs to v1beta1 and checks the result, the payload,
// and the way back.
func TestDGDToHubGolden(t *testing.T) {
	tests := []struct {
		name    string
		in      *nvidiav1alpha1.DynamoGraphDeployment
		want    nvidiav1beta1.DynamoGraphDeploymentSpec
		payload string // the spec envelope, "" for none
	}{
		{
			name: "services become components, keyed by name and sorted",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"VllmDecodeWorker": {ComponentType: "worker", Replicas: ptr.To[int32](2)},
				"Frontend":         {ComponentType: "frontend", Replicas: ptr.To[int32](1)},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "Frontend", ComponentType: "frontend", Replicas: ptr.To[int32](1)},
				{ComponentName: "VllmDecodeWorker", ComponentType: "worker", Replicas: ptr.To[int32](2)},
			}},
		},
		{
			name: "a serviceName other than the key is kept in the payload",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {ServiceName: "legacy-name", ComponentType: "worker"},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "worker", ComponentType: "worker"},
			}},
			payload: `{"version":1,"spec":{"services":{"worker":{"serviceName":"legacy-name"}}}}`,
		},
		{
			// Upstream keeps serviceName only when it differs from the key; Flotilla always.
			name: "a serviceName equal to the key is kept in the payload",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"Frontend": {ServiceName: "Frontend", ComponentType: "frontend"},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "Frontend", ComponentType: "frontend"},
			}},
			payload: `{"version":1,"spec":{"services":{"Frontend":{"serviceName":"Frontend"}}}}`,
		},
		{
			name: "a null service is kept in the payload",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"empty": nil, "worker": {ComponentType: "worker"},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "worker", ComponentType: "worker"},
			}},
			payload: `{"version":1,"spec":{"services":{"empty":null}}}`,
		},
		{
			name: "worker with subComponentType prefill becomes type prefill",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"prefill": {ComponentType: "worker", SubComponentType: "prefill"},
				"decode":  {ComponentType: "worker", SubComponentType: "decode"},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "decode", ComponentType: nvidiav1beta1.ComponentTypeDecode},
				{ComponentName: "prefill", ComponentType: nvidiav1beta1.ComponentTypePrefill},
			}},
		},
		{
			// Upstream: TestDGD_FromV1alpha1_SubComponentType.
			name: "a subComponentType v1beta1 has no type for is kept in the payload",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {ComponentType: "worker", SubComponentType: "custom-prefill"},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "worker", ComponentType: "worker"},
			}},
			payload: `{"version":1,"spec":{"services":{"worker":{"subComponentType":"custom-prefill"}}}}`,
		},
		{
			// Upstream: TestDGD_FromV1alpha1_FrontendSidecarFullRoundTrip.
			name: "frontendSidecar becomes the sidecar-frontend container",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"epp": {ComponentType: "epp", FrontendSidecar: &nvidiav1alpha1.FrontendSidecarSpec{
					Image:         "dynamo-frontend:1.2.3",
					Args:          []string{"-m", "dynamo.frontend", "--router-mode", "direct"},
					EnvFromSecret: ptr.To("frontend-secret"),
					Envs:          []corev1.EnvVar{{Name: "FRONTEND_FLAG", Value: "true"}},
				}},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{
				ComponentName:   "epp",
				ComponentType:   "epp",
				FrontendSidecar: ptr.To("sidecar-frontend"),
				PodTemplate: mainOf(
					corev1.Container{Name: "main"},
					corev1.Container{
						Name:    "sidecar-frontend",
						Image:   "dynamo-frontend:1.2.3",
						Args:    []string{"-m", "dynamo.frontend", "--router-mode", "direct"},
						Env:     []corev1.EnvVar{{Name: "FRONTEND_FLAG", Value: "true"}},
						EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "frontend-secret"}}}},
					},
				),
			}}},
			payload: `{"version":1,"spec":{"services":{"epp":{"frontendSidecar":{"image":"dynamo-frontend:1.2.3","args":["-m","dynamo.frontend","--router-mode","direct"],"envs":[{"name":"FRONTEND_FLAG","value":"true"}],"envFromSecret":"frontend-secret"}}}}}`,
		},
		{
			name: "sharedMemory disabled becomes size 0",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {SharedMemory: &nvidiav1alpha1.SharedMemorySpec{Disabled: true}},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "worker", SharedMemorySize: ptr.To(q("0"))},
			}},
		},
		{
			name: "sharedMemory size becomes sharedMemorySize",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {SharedMemory: &nvidiav1alpha1.SharedMemorySpec{Size: q("16Gi")}},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "worker", SharedMemorySize: ptr.To(q("16Gi"))},
			}},
		},
		{
			// Upstream: TestDGD_FromV1alpha1_SharedMemoryEdgeCases.
			name: "a sharedMemory block that sets nothing is kept in the payload",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {SharedMemory: &nvidiav1alpha1.SharedMemorySpec{}},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "worker"},
			}},
			payload: `{"version":1,"spec":{"services":{"worker":{"sharedMemory":{}}}}}`,
		},
		{
			name: "a volume mount flagged as compilation cache becomes compilationCache",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {VolumeMounts: []nvidiav1alpha1.VolumeMount{
					{Name: "cache", MountPoint: "/cache", UseAsCompilationCache: true},
					{Name: "models", MountPoint: "/models"},
				}},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{
				ComponentName:    "worker",
				CompilationCache: &nvidiav1beta1.CompilationCacheConfig{PVCName: "cache", MountPath: "/cache"},
				PodTemplate: mainOf(corev1.Container{Name: "main", VolumeMounts: []corev1.VolumeMount{
					{Name: "cache", MountPath: "/cache"}, {Name: "models", MountPath: "/models"},
				}}),
			}}},
			// An empty payload records that the pod template was built from v1alpha1 fields.
			payload: `{"version":1,"spec":{}}`,
		},
		{
			name: "a compilation-cache mount alone makes no pod template",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {VolumeMounts: []nvidiav1alpha1.VolumeMount{{Name: "cache", UseAsCompilationCache: true}}},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{
				ComponentName:    "worker",
				CompilationCache: &nvidiav1beta1.CompilationCacheConfig{PVCName: "cache"},
			}}},
		},
		{
			// Upstream: TestDGD_FromV1alpha1_PVCsPreserved.
			name: "pvcs are kept in the payload",
			in: &nvidiav1alpha1.DynamoGraphDeployment{
				ObjectMeta: metav1.ObjectMeta{Name: "graph", Namespace: "ns"},
				Spec: nvidiav1alpha1.DynamoGraphDeploymentSpec{PVCs: []nvidiav1alpha1.PVC{{
					Create: ptr.To(true), Name: ptr.To("model-pvc"), StorageClass: "standard",
					Size: q("10Gi"), VolumeAccessMode: corev1.ReadWriteOnce,
				}}},
			},
			payload: `{"version":1,"spec":{"pvcs":[{"create":true,"name":"model-pvc","storageClass":"standard","size":"10Gi","volumeAccessMode":"ReadWriteOnce"}]}}`,
		},
		{
			name: "resources: gpu becomes nvidia.com/gpu, envFromSecret a secret reference",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {
					Resources: &nvidiav1alpha1.Resources{
						Requests: &nvidiav1alpha1.ResourceItem{CPU: "2", Memory: "4Gi"},
						Limits:   &nvidiav1alpha1.ResourceItem{GPU: "1"},
					},
					EnvFromSecret: ptr.To("hf-token-secret"),
				},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{
				ComponentName: "worker",
				PodTemplate: mainOf(corev1.Container{
					Name: "main",
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("4Gi")},
						Limits:   corev1.ResourceList{"nvidia.com/gpu": q("1")},
					},
					EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "hf-token-secret"}}}},
				}),
			}}},
			// Upstream keeps envFromSecret in the payload whenever it is set.
			payload: `{"version":1,"spec":{"services":{"worker":{"envFromSecret":"hf-token-secret"}}}}`,
		},
		{
			// Upstream: TestDGD_FromV1alpha1_Resources_ForwardOnly.
			name: "resources: gpuType names the GPU resource, custom resources keep their names",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {Resources: &nvidiav1alpha1.Resources{Requests: &nvidiav1alpha1.ResourceItem{
					GPU: "2", GPUType: "gpu.intel.com/xe", Custom: map[string]string{"example.com/fpga": "1"},
				}}},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{
				ComponentName: "worker",
				PodTemplate: mainOf(corev1.Container{Name: "main", Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{"gpu.intel.com/xe": q("2"), "example.com/fpga": q("1")},
				}}),
			}}},
			// The hub gives custom resources back as custom: the exact block is kept.
			payload: `{"version":1,"spec":{"services":{"worker":{"resources":{"requests":{"gpu":"2","gpuType":"gpu.intel.com/xe","custom":{"example.com/fpga":"1"}}}}}}}`,
		},
		{
			name: "extraPodSpec.mainContainer is merged over the dedicated fields",
			in: alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {
					Envs:         []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}},
					Resources:    &nvidiav1alpha1.Resources{Requests: &nvidiav1alpha1.ResourceItem{CPU: "1", GPU: "1"}},
					VolumeMounts: []nvidiav1alpha1.VolumeMount{{Name: "models", MountPoint: "/models"}},
					ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{
						PodSpec: &corev1.PodSpec{NodeSelector: map[string]string{"gpu": "h100"}},
						MainContainer: &corev1.Container{
							Image:        "vllm-runtime:1.0",
							Command:      []string{"python3", "-m", "dynamo.vllm"},
							Env:          []corev1.EnvVar{{Name: "B", Value: "3"}, {Name: "C", Value: "4"}},
							Resources:    corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: q("2")}},
							VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/config"}},
						},
					},
				},
			}),
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{
				ComponentName: "worker",
				PodTemplate: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"gpu": "h100"},
					Containers: []corev1.Container{{
						Name:    "main",
						Image:   "vllm-runtime:1.0",
						Command: []string{"python3", "-m", "dynamo.vllm"},
						// Merged by name, mainContainer winning; its own order after the dedicated one.
						Env: []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "3"}, {Name: "C", Value: "4"}},
						// Merged key by key, mainContainer winning.
						Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: q("2"), "nvidia.com/gpu": q("1")}},
						// mainContainer's mounts first, then the dedicated ones.
						VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/config"}, {Name: "models", MountPath: "/models"}},
					}},
				}},
			}}},
			// Which value came from which field is kept, to split them again on the way back.
			payload: `{"version":1,"spec":{"services":{"worker":{
				"resources":{"requests":{"cpu":"1","gpu":"1"}},
				"envs":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
				"volumeMounts":[{"name":"models","mountPoint":"/models"}],
				"extraPodSpec":{"mainContainer":{"name":"",
					"env":[{"name":"B","value":"3"},{"name":"C","value":"4"}],
					"resources":{"requests":{"cpu":"2"}},
					"volumeMounts":[{"name":"config","mountPath":"/config"}]}}}}}}`,
		},
		{
			name: "graph fields shared by both versions, and Flotilla's placement, are copied",
			in: &nvidiav1alpha1.DynamoGraphDeployment{
				ObjectMeta: metav1.ObjectMeta{Name: "graph", Namespace: "ns"},
				Spec: nvidiav1alpha1.DynamoGraphDeploymentSpec{
					BackendFramework:   "vllm",
					Envs:               []corev1.EnvVar{{Name: "FOO", Value: "bar"}},
					Labels:             map[string]string{"l": "v"},
					Annotations:        map[string]string{"a": "1"},
					PriorityClassName:  "high",
					Restart:            &nvidiav1alpha1.Restart{ID: "r1", Strategy: &nvidiav1alpha1.RestartStrategy{Type: "Parallel", Order: []string{"a", "b"}}},
					TopologyConstraint: &nvidiav1alpha1.SpecTopologyConstraint{TopologyProfile: "default", PackDomain: "rack"},
					Placement:          placementFixture(),
				},
			},
			want: nvidiav1beta1.DynamoGraphDeploymentSpec{
				BackendFramework:   "vllm",
				Env:                []corev1.EnvVar{{Name: "FOO", Value: "bar"}},
				Labels:             map[string]string{"l": "v"},
				Annotations:        map[string]string{"a": "1"},
				PriorityClassName:  "high",
				Restart:            &nvidiav1beta1.Restart{ID: "r1", Strategy: &nvidiav1beta1.RestartStrategy{Type: "Parallel", Order: []string{"a", "b"}}},
				TopologyConstraint: &nvidiav1beta1.SpecTopologyConstraint{ClusterTopologyName: "default", PackDomain: "rack"},
				Placement:          placementFixture(),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub := toHub(t, tt.in)
			requireSemanticEqual(t, "converted spec", tt.want, hub.Spec)
			gotPayload := specPayload(t, hub.Annotations, dgdSpecKey)
			if tt.payload == "" {
				if gotPayload != nil {
					t.Fatalf("unexpected payload %s", hub.Annotations[dgdSpecKey])
				}
			} else if diff := cmp.Diff(jsonOf(t, tt.payload), gotPayload); diff != "" {
				t.Fatalf("payload (-want +got):\n%s", diff)
			}
			requireSemanticEqual(t, "round trip", tt.in, fromHub(t, hub))
		})
	}
}

// TestDGDFromHubGolden converts v1beta1 graphs to v1alpha1 and checks the result, the payload,
// and the way back.
func TestDGDFromHubGolden(t *testing.T) {
	tests := []struct {
		name    string
		in      *nvidiav1beta1.DynamoGraphDeployment
		want    nvidiav1alpha1.DynamoGraphDeploymentSpec
		payload string
	}{
		{
			// Upstream: TestDGD_RoundTrip_MultipleServicesOrderStable.
			name: "an unsorted component order is kept in the payload",
			in: betaGraph(
				nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "cc-planner", ComponentType: "planner"},
				nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "aa-frontend", ComponentType: "frontend"},
				nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "bb-worker", ComponentType: "worker"},
			),
			want: nvidiav1alpha1.DynamoGraphDeploymentSpec{Services: map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"cc-planner":  {ComponentType: "planner"},
				"aa-frontend": {ComponentType: "frontend"},
				"bb-worker":   {ComponentType: "worker"},
			}},
			payload: `{"version":1,"spec":{"components":[{"name":"cc-planner"},{"name":"aa-frontend"},{"name":"bb-worker"}]}}`,
		},
		{
			name: "types prefill and decode become workers",
			in: betaGraph(
				nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "decode", ComponentType: "decode"},
				nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "prefill", ComponentType: "prefill"},
			),
			want: nvidiav1alpha1.DynamoGraphDeploymentSpec{Services: map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"decode":  {ComponentType: "worker", SubComponentType: "decode"},
				"prefill": {ComponentType: "worker", SubComponentType: "prefill"},
			}},
		},
		{
			name: "the pod template spreads over the dedicated fields and extraPodSpec",
			in: betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				ComponentName: "worker",
				PodTemplate: &corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"tier": "gpu"}, Annotations: map[string]string{"prom.io/scrape": "true"}},
					Spec: corev1.PodSpec{
						ServiceAccountName: "dynamo",
						Containers: []corev1.Container{
							{
								Name:           "main",
								Image:          "dynamo:latest",
								Env:            []corev1.EnvVar{{Name: "DYN", Value: "1"}},
								Resources:      corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": q("1"), corev1.ResourceMemory: q("8Gi")}},
								ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"ready"}}}},
								VolumeMounts:   []corev1.VolumeMount{{Name: "models", MountPath: "/models"}},
							},
							{Name: "logger", Image: "fluent-bit"},
						},
					},
				},
			}),
			want: nvidiav1alpha1.DynamoGraphDeploymentSpec{Services: map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {
					ExtraPodMetadata: &nvidiav1alpha1.ExtraPodMetadata{Labels: map[string]string{"tier": "gpu"}, Annotations: map[string]string{"prom.io/scrape": "true"}},
					Resources:        &nvidiav1alpha1.Resources{Limits: &nvidiav1alpha1.ResourceItem{GPU: "1", Memory: "8Gi"}},
					Envs:             []corev1.EnvVar{{Name: "DYN", Value: "1"}},
					ReadinessProbe:   &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"ready"}}}},
					VolumeMounts:     []nvidiav1alpha1.VolumeMount{{Name: "models", MountPoint: "/models"}},
					ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{
						PodSpec:       &corev1.PodSpec{ServiceAccountName: "dynamo", Containers: []corev1.Container{{Name: "logger", Image: "fluent-bit"}}},
						MainContainer: &corev1.Container{Image: "dynamo:latest"},
					},
				},
			}},
			// An object written in v1beta1 lists the components that had a pod template.
			payload: `{"version":1,"spec":{"components":[{"name":"worker"}]}}`,
		},
		{
			// Upstream: TestDGD_RoundTrip_SharedMemoryDisabledZero.
			name: "sharedMemorySize 0 becomes disabled",
			in:   betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "worker", SharedMemorySize: ptr.To(q("0"))}),
			want: nvidiav1alpha1.DynamoGraphDeploymentSpec{Services: map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {SharedMemory: &nvidiav1alpha1.SharedMemorySpec{Disabled: true, Size: q("0")}},
			}},
		},
		{
			// Upstream: TestDGD_RoundTrip_CompilationCache.
			name: "compilationCache becomes the first volume mount, flagged",
			in: betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				ComponentName:    "worker",
				CompilationCache: &nvidiav1beta1.CompilationCacheConfig{PVCName: "cache-pvc", MountPath: "/opt/cache"},
				PodTemplate: mainOf(corev1.Container{Name: "main", VolumeMounts: []corev1.VolumeMount{
					{Name: "models", MountPath: "/models"}, {Name: "cache-pvc", MountPath: "/opt/cache"},
				}}),
			}),
			want: nvidiav1alpha1.DynamoGraphDeploymentSpec{Services: map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {VolumeMounts: []nvidiav1alpha1.VolumeMount{
					{Name: "cache-pvc", MountPoint: "/opt/cache", UseAsCompilationCache: true},
					{Name: "models", MountPoint: "/models"},
				}},
			}},
			payload: `{"version":1,"spec":{"components":[{"name":"worker","podTemplate":{"metadata":{},"spec":{"containers":[{"name":"main","resources":{},"volumeMounts":[{"name":"models","mountPath":"/models"},{"name":"cache-pvc","mountPath":"/opt/cache"}]}]}}}]}}`,
		},
		{
			name: "fields only v1beta1 has are kept in the payload",
			in: betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				ComponentName:   "worker",
				ComponentType:   "worker",
				FrontendSidecar: ptr.To("proxy"),
				DynamoSidecar:   ptr.To("dynamo"),
				EngineGroup:     &nvidiav1beta1.ComponentEngineGroupSpec{InitialSize: 2},
				Experimental:    &nvidiav1beta1.ExperimentalSpec{Grove: &nvidiav1beta1.GroveSpec{ForceScalingGroup: ptr.To(false)}},
			}),
			want: nvidiav1alpha1.DynamoGraphDeploymentSpec{Services: map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"worker": {ComponentType: "worker"},
			}},
			payload: `{"version":1,"spec":{"components":[{"name":"worker","engineGroup":{"initialSize":2},"frontendSidecar":"proxy","dynamoSidecar":"dynamo","experimental":{"grove":{"forceScalingGroup":false}}}]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alpha := fromHub(t, tt.in)
			requireSemanticEqual(t, "converted spec", tt.want, alpha.Spec)
			gotPayload := specPayload(t, alpha.Annotations, dgdSpecKey)
			if tt.payload == "" {
				if gotPayload != nil {
					t.Fatalf("unexpected payload %s", alpha.Annotations[dgdSpecKey])
				}
			} else if diff := cmp.Diff(jsonOf(t, tt.payload), gotPayload); diff != "" {
				t.Fatalf("payload (-want +got):\n%s", diff)
			}
			requireSemanticEqual(t, "round trip", tt.in, toHub(t, alpha))
		})
	}
}
