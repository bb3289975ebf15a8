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

package placement

import (
	"fmt"
	"sort"
)

// Plugin is the parent type of every placement plugin.
type Plugin interface {
	// Name is the plugin's name in a Registry.
	Name() string
}

// FilterPlugin decides whether a member cluster may hold a copy of a graph, before any GPU fit
// is computed. Filters see one member at a time and must be pure: same inputs, same Result, no
// changes to the request or the member.
type FilterPlugin interface {
	Plugin
	// Filter reports whether member m may hold a copy of the graph of req: nil (or a Result
	// with Code Success) if it may, else a Result whose Reason is shown to users. The caller
	// does not modify the Result, so a plugin may return the same one for many members.
	Filter(req *Request, m *Member) *Result
}

// PreFilterPlugin is implemented by filters that can tell, once per placement, that they
// would pass every member (as the Kubernetes scheduler's PreFilter Skip status): their Filter is
// then not called. Skipping is an optimisation only; it must not change the Decision.
type PreFilterPlugin interface {
	FilterPlugin
	// Skip reports whether Filter would return Success for every member of s for req.
	Skip(req *Request, s *Snapshot) bool
}

// ScorePlugin ranks the member clusters a copy fits. Higher is better; ties go to the member
// whose name sorts first.
type ScorePlugin interface {
	Plugin
	// Score rates member m for one copy of req, given how the copy would be packed there.
	Score(req *Request, m *Member, fit *Fit) int64
}

// Code is the outcome of a filter.
type Code uint8

const (
	// Success means the member may hold a copy.
	Success Code = iota
	// Unschedulable means no new copy may be placed on the member; copies already there stay.
	Unschedulable
	// Evict means no new copy may be placed on the member and copies already there must move
	// (the member is gone from the fleet's point of view, or tainted NoExecute).
	Evict
)

// String returns the code's name.
func (c Code) String() string {
	switch c {
	case Success:
		return "Success"
	case Unschedulable:
		return "Unschedulable"
	case Evict:
		return "Evict"
	default:
		return fmt.Sprintf("Code(%d)", uint8(c))
	}
}

// Result is what a filter says about one member: a code and, unless it is Success, the reason.
// A nil *Result means Success.
type Result struct {
	// Code is the outcome.
	Code Code
	// Reason explains a non-success Code.
	Reason Reason
}

// NewResult returns a Result with the given code and reason.
func NewResult(code Code, reason Reason) *Result {
	return &Result{Code: code, Reason: reason}
}

// IsSuccess reports whether the member passed the filter: r is nil or its Code is Success.
func (r *Result) IsSuccess() bool { return r == nil || r.Code == Success }

// Framework is a placement configuration: the filters every member must pass, in order, and the
// scorer that ranks the members a copy fits. The GPU fit itself, the one-copy-per-member rule
// and spreadBy are built in, because they are defined on the graph as a whole rather than on one
// member. A Framework is read-only once built and may be shared by any number of Placers.
type Framework struct {
	// Filters run in order; the first failure gives a member's reason.
	Filters []FilterPlugin
	// Scorer ranks fitting members; nil scores every member 0 (members then go by name).
	Scorer ScorePlugin
}

// PluginFactory builds one plugin.
type PluginFactory func() Plugin

// Registry maps plugin names to factories, so that a framework can be assembled from names
// (for example from configuration).
type Registry map[string]PluginFactory

// Register adds a factory under name. It fails if the name is taken.
func (r Registry) Register(name string, factory PluginFactory) error {
	if _, ok := r[name]; ok {
		return fmt.Errorf("placement plugin %q is already registered", name)
	}
	r[name] = factory
	return nil
}

// Names lists the registered plugin names, sorted.
func (r Registry) Names() []string {
	names := make([]string, 0, len(r))
	for name := range r {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Framework builds a Framework from registered plugins: filters in the given order and the
// scorer named scorer (empty for none).
func (r Registry) Framework(filters []string, scorer string) (*Framework, error) {
	fw := &Framework{}
	for _, name := range filters {
		factory, ok := r[name]
		if !ok {
			return nil, fmt.Errorf("placement plugin %q is not registered", name)
		}
		f, ok := factory().(FilterPlugin)
		if !ok {
			return nil, fmt.Errorf("placement plugin %q is not a filter plugin", name)
		}
		fw.Filters = append(fw.Filters, f)
	}
	if scorer != "" {
		factory, ok := r[scorer]
		if !ok {
			return nil, fmt.Errorf("placement plugin %q is not registered", scorer)
		}
		s, ok := factory().(ScorePlugin)
		if !ok {
			return nil, fmt.Errorf("placement plugin %q is not a score plugin", scorer)
		}
		fw.Scorer = s
	}
	return fw, nil
}
