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
	"cmp"
	"math/rand"
	"reflect"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/conversion"
	"sigs.k8s.io/randfill"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// A payload outlives the edits made to the object that carries it: a user may change a graph
// in v1beta1 while it still carries the v1alpha1 payload of an earlier conversion. These tests
// convert a random object to the other version (the carrier), edit the carrier with random
// values without touching its conversion annotations, then convert it back and forth again: the
// carrier must come back with every edit, the payload never winning over a live field.

// carrierCase describes one kind and the version that carries the payload.
type carrierCase[In, Carrier any] struct {
	name        string
	generate    func(*randfill.Filler) In
	toCarrier   func(In, Carrier) error
	fromCarrier func(Carrier, In) error
	newIn       func() In
	newCarrier  func() Carrier
	deepCopy    func(Carrier) Carrier
	// normalize applies to the carrier the losses the conversion makes by design.
	normalize func(Carrier)
}

func runCarrierMutations[In, Carrier interface {
	runtime.Object
	metav1.Object
}](t *testing.T, tc carrierCase[In, Carrier]) {
	f := newFiller(rand.NewSource(*fuzzSeed))
	for range *fuzzIterations {
		carrier := tc.newCarrier()
		if err := tc.toCarrier(tc.generate(f), carrier); err != nil {
			t.Fatalf("%s: converting: %v", tc.name, err)
		}
		patch := tc.newCarrier()
		f.Fill(patch)
		scrubConversionAnnotations(patch)
		mergeSparse(reflect.ValueOf(carrier), reflect.ValueOf(patch))
		makeAdmissible(carrier)
		before := tc.deepCopy(carrier)

		mid := tc.newIn()
		if err := tc.fromCarrier(carrier, mid); err != nil {
			t.Fatalf("%s: converting the edited carrier: %v\ncarrier: %s", tc.name, err, asJSON(carrier))
		}
		if !reflect.DeepEqual(before, carrier) {
			t.Fatalf("%s: converting changed its input:\n%s", tc.name, gocmp.Diff(before, carrier))
		}
		out := tc.newCarrier()
		if err := tc.toCarrier(mid, out); err != nil {
			t.Fatalf("%s: converting back: %v\ncarrier: %s", tc.name, err, asJSON(carrier))
		}

		want := tc.deepCopy(carrier)
		if tc.normalize != nil {
			tc.normalize(want)
		}
		for _, obj := range []Carrier{want, out} {
			scrubConversionAnnotations(obj)
			sortFlatMounts(obj)
			normalizeIntOrString(obj)
		}
		if !apiequality.Semantic.DeepEqual(want, out) {
			t.Fatalf("%s: an edit of the carrier was lost (-want +got):\n%s\ncarrier: %s\nconverted: %s\nback: %s",
				tc.name, gocmp.Diff(want, out, cmpopts.EquateEmpty()), asJSON(carrier), asJSON(mid), asJSON(out))
		}
	}
}

