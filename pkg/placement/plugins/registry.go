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

// Package plugins holds the in-tree placement plugins and their registry.
package plugins

import (
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins/clusterselector"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins/memberpolicy"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins/memberstate"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins/multinoderuntime"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins/tainttoleration"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins/tightestfit"
)

// NewInTreeRegistry returns a registry of the in-tree plugins.
func NewInTreeRegistry() placement.Registry {
	return placement.Registry{
		clusterselector.Name:  func() placement.Plugin { return clusterselector.New() },
		memberpolicy.Name:     func() placement.Plugin { return memberpolicy.New() },
		memberstate.Name:      func() placement.Plugin { return memberstate.New() },
		multinoderuntime.Name: func() placement.Plugin { return multinoderuntime.New() },
		tainttoleration.Name:  func() placement.Plugin { return tainttoleration.New() },
		tightestfit.Name:      func() placement.Plugin { return tightestfit.New() },
	}
}

// DefaultFilters are the in-tree filters in the order they run: the first failure gives a
// member's reason, so graph-specific exclusion comes before member state.
func DefaultFilters() []string {
	return []string{clusterselector.Name, multinoderuntime.Name, memberstate.Name, tainttoleration.Name, memberpolicy.Name}
}

// DefaultScorer is the in-tree scorer.
const DefaultScorer = tightestfit.Name

// NewDefaultFramework returns the default framework: DefaultFilters and DefaultScorer.
func NewDefaultFramework() *placement.Framework {
	return &placement.Framework{
		Filters: []placement.FilterPlugin{clusterselector.New(), multinoderuntime.New(), memberstate.New(), tainttoleration.New(), memberpolicy.New()},
		Scorer:  tightestfit.New(),
	}
}
