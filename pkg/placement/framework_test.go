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

package placement_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// gpuFloor is a custom filter: members with fewer than min free GPUs in total are out.
type gpuFloor struct{ min int64 }

func (gpuFloor) Name() string { return "GPUFloor" }

func (f gpuFloor) Filter(_ *placement.Request, m *placement.Member) *placement.Result {
	var free int64
	for _, p := range m.GPUs {
		free += p.Free
	}
	if free < f.min {
		return placement.NewResult(placement.Unschedulable, placement.TextReason("fewer than 16 free GPUs"))
	}
	return nil
}

// silent fails without a reason.
type silent struct{}

func (silent) Name() string { return "Silent" }

func (silent) Filter(_ *placement.Request, m *placement.Member) *placement.Result {
	if m.Name == "b" {
		return &placement.Result{Code: placement.Unschedulable}
	}
	return nil
}

// mostFree is a custom scorer that spreads load: the member with the most GPUs left wins.
type mostFree struct{}

func (mostFree) Name() string { return "MostFree" }

func (mostFree) Score(_ *placement.Request, _ *placement.Member, fit *placement.Fit) int64 {
	return fit.FreeAfter
}

func TestCustomPlugins(t *testing.T) {
	s := snapshot(t,
		makeMember("a").Pool(h100, 8, 1),
		makeMember("b").Pool(h100, 8, 4),
		makeMember("c").Pool(h100, 8, 3, 4, 1),
		makeMember("d").Pool(h100, 8, 2, 4, 2),
	)
	reg := placement.Registry{}
	if err := reg.Register("GPUFloor", func() placement.Plugin { return gpuFloor{min: 16} }); err != nil {
		t.Fatal(err)
	}
	_ = reg.Register("Silent", func() placement.Plugin { return silent{} })
	_ = reg.Register("MostFree", func() placement.Plugin { return mostFree{} })
	if got := reg.Names(); !reflect.DeepEqual(got, []string{"GPUFloor", "MostFree", "Silent"}) {
		t.Errorf("names %v", got)
	}
	fw, err := reg.Framework([]string{"GPUFloor", "Silent"}, "MostFree")
	if err != nil {
		t.Fatal(err)
	}
	d, err := placement.NewPlacer(fw).Place(s, &placement.Request{Demand: demand(t, worker("W", 1, 4))})
	if err != nil {
		t.Fatal(err)
	}
	if got := members(d); !reflect.DeepEqual(got, []string{"c"}) {
		t.Errorf("placed on %q, want c (most GPUs left of those that pass)", got)
	}
	want := map[string]string{
		"a": "fewer than 16 free GPUs",
		"b": "Silent: Unschedulable",
		"d": "fits, ranked below the chosen clusters (score 20)",
	}
	if got := reasons(d); !reflect.DeepEqual(got, want) {
		t.Errorf("reasons %v, want %v", got, want)
	}
	if !strings.HasPrefix(d.Summary(), "placed 1/1") {
		t.Errorf("summary %q", d.Summary())
	}
	for _, bad := range [][2]string{{"Nope", ""}, {"MostFree", ""}} {
		if _, err := reg.Framework([]string{bad[0]}, bad[1]); err == nil {
			t.Errorf("framework with filter %s accepted", bad[0])
		}
	}
	if _, err := reg.Framework(nil, "GPUFloor"); err == nil {
		t.Error("a filter accepted as scorer")
	}
	if _, err := reg.Framework(nil, "Nope"); err == nil {
		t.Error("an unknown scorer accepted")
	}
	if err := reg.Register("Silent", nil); err == nil {
		t.Error("a name registered twice")
	}
}
