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
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/util/sets"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/manifests"
)

// TestExamplesRoundTrip decodes every DynamoGraphDeployment in examples/ into the Go types,
// refusing unknown fields, and encodes it back: nothing may be lost or changed on the way.
func TestExamplesRoundTrip(t *testing.T) {
	docs, err := manifests.ReadDir(filepath.Join("..", "..", "..", "examples"))
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
			original, err := json.Marshal(doc.Object.Object)
			if err != nil {
				t.Fatal(err)
			}
			var dgd nvidiav1alpha1.DynamoGraphDeployment
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
			before, after = pruneEmpty(before).(map[string]any), pruneEmpty(after).(map[string]any)
			delete(after, "status")
			if !reflect.DeepEqual(before, after) {
				t.Errorf("round trip changed the graph\n before: %s\n  after: %s", mustJSON(before), mustJSON(after))
			}
		})
	}
	if graphs < 6 {
		t.Fatalf("found %d graphs in examples/, want at least 6", graphs)
	}
}

// TestExamplesCoverUpstreamShapes checks that the examples hold the shapes the API must accept:
// aggregated, disaggregated, multinode, planner, with and without placement, and the fields of
// the newest upstream v1alpha1 (GPU Memory Service, failover, topology, roles, minAvailable).
func TestExamplesCoverUpstreamShapes(t *testing.T) {
	docs, err := manifests.ReadDir(filepath.Join("..", "..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	seen := sets.New[string]()
	for _, doc := range docs {
		if doc.Object.GetKind() != "DynamoGraphDeployment" {
			seen.Insert("other-kind")
			continue
		}
		data, _ := json.Marshal(doc.Object.Object)
		var dgd nvidiav1alpha1.DynamoGraphDeployment
		if err := json.Unmarshal(data, &dgd); err != nil {
			t.Fatal(err)
		}
		if dgd.Spec.Placement != nil {
			seen.Insert("placement")
		} else {
			seen.Insert("no-placement")
		}
		if dgd.Spec.TopologyConstraint != nil {
			seen.Insert("topology-constraint")
		}
		for _, svc := range dgd.Spec.Services {
			if svc.GPUMemoryService != nil {
				seen.Insert("gpu-memory-service")
			}
			if svc.Failover != nil {
				seen.Insert("failover")
			}
			if len(svc.Roles) > 0 {
				seen.Insert("roles")
			}
			if svc.MinAvailable != nil {
				seen.Insert("min-available")
			}
			switch {
			case svc.Multinode != nil:
				seen.Insert("multinode")
			case svc.ComponentType == nvidiav1alpha1.ComponentTypePlanner:
				seen.Insert("planner")
			case svc.SubComponentType == "prefill":
				seen.Insert("disaggregated")
			}
		}
	}
	for _, want := range []string{
		"placement", "no-placement", "multinode", "planner", "disaggregated", "other-kind",
		"topology-constraint", "gpu-memory-service", "failover", "roles", "min-available",
	} {
		if !seen.Has(want) {
			t.Errorf("no example shows %q", want)
		}
	}
}

// pruneEmpty removes nulls, empty strings, empty lists and empty objects, which mean "unset" in
// both the YAML a user writes and the JSON the Go types encode (a Go string field cannot tell "" from
// absent: core/v1's Container.name encodes as "").
func pruneEmpty(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			child = pruneEmpty(child)
			if isEmpty(child) {
				delete(v, k)
				continue
			}
			v[k] = child
		}
		return v
	case []any:
		for i := range v {
			v[i] = pruneEmpty(v[i])
		}
		return v
	default:
		return v
	}
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}
