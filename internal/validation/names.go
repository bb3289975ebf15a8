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

package validation

import (
	"fmt"
	"strconv"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
)

// statefulSetRevisionSuffix is what the StatefulSet controller appends to a StatefulSet's name
// in its pods' controller-revision-hash label: "-" and a hash of up to ten characters.
const statefulSetRevisionSuffix = len("-") + 10

// derivedNames checks the names and label values that Dynamo's naming derives from the graph,
// which the hub and the members put where Kubernetes limits them, so that a graph admitted is
// one whose objects the API servers accept:
//
//   - the Dynamo namespace (dynamoNamespace, else dynamo-<graph>) is a label value of every
//     object: at most 63 characters, so a graph name of at most 56 without dynamoNamespace;
//   - each component's DCD name, <graph>-<lowercased component>, is a label value of its pods
//     (nvidia.com/selector), and names the Service of a frontend or multinode component: a
//     DNS-1035 label there;
//   - the worker StatefulSets of a multinode component, <dcd>-<replica>-0, go into their pods'
//     controller-revision-hash label with a 10-character hash: 63 characters in all. These are
//     the agent's own checks (agent/workload), made at admission.
//   - the graph's labels and annotations and those of each component's pod template reach the
//     pods unchanged: they must be valid label and annotation keys and values.
func derivedNames(dgd *nvidiav1beta1.DynamoGraphDeployment, services map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec) field.ErrorList {
	var errs field.ErrorList
	// The API server names a graph (generateName included) before validating admission; a graph
	// without a name, as a client may validate one, has no derived names yet.
	if dgd.Name != "" {
		errs = append(errs, dynamoNamespace(dgd, services)...)
	}

	specPath := field.NewPath("spec")
	errs = append(errs, metav1validation.ValidateLabels(dgd.Spec.Labels, specPath.Child("labels"))...)
	errs = append(errs, apivalidation.ValidateAnnotations(dgd.Spec.Annotations, specPath.Child("annotations"))...)

	componentsPath := specPath.Child("components")
	for i := range dgd.Spec.Components {
		c := &dgd.Spec.Components[i]
		path := componentsPath.Key(c.ComponentName)
		if tpl := c.PodTemplate; tpl != nil {
			metaPath := path.Child("podTemplate", "metadata")
			errs = append(errs, metav1validation.ValidateLabels(tpl.Labels, metaPath.Child("labels"))...)
			errs = append(errs, apivalidation.ValidateAnnotations(tpl.Annotations, metaPath.Child("annotations"))...)
		}
		if dgd.Name == "" {
			continue
		}
		dcd := dynamo.ComponentName(dgd.Name, c.ComponentName)
		multinode := c.Multinode != nil && c.Multinode.NodeCount > 1
		if msgs := utilvalidation.IsValidLabelValue(dcd); len(msgs) > 0 {
			errs = append(errs, field.Invalid(path.Child("name"), c.ComponentName, fmt.Sprintf(
				"gives the DynamoComponentDeployment name %q (graph name, '-', lowercased component name), the value of the %s label of its pods: %s",
				dcd, nvidiav1beta1.LabelSelector, strings.Join(msgs, "; "))))
			continue
		}
		if c.ComponentType == nvidiav1beta1.ComponentTypeFrontend || multinode {
			if msgs := utilvalidation.IsDNS1035Label(dcd); len(msgs) > 0 {
				errs = append(errs, field.Invalid(path.Child("name"), c.ComponentName, fmt.Sprintf(
					"gives the DynamoComponentDeployment name %q (graph name, '-', lowercased component name), which names the component's Service on members: %s",
					dcd, strings.Join(msgs, "; "))))
			}
		}
		if multinode {
			lastReplica := max(ptr.Deref(c.Replicas, 1)-1, 0)
			set := dcd + "-" + strconv.Itoa(int(lastReplica)) + "-0"
			if n := len(set) + statefulSetRevisionSuffix; n > utilvalidation.DNS1123LabelMaxLength {
				errs = append(errs, field.Invalid(path.Child("name"), c.ComponentName, fmt.Sprintf(
					"is too long for a multinode component of graph %q: the StatefulSet of its last replica's workers is %s, "+
						"whose name goes into its pods' controller-revision-hash label with a 10-character hash; that makes %d characters, "+
						"more than %d (shorten the graph or component name by %d)",
					dgd.Name, set, n, utilvalidation.DNS1123LabelMaxLength, n-utilvalidation.DNS1123LabelMaxLength)))
			}
		}
	}
	return errs
}

// dynamoNamespace checks that the graph's Dynamo namespace is a valid label value, naming the
// field it comes from: the first service's dynamoNamespace (v1alpha1), else the graph's name.
func dynamoNamespace(dgd *nvidiav1beta1.DynamoGraphDeployment, services map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec) field.ErrorList {
	ns := dynamo.Namespace(dgd)
	msgs := utilvalidation.IsValidLabelValue(ns)
	if len(msgs) == 0 {
		return nil
	}
	for _, name := range sortedKeys(services) {
		if svc := services[name]; svc != nil && ptr.Deref(svc.DynamoNamespace, "") == ns {
			return field.ErrorList{field.Invalid(field.NewPath("spec", "services").Key(name).Child("dynamoNamespace"), ns,
				"is the graph's Dynamo namespace, a label value of every object of the graph: "+strings.Join(msgs, "; "))}
		}
	}
	return field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), dgd.Name, fmt.Sprintf(
		"must be at most %d characters: the graph's Dynamo namespace %q (\"dynamo-\" and the name) is a label value of every "+
			"object of the graph, at most %d characters (or set one shorter dynamoNamespace on the services in nvidia.com/v1alpha1)",
		utilvalidation.LabelValueMaxLength-len("dynamo-"), ns, utilvalidation.LabelValueMaxLength))}
}
