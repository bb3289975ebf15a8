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

package placement_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

func TestReasonString(t *testing.T) {
	svc := &placement.ServiceDemand{Name: "VllmWorker", GPUsPerPod: 8, ResourceName: "nvidia.com/gpu", Products: []string{h100}}
	three := &placement.ServiceDemand{Name: "W", GPUsPerPod: 1, ResourceName: "amd.com/gpu", Products: []string{"A", "B", "C"}}
	anyGPU := &placement.ServiceDemand{Name: "W", GPUsPerPod: 2, ResourceName: "nvidia.com/gpu"}
	tests := []struct {
		reason placement.Reason
		want   string
	}{
		{placement.Reason{}, ""},
		{placement.TextReason("custom"), "custom"},
		{placement.Reason{Kind: placement.ReasonNotJoined}, "not joined"},
		{placement.Reason{Kind: placement.ReasonAgentNotReady}, "agent not ready"},
		{placement.Reason{Kind: placement.ReasonCordoned}, "cordoned"},
		{placement.Reason{Kind: placement.ReasonTainted, Taint: &corev1.Taint{Key: "maintenance", Effect: corev1.TaintEffectNoSchedule}}, "tainted NoSchedule (maintenance)"},
		{placement.Reason{Kind: placement.ReasonTainted}, "tainted"},
		{placement.Reason{Kind: placement.ReasonClusterSelector}, "excluded by clusterSelector"},
		{placement.Reason{Kind: placement.ReasonMissingLabel, Text: regionKey}, "missing label " + regionKey},
		{placement.Reason{Kind: placement.ReasonExcluded}, "excluded by request"},
		{placement.Reason{Kind: placement.ReasonExcluded, Text: "name taken"}, "name taken"},
		{placement.Reason{Kind: placement.ReasonMovingOff, Copy: 1}, "copy 1 is moving off this cluster"},
		{placement.Reason{Kind: placement.ReasonGone}, "no longer in the fleet"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: svc, Need: 2, Have: 1}, "needs 2 nodes with ≥8 free " + h100 + " for VllmWorker, has 1"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: three, Need: 1}, "needs 1 node with ≥1 free A, B or C (amd.com/gpu) for W, has 0"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: anyGPU, Need: 3, Have: 2}, "needs 3 nodes with ≥2 free GPUs for W, has 2"},
		{placement.Reason{Kind: placement.ReasonSpreadConflict, Text: "region", Value: "us-east", Copy: 0}, "spreadBy: region us-east already holds copy 0"},
		{placement.Reason{Kind: placement.ReasonDuplicate, Copy: 2}, "already holds copy 2"},
		{placement.Reason{Kind: placement.ReasonLowerScore, Score: -3}, "fits, ranked below the chosen clusters (score -3)"},
		{placement.Reason{Kind: placement.ReasonNotEvaluated}, "not evaluated: every copy is placed"},
		{placement.Reason{Kind: placement.ReasonChosen, Copy: 0}, "holds copy 0"},
	}
	for _, tt := range tests {
		if got := tt.reason.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.reason, got, tt.want)
		}
	}
	if placement.Evict.String() != "Evict" || placement.Code(9).String() != "Code(9)" {
		t.Error("Code.String")
	}
}
