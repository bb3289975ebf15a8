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
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Deployment strategies Dynamo accepts in AnnotationDeploymentStrategy.
const (
	StrategyRollingUpdate               = "RollingUpdate"
	StrategyRecreate                    = "Recreate"
	StrategyRampedSlowRollout           = "RampedSlowRollout"
	StrategyBestEffortControlledRollout = "BestEffortControlledRollout"
)

// buildDeployment returns the Deployment named like the DCD that runs a single-node component.
func buildDeployment(c *component) (*appsv1.Deployment, error) {
	tmpl, err := podTemplate(c, singleNode)
	if err != nil {
		return nil, err
	}
	strategy, note := deploymentStrategy(c)
	if note != "" {
		c.notes = append(c.notes, note)
	}
	return &appsv1.Deployment{
		TypeMeta: typeMeta(KindDeployment),
		ObjectMeta: metav1.ObjectMeta{
			Name:        c.name,
			Namespace:   c.namespace,
			Labels:      objectLabels(c),
			Annotations: workloadAnnotations(c),
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(c.replicas),
			Selector: &metav1.LabelSelector{MatchLabels: selectorLabels(c, singleNode)},
			Template: tmpl,
			Strategy: strategy,
		},
	}, nil
}

// deploymentStrategy returns the strategy AnnotationDeploymentStrategy selects, as Dynamo maps
// it: RollingUpdate 25%/25% by default, and a note when the value is unknown.
func deploymentStrategy(c *component) (appsv1.DeploymentStrategy, string) {
	rolling := func(surge, unavailable intstr.IntOrString) appsv1.DeploymentStrategy {
		return appsv1.DeploymentStrategy{
			Type:          appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable},
		}
	}
	value, path := c.annotation(AnnotationDeploymentStrategy)
	switch value {
	case "", StrategyRollingUpdate:
		return rolling(intstr.FromString("25%"), intstr.FromString("25%")), ""
	case StrategyRecreate:
		return appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}, ""
	case StrategyRampedSlowRollout:
		return rolling(intstr.FromInt32(1), intstr.FromInt32(0)), ""
	case StrategyBestEffortControlledRollout:
		return rolling(intstr.FromInt32(0), intstr.FromString("20%")), ""
	}
	return rolling(intstr.FromString("25%"), intstr.FromString("25%")),
		path + ": unknown strategy " + value + "; RollingUpdate used"
}
