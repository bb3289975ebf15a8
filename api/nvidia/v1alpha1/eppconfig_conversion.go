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
	"bytes"
	"encoding/json"
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// The endpoint-picker configuration is the one component field Flotilla's v1alpha1 types shape
// differently from v1beta1's: v1alpha1 keeps it schemaless (upstream types it), v1beta1 types it
// as configMapRef and config. Each direction converts what it can and, when converting back
// would not give the same value, keeps the original in the payload; it is put back only while
// the live value is still what the original converts to.

// eppConfigToHub reads a v1alpha1 eppConfig object as v1beta1's configMapRef and config. Other
// members, or a value that is not such an object, have no v1beta1 form.
func eppConfigToHub(raw *runtime.RawExtension) *nvidiav1beta1.EPPConfig {
	var out nvidiav1beta1.EPPConfig
	if err := json.Unmarshal(raw.Raw, &out); err != nil {
		return &nvidiav1beta1.EPPConfig{}
	}
	return &out
}

// eppConfigFromHub writes a v1beta1 eppConfig as v1alpha1's object.
func eppConfigFromHub(cfg *nvidiav1beta1.EPPConfig) *runtime.RawExtension {
	data, err := json.Marshal(cfg)
	if err != nil {
		// Only a config holding invalid JSON gets here; the hub payload keeps it.
		return &runtime.RawExtension{Raw: []byte("{}")}
	}
	return &runtime.RawExtension{Raw: data}
}

// eppConfigLosesDetailToHub reports whether a v1alpha1 eppConfig does not come back the same
// from v1beta1.
func eppConfigLosesDetailToHub(raw *runtime.RawExtension) bool {
	return raw != nil && !jsonEqual(raw.Raw, eppConfigFromHub(eppConfigToHub(raw)).Raw)
}

// eppConfigLosesDetailFromHub reports whether a v1beta1 eppConfig does not come back the same
// from v1alpha1.
func eppConfigLosesDetailFromHub(cfg *nvidiav1beta1.EPPConfig) bool {
	return cfg != nil && !equalSemantic(cfg, eppConfigToHub(eppConfigFromHub(cfg)))
}

// jsonEqual compares two JSON documents by value, or byte for byte when either does not parse.
func jsonEqual(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}
