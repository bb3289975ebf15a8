package dynamo_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
	"github.com/flotilla-dev/flotilla/test/manifests"
)

// toHub converts a graph written in v1alpha1, as the API serves it, to v1beta1.
func toHub(t *testing.T, dgd *nvidiav1alpha1.DynamoGraphDeployment) *nvidiav1beta1.DynamoGraphDeployment {
	t.Helper()
	hub := &nvidiav1beta1.DynamoGraphDeployment{}
	if err := dgd.DeepCopy().ConvertTo(hub); err != nil {
		t.Fatal(err)
	}
	return hub
}

// mainContainer returns the container named main of a component's pod template.
func mainContainer(t *testing.T, spec *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) corev1.Container {
	t.Helper()
	if spec.PodTemplate == nil {
		t.Fatal("no pod template")
	}
	for _, c := range spec.PodTemplate.Spec.Containers {
		if c.Name == nvidiav1beta1.MainContainerName {
			return c
		}
	}
	t.Fatal("no main container")
	return corev1.Container{}
}

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
	hub := toHub(t, dgd)
	before := hub.DeepCopy()

	dcd, err := dynamo.ComponentDeployment(hub, "VllmDecodeWorker", "team-a")
	if err != nil {
		t.Fatal(err)
	}
	if dcd.Name != "vllm-agg-vllmdecodeworker" || dcd.Namespace != "team-a" {
		t.Errorf("name = %s/%s, want team-a/vllm-agg-vllmdecodeworker", dcd.Namespace, dcd.Name)
	}
	if dcd.APIVersion != nvidiav1beta1.GroupVersion.String() || dcd.Kind != "DynamoComponentDeployment" {
		t.Errorf("type = %s %s", dcd.APIVersion, dcd.Kind)
	}
	wantLabels := map[string]string{
		"team":                             "inference",
		nvidiav1beta1.LabelComponent:       "VllmDecodeWorker",
		nvidiav1beta1.LabelDynamoNamespace: "dynamo-vllm-agg",
		nvidiav1beta1.LabelGraphName:       "vllm-agg",
	}
	if !reflect.DeepEqual(dcd.Labels, wantLabels) {
		t.Errorf("labels = %v, want %v", dcd.Labels, wantLabels)
	}
	// The graph's labels reach the pods through the pod template, as upstream propagates them;
	// Dynamo's own labels stay on the DCD.
	if got := dcd.Spec.PodTemplate.Labels; !reflect.DeepEqual(got, map[string]string{"team": "inference"}) {
		t.Errorf("pod template labels = %v", got)
	}
	if dcd.Spec.BackendFramework != "vllm" || dcd.Spec.ComponentName != "VllmDecodeWorker" || dcd.Spec.ComponentType != nvidiav1beta1.ComponentTypeWorker {
		t.Errorf("spec = %+v", dcd.Spec)
	}
	wantEnv := []corev1.EnvVar{{Name: "A", Value: "graph"}, {Name: "B", Value: "service"}}
	if got := mainContainer(t, &dcd.Spec.DynamoComponentDeploymentSharedSpec).Env; !reflect.DeepEqual(got, wantEnv) {
		t.Errorf("env = %v, want %v", got, wantEnv)
	}
	if !reflect.DeepEqual(before, hub) {
		t.Error("the graph was modified")
	}

	// In v1alpha1, as the hub writes it: the Dynamo namespace written out, the envs merged.
	alpha, err := dynamo.ToV1Alpha1(dcd)
	if err != nil {
		t.Fatal(err)
	}
	if alpha.Spec.BackendFramework != "vllm" || alpha.Spec.ServiceName != "VllmDecodeWorker" ||
		ptr.Deref(alpha.Spec.DynamoNamespace, "") != "dynamo-vllm-agg" || alpha.Spec.ComponentType != "worker" {
		t.Errorf("v1alpha1 spec = %+v", alpha.Spec)
	}
	if !reflect.DeepEqual(alpha.Spec.Envs, wantEnv) {
		t.Errorf("v1alpha1 envs = %v, want %v", alpha.Spec.Envs, wantEnv)
	}
	if alpha.Spec.ExtraPodMetadata == nil || alpha.Spec.ExtraPodMetadata.Labels["team"] != "inference" {
		t.Errorf("v1alpha1 extraPodMetadata = %+v, want the graph's labels", alpha.Spec.ExtraPodMetadata)
	}
	if alpha.APIVersion != nvidiav1alpha1.GroupVersion.String() || alpha.Kind != "DynamoComponentDeployment" {
		t.Errorf("v1alpha1 type = %s %s", alpha.APIVersion, alpha.Kind)
	}

	if _, err := dynamo.ComponentDeployment(hub, "Missing", "team-a"); err == nil {
		t.Error("a missing component gave no error")
	}
}

