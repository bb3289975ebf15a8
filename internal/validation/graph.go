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

// Package validation holds the checks of a DynamoGraphDeployment that the CRD's OpenAPI and CEL
// rules cannot express, for the hub's validating webhook and for the graph controller (which
// runs them too, so that a hub installed without its webhook still refuses such graphs):
//
//   - every service that sets dynamoNamespace sets the same one (a pairwise CEL rule over 25
//     services exceeds the apiserver's cost budget);
//   - autoscaling is deprecated and ignored by Dynamo: a warning, not an error.
package validation

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// Graph validates what admission rules cannot. It returns the errors, each naming its field, and
// warnings for deprecated but accepted fields. Services are checked in name order, so the result
// is deterministic.
func Graph(dgd *nvidiav1alpha1.DynamoGraphDeployment) (errs field.ErrorList, warnings []string) {
	services := field.NewPath("spec", "services")
	var firstName, firstNamespace string
	for _, name := range sortedServiceNames(dgd.Spec.Services) {
		svc := dgd.Spec.Services[name]
		if svc == nil {
			continue
		}
		if svc.DynamoNamespace != nil {
			switch {
			case firstName == "":
				firstName, firstNamespace = name, *svc.DynamoNamespace
			case *svc.DynamoNamespace != firstNamespace:
				errs = append(errs, field.Invalid(services.Key(name).Child("dynamoNamespace"), *svc.DynamoNamespace,
					fmt.Sprintf("must equal the dynamoNamespace of service %s (%q): one graph lives in one Dynamo namespace", firstName, firstNamespace)))
			}
		}
		if svc.Autoscaling != nil {
			warnings = append(warnings, fmt.Sprintf("%s is deprecated and ignored by Dynamo; use the planner or a scaling adapter",
				services.Key(name).Child("autoscaling")))
		}
	}
	return errs, warnings
}

func sortedServiceNames(services map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec) []string {
	names := make([]string, 0, len(services))
	for name := range services {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
