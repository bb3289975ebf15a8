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

package hostile_test

import (
	"encoding/json"
	"flag"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flotilla-dev/flotilla/test/hostile"
)

var update = flag.Bool("update", false, "rewrite the corpus in testdata from hostile.Cases")

// TestCorpusIsCurrent checks that the corpus in testdata is what Cases generates, and that it
// is the size the issue asks for: at least 200 cases, each class in both API versions.
func TestCorpusIsCurrent(t *testing.T) {
	cases := hostile.Cases()
	if *update {
		if err := hostile.Write(hostile.Dir, cases); err != nil {
			t.Fatal(err)
		}
	}
	stored, err := hostile.Read(hostile.Dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := func(cs []hostile.Case) map[string]hostile.Case {
		m := map[string]hostile.Case{}
		for _, c := range cs {
			if _, dup := m[c.Name]; dup {
				t.Errorf("case %s twice", c.Name)
			}
			m[c.Name] = c
		}
		return m
	}
	if diff := cmp.Diff(byName(cases), byName(stored)); diff != "" {
		t.Fatalf("testdata differs from hostile.Cases (rerun with -update); -generated +stored:\n%s", diff)
	}
	if len(cases) < 200 {
		t.Errorf("%d cases, want at least 200", len(cases))
	}
	versions := map[string]map[string]bool{}
	for _, c := range cases {
		if versions[c.Class] == nil {
			versions[c.Class] = map[string]bool{}
		}
		versions[c.Class][c.Version] = true
	}
	for class, vs := range versions {
		if !vs["v1alpha1"] || !vs["v1beta1"] {
			t.Errorf("class %s is not written in both API versions: %v", class, vs)
		}
	}
}

// TestRequestExpandsMacros checks that every body is JSON once expanded (but the cases that
// are about malformed JSON), and that the macros expand to what they say.
func TestRequestExpandsMacros(t *testing.T) {
	for _, c := range hostile.Cases() {
		var v any
		err := json.Unmarshal(c.Request(), &v)
		if malformed := c.Name == "duplicates-not-json-alpha1" || c.Name == "duplicates-not-json-beta1"; malformed != (err != nil) {
			t.Errorf("%s: JSON error %v", c.Name, err)
		}
	}
	got := hostile.Case{Body: `{"a":"@@repeat(3,xy)@@","l":{"@@members(2)@@":"x"}}`}.Request()
	if want := `{"a":"xyxyxy","l":{"m-0000":"x","m-0001":"x"}}`; string(got) != want {
		t.Errorf("Request() = %s, want %s", got, want)
	}
}