func TestDynamoNamespaceTakesTheServicesOwn(t *testing.T) {
	dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
	dgd.Name = "g"
	dgd.Spec.Services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
		"A": {}, "B": {DynamoNamespace: ptr.To("shared")},
	}
	if got := dynamo.Namespace(toHub(t, dgd)); got != "shared" {
		t.Errorf("Namespace = %q, want shared", got)
	}
	dgd.Spec.Services["B"].DynamoNamespace = nil
	if got := dynamo.Namespace(toHub(t, dgd)); got != "dynamo-g" {
		t.Errorf("Namespace = %q, want dynamo-g", got)
	}
}

// TestAlphaOnlyFieldsReachTheMember checks that what only v1alpha1 can say travels from the
// graph to the DCD a member receives.
func TestAlphaOnlyFieldsReachTheMember(t *testing.T) {
	dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
	dgd.Name = "g"
	dgd.Spec.Services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
		"Frontend": {
			ComponentType:   "frontend",
			DynamoNamespace: ptr.To("shared"),
			Annotations:     map[string]string{"svc-annotation": "1"},
			Labels:          map[string]string{"svc-label": "1"},
			Ingress:         &nvidiav1alpha1.IngressSpec{Enabled: true, Host: "llm"},
			ExtraPodSpec:    &nvidiav1alpha1.ExtraPodSpec{MainContainer: &corev1.Container{Image: "runtime:1"}},
		},
	}
	dcd, err := dynamo.ComponentDeployment(toHub(t, dgd), "Frontend", "ns")
	if err != nil {
		t.Fatal(err)
	}
	if dcd.Annotations["nvidia.com/dcd-spec"] == "" {
		t.Errorf("the DCD carries no nvidia.com/dcd-spec payload: %v", dcd.Annotations)
	}
	// Upstream propagates the service's own v1alpha1 metadata into the pod template.
	if dcd.Spec.PodTemplate.Labels["svc-label"] != "1" || dcd.Spec.PodTemplate.Annotations["svc-annotation"] != "1" {
		t.Errorf("pod template metadata = %+v", dcd.Spec.PodTemplate.ObjectMeta)
	}
	alpha, err := dynamo.ToV1Alpha1(dcd)
	if err != nil {
		t.Fatal(err)
	}
	s := alpha.Spec
	if ptr.Deref(s.DynamoNamespace, "") != "shared" || s.Ingress == nil || !s.Ingress.Enabled || s.Ingress.Host != "llm" ||
		s.Labels["svc-label"] != "1" || s.Annotations["svc-annotation"] != "1" {
		t.Errorf("v1alpha1 spec lost v1alpha1-only fields: %+v", s)
	}
	if s.ExtraPodSpec == nil || s.ExtraPodSpec.MainContainer == nil || s.ExtraPodSpec.MainContainer.Image != "runtime:1" {
		t.Errorf("v1alpha1 extraPodSpec = %+v", s.ExtraPodSpec)
	}
	back, err := dynamo.AlphaComponentDeployment(dgd, "Frontend", "ns")
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(back, alpha) {
		t.Errorf("AlphaComponentDeployment differs from ComponentDeployment converted:\n%+v\n%+v", back, alpha)
	}
}

