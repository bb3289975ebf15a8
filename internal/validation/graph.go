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
// runs them too, so that a hub installed without its webhook still refuses such graphs). It
// checks the hub version of the graph, v1beta1, and reads the v1alpha1-only fields from the
// graph's conversion payload:
//
//   - every service that sets dynamoNamespace (v1alpha1) sets the same one (a pairwise CEL rule
//     over 25 services exceeds the apiserver's cost budget);
//   - no two components have names that differ only in case: both would get the same DCD name
//     on members (v1beta1's CEL refuses them, v1alpha1's services map does not);
//   - the names and label values derived from the graph fit where the members put them
//     (Dynamo namespace, DCD and Service names, multinode pod host names, labels and
//     annotations; see derivedNames);
//   - no component's pods claim devices through Dynamic Resource Allocation (resourceClaims):
//     placement counts device-plugin GPUs and cannot see what a claim allocates;
//   - autoscaling (v1alpha1) is deprecated and ignored by Dynamo: a warning, not an error.
package validation

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// draMessage explains why a component that claims devices through DRA is refused.
const draMessage = "claims devices through Dynamic Resource Allocation, which Flotilla cannot place: it places a graph by the " +
	"device-plugin GPUs (such as nvidia.com/gpu) its pods request against the free GPUs of each member's nodes, and cannot " +
	"tell what a ResourceClaim would allocate there; request the GPUs as container resources instead " +
	"(in v1alpha1, resources.gpu rather than resources.claims and extraPodSpec.resourceClaims)"

// Graph validates what admission rules cannot. It returns the errors, each naming its field, and
// warnings for deprecated but accepted fields. Components are checked in name order, so the
// result is deterministic. Fields that only v1alpha1 has are named by their v1alpha1 path
// (spec.services[<name>]...), the others by their v1beta1 path (spec.components[<name>]...).
func Graph(dgd *nvidiav1beta1.DynamoGraphDeployment) (errs field.ErrorList, warnings []string) {
	componentsPath := field.NewPath("spec", "components")
	byName := map[string]*nvidiav1beta1.DynamoComponentDeploymentSharedSpec{}
	for i := range dgd.Spec.Components {
		byName[dgd.Spec.Components[i].ComponentName] = &dgd.Spec.Components[i]
	}
	names := slices.Sorted(maps.Keys(byName))

	services, err := nvidiav1alpha1.PreservedServices(dgd)
	if err != nil {
		errs = append(errs, field.Invalid(componentsPath, len(dgd.Spec.Components), err.Error()))
	}
	errs = append(errs, dynamoNamespaces(services)...)
	errs = append(errs, derivedNames(dgd, services)...)
	for _, name := range sortedKeys(services) {
		if svc := services[name]; svc != nil && svc.Autoscaling != nil {
			warnings = append(warnings, fmt.Sprintf("%s is deprecated and ignored by Dynamo; use the planner or a scaling adapter",
				field.NewPath("spec", "services").Key(name).Child("autoscaling")))
		}
	}

	if dgd.Spec.PriorityClassName != "" {
		warnings = append(warnings, fmt.Sprintf("%s applies to Grove PodCliqueSets only, in Dynamo too, and is ignored: "+
			"set podTemplate.spec.priorityClassName on the components instead", field.NewPath("spec", "priorityClassName")))
	}
	if powerBudget(dgd) {
		warnings = append(warnings, fmt.Sprintf("the GPU power budget of annotation %s is not enforced: Dynamo's graph controller "+
			"enforces it (a DynamoGraphPowerBudget) for a DynamoGraphDeployment on its own cluster, and members run the graph's "+
			"DynamoComponentDeployments; the graph is kept to one copy", AnnotationPowerControlMode))
	}

	lowered := map[string]string{}
	for _, name := range names {
		path := componentsPath.Key(name)
		if first, ok := lowered[strings.ToLower(name)]; ok {
			errs = append(errs, field.Invalid(path.Child("name"), name, fmt.Sprintf(
				"differs from component %s only in case: both would be the DynamoComponentDeployment %s-%s on members",
				first, dgd.Name, strings.ToLower(name))))
		} else {
			lowered[strings.ToLower(name)] = name
		}
		errs = append(errs, resourceClaims(path, byName[name])...)
		errs = append(errs, roles(path, byName[name])...)
	}
	return errs, warnings
}

