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
	"fmt"
	"maps"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/conversion"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// v1beta1 is the hub of the DynamoComponentDeployment conversion; v1alpha1 converts to and from
// it.
var _ conversion.Convertible = &DynamoComponentDeployment{}

// emptyServiceNamePath marks, in a component's alpha payload, that v1alpha1's serviceName was
// empty: v1beta1 requires a name and takes the object's.
const emptyServiceNamePath = "serviceName"

// ConvertTo converts this v1alpha1 DynamoComponentDeployment to the hub version, v1beta1. An
// empty serviceName becomes the object's name. status.service becomes status.component; the
// podSelector, which v1beta1 dropped, is kept in nvidia.com/dcd-status.
func (src *DynamoComponentDeployment) ConvertTo(dstRaw conversion.Hub) error {
	dst, ok := dstRaw.(*nvidiav1beta1.DynamoComponentDeployment)
	if !ok {
		return fmt.Errorf("converting a v1alpha1 DynamoComponentDeployment: expected a *v1beta1.DynamoComponentDeployment, got %T", dstRaw)
	}
	dst.ObjectMeta = *src.ObjectMeta.DeepCopy()

	var restored *nvidiav1beta1.DynamoComponentDeploymentSpec
	if raw := src.Annotations[dcdSpecAnnotation]; raw != "" {
		if spec, ok := decodeSpecPayload[nvidiav1beta1.DynamoComponentDeploymentSpec](raw, nil); ok {
			restored = &spec
		}
	}
	writtenInAlpha := restored == nil
	removeAnnotations(dst, dcdSpecAnnotation, dcdStatusAnnotation)

	var specSave DynamoComponentDeploymentSpec
	dst.Spec.BackendFramework = src.Spec.BackendFramework
	var restoredShared *nvidiav1beta1.DynamoComponentDeploymentSharedSpec
	if restored != nil {
		restoredShared = &restored.DynamoComponentDeploymentSharedSpec
	}
	opts := sharedSpecToHubOptions{
		saveMainContainerOrigins: writtenInAlpha,
		hubHadPodTemplate:        restoredShared != nil && restoredShared.PodTemplate != nil,
	}
	if err := sharedSpecToHub(&src.Spec.DynamoComponentDeploymentSharedSpec, &dst.Spec.DynamoComponentDeploymentSharedSpec,
		restoredShared, &specSave.DynamoComponentDeploymentSharedSpec, opts); err != nil {
		return err
	}
	// Early Dynamo's dynamoComponent and dynamoTag, still accepted by Flotilla, have no v1beta1
	// field.
	specSave.DynamoComponent = src.Spec.DynamoComponent
	specSave.DynamoTag = src.Spec.DynamoTag

	// v1beta1 requires a name; an empty serviceName takes the object's, unless the hub payload
	// shows the name was empty in v1beta1 too.
	if dst.Spec.ComponentName == "" {
		dst.Spec.ComponentName = src.Name
	}
	if restored != nil && restored.ComponentName == "" && dst.Spec.ComponentName == src.Name {
		dst.Spec.ComponentName = ""
	}
	emptyServiceName := src.Spec.ServiceName == "" && src.Name != "" && dst.Spec.ComponentName == src.Name

	componentStatusToHub(&src.Status, &dst.Status)
	statusSave := alphaOnlyComponentStatus(&src.Status)

	// A pod template built from v1alpha1 fields is always recorded (with the fields'
	// origins), even when nothing else is.
	if (writtenInAlpha && dst.Spec.PodTemplate != nil) || emptyServiceName || !isZeroSemantic(specSave) {
		payload, err := encodeSpecPayload(specSave, func(_ *DynamoComponentDeploymentSpec, records *[]rawJSONRef) {
			if emptyServiceName {
				*records = append(*records, rawJSONRef{Path: emptyServiceNamePath, Nil: true})
			}
		})
		if err != nil {
			return fmt.Errorf("keeping the v1alpha1-only fields of DynamoComponentDeployment %s: %w", src.Name, err)
		}
		setAnnotation(dst, dcdSpecAnnotation, payload)
	}
	if !isZeroSemantic(statusSave) {
		if err := setJSONAnnotation(dst, dcdStatusAnnotation, statusSave); err != nil {
			return err
		}
	}
	return nil
}

