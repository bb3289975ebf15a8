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

package graph

import (
	"crypto/sha256"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"time"

	"k8s.io/utils/clock"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Defaults of AcceptedSpecs.
const (
	// DefaultAcceptedSpecsTTL is how long an accepted spec is remembered: long enough to span a
	// graph's admission and the first write of its records, short enough that a CRD changed
	// under a running hub is soon consulted again.
	DefaultAcceptedSpecsTTL = 5 * time.Minute
	// DefaultAcceptedSpecsSize bounds how many accepted specs are remembered at once.
	DefaultAcceptedSpecsSize = 20000
)

// AcceptedSpecs remembers, for a while, the DynamoComponentDeployment specs the hub's API server
// accepted in a dry run, so that the records of a graph the admission webhook has just dry-run
// are not dry-run again before the graph controller writes them: each dry run of a DCD costs
// the API server a full decode and a validation against the CRD's schema, as much as the write
// itself. Only the spec is remembered (a hash of it): the CRD's schema and rules validate the
// spec, and a record differs from the DCD admission dry-ran in its name, labels and annotations
// only. A spec not remembered is dry-run as before, so nothing is ever written half: a record
// the API server refuses still stops all of its graph's writes. It is safe for concurrent use;
// a nil AcceptedSpecs remembers nothing.
type AcceptedSpecs struct {
	// TTL is how long a spec is remembered after its dry run.
	TTL time.Duration
	// Size bounds the number of specs remembered; when it is reached the oldest are forgotten.
	Size int
	// Clock is the time source; the real clock when nil.
	Clock clock.PassiveClock

	mu       sync.Mutex
	accepted map[[sha256.Size]byte]time.Time
}

// NewAcceptedSpecs returns an AcceptedSpecs with the default TTL and size.
func NewAcceptedSpecs() *AcceptedSpecs {
	return &AcceptedSpecs{TTL: DefaultAcceptedSpecsTTL, Size: DefaultAcceptedSpecsSize}
}

// Has reports whether the API server accepted spec within the TTL.
func (a *AcceptedSpecs) Has(spec *nvidiav1beta1.DynamoComponentDeploymentSpec) bool {
	key, ok := specKey(spec)
	return ok && a.hasKey(key)
}

// Add remembers that the API server accepted spec.
func (a *AcceptedSpecs) Add(spec *nvidiav1beta1.DynamoComponentDeploymentSpec) {
	if key, ok := specKey(spec); ok {
		a.addKey(key)
	}
}

// hasKey is Has of the spec whose specKey is key.
func (a *AcceptedSpecs) hasKey(key [sha256.Size]byte) bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	at, ok := a.accepted[key]
	return ok && a.now().Sub(at) < a.TTL
}

// addKey is Add of the spec whose specKey is key.
func (a *AcceptedSpecs) addKey(key [sha256.Size]byte) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if a.accepted == nil {
		a.accepted = map[[sha256.Size]byte]time.Time{}
	}
	if len(a.accepted) >= a.Size {
		a.forgetOldest(now)
	}
	a.accepted[key] = now
}

// forgetOldest drops the expired specs, and if that leaves the set full, the older half.
func (a *AcceptedSpecs) forgetOldest(now time.Time) {
	maps.DeleteFunc(a.accepted, func(_ [sha256.Size]byte, at time.Time) bool { return now.Sub(at) >= a.TTL })
	if len(a.accepted) < a.Size {
		return
	}
	type entry struct {
		key [sha256.Size]byte
		at  time.Time
	}
	entries := make([]entry, 0, len(a.accepted))
	for k, at := range a.accepted {
		entries = append(entries, entry{k, at})
	}
	slices.SortFunc(entries, func(x, y entry) int { return x.at.Compare(y.at) })
	for _, e := range entries[:(len(entries)+1)/2] {
		delete(a.accepted, e.key)
	}
}

func (a *AcceptedSpecs) now() time.Time {
	if a.Clock == nil {
		return time.Now()
	}
	return a.Clock.Now()
}

// specKey hashes spec's JSON form; a spec that cannot be encoded has no key.
func specKey(spec *nvidiav1beta1.DynamoComponentDeploymentSpec) ([sha256.Size]byte, bool) {
	b, err := json.Marshal(spec)
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256(b), true
}
