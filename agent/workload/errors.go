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

package workload

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError says why a DynamoComponentDeployment cannot be built: Field is the path of the
// offending field (such as spec.podTemplate.spec.containers[main].image) and Detail what is
// wrong with it. Build returns it wrapped in nothing, so errors.As finds it.
//
// Field is a v1beta1 path, except for the v1alpha1 fields that v1beta1 has no place for (such
// as spec.ingress.host, spec.labels, or a spec.resources quantity the conversion could not
// carry), which keep their v1alpha1 path. For a DCD converted from v1alpha1, V1alpha1Field names
// the v1alpha1 field(s) the v1beta1 one was converted from, when they differ.
type FieldError struct {
	// Field is the path of the offending field, starting at the DCD (metadata. or spec.).
	Field string
	// V1alpha1Field is, for a DCD converted from v1alpha1, where the user wrote the field in
	// v1alpha1 (several paths joined by " or " when it may have come from either); empty when
	// Field is the same in both versions or the DCD was written in v1beta1.
	V1alpha1Field string
	// Detail says what is wrong with the field.
	Detail string
}

// Error returns "<field>: <detail>", followed by " (v1alpha1: <field>)" when V1alpha1Field is set.
func (e *FieldError) Error() string {
	msg := e.Field + ": " + e.Detail
	if e.V1alpha1Field != "" {
		msg += " (v1alpha1: " + e.V1alpha1Field + ")"
	}
	return msg
}

// fieldErrorf returns a FieldError for field with a formatted detail.
func fieldErrorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Detail: fmt.Sprintf(format, args...)}
}

// fieldPath joins path elements with dots.
func fieldPath(elems ...string) string {
	return strings.Join(elems, ".")
}

// indexPath returns path[i].
func indexPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// keyPath returns path[key].
func keyPath(path, key string) string {
	return fmt.Sprintf("%s[%s]", path, key)
}

// Paths of the v1beta1 fields errors name most.
const (
	podTemplatePath   = "spec.podTemplate"
	podSpecPath       = podTemplatePath + ".spec"
	mainContainerPath = podSpecPath + ".containers[" + MainContainerName + "]"
)

// v1alpha1Origins maps a v1beta1 field path prefix to the v1alpha1 fields a conversion from
// v1alpha1 fills it from, most specific first. The conversion merges the dedicated v1alpha1
// fields and extraPodSpec.mainContainer into the main container, so both are named where both
// could have set it.
var v1alpha1Origins = []struct{ v1beta1, v1alpha1 string }{
	{mainContainerPath + ".image", "spec.extraPodSpec.mainContainer.image"},
	{mainContainerPath + ".resources", "spec.resources or spec.extraPodSpec.mainContainer.resources"},
	{mainContainerPath + ".env", "spec.envs or spec.extraPodSpec.mainContainer.env"},
	{mainContainerPath + ".envFrom", "spec.envFromSecret or spec.extraPodSpec.mainContainer.envFrom"},
	{mainContainerPath + ".livenessProbe", "spec.livenessProbe or spec.extraPodSpec.mainContainer.livenessProbe"},
	{mainContainerPath + ".readinessProbe", "spec.readinessProbe or spec.extraPodSpec.mainContainer.readinessProbe"},
	{mainContainerPath + ".startupProbe", "spec.extraPodSpec.mainContainer.startupProbe"},
	{mainContainerPath + ".volumeMounts", "spec.volumeMounts or spec.extraPodSpec.mainContainer.volumeMounts"},
	{mainContainerPath, "spec.extraPodSpec.mainContainer"},
	{podSpecPath + ".containers", "spec.extraPodSpec.containers or spec.frontendSidecar"},
	{podSpecPath, "spec.extraPodSpec"},
	{podTemplatePath + ".metadata", "spec.extraPodMetadata"},
	{"spec.compilationCache", "spec.volumeMounts (the one with useAsCompilationCache)"},
	{"spec.sharedMemorySize", "spec.sharedMemory.size"},
	{"spec.type", "spec.componentType"},
}

// withV1alpha1Field sets V1alpha1Field on a FieldError of a DCD converted from v1alpha1.
func (c *component) withV1alpha1Field(err error) error {
	var fe *FieldError
	if c == nil || !c.fromV1alpha1 || !errors.As(err, &fe) {
		return err
	}
	for _, o := range v1alpha1Origins {
		if fe.Field == o.v1beta1 || strings.HasPrefix(fe.Field, o.v1beta1+".") || strings.HasPrefix(fe.Field, o.v1beta1+"[") {
			fe.V1alpha1Field = o.v1alpha1
			break
		}
	}
	return err
}