// TestConversionStalePayloadFuzz edits converted objects and requires every edit to survive
// later conversions, in both directions, for both kinds.
func TestConversionStalePayloadFuzz(t *testing.T) {
	t.Run("DGD/v1alpha1-carrier", func(t *testing.T) {
		runCarrierMutations(t, carrierCase[*nvidiav1beta1.DynamoGraphDeployment, *nvidiav1alpha1.DynamoGraphDeployment]{
			name:     "DynamoGraphDeployment v1beta1 -> edited v1alpha1 -> v1beta1 -> v1alpha1",
			generate: genBetaDGD,
			toCarrier: func(in *nvidiav1beta1.DynamoGraphDeployment, c *nvidiav1alpha1.DynamoGraphDeployment) error {
				return c.ConvertFrom(in)
			},
			fromCarrier: func(c *nvidiav1alpha1.DynamoGraphDeployment, hub *nvidiav1beta1.DynamoGraphDeployment) error {
				return c.ConvertTo(hub)
			},
			newIn:      func() *nvidiav1beta1.DynamoGraphDeployment { return &nvidiav1beta1.DynamoGraphDeployment{} },
			newCarrier: func() *nvidiav1alpha1.DynamoGraphDeployment { return &nvidiav1alpha1.DynamoGraphDeployment{} },
			deepCopy:   (*nvidiav1alpha1.DynamoGraphDeployment).DeepCopy,
			normalize:  normalizeAlphaDGD,
		})
	})
	t.Run("DGD/v1beta1-carrier", func(t *testing.T) {
		runCarrierMutations(t, carrierCase[*nvidiav1alpha1.DynamoGraphDeployment, *nvidiav1beta1.DynamoGraphDeployment]{
			name:     "DynamoGraphDeployment v1alpha1 -> edited v1beta1 -> v1alpha1 -> v1beta1",
			generate: genAlphaDGD,
			toCarrier: func(in *nvidiav1alpha1.DynamoGraphDeployment, c *nvidiav1beta1.DynamoGraphDeployment) error {
				return in.ConvertTo(c)
			},
			fromCarrier: func(c *nvidiav1beta1.DynamoGraphDeployment, spoke *nvidiav1alpha1.DynamoGraphDeployment) error {
				return spoke.ConvertFrom(c)
			},
			newIn:      func() *nvidiav1alpha1.DynamoGraphDeployment { return &nvidiav1alpha1.DynamoGraphDeployment{} },
			newCarrier: func() *nvidiav1beta1.DynamoGraphDeployment { return &nvidiav1beta1.DynamoGraphDeployment{} },
			deepCopy:   (*nvidiav1beta1.DynamoGraphDeployment).DeepCopy,
		})
	})
	t.Run("DCD/v1alpha1-carrier", func(t *testing.T) {
		runCarrierMutations(t, carrierCase[*nvidiav1beta1.DynamoComponentDeployment, *nvidiav1alpha1.DynamoComponentDeployment]{
			name:     "DynamoComponentDeployment v1beta1 -> edited v1alpha1 -> v1beta1 -> v1alpha1",
			generate: genBetaDCD,
			toCarrier: func(in *nvidiav1beta1.DynamoComponentDeployment, c *nvidiav1alpha1.DynamoComponentDeployment) error {
				return c.ConvertFrom(in)
			},
			fromCarrier: func(c *nvidiav1alpha1.DynamoComponentDeployment, hub *nvidiav1beta1.DynamoComponentDeployment) error {
				return c.ConvertTo(hub)
			},
			newIn:      func() *nvidiav1beta1.DynamoComponentDeployment { return &nvidiav1beta1.DynamoComponentDeployment{} },
			newCarrier: func() *nvidiav1alpha1.DynamoComponentDeployment { return &nvidiav1alpha1.DynamoComponentDeployment{} },
			deepCopy:   (*nvidiav1alpha1.DynamoComponentDeployment).DeepCopy,
			normalize:  normalizeAlphaDCD,
		})
	})
	t.Run("DCD/v1beta1-carrier", func(t *testing.T) {
		runCarrierMutations(t, carrierCase[*nvidiav1alpha1.DynamoComponentDeployment, *nvidiav1beta1.DynamoComponentDeployment]{
			name:     "DynamoComponentDeployment v1alpha1 -> edited v1beta1 -> v1alpha1 -> v1beta1",
			generate: genAlphaDCD,
			toCarrier: func(in *nvidiav1alpha1.DynamoComponentDeployment, c *nvidiav1beta1.DynamoComponentDeployment) error {
				return in.ConvertTo(c)
			},
			fromCarrier: func(c *nvidiav1beta1.DynamoComponentDeployment, spoke *nvidiav1alpha1.DynamoComponentDeployment) error {
				return spoke.ConvertFrom(c)
			},
			newIn:      func() *nvidiav1alpha1.DynamoComponentDeployment { return &nvidiav1alpha1.DynamoComponentDeployment{} },
			newCarrier: func() *nvidiav1beta1.DynamoComponentDeployment { return &nvidiav1beta1.DynamoComponentDeployment{} },
			deepCopy:   (*nvidiav1beta1.DynamoComponentDeployment).DeepCopy,
		})
	})
}

// sortFlatMounts orders the volume mounts of every v1alpha1 component. With a stale payload,
// the conversion may move a compilation-cache mount to the front of a component's v1alpha1
// volume mounts or after the others (upstream restores cache mounts first, or last beside
// extraPodSpec.mainContainer mounts); the set of mounts and their flags are kept.
func sortFlatMounts(obj any) {
	walk(reflect.ValueOf(obj), func(v reflect.Value) {
		if !v.CanAddr() {
			return
		}
		if s, ok := v.Addr().Interface().(*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec); ok {
			slices.SortStableFunc(s.VolumeMounts, func(a, b nvidiav1alpha1.VolumeMount) int {
				return cmp.Compare(a.Name+"\x00"+a.MountPoint, b.Name+"\x00"+b.MountPoint)
			})
		}
	})
}

