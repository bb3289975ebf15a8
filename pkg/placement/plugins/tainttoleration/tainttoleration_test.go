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

package tainttoleration

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

func TestFilter(t *testing.T) {
	noSchedule := corev1.Taint{Key: "maintenance", Effect: corev1.TaintEffectNoSchedule}
	noExecute := corev1.Taint{Key: "gpu", Value: "broken", Effect: corev1.TaintEffectNoExecute}
	prefer := corev1.Taint{Key: "spot", Effect: corev1.TaintEffectPreferNoSchedule}
	tests := []struct {
		name        string
		taints      []corev1.Taint
		tolerations []corev1.Toleration
		code        placement.Code
		reason      string
	}{
		{"no taints", nil, nil, placement.Success, ""},
		{"PreferNoSchedule does not filter", []corev1.Taint{prefer}, nil, placement.Success, ""},
		{"NoSchedule", []corev1.Taint{noSchedule}, nil, placement.Unschedulable, "tainted NoSchedule (maintenance)"},
		{"NoExecute evicts, even after a NoSchedule", []corev1.Taint{noSchedule, noExecute}, nil, placement.Evict, "tainted NoExecute (gpu=broken)"},
		{"Exists tolerates", []corev1.Taint{noSchedule},
			[]corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpExists}}, placement.Success, ""},
		{"empty key with Exists tolerates everything", []corev1.Taint{noSchedule, noExecute},
			[]corev1.Toleration{{Operator: corev1.TolerationOpExists}}, placement.Success, ""},
		{"Equal needs the value", []corev1.Taint{noExecute},
			[]corev1.Toleration{{Key: "gpu", Value: "ok"}}, placement.Evict, "tainted NoExecute (gpu=broken)"},
		{"Equal with the value", []corev1.Taint{noExecute},
			[]corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpEqual, Value: "broken"}}, placement.Success, ""},
		{"the effect must match", []corev1.Taint{noSchedule},
			[]corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}},
			placement.Unschedulable, "tainted NoSchedule (maintenance)"},
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &placement.Request{Policy: placement.Policy{Tolerations: tt.tolerations}}
			r := p.Filter(req, &placement.Member{Taints: tt.taints})
			if tt.code == placement.Success {
				if !r.IsSuccess() {
					t.Errorf("result %+v, want success", r)
				}
				return
			}
			if r == nil || r.Code != tt.code || r.Reason.String() != tt.reason {
				t.Errorf("result %+v, want %s %q", r, tt.code, tt.reason)
			}
		})
	}
}

func TestSkip(t *testing.T) {
	clean, _ := placement.NewSnapshot([]placement.Member{{Name: "a"}})
	tainted, _ := placement.NewSnapshot([]placement.Member{{Name: "a", Taints: []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}}})
	if !New().Skip(&placement.Request{}, clean) || New().Skip(&placement.Request{}, tainted) {
		t.Error("Skip should be true exactly when no member is tainted")
	}
}
