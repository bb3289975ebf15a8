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

package graph

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// TestDesiredRecords builds the records of a graph written in v1alpha1 (read in v1beta1, as the
// API stores it) on two members and checks what they carry, and that a record read back from the
// API is up to date.
func TestDesiredRecords(t *testing.T) {
	dgd := &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "llama", UID: "uid"}}
	dgd.Spec.Labels = map[string]string{"team": "inference"}
	dgd.Spec.Envs = []corev1.EnvVar{{Name: "A", Value: "graph"}}
	dgd.Spec.Services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
		"Frontend": {
			ComponentType: "frontend", DynamoNamespace: ptr.To("llama"),
			Ingress:      &nvidiav1alpha1.IngressSpec{Enabled: true, Host: "llama"},
			ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{MainContainer: &corev1.Container{Image: "runtime:1"}},
		},
		"Worker": {
			ComponentType: "worker", Replicas: ptr.To[int32](2),
			Resources:    &nvidiav1alpha1.Resources{Limits: &nvidiav1alpha1.ResourceItem{GPU: "1"}},
			ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{MainContainer: &corev1.Container{Image: "runtime:1"}},
		},
		"Planner": {ComponentType: "planner"},
	}
	hub := &nvidiav1beta1.DynamoGraphDeployment{}
	if err := dgd.ConvertTo(hub); err != nil {
		t.Fatal(err)
	}
	components, err := memberComponents(hub)
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := nvidiav1beta1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	d := &placement.Decision{Copies: []placement.CopyPlacement{
		{Index: 0, Member: "east", Namespace: "team-a"}, {Index: 1}, {Index: 2, Member: "west", Namespace: "dynamo"},
	}}
	recs, err := desiredRecords(hub, components, d, scheme)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rec := range recs {
		names = append(names, rec.Name)
	}
	want := []string{"llama-frontend-0-east", "llama-planner-0-east", "llama-worker-0-east",
		"llama-frontend-2-west", "llama-planner-2-west", "llama-worker-2-west"}
	if len(names) != len(want) {
		t.Fatalf("records = %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("records = %v, want %v", names, want)
		}
	}
	for _, rec := range recs {
		if rec.Namespace != "team-a" || !metav1.IsControlledBy(rec, hub) {
			t.Errorf("%s: namespace %s, owners %v", rec.Name, rec.Namespace, rec.OwnerReferences)
		}
		if ref := metav1.GetControllerOf(rec); ref == nil || ref.APIVersion != nvidiav1beta1.GroupVersion.String() || ref.Kind != "DynamoGraphDeployment" {
			t.Errorf("%s: controller %+v, want the graph in nvidia.com/v1beta1", rec.Name, ref)
		}
		if rec.Labels[flotillav1alpha1.LabelHubRecord] != "true" || rec.Labels[nvidiav1beta1.LabelGraphName] != "llama" ||
			rec.Labels[nvidiav1beta1.LabelDynamoNamespace] != "llama" || rec.Labels["team"] != "inference" {
			t.Errorf("%s: labels %v", rec.Name, rec.Labels)
		}
		alpha := nvidiav1alpha1.PreservedDCDSpec(rec)
		if alpha == nil || ptr.Deref(alpha.DynamoNamespace, "") != "llama" {
			t.Errorf("%s: payload %v, want dynamoNamespace llama", rec.Name, rec.Annotations["nvidia.com/dcd-spec"])
		}
		if main := mainContainer(rec); main == nil || len(main.Env) != 1 {
			t.Errorf("%s: main container %+v, want the graph's env", rec.Name, main)
		}
		if rec.APIVersion != nvidiav1beta1.GroupVersion.String() {
			t.Errorf("%s: apiVersion %s", rec.Name, rec.APIVersion)
		}
	}
	frontend := recs[0]
	if frontend.Annotations[flotillav1alpha1.AnnotationMemberName] != "llama-frontend" ||
		frontend.Annotations[flotillav1alpha1.AnnotationMemberNamespace] != "team-a" {
		t.Errorf("frontend annotations = %v", frontend.Annotations)
	}
	if alpha := nvidiav1alpha1.PreservedDCDSpec(frontend); alpha == nil || alpha.Ingress == nil || alpha.Ingress.Host != "llama" {
		t.Errorf("frontend payload = %v: v1alpha1-only fields must reach the record", frontend.Annotations["nvidia.com/dcd-spec"])
	}
	if recs[3].Annotations[flotillav1alpha1.AnnotationMemberNamespace] != "dynamo" {
		t.Errorf("west frontend annotations = %v", recs[3].Annotations)
	}

	// Read back as the API stores it, every record is up to date; an out-of-date payload is not.
	for _, rec := range recs {
		data, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		stored := &nvidiav1beta1.DynamoComponentDeployment{}
		if err := json.Unmarshal(data, stored); err != nil {
			t.Fatal(err)
		}
		stored.Annotations["example.com/other"] = "x"
		if !upToDate(stored, rec) {
			t.Errorf("%s: a stored copy of the record is not up to date", rec.Name)
		}
		stale := stored.DeepCopy()
		stale.Annotations["nvidia.com/dcd-spec"] = `{"version":1,"spec":{}}`
		if rec.Annotations["nvidia.com/dcd-spec"] == stale.Annotations["nvidia.com/dcd-spec"] || upToDate(stale, rec) {
			t.Errorf("%s: a record with another payload is up to date", rec.Name)
		}
	}
}

// mainContainer returns the main container of a record's pod template, nil when it has none.
func mainContainer(rec *nvidiav1beta1.DynamoComponentDeployment) *corev1.Container {
	if rec.Spec.PodTemplate == nil {
		return nil
	}
	for i := range rec.Spec.PodTemplate.Spec.Containers {
		if c := &rec.Spec.PodTemplate.Spec.Containers[i]; c.Name == nvidiav1beta1.MainContainerName {
			return c
		}
	}
	return nil
}

// TestRecordsOwnedInV1Alpha1 checks that a record written while the hub wrote v1alpha1, whose
// owner reference names the graph in nvidia.com/v1alpha1, is still the graph's (matched by UID),
// and that it is out of date until applied again with the graph named in v1beta1.
func TestRecordsOwnedInV1Alpha1(t *testing.T) {
	dgd := &nvidiav1beta1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "llama", UID: "uid"}}
	dgd.Spec.Components = []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{{ComponentName: "worker"}}
	components, err := memberComponents(dgd)
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := nvidiav1beta1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	d := &placement.Decision{Copies: []placement.CopyPlacement{{Index: 0, Member: "east", Namespace: "team-a"}}}
	desired, err := desiredRecords(dgd, components, d, scheme)
	if err != nil || len(desired) != 1 {
		t.Fatalf("desiredRecords = %v, %v", desired, err)
	}

	old := desired[0].DeepCopy()
	old.OwnerReferences[0].APIVersion = "nvidia.com/v1alpha1"
	other := desired[0].DeepCopy()
	other.Name, other.OwnerReferences[0].UID = "other", "other-uid"
	grouped := groupRecords(dgd, []nvidiav1beta1.DynamoComponentDeployment{*old, *other})
	if len(grouped[0]) != 1 || grouped[0][old.Name] == nil {
		t.Fatalf("grouped records = %v, want the record owned in v1alpha1 alone", grouped)
	}
	if upToDate(old, desired[0]) {
		t.Error("a record naming its graph in v1alpha1 is up to date")
	}
	if !upToDate(desired[0].DeepCopy(), desired[0]) {
		t.Error("a record naming its graph in v1beta1 is not up to date")
	}
}
