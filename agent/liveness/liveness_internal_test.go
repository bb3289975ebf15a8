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

package liveness

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

func TestRenewer(t *testing.T) {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	if err := coordinationv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).Build()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	r, err := NewRenewer(c, c, Options{Namespace: "agent", Identity: "agent-0"})
	if err != nil {
		t.Fatal(err)
	}
	r.now = func() time.Time { return now }
	get := func() *coordinationv1.Lease {
		t.Helper()
		lease := &coordinationv1.Lease{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: "agent", Name: "flotilla-agent"}, lease); err != nil {
			t.Fatal(err)
		}
		return lease
	}

	// The first renewal creates the Lease.
	if err := r.Renew(ctx); err != nil {
		t.Fatalf("Renew() error = %v", err)
	}
	lease := get()
	if got := ptr.Deref(lease.Spec.HolderIdentity, ""); got != "agent-0" {
		t.Errorf("holderIdentity = %q, want agent-0", got)
	}
	if got := ptr.Deref(lease.Spec.LeaseDurationSeconds, 0); got != 30 {
		t.Errorf("leaseDurationSeconds = %d, want 30", got)
	}
	if !lease.Spec.RenewTime.Time.Equal(now) || !lease.Spec.AcquireTime.Time.Equal(now) {
		t.Errorf("renewTime, acquireTime = %v, %v; want %v", lease.Spec.RenewTime, lease.Spec.AcquireTime, now)
	}

	// Later renewals move renewTime only.
	now = now.Add(DefaultRenewInterval)
	if err := r.Renew(ctx); err != nil {
		t.Fatalf("Renew() error = %v", err)
	}
	lease = get()
	if !lease.Spec.RenewTime.Time.Equal(now) || lease.Spec.AcquireTime.Time.Equal(now) {
		t.Errorf("renewTime, acquireTime = %v, %v; want renewTime %v only", lease.Spec.RenewTime, lease.Spec.AcquireTime, now)
	}

	// Someone else took the Lease: the next renewal conflicts, the one after takes it back.
	lease.Spec.HolderIdentity = ptr.To("intruder")
	if err := c.Update(ctx, lease); err != nil {
		t.Fatal(err)
	}
	now = now.Add(DefaultRenewInterval)
	if err := r.Renew(ctx); err == nil {
		t.Error("Renew() over a stale resourceVersion succeeded, want a conflict")
	}
	now = now.Add(DefaultRenewInterval)
	if err := r.Renew(ctx); err != nil {
		t.Fatalf("Renew() after a conflict error = %v", err)
	}
	lease = get()
	if got := ptr.Deref(lease.Spec.HolderIdentity, ""); got != "agent-0" || !lease.Spec.RenewTime.Time.Equal(now) ||
		ptr.Deref(lease.Spec.LeaseTransitions, 0) != 1 {
		t.Errorf("after the retry: holder %q, renewTime %v, transitions %d", got, lease.Spec.RenewTime,
			ptr.Deref(lease.Spec.LeaseTransitions, 0))
	}
}

func TestRenewerStopsWithContext(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := coordinationv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).Build()
	r, err := NewRenewer(c, c, Options{Namespace: "agent", RenewInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Start(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Start() error = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Start() did not return after its context was cancelled")
	}
}

func TestOptions(t *testing.T) {
	t.Setenv(PodNameEnv, "agent-pod")
	o, err := Options{Namespace: "agent"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Identity != "agent-pod" || o.Name != "flotilla-agent" || o.RenewInterval != DefaultRenewInterval ||
		o.LeaseDuration != DefaultLeaseDuration {
		t.Errorf("defaults = %+v", o)
	}
	if _, err := (Options{}).withDefaults(); err == nil {
		t.Error("no namespace: no error")
	}
	if _, err := (Options{Namespace: "agent", LeaseDuration: time.Millisecond}).withDefaults(); err == nil {
		t.Error("sub-second lease duration: no error")
	}
}
