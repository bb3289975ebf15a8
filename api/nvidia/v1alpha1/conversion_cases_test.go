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
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

func placementFixture() *flotillav1alpha1.PlacementSpec {
	return &flotillav1alpha1.PlacementSpec{
		Copies:          2,
		ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}},
		SpreadBy:        "topology.kubernetes.io/region",
	}
}

// TestDCDStatusGolden checks the component status mapping: service is v1beta1's component, and
// the pod selector and a componentName that componentNames do not give are kept in
// nvidia.com/dcd-status.
func TestDCDStatusGolden(t *testing.T) {
	in := &nvidiav1alpha1.DynamoComponentDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "graph-worker", Namespace: "ns"},
		Spec: nvidiav1alpha1.DynamoComponentDeploymentSpec{DynamoComponentDeploymentSharedSpec: nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
			ServiceName: "worker",
		}},
		Status: nvidiav1alpha1.DynamoComponentDeploymentStatus{
			ObservedGeneration: 3,
			Conditions:         []metav1.Condition{{Type: "Available", Status: metav1.ConditionTrue, Reason: "Ready"}},
			PodSelector:        map[string]string{"app": "worker"},
			Service: &nvidiav1alpha1.ServiceReplicaStatus{
				ComponentKind: "Deployment", ComponentName: "graph-worker-old", ComponentNames: []string{"graph-worker-new"},
				Replicas: 2, UpdatedReplicas: 1, ReadyReplicas: ptr.To[int32](1),
			},
		},
	}
	hub := componentToHub(t, in)
	want := nvidiav1beta1.DynamoComponentDeploymentStatus{
		ObservedGeneration: 3,
		Conditions:         []metav1.Condition{{Type: "Available", Status: metav1.ConditionTrue, Reason: "Ready"}},
		Component: &nvidiav1beta1.ComponentReplicaStatus{
			ComponentKind: "Deployment", ComponentNames: []string{"graph-worker-new"},
			Replicas: 2, UpdatedReplicas: 1, ReadyReplicas: ptr.To[int32](1),
		},
	}
	requireSemanticEqual(t, "converted status", want, hub.Status)
	if got, want := hub.Annotations[dcdStatusKey], `{"conditions":null,"podSelector":{"app":"worker"},"service":{"componentKind":"","componentName":"graph-worker-old","componentNames":["graph-worker-new"],"replicas":0,"updatedReplicas":0}}`; got != want {
		t.Fatalf("%s = %s, want %s", dcdStatusKey, got, want)
	}
	requireSemanticEqual(t, "round trip", in, componentFromHub(t, hub))

	// Without a payload, componentName is the newest of componentNames.
	plain := componentFromHub(t, &nvidiav1beta1.DynamoComponentDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "c"},
		Spec:       nvidiav1beta1.DynamoComponentDeploymentSpec{DynamoComponentDeploymentSharedSpec: nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "c"}},
		Status:     nvidiav1beta1.DynamoComponentDeploymentStatus{Component: &nvidiav1beta1.ComponentReplicaStatus{ComponentNames: []string{"a", "b"}}},
	})
	if got := plain.Status.Service.ComponentName; got != "b" {
		t.Fatalf("status.service.componentName = %q, want b", got)
	}
}

// TestDCDEmptyServiceNameGolden reproduces upstream's TestDCD_OmittedServiceNameOriginDoesNotOverrideHubEdit:
// an empty serviceName becomes the object's name, a marker in nvidia.com/dcd-spec makes it empty
// again, and a name edited in v1beta1 wins over the marker.
func TestDCDEmptyServiceNameGolden(t *testing.T) {
	in := &nvidiav1alpha1.DynamoComponentDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "default-name", Namespace: "ns"},
		Spec: nvidiav1alpha1.DynamoComponentDeploymentSpec{
			BackendFramework:                    "sglang",
			DynamoComponentDeploymentSharedSpec: nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{ComponentType: "worker"},
		},
	}
	hub := componentToHub(t, in)
	if hub.Spec.ComponentName != "default-name" {
		t.Fatalf("spec.name = %q, want the object's name", hub.Spec.ComponentName)
	}
	if got, want := specPayload(t, hub.Annotations, dcdSpecKey), jsonOf(t, `{"version":1,"spec":{},"rawJSON":[{"path":"serviceName","nil":true}]}`); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %v, want %v", dcdSpecKey, got, want)
	}
	requireSemanticEqual(t, "round trip", in, componentFromHub(t, hub))

	hub.Spec.ComponentName = "live-edit"
	if got := componentFromHub(t, hub).Spec.ServiceName; got != "live-edit" {
		t.Fatalf("serviceName = %q, want the name edited in v1beta1", got)
	}
}

