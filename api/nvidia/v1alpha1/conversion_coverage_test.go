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

package v1alpha1_test

import (
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/randfill"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// The round trips prove nothing about a field the generator never sets. This test walks the Go
// types of the four converted kinds by reflection, down to every leaf field of the API packages
// (fields of other packages, such as a corev1.PodTemplateSpec or a Quantity, count as leaves),
// and requires that the generator of the round-trip tests gave every one of them a value that
// is not zero in at least one object.

// apiPackages are the packages whose structs the walk descends into.
var apiPackages = []string{
	reflect.TypeFor[nvidiav1alpha1.DynamoGraphDeployment]().PkgPath(),
	reflect.TypeFor[nvidiav1beta1.DynamoGraphDeployment]().PkgPath(),
	reflect.TypeFor[flotillav1alpha1.PlacementSpec]().PkgPath(),
}

func isAPIStruct(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && slices.Contains(apiPackages, t.PkgPath())
}

// elemType strips pointers, slices and maps from t.
func elemType(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
}

// fieldName is the JSON name of a struct field, or "" for an inlined one.
func fieldName(f reflect.StructField) string {
	name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

func joinPath(prefix, name string) string {
	switch {
	case name == "":
		return prefix
	case prefix == "":
		return name
	default:
		return prefix + "." + name
	}
}

// leafPaths lists the paths of the leaf fields of t.
func leafPaths(t reflect.Type, prefix string, stack []reflect.Type) []string {
	t = elemType(t)
	if !isAPIStruct(t) || t.NumField() == 0 || slices.Contains(stack, t) {
		return []string{prefix}
	}
	stack = append(stack, t)
	var paths []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type == reflect.TypeFor[metav1.TypeMeta]() {
			continue
		}
		paths = append(paths, leafPaths(f.Type, joinPath(prefix, fieldName(f)), stack)...)
	}
	return paths
}

// recordReached marks in reached the paths of the leaf fields v sets.
func recordReached(v reflect.Value, prefix string, reached map[string]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if isAPIStruct(v.Type().Elem()) && v.Type().Elem().NumField() == 0 {
			// A presence marker (an empty struct) is set by being there.
			reached[prefix] = true
			return
		}
		recordReached(v.Elem(), prefix, reached)
		return
	case reflect.Slice, reflect.Array, reflect.Map:
		if !isAPIStruct(elemType(v.Type())) {
			break
		}
		if v.Kind() == reflect.Map {
			for _, key := range v.MapKeys() {
				recordReached(v.MapIndex(key), prefix, reached)
			}
			return
		}
		for i := range v.Len() {
			recordReached(v.Index(i), prefix, reached)
		}
		return
	case reflect.Struct:
		if !isAPIStruct(v.Type()) {
			break
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.IsExported() && f.Type != reflect.TypeFor[metav1.TypeMeta]() {
				recordReached(v.Field(i), joinPath(prefix, fieldName(f)), reached)
			}
		}
		return
	}
	if isSet(v) {
		reached[prefix] = true
	}
}

// isSet reports whether a leaf value is set: not zero, not empty, and not a pointer to a zero
// value.
func isSet(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && isSet(v.Elem())
	case reflect.Slice, reflect.Map:
		return v.Len() > 0
	default:
		return !v.IsZero()
	}
}

// TestConversionFuzzReachesEveryField requires the round-trip generator to set every leaf field
// of both versions of both kinds.
func TestConversionFuzzReachesEveryField(t *testing.T) {
	roots := []struct {
		name     string
		generate func(*randfill.Filler) any
	}{
		{"DynamoGraphDeployment v1alpha1", func(f *randfill.Filler) any { return genAlphaDGD(f) }},
		{"DynamoGraphDeployment v1beta1", func(f *randfill.Filler) any { return genBetaDGD(f) }},
		{"DynamoComponentDeployment v1alpha1", func(f *randfill.Filler) any { return genAlphaDCD(f) }},
		{"DynamoComponentDeployment v1beta1", func(f *randfill.Filler) any { return genBetaDCD(f) }},
	}
	for _, root := range roots {
		t.Run(root.name, func(t *testing.T) {
			f := newFiller(rand.NewSource(*fuzzSeed))
			reached := map[string]bool{}
			var typ reflect.Type
			for range *fuzzIterations {
				obj := reflect.ValueOf(root.generate(f))
				typ = obj.Type()
				recordReached(obj, "", reached)
			}
			paths := leafPaths(typ, "", nil)
			if len(paths) < 20 {
				t.Fatalf("found only %d leaf fields in %s: the walk is broken", len(paths), typ)
			}
			for _, path := range paths {
				if !reached[path] {
					t.Errorf("%s: the generator never set %s", root.name, path)
				}
			}
			t.Logf("%s: %d leaf fields, all set", root.name, len(paths))
		})
	}
}
