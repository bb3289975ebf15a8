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

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

func TestFilter(t *testing.T) {
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
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := p.Filter(&placement.Request{}, &tt.member)
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
	if !New().Skip(&placement.Request{}, healthy) || New().Skip(&placement.Request{}, slow) {
		t.Error("Skip should be true exactly when every member is healthy")
	}
}