// ConvertFrom converts the hub version, v1beta1, to this v1alpha1 DynamoComponentDeployment.
func (dst *DynamoComponentDeployment) ConvertFrom(srcRaw conversion.Hub) error {
	src, ok := srcRaw.(*nvidiav1beta1.DynamoComponentDeployment)
	if !ok {
		return fmt.Errorf("converting to a v1alpha1 DynamoComponentDeployment: expected a *v1beta1.DynamoComponentDeployment, got %T", srcRaw)
	}
	dst.ObjectMeta = *src.ObjectMeta.DeepCopy()

	alphaOrigin := hasAnyAnnotation(src, dcdSpecAnnotation, dcdStatusAnnotation)
	var restored *DynamoComponentDeploymentSpec
	emptyServiceName := false
	if raw := src.Annotations[dcdSpecAnnotation]; raw != "" {
		spec, ok := decodeSpecPayload(raw, func(_ *DynamoComponentDeploymentSpec, records []rawJSONRef) {
			for _, r := range records {
				if r.Path == emptyServiceNamePath && r.Nil {
					emptyServiceName = true
				}
			}
		})
		if ok {
			restored = &spec
		}
	}
	restoredStatus, err := decodeStatusPayload[DynamoComponentDeploymentStatus](src, dcdStatusAnnotation)
	if err != nil {
		return err
	}
	removeAnnotations(dst, dcdSpecAnnotation, dcdStatusAnnotation)

	var specSave nvidiav1beta1.DynamoComponentDeploymentSpec
	dst.Spec.BackendFramework = src.Spec.BackendFramework
	var restoredShared *DynamoComponentDeploymentSharedSpec
	if restored != nil {
		restoredShared = &restored.DynamoComponentDeploymentSharedSpec
	}
	if err := sharedSpecFromHub(&src.Spec.DynamoComponentDeploymentSharedSpec, &dst.Spec.DynamoComponentDeploymentSharedSpec,
		restoredShared, &specSave.DynamoComponentDeploymentSharedSpec); err != nil {
		return err
	}
	componentStatusFromHub(&src.Status, &dst.Status)

	// The object's name stood in for an empty serviceName; while it still does, empty it again.
	if emptyServiceName && dst.Spec.ServiceName == src.Name {
		dst.Spec.ServiceName = ""
	}
	if restored != nil {
		dst.Spec.DynamoComponent = restored.DynamoComponent
		dst.Spec.DynamoTag = restored.DynamoTag
	}
	restoreAlphaOnlyComponentStatus(&dst.Status, restoredStatus)

	// The payload is written when anything v1beta1-only must be kept, when the name is empty
	// (v1alpha1 would default it), or, for an object written in v1beta1, when it has a pod
	// template (so that one is rebuilt even if v1alpha1 has nothing that asks for it).
	if !hubComponentSaveIsEmpty(&specSave.DynamoComponentDeploymentSharedSpec) ||
		(src.Spec.ComponentName == "" && src.Name != "") ||
		(!alphaOrigin && src.Spec.PodTemplate != nil) {
		specSave.ComponentName = src.Spec.ComponentName
		payload, err := encodeSpecPayload(specSave, nil)
		if err != nil {
			return fmt.Errorf("keeping the v1beta1-only fields of DynamoComponentDeployment %s: %w", src.Name, err)
		}
		setAnnotation(dst, dcdSpecAnnotation, payload)
	}
	return nil
}

// componentStatusToHub converts a component status; v1alpha1's service is v1beta1's component.
func componentStatusToHub(src *DynamoComponentDeploymentStatus, dst *nvidiav1beta1.DynamoComponentDeploymentStatus) {
	dst.ObservedGeneration = src.ObservedGeneration
	dst.Conditions = cloneConditions(src.Conditions)
	if src.Service != nil {
		dst.Component = &nvidiav1beta1.ComponentReplicaStatus{}
		replicaStatusToHub(src.Service, dst.Component)
	}
}

func componentStatusFromHub(src *nvidiav1beta1.DynamoComponentDeploymentStatus, dst *DynamoComponentDeploymentStatus) {
	dst.ObservedGeneration = src.ObservedGeneration
	dst.Conditions = cloneConditions(src.Conditions)
	if src.Component != nil {
		dst.Service = &ServiceReplicaStatus{}
		replicaStatusFromHub(src.Component, dst.Service)
	}
}

// alphaOnlyComponentStatus returns the part of a v1alpha1 component status that v1beta1 cannot
// hold: the pod selector, and a componentName that does not follow from componentNames.
func alphaOnlyComponentStatus(src *DynamoComponentDeploymentStatus) DynamoComponentDeploymentStatus {
	var save DynamoComponentDeploymentStatus
	if len(src.PodSelector) > 0 {
		save.PodSelector = maps.Clone(src.PodSelector)
	}
	if componentNameIsExtra(src.Service) {
		save.Service = &ServiceReplicaStatus{ComponentName: src.Service.ComponentName, ComponentNames: slices.Clone(src.Service.ComponentNames)}
	}
	return save
}

func restoreAlphaOnlyComponentStatus(dst *DynamoComponentDeploymentStatus, saved *DynamoComponentDeploymentStatus) {
	if saved == nil {
		return
	}
	if len(dst.PodSelector) == 0 && len(saved.PodSelector) > 0 {
		dst.PodSelector = maps.Clone(saved.PodSelector)
	}
	if savedComponentNameApplies(dst.Service, saved.Service) {
		dst.Service.ComponentName = saved.Service.ComponentName
		dst.Service.ComponentNames = slices.Clone(saved.Service.ComponentNames)
	}
}
