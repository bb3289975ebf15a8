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

// Package tightestfit is the default placement scorer: it prefers the member where a copy leaves
// the least GPU fragmentation behind.
package tightestfit

import (
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// Name is the plugin's name in the registry.
const Name = "TightestFit"

// TightestFit scores a member by minus the GPUs left free, after packing the copy, on the
// nodes the copy uses (placement.Fit.LeftoverOnUsedNodes). A copy whose pods fill the nodes
// they land on scores 0, the best; a copy that breaks into whole-free nodes and leaves part of
// them free scores lower, so whole nodes stay whole for large pods. Ties (including CPU-only
// graphs, which score 0 everywhere) go to the member whose name sorts first.
type TightestFit struct{}

var _ placement.ScorePlugin = &TightestFit{}

// New returns the plugin.
func New() *TightestFit { return &TightestFit{} }

// Name returns the plugin's name.
func (p *TightestFit) Name() string { return Name }

// Score returns -fit.LeftoverOnUsedNodes.
func (p *TightestFit) Score(_ *placement.Request, _ *placement.Member, fit *placement.Fit) int64 {
	return -fit.LeftoverOnUsedNodes
}