// dynamoNamespaces checks that the services that set dynamoNamespace agree, each disagreeing
// one reported against the first in name order.
func dynamoNamespaces(services map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec) field.ErrorList {
	servicesPath := field.NewPath("spec", "services")
	var errs field.ErrorList
	var firstName, firstNamespace string
	for _, name := range sortedKeys(services) {
		svc := services[name]
		if svc == nil || svc.DynamoNamespace == nil {
			continue
		}
		switch {
		case firstName == "":
			firstName, firstNamespace = name, *svc.DynamoNamespace
		case *svc.DynamoNamespace != firstNamespace:
			errs = append(errs, field.Invalid(servicesPath.Key(name).Child("dynamoNamespace"), *svc.DynamoNamespace,
				fmt.Sprintf("must equal the dynamoNamespace of service %s (%q): one graph lives in one Dynamo namespace", firstName, firstNamespace)))
		}
	}
	return errs
}

// roles checks a component's roles as Dynamo's admission does: only a multinode component has
// them, exactly a leader (1 replica) and a worker (nodeCount-1 replicas), without pod templates.
func roles(path *field.Path, c *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) field.ErrorList {
	if len(c.Roles) == 0 {
		return nil
	}
	rolesPath := path.Child("roles")
	if c.Multinode == nil {
		return field.ErrorList{field.Forbidden(rolesPath,
			"roles are supported only for component shapes that define a role schema; this release supports multinode components")}
	}
	var errs field.ErrorList
	want := map[string]int32{"leader": 1, "worker": c.Multinode.NodeCount - 1}
	for _, role := range []string{"leader", "worker"} {
		if !slices.ContainsFunc(c.Roles, func(r nvidiav1beta1.ComponentRoleSpec) bool { return r.Name == role }) {
			errs = append(errs, field.Required(rolesPath, fmt.Sprintf("must contain the %q role", role)))
		}
	}
	for _, r := range c.Roles {
		rolePath := rolesPath.Key(r.Name)
		replicas, known := want[r.Name]
		switch {
		case !known:
			errs = append(errs, field.NotSupported(rolePath.Child("name"), r.Name, []string{"leader", "worker"}))
			continue
		case r.Replicas != nil && *r.Replicas != replicas:
			errs = append(errs, field.Invalid(rolePath.Child("replicas"), *r.Replicas,
				fmt.Sprintf("must equal %d for multinode role %q", replicas, r.Name)))
		}
		if r.PodTemplate != nil {
			errs = append(errs, field.Forbidden(rolePath.Child("podTemplate"), "is not supported for this component role"))
		}
	}
	return errs
}

// resourceClaims refuses the DRA claims of a component's pods: the pod's resourceClaims and
// every container's resources.claims, in its pod template and its roles' pod templates.
func resourceClaims(path *field.Path, c *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, podClaims(path.Child("podTemplate"), c.PodTemplate)...)
	for i := range c.Roles {
		errs = append(errs, podClaims(path.Child("roles").Key(c.Roles[i].Name).Child("podTemplate"), c.Roles[i].PodTemplate)...)
	}
	return errs
}

func podClaims(path *field.Path, tpl *corev1.PodTemplateSpec) field.ErrorList {
	if tpl == nil {
		return nil
	}
	var errs field.ErrorList
	spec := path.Child("spec")
	if len(tpl.Spec.ResourceClaims) > 0 {
		errs = append(errs, field.Forbidden(spec.Child("resourceClaims"), draMessage))
	}
	if r := tpl.Spec.Resources; r != nil && len(r.Claims) > 0 {
		errs = append(errs, field.Forbidden(spec.Child("resources", "claims"), draMessage))
	}
	for _, list := range []struct {
		name       string
		containers []corev1.Container
	}{{"initContainers", tpl.Spec.InitContainers}, {"containers", tpl.Spec.Containers}} {
		for i := range list.containers {
			if len(list.containers[i].Resources.Claims) > 0 {
				errs = append(errs, field.Forbidden(spec.Child(list.name).Index(i).Child("resources", "claims"), draMessage))
			}
		}
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
