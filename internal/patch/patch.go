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

// Package patch writes what a reconciler changed in an object it read, the way every Flotilla
// controller writes: the change only, by JSON merge patch, and nothing when nothing changed.
//
//   - Metadata (finalizers, annotations, labels) is patched with optimistic locking
//     (Metadata, AddFinalizer, RemoveFinalizer): a merge patch replaces a list such as
//     metadata.finalizers whole, so a patch computed from a stale read must fail rather than drop
//     a finalizer someone else added meanwhile.
//   - Status is patched without (Status): each Flotilla controller is the only writer of the
//     status of its objects, and the cache it reads from has often not yet seen its own last
//     write; a resourceVersion in the patch would fail such a write with a conflict and delay the
//     status by a retry.
//
// It is the hub's counterpart of cluster-api's util/patch habit (snapshot, change, one patch),
// kept small: Flotilla's objects have one status writer each, so no condition merging is needed.
package patch

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// Metadata applies change to obj and, if change reports a change, writes it by a merge patch
// with optimistic locking. obj is updated from the API server's answer. An object that is gone
// is not an error: there is nothing left to change.
func Metadata[T client.Object](ctx context.Context, c client.Client, obj T, change func(T) bool) (bool, error) {
	before, ok := obj.DeepCopyObject().(client.Object)
	if !ok {
		return false, fmt.Errorf("%T does not copy into a client.Object", obj)
	}
	if !change(obj) {
		return false, nil
	}
	err := c.Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("patching %s: %w", client.ObjectKeyFromObject(obj), err)
	}
	return true, nil
}

// AddFinalizer adds finalizer to obj and writes it (Metadata), unless obj already holds it. It
// reports whether it wrote.
func AddFinalizer(ctx context.Context, c client.Client, obj client.Object, finalizer string) (bool, error) {
	return Metadata(ctx, c, obj, func(o client.Object) bool { return controllerutil.AddFinalizer(o, finalizer) })
}

// RemoveFinalizer removes finalizer from obj and writes it (Metadata), if obj holds it.
func RemoveFinalizer(ctx context.Context, c client.Client, obj client.Object, finalizer string) error {
	_, err := Metadata(ctx, c, obj, func(o client.Object) bool { return controllerutil.RemoveFinalizer(o, finalizer) })
	return err
}

// Status writes the status obj has, changed from before (obj as read), by a merge patch of the
// status subresource without optimistic locking (see the package comment). Nothing is written
// when the patch would be empty. It reports whether it wrote.
func Status(ctx context.Context, c client.Client, before, obj client.Object) (bool, error) {
	p := client.MergeFrom(before)
	data, err := p.Data(obj)
	if err != nil {
		return false, fmt.Errorf("computing the status patch of %s: %w", client.ObjectKeyFromObject(obj), err)
	}
	if string(data) == "{}" {
		return false, nil
	}
	if err := c.Status().Patch(ctx, obj, p); err != nil {
		return false, fmt.Errorf("patching the status of %s: %w", client.ObjectKeyFromObject(obj), err)
	}
	return true, nil
}