// TestDCDAlphaOnlyFieldsGolden reproduces upstream's
// TestDCD_FromV1alpha1_SparseSpokeSaveCarriesAlphaOnlyFields, with Flotilla's own v1alpha1-only
// fields (dynamoComponent, dynamoTag, pvc, the disable flag, multinode leader and worker).
func TestDCDAlphaOnlyFieldsGolden(t *testing.T) {
	in := &nvidiav1alpha1.DynamoComponentDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "full", Namespace: "ns"},
		Spec: nvidiav1alpha1.DynamoComponentDeploymentSpec{
			DynamoComponent: "graph:abc",
			DynamoTag:       "v1",
			DynamoComponentDeploymentSharedSpec: nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				ComponentType:    "worker",
				SubComponentType: "custom-prefill",
				ServiceName:      "worker-svc",
				DynamoNamespace:  ptr.To("legacy-dyn-ns"),
				Annotations:      map[string]string{"team": "alpha"},
				Labels:           map[string]string{"tier": "gpu"},
				SharedMemory:     &nvidiav1alpha1.SharedMemorySpec{Disabled: true},
				Autoscaling:      &nvidiav1alpha1.Autoscaling{Enabled: true, MinReplicas: 1, MaxReplicas: 5},
				Ingress:          &nvidiav1alpha1.IngressSpec{Enabled: true, Host: "api.example.com"},
				ScalingAdapter:   &nvidiav1alpha1.ScalingAdapter{Enabled: true, Disable: true},
				GPUMemoryService: &nvidiav1alpha1.GPUMemoryServiceSpec{Enabled: false, Mode: nvidiav1alpha1.GPUMemoryServiceModeIntraPod},
				PVC:              &nvidiav1alpha1.PVC{Name: ptr.To("models")},
				Multinode: &nvidiav1alpha1.MultinodeSpec{NodeCount: 2, Leader: &nvidiav1alpha1.MultinodeRoleSpec{
					ProviderOverride: &nvidiav1alpha1.ProviderOverride{APIVersion: "grove.io/v1alpha1"},
				}},
			},
		},
	}
	hub := componentToHub(t, in)
	if hub.Spec.ScalingAdapter == nil || hub.Spec.Multinode == nil || hub.Spec.Multinode.NodeCount != 2 || hub.Spec.GlobalDynamoNamespace {
		t.Fatalf("represented fields were not converted: %s", asJSON(hub.Spec))
	}
	payload := specPayload(t, hub.Annotations, dcdSpecKey)["spec"].(map[string]any)
	for _, field := range []string{"dynamoComponent", "dynamoTag", "subComponentType", "dynamoNamespace", "annotations", "labels", "autoscaling", "ingress", "scalingAdapter", "gpuMemoryService", "pvc", "multinode"} {
		if _, ok := payload[field]; !ok {
			t.Errorf("%s not kept in %s: %v", field, dcdSpecKey, payload)
		}
	}
	requireSemanticEqual(t, "round trip", in, componentFromHub(t, hub))
}

// TestConversionConsumesPayloads checks that the conversion annotations are read, removed, and
// written again only when needed, and that other annotations pass through.
func TestConversionConsumesPayloads(t *testing.T) {
	in := alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
		"worker": {ComponentType: "worker", DynamoNamespace: ptr.To("dyn")},
	})
	in.Annotations = map[string]string{"user": "kept"}
	hub := toHub(t, in)
	if hub.Annotations["user"] != "kept" || hub.Annotations[dgdSpecKey] == "" {
		t.Fatalf("annotations = %v, want the user's and the payload", hub.Annotations)
	}

	alpha := fromHub(t, hub)
	if _, ok := alpha.Annotations[dgdSpecKey]; ok {
		t.Fatalf("the payload was not consumed: %v", alpha.Annotations)
	}
	if want := map[string]string{"user": "kept"}; !reflect.DeepEqual(alpha.Annotations, want) {
		t.Fatalf("annotations = %v, want %v", alpha.Annotations, want)
	}
	if got := alpha.Spec.Services["worker"].DynamoNamespace; got == nil || *got != "dyn" {
		t.Fatalf("dynamoNamespace = %v, want restored from the payload", got)
	}

	// An object with nothing to keep carries no payload, and a leftover one is removed.
	plain := alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{"worker": {ComponentType: "worker"}})
	plain.Annotations = map[string]string{dgdStatusKey: `{}`}
	if got := toHub(t, plain).Annotations; got != nil {
		t.Fatalf("annotations = %v, want none", got)
	}
}

