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

package v1alpha1

import (
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The two API versions of a graph or component cannot represent each other completely. What one
// version holds and the other cannot is kept in two annotations on the converted object, one for
// the spec and one for the status, under the same keys as NVIDIA Dynamo's own operator uses, so
// that an object converted by either operator converts back the same way in the other.
//
// A spec annotation holds a versioned envelope,
//
//	{"version":1,"spec":{...},"rawJSON":[{"path":"...","raw":"...","nil":true}]}
//
// whose spec is a sparse spec of the version the object was converted FROM: only the fields the
// other version lacks, plus the names needed to match them back (component names, container
// names). rawJSON records values that JSON cannot carry inside the spec itself. A status
// annotation holds a sparse status of the source version as plain JSON.
//
// The annotations are consumed by every conversion and written again only when needed. The
// converted object's own fields always win: a payload left over from an earlier conversion is
// used only where the live object has no field for the value.
const (
	dgdAnnotationPrefix = "nvidia.com/dgd-"
	dgdSpecAnnotation   = dgdAnnotationPrefix + "spec"
	dgdStatusAnnotation = dgdAnnotationPrefix + "status"

	dcdSpecAnnotation   = DynamoComponentDeploymentSpecAnnotation
	dcdStatusAnnotation = "nvidia.com/dcd-status"

	// payloadVersion is the version of the spec envelope.
	payloadVersion = 1
)

// IsDynamoGraphDeploymentConversionAnnotation reports whether key is reserved for the
// conversion of DynamoGraphDeployments between API versions. The whole nvidia.com/dgd- prefix is
// reserved, as upstream reserves it.
func IsDynamoGraphDeploymentConversionAnnotation(key string) bool {
	return strings.HasPrefix(key, dgdAnnotationPrefix)
}

// DynamoComponentDeploymentSpecAnnotation carries the v1alpha1-only fields of a
// DynamoComponentDeployment's spec while it is stored in v1beta1: it belongs with the spec.
const DynamoComponentDeploymentSpecAnnotation = "nvidia.com/dcd-spec"

// IsDynamoComponentDeploymentConversionAnnotation reports whether key is one of the annotations
// that carry a DynamoComponentDeployment's fields between API versions.
func IsDynamoComponentDeploymentConversionAnnotation(key string) bool {
	return key == dcdSpecAnnotation || key == dcdStatusAnnotation
}

// specEnvelope is the JSON form of a spec annotation.
type specEnvelope[T any] struct {
	Version int          `json:"version"`
	Spec    T            `json:"spec"`
	RawJSON []rawJSONRef `json:"rawJSON,omitempty"`
}

// rawJSONRef records, by a slash-separated path into the spec, a value the spec itself does not
// carry: raw bytes, or an explicit nil.
type rawJSONRef struct {
	Path string `json:"path"`
	Raw  []byte `json:"raw,omitempty"`
	Nil  bool   `json:"nil,omitempty"`
}

// encodeSpecPayload wraps spec in an envelope. sanitize may move values out of the spec into
// raw records before it is encoded.
func encodeSpecPayload[T any](spec T, sanitize func(*T, *[]rawJSONRef)) (string, error) {
	env := specEnvelope[T]{Version: payloadVersion, Spec: spec}
	if sanitize != nil {
		sanitize(&env.Spec, &env.RawJSON)
	}
	data, err := json.Marshal(env)
	if err != nil {
		return "", err
	}
	return string(data), nil
}

// decodeSpecPayload reads a spec annotation. A payload that is not JSON, or not of the expected
// shape, is ignored (ok is false): it can only have been written by hand, and the live fields
// are complete without it. A JSON object without a "spec" member is read as a bare spec, the
// form of earlier payloads.
func decodeSpecPayload[T any](raw string, apply func(*T, []rawJSONRef)) (spec T, ok bool) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &members); err != nil {
		return spec, false
	}
	if _, enveloped := members["spec"]; !enveloped {
		if err := json.Unmarshal([]byte(raw), &spec); err != nil {
			return spec, false
		}
		return spec, true
	}
	var env specEnvelope[T]
	if err := json.Unmarshal([]byte(raw), &env); err != nil {
		return spec, false
	}
	if apply != nil {
		apply(&env.Spec, env.RawJSON)
	}
	return env.Spec, true
}

// decodeStatusPayload reads a status annotation. Unlike a spec payload, a status payload that
// does not parse is an error, as upstream treats it.
func decodeStatusPayload[T any](obj metav1.Object, key string) (*T, error) {
	raw := obj.GetAnnotations()[key]
	if raw == "" {
		return nil, nil
	}
	var out T
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("reading the %s annotation: %w", key, err)
	}
	return &out, nil
}

// setAnnotation sets one annotation on obj.
func setAnnotation(obj metav1.Object, key, value string) {
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[key] = value
	obj.SetAnnotations(annotations)
}

// setJSONAnnotation sets one annotation on obj to the JSON form of value.
func setJSONAnnotation(obj metav1.Object, key string, value any) error {
	data, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("writing the %s annotation: %w", key, err)
	}
	setAnnotation(obj, key, string(data))
	return nil
}

// removeAnnotations deletes keys from obj's annotations, leaving nil rather than an empty map.
func removeAnnotations(obj metav1.Object, keys ...string) {
	annotations := obj.GetAnnotations()
	if annotations == nil {
		return
	}
	for _, key := range keys {
		delete(annotations, key)
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	obj.SetAnnotations(annotations)
}

// hasAnyAnnotation reports whether obj carries at least one of keys, even with an empty value.
func hasAnyAnnotation(obj metav1.Object, keys ...string) bool {
	annotations := obj.GetAnnotations()
	for _, key := range keys {
		if _, ok := annotations[key]; ok {
			return true
		}
	}
	return false
}
