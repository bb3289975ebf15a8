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
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

func specWithReplicas(n int32) *nvidiav1beta1.DynamoComponentDeploymentSpec {
	s := &nvidiav1beta1.DynamoComponentDeploymentSpec{}
	s.ComponentName = "worker"
	s.Replicas = ptr.To(n)
	return s
}

// TestAcceptedSpecs checks that a spec is remembered for the TTL only, that another spec is not
// taken for it, that a full set forgets its oldest specs first, and that nil remembers nothing.
func TestAcceptedSpecs(t *testing.T) {
	clock := clocktesting.NewFakePassiveClock(time.Unix(1000, 0))
	a := &AcceptedSpecs{TTL: time.Minute, Size: 4, Clock: clock}
	a.Add(specWithReplicas(1))
	if !a.Has(specWithReplicas(1)) {
		t.Fatal("a spec just accepted is not remembered")
	}
	if a.Has(specWithReplicas(2)) {
		t.Fatal("a spec never accepted is taken for an accepted one")
	}
	clock.SetTime(clock.Now().Add(time.Minute))
	if a.Has(specWithReplicas(1)) {
		t.Fatal("a spec is remembered past the TTL")
	}

	for i := range int32(4) {
		clock.SetTime(clock.Now().Add(time.Second))
		a.Add(specWithReplicas(10 + i))
	}
	clock.SetTime(clock.Now().Add(time.Second))
	a.Add(specWithReplicas(20)) // full: the older half (10, 11) goes, and the expired 1
	for i, want := range map[int32]bool{1: false, 10: false, 11: false, 12: true, 13: true, 20: true} {
		if got := a.Has(specWithReplicas(i)); got != want {
			t.Errorf("after the set filled up, Has(replicas %d) = %t, want %t", i, got, want)
		}
	}
	if len(a.accepted) > a.Size {
		t.Errorf("the set holds %d specs, more than its size %d", len(a.accepted), a.Size)
	}

	var none *AcceptedSpecs
	none.Add(specWithReplicas(1))
	if none.Has(specWithReplicas(1)) {
		t.Error("a nil AcceptedSpecs remembers a spec")
	}
}

// TestValidateRecordsSkipsAcceptedSpecs checks that validateRecords dry-runs a spec once while it
// is remembered, dry-runs every distinct spec without AcceptedSpecs (one spec once, whatever the
// number of its records), and never remembers a refused spec.
func TestValidateRecordsSkipsAcceptedSpecs(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := nvidiav1beta1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	var dryRuns atomic.Int32
	refuse := int32(-1)
	c := fake.NewClientBuilder().WithScheme(scheme).WithInterceptorFuncs(interceptor.Funcs{
		Apply: func(_ context.Context, _ client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			o := &client.ApplyOptions{}
			o.ApplyOptions(opts)
			if len(o.DryRun) == 0 {
				t.Fatal("validateRecords wrote a record")
			}
			dryRuns.Add(1)
			b, err := json.Marshal(obj)
			if err != nil {
				return err
			}
			var applied metav1.PartialObjectMetadata
			if err := json.Unmarshal(b, &applied); err != nil {
				return err
			}
			if applied.Name == "refused" {
				return apierrors.NewInvalid(schema.GroupKind{Group: "nvidia.com", Kind: "DynamoComponentDeployment"}, "refused",
					field.ErrorList{field.Invalid(field.NewPath("spec", "replicas"), refuse, "refused")})
			}
			return nil
		},
	}).Build()
	record := func(name string, replicas int32) *nvidiav1beta1.DynamoComponentDeployment {
		return &nvidiav1beta1.DynamoComponentDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: *specWithReplicas(replicas)}
	}
	ctx := context.Background()

	accepted := NewAcceptedSpecs()
	writes := []*nvidiav1beta1.DynamoComponentDeployment{record("a", 1), record("b", 2)}
	for range 3 {
		if err := validateRecords(ctx, c, accepted, writes); err != nil {
			t.Fatal(err)
		}
	}
	if n := dryRuns.Load(); n != 2 {
		t.Errorf("three validations of two accepted specs dry-ran %d times, want 2", n)
	}

	dryRuns.Store(0)
	for range 2 {
		if err := validateRecords(ctx, c, nil, writes); err != nil {
			t.Fatal(err)
		}
	}
	if n := dryRuns.Load(); n != 4 {
		t.Errorf("two validations of two specs without AcceptedSpecs dry-ran %d times, want 4", n)
	}

	dryRuns.Store(0)
	if err := validateRecords(ctx, c, nil, []*nvidiav1beta1.DynamoComponentDeployment{record("copy-0", 5), record("copy-1", 5)}); err != nil {
		t.Fatal(err)
	}
	if n := dryRuns.Load(); n != 1 {
		t.Errorf("two records of one spec (two copies of a component) dry-ran %d times, want 1", n)
	}

	for range 2 {
		err := validateRecords(ctx, c, accepted, []*nvidiav1beta1.DynamoComponentDeployment{record("refused", 3)})
		var refused *refusedComponentsError
		if !errors.As(err, &refused) {
			t.Fatalf("a refused record gave %v, want a refusedComponentsError", err)
		}
	}
	if accepted.Has(specWithReplicas(3)) {
		t.Error("a refused spec is remembered as accepted")
	}
}
