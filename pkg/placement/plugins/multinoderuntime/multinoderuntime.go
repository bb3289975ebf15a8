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

// Package multinoderuntime is the placement filter of spec.placement.multinodeRuntimes: a graph
// with multinode services goes only to members whose agent runs multinode components in one of
// the listed ways (LeaderWorkerSet or the agent's StatefulSets).
package multinoderuntime

import (
	"slices"
	"strings"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// Name is the plugin's name in the registry.
const Name = "MultinodeRuntime"

// MultinodeRuntime excludes members whose multinode runtime the graph does not accept.
type MultinodeRuntime struct{}

var _ placement.PreFilterPlugin = &MultinodeRuntime{}

// New returns the plugin.
func New() *MultinodeRuntime { return &MultinodeRuntime{} }

// Name returns Name.
func (p *MultinodeRuntime) Name() string { return Name }

// Skip reports whether the filter passes every member: the graph accepts any runtime, or has no
// multinode service.
func (p *MultinodeRuntime) Skip(req *placement.Request, _ *placement.Snapshot) bool {
	return len(req.Policy.MultinodeRuntimes) == 0 || req.Demand == nil || !req.Demand.Multinode()
}

// Filter excludes member m unless it runs multinode components in a way the graph accepts. A
// member whose agent has not published its runtime is excluded too: nothing says it fits.
func (p *MultinodeRuntime) Filter(req *placement.Request, m *placement.Member) *placement.Result {
	if p.Skip(req, nil) || slices.Contains(req.Policy.MultinodeRuntimes, m.MultinodeRuntime) {
		return nil
	}
	have := string(m.MultinodeRuntime)
	if have == "" {
		have = "an unknown runtime (its agent publishes none)"
	}
	want := make([]string, len(req.Policy.MultinodeRuntimes))
	for i, r := range req.Policy.MultinodeRuntimes {
		want[i] = string(r)
	}
	return placement.NewResult(placement.Unschedulable, placement.TextReason(
		"runs multinode components as "+have+"; spec.placement.multinodeRuntimes asks for "+strings.Join(want, " or ")))
}
