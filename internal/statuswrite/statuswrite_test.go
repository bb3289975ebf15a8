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

package statuswrite_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/flotilla-dev/flotilla/internal/statuswrite"
)

func TestSameConditions(t *testing.T) {
	c := func(typ string, s metav1.ConditionStatus, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: s, Reason: reason, Message: msg, ObservedGeneration: 1}
	}
	base := []metav1.Condition{c("Available", "False", "NotReady", "0/1 updated"), c("Synced", "True", "Synced", "ok")}
	for name, tc := range map[string]struct {
		other []metav1.Condition
		want  bool
	}{
		"reworded, other order": {[]metav1.Condition{c("Synced", "True", "Synced", "ok"), c("Available", "False", "NotReady", "0/1 available")}, true},
		"status changed":        {[]metav1.Condition{c("Available", "True", "NotReady", ""), c("Synced", "True", "Synced", "ok")}, false},
		"reason changed":        {[]metav1.Condition{c("Available", "False", "Other", ""), c("Synced", "True", "Synced", "ok")}, false},
		"one more":              {append(append([]metav1.Condition{}, base...), c("Ready", "False", "X", "")), false},
		"other type":            {[]metav1.Condition{c("Ready", "False", "NotReady", ""), c("Synced", "True", "Synced", "ok")}, false},
	} {
		if got := statuswrite.SameConditions(base, tc.other); got != tc.want {
			t.Errorf("%s: SameConditions = %v, want %v", name, got, tc.want)
		}
	}
	gen := []metav1.Condition{c("Available", "False", "NotReady", ""), c("Synced", "True", "Synced", "ok")}
	gen[0].ObservedGeneration = 2
	if statuswrite.SameConditions(base, gen) {
		t.Error("a new observed generation is not a rewording")
	}
}

func TestCoalescer(t *testing.T) {
	now := time.Unix(0, 0)
	c := &statuswrite.Coalescer{Now: func() time.Time { return now }}
	if got := c.Wait("a", false); got != 0 {
		t.Fatalf("a change that matters waits %s", got)
	}
	if got := c.Wait("a", true); got != statuswrite.Delay {
		t.Fatalf("a first rewording waits %s, want %s", got, statuswrite.Delay)
	}
	now = now.Add(500 * time.Millisecond)
	if got := c.Wait("a", true); got != statuswrite.Delay-500*time.Millisecond {
		t.Fatalf("a rewording held back 0.5 s ago waits %s", got)
	}
	if got := c.Wait("b", true); got != statuswrite.Delay {
		t.Fatalf("another object's rewording waits %s", got)
	}
	now = now.Add(statuswrite.Delay)
	if got := c.Wait("a", true); got != 0 {
		t.Fatalf("a rewording held back for the whole delay waits %s", got)
	}
	if got := c.Wait("a", true); got != statuswrite.Delay {
		t.Fatalf("after a write, the next rewording waits %s", got)
	}
	if got := c.Wait("a", false); got != 0 {
		t.Fatalf("a change that matters, while a rewording waits, waits %s", got)
	}
	c.Forget("b")
	if got := c.Wait("b", true); got != statuswrite.Delay {
		t.Fatalf("after Forget, a rewording waits %s", got)
	}
}

func TestHoldRequeuesNoLaterThanTheWait(t *testing.T) {
	c := &statuswrite.Coalescer{}
	result := reconcile.Result{RequeueAfter: time.Minute}
	if !c.Hold("a", true, &result) || result.RequeueAfter != statuswrite.Delay {
		t.Fatalf("a rewording: held = false or requeue after %s", result.RequeueAfter)
	}
	result = reconcile.Result{RequeueAfter: time.Second}
	if !c.Hold("a", true, &result) || result.RequeueAfter != time.Second {
		t.Fatalf("an earlier requeue was replaced: %s", result.RequeueAfter)
	}
	result = reconcile.Result{}
	if c.Hold("a", false, &result) || result.RequeueAfter != 0 {
		t.Fatalf("a change that matters was held: %+v", result)
	}
}

// TestWrite checks that Write patches a changed status, holds back a reworded one (requeuing)
// and writes nothing for an unchanged one.
func TestWrite(t *testing.T) {
	ctx := context.Background()
	before := &corev1.ConfigMap{}
	before.Namespace, before.Name = "ns", "cm"
	patches := 0
	c := fake.NewClientBuilder().WithObjects(before.DeepCopy()).WithInterceptorFuncs(interceptor.Funcs{
		SubResourcePatch: func(context.Context, client.Client, string, client.Object, client.Patch, ...client.SubResourcePatchOption) error {
			patches++
			return nil
		},
	}).Build()
	after := before.DeepCopy()
	after.Labels = map[string]string{"changed": "yes"} // any difference makes a non-empty patch
	var co statuswrite.Coalescer

	result := reconcile.Result{}
	if err := co.Write(ctx, c, "k", before, after, true, false, &result); err != nil || patches != 0 {
		t.Fatalf("unchanged: err %v, %d patches, want none", err, patches)
	}
	if err := co.Write(ctx, c, "k", before, after, false, true, &result); err != nil || patches != 0 || result.RequeueAfter != statuswrite.Delay {
		t.Fatalf("reworded: err %v, %d patches, requeue %s; want held back for %s", err, patches, result.RequeueAfter, statuswrite.Delay)
	}
	if err := co.Write(ctx, c, "k", before, after, false, false, &reconcile.Result{}); err != nil || patches != 1 {
		t.Fatalf("changed: err %v, %d patches, want 1", err, patches)
	}
}
