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
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apitestingfuzzer "k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/conversion"
	"sigs.k8s.io/randfill"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Randomised round trips of the conversion, in the manner of Kubernetes' own API round-trip
// tests: objects are generated with sigs.k8s.io/randfill set up by apitesting/fuzzer and the
// metav1 filler functions, converted to the other version and back, and compared with what went
// in. (apitesting/roundtrip itself drives conversions through a runtime.Scheme and codecs; these
// kinds convert through controller-runtime's Convertible, so the loop is written here.)

var (
	fuzzIterations = flag.Int("conversion-fuzz-iterations", 1000, "objects generated per kind and direction by the conversion round-trip tests")
	fuzzSeed       = flag.Int64("conversion-fuzz-seed", 1, "random seed of the conversion round-trip tests")
)

// conversionFillers constrain generated values to what the API admits where the conversion
// relies on it. Each one:
//   - Quantity: a parseable quantity; randfill's raw struct is not one.
//   - metav1.Time: whole seconds, as every time read from the API server is (payloads are JSON).
//   - IntOrString: the type and the value set agree, as after decoding.
//   - RawExtension, apiextensionsv1.JSON: a JSON object (the CRD schema requires objects); an
//     extension is sometimes an endpoint-picker configuration v1beta1 can represent.
//   - GPU memory service modes: a value of the enum. The conversion maps v1alpha1's
//     intraPod/interPod to v1beta1's IntraPod/InterPod and carries other values as they are, so a
//     v1alpha1 "IntraPod" (which admission rejects) would come back as "intraPod".
//   - v1beta1 components: distinct, non-empty names (the list is a map keyed by name, which the
//     API server enforces) and at most 25 of them.
//   - containers of one pod: distinct names; mounts of one container: distinct paths. Kubernetes
//     requires both.
//   - v1alpha1 volume mounts: paths distinct among themselves and from
//     extraPodSpec.mainContainer's, since they are all mounted in the one main container.
//   - a v1beta1 frontendSidecar names a container of the pod template, as admission requires.
//   - a v1alpha1 frontendSidecar beside an extraPodSpec container of its generated name,
//     sidecar-frontend: v1alpha1 admission rejects the pair; the extraPodSpec container is
//     renamed.
//
// Others only steer the generator towards the conversion's interesting cases, without
// excluding anything: names drawn from small pools (containers named main and
// sidecar-frontend, volume mounts and environment variables that collide), well-known resource
// names and parseable quantities beside arbitrary strings, component types of the enums.
func conversionFillers(runtimeserializer.CodecFactory) []any {
	return []any{
		func(q *resource.Quantity, c randfill.Continue) {
			if c.Intn(8) == 0 {
				*q = resource.MustParse("0")
				return
			}
			*q = resource.MustParse(strconv.FormatInt(c.Int63n(65536), 10) + []string{"", "Mi", "Gi", "m"}[c.Intn(4)])
		},
		func(l *corev1.ResourceList, c randfill.Continue) {
			*l = corev1.ResourceList{}
			for range c.Intn(4) {
				var q resource.Quantity
				c.Fill(&q)
				(*l)[corev1.ResourceName(pick(c, "cpu", "memory", "nvidia.com/gpu", "example.com/fpga", c.String(8)))] = q
			}
		},
		func(r *nvidiav1alpha1.ResourceItem, c randfill.Continue) {
			r.CPU = quantityString(c)
			r.Memory = quantityString(c)
			r.GPU = quantityString(c)
			r.GPUType = pick(c, "", "", "nvidia.com/gpu", "example.com/gpu", c.String(8))
			if c.Bool() {
				r.Custom = map[string]string{}
				for range c.Intn(3) {
					r.Custom[pick(c, "cpu", "nvidia.com/gpu", "example.com/fpga", c.String(8))] = quantityString(c)
				}
			}
		},
		func(p *corev1.PodSpec, c randfill.Continue) {
			c.FillNoCustom(p)
			poolContainerNames(p.Containers, c)
			poolContainerNames(p.InitContainers, c)
		},
		func(ctr *corev1.Container, c randfill.Continue) {
			c.FillNoCustom(ctr)
			uniqueMountPaths(ctr)
		},
		func(m *corev1.VolumeMount, c randfill.Continue) {
			c.FillNoCustom(m)
			m.Name, m.MountPath = pick(c, "v0", "v1", "v2"), pick(c, "/a", "/b", "/c")
		},
		func(m *nvidiav1alpha1.VolumeMount, c randfill.Continue) {
			m.Name, m.MountPoint = pick(c, "v0", "v1", "v2"), pick(c, "/a", "/b", "/c")
			m.UseAsCompilationCache = c.Bool()
		},
		func(cc *nvidiav1beta1.CompilationCacheConfig, c randfill.Continue) {
			cc.PVCName, cc.MountPath = pick(c, "v0", "v1", "v2"), pick(c, "/a", "/b", "/c")
		},
		func(e *corev1.EnvVar, c randfill.Continue) {
			c.FillNoCustom(e)
			e.Name = pick(c, "A", "B", "C")
		},
		func(s *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			s.ComponentType = pick(c, "", "worker", "frontend", "prefill", "decode", "planner", "main", c.String(8))
			s.SubComponentType = pick(c, "", "", "prefill", "decode", c.String(8))
			if s.EnvFromSecret != nil {
				*s.EnvFromSecret = pick(c, "", "secret", c.String(8))
			}
			if fs := s.FrontendSidecar; fs != nil && fs.EnvFromSecret != nil {
				*fs.EnvFromSecret = pick(c, "", "secret", c.String(8))
			}
			if s.ExtraPodSpec != nil && s.ExtraPodSpec.MainContainer != nil {
				s.ExtraPodSpec.MainContainer.Name = pick(c, "", "", "main", c.String(8))
				if c.Intn(8) == 0 {
					s.ExtraPodSpec.MainContainer = &corev1.Container{Name: pick(c, "", "main")}
				}
			}
			admissibleAlphaShared(s)
		},
		func(s *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			s.ComponentType = nvidiav1beta1.ComponentType(pick(c, "", "worker", "frontend", "prefill", "decode", "planner", "epp", c.String(8)))
			if s.FrontendSidecar != nil {
				*s.FrontendSidecar = pick(c, "sidecar-frontend", "sidecar-frontend", "main", c.String(8))
			}
			admissibleBetaShared(s)
		},
		func(t *metav1.Time, c randfill.Continue) {
			*t = metav1.Unix(int64(c.Uint32()), 0)
		},
		func(v *intstr.IntOrString, c randfill.Continue) {
			if c.Bool() {
				*v = intstr.FromInt32(c.Int31n(65536))
			} else {
				*v = intstr.FromString("p" + strconv.Itoa(c.Intn(1000)))
			}
		},
		func(r *runtime.RawExtension, c randfill.Continue) {
			var obj any
			if c.Bool() {
				var cfg nvidiav1beta1.EPPConfig
				c.Fill(&cfg)
				obj = cfg
			} else {
				obj = randomJSONObject(c, 0)
			}
			raw, err := json.Marshal(obj)
			if err != nil {
				panic(err)
			}
			*r = runtime.RawExtension{Raw: raw}
		},
		func(v *apiextensionsv1.JSON, c randfill.Continue) {
			raw, err := json.Marshal(randomJSONObject(c, 0))
			if err != nil {
				panic(err)
			}
			*v = apiextensionsv1.JSON{Raw: raw}
		},
		func(m *nvidiav1alpha1.GPUMemoryServiceMode, c randfill.Continue) {
			*m = []nvidiav1alpha1.GPUMemoryServiceMode{"", nvidiav1alpha1.GPUMemoryServiceModeIntraPod, nvidiav1alpha1.GPUMemoryServiceModeInterPod}[c.Intn(3)]
		},
		func(m *nvidiav1beta1.GPUMemoryServiceMode, c randfill.Continue) {
			*m = []nvidiav1beta1.GPUMemoryServiceMode{"", nvidiav1beta1.GMSModeIntraPod, nvidiav1beta1.GMSModeInterPod}[c.Intn(3)]
		},
		func(components *[]nvidiav1beta1.DynamoComponentDeploymentSharedSpec, c randfill.Continue) {
			c.FillNoCustom(components)
			if len(*components) > 25 {
				*components = (*components)[:25]
			}
			for i := range *components {
				(*components)[i].ComponentName = fmt.Sprintf("c%d-%d", c.Intn(1000), i)
			}
		},
	}
}

