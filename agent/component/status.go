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
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/statuswrite"
)

// maxConditionMessage is the longest message a metav1.Condition accepts.
const maxConditionMessage = 32768

// availability is the state of a DCD's workload, for its status.
type availability struct {
	ready   bool
	reason  string
	message string
	// component is the DCD's status.component.
	component *nvidiav1beta1.ComponentReplicaStatus
}

// availabilityOf applies Dynamo's readiness rules to the workload of desired as it was applied.
func availabilityOf(desired *workload.Result, got applied) availability {
	var a availability
	if desired.Deployment != nil {
		d, _ := got.get(workload.KindDeployment, desired.Deployment.Name).(*appsv1.Deployment)
		a.ready, a.reason, a.message = workload.DeploymentAvailable(d, ptr.Deref(desired.Deployment.Spec.Replicas, 1))
		a.component = deploymentReplicaStatus(desired.Deployment.Name, d)
		return a
	}
	if desired.LeaderWorkerSet != nil {
		lws, _ := got.get(workload.KindLeaderWorkerSet, desired.LeaderWorkerSet.Name).(*lwsv1.LeaderWorkerSet)
		a.ready, a.reason, a.message = workload.LeaderWorkerSetAvailable(lws, ptr.Deref(desired.LeaderWorkerSet.Spec.Replicas, 1))
		a.component = leaderWorkerSetReplicaStatus(desired.LeaderWorkerSet.Name, lws)
		return a
	}
	sets := make([]*appsv1.StatefulSet, len(desired.StatefulSets))
	for i, s := range desired.StatefulSets {
		sets[i], _ = got.get(workload.KindStatefulSet, s.Name).(*appsv1.StatefulSet)
	}
	a.ready, a.reason, a.message = workload.StatefulSetsAvailable(sets, int32(len(desired.StatefulSets)))
	a.component = statefulSetsReplicaStatus(desired.StatefulSets, sets)
	return a
}

// deploymentReplicaStatus reports the replicas of the Deployment named name, as Dynamo does
// (from its status); d is nil when it could not be read.
func deploymentReplicaStatus(name string, d *appsv1.Deployment) *nvidiav1beta1.ComponentReplicaStatus {
	s := &nvidiav1beta1.ComponentReplicaStatus{
		ComponentKind:  nvidiav1beta1.ComponentKind(workload.KindDeployment),
		ComponentNames: []string{name},
	}
	if d != nil {
		s.Replicas = d.Status.Replicas
		s.UpdatedReplicas = d.Status.UpdatedReplicas
		s.ReadyReplicas = ptr.To(d.Status.ReadyReplicas)
		s.AvailableReplicas = ptr.To(d.Status.AvailableReplicas)
	}
	return s
}

// leaderWorkerSetReplicaStatus reports the groups of the LeaderWorkerSet named name, as Dynamo
// does (from its status); lws is nil when it could not be read.
func leaderWorkerSetReplicaStatus(name string, lws *lwsv1.LeaderWorkerSet) *nvidiav1beta1.ComponentReplicaStatus {
	s := &nvidiav1beta1.ComponentReplicaStatus{
		ComponentKind:  nvidiav1beta1.ComponentKind(workload.KindLeaderWorkerSet),
		ComponentNames: []string{name},
	}
	if lws != nil {
		s.Replicas = lws.Status.Replicas
		s.UpdatedReplicas = lws.Status.UpdatedReplicas
		s.ReadyReplicas = ptr.To(lws.Status.ReadyReplicas)
	}
	return s
}

