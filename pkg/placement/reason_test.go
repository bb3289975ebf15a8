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
	// The units of a shortfall: pods of a single-node service, nodes of one multinode replica,
	// replicas of several.
	pods := &placement.ServiceDemand{Name: "VllmWorker", Replicas: 3, NodesPerReplica: 1, GPUsPerPod: 8, ResourceName: "nvidia.com/gpu"}
	onePod := &placement.ServiceDemand{Name: "Prefill", Replicas: 1, NodesPerReplica: 1, GPUsPerPod: 2, ResourceName: "nvidia.com/gpu", Products: []string{h100}}
	replica := &placement.ServiceDemand{Name: "Sglang", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 8, ResourceName: "nvidia.com/gpu", Products: []string{h100}}
	replicaAny := &placement.ServiceDemand{Name: "Sglang", Replicas: 1, NodesPerReplica: 2, GPUsPerPod: 8, ResourceName: "nvidia.com/gpu"}
	replicas := &placement.ServiceDemand{Name: "Sglang", Replicas: 2, NodesPerReplica: 2, GPUsPerPod: 8, ResourceName: "nvidia.com/gpu", Products: []string{h100, h200}}
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
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: svc, Need: 2, Have: 1}, "needs room for 2 pods of 8 " + h100 + " for VllmWorker, has room for 1"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: three, Need: 1}, "needs 1 node with ≥1 free A, B or C (amd.com/gpu) for W, has 0"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: anyGPU, Need: 3, Have: 2}, "needs room for 3 pods of 2 GPUs for W, has room for 2"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: pods, Need: 3}, "needs room for 3 pods of 8 GPUs for VllmWorker, has room for none"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: onePod, Need: 1, Shared: true}, "needs 1 node with ≥2 free " + h100 + " for Prefill, has 0 left by the other services"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: replica, Need: 2, Have: 1}, "needs 2 nodes with ≥8 free " + h100 + " for Sglang, has 1"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: replicaAny, Need: 2, Have: 1}, "needs 2 nodes with ≥8 free GPUs of one product for Sglang, has 1"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Service: replicas, Need: 2, Have: 1, Shared: true}, "needs room for 2 replicas of 2 nodes with ≥8 free " + h100 + " or " + h200 + " of one product for Sglang, has room for 1 left by the other services"},
		{placement.Reason{Kind: placement.ReasonInsufficientGPUs, Need: 4, Have: 1}, "needs 4 pods, has 1"},
		{placement.Reason{Kind: placement.ReasonSpreadConflict, Text: "region", Value: "us-east", Copy: 0}, "spreadBy: region us-east already holds copy 0"},
		{placement.Reason{Kind: placement.ReasonDuplicate, Copy: 2}, "already holds copy 2"},
		{placement.Reason{Kind: placement.ReasonLowerScore, Score: -3}, "fits, ranked below the chosen clusters (score -3)"},
		{placement.Reason{Kind: placement.ReasonNotEvaluated}, "not evaluated: every copy is placed"},
		{placement.Reason{Kind: placement.ReasonChosen, Copy: 0}, "holds copy 0"},
		{placement.Reason{Kind: placement.ReasonNoFit}, "fits no cluster"},
		{placement.Reason{Kind: placement.ReasonFitsTaken, Have: 1}, "the cluster it fits holds an earlier copy"},
		{placement.Reason{Kind: placement.ReasonFitsTaken, Have: 2}, "the 2 clusters it fits hold earlier copies"},
		{placement.Reason{Kind: placement.ReasonSpreadTaken, Text: "region", Have: 1}, "the cluster it fits shares its region with another copy"},
		{placement.Reason{Kind: placement.ReasonSpreadTaken, Text: "region", Have: 3}, "the 3 clusters it fits share their region values with other copies"},
		{placement.Reason{Kind: placement.ReasonNoMemberLeft, Have: 2}, "every cluster holds a copy"},
		{placement.Reason{Kind: placement.ReasonNoMemberLeft}, "the fleet has no clusters"},
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
