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

package ssa

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
)

func TestConfigurationClaimsOnlyWhatIsSet(t *testing.T) {
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "ns"},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)},
		Status:     appsv1.DeploymentStatus{Replicas: 5},
	}
	u, err := Configuration(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Object["status"]; ok {
		t.Error("status is applied")
	}
	for _, path := range [][]string{
		{"metadata", "creationTimestamp"},
		{"spec", "template", "metadata", "creationTimestamp"},
	} {
		if _, found, _ := unstructured.NestedFieldNoCopy(u.Object, path...); found {
			t.Errorf("%v is applied as null", path)
		}
	}
	if got, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas"); got != 2 {
		t.Errorf("spec.replicas = %d, want 2", got)
	}
	if u.GetAPIVersion() != "apps/v1" || u.GetKind() != "Deployment" {
		t.Errorf("TypeMeta = %s %s", u.GetAPIVersion(), u.GetKind())
	}
}

func TestUnchanged(t *testing.T) {
	desired := func() *appsv1.Deployment {
		return &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "ns", Labels: map[string]string{"app": "w"}},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](2),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "i:1"}}}},
			},
		}
	}
	config, err := Configuration(desired())
	if err != nil {
		t.Fatal(err)
	}
	// As stored: no type meta (a cache's typed object), the API server's defaults and metadata.
	stored := func() *appsv1.Deployment {
		d := desired()
		d.TypeMeta = metav1.TypeMeta{}
		d.UID, d.ResourceVersion, d.Generation = "u", "7", 3
		d.Labels["added-by-someone"] = "x"
		d.Spec.RevisionHistoryLimit = ptr.To[int32](10)
		d.Spec.Template.Spec.Containers[0].TerminationMessagePath = "/dev/termination-log"
		d.Status.Replicas = 2
		return d
	}
	for name, tc := range map[string]struct {
		edit func(*appsv1.Deployment)
		want bool
	}{
		"as applied, with defaults": {func(*appsv1.Deployment) {}, true},
		"replicas drifted":          {func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](1) }, false},
		"image drifted":             {func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "i:2" }, false},
		"a label removed":           {func(d *appsv1.Deployment) { delete(d.Labels, "app") }, false},
		"a container added": {func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "x"})
		}, false},
	} {
		live := stored()
		tc.edit(live)
		got, err := Unchanged(live, config)
		if err != nil || got != tc.want {
			t.Errorf("%s: Unchanged = %v, %v; want %v", name, got, err, tc.want)
		}
	}
}
