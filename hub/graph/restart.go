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

package graph

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
)

// applyRestart carries the graph's spec.restart to every copy, as Dynamo's graph controller
// carries it to its DCDs: it plans the restart's next step (dynamo.PlanRestart) from the records
// of every copy, writes the restart annotation into the pod template of each component the
// restart has reached, in source (the copy of dgd the records are built from), and returns the
// graph's new status.restart. A component is done restarting when its records on every copy
// report that their member observed them and are Available: the copies restart together,
// component by component.
func applyRestart(dgd, source *nvidiav1beta1.DynamoGraphDeployment, stored records) *nvidiav1beta1.RestartStatus {
	byComponent := map[string][]*nvidiav1beta1.DynamoComponentDeployment{}
	for idx := range stored {
		for _, rec := range stored.live(idx) {
			byComponent[rec.Spec.ComponentName] = append(byComponent[rec.Spec.ComponentName], rec)
		}
	}
	names := make([]string, 0, len(source.Spec.Components))
	current := map[string]string{}
	for _, c := range source.Spec.Components {
		names = append(names, c.ComponentName)
		for _, rec := range byComponent[c.ComponentName] {
			if v := restartID(rec); v != "" {
				current[c.ComponentName] = v
				break
			}
		}
	}
	// A record read before it carried the restart's id (a cache behind the last write) says
	// nothing about the restart: done needs the id on every record of the component.
	id := ""
	if source.Spec.Restart != nil {
		id = source.Spec.Restart.ID
	}
	done := func(component string) bool {
		recs := byComponent[component]
		return len(recs) > 0 && !slices.ContainsFunc(recs, func(rec *nvidiav1beta1.DynamoComponentDeployment) bool {
			return restartID(rec) != id || rec.Status.ObservedGeneration != rec.Generation ||
				!meta.IsStatusConditionTrue(rec.Status.Conditions, nvidiav1beta1.ConditionAvailable)
		})
	}

	plan := dynamo.PlanRestart(source.Spec.Restart, dgd.Status.Restart, names, current, done)
	for i := range source.Spec.Components {
		c := &source.Spec.Components[i]
		v, ok := plan.Annotations[c.ComponentName]
		if !ok {
			continue
		}
		if c.PodTemplate == nil {
			c.PodTemplate = &corev1.PodTemplateSpec{}
		}
		if c.PodTemplate.Annotations == nil {
			c.PodTemplate.Annotations = map[string]string{}
		}
		c.PodTemplate.Annotations[dynamo.RestartAnnotation] = v
	}
	return plan.Status
}

// restartID is the restart annotation of a record's pod template.
func restartID(rec *nvidiav1beta1.DynamoComponentDeployment) string {
	if rec.Spec.PodTemplate == nil {
		return ""
	}
	return rec.Spec.PodTemplate.Annotations[dynamo.RestartAnnotation]
}
