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

package component

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flotilla-dev/flotilla/agent/workload"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/pkg/policy"
)

// ReasonPolicyDenied is the reason of a DCD whose namespace or pods the member's policy does not
// allow; the message names the field. Nothing is built.
const ReasonPolicyDenied = flotillav1alpha1.ReasonPolicyDenied

// CheckPolicy returns how the objects built for dcd break p: its namespace, then the pod
// templates of its workloads as the agent would apply them (Dynamo's defaults and the multinode
// launch included), each violation once. Errors name the DCD's pod template, spec.podTemplate.
func CheckPolicy(p *policy.Policy, dcd *nvidiav1beta1.DynamoComponentDeployment, desired *workload.Result) field.ErrorList {
	var errs field.ErrorList
	if err := p.CheckNamespace(field.NewPath("metadata", "namespace"), dcd.Namespace); err != nil {
		errs = append(errs, err)
	}
	var templates []*corev1.PodTemplateSpec
	if desired.Deployment != nil {
		templates = append(templates, &desired.Deployment.Spec.Template)
	}
	for _, s := range desired.StatefulSets {
		templates = append(templates, &s.Spec.Template)
	}
	if lws := desired.LeaderWorkerSet; lws != nil {
		if lws.Spec.LeaderWorkerTemplate.LeaderTemplate != nil {
			templates = append(templates, lws.Spec.LeaderWorkerTemplate.LeaderTemplate)
		}
		templates = append(templates, &lws.Spec.LeaderWorkerTemplate.WorkerTemplate)
	}
	seen := map[string]bool{}
	podPath := field.NewPath("spec", "podTemplate")
	for _, tpl := range templates {
		for _, err := range p.CheckPod(podPath, &tpl.ObjectMeta, &tpl.Spec) {
			if !seen[err.Error()] { // leader and worker templates share most violations
				seen[err.Error()] = true
				errs = append(errs, err)
			}
		}
	}
	return errs
}
