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

package validation_test

import (
	"slices"
	"testing"

	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/internal/validation"
)

type services = map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec

func graph(svcs services) *nvidiav1alpha1.DynamoGraphDeployment {
	return &nvidiav1alpha1.DynamoGraphDeployment{Spec: nvidiav1alpha1.DynamoGraphDeploymentSpec{Services: svcs}}
}

func TestGraph(t *testing.T) {
	cases := []struct {
		name         string
		services     services
		wantErrors   []string
		wantWarnings []string
	}{
		{
			name: "agreeing and unset Dynamo namespaces",
			services: services{
				"Frontend": {DynamoNamespace: ptr.To("llama")},
				"Worker":   {DynamoNamespace: ptr.To("llama")},
				"Planner":  {},
				"Nil":      nil,
			},
		},
		{
			name: "a service in another Dynamo namespace",
			services: services{
				"Frontend": {DynamoNamespace: ptr.To("llama")},
				"Worker":   {DynamoNamespace: ptr.To("other")},
			},
			wantErrors: []string{`spec.services[Worker].dynamoNamespace: Invalid value: "other": must equal the dynamoNamespace of service Frontend ("llama"): one graph lives in one Dynamo namespace`},
		},
		{
			name: "each disagreeing service is reported against the first in name order",
			services: services{
				"B": {DynamoNamespace: ptr.To("x")},
				"A": {DynamoNamespace: ptr.To("y")},
				"C": {DynamoNamespace: ptr.To("z")},
			},
			wantErrors: []string{
				`spec.services[B].dynamoNamespace: Invalid value: "x": must equal the dynamoNamespace of service A ("y"): one graph lives in one Dynamo namespace`,
				`spec.services[C].dynamoNamespace: Invalid value: "z": must equal the dynamoNamespace of service A ("y"): one graph lives in one Dynamo namespace`,
			},
		},
		{
			name:         "deprecated autoscaling is a warning",
			services:     services{"Worker": {Autoscaling: &nvidiav1alpha1.Autoscaling{Enabled: true}}},
			wantWarnings: []string{"spec.services[Worker].autoscaling is deprecated and ignored by Dynamo; use the planner or a scaling adapter"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs, warnings := validation.Graph(graph(tc.services))
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if !slices.Equal(got, tc.wantErrors) {
				t.Errorf("errors:\n got %q\nwant %q", got, tc.wantErrors)
			}
			if !slices.Equal(warnings, tc.wantWarnings) {
				t.Errorf("warnings:\n got %q\nwant %q", warnings, tc.wantWarnings)
			}
		})
	}
}
