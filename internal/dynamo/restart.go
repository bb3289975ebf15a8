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

package dynamo

import (
	"slices"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// RestartAnnotation is the pod-template annotation through which Dynamo restarts a component:
// its value is the graph's spec.restart.id, and changing it rolls the component's pods, as
// `kubectl rollout restart` does.
const RestartAnnotation = "nvidia.com/restartAt"

// RestartPlan is what a graph's restart request asks of its components now.
type RestartPlan struct {
	// Status is the graph's new status.restart (nil when no restart was ever requested).
	Status *nvidiav1beta1.RestartStatus
	// Annotations holds, by component name, the RestartAnnotation value its pod template carries
	// now; components without one carry none.
	Annotations map[string]string
}

// PlanRestart carries out a graph restart step by step, as Dynamo's graph controller does:
//   - a new spec.restart.id starts a restart: with the Parallel strategy every component at
//     once, else (Sequential, the default) the first of strategy.order (all components by name
//     when it is empty);
//   - a component is done when done(component) says so (its workloads have observed the new pod
//     template and are available); Sequential then goes on with the next one;
//   - the restart is Completed when every component is done; a component keeps the id in its
//     annotation from then on.
//
// components are the graph's component names; current holds the RestartAnnotation value each
// component carries now (read back from what was written before), kept for the components the
// restart has not reached yet.
func PlanRestart(restart *nvidiav1beta1.Restart, status *nvidiav1beta1.RestartStatus, components []string,
	current map[string]string, done func(component string) bool) RestartPlan {
	plan := RestartPlan{Status: status.DeepCopy(), Annotations: map[string]string{}}
	for _, c := range components {
		if v := current[c]; v != "" {
			plan.Annotations[c] = v
		}
	}
	if restart == nil || restart.ID == "" {
		return plan
	}
	order := restartOrder(restart, components)
	parallel := restart.Strategy != nil && restart.Strategy.Type == nvidiav1beta1.RestartStrategyParallel

	st := plan.Status
	if st == nil || st.ObservedID != restart.ID {
		st = &nvidiav1beta1.RestartStatus{ObservedID: restart.ID, Phase: nvidiav1beta1.RestartPhaseRestarting}
		if parallel {
			st.InProgress = slices.Clone(order)
		} else if len(order) > 0 {
			st.InProgress = []string{order[0]}
		}
	} else if st.Phase == nvidiav1beta1.RestartPhaseRestarting {
		st.InProgress = advance(st.InProgress, order, parallel, done)
	}
	if st.Phase == nvidiav1beta1.RestartPhaseRestarting && len(st.InProgress) == 0 {
		st.Phase, st.InProgress = nvidiav1beta1.RestartPhaseCompleted, nil
	}
	plan.Status = st

	for _, c := range reached(st, order, parallel) {
		plan.Annotations[c] = restart.ID
	}
	return plan
}

// restartOrder is the order of a Sequential restart: strategy.order, else the components by name.
// Names of the order that are not components are left out.
func restartOrder(restart *nvidiav1beta1.Restart, components []string) []string {
	if restart.Strategy != nil && len(restart.Strategy.Order) > 0 &&
		restart.Strategy.Type != nvidiav1beta1.RestartStrategyParallel {
		return slices.DeleteFunc(slices.Clone(restart.Strategy.Order), func(c string) bool { return !slices.Contains(components, c) })
	}
	return slices.Sorted(slices.Values(components))
}

// advance drops the components that are done from inProgress; for a Sequential restart, a done
// component hands over to the next one of order (the first one restarts when the one in progress
// is no longer in order).
func advance(inProgress, order []string, parallel bool, done func(string) bool) []string {
	if parallel {
		return slices.DeleteFunc(slices.Clone(inProgress), func(c string) bool { return !slices.Contains(order, c) || done(c) })
	}
	if len(inProgress) == 0 {
		return nil
	}
	i := slices.Index(order, inProgress[0])
	if i < 0 {
		if len(order) == 0 {
			return nil
		}
		return []string{order[0]}
	}
	if !done(order[i]) {
		return []string{order[i]}
	}
	// One step per pass: the next component has not been asked to restart yet, so whether it
	// is done says nothing until it has been.
	if i+1 == len(order) {
		return nil
	}
	return []string{order[i+1]}
}

// reached lists the components a restart in status st has reached: all of them when it is
// Parallel or over, else those of order up to the one in progress.
func reached(st *nvidiav1beta1.RestartStatus, order []string, parallel bool) []string {
	if parallel || st.Phase != nvidiav1beta1.RestartPhaseRestarting || len(st.InProgress) == 0 {
		return order
	}
	last := -1
	for _, c := range st.InProgress {
		last = max(last, slices.Index(order, c))
	}
	return order[:last+1]
}
