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

package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestStatesCountEachObjectOnce(t *testing.T) {
	Members.Set("a", "Ready")
	Members.Set("b", "Ready")
	Members.Set("a", "Unreachable")
	Members.Set("a", "Unreachable")
	if got := testutil.ToFloat64(membersByState.WithLabelValues("Ready")); got != 1 {
		t.Errorf("Ready = %v, want 1", got)
	}
	if got := testutil.ToFloat64(membersByState.WithLabelValues("Unreachable")); got != 1 {
		t.Errorf("Unreachable = %v, want 1", got)
	}
	Members.Forget("a")
	Members.Forget("a")
	if got := testutil.ToFloat64(membersByState.WithLabelValues("Unreachable")); got != 0 {
		t.Errorf("Unreachable after Forget = %v, want 0", got)
	}
}

func TestCopiesByMember(t *testing.T) {
	Copies.Set("ns/g1", []string{"east", "west"})
	Copies.Set("ns/g2", []string{"east", ""})
	if got := testutil.ToFloat64(copiesByMember.WithLabelValues("east")); got != 2 {
		t.Errorf("east = %v, want 2", got)
	}
	Copies.Set("ns/g1", []string{"east"})
	if got := testutil.CollectAndCount(copiesByMember); got != 1 {
		t.Errorf("series = %d, want 1 (west's is deleted when it holds no copy)", got)
	}
	Copies.Forget("ns/g1")
	Copies.Forget("ns/g2")
	if got := testutil.CollectAndCount(copiesByMember); got != 0 {
		t.Errorf("series after Forget = %d, want 0", got)
	}
}
