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

// Package ssa server-side applies typed objects with controller-runtime's client.
package ssa

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Configuration returns obj as an apply configuration: its unstructured form without status
// and null values (a typed object's empty fields would otherwise claim ownership of nothing).
// obj must carry its apiVersion and kind.
func Configuration(obj client.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	delete(m, "status")
	pruneNulls(m)
	return &unstructured.Unstructured{Object: m}, nil
}

// Apply server-side applies obj (which must carry its apiVersion and kind) as fieldOwner,
// forcing ownership, and decodes what the apiserver stored back into obj.
func Apply(ctx context.Context, c client.Client, obj client.Object, fieldOwner string) error {
	u, err := Configuration(obj)
	if err != nil {
		return err
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
		return err
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
		return fmt.Errorf("decoding the applied %s: %w", gvk.Kind, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return nil
}

// pruneNulls removes the null values of a JSON object, recursively.
func pruneNulls(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
				continue
			}
			pruneNulls(e)
		}
	case []any:
		for _, e := range v {
			pruneNulls(e)
		}
	}
}

// DryRun server-side applies obj as Apply would, with dryRun=All: the apiserver validates and
// admits it as it would the real apply, and stores nothing. obj is left as it is.
func DryRun(ctx context.Context, c client.Client, obj client.Object, fieldOwner string) error {
	u, err := Configuration(obj)
	if err != nil {
		return err
	}
	return c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(fieldOwner), client.ForceOwnership, client.DryRunAll)
}

// Unchanged reports whether applying config (an apply configuration, Configuration's result)
// to live, the object as stored, would change none of the values config sets: every field of
// config is in live with the same value (maps may hold more, as the API server's defaults; lists
// must be as long). Its apiVersion and kind are not compared (typed objects read from a cache
// carry none). A caller that skips such an apply saves a request and still repairs drift: a
// value someone changed differs from config's.
func Unchanged(live client.Object, config *unstructured.Unstructured) (bool, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return false, err
	}
	for k, v := range config.Object {
		if k == "apiVersion" || k == "kind" {
			continue
		}
		if !contains(m[k], v) {
			return false, nil
		}
	}
	return true, nil
}

// contains reports whether live holds every value of want (see Unchanged).
func contains(live, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			lv, ok := l[k]
			if !ok || !contains(lv, v) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(w) {
			return false
		}
		for i := range w {
			if !contains(l[i], w[i]) {
				return false
			}
		}
		return true
	case int64:
		switch l := live.(type) {
		case int64:
			return l == w
		case float64:
			return l == float64(w)
		}
		return false
	case float64:
		switch l := live.(type) {
		case int64:
			return float64(l) == w
		case float64:
			return l == w
		}
		return false
	}
	return live == want
}