// pick returns one of values.
func pick(c randfill.Continue, values ...string) string {
	return values[c.Intn(len(values))]
}

// quantityString returns an empty string, a quantity, or a string that is not one.
func quantityString(c randfill.Continue) string {
	switch c.Intn(4) {
	case 0:
		return ""
	case 1:
		return c.String(6)
	default:
		var q resource.Quantity
		c.Fill(&q)
		if c.Bool() {
			return q.String()
		}
		return strconv.FormatInt(q.MilliValue(), 10) + "m"
	}
}

// poolContainerNames names containers from a pool that includes the names the conversion
// treats specially, without repeating a name.
func poolContainerNames(containers []corev1.Container, c randfill.Continue) {
	pool := []string{"main", "sidecar-frontend", "sidecar", "init"}
	c.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	for i := range containers {
		if i < len(pool) && c.Intn(4) != 0 {
			containers[i].Name = pool[i]
		} else {
			containers[i].Name = "c" + strconv.Itoa(i) + c.String(4)
		}
	}
}

// uniqueContainerNames drops containers whose name an earlier one has.
func uniqueContainerNames(containers []corev1.Container) []corev1.Container {
	seen := map[string]bool{}
	return slices.DeleteFunc(containers, func(c corev1.Container) bool {
		dup := seen[c.Name]
		seen[c.Name] = true
		return dup
	})
}

