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
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"
)

// Reasons of the DCD's Available condition, as Dynamo words them (StatefulSets stand in for its
// LeaderWorkerSet where the member has none).
const (
	ReasonDeploymentReady          = "DeploymentReady"
	ReasonDeploymentNotReady       = "DeploymentNotReady"
	ReasonAllStatefulSetsReady     = "AllStatefulSetsReady"
	ReasonSomeStatefulSetsNotReady = "SomeStatefulSetsNotReady"
	ReasonLeaderWorkerSetReady     = "LeaderWorkerSetReady"
	ReasonLeaderWorkerSetNotReady  = "LeaderWorkerSetNotReady"
)

// LeaderWorkerSetAvailable applies Dynamo's readiness rule to the LeaderWorkerSet of a multinode
// component that wants desired replicas (groups): ready iff no replicas are desired, or at least
// desired groups are ready and its Available condition is True. The message says what is
// missing.
func LeaderWorkerSetAvailable(lws *lwsv1.LeaderWorkerSet, desired int32) (ready bool, reason, message string) {
	if lws == nil {
		return false, ReasonLeaderWorkerSetNotReady, "LeaderWorkerSet does not exist yet"
	}
	if desired == 0 {
		return true, ReasonLeaderWorkerSetReady, "LeaderWorkerSet is ready"
	}
	var missing []string
	if lws.Status.ReadyReplicas < desired {
		missing = append(missing, fmt.Sprintf("%d/%d groups ready", lws.Status.ReadyReplicas, desired))
	}
	if !meta.IsStatusConditionTrue(lws.Status.Conditions, string(lwsv1.LeaderWorkerSetAvailable)) {
		missing = append(missing, "condition Available is not True")
	}
	if len(missing) > 0 {
		return false, ReasonLeaderWorkerSetNotReady, fmt.Sprintf("LeaderWorkerSet %s is not ready: %s", lws.Name, strings.Join(missing, ", "))
	}
	return true, ReasonLeaderWorkerSetReady, "LeaderWorkerSet is ready"
}

// DeploymentAvailable applies Dynamo's readiness rule to the Deployment of a component that
// wants desired replicas: ready iff it is not paused and either no replicas are desired or the
// Deployment controller has observed the latest generation, desired replicas are updated and
// available, and its Available condition is True. The message says what is missing.
func DeploymentAvailable(d *appsv1.Deployment, desired int32) (ready bool, reason, message string) {
	if d == nil {
		return false, ReasonDeploymentNotReady, "Deployment does not exist yet"
	}
	if d.Spec.Paused {
		return false, ReasonDeploymentNotReady, fmt.Sprintf("Deployment %s is paused", d.Name)
	}
	if desired == 0 {
		return true, ReasonDeploymentReady, "Deployment is ready"
	}
	var missing []string
	st := d.Status
	if st.ObservedGeneration < d.Generation {
		missing = append(missing, fmt.Sprintf("generation %d not observed yet (observed %d)", d.Generation, st.ObservedGeneration))
	}
	if st.UpdatedReplicas < desired {
		missing = append(missing, fmt.Sprintf("%d/%d replicas updated", st.UpdatedReplicas, desired))
	}
	if st.AvailableReplicas < desired {
		missing = append(missing, fmt.Sprintf("%d/%d replicas available", st.AvailableReplicas, desired))
	}
	if !deploymentConditionTrue(d, appsv1.DeploymentAvailable) {
		missing = append(missing, "condition Available is not True")
	}
	if len(missing) > 0 {
		return false, ReasonDeploymentNotReady, fmt.Sprintf("Deployment %s is not ready: %s", d.Name, strings.Join(missing, ", "))
	}
	return true, ReasonDeploymentReady, "Deployment is ready"
}

// deploymentConditionTrue reports whether d's condition of type t is True.
func deploymentConditionTrue(d *appsv1.Deployment, t appsv1.DeploymentConditionType) bool {
	for _, c := range d.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// StatefulSetsAvailable applies the same rule to the StatefulSets of a multinode component that
// wants desired replicas, sets holding the StatefulSets found (nil for one not found): ready iff
// no replicas are desired, or at least desired StatefulSets exist and each has observed its
// latest generation and has all its pods (spec.replicas, the nodeCount) updated, ready and
// available. The message names what is missing.
func StatefulSetsAvailable(sets []*appsv1.StatefulSet, desired int32) (ready bool, reason, message string) {
	if desired == 0 {
		return true, ReasonAllStatefulSetsReady, "All StatefulSets are ready"
	}
	var missing []string
	found := 0
	for _, s := range sets {
		if s == nil {
			continue
		}
		found++
		if why := statefulSetNotReady(s); why != "" {
			missing = append(missing, s.Name+": "+why)
		}
	}
	if found < int(desired) {
		missing = append([]string{fmt.Sprintf("%d/%d StatefulSets exist", found, desired)}, missing...)
	}
	if len(missing) > 0 {
		return false, ReasonSomeStatefulSetsNotReady, "Some StatefulSets are not ready: " + strings.Join(missing, "; ")
	}
	return true, ReasonAllStatefulSetsReady, "All StatefulSets are ready"
}

// statefulSetNotReady says why s is not fully rolled out and available, "" if it is.
func statefulSetNotReady(s *appsv1.StatefulSet) string {
	want := int32(1)
	if s.Spec.Replicas != nil {
		want = *s.Spec.Replicas
	}
	if want == 0 {
		return ""
	}
	var missing []string
	st := s.Status
	if st.ObservedGeneration < s.Generation {
		missing = append(missing, fmt.Sprintf("generation %d not observed yet (observed %d)", s.Generation, st.ObservedGeneration))
	}
	if st.UpdatedReplicas < want {
		missing = append(missing, fmt.Sprintf("%d/%d pods updated", st.UpdatedReplicas, want))
	}
	if st.ReadyReplicas < want {
		missing = append(missing, fmt.Sprintf("%d/%d pods ready", st.ReadyReplicas, want))
	}
	if st.AvailableReplicas < want {
		missing = append(missing, fmt.Sprintf("%d/%d pods available", st.AvailableReplicas, want))
	}
	return strings.Join(missing, ", ")
}
