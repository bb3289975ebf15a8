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

// Package statuswrite coalesces status writes that only reword a status. A rollout rewrites
// its conditions' messages several times ("generation not observed yet", "0/1 replicas
// available", ...) before anything a reader acts on changes; each write of a
// DynamoComponentDeployment's or a graph's status costs the API server a decode and a schema
// validation of the whole object, and on the hub it wakes the controllers above it. A
// controller writes a change that matters (a condition's status or reason, a generation, a
// placement) at once, and lets a change of messages and counters wait up to Delay for the next
// one, so that a burst of progress costs one write instead of several.
package statuswrite

import (
	"context"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/flotilla-dev/flotilla/internal/patch"
)

// Delay is the longest a reworded status waits before it is written anyway.
const Delay = 2 * time.Second

// SameConditions reports whether a and b hold the same conditions (type, status, reason and
// observed generation), whatever their messages and transition times.
func SameConditions(a, b []metav1.Condition) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if x.Type == y.Type {
				found = x.Status == y.Status && x.Reason == y.Reason && x.ObservedGeneration == y.ObservedGeneration
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Coalescer remembers, per object, since when a reworded status has waited to be written. The
// zero value is ready to use; it is safe for concurrent use.
type Coalescer struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu    sync.Mutex
	since map[string]time.Time
}

// Wait tells a controller about to write an object's status (key names the object) whether to
// write now (0) or to requeue after the returned duration. reworded says whether the change
// only rewords the status: any other change is written now, and so is a reworded one that has
// waited Delay since it was first held back.
func (c *Coalescer) Wait(key string, reworded bool) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !reworded {
		delete(c.since, key)
		return 0
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	first, ok := c.since[key]
	if !ok {
		if c.since == nil {
			c.since = map[string]time.Time{}
		}
		c.since[key] = now
		return Delay
	}
	if waited := now.Sub(first); waited < Delay {
		return Delay - waited
	}
	delete(c.since, key)
	return 0
}

// Hold is Wait for a reconciler: when the write must wait, it makes result requeue the object
// no later than the wait's end and returns true; otherwise the caller writes now.
func (c *Coalescer) Hold(key string, reworded bool, result *reconcile.Result) bool {
	wait := c.Wait(key, reworded)
	if wait == 0 {
		return false
	}
	if result.RequeueAfter == 0 || result.RequeueAfter > wait {
		result.RequeueAfter = wait
	}
	return true
}

// Write is a status write of a controller that is the only writer of the status (patch.Status,
// no optimistic lock): nothing when the status is unchanged from before (obj as read), nothing
// yet when the change only rewords it and must wait (Hold: result requeues the object), else the
// patch of after's status.
func (c *Coalescer) Write(ctx context.Context, cl client.Client, key string, before, after client.Object, unchanged, reworded bool, result *reconcile.Result) error {
	if unchanged || c.Hold(key, reworded, result) {
		return nil
	}
	_, err := patch.Status(ctx, cl, before, after)
	return err
}

// Forget drops what the Coalescer holds for key: the object is gone, or its status was written.
func (c *Coalescer) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.since, key)
}
