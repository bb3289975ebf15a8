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

// Package memberstate is the placement filter on a member cluster's state: a member that is not
// joined loses its copies, and a cordoned member or one whose agent is not ready receives no new
// copies but keeps those it has.
package memberstate

import (
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// Name is the plugin's name in the registry.
const Name = "MemberState"

// MemberState filters members by their Joined, Unschedulable and AgentReady state.
type MemberState struct {
	notJoined, cordoned, agentNotReady *placement.Result
}

var _ placement.PreFilterPlugin = &MemberState{}

// New returns the plugin.
func New() *MemberState {
	return &MemberState{
		notJoined:     placement.NewResult(placement.Evict, placement.Reason{Kind: placement.ReasonNotJoined}),
		cordoned:      placement.NewResult(placement.Unschedulable, placement.Reason{Kind: placement.ReasonCordoned}),
		agentNotReady: placement.NewResult(placement.Unschedulable, placement.Reason{Kind: placement.ReasonAgentNotReady}),
	}
}

// Name returns the plugin's name.
func (p *MemberState) Name() string { return Name }

// Skip reports whether every member is joined, ready and not cordoned.
func (p *MemberState) Skip(_ *placement.Request, s *placement.Snapshot) bool {
	st := s.Stats()
	return st.NotJoined == 0 && st.AgentNotReady == 0 && st.Unschedulable == 0
}

// Filter evicts copies from a member that is not joined ("not joined"), and places no new copy
// on a cordoned member ("cordoned") or one whose agent is not ready ("agent not ready").
func (p *MemberState) Filter(_ *placement.Request, m *placement.Member) *placement.Result {
	switch {
	case !m.Joined:
		return p.notJoined
	case m.Unschedulable:
		return p.cordoned
	case !m.AgentReady:
		return p.agentNotReady
	}
	return nil
}
