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
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/test/manifests"
)

// Go fuzz targets for `go test -fuzz`. Each input is used twice: as the JSON of an object of
// either version (the seeds are the example graphs, and the components of their services), and
// as the randomness of the round-trip tests' generator. Without -fuzz, the seeds run as tests.

// FuzzDGDRoundTrip round-trips DynamoGraphDeployments through the other version.
func FuzzDGDRoundTrip(f *testing.F) {
	for _, doc := range exampleGraphs(f) {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var alpha nvidiav1alpha1.DynamoGraphDeployment
		if json.Unmarshal(data, &alpha) == nil {
			makeAdmissibleInput(&alpha)
			dgdAlphaRoundTrip.check(t, &alpha)
		}
		var beta nvidiav1beta1.DynamoGraphDeployment
		if json.Unmarshal(data, &beta) == nil {
			makeAdmissibleInput(&beta)
			dgdBetaRoundTrip.check(t, &beta)
		}
		fill := newFillerFromBytes(data)
		dgdAlphaRoundTrip.check(t, genAlphaDGD(fill))
		dgdBetaRoundTrip.check(t, genBetaDGD(fill))
	})
}

// FuzzDCDRoundTrip round-trips DynamoComponentDeployments through the other version.
func FuzzDCDRoundTrip(f *testing.F) {
	for _, doc := range exampleComponents(f) {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var alpha nvidiav1alpha1.DynamoComponentDeployment
		if json.Unmarshal(data, &alpha) == nil {
			makeAdmissibleInput(&alpha)
			dcdAlphaRoundTrip.check(t, &alpha)
		}
		var beta nvidiav1beta1.DynamoComponentDeployment
		if json.Unmarshal(data, &beta) == nil {
			makeAdmissibleInput(&beta)
			dcdBetaRoundTrip.check(t, &beta)
		}
		fill := newFillerFromBytes(data)
		dcdAlphaRoundTrip.check(t, genAlphaDCD(fill))
		dcdBetaRoundTrip.check(t, genBetaDCD(fill))
	})
}

// makeAdmissibleInput applies to a decoded object the constraints the generator puts on its
// objects (see conversionFillers): decoding arbitrary JSON can produce anything the API server
// would have rejected.
// The kind and version of a decoded object are also cleared: controller-runtime's webhook
// sets them after the conversion, which leaves them alone.
func makeAdmissibleInput(obj interface {
	metav1.Object
	GetObjectKind() schema.ObjectKind
}) {
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	scrubConversionAnnotations(obj)
	makeAdmissible(obj)
}

// examplesDir holds the example graphs; examples/v1beta1 holds those written in v1beta1.
var examplesDir = filepath.Join("..", "..", "..", "examples")

// exampleDocuments returns the examples of a kind in both versions, as JSON.
func exampleDocuments(tb testing.TB, kind string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, dir := range []string{examplesDir, filepath.Join(examplesDir, "v1beta1")} {
		docs, err := manifests.ReadDir(dir)
		if err != nil {
			tb.Fatal(err)
		}
		for _, doc := range docs {
			if doc.Object.GetKind() != kind {
				continue
			}
			data, err := json.Marshal(doc.Object.Object)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, data)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no %s examples in %s", kind, examplesDir)
	}
	return out
}

func exampleGraphs(tb testing.TB) [][]byte {
	return exampleDocuments(tb, "DynamoGraphDeployment")
}

// exampleComponents returns the components of the example graphs as DynamoComponentDeployment
// documents of the graph's version: there are no component examples of their own.
func exampleComponents(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, graph := range exampleGraphs(tb) {
		var u unstructured.Unstructured
		if err := u.UnmarshalJSON(graph); err != nil {
			tb.Fatal(err)
		}
		var specs []any
		if services, ok, _ := unstructured.NestedMap(u.Object, "spec", "services"); ok {
			for name, spec := range services {
				if m, ok := spec.(map[string]any); ok {
					m["serviceName"] = name
				}
				specs = append(specs, spec)
			}
		}
		if components, ok, _ := unstructured.NestedSlice(u.Object, "spec", "components"); ok {
			specs = append(specs, components...)
		}
		for _, spec := range specs {
			data, err := json.Marshal(map[string]any{
				"apiVersion": u.GetAPIVersion(),
				"kind":       "DynamoComponentDeployment",
				"metadata":   map[string]any{"name": u.GetName() + "-component", "namespace": "default"},
				"spec":       spec,
			})
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, data)
		}
	}
	return out
}
