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

// Package memberpolicy is the placement filter of members' own policies: a copy goes only to a
// member whose agent would run it, judged by the policy the agent publishes (package policy) on
// the copy's namespace there and on every component's pod template. The agent enforces the same
// policy, so this only spares a copy the trip to a member that would refuse it.
package memberpolicy

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// Name is the plugin's name in the registry.
const Name = "MemberPolicy"

// MemberPolicy excludes members whose policy denies the graph.
type MemberPolicy struct{}

var _ placement.FilterPlugin = &MemberPolicy{}

// New returns the plugin.
func New() *MemberPolicy { return &MemberPolicy{} }

// Name returns Name.
func (p *MemberPolicy) Name() string { return Name }

// Filter excludes member m when its policy denies the copy's namespace there or a component's
// pods, with the first violation as the reason ("policy denies ..."). A member that publishes no
// policy passes. Copies already on the member stay (Unschedulable): a stricter policy stops new
// copies, and the agent reports the ones it refuses.
func (p *MemberPolicy) Filter(req *placement.Request, m *placement.Member) *placement.Result {
	if m.Policy == nil {
		return nil
	}
	namespace := req.Namespace
	if m.NamespaceRestriction != "" {
		namespace = m.NamespaceRestriction
	}
	if err := m.Policy.CheckNamespace(field.NewPath("metadata", "namespace"), namespace); err != nil {
		return denied(err)
	}
	components := field.NewPath("spec", "components")
	for _, pod := range req.Pods {
		if errs := m.Policy.CheckPod(components.Key(pod.Component).Child("podTemplate"), &pod.Template.ObjectMeta, &pod.Template.Spec); len(errs) > 0 {
			return denied(errs[0])
		}
	}
	return nil
}

func denied(err *field.Error) *placement.Result {
	return placement.NewResult(placement.Unschedulable, placement.TextReason("policy denies "+err.Error()))
}
