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

package inventory_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/agent/inventory"
)

// container requests and limits nvidia.com/gpu (0 = not set) and some CPU.
func container(request, limit int64) corev1.Container {
	c := corev1.Container{Resources: corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
		Limits:   corev1.ResourceList{},
	}}
	if request > 0 {
		c.Resources.Requests[gpu] = *resource.NewQuantity(request, resource.DecimalSI)
	}
	if limit > 0 {
		c.Resources.Limits[gpu] = *resource.NewQuantity(limit, resource.DecimalSI)
	}
	return c
}

func sidecar(request int64) corev1.Container {
	c := container(request, request)
	c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
	return c
}

func TestPodGPURequests(t *testing.T) {
	cases := []struct {
		name       string
		containers []corev1.Container
		init       []corev1.Container
		want       map[string]int64
	}{{
		name:       "no GPU",
		containers: []corev1.Container{container(0, 0)},
		want:       map[string]int64{},
	}, {
		name:       "containers add up",
		containers: []corev1.Container{container(2, 2), container(1, 1), container(0, 0)},
		want:       gpus(3),
	}, {
		name:       "a limit alone counts, the larger of request and limit counts",
		containers: []corev1.Container{container(0, 2), container(1, 3)},
		want:       gpus(5),
	}, {
		name:       "an init container larger than the containers sets the request",
		containers: []corev1.Container{container(2, 2)},
		init:       []corev1.Container{container(4, 4), container(1, 1)},
		want:       gpus(4),
	}, {
		name:       "init containers smaller than the containers do not add",
		containers: []corev1.Container{container(4, 4)},
		init:       []corev1.Container{container(2, 2), container(3, 3)},
		want:       gpus(4),
	}, {
		name:       "sidecars add to the containers",
		containers: []corev1.Container{container(4, 4)},
		init:       []corev1.Container{sidecar(1)},
		want:       gpus(5),
	}, {
		name:       "an init container after a sidecar runs beside it",
		containers: []corev1.Container{container(1, 1)},
		init:       []corev1.Container{sidecar(2), container(5, 5)},
		want:       gpus(7),
	}, {
		name:       "an init container before a sidecar runs alone",
		containers: []corev1.Container{container(1, 1)},
		init:       []corev1.Container{container(5, 5), sidecar(2)},
		want:       gpus(5),
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: tc.containers, InitContainers: tc.init}}
			got := inventory.PodGPURequests(pod, []string{gpu, mig})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PodGPURequests() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNodeSchedulable(t *testing.T) {
	ready := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue}
	notReady := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionFalse}
	pressure := corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}
	taint := func(key string, effect corev1.TaintEffect) corev1.Taint {
		return corev1.Taint{Key: key, Value: "x", Effect: effect}
	}
	const ignored = "kwok.x-k8s.io/node"
	cases := []struct {
		name          string
		unschedulable bool
		conditions    []corev1.NodeCondition
		taints        []corev1.Taint
		want          bool
	}{
		{name: "ready", conditions: []corev1.NodeCondition{pressure, ready}, want: true},
		{name: "cordoned", unschedulable: true, conditions: []corev1.NodeCondition{ready}},
		{name: "not ready", conditions: []corev1.NodeCondition{notReady}},
		{name: "no Ready condition", conditions: []corev1.NodeCondition{pressure}},
		{name: "NoSchedule taint", conditions: []corev1.NodeCondition{ready},
			taints: []corev1.Taint{taint("maintenance", corev1.TaintEffectNoSchedule)}},
		{name: "NoExecute taint", conditions: []corev1.NodeCondition{ready},
			taints: []corev1.Taint{taint("maintenance", corev1.TaintEffectNoExecute)}},
		{name: "PreferNoSchedule taint", conditions: []corev1.NodeCondition{ready},
			taints: []corev1.Taint{taint("maintenance", corev1.TaintEffectPreferNoSchedule)}, want: true},
		{name: "ignored taint key", conditions: []corev1.NodeCondition{ready},
			taints: []corev1.Taint{taint(ignored, corev1.TaintEffectNoSchedule)}, want: true},
		{name: "ignored and other taint", conditions: []corev1.NodeCondition{ready},
			taints: []corev1.Taint{taint(ignored, corev1.TaintEffectNoSchedule),
				taint("nvidia.com/gpu", corev1.TaintEffectNoSchedule)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := &corev1.Node{
				Spec:   corev1.NodeSpec{Unschedulable: tc.unschedulable, Taints: tc.taints},
				Status: corev1.NodeStatus{Conditions: tc.conditions},
			}
			if got := inventory.NodeSchedulable(n, []string{ignored}); got != tc.want {
				t.Errorf("NodeSchedulable() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPodTerminated(t *testing.T) {
	for phase, want := range map[corev1.PodPhase]bool{
		corev1.PodPending: false, corev1.PodRunning: false, corev1.PodUnknown: false,
		corev1.PodSucceeded: true, corev1.PodFailed: true,
	} {
		if got := inventory.PodTerminated(&corev1.Pod{Status: corev1.PodStatus{Phase: phase}}); got != want {
			t.Errorf("PodTerminated(%s) = %v, want %v", phase, got, want)
		}
	}
}
