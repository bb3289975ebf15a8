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

package patch_test

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/internal/patch"
)

const finalizer = "example.com/cleanup"

func setup(t *testing.T) (client.Client, *int, *int) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := flotillav1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	patches, statusPatches := 0, 0
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(&flotillav1alpha1.MemberCluster{ObjectMeta: metav1.ObjectMeta{Name: "m"}}).
		WithStatusSubresource(&flotillav1alpha1.MemberCluster{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
				patches++
				return c.Patch(ctx, obj, p, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				statusPatches++
				return c.SubResource(sub).Patch(ctx, obj, p, opts...)
			},
		}).Build()
	return c, &patches, &statusPatches
}

func get(t *testing.T, c client.Client) *flotillav1alpha1.MemberCluster {
	t.Helper()
	mc := &flotillav1alpha1.MemberCluster{}
	if err := c.Get(context.Background(), client.ObjectKey{Name: "m"}, mc); err != nil {
		t.Fatal(err)
	}
	return mc
}

// TestFinalizers checks that a finalizer is written once, that a patch computed from a stale
// read fails with a conflict instead of overwriting the list, and that removing a finalizer
// from an object that is gone is no error.
func TestFinalizers(t *testing.T) {
	ctx := context.Background()
	c, patches, _ := setup(t)

	mc := get(t, c)
	stale := mc.DeepCopy()
	for range 2 {
		if _, err := patch.AddFinalizer(ctx, c, mc, finalizer); err != nil {
			t.Fatal(err)
		}
	}
	if *patches != 1 {
		t.Errorf("adding a finalizer twice sent %d patches, want 1", *patches)
	}
	if got := get(t, c).Finalizers; len(got) != 1 || got[0] != finalizer {
		t.Errorf("finalizers = %v, want [%s]", got, finalizer)
	}
	if mc.ResourceVersion == stale.ResourceVersion {
		t.Error("the object was not updated from the API server's answer")
	}

	_, err := patch.AddFinalizer(ctx, c, stale, "example.com/other")
	if !apierrors.IsConflict(err) {
		t.Errorf("a patch from a stale read gave %v, want a conflict", err)
	}
	if got := get(t, c).Finalizers; len(got) != 1 || got[0] != finalizer {
		t.Errorf("after the stale patch, finalizers = %v, want [%s]", got, finalizer)
	}

	if err := patch.RemoveFinalizer(ctx, c, mc, finalizer); err != nil {
		t.Fatal(err)
	}
	if got := get(t, c).Finalizers; len(got) != 0 {
		t.Errorf("after removal, finalizers = %v", got)
	}
	if err := c.Delete(ctx, mc); err != nil {
		t.Fatal(err)
	}
	gone := mc.DeepCopy()
	gone.Finalizers = []string{finalizer}
	if err := patch.RemoveFinalizer(ctx, c, gone, finalizer); err != nil {
		t.Errorf("removing a finalizer from an object that is gone: %v", err)
	}
}

// TestStatus checks that an unchanged status sends nothing, and that a changed one is written
// even from a read the object has moved on from (no optimistic lock).
func TestStatus(t *testing.T) {
	ctx := context.Background()
	c, _, statusPatches := setup(t)

	mc := get(t, c)
	if wrote, err := patch.Status(ctx, c, mc.DeepCopy(), mc); err != nil || wrote {
		t.Fatalf("an unchanged status: wrote %t, %v", wrote, err)
	}
	if *statusPatches != 0 {
		t.Fatalf("an unchanged status sent %d patches", *statusPatches)
	}

	stale := mc.DeepCopy()
	if _, err := patch.AddFinalizer(ctx, c, mc, finalizer); err != nil {
		t.Fatal(err)
	}
	before := stale.DeepCopy()
	stale.Status.Conditions = []metav1.Condition{{Type: "Joined", Status: metav1.ConditionTrue, Reason: "Probed", LastTransitionTime: metav1.Now()}}
	if wrote, err := patch.Status(ctx, c, before, stale); err != nil || !wrote {
		t.Fatalf("a changed status from a stale read: wrote %t, %v", wrote, err)
	}
	got := get(t, c)
	if len(got.Status.Conditions) != 1 || len(got.Finalizers) != 1 {
		t.Errorf("after the status patch: conditions %v, finalizers %v", got.Status.Conditions, got.Finalizers)
	}
}
