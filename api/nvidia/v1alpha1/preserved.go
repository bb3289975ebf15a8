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
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// PreservedDCDSpec returns the v1alpha1 fields that a DynamoComponentDeployment converted from
// v1alpha1 carries, as a v1beta1 object, in its nvidia.com/dcd-spec annotation: a sparse v1alpha1
// spec holding what v1beta1 has no field for, such as dynamoNamespace, ingress, the component's
// own labels and annotations, pvc, autoscaling, or a subComponentType that is not a v1beta1
// type. It is nil when the object carries no such payload (it was written in v1beta1, or nothing
// of it is v1alpha1-only) or when the payload does not parse, which the conversion ignores too.
//
// Readers of a v1beta1 object use it for the v1alpha1-only fields they still honour, as upstream
// Dynamo's operator does (GetDCDDynamoNamespace and the like). The fields v1beta1 has always win:
// a value here is never a substitute for one the live object holds.
func PreservedDCDSpec(dcd *nvidiav1beta1.DynamoComponentDeployment) *DynamoComponentDeploymentSpec {
	if dcd == nil {
		return nil
	}
	raw := dcd.Annotations[dcdSpecAnnotation]
	if raw == "" {
		return nil
	}
	spec, ok := decodeSpecPayload[DynamoComponentDeploymentSpec](raw, nil)
	if !ok {
		return nil
	}
	return &spec
}

// PreservedServices returns the services of a v1beta1 graph as v1alpha1 describes them, keyed by
// component name, v1alpha1-only fields included: dynamoNamespace, ingress, autoscaling, the
// per-service annotations and labels, ..., which a graph converted from v1alpha1 keeps in its
// nvidia.com/dgd-spec annotation. It is the v1alpha1 conversion of the whole graph, as upstream
// Dynamo's graph controller reads a v1beta1 graph's v1alpha1 view (getDGDAlpha): the fields
// v1beta1 holds come from the live components, the others from the payload. A graph that cannot
// be converted (two components of one name) gives the conversion's error. dgd is not modified.
func PreservedServices(dgd *nvidiav1beta1.DynamoGraphDeployment) (map[string]*DynamoComponentDeploymentSharedSpec, error) {
	if dgd == nil {
		return nil, nil
	}
	alpha := &DynamoGraphDeployment{}
	if err := alpha.ConvertFrom(dgd.DeepCopy()); err != nil {
		return nil, err
	}
	return alpha.Spec.Services, nil
}
