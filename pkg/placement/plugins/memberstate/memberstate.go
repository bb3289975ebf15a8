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

// Package memberstate is the placement filter on a member cluster's state: a member that is
// lost (unreachable for longer than the request's LostAfter, or not joined) or drained loses its
// copies; an unreachable member within its grace, a cordoned member or one whose agent is not
// ready receives no new copies but keeps those it has.
package memberstate

import (
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// Name is the plugin's name in the registry.
const Name = "MemberState"

// MemberState filters members by their reachability, Joined, Draining, Unschedulable and
// AgentReady state.
type MemberState struct {
	notJoined, lost, unreachable, draining, cordoned, agentNotReady *placement.Result
}

var _ placement.PreFilterPlugin = &MemberState{}

// New returns the plugin.
func New() *MemberState {
	return &MemberState{
		notJoined:     placement.NewResult(placement.Evict, placement.Reason{Kind: placement.ReasonNotJoined}),
		lost:          placement.NewResult(placement.Evict, placement.Reason{Kind: placement.ReasonLost}),
		unreachable:   placement.NewResult(placement.Unschedulable, placement.Reason{Kind: placement.ReasonUnreachable}),
		draining:      placement.NewResult(placement.Evict, placement.Reason{Kind: placement.ReasonDraining}),
		cordoned:      placement.NewResult(placement.Unschedulable, placement.Reason{Kind: placement.ReasonCordoned}),
		agentNotReady: placement.NewResult(placement.Unschedulable, placement.Reason{Kind: placement.ReasonAgentNotReady}),
	}
}

// Name returns the plugin's name.
func (p *MemberState) Name() string { return Name }

// Skip reports whether every member is reachable, joined, ready and neither cordoned nor
// drained.
func (p *MemberState) Skip(_ *placement.Request, s *placement.Snapshot) bool {
	st := s.Stats()
	return st.NotJoined == 0 && st.AgentNotReady == 0 && st.Unschedulable == 0 && st.Draining == 0 && st.Unreachable == 0
}

// Filter evicts copies from a member unreachable for req.LostAfter or more ("unreachable for
// longer than the failover grace"), from one that is not joined ("not joined") unless
// req.LostAfter says its grace still runs, and from a drained member ("draining"); it places no
// new copy on a member unreachable within its grace ("unreachable"), a cordoned member
// ("cordoned") or one whose agent is not ready ("agent not ready").
func (p *MemberState) Filter(req *placement.Request, m *placement.Member) *placement.Result {
	switch {
	case !m.UnreachableSince.IsZero() && req.LostAfter > 0:
		if !req.Now.Before(m.UnreachableSince.Add(req.LostAfter)) {
			return p.lost
		}
		return p.unreachable
	case !m.Joined:
		return p.notJoined
	case m.Draining:
		return p.draining
	case m.Unschedulable:
		return p.cordoned
	case !m.AgentReady:
		return p.agentNotReady
	}
	return nil
}
