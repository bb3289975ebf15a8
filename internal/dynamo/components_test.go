package dynamo_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
)

func TestComponentDeployment(t *testing.T) {
	dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
	dgd.Name = "vllm-agg"
	dgd.Spec.BackendFramework = "vllm"
	dgd.Spec.Labels = map[string]string{"team": "inference"}
	dgd.Spec.Envs = []corev1.EnvVar{{Name: "B", Value: "graph"}, {Name: "A", Value: "graph"}}
	dgd.Spec.Services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
		"Frontend":         {ComponentType: "frontend"},
		"VllmDecodeWorker": {ComponentType: "worker", Envs: []corev1.EnvVar{{Name: "B", Value: "service"}}},
	}

	dcd, err := dynamo.ComponentDeployment(dgd, "VllmDecodeWorker", "team-a")
	if err != nil {
		t.Fatal(err)
	}
	if dcd.Name != "vllm-agg-vllmdecodeworker" || dcd.Namespace != "team-a" {
		t.Errorf("name = %s/%s, want team-a/vllm-agg-vllmdecodeworker", dcd.Namespace, dcd.Name)
	}
	wantLabels := map[string]string{
		"team":                              "inference",
		nvidiav1alpha1.LabelComponent:       "VllmDecodeWorker",
		nvidiav1alpha1.LabelDynamoNamespace: "dynamo-vllm-agg",
		nvidiav1alpha1.LabelGraphName:       "vllm-agg",
	}
	for k, v := range wantLabels {
		if dcd.Labels[k] != v || dcd.Spec.Labels[k] != v {
			t.Errorf("label %s = %q (metadata) / %q (spec), want %q", k, dcd.Labels[k], dcd.Spec.Labels[k], v)
		}
	}
	if dcd.Spec.BackendFramework != "vllm" || dcd.Spec.ServiceName != "VllmDecodeWorker" ||
		ptr.Deref(dcd.Spec.DynamoNamespace, "") != "dynamo-vllm-agg" {
		t.Errorf("spec = %+v", dcd.Spec)
	}
	wantEnv := []corev1.EnvVar{{Name: "A", Value: "graph"}, {Name: "B", Value: "service"}}
	if len(dcd.Spec.Envs) != 2 || dcd.Spec.Envs[0] != wantEnv[0] || dcd.Spec.Envs[1] != wantEnv[1] {
		t.Errorf("envs = %v, want %v", dcd.Spec.Envs, wantEnv)
	}
	if dgd.Spec.Services["VllmDecodeWorker"].Labels != nil {
		t.Error("the graph was modified")
	}

	if _, err := dynamo.ComponentDeployment(dgd, "Missing", "team-a"); err == nil {
		t.Error("a missing service gave no error")
	}
}

func TestDynamoNamespaceTakesTheServicesOwn(t *testing.T) {
	dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
	dgd.Name = "g"
	dgd.Spec.Services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
		"A": {}, "B": {DynamoNamespace: ptr.To("shared")},
	}
	if got := dynamo.Namespace(dgd); got != "shared" {
		t.Errorf("Namespace = %q, want shared", got)
	}
}
