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

package dynamo

import (
	"k8s.io/apimachinery/pkg/api/equality"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// HasApplied reports whether current, a DCD as stored, already says all that applying desired
// would say: every label and annotation of desired with the same value (current may hold
// more), the same spec, and no spec conversion payload (nvidia.com/dcd-spec, the v1alpha1-only
// fields, which belong with the spec) that desired no longer has. The hub uses it for its
// records and for their copies on members, to apply only what changed.
func HasApplied(current, desired *nvidiav1beta1.DynamoComponentDeployment) bool {
	for k, v := range desired.Labels {
		if current.Labels[k] != v {
			return false
		}
	}
	for k, v := range desired.Annotations {
		if current.Annotations[k] != v {
			return false
		}
	}
	const payload = nvidiav1alpha1.DynamoComponentDeploymentSpecAnnotation
	if _, stale := current.Annotations[payload]; stale {
		if _, ok := desired.Annotations[payload]; !ok {
			return false
		}
	}
	return equality.Semantic.DeepEqual(current.Spec, desired.Spec)
}