func TestGraphMetadataPropagation(t *testing.T) {
	dgd := &nvidiav1beta1.DynamoGraphDeployment{}
	dgd.Name = "g"
	dgd.Annotations = map[string]string{
		"nvidia.com/enable-metrics":             "false",
		"nvidia.com/dynamo-kube-discovery-mode": "container",
		"unrelated":                             "x",
	}
	dgd.Spec.Annotations = map[string]string{"graph-annotation": "graph", "shared": "graph"}
	dgd.Spec.Labels = map[string]string{"graph-label": "graph", "shared": "graph"}
	dgd.Spec.Components = []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
		{ComponentName: "Plain"},
		{ComponentName: "Own", PodTemplate: &corev1.PodTemplateSpec{}},
	}
	dgd.Spec.Components[1].PodTemplate.Labels = map[string]string{"shared": "own"}
	dgd.Spec.Components[1].PodTemplate.Annotations = map[string]string{"shared": "own", "nvidia.com/enable-metrics": "true"}
	dgd.Spec.Components[1].PodTemplate.Spec.Containers = []corev1.Container{{Name: "main", Image: "runtime:1"}}

	dcds, err := dynamo.ComponentDeployments(dgd, "ns")
	if err != nil {
		t.Fatal(err)
	}
	if len(dcds) != 2 || dcds[0].Spec.ComponentName != "Plain" || dcds[1].Spec.ComponentName != "Own" {
		t.Fatalf("ComponentDeployments = %v, want Plain and Own in spec order", dcds)
	}
	plain := dcds[0].Spec.PodTemplate
	wantAnnotations := map[string]string{
		"graph-annotation": "graph", "shared": "graph",
		"nvidia.com/enable-metrics": "false", "nvidia.com/dynamo-kube-discovery-mode": "container",
	}
	if plain == nil || !reflect.DeepEqual(plain.Annotations, wantAnnotations) ||
		!reflect.DeepEqual(plain.Labels, map[string]string{"graph-label": "graph", "shared": "graph"}) {
		t.Errorf("Plain's pod template = %+v", plain)
	}
	own := dcds[1].Spec.PodTemplate
	if own.Labels["shared"] != "own" || own.Annotations["shared"] != "own" || own.Annotations["nvidia.com/enable-metrics"] != "true" ||
		own.Labels["graph-label"] != "graph" {
		t.Errorf("Own's pod template = %+v: its own metadata must win", own.ObjectMeta)
	}
	// The pod template's labels are the DCD's too, under Dynamo's.
	if dcds[1].Labels["shared"] != "own" || dcds[1].Labels[nvidiav1beta1.LabelComponent] != "Own" {
		t.Errorf("Own's labels = %v", dcds[1].Labels)
	}
}

func TestNoPodTemplateWhenNothingGoesInIt(t *testing.T) {
	dgd := &nvidiav1beta1.DynamoGraphDeployment{}
	dgd.Name = "g"
	dgd.Spec.Components = []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{ComponentName: "Planner", Replicas: ptr.To[int32](2)}}
	dcd, err := dynamo.ComponentDeployment(dgd, "Planner", "ns")
	if err != nil {
		t.Fatal(err)
	}
	if dcd.Spec.PodTemplate != nil {
		t.Errorf("pod template = %+v, want none", dcd.Spec.PodTemplate)
	}
	if ptr.Deref(dcd.Spec.Replicas, 0) != 2 {
		t.Errorf("replicas = %v", dcd.Spec.Replicas)
	}
}

