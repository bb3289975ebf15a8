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

package component

import (
	"errors"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

func TestChanged(t *testing.T) {
	base := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "w", ResourceVersion: "1", Labels: map[string]string{"a": "1"}},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](1)},
	}
	tests := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   bool
	}{
		{"same resourceVersion", func(*appsv1.Deployment) {}, false},
		{"only status moved on", func(d *appsv1.Deployment) {
			d.ResourceVersion = "2"
			d.Status.ReadyReplicas = 1
		}, false},
		{"label changed", func(d *appsv1.Deployment) {
			d.ResourceVersion = "2"
			d.Labels = map[string]string{"a": "2"}
		}, true},
		{"spec changed", func(d *appsv1.Deployment) {
			d.ResourceVersion = "2"
			d.Spec.Replicas = ptr.To[int32](3)
		}, true},
		{"owner added", func(d *appsv1.Deployment) {
			d.ResourceVersion = "2"
			d.OwnerReferences = []metav1.OwnerReference{{Name: "dcd", Controller: ptr.To(true)}}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := base.DeepCopy()
			tt.mutate(after)
			if got := changed(base, after); got != tt.want {
				t.Errorf("changed = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestStatefulSetsReplicaStatus sums three replicas of leader and worker StatefulSets: one all
// ready, one whose worker is starting, one whose worker set could not be read (not counted).
func TestStatefulSetsReplicaStatus(t *testing.T) {
	set := func(name, replica string, pods, generation, observed, updated, ready, available int32) *appsv1.StatefulSet {
		return &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: name, Generation: int64(generation), Labels: map[string]string{workload.LabelMultinodeReplica: replica}},
			Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To(pods)},
			Status: appsv1.StatefulSetStatus{ObservedGeneration: int64(observed), UpdatedReplicas: updated,
				ReadyReplicas: ready, AvailableReplicas: available},
		}
	}
	desired := []*appsv1.StatefulSet{
		set("w-0", "0", 1, 0, 0, 0, 0, 0), set("w-0-0", "0", 3, 0, 0, 0, 0, 0),
		set("w-1", "1", 1, 0, 0, 0, 0, 0), set("w-1-0", "1", 3, 0, 0, 0, 0, 0),
		set("w-2", "2", 1, 0, 0, 0, 0, 0), set("w-2-0", "2", 3, 0, 0, 0, 0, 0),
	}
	got := statefulSetsReplicaStatus(desired, []*appsv1.StatefulSet{
		set("w-0", "0", 1, 2, 2, 1, 1, 1), set("w-0-0", "0", 3, 2, 2, 3, 3, 3),
		set("w-1", "1", 1, 1, 1, 1, 1, 1), set("w-1-0", "1", 3, 1, 1, 3, 2, 2),
		set("w-2", "2", 1, 1, 1, 1, 1, 1), nil,
	})
	want := &nvidiav1beta1.ComponentReplicaStatus{
		ComponentKind: "StatefulSet", ComponentNames: []string{"w-0"},
		Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: ptr.To[int32](1), AvailableReplicas: ptr.To[int32](1),
	}
	if *got.ReadyReplicas != *want.ReadyReplicas || *got.AvailableReplicas != *want.AvailableReplicas ||
		got.Replicas != want.Replicas || got.UpdatedReplicas != want.UpdatedReplicas ||
		got.ComponentKind != want.ComponentKind || !slices.Equal(got.ComponentNames, want.ComponentNames) {
		t.Errorf("got %+v (ready %d, available %d), want %+v", *got, *got.ReadyReplicas, *got.AvailableReplicas, *want)
	}
}

func TestDeploymentReplicaStatus(t *testing.T) {
	d := &appsv1.Deployment{Status: appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 1}}
	got := deploymentReplicaStatus("w", d)
	if got.ComponentKind != "Deployment" || !slices.Equal(got.ComponentNames, []string{"w"}) || got.Replicas != 2 ||
		got.UpdatedReplicas != 2 || ptr.Deref(got.ReadyReplicas, -1) != 1 || ptr.Deref(got.AvailableReplicas, -1) != 1 {
		t.Errorf("got %+v, want Deployment w with 2 replicas, 1 ready and available", *got)
	}
	if unread := deploymentReplicaStatus("w", nil); unread.Replicas != 0 || unread.ReadyReplicas != nil || !slices.Equal(unread.ComponentNames, []string{"w"}) {
		t.Errorf("got %+v for a Deployment not read, want only its kind and name", *unread)
	}
}

func TestApplyErrorMessage(t *testing.T) {
	invalid := apierrors.NewInvalid(schema.GroupKind{Group: "apps", Kind: "Deployment"}, "w", field.ErrorList{
		field.NotSupported(field.NewPath("spec", "template", "spec", "restartPolicy"), "Never", []string{"Always"}),
	})
	got := applyErrorMessage(&applyError{kind: workload.KindDeployment, name: "w", err: invalid})
	if got != invalid.Error() {
		t.Errorf("message = %q, want the apiserver's %q", got, invalid.Error())
	}
	plain := &applyError{kind: workload.KindService, name: "w", err: errors.New("connection refused")}
	if got := applyErrorMessage(plain); got != "applying Service w: connection refused" {
		t.Errorf("message = %q", got)
	}
}

func TestSetNotAvailableRecordsOnlyChanges(t *testing.T) {
	recorder := events.NewFakeRecorder(8)
	r := &Reconciler{Recorder: recorder}
	dcd := &nvidiav1beta1.DynamoComponentDeployment{ObjectMeta: metav1.ObjectMeta{Name: "w", Generation: 3}}

	r.setNotAvailable(dcd, ReasonApplyFailed, "refused")
	first := *meta.FindStatusCondition(dcd.Status.Conditions, nvidiav1beta1.ConditionAvailable)
	r.setNotAvailable(dcd, ReasonApplyFailed, "refused")
	if n := len(recorder.Events); n != 1 {
		t.Fatalf("%d events for one failure retried, want 1", n)
	}
	r.setNotAvailable(dcd, ReasonApplyFailed, "refused again")
	if n := len(recorder.Events); n != 2 {
		t.Fatalf("%d events after the message changed, want 2", n)
	}
	for _, typ := range []string{nvidiav1beta1.ConditionAvailable, nvidiav1beta1.ConditionComponentReady} {
		c := meta.FindStatusCondition(dcd.Status.Conditions, typ)
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != ReasonApplyFailed || c.ObservedGeneration != 3 {
			t.Errorf("condition %s = %+v", typ, c)
		}
	}
	if c := meta.FindStatusCondition(dcd.Status.Conditions, nvidiav1beta1.ConditionAvailable); !c.LastTransitionTime.Equal(&first.LastTransitionTime) {
		t.Error("lastTransitionTime moved without a status change")
	}
	if dcd.Status.ObservedGeneration != 3 {
		t.Errorf("observedGeneration = %d, want 3", dcd.Status.ObservedGeneration)
	}
	if got := <-recorder.Events; got != corev1.EventTypeWarning+" "+ReasonApplyFailed+" refused" {
		t.Errorf("event %q", got)
	}
}
