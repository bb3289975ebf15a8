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

package memberstate

import (
	"testing"
	"time"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

func TestFilter(t *testing.T) {
	now := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		member placement.Member
		code   placement.Code
		reason string
	}{
		{"healthy", placement.Member{Joined: true, AgentReady: true}, placement.Success, ""},
		{"not joined evicts", placement.Member{AgentReady: true}, placement.Evict, "not joined"},
		{"not joined wins over cordoned", placement.Member{Unschedulable: true}, placement.Evict, "not joined"},
		{"cordoned", placement.Member{Joined: true, AgentReady: true, Unschedulable: true}, placement.Unschedulable, "cordoned"},
		{"agent not ready", placement.Member{Joined: true}, placement.Unschedulable, "agent not ready"},
		{"draining evicts", placement.Member{Joined: true, AgentReady: true, Draining: true}, placement.Evict, "draining"},
		{"draining wins over cordoned", placement.Member{Joined: true, Unschedulable: true, Draining: true}, placement.Evict, "draining"},
		{"unreachable within the grace keeps", placement.Member{Joined: true, AgentReady: true, UnreachableSince: now.Add(-29 * time.Second)}, placement.Unschedulable, "unreachable"},
		{"unreachable past the grace evicts", placement.Member{Joined: true, AgentReady: true, UnreachableSince: now.Add(-30 * time.Second)}, placement.Evict, "unreachable for longer than the failover grace"},
		{"a longer grace keeps a member the hub counts lost", placement.Member{UnreachableSince: now.Add(-time.Minute), Draining: true}, placement.Unschedulable, "unreachable"},
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lostAfter := 30 * time.Second
			if tt.name == "a longer grace keeps a member the hub counts lost" {
				lostAfter = 2 * time.Minute
			}
			r := p.Filter(&placement.Request{Now: now, LostAfter: lostAfter}, &tt.member)
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
	healthy, err := placement.NewSnapshot([]placement.Member{{Name: "a", Joined: true, AgentReady: true}})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := placement.NewSnapshot([]placement.Member{{Name: "a", Joined: true}})
	if err != nil {
		t.Fatal(err)
	}
	draining, err := placement.NewSnapshot([]placement.Member{{Name: "a", Joined: true, AgentReady: true, Draining: true}})
	if err != nil {
		t.Fatal(err)
	}
	unreachable, err := placement.NewSnapshot([]placement.Member{{Name: "a", Joined: true, AgentReady: true, UnreachableSince: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if !New().Skip(&placement.Request{}, healthy) || New().Skip(&placement.Request{}, slow) ||
		New().Skip(&placement.Request{}, draining) || New().Skip(&placement.Request{}, unreachable) {
		t.Error("Skip should be true exactly when every member is healthy")
	}
}