func TestMergeEnvs(t *testing.T) {
	if got := dynamo.MergeEnvs(nil, nil); got != nil {
		t.Errorf("MergeEnvs(nil, nil) = %v", got)
	}
	got := dynamo.MergeEnvs([]corev1.EnvVar{{Name: "Z", Value: "g"}, {Name: "A", Value: "g"}}, []corev1.EnvVar{{Name: "A", Value: "c"}})
	want := []corev1.EnvVar{{Name: "A", Value: "c"}, {Name: "Z", Value: "g"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MergeEnvs = %v, want %v", got, want)
	}
}

// TestExampleRecordsAreStable builds the v1alpha1 DCD of every service of every example graph
// twice, through JSON as the API stores it, and through v1beta1 as an API server storing v1beta1
// converts it: the hub compares what it would write with what is stored, so the result must not
// change, whatever the map orders and whichever version is stored.
func TestExampleRecordsAreStable(t *testing.T) {
	docs, err := manifests.ReadDir(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, doc := range docs {
		if doc.Object.GetKind() != "DynamoGraphDeployment" || doc.Object.GetAPIVersion() != nvidiav1alpha1.GroupVersion.String() {
			continue
		}
		var dgd nvidiav1alpha1.DynamoGraphDeployment
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object.Object, &dgd); err != nil {
			t.Fatalf("%s: %v", doc.File, err)
		}
		for service := range dgd.Spec.Services {
			seen++
			first, err := dynamo.AlphaComponentDeployment(&dgd, service, "ns")
			if err != nil {
				t.Errorf("%s/%s: %v", dgd.Name, service, err)
				continue
			}
			again, err := dynamo.AlphaComponentDeployment(&dgd, service, "ns")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(first.Annotations, again.Annotations) || !equality.Semantic.DeepEqual(first.Spec, again.Spec) {
				t.Errorf("%s/%s: two builds differ", dgd.Name, service)
			}
			data, err := json.Marshal(first)
			if err != nil {
				t.Fatal(err)
			}
			stored := &nvidiav1alpha1.DynamoComponentDeployment{}
			if err := json.Unmarshal(data, stored); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(first.Annotations, stored.Annotations) || !equality.Semantic.DeepEqual(first.Spec, stored.Spec) {
				t.Errorf("%s/%s: the DCD changes through JSON:\n%+v\n%+v", dgd.Name, service, first.Spec, stored.Spec)
			}
			hub := &nvidiav1beta1.DynamoComponentDeployment{}
			if err := stored.ConvertTo(hub); err != nil {
				t.Fatal(err)
			}
			if data, err = json.Marshal(hub); err != nil {
				t.Fatal(err)
			}
			hub = &nvidiav1beta1.DynamoComponentDeployment{}
			if err := json.Unmarshal(data, hub); err != nil {
				t.Fatal(err)
			}
			back := &nvidiav1alpha1.DynamoComponentDeployment{}
			if err := back.ConvertFrom(hub); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(first.Annotations, back.Annotations) || !equality.Semantic.DeepEqual(first.Spec, back.Spec) {
				t.Errorf("%s/%s: the DCD changes when stored in v1beta1:\n%+v\n%+v", dgd.Name, service, first, back)
			}
			if ptr.Deref(first.Spec.DynamoNamespace, "") == "" || first.Spec.ServiceName != service {
				t.Errorf("%s/%s: dynamoNamespace %v, serviceName %q", dgd.Name, service, first.Spec.DynamoNamespace, first.Spec.ServiceName)
			}
		}
	}
	if seen < 10 {
		t.Errorf("only %d services in the example graphs", seen)
	}
}

// TestComponentLabelsWinOverTheGraphs checks upstream's precedence on the DCD's labels: a
// service's own label wins over the graph's spec.labels of the same key, and Dynamo's labels
// win over both.
func TestComponentLabelsWinOverTheGraphs(t *testing.T) {
	dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
	dgd.Name = "g"
	dgd.Spec.Labels = map[string]string{"tier": "graph", "team": "inference", "nvidia.com/dynamo-component": "graph"}
	dgd.Spec.Services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
		"Worker": {ComponentType: "worker", Labels: map[string]string{"tier": "service"}},
	}
	dcd, err := dynamo.ComponentDeployment(toHub(t, dgd), "Worker", "team-a")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tier": "service", "team": "inference", "nvidia.com/dynamo-component": "Worker"}
	for k, v := range want {
		if dcd.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, dcd.Labels[k], v)
		}
	}
}

// TestGlobalDynamoNamespace checks that a component with globalDynamoNamespace is in Dynamo's
// global namespace, on its labels and in what reaches the member, while the graph's other
// components keep the graph's.
func TestGlobalDynamoNamespace(t *testing.T) {
	dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
	dgd.Name = "g"
	dgd.Spec.Services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
		"Frontend": {ComponentType: "frontend", GlobalDynamoNamespace: true},
		"Worker":   {ComponentType: "worker"},
	}
	hub := toHub(t, dgd)
	for component, want := range map[string]string{"Frontend": dynamo.GlobalDynamoNamespace, "Worker": "dynamo-g"} {
		dcd, err := dynamo.ComponentDeployment(hub, component, "team-a")
		if err != nil {
			t.Fatal(err)
		}
		if got := dcd.Labels[nvidiav1beta1.LabelDynamoNamespace]; got != want {
			t.Errorf("%s: Dynamo namespace label = %q, want %q", component, got, want)
		}
		alpha, err := dynamo.ToV1Alpha1(dcd)
		if err != nil {
			t.Fatal(err)
		}
		if got := ptr.Deref(alpha.Spec.DynamoNamespace, ""); got != want {
			t.Errorf("%s: dynamoNamespace reaching the member = %q, want %q", component, got, want)
		}
	}
}
