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

package v1beta1_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/conversion"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/test/manifests"
)

// examplesDir holds upstream Dynamo's v1beta1 example graphs, each file unchanged but for a first
// line naming where it came from.
var examplesDir = filepath.Join("..", "..", "..", "examples", "v1beta1")

// The v1beta1 kinds are the conversion hubs of their kinds.
var (
	_ conversion.Hub = &nvidiav1beta1.DynamoGraphDeployment{}
	_ conversion.Hub = &nvidiav1beta1.DynamoComponentDeployment{}
)

// TestExamplesRoundTrip decodes every DynamoGraphDeployment of examples/v1beta1 into the Go types,
// refusing unknown fields, and encodes it back: nothing may be lost or changed on the way.
func TestExamplesRoundTrip(t *testing.T) {
	docs, err := manifests.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	graphs := 0
	for _, doc := range docs {
		if doc.Object.GetKind() != "DynamoGraphDeployment" {
			continue
		}
		graphs++
		t.Run(filepath.Base(doc.File)+"/"+doc.Object.GetName(), func(t *testing.T) {
			if got := doc.Object.GetAPIVersion(); got != nvidiav1beta1.GroupVersion.String() {
				t.Fatalf("apiVersion is %q, want %q", got, nvidiav1beta1.GroupVersion.String())
			}
			original, err := json.Marshal(doc.Object.Object)
			if err != nil {
				t.Fatal(err)
			}
			var dgd nvidiav1beta1.DynamoGraphDeployment
			dec := json.NewDecoder(bytes.NewReader(original))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&dgd); err != nil {
				t.Fatalf("decoding into the Go types: %v", err)
			}
			encoded, err := json.Marshal(&dgd)
			if err != nil {
				t.Fatal(err)
			}
			var before, after map[string]any
			if err := json.Unmarshal(original, &before); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(encoded, &after); err != nil {
				t.Fatal(err)
			}
			delete(after, "status")
			if diff := lossless("", before, after); diff != "" {
				t.Errorf("round trip changed the graph at %s\n before: %s\n  after: %s", diff, mustJSON(before), mustJSON(after))
			}
		})
	}
	if graphs < 8 {
		t.Fatalf("found %d graphs in %s, want at least 8", graphs, examplesDir)
	}
}

// TestExamplesCoverUpstreamShapes checks that the examples hold the shapes the API must accept:
// every backend, aggregated, disaggregated, multinode and planner graphs, and experimental
// component features.
func TestExamplesCoverUpstreamShapes(t *testing.T) {
	docs, err := manifests.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	backendOf := regexp.MustCompile(`^(vllm|sglang|trtllm)-`)
	seen := sets.New[string]()
	for _, doc := range docs {
		if doc.Object.GetKind() != "DynamoGraphDeployment" {
			continue
		}
		if m := backendOf.FindStringSubmatch(filepath.Base(doc.File)); m != nil {
			seen.Insert("backend:" + m[1])
		}
		dgd := &nvidiav1beta1.DynamoGraphDeployment{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object.Object, dgd); err != nil {
			t.Fatal(err)
		}
		for _, c := range dgd.Spec.Components {
			seen.Insert("type:" + string(c.ComponentType))
			if c.Multinode != nil {
				seen.Insert("multinode")
			}
			if c.Experimental != nil {
				seen.Insert("experimental")
			}
		}
	}
	for _, want := range []string{
		"backend:vllm", "backend:sglang", "backend:trtllm",
		"type:frontend", "type:worker", "type:prefill", "type:decode", "type:planner",
		"multinode", "experimental",
	} {
		if !seen.Has(want) {
			t.Errorf("no example shows %q", want)
		}
	}
}

// TestExamplesNameTheirSource checks that every example starts with the line naming the upstream
// file and commit it was copied from.
func TestExamplesNameTheirSource(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	source := regexp.MustCompile(`^# Upstream: ai-dynamo/dynamo \S+\.yaml @[0-9a-f]{40}$`)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(fh).ReadString('\n')
		_ = fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !source.MatchString(line[:len(line)-1]) {
			t.Errorf("%s: first line %q does not name its upstream source", f, line)
		}
	}
}

// TestSchemeRegistersKinds checks that AddToScheme registers the four kinds of this version.
func TestSchemeRegistersKinds(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := nvidiav1beta1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{
		"DynamoGraphDeployment", "DynamoGraphDeploymentList",
		"DynamoComponentDeployment", "DynamoComponentDeploymentList",
	} {
		if !scheme.Recognizes(nvidiav1beta1.GroupVersion.WithKind(kind)) {
			t.Errorf("the scheme does not recognize %s", kind)
		}
	}
}

// lossless compares a decoded document (before) with its re-encoding (after) and returns the path
// of the first difference, or "". Everything written must come back equal, empty objects included
// (scalingAdapter: {} and failover: {} mean something); after may add only empty values (null, "",
// {}, [] and objects of those), which the Go types encode for fields a user leaves out, such as a
// pod template's metadata.
func lossless(path string, before, after any) string {
	switch b := before.(type) {
	case map[string]any:
		a, ok := after.(map[string]any)
		if !ok {
			return path
		}
		for k, bv := range b {
			av, ok := a[k]
			if !ok {
				return path + "." + k
			}
			if d := lossless(path+"."+k, bv, av); d != "" {
				return d
			}
		}
		for k, av := range a {
			if _, ok := b[k]; !ok && !isEmpty(av) {
				return path + "." + k
			}
		}
		return ""
	case []any:
		a, ok := after.([]any)
		if !ok || len(a) != len(b) {
			return path
		}
		for i := range b {
			if d := lossless(fmt.Sprintf("%s[%d]", path, i), b[i], a[i]); d != "" {
				return d
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(before, after) {
			return path
		}
		return ""
	}
}

// isEmpty reports whether v is an empty value: null, "", [], or an object of empty values.
func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		for _, child := range v {
			if !isEmpty(child) {
				return false
			}
		}
		return true
	}
	return false
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}