// normalizeIntOrString clears the unused half of every int-or-string. The main container
// merges a dedicated probe with extraPodSpec.mainContainer's field by field (with mergo, as
// upstream does), which can leave a port holding both an int and a string; only the half its
// type selects has meaning, and only that half survives the JSON of a payload.
func normalizeIntOrString(obj any) {
	walk(reflect.ValueOf(obj), func(v reflect.Value) {
		if !v.CanAddr() {
			return
		}
		if p, ok := v.Addr().Interface().(*intstr.IntOrString); ok {
			if p.Type == intstr.String {
				p.IntVal = 0
			} else {
				p.StrVal = ""
			}
		}
	})
}

// mergeSparse writes patch over dst without clearing anything dst has: set scalars replace,
// structs and existing list items and map entries are edited in place, new items and entries
// are appended. Conversion annotations are neither edited nor removed, so the payload they hold
// goes stale.
func mergeSparse(dst, patch reflect.Value) {
	if !dst.IsValid() || !patch.IsValid() || dst.Type() != patch.Type() {
		return
	}
	switch dst.Kind() {
	case reflect.Pointer:
		if patch.IsNil() {
			return
		}
		if dst.IsNil() {
			setIfPossible(dst, deepCopyValue(patch))
			return
		}
		mergeSparse(dst.Elem(), patch.Elem())
	case reflect.Interface:
		if !patch.IsNil() {
			setIfPossible(dst, deepCopyValue(patch))
		}
	case reflect.Struct:
		// Values with a representation of their own (quantities, times, int-or-strings) are
		// replaced whole.
		if dst.Type() == reflect.TypeFor[intstr.IntOrString]() || hasUnexportedField(dst.Type()) {
			if !patch.IsZero() {
				setIfPossible(dst, deepCopyValue(patch))
			}
			return
		}
		for i := range dst.NumField() {
			if dst.Field(i).CanSet() {
				mergeSparse(dst.Field(i), patch.Field(i))
			}
		}
	case reflect.Slice:
		if patch.Len() == 0 {
			return
		}
		if dst.Len() == 0 || dst.Type().Elem().Kind() == reflect.Uint8 {
			setIfPossible(dst, deepCopyValue(patch))
			return
		}
		for i := range min(dst.Len(), patch.Len()) {
			mergeSparse(dst.Index(i), patch.Index(i))
		}
		for i := dst.Len(); i < patch.Len(); i++ {
			setIfPossible(dst, reflect.Append(dst, deepCopyValue(patch.Index(i))))
		}
	case reflect.Map:
		if patch.Len() == 0 {
			return
		}
		if dst.IsNil() {
			setIfPossible(dst, reflect.MakeMap(dst.Type()))
		}
		// Existing entries are edited with the patch's values, in turn; then the patch's other
		// keys are added.
		patchKeys := patch.MapKeys()
		for i, key := range dst.MapKeys() {
			if key.Kind() == reflect.String && isConversionAnnotation(key.String()) {
				continue
			}
			edited := deepCopyValue(dst.MapIndex(key))
			mergeSparse(edited, patch.MapIndex(patchKeys[i%len(patchKeys)]))
			dst.SetMapIndex(key, edited)
		}
		for _, key := range patchKeys {
			if dst.MapIndex(key).IsValid() {
				continue
			}
			dst.SetMapIndex(key, deepCopyValue(patch.MapIndex(key)))
		}
	default:
		setIfPossible(dst, patch)
	}
}

func setIfPossible(dst, v reflect.Value) {
	if dst.CanSet() {
		dst.Set(v)
	}
}

func hasUnexportedField(t reflect.Type) bool {
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return true
		}
	}
	return false
}

// deepCopyValue returns an addressable deep copy of v.
func deepCopyValue(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(deepCopyValue(v.Elem()))
			out.Set(p)
		}
	case reflect.Interface:
		if !v.IsNil() {
			out.Set(deepCopyValue(v.Elem()))
		}
	case reflect.Slice:
		if !v.IsNil() {
			s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				s.Index(i).Set(deepCopyValue(v.Index(i)))
			}
			out.Set(s)
		}
	case reflect.Map:
		if !v.IsNil() {
			m := reflect.MakeMapWithSize(v.Type(), v.Len())
			for _, key := range v.MapKeys() {
				m.SetMapIndex(key, deepCopyValue(v.MapIndex(key)))
			}
			out.Set(m)
		}
	case reflect.Struct:
		if hasUnexportedField(v.Type()) {
			out.Set(v)
			break
		}
		for i := range v.NumField() {
			out.Field(i).Set(deepCopyValue(v.Field(i)))
		}
	default:
		out.Set(v)
	}
	return out
}

var _ conversion.Convertible = &nvidiav1alpha1.DynamoGraphDeployment{}
