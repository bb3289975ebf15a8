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

package dynamo

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

var restartComponents = []string{"Frontend", "Decode", "Prefill"}

// restarting is the status of restart r2 with inProgress restarting.
func restarting(inProgress ...string) *nvidiav1beta1.RestartStatus {
	return &nvidiav1beta1.RestartStatus{ObservedID: "r2", Phase: nvidiav1beta1.RestartPhaseRestarting, InProgress: inProgress}
}

func completed(id string) *nvidiav1beta1.RestartStatus {
	return &nvidiav1beta1.RestartStatus{ObservedID: id, Phase: nvidiav1beta1.RestartPhaseCompleted}
}

func doneOnly(names ...string) func(string) bool {
	return func(c string) bool { return slices.Contains(names, c) }
}

func TestPlanRestart(t *testing.T) {
	sequential := &nvidiav1beta1.Restart{ID: "r2"}
	ordered := &nvidiav1beta1.Restart{ID: "r2", Strategy: &nvidiav1beta1.RestartStrategy{
		Type: nvidiav1beta1.RestartStrategySequential, Order: []string{"Prefill", "Decode", "Frontend"},
	}}
	parallel := &nvidiav1beta1.Restart{ID: "r2", Strategy: &nvidiav1beta1.RestartStrategy{Type: nvidiav1beta1.RestartStrategyParallel}}
	before := map[string]string{"Frontend": "r1", "Decode": "r1", "Prefill": "r1"}

	for _, tc := range []struct {
		name            string
		restart         *nvidiav1beta1.Restart
		status          *nvidiav1beta1.RestartStatus
		current         map[string]string
		done            func(string) bool
		wantStatus      *nvidiav1beta1.RestartStatus
		wantAnnotations map[string]string
	}{
		{
			name:    "no restart requested: nothing written, earlier values kept",
			current: map[string]string{"Decode": "r1"}, done: doneOnly(),
			wantAnnotations: map[string]string{"Decode": "r1"},
		},
		{
			name:    "a new id starts a sequential restart with the first component by name",
			restart: sequential, status: completed("r1"), current: before, done: doneOnly(restartComponents...),
			wantStatus:      restarting("Decode"),
			wantAnnotations: map[string]string{"Decode": "r2", "Frontend": "r1", "Prefill": "r1"},
		},
		{
			name:    "sequential: the component in progress is not done yet",
			restart: sequential, status: restarting("Decode"), current: before, done: doneOnly("Frontend", "Prefill"),
			wantStatus:      restarting("Decode"),
			wantAnnotations: map[string]string{"Decode": "r2", "Frontend": "r1", "Prefill": "r1"},
		},
		{
			name:    "sequential: a done component hands over to the next one only, even if that one looks done",
			restart: sequential, status: restarting("Decode"), current: before, done: doneOnly(restartComponents...),
			wantStatus:      restarting("Frontend"),
			wantAnnotations: map[string]string{"Decode": "r2", "Frontend": "r2", "Prefill": "r1"},
		},
		{
			name:    "sequential: the last one done completes the restart, and every component keeps the id",
			restart: sequential, status: restarting("Prefill"), current: map[string]string{"Decode": "r2", "Frontend": "r2", "Prefill": "r2"},
			done:            doneOnly(restartComponents...),
			wantStatus:      completed("r2"),
			wantAnnotations: map[string]string{"Decode": "r2", "Frontend": "r2", "Prefill": "r2"},
		},
		{
			name:    "sequential with an order: it starts with the order's first",
			restart: ordered, current: nil, done: doneOnly(),
			wantStatus:      restarting("Prefill"),
			wantAnnotations: map[string]string{"Prefill": "r2"},
		},
		{
			name:    "sequential with an order: earlier components of the order keep the new id",
			restart: ordered, status: restarting("Decode"), current: map[string]string{"Prefill": "r2"}, done: doneOnly(),
			wantStatus:      restarting("Decode"),
			wantAnnotations: map[string]string{"Prefill": "r2", "Decode": "r2"},
		},
		{
			name:    "a component in progress that left the graph restarts the sequence from the first",
			restart: ordered, status: restarting("Gone"), done: doneOnly(),
			wantStatus:      restarting("Prefill"),
			wantAnnotations: map[string]string{"Prefill": "r2"},
		},
		{
			name:    "parallel: every component at once",
			restart: parallel, status: completed("r1"), current: before, done: doneOnly(restartComponents...),
			wantStatus:      restarting("Decode", "Frontend", "Prefill"),
			wantAnnotations: map[string]string{"Decode": "r2", "Frontend": "r2", "Prefill": "r2"},
		},
		{
			name:    "parallel: done components leave the list",
			restart: parallel, status: restarting("Decode", "Frontend", "Prefill"), done: doneOnly("Frontend"),
			wantStatus:      restarting("Decode", "Prefill"),
			wantAnnotations: map[string]string{"Decode": "r2", "Frontend": "r2", "Prefill": "r2"},
		},
		{
			name:    "parallel: all done completes it",
			restart: parallel, status: restarting("Decode"), done: doneOnly("Decode"),
			wantStatus:      completed("r2"),
			wantAnnotations: map[string]string{"Decode": "r2", "Frontend": "r2", "Prefill": "r2"},
		},
		{
			name:    "a completed restart stays completed",
			restart: sequential, status: completed("r2"), done: doneOnly(),
			wantStatus:      completed("r2"),
			wantAnnotations: map[string]string{"Decode": "r2", "Frontend": "r2", "Prefill": "r2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status := tc.status.DeepCopy()
			got := PlanRestart(tc.restart, tc.status, restartComponents, tc.current, tc.done)
			if diff := cmp.Diff(tc.wantStatus, got.Status); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantAnnotations, got.Annotations); diff != "" {
				t.Errorf("annotations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(status, tc.status); diff != "" {
				t.Errorf("PlanRestart changed the status it was given (-before +after):\n%s", diff)
			}
		})
	}
}