// TestConversionLiveFieldsWin reproduces upstream's TestDGD_IntermediateHubEditsWinOverPreservedSpoke
// and TestDGD_HubSnapshotIsBaseAndV1alpha1OverlayWins: an edit in the other version wins over
// the payload, and hub-only fields survive alongside the edit.
func TestConversionLiveFieldsWin(t *testing.T) {
	t.Run("a type edited in v1beta1", func(t *testing.T) {
		hub := toHub(t, alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
			"worker": {ServiceName: "worker", ComponentType: "worker", SubComponentType: "custom"},
		}))
		hub.Spec.Components[0].ComponentType = nvidiav1beta1.ComponentTypePlanner
		if got := fromHub(t, hub).Spec.Services["worker"].ComponentType; got != "planner" {
			t.Fatalf("componentType = %q, want planner", got)
		}
	})
	t.Run("v1alpha1 edits over a hub pod template", func(t *testing.T) {
		src := betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
			ComponentName: "worker",
			ComponentType: "worker",
			PodTemplate: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Name: "hub-only-template-name", Labels: map[string]string{"old": "label"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:         "main",
					Image:        "worker:old",
					Env:          []corev1.EnvVar{{Name: "OLD", Value: "old"}},
					VolumeMounts: []corev1.VolumeMount{{Name: "model-pvc", MountPath: "/old-models", ReadOnly: true, SubPath: "weights"}},
				}}},
			},
		})
		spoke := fromHub(t, src)
		spoke.Spec.BackendFramework = "sglang"
		spoke.Spec.Services["worker"].Envs = []corev1.EnvVar{{Name: "NEW", Value: "new"}}
		spoke.Spec.Services["worker"].ExtraPodMetadata = &nvidiav1alpha1.ExtraPodMetadata{Labels: map[string]string{"new": "label"}}
		spoke.Spec.Services["worker"].VolumeMounts = []nvidiav1alpha1.VolumeMount{{Name: "model-pvc", MountPoint: "/new-models"}}

		got := toHub(t, spoke).Spec
		want := nvidiav1beta1.DynamoGraphDeploymentSpec{
			BackendFramework: "sglang",
			Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{
				ComponentName: "worker",
				ComponentType: "worker",
				PodTemplate: &corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Name: "hub-only-template-name", Labels: map[string]string{"new": "label"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name:  "main",
						Image: "worker:old",
						Env:   []corev1.EnvVar{{Name: "NEW", Value: "new"}},
						// The v1alpha1 name and path win; the hub-only fields of the mount stay.
						VolumeMounts: []corev1.VolumeMount{{Name: "model-pvc", MountPath: "/new-models", ReadOnly: true, SubPath: "weights"}},
					}}},
				},
			}},
		}
		requireSemanticEqual(t, "converted spec", want, got)
	})
	t.Run("status componentNames edited in v1beta1", func(t *testing.T) {
		in := alphaGraph(nil)
		in.Status.Services = map[string]nvidiav1alpha1.ServiceReplicaStatus{"worker": {ComponentName: "worker-old", ComponentNames: []string{"worker-old"}}}
		hub := toHub(t, in)
		status := hub.Status.Components["worker"]
		status.ComponentNames = []string{"worker-new"}
		hub.Status.Components["worker"] = status
		if got := fromHub(t, hub).Status.Services["worker"].ComponentName; got != "worker-new" {
			t.Fatalf("componentName = %q, want worker-new", got)
		}
	})
	t.Run("pvcs edited in v1alpha1", func(t *testing.T) {
		spoke := fromHub(t, betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "worker"}))
		spoke.Spec.PVCs = []nvidiav1alpha1.PVC{{Name: ptr.To("edited")}}
		if got := fromHub(t, toHub(t, spoke)).Spec.PVCs; len(got) != 1 || *got[0].Name != "edited" {
			t.Fatalf("pvcs = %v, want the edit", got)
		}
	})
}

