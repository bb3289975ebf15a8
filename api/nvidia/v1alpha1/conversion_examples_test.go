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
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/test/manifests"
)

// TestExamplesConvertAndBack converts every example graph to the other version and back: the
// v1alpha1 graphs of examples/ and upstream's v1beta1 graphs of examples/v1beta1.
func TestExamplesConvertAndBack(t *testing.T) {
	for _, dir := range []string{examplesDir, filepath.Join(examplesDir, "v1beta1")} {
		docs, err := manifests.ReadDir(dir)
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
				data, err := json.Marshal(doc.Object.Object)
				if err != nil {
					t.Fatal(err)
				}
				switch version := doc.Object.GetAPIVersion(); version {
				case nvidiav1alpha1.GroupVersion.String():
					in := &nvidiav1alpha1.DynamoGraphDeployment{}
					decodeStrict(t, data, in)
					in.TypeMeta = metav1.TypeMeta{}
					dgdAlphaRoundTrip.check(t, in)
					checkConvertsWithoutPayloadLoss(t, in)
				case nvidiav1beta1.GroupVersion.String():
					in := &nvidiav1beta1.DynamoGraphDeployment{}
					decodeStrict(t, data, in)
					in.TypeMeta = metav1.TypeMeta{}
					dgdBetaRoundTrip.check(t, in)
				default:
					t.Fatalf("unexpected apiVersion %s", version)
				}
			})
		}
		if graphs == 0 {
			t.Fatalf("no graphs in %s", dir)
		}
	}
}

// checkConvertsWithoutPayloadLoss converts a v1alpha1 example to v1beta1 and requires the
// result to be a complete v1beta1 graph: every service is a component with its name.
func checkConvertsWithoutPayloadLoss(t *testing.T, in *nvidiav1alpha1.DynamoGraphDeployment) {
	t.Helper()
	hub := toHub(t, in)
	if len(hub.Spec.Components) != len(in.Spec.Services) {
		t.Fatalf("%d services became %d components", len(in.Spec.Services), len(hub.Spec.Components))
	}
	for _, c := range hub.Spec.Components {
		if _, ok := in.Spec.Services[c.ComponentName]; !ok {
			t.Fatalf("component %q is not a service", c.ComponentName)
		}
	}
}

// decodeStrict decodes JSON refusing unknown fields, so that an example the Go types cannot
// hold fails here rather than converting silently without the field.
func decodeStrict(t *testing.T, data []byte, into any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		t.Fatalf("decoding into the Go types: %v", err)
	}
}