// uniqueMountPaths drops mounts whose path an earlier one of the container has.
func uniqueMountPaths(c *corev1.Container) {
	seen := map[string]bool{}
	c.VolumeMounts = slices.DeleteFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
		dup := seen[m.MountPath]
		seen[m.MountPath] = true
		return dup
	})
}

// admissibleAlphaShared applies the v1alpha1 component constraints listed on
// conversionFillers.
func admissibleAlphaShared(s *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec) {
	seen := map[string]bool{}
	if s.ExtraPodSpec != nil && s.ExtraPodSpec.MainContainer != nil {
		for _, m := range s.ExtraPodSpec.MainContainer.VolumeMounts {
			seen[m.MountPath] = true
		}
	}
	s.VolumeMounts = slices.DeleteFunc(s.VolumeMounts, func(m nvidiav1alpha1.VolumeMount) bool {
		dup := seen[m.MountPoint]
		seen[m.MountPoint] = true
		return dup
	})
	if s.FrontendSidecar != nil && s.ExtraPodSpec != nil && s.ExtraPodSpec.PodSpec != nil {
		for i := range s.ExtraPodSpec.Containers {
			if s.ExtraPodSpec.Containers[i].Name == "sidecar-frontend" {
				s.ExtraPodSpec.Containers[i].Name = "sidecar-" + strconv.Itoa(i)
			}
		}
	}
}

// admissibleBetaShared applies the v1beta1 component constraints listed on conversionFillers.
func admissibleBetaShared(s *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
	if s.FrontendSidecar != nil && (s.PodTemplate == nil || !slices.ContainsFunc(s.PodTemplate.Spec.Containers, func(c corev1.Container) bool {
		return c.Name == *s.FrontendSidecar
	})) {
		s.FrontendSidecar = nil
	}
}

