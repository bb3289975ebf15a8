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

package membercluster_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/hub/membercluster"
)

func TestPlacementChanged(t *testing.T) {
	base := &flotillav1alpha1.MemberCluster{Status: flotillav1alpha1.MemberClusterStatus{
		MultinodeRuntime: flotillav1alpha1.MultinodeRuntimeStatefulSet,
		GPUs:             []flotillav1alpha1.GPUPool{{ResourceName: "nvidia.com/gpu", Total: 8, Free: 8}},
	}}
	for _, tc := range []struct {
		name   string
		change func(*flotillav1alpha1.MemberCluster)
		want   bool
	}{
		{"nothing", func(*flotillav1alpha1.MemberCluster) {}, false},
		{"free GPUs only", func(mc *flotillav1alpha1.MemberCluster) { mc.Status.GPUs[0].Free = 4 }, false},
		{"inventory time only", func(mc *flotillav1alpha1.MemberCluster) { mc.Status.InventoryTime = &metav1.Time{Time: time.Now()} }, false},
		{"multinode runtime", func(mc *flotillav1alpha1.MemberCluster) {
			mc.Status.MultinodeRuntime = flotillav1alpha1.MultinodeRuntimeLeaderWorkerSet
		}, true},
		{"label", func(mc *flotillav1alpha1.MemberCluster) { mc.Labels = map[string]string{"region": "eu"} }, true},
		{"cordon", func(mc *flotillav1alpha1.MemberCluster) { mc.Spec.Unschedulable = true }, true},
		{"namespace restriction", func(mc *flotillav1alpha1.MemberCluster) { mc.Status.NamespaceRestriction = "team-a" }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := base.DeepCopy()
			tc.change(cur)
			if got := membercluster.PlacementChanged(base, cur); got != tc.want {
				t.Errorf("PlacementChanged = %v, want %v", got, tc.want)
			}
		})
	}
}
