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

// Command crdfix adjusts the CRDs controller-gen writes where Dynamo's API embeds Kubernetes types
// more loosely than Kubernetes declares them. A service's extraPodSpec is a partial pod spec merged
// over the one Dynamo generates, and extraPodSpec.mainContainer a partial container merged over the
// generated "main" container: upstream graphs leave out spec.containers and the container name, so
// the schema must not require them. controller-gen takes the required lists from the core/v1 types
// and has no marker to override them on an embedding field; this program removes exactly those two
// requirements and nothing else.
//
// Usage: crdfix FILE...
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	for _, path := range os.Args[1:] {
		if err := fixFile(path); err != nil {
			fmt.Fprintf(os.Stderr, "crdfix: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func fixFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		return err
	}
	changed := false
	for i := range crd.Spec.Versions {
		if v := crd.Spec.Versions[i].Schema; v != nil && v.OpenAPIV3Schema != nil {
			changed = relaxExtraPodSpec(v.OpenAPIV3Schema) || changed
		}
	}
	if !changed {
		return nil
	}
	out, err := marshalManifest(&crd)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// relaxExtraPodSpec walks a schema and, in every property named extraPodSpec, drops the
// requirement of containers and of mainContainer.name. It reports whether it changed anything.
func relaxExtraPodSpec(s *apiextensionsv1.JSONSchemaProps) bool {
	changed := false
	for name, prop := range s.Properties {
		if name == "extraPodSpec" {
			changed = dropRequired(&prop, "containers") || changed
			if mc, ok := prop.Properties["mainContainer"]; ok {
				changed = dropRequired(&mc, "name") || changed
				prop.Properties["mainContainer"] = mc
			}
		}
		changed = relaxExtraPodSpec(&prop) || changed
		s.Properties[name] = prop
	}
	if s.Items != nil && s.Items.Schema != nil {
		changed = relaxExtraPodSpec(s.Items.Schema) || changed
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		changed = relaxExtraPodSpec(s.AdditionalProperties.Schema) || changed
	}
	return changed
}

// marshalManifest writes crd as controller-gen does: without status and without a null
// creationTimestamp.
func marshalManifest(crd *apiextensionsv1.CustomResourceDefinition) ([]byte, error) {
	data, err := json.Marshal(crd)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	delete(obj, "status")
	if meta, ok := obj["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return append([]byte("---\n"), out...), nil
}

func dropRequired(s *apiextensionsv1.JSONSchemaProps, field string) bool {
	i := slices.Index(s.Required, field)
	if i < 0 {
		return false
	}
	s.Required = slices.Delete(s.Required, i, i+1)
	if len(s.Required) == 0 {
		s.Required = nil
	}
	return true
}