// makeAdmissible re-establishes, on an edited or decoded object, the constraints
// conversionFillers put on generated values: distinct names of containers and components,
// distinct mount paths, enum values, and the component constraints of each version.
func makeAdmissible(obj any) {
	walk(reflect.ValueOf(obj), func(v reflect.Value) {
		if !v.CanAddr() {
			return
		}
		switch p := v.Addr().Interface().(type) {
		case *corev1.PodSpec:
			p.Containers = uniqueContainerNames(p.Containers)
			p.InitContainers = uniqueContainerNames(p.InitContainers)
		case *corev1.Container:
			uniqueMountPaths(p)
		case *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec:
			admissibleAlphaShared(p)
		case *nvidiav1beta1.DynamoComponentDeploymentSharedSpec:
			admissibleBetaShared(p)
		case *nvidiav1alpha1.GPUMemoryServiceMode:
			if *p != nvidiav1alpha1.GPUMemoryServiceModeIntraPod && *p != nvidiav1alpha1.GPUMemoryServiceModeInterPod {
				*p = ""
			}
		case *nvidiav1beta1.GPUMemoryServiceMode:
			if *p != nvidiav1beta1.GMSModeIntraPod && *p != nvidiav1beta1.GMSModeInterPod {
				*p = ""
			}
		case *[]nvidiav1beta1.DynamoComponentDeploymentSharedSpec:
			seen := map[string]bool{}
			*p = slices.DeleteFunc(*p, func(c nvidiav1beta1.DynamoComponentDeploymentSharedSpec) bool {
				dup := seen[c.ComponentName]
				seen[c.ComponentName] = true
				return dup
			})
		}
	})
}

// walk calls fn on v and, depth first, on every value v holds; fn sees a value after the
// values it holds.
func walk(v reflect.Value, fn func(reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walk(v.Field(i), fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walk(v.Index(i), fn)
		}
	case reflect.Map:
		for _, key := range v.MapKeys() {
			elem := deepCopyValue(v.MapIndex(key))
			walk(elem, fn)
			v.SetMapIndex(key, elem)
		}
	}
	fn(v)
}

// randomJSONObject returns a small JSON object of random members.
func randomJSONObject(c randfill.Continue, depth int) map[string]any {
	out := map[string]any{}
	for i, n := 0, c.Intn(3); i < n; i++ {
		out["k"+strconv.Itoa(c.Intn(8))] = randomJSONValue(c, depth+1)
	}
	return out
}

func randomJSONValue(c randfill.Continue, depth int) any {
	kinds := 6
	if depth >= 2 {
		kinds = 4
	}
	switch c.Intn(kinds) {
	case 0:
		return nil
	case 1:
		return c.Bool()
	case 2:
		return float64(c.Intn(1000))
	case 3:
		return "s" + strconv.Itoa(c.Intn(100))
	case 4:
		return []any{randomJSONValue(c, depth+1)}
	default:
		return randomJSONObject(c, depth)
	}
}

// newFiller returns the generator of the round-trip tests, reading its randomness from src.
func newFiller(src rand.Source) *randfill.Filler {
	funcs := apitestingfuzzer.MergeFuzzerFuncs(metafuzzer.Funcs, conversionFillers)
	// Up to three elements per list and map, so that ordering and merging by name are
	// exercised; apitesting's default of at most one would not.
	return apitestingfuzzer.FuzzerFor(funcs, src, runtimeserializer.NewCodecFactory(runtime.NewScheme())).NumElements(0, 3)
}

// newFillerFromBytes returns the same generator reading its randomness from fuzzing input. Its
// objects are lighter (more absent fields, shorter lists) so that an input runs in about a
// millisecond: the fuzzing engine minimises every input that finds new coverage, and with this
// generator most inputs do.
func newFillerFromBytes(data []byte) *randfill.Filler {
	funcs := apitestingfuzzer.MergeFuzzerFuncs(metafuzzer.Funcs, conversionFillers)
	return randfill.NewFromGoFuzz(data).NilChance(.7).NumElements(0, 2).Funcs(funcs(runtimeserializer.NewCodecFactory(runtime.NewScheme()))...)
}

