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

package plugins

import (
	"reflect"
	"testing"

	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins/memberstate"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins/tightestfit"
)

func TestRegistry(t *testing.T) {
	r := NewInTreeRegistry()
	fw, err := r.Framework(DefaultFilters(), DefaultScorer)
	if err != nil {
		t.Fatal(err)
	}
	def := NewDefaultFramework()
	if !reflect.DeepEqual(fw, def) {
		t.Errorf("registry framework %+v differs from the default %+v", fw, def)
	}
	for _, f := range fw.Filters {
		if _, ok := r[f.Name()]; !ok {
			t.Errorf("filter %s is registered under another name", f.Name())
		}
	}
	if err := r.Register(memberstate.Name, func() placement.Plugin { return memberstate.New() }); err == nil {
		t.Error("registering a name twice succeeds")
	}
	if _, err := r.Framework([]string{"Nope"}, ""); err == nil {
		t.Error("an unknown filter is accepted")
	}
	if _, err := r.Framework([]string{tightestfit.Name}, ""); err == nil {
		t.Error("a scorer is accepted as a filter")
	}
	if _, err := r.Framework(nil, memberstate.Name); err == nil {
		t.Error("a filter is accepted as a scorer")
	}
	if got := r.Names(); len(got) != 6 || got[0] != "ClusterSelector" {
		t.Errorf("names = %v", got)
	}
}
