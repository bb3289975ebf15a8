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

// Package clusterselector is the placement filter on spec.placement.clusterSelector: only
// members whose labels match it receive new copies.
package clusterselector

import (
	"k8s.io/apimachinery/pkg/labels"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// Name is the plugin's name in the registry.
const Name = "ClusterSelector"

// ClusterSelector filters members by the graph's cluster selector.
type ClusterSelector struct {
	excluded *placement.Result
}

var _ placement.PreFilterPlugin = &ClusterSelector{}

// New returns the plugin.
func New() *ClusterSelector {
	return &ClusterSelector{
		excluded: placement.NewResult(placement.Unschedulable, placement.Reason{Kind: placement.ReasonClusterSelector}),
	}
}

// Name returns the plugin's name.
func (p *ClusterSelector) Name() string { return Name }

// Skip reports whether the graph has no cluster selector.
func (p *ClusterSelector) Skip(req *placement.Request, _ *placement.Snapshot) bool {
	return req.Policy.Selector == nil
}

// Filter returns Unschedulable ("excluded by clusterSelector") for a member whose labels do not
// match req.Policy.Selector. Copies already on such a member stay: a selector change alone
// does not move running copies.
func (p *ClusterSelector) Filter(req *placement.Request, m *placement.Member) *placement.Result {
	if sel := req.Policy.Selector; sel != nil && !sel.Matches(labels.Set(m.Labels)) {
		return p.excluded
	}
	return nil
}