// conversionAnnotations are the annotations the conversion owns. A user annotation under one of
// them would be consumed by the conversion, as upstream's would; generated objects have none.
func isConversionAnnotation(key string) bool {
	return nvidiav1alpha1.IsDynamoGraphDeploymentConversionAnnotation(key) ||
		nvidiav1alpha1.IsDynamoComponentDeploymentConversionAnnotation(key)
}

func scrubConversionAnnotations(obj metav1.Object) {
	annotations := obj.GetAnnotations()
	for key := range annotations {
		if isConversionAnnotation(key) {
			delete(annotations, key)
		}
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	obj.SetAnnotations(annotations)
}

// The generated kinds. Each generator fills a fresh object and removes conversion annotations
// from its metadata.

func genAlphaDGD(f *randfill.Filler) *nvidiav1alpha1.DynamoGraphDeployment {
	obj := &nvidiav1alpha1.DynamoGraphDeployment{}
	f.Fill(obj)
	scrubConversionAnnotations(obj)
	// Dynamo's graph controller writes the services key as serviceName: generate that too.
	for name, s := range obj.Spec.Services {
		var coin uint8
		f.Fill(&coin)
		if s != nil && coin%3 == 0 {
			s.ServiceName = name
		}
	}
	return obj
}

func genBetaDGD(f *randfill.Filler) *nvidiav1beta1.DynamoGraphDeployment {
	obj := &nvidiav1beta1.DynamoGraphDeployment{}
	f.Fill(obj)
	scrubConversionAnnotations(obj)
	return obj
}

func genAlphaDCD(f *randfill.Filler) *nvidiav1alpha1.DynamoComponentDeployment {
	obj := &nvidiav1alpha1.DynamoComponentDeployment{}
	f.Fill(obj)
	scrubConversionAnnotations(obj)
	return obj
}

func genBetaDCD(f *randfill.Filler) *nvidiav1beta1.DynamoComponentDeployment {
	obj := &nvidiav1beta1.DynamoComponentDeployment{}
	f.Fill(obj)
	scrubConversionAnnotations(obj)
	return obj
}

// normalizeAlphaDGD applies to a v1alpha1 graph the losses upstream's conversion makes by
// design (see normalizeAlphaShared), and one more: a component group's scaling adapter is
// v1beta1's presence-only marker, so a disabled adapter comes back absent and the older disable
// flag is not kept.
func normalizeAlphaDGD(obj *nvidiav1alpha1.DynamoGraphDeployment) {
	for _, s := range obj.Spec.Services {
		if s != nil {
			normalizeAlphaShared(s)
		}
	}
	if obj.Spec.Experimental == nil {
		return
	}
	for i := range obj.Spec.Experimental.ComponentGroups {
		g := &obj.Spec.Experimental.ComponentGroups[i]
		if g.ScalingAdapter == nil {
			continue
		}
		if g.ScalingAdapter.Enabled {
			g.ScalingAdapter = &nvidiav1alpha1.ScalingAdapter{Enabled: true}
		} else {
			g.ScalingAdapter = nil
		}
	}
}

func normalizeAlphaDCD(obj *nvidiav1alpha1.DynamoComponentDeployment) {
	normalizeAlphaShared(&obj.Spec.DynamoComponentDeploymentSharedSpec)
}

// normalizeAlphaShared applies to a v1alpha1 component the losses upstream's conversion makes
// by design:
//   - a container named main in extraPodSpec is replaced by the main container the dedicated
//     fields render to, as Dynamo's v1alpha1 controller replaces it;
//   - pod fields of extraPodSpec that are all empty (such as "tolerations: []") beside a
//     mainContainer with content come back absent: the pod template cannot tell them from
//     none. (An extraPodSpec that is empty altogether is kept as it is.)
func normalizeAlphaShared(s *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec) {
	eps := s.ExtraPodSpec
	if eps == nil || eps.PodSpec == nil {
		return
	}
	eps.Containers = slices.DeleteFunc(eps.Containers, func(c corev1.Container) bool {
		return c.Name == "main"
	})
	mainHasContent := false
	if eps.MainContainer != nil {
		main := *eps.MainContainer
		main.Name = ""
		mainHasContent = !apiequality.Semantic.DeepEqual(main, corev1.Container{})
	}
	if mainHasContent && apiequality.Semantic.DeepEqual(*eps.PodSpec, corev1.PodSpec{}) {
		eps.PodSpec = nil
	}
}

// roundTripCase converts a generated object to the other version and back.
type roundTripCase[In any, Mid any] struct {
	name      string
	generate  func(*randfill.Filler) In
	normalize func(In)
	deepCopy  func(In) In
	there     func(In, Mid) error
	back      func(Mid, In) error
	newMid    func() Mid
	newOut    func() In
}

// check converts in and back and fails t when anything is lost or in was changed.
func (rt roundTripCase[In, Mid]) check(t testing.TB, in In) {
	t.Helper()
	before := rt.deepCopy(in)
	mid := rt.newMid()
	if err := rt.there(in, mid); err != nil {
		t.Fatalf("%s: converting: %v\ninput: %s", rt.name, err, asJSON(in))
	}
	if !reflect.DeepEqual(before, in) {
		t.Fatalf("%s: converting changed its input:\n%s", rt.name, cmp.Diff(before, in))
	}
	out := rt.newOut()
	if err := rt.back(mid, out); err != nil {
		t.Fatalf("%s: converting back: %v\ninput: %s\nconverted: %s", rt.name, err, asJSON(in), asJSON(mid))
	}
	want := rt.deepCopy(in)
	if rt.normalize != nil {
		rt.normalize(want)
	}
	if !apiequality.Semantic.DeepEqual(want, out) {
		t.Fatalf("%s: round trip lost something (-want +got):\n%s\ninput: %s\nconverted: %s", rt.name, cmp.Diff(want, out, cmpopts.EquateEmpty()), asJSON(in), asJSON(mid))
	}
}

var (
	dgdAlphaRoundTrip = roundTripCase[*nvidiav1alpha1.DynamoGraphDeployment, *nvidiav1beta1.DynamoGraphDeployment]{
		name:      "DynamoGraphDeployment v1alpha1 -> v1beta1 -> v1alpha1",
		generate:  genAlphaDGD,
		normalize: normalizeAlphaDGD,
		deepCopy:  (*nvidiav1alpha1.DynamoGraphDeployment).DeepCopy,
		there: func(in *nvidiav1alpha1.DynamoGraphDeployment, hub *nvidiav1beta1.DynamoGraphDeployment) error {
			return in.ConvertTo(hub)
		},
		back: func(hub *nvidiav1beta1.DynamoGraphDeployment, out *nvidiav1alpha1.DynamoGraphDeployment) error {
			return out.ConvertFrom(hub)
		},
		newMid: func() *nvidiav1beta1.DynamoGraphDeployment { return &nvidiav1beta1.DynamoGraphDeployment{} },
		newOut: func() *nvidiav1alpha1.DynamoGraphDeployment { return &nvidiav1alpha1.DynamoGraphDeployment{} },
	}
	dgdBetaRoundTrip = roundTripCase[*nvidiav1beta1.DynamoGraphDeployment, *nvidiav1alpha1.DynamoGraphDeployment]{
		name:     "DynamoGraphDeployment v1beta1 -> v1alpha1 -> v1beta1",
		generate: genBetaDGD,
		deepCopy: (*nvidiav1beta1.DynamoGraphDeployment).DeepCopy,
		there: func(in *nvidiav1beta1.DynamoGraphDeployment, spoke *nvidiav1alpha1.DynamoGraphDeployment) error {
			return spoke.ConvertFrom(in)
		},
		back: func(spoke *nvidiav1alpha1.DynamoGraphDeployment, out *nvidiav1beta1.DynamoGraphDeployment) error {
			return spoke.ConvertTo(out)
		},
		newMid: func() *nvidiav1alpha1.DynamoGraphDeployment { return &nvidiav1alpha1.DynamoGraphDeployment{} },
		newOut: func() *nvidiav1beta1.DynamoGraphDeployment { return &nvidiav1beta1.DynamoGraphDeployment{} },
	}
	dcdAlphaRoundTrip = roundTripCase[*nvidiav1alpha1.DynamoComponentDeployment, *nvidiav1beta1.DynamoComponentDeployment]{
		name:      "DynamoComponentDeployment v1alpha1 -> v1beta1 -> v1alpha1",
		generate:  genAlphaDCD,
		normalize: normalizeAlphaDCD,
		deepCopy:  (*nvidiav1alpha1.DynamoComponentDeployment).DeepCopy,
		there: func(in *nvidiav1alpha1.DynamoComponentDeployment, hub *nvidiav1beta1.DynamoComponentDeployment) error {
			return in.ConvertTo(hub)
		},
		back: func(hub *nvidiav1beta1.DynamoComponentDeployment, out *nvidiav1alpha1.DynamoComponentDeployment) error {
			return out.ConvertFrom(hub)
		},
		newMid: func() *nvidiav1beta1.DynamoComponentDeployment { return &nvidiav1beta1.DynamoComponentDeployment{} },
		newOut: func() *nvidiav1alpha1.DynamoComponentDeployment { return &nvidiav1alpha1.DynamoComponentDeployment{} },
	}
	dcdBetaRoundTrip = roundTripCase[*nvidiav1beta1.DynamoComponentDeployment, *nvidiav1alpha1.DynamoComponentDeployment]{
		name:     "DynamoComponentDeployment v1beta1 -> v1alpha1 -> v1beta1",
		generate: genBetaDCD,
		deepCopy: (*nvidiav1beta1.DynamoComponentDeployment).DeepCopy,
		there: func(in *nvidiav1beta1.DynamoComponentDeployment, spoke *nvidiav1alpha1.DynamoComponentDeployment) error {
			return spoke.ConvertFrom(in)
		},
		back: func(spoke *nvidiav1alpha1.DynamoComponentDeployment, out *nvidiav1beta1.DynamoComponentDeployment) error {
			return spoke.ConvertTo(out)
		},
		newMid: func() *nvidiav1alpha1.DynamoComponentDeployment { return &nvidiav1alpha1.DynamoComponentDeployment{} },
		newOut: func() *nvidiav1beta1.DynamoComponentDeployment { return &nvidiav1beta1.DynamoComponentDeployment{} },
	}
)

func runRoundTrips[In, Mid any](t *testing.T, rt roundTripCase[In, Mid]) {
	f := newFiller(rand.NewSource(*fuzzSeed))
	for range *fuzzIterations {
		rt.check(t, rt.generate(f))
	}
}

// TestConversionRoundTripFuzz converts random objects of both kinds to the other version and
// back, in both directions, and requires them back unchanged.
func TestConversionRoundTripFuzz(t *testing.T) {
	t.Run("DGD/v1alpha1", func(t *testing.T) { runRoundTrips(t, dgdAlphaRoundTrip) })
	t.Run("DGD/v1beta1", func(t *testing.T) { runRoundTrips(t, dgdBetaRoundTrip) })
	t.Run("DCD/v1alpha1", func(t *testing.T) { runRoundTrips(t, dcdAlphaRoundTrip) })
	t.Run("DCD/v1beta1", func(t *testing.T) { runRoundTrips(t, dcdBetaRoundTrip) })
}

func asJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(data)
}

var (
	_ conversion.Hub = &nvidiav1beta1.DynamoGraphDeployment{}
	_ conversion.Hub = &nvidiav1beta1.DynamoComponentDeployment{}
	_                = strings.HasPrefix
)