// statefulSetsReplicaStatus reports the replicas of a multinode component, each replica being a
// leader and a worker StatefulSet (desired, and got as applied, nil for one that could not be
// read), as Dynamo sums its LeaderWorkerSet groups: a replica is counted once both its sets
// exist, as updated, ready or available when all its pods are. componentNames holds the first
// replica's leader StatefulSet.
func statefulSetsReplicaStatus(desired, got []*appsv1.StatefulSet) *nvidiav1beta1.ComponentReplicaStatus {
	s := &nvidiav1beta1.ComponentReplicaStatus{
		ComponentKind:     nvidiav1beta1.ComponentKind(workload.KindStatefulSet),
		ReadyReplicas:     ptr.To[int32](0),
		AvailableReplicas: ptr.To[int32](0),
	}
	if len(desired) > 0 {
		s.ComponentNames = []string{desired[0].Name}
	}
	type replica struct{ exists, updated, ready, available bool }
	var order []string
	replicas := map[string]*replica{}
	for i, want := range desired {
		key := want.Labels[workload.LabelMultinodeReplica]
		r := replicas[key]
		if r == nil {
			r = &replica{exists: true, updated: true, ready: true, available: true}
			replicas[key] = r
			order = append(order, key)
		}
		set := got[i]
		if set == nil {
			r.exists = false
			continue
		}
		pods := ptr.Deref(set.Spec.Replicas, 1)
		st := set.Status
		r.updated = r.updated && st.ObservedGeneration >= set.Generation && st.UpdatedReplicas >= pods
		r.ready = r.ready && st.ReadyReplicas >= pods
		r.available = r.available && st.AvailableReplicas >= pods
	}
	for _, key := range order {
		r := replicas[key]
		if !r.exists {
			continue
		}
		s.Replicas++
		if r.updated {
			s.UpdatedReplicas++
		}
		if r.ready {
			*s.ReadyReplicas++
		}
		if r.available {
			*s.AvailableReplicas++
		}
	}
	return s
}

// setAvailability sets the DCD's conditions, replica status and observed generation from the
// state of its workload.
func setAvailability(dcd *nvidiav1beta1.DynamoComponentDeployment, a availability) {
	status := metav1.ConditionFalse
	if a.ready {
		status = metav1.ConditionTrue
	}
	setConditions(dcd, status, a.reason, a.message)
	dcd.Status.Component = a.component
	dcd.Status.ObservedGeneration = dcd.Generation
}

// setNotAvailable sets the DCD's conditions False for reason, and records a Warning event
// with the message when the condition changes (not on every retry of the same failure).
func (r *Reconciler) setNotAvailable(dcd *nvidiav1beta1.DynamoComponentDeployment, reason, message string) {
	message = truncate(message)
	prev := meta.FindStatusCondition(dcd.Status.Conditions, nvidiav1beta1.ConditionAvailable)
	if prev == nil || prev.Status != metav1.ConditionFalse || prev.Reason != reason || prev.Message != message {
		r.Recorder.Eventf(dcd, nil, corev1.EventTypeWarning, reason, "Reconcile", "%s", message)
	}
	setConditions(dcd, metav1.ConditionFalse, reason, message)
	dcd.Status.ObservedGeneration = dcd.Generation
}

// setConditions sets Available and DynamoComponentReady to the same status, reason and
// message. meta.SetStatusCondition moves lastTransitionTime only when the status flips.
func setConditions(dcd *nvidiav1beta1.DynamoComponentDeployment, status metav1.ConditionStatus, reason, message string) {
	for _, t := range []string{nvidiav1beta1.ConditionAvailable, nvidiav1beta1.ConditionComponentReady} {
		meta.SetStatusCondition(&dcd.Status.Conditions, metav1.Condition{
			Type:               t,
			Status:             status,
			Reason:             reason,
			Message:            truncate(message),
			ObservedGeneration: dcd.Generation,
		})
	}
}

// truncate shortens a message to what a condition accepts.
func truncate(message string) string {
	if len(message) <= maxConditionMessage {
		return message
	}
	const ellipsis = "..."
	return message[:maxConditionMessage-len(ellipsis)] + ellipsis
}

// reworded reports whether after differs from before only in its conditions' messages and its
// replica counts: the same observed generation and conditions (statuswrite.SameConditions).
func reworded(before, after *nvidiav1beta1.DynamoComponentDeploymentStatus) bool {
	return !equality.Semantic.DeepEqual(before, after) && before.ObservedGeneration == after.ObservedGeneration &&
		statuswrite.SameConditions(before.Conditions, after.Conditions)
}

// patchStatus writes dcd's status if it differs from before's, as a merge patch of the status
// subresource that carries before's resourceVersion: a DCD changed since it was read makes
// the patch fail with a conflict, and the reconcile is retried, rather than overwriting a
// status computed from a newer spec. Nothing is written when the status did not change.
func patchStatus(ctx context.Context, c client.Client, before, dcd *nvidiav1beta1.DynamoComponentDeployment) error {
	if equality.Semantic.DeepEqual(before.Status, dcd.Status) {
		return nil
	}
	err := c.Status().Patch(ctx, dcd, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("patching the status of DynamoComponentDeployment %s: %w", dcd.Name, err)
	}
	return nil
}