// TestConversionReadsUpstreamPayloads feeds payloads in the forms Dynamo's operator writes
// (current envelopes, the earlier bare specs, raw records) and checks they are honoured.
func TestConversionReadsUpstreamPayloads(t *testing.T) {
	hub := betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "worker", ComponentType: "worker"})

	for name, payload := range map[string]string{
		"envelope":   `{"version":1,"spec":{"pvcs":[{"name":"models"}],"services":{"worker":{"dynamoNamespace":"dyn"}}}}`,
		"bare spec":  `{"pvcs":[{"name":"models"}],"services":{"worker":{"dynamoNamespace":"dyn"}}}`,
		"raw record": `{"version":1,"spec":{"pvcs":[{"name":"models"}],"services":{"worker":{"dynamoNamespace":"dyn"}}},"rawJSON":[{"path":"services/worker/eppConfig/config/plugins/0/parameters","nil":true}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			in := hub.DeepCopy()
			in.Annotations = map[string]string{dgdSpecKey: payload}
			got := fromHub(t, in)
			if len(got.Spec.PVCs) != 1 || *got.Spec.PVCs[0].Name != "models" || *got.Spec.Services["worker"].DynamoNamespace != "dyn" {
				t.Fatalf("payload not applied: %s", asJSON(got.Spec))
			}
		})
	}

	t.Run("a spec payload that does not parse is ignored", func(t *testing.T) {
		in := hub.DeepCopy()
		in.Annotations = map[string]string{dgdSpecKey: "not json"}
		if got := fromHub(t, in); got.Annotations[dgdSpecKey] != "" {
			t.Fatalf("annotations = %v", got.Annotations)
		}
	})
	t.Run("a status payload that does not parse is an error", func(t *testing.T) {
		in := hub.DeepCopy()
		in.Annotations = map[string]string{dgdStatusKey: "not json"}
		if err := (&nvidiav1alpha1.DynamoGraphDeployment{}).ConvertFrom(in); err == nil || !strings.Contains(err.Error(), dgdStatusKey) {
			t.Fatalf("err = %v, want an error naming %s", err, dgdStatusKey)
		}
	})
	t.Run("a status payload restores componentName", func(t *testing.T) {
		// Upstream: TestDGD_FromExistingHubStatusPreservationRestoresComponentName.
		in := hub.DeepCopy()
		in.Status.Components = map[string]nvidiav1beta1.ComponentReplicaStatus{"worker": {Replicas: 1, UpdatedReplicas: 1}}
		in.Annotations = map[string]string{dgdStatusKey: `{"services":{"worker":{"componentKind":"","componentName":"worker-current","replicas":0,"updatedReplicas":0}}}`}
		got := fromHub(t, in).Status.Services["worker"]
		if got.ComponentName != "worker-current" || len(got.ComponentNames) != 0 {
			t.Fatalf("status = %+v", got)
		}
	})
	t.Run("a DCD spec payload with the empty-serviceName record", func(t *testing.T) {
		in := &nvidiav1beta1.DynamoComponentDeployment{
			ObjectMeta: metav1.ObjectMeta{Name: "c", Annotations: map[string]string{dcdSpecKey: `{"version":1,"spec":{"dynamoNamespace":"dyn"},"rawJSON":[{"path":"serviceName","nil":true}]}`}},
			Spec:       nvidiav1beta1.DynamoComponentDeploymentSpec{DynamoComponentDeploymentSharedSpec: nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "c"}},
		}
		got := componentFromHub(t, in)
		if got.Spec.ServiceName != "" || got.Spec.DynamoNamespace == nil || *got.Spec.DynamoNamespace != "dyn" {
			t.Fatalf("spec = %s", asJSON(got.Spec))
		}
	})
}

// TestDGDDuplicateComponentNames reproduces upstream's TestDGD_ConvertFrom_DuplicateComponentNames.
func TestDGDDuplicateComponentNames(t *testing.T) {
	in := betaGraph(
		nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "frontend"},
		nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "frontend"},
	)
	err := (&nvidiav1alpha1.DynamoGraphDeployment{}).ConvertFrom(in)
	if err == nil || !strings.Contains(err.Error(), "duplicate component name") {
		t.Fatalf("err = %v, want a duplicate component name error", err)
	}
}

// TestDGDJSONRoundTripBytes reproduces upstream's TestDGD_JSONRoundTrip_Bytes: a v1beta1 graph
// comes back byte for byte.
func TestDGDJSONRoundTripBytes(t *testing.T) {
	src := betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
		ComponentName:    "worker",
		ComponentType:    "worker",
		Replicas:         ptr.To[int32](2),
		SharedMemorySize: ptr.To(q("4Gi")),
		ScalingAdapter:   &nvidiav1beta1.ScalingAdapter{},
		Experimental: &nvidiav1beta1.ExperimentalSpec{GPUMemoryService: &nvidiav1beta1.GPUMemoryServiceSpec{
			Mode: nvidiav1beta1.GMSModeIntraPod, DeviceClassName: "gpu.nvidia.com",
		}},
	})
	src.Spec.BackendFramework = "vllm"
	src.Spec.Env = []corev1.EnvVar{{Name: "FOO", Value: "bar"}}
	src.Spec.Restart = &nvidiav1beta1.Restart{ID: "r1"}
	want, _ := json.Marshal(src)
	got, _ := json.Marshal(toHub(t, fromHub(t, src)))
	if string(want) != string(got) {
		t.Fatalf("JSON changed:\nwant %s\n got %s", want, got)
	}
}

// TestDGDApplyIdempotence reproduces upstream's TestDGD_ApplyIdempotence_GenerationBump: the
// v1alpha1 form of a v1beta1 graph is reflect.DeepEqual to itself after a JSON round trip, so
// that re-applying the same v1beta1 object does not bump the generation.
func TestDGDApplyIdempotence(t *testing.T) {
	src := betaGraph(
		nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
			ComponentName:    "frontend",
			ComponentType:    "frontend",
			Replicas:         ptr.To[int32](1),
			FrontendSidecar:  ptr.To("sidecar-frontend"),
			SharedMemorySize: ptr.To(q("0")),
			PodTemplate: mainOf(
				corev1.Container{Name: "main", Image: "nvcr.io/nvidia/dynamo:latest"},
				corev1.Container{Name: "sidecar-frontend", Image: "nvcr.io/nvidia/dynamo-frontend:latest"},
			),
		},
		nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
			ComponentName: "worker",
			ComponentType: "worker",
			PodTemplate: mainOf(corev1.Container{Name: "main", Image: "nvcr.io/nvidia/dynamo:latest",
				Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": q("1")}}}),
		},
	)
	stored := fromHub(t, src)
	data, _ := json.Marshal(stored)
	var afterJSON nvidiav1alpha1.DynamoGraphDeployment
	if err := json.Unmarshal(data, &afterJSON); err != nil {
		t.Fatal(err)
	}
	again := fromHub(t, src)
	if !reflect.DeepEqual(afterJSON.Spec, again.Spec) || !reflect.DeepEqual(afterJSON.Annotations, again.Annotations) {
		t.Fatalf("a second conversion differs from the stored form:\n%s", cmp.Diff(afterJSON, *again))
	}
}

// TestDGDStatusGolden reproduces upstream's TestDGD_RoundTrip_Status, with Flotilla's
// clusterPlacement.
func TestDGDStatusGolden(t *testing.T) {
	now := metav1.NewTime(time.Unix(1_800_000_000, 0))
	later := metav1.NewTime(now.Add(time.Minute))
	src := betaGraph()
	src.Status = nvidiav1beta1.DynamoGraphDeploymentStatus{
		ObservedGeneration: 7,
		State:              "successful",
		Placement:          &nvidiav1beta1.PlacementStatus{Score: ptr.To(0.87), State: nvidiav1beta1.PlacementScoreReported},
		ClusterPlacement:   &flotillav1alpha1.GraphPlacementStatus{ReadyCopies: "2/2", Clusters: "eu-1,eu-2"},
		Conditions:         []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "all_resources_are_ready", LastTransitionTime: now}},
		Components: map[string]nvidiav1beta1.ComponentReplicaStatus{"worker": {
			ComponentKind: "Deployment", ComponentNames: []string{"dgd-worker-0", "dgd-worker-1"},
			RuntimeNamespace: "ns-status-worker", GPUsPerEngine: ptr.To[int64](2), GPUsPerReplica: ptr.To[int64](3),
			Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: ptr.To[int32](2), AvailableReplicas: ptr.To[int32](2),
		}},
		Restart:       &nvidiav1beta1.RestartStatus{ObservedID: "r-123", Phase: "Restarting", InProgress: []string{"worker"}},
		Checkpoints:   map[string]nvidiav1beta1.ComponentCheckpointStatus{"worker": {CheckpointName: "ckpt", CheckpointID: "id", IdentityHash: "sha256:x", Ready: true}},
		RollingUpdate: &nvidiav1beta1.RollingUpdateStatus{Phase: "InProgress", StartTime: &now, EndTime: &later, UpdatedComponents: []string{"worker"}},
	}
	alpha := fromHub(t, src)
	svc := alpha.Status.Services["worker"]
	if svc.ComponentName != "dgd-worker-1" || alpha.Status.RollingUpdate.UpdatedServices[0] != "worker" || alpha.Status.ClusterPlacement.Clusters != "eu-1,eu-2" {
		t.Fatalf("status = %s", asJSON(alpha.Status))
	}
	requireSemanticEqual(t, "round trip", src, toHub(t, alpha))
}

// TestUpstreamBugCases reproduces the concrete cases of upstream's *_bugs_test.go files and
// focused conversion tests.
func TestUpstreamBugCases(t *testing.T) {
	t.Run("TestBugDGD_ExplicitFalseForceScalingGroupRoundTrips", func(t *testing.T) {
		in := betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
			ComponentName: "worker", ComponentType: "worker",
			Experimental: &nvidiav1beta1.ExperimentalSpec{Grove: &nvidiav1beta1.GroveSpec{ForceScalingGroup: ptr.To(false)}},
		})
		requireSemanticEqual(t, "round trip", in, toHub(t, fromHub(t, in)))
	})
	t.Run("TestBugDGD_SpokeServiceAndExtraVolumeMountsCompose", func(t *testing.T) {
		in := alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{"worker": {
			ComponentType: "worker",
			VolumeMounts: []nvidiav1alpha1.VolumeMount{
				{Name: "model-cache", MountPoint: "/models", UseAsCompilationCache: true},
				{Name: "compile-cache", MountPoint: "/compile", UseAsCompilationCache: true},
			},
			ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{
				PodSpec:       &corev1.PodSpec{Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}}},
				MainContainer: &corev1.Container{VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/config"}}},
			},
		}})
		hub := toHub(t, in)
		main := hub.Spec.Components[0].PodTemplate.Spec.Containers[0]
		want := []corev1.VolumeMount{{Name: "config", MountPath: "/config"}, {Name: "model-cache", MountPath: "/models"}, {Name: "compile-cache", MountPath: "/compile"}}
		requireSemanticEqual(t, "main container mounts", want, main.VolumeMounts)
		requireSemanticEqual(t, "round trip", in, fromHub(t, hub))
	})
	t.Run("TestBugDGD_HubVolumeMountOrderWithCompilationCacheRoundTrip", func(t *testing.T) {
		in := betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
			ComponentName: "worker", ComponentType: "worker",
			CompilationCache: &nvidiav1beta1.CompilationCacheConfig{PVCName: "model-cache", MountPath: "/models"},
			PodTemplate: mainOf(corev1.Container{Name: "main", VolumeMounts: []corev1.VolumeMount{
				{Name: "config", MountPath: "/config", ReadOnly: true, SubPath: "settings"},
				{Name: "model-cache", MountPath: "/models"},
			}}),
		})
		requireSemanticEqual(t, "round trip", in, toHub(t, fromHub(t, in)))
	})
	t.Run("TestBugDCD_HubSidecarOnlyPodTemplateRoundTrips", func(t *testing.T) {
		in := &nvidiav1beta1.DynamoComponentDeployment{
			ObjectMeta: metav1.ObjectMeta{Name: "sidecar-only", Namespace: "ns"},
			Spec: nvidiav1beta1.DynamoComponentDeploymentSpec{DynamoComponentDeploymentSharedSpec: nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				ComponentName: "sidecar-only",
				PodTemplate: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"accelerator": "h100"},
					Containers:   []corev1.Container{{Name: "metrics", Image: "busybox:1.36", Args: []string{"sh", "-c", "sleep 3600"}}},
				}},
			}},
		}
		requireSemanticEqual(t, "round trip", in, componentToHub(t, componentFromHub(t, in)))
	})
	t.Run("TestBugDGD_HubEmptyPodTemplateRoundTrips", func(t *testing.T) {
		in := betaGraph(nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: "empty-pod-template", PodTemplate: &corev1.PodTemplateSpec{}})
		out := toHub(t, fromHub(t, in))
		if out.Spec.Components[0].PodTemplate == nil {
			t.Fatal("the empty pod template became absent")
		}
		requireSemanticEqual(t, "round trip", in, out)
	})
	t.Run("TestBugDGD_SpokeMainContainerNameOnlyRoundTrips", func(t *testing.T) {
		in := alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{"worker": {
			ComponentType: "worker",
			ExtraPodSpec:  &nvidiav1alpha1.ExtraPodSpec{MainContainer: &corev1.Container{Name: "main"}},
		}})
		out := fromHub(t, toHub(t, in))
		if got := out.Spec.Services["worker"].ExtraPodSpec; got == nil || got.MainContainer == nil || got.MainContainer.Name != "main" {
			t.Fatalf("extraPodSpec = %s", asJSON(got))
		}
	})
	t.Run("TestBugDGD_SpokeMultipleCompilationCacheVolumeMountsRoundTrip", func(t *testing.T) {
		in := alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{"worker": {
			ComponentType: "worker",
			VolumeMounts: []nvidiav1alpha1.VolumeMount{
				{Name: "model-cache", MountPoint: "/models", UseAsCompilationCache: true},
				{Name: "compile-cache", MountPoint: "/compile", UseAsCompilationCache: true},
			},
		}})
		hub := toHub(t, in)
		if cc := hub.Spec.Components[0].CompilationCache; cc == nil || cc.PVCName != "model-cache" || cc.MountPath != "/models" {
			t.Fatalf("compilationCache = %+v, want the first flagged mount", cc)
		}
		requireSemanticEqual(t, "round trip", in, fromHub(t, hub))
	})
	t.Run("TestBugDGD_ChangedCompilationCacheDoesNotRestoreStaleVolumeMounts", func(t *testing.T) {
		hub := toHub(t, alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{"worker": {
			ComponentType: "worker",
			VolumeMounts: []nvidiav1alpha1.VolumeMount{
				{Name: "model-cache", MountPoint: "/models", UseAsCompilationCache: true},
				{Name: "compile-cache", MountPoint: "/compile", UseAsCompilationCache: true},
			},
		}}))
		hub.Spec.Components[0].CompilationCache = &nvidiav1beta1.CompilationCacheConfig{PVCName: "new-cache", MountPath: "/new-cache"}
		want := []nvidiav1alpha1.VolumeMount{{Name: "new-cache", MountPoint: "/new-cache", UseAsCompilationCache: true}}
		requireSemanticEqual(t, "volume mounts", want, fromHub(t, hub).Spec.Services["worker"].VolumeMounts)
	})
	t.Run("TestDCD_RoundTrip_PodTemplateKeepsGeneratedMainMarker", func(t *testing.T) {
		in := &nvidiav1beta1.DynamoComponentDeployment{
			ObjectMeta: metav1.ObjectMeta{Name: "generated-main-marker", Namespace: "ns"},
			Spec: nvidiav1beta1.DynamoComponentDeploymentSpec{DynamoComponentDeploymentSharedSpec: nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				ComponentName:   "generated-main-marker",
				FrontendSidecar: ptr.To("sidecar-frontend"),
				PodTemplate:     mainOf(corev1.Container{Name: "main"}, corev1.Container{Name: "sidecar-frontend", Image: "frontend:v1"}),
			}},
		}
		spoke := componentFromHub(t, in)
		payload := specPayload(t, spoke.Annotations, dcdSpecKey)
		containers := payload["spec"].(map[string]any)["podTemplate"].(map[string]any)["spec"].(map[string]any)["containers"]
		if !strings.Contains(asJSON(containers), `{"name":"main","resources":{}}`) {
			t.Fatalf("expected a name-only main marker in %s", asJSON(containers))
		}
		requireSemanticEqual(t, "round trip", in, componentToHub(t, spoke))
	})
	t.Run("TestDCD_RoundTrip_CompilationCacheWithoutGeneratedMountKeepsMarker", func(t *testing.T) {
		in := &nvidiav1beta1.DynamoComponentDeployment{
			ObjectMeta: metav1.ObjectMeta{Name: "cc", Namespace: "ns"},
			Spec: nvidiav1beta1.DynamoComponentDeploymentSpec{DynamoComponentDeploymentSharedSpec: nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				ComponentName:    "cc",
				CompilationCache: &nvidiav1beta1.CompilationCacheConfig{PVCName: "cache-pvc", MountPath: "/opt/cache"},
				PodTemplate: mainOf(corev1.Container{Name: "main", ReadinessProbe: &corev1.Probe{
					ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"ready"}}},
				}}),
			}},
		}
		requireSemanticEqual(t, "round trip", in, componentToHub(t, componentFromHub(t, in)))
	})
	t.Run("TestDCD_ExperimentalModeValuesAreValidForIntermediateVersion", func(t *testing.T) {
		alpha := &nvidiav1alpha1.DynamoComponentDeployment{Spec: nvidiav1alpha1.DynamoComponentDeploymentSpec{
			DynamoComponentDeploymentSharedSpec: nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				GPUMemoryService: &nvidiav1alpha1.GPUMemoryServiceSpec{Enabled: true, Mode: nvidiav1alpha1.GPUMemoryServiceModeInterPod},
				Failover:         &nvidiav1alpha1.FailoverSpec{Enabled: true, Mode: nvidiav1alpha1.GPUMemoryServiceModeIntraPod},
				Checkpoint:       &nvidiav1alpha1.ServiceCheckpointConfig{Enabled: true, Mode: nvidiav1alpha1.CheckpointModeManual},
			},
		}}
		exp := componentToHub(t, alpha).Spec.Experimental
		if exp.GPUMemoryService.Mode != nvidiav1beta1.GMSModeInterPod || exp.Failover.Mode != nvidiav1beta1.GMSModeIntraPod || exp.Checkpoint.Mode != nvidiav1beta1.CheckpointModeManual {
			t.Fatalf("experimental = %s", asJSON(exp))
		}
		back := componentFromHub(t, componentToHub(t, alpha)).Spec
		if back.GPUMemoryService.Mode != nvidiav1alpha1.GPUMemoryServiceModeInterPod || back.Failover.Mode != nvidiav1alpha1.GPUMemoryServiceModeIntraPod {
			t.Fatalf("gpuMemoryService.mode = %q", back.GPUMemoryService.Mode)
		}
	})
	t.Run("TestDGD_FromV1alpha1_UnrepresentableResourcesRoundTrip", func(t *testing.T) {
		in := alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{"worker": {
			ComponentType: "worker",
			Resources: &nvidiav1alpha1.Resources{
				Requests: &nvidiav1alpha1.ResourceItem{CPU: "not-a-quantity"},
				Claims:   []corev1.ResourceClaim{{Name: "gpu-claim", Request: "gpu"}},
			},
		}})
		requireSemanticEqual(t, "round trip", in, fromHub(t, toHub(t, in)))
	})
	t.Run("TestDGD_FromV1alpha1_DisabledExperimental", func(t *testing.T) {
		in := alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{"worker": {
			ComponentType:    "worker",
			GPUMemoryService: &nvidiav1alpha1.GPUMemoryServiceSpec{Mode: nvidiav1alpha1.GPUMemoryServiceModeIntraPod, DeviceClassName: "gpu.nvidia.com"},
			Failover:         &nvidiav1alpha1.FailoverSpec{Mode: nvidiav1alpha1.GPUMemoryServiceModeIntraPod, NumShadows: 1},
			Checkpoint:       &nvidiav1alpha1.ServiceCheckpointConfig{Mode: nvidiav1alpha1.CheckpointModeAuto, CheckpointRef: ptr.To("my-ckpt")},
			ScalingAdapter:   &nvidiav1alpha1.ScalingAdapter{},
		}})
		hub := toHub(t, in)
		c := hub.Spec.Components[0]
		if c.ScalingAdapter != nil || c.Experimental == nil || c.Experimental.GPUMemoryService != nil || c.Experimental.Failover != nil || c.Experimental.Checkpoint == nil || c.Experimental.Checkpoint.Enabled {
			t.Fatalf("disabled features: %s", asJSON(c))
		}
		requireSemanticEqual(t, "round trip", in, fromHub(t, hub))
	})
	t.Run("TestDGD_RoundTrip_ComponentGroups and the disabled group adapter", func(t *testing.T) {
		in := alphaGraph(map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{"worker": {ComponentType: "worker"}})
		in.Spec.Experimental = &nvidiav1alpha1.DynamoGraphDeploymentExperimentalSpec{ComponentGroups: []nvidiav1alpha1.ComponentGroupSpec{
			{Name: "on", Replicas: 2, ScalingAdapter: &nvidiav1alpha1.ScalingAdapter{Enabled: true}, Components: []nvidiav1alpha1.ComponentGroupComponentSpec{{Name: "worker"}}},
			{Name: "off", Replicas: 1, ScalingAdapter: &nvidiav1alpha1.ScalingAdapter{}, Components: []nvidiav1alpha1.ComponentGroupComponentSpec{{Name: "worker"}}},
		}}
		groups := toHub(t, in).Spec.Experimental.ComponentGroups
		if groups[0].ScalingAdapter == nil || groups[1].ScalingAdapter != nil {
			t.Fatalf("component groups = %s", asJSON(groups))
		}
		// Upstream documents this loss: the disabled adapter comes back absent.
		if got := fromHub(t, toHub(t, in)).Spec.Experimental.ComponentGroups[1].ScalingAdapter; got != nil {
			t.Fatalf("disabled group adapter came back as %+v, want absent", got)
		}
	})
	t.Run("TestDGD_PrimePVCBindingsConvertExactlyOnce", func(t *testing.T) {
		services := map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{}
		for name, paths := range map[string][]string{"Frontend": {"/model-cache"}, "VllmPrefillWorker": {"/model-cache", "/data"}, "VllmDecodeWorker": {"/model-cache", "/data"}} {
			var mounts []corev1.VolumeMount
			for _, p := range paths {
				mounts = append(mounts, corev1.VolumeMount{Name: "model-cache", MountPath: p})
			}
			services[name] = &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				ComponentType: "worker",
				ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{
					PodSpec: &corev1.PodSpec{Volumes: []corev1.Volume{{Name: "model-cache", VolumeSource: corev1.VolumeSource{
						PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "model-cache"},
					}}}},
					MainContainer: &corev1.Container{VolumeMounts: mounts},
				},
			}
		}
		in := alphaGraph(services)
		in.Spec.PVCs = []nvidiav1alpha1.PVC{{Name: ptr.To("model-cache"), Create: ptr.To(false)}}
		for _, c := range toHub(t, in).Spec.Components {
			main := c.PodTemplate.Spec.Containers[0]
			requireSemanticEqual(t, c.ComponentName+" mounts", services[c.ComponentName].ExtraPodSpec.MainContainer.VolumeMounts, main.VolumeMounts)
			if len(c.PodTemplate.Spec.Volumes) != 1 {
				t.Fatalf("%s volumes = %s", c.ComponentName, asJSON(c.PodTemplate.Spec.Volumes))
			}
		}
	})
	t.Run("TestDynamoSidecarConversion", func(t *testing.T) {
		for _, name := range []*string{nil, ptr.To("dynamo"), ptr.To("")} {
			component := nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				ComponentName: "worker", ComponentType: "worker", DynamoSidecar: name,
				PodTemplate: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					Containers:     []corev1.Container{{Name: "main", Image: "engine:latest"}},
					InitContainers: []corev1.Container{{Name: "dynamo", Image: "runtime:1.5.0", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)}},
				}},
			}
			spoke := fromHub(t, betaGraph(component))
			spoke.Spec.Services["worker"].ExtraPodSpec.PodSpec.InitContainers[0].Image = "runtime:1.6.0"
			restored := toHub(t, spoke).Spec.Components[0]
			if !reflect.DeepEqual(name, restored.DynamoSidecar) || restored.PodTemplate.Spec.InitContainers[0].Image != "runtime:1.6.0" {
				t.Fatalf("dynamoSidecar %v: got %s", name, asJSON(restored))
			}
			// Removing the component in v1alpha1 does not bring it back.
			delete(spoke.Spec.Services, "worker")
			if got := toHub(t, spoke).Spec.Components; len(got) != 0 {
				t.Fatalf("a deleted component came back: %s", asJSON(got))
			}
		}
	})
}
