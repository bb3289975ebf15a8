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

import (
	"sync"
	"time"
)

// cacheWait is how long a reconcile that read a DCD older than the agent's own last status
// write waits for the cache to catch up.
const cacheWait = 100 * time.Millisecond

// ownWrites remembers, per DCD, the resourceVersion its last status write replaced. The write's
// own event does not reach the cache at once, and a workload's change often reconciles the DCD
// before it does: such a reconcile reads the version the write replaced, known stale, and waits
// for the cache (cacheWait) rather than compute a status from it, whose optimistic-lock patch
// the API server would refuse with a conflict. It is safe for concurrent use.
type ownWrites struct {
	replaced sync.Map // DCD key → the resourceVersion its last status write replaced
}

// wrote records that the status write of the DCD key replaced version replacedRV.
func (w *ownWrites) wrote(key, replacedRV string) {
	w.replaced.Store(key, replacedRV)
}

// stale reports whether cachedRV, the DCD key's version in the cache, is one the agent's own
// status write replaced. A newer version means the cache caught up, and the DCD is forgotten.
func (w *ownWrites) stale(key, cachedRV string) bool {
	rv, ok := w.replaced.Load(key)
	if !ok {
		return false
	}
	if rv == cachedRV {
		return true
	}
	w.replaced.CompareAndDelete(key, rv)
	return false
}

// forget drops the DCD key (it is gone).
func (w *ownWrites) forget(key string) {
	w.replaced.Delete(key)
}
