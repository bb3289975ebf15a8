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

// Package tainttoleration is the placement filter on MemberCluster taints and
// spec.placement.tolerations: an untolerated NoSchedule taint keeps new copies off a member, an
// untolerated NoExecute taint also moves the copies already there. PreferNoSchedule taints do
// not filter.
package tainttoleration

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// Name is the plugin's name in the registry.
const Name = "TaintToleration"

// TaintToleration filters members by their taints.
type TaintToleration struct{}

var _ placement.PreFilterPlugin = &TaintToleration{}

// New returns the plugin.
func New() *TaintToleration { return &TaintToleration{} }

// Name returns the plugin's name.
func (p *TaintToleration) Name() string { return Name }

// Skip reports whether no member is tainted.
func (p *TaintToleration) Skip(_ *placement.Request, s *placement.Snapshot) bool {
	return s.Stats().Tainted == 0
}

// Filter returns Evict for the first untolerated NoExecute taint, else Unschedulable for the
// first untolerated NoSchedule taint ("tainted NoSchedule (maintenance)"), else Success.
func (p *TaintToleration) Filter(req *placement.Request, m *placement.Member) *placement.Result {
	var noSchedule *corev1.Taint
	for i := range m.Taints {
		t := &m.Taints[i]
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if Tolerated(req.Policy.Tolerations, t) {
			continue
		}
		if t.Effect == corev1.TaintEffectNoExecute {
			return placement.NewResult(placement.Evict, placement.Reason{Kind: placement.ReasonTainted, Taint: t})
		}
		if noSchedule == nil {
			noSchedule = t
		}
	}
	if noSchedule != nil {
		return placement.NewResult(placement.Unschedulable, placement.Reason{Kind: placement.ReasonTainted, Taint: noSchedule})
	}
	return nil
}

// Tolerated reports whether one of tolerations tolerates taint, with Kubernetes' rules: the
// effects match or the toleration's is empty; the keys match or the toleration's is empty (with
// Exists); Exists matches any value, Equal (the default) the same value.
func Tolerated(tolerations []corev1.Toleration, taint *corev1.Taint) bool {
	for i := range tolerations {
		t := &tolerations[i]
		if t.Effect != "" && t.Effect != taint.Effect {
			continue
		}
		if t.Key != "" && t.Key != taint.Key {
			continue
		}
		switch t.Operator {
		case corev1.TolerationOpExists:
			return true
		case "", corev1.TolerationOpEqual:
			if t.Key != "" && t.Value == taint.Value {
				return true
			}
		}
	}
	return false
}
