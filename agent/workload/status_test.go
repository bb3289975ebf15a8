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
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flotilla-dev/flotilla/agent/workload"
)

// deployment returns a Deployment of generation 2 whose status is set by the options.
func deployment(opts ...func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Generation: 2},
		Status: appsv1.DeploymentStatus{
			ObservedGeneration: 2, UpdatedReplicas: 3, AvailableReplicas: 3, ReadyReplicas: 3,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// TestDeploymentAvailable checks Dynamo's readiness rule for Deployments.
func TestDeploymentAvailable(t *testing.T) {
	tests := []struct {
		name        string
		d           *appsv1.Deployment
		desired     int32
		wantReady   bool
		wantMessage string
	}{
		{name: "rolled out and available", d: deployment(), desired: 3, wantReady: true, wantMessage: "Deployment is ready"},
		{name: "missing", d: nil, desired: 1, wantMessage: "does not exist"},
		{name: "paused", d: deployment(func(d *appsv1.Deployment) { d.Spec.Paused = true }), desired: 3, wantMessage: "paused"},
		{name: "paused with zero replicas", d: deployment(func(d *appsv1.Deployment) { d.Spec.Paused = true }), desired: 0, wantMessage: "paused"},
		{name: "zero replicas", d: deployment(func(d *appsv1.Deployment) { d.Status = appsv1.DeploymentStatus{} }), desired: 0, wantReady: true, wantMessage: "Deployment is ready"},
		{name: "generation not observed", d: deployment(func(d *appsv1.Deployment) { d.Generation = 3 }), desired: 3, wantMessage: "generation 3 not observed"},
		{name: "not all updated", d: deployment(func(d *appsv1.Deployment) { d.Status.UpdatedReplicas = 2 }), desired: 3, wantMessage: "2/3 replicas updated"},
		{name: "not all available", d: deployment(func(d *appsv1.Deployment) { d.Status.AvailableReplicas = 1 }), desired: 3, wantMessage: "1/3 replicas available"},
		{name: "more desired than the Deployment has", d: deployment(), desired: 4, wantMessage: "3/4 replicas available"},
		{name: "Available condition false", d: deployment(func(d *appsv1.Deployment) { d.Status.Conditions[0].Status = corev1.ConditionFalse }), desired: 3, wantMessage: "condition Available is not True"},
		{name: "no Available condition", d: deployment(func(d *appsv1.Deployment) { d.Status.Conditions = nil }), desired: 3, wantMessage: "condition Available is not True"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready, reason, message := workload.DeploymentAvailable(tt.d, tt.desired)
			wantEqual(t, "ready", ready, tt.wantReady)
			wantReason := workload.ReasonDeploymentNotReady
			if tt.wantReady {
				wantReason = workload.ReasonDeploymentReady
			}
			wantEqual(t, "reason", reason, wantReason)
			if !strings.Contains(message, tt.wantMessage) {
				t.Errorf("message %q, want it to contain %q", message, tt.wantMessage)
			}
		})
	}
}

// statefulSet returns a StatefulSet of two pods, all ready, named name.
func statefulSet(name string, opts ...func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	two := int32(2)
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1},
		Spec:       appsv1.StatefulSetSpec{Replicas: &two},
		Status: appsv1.StatefulSetStatus{
			ObservedGeneration: 1, Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, UpdatedReplicas: 2,
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// TestStatefulSetsAvailable checks the readiness rule for the StatefulSets of a multinode
// component.
func TestStatefulSetsAvailable(t *testing.T) {
	tests := []struct {
		name        string
		sets        []*appsv1.StatefulSet
		desired     int32
		wantReady   bool
		wantMessage string
	}{
		{name: "all ready", sets: []*appsv1.StatefulSet{statefulSet("w-0"), statefulSet("w-1")}, desired: 2, wantReady: true, wantMessage: "All StatefulSets are ready"},
		{name: "zero replicas", desired: 0, wantReady: true, wantMessage: "All StatefulSets are ready"},
		{name: "one missing", sets: []*appsv1.StatefulSet{statefulSet("w-0"), nil}, desired: 2, wantMessage: "1/2 StatefulSets exist"},
		{
			name: "a pod not ready", desired: 2,
			sets: []*appsv1.StatefulSet{statefulSet("w-0"), statefulSet("w-1", func(s *appsv1.StatefulSet) {
				s.Status.ReadyReplicas, s.Status.AvailableReplicas = 1, 1
			})},
			wantMessage: "w-1: 1/2 pods ready, 1/2 pods available",
		},
		{
			name: "a rollout in progress", desired: 1,
			sets: []*appsv1.StatefulSet{statefulSet("w-0", func(s *appsv1.StatefulSet) {
				s.Generation = 2
				s.Status.UpdatedReplicas = 0
			})},
			wantMessage: "w-0: generation 2 not observed yet (observed 1), 0/2 pods updated",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready, reason, message := workload.StatefulSetsAvailable(tt.sets, tt.desired)
			wantEqual(t, "ready", ready, tt.wantReady)
			wantReason := workload.ReasonSomeStatefulSetsNotReady
			if tt.wantReady {
				wantReason = workload.ReasonAllStatefulSetsReady
			}
			wantEqual(t, "reason", reason, wantReason)
			if !strings.Contains(message, tt.wantMessage) {
				t.Errorf("message %q, want it to contain %q", message, tt.wantMessage)
			}
		})
	}
}
