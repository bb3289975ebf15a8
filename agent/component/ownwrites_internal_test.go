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

package component

import "testing"

// TestOwnWrites checks that the version a status write replaced is stale until the cache holds
// a newer one, after which the DCD is forgotten, and that other DCDs are never stale.
func TestOwnWrites(t *testing.T) {
	var w ownWrites
	if w.stale("ns/a", "1") {
		t.Fatal("a DCD never written is stale")
	}
	w.wrote("ns/a", "1")
	for range 2 { // stale as long as the cache holds it
		if !w.stale("ns/a", "1") {
			t.Fatal("the version the agent's write replaced is not stale")
		}
	}
	if w.stale("ns/b", "1") {
		t.Fatal("another DCD is stale")
	}
	if w.stale("ns/a", "2") {
		t.Fatal("the version the write made is stale")
	}
	if w.stale("ns/a", "1") {
		t.Fatal("the DCD is still remembered after the cache caught up")
	}
	w.wrote("ns/a", "2")
	w.forget("ns/a")
	if w.stale("ns/a", "2") {
		t.Fatal("a forgotten DCD is stale")
	}
}
