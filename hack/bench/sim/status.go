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

package sim

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/component"
	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/validation"
)

// maxConditionMessage is the longest message a metav1.Condition accepts.
const maxConditionMessage = 32768

// judge sets the status of dcd, a DCD in the member's namespace, as the agent's reconcile sets
// it once every workload it applied is rolled out and available (agent/component): a DCD the
// agent refuses (a feature it does not support, a spec it cannot build, the member's policy)
// gets Available False with the agent's reason; any other gets Available True with the
// status.component of its workload, the workload being built as the agent builds it
// (workload.Build) and judged by the agent's readiness rules as fully rolled out.
func (m *member) judge(dcd *nvidiav1beta1.DynamoComponentDeployment) {
	if errs := validation.UnsupportedInComponent(field.NewPath("spec"), &dcd.Spec.DynamoComponentDeploymentSharedSpec); len(errs) > 0 {
		setNotAvailable(dcd, component.ReasonUnsupportedFeature, errs.ToAggregate().Error())
		return
	}
	desired, err := workload.Build(dcd, m.workload)
	if err != nil {
		setNotAvailable(dcd, component.ReasonInvalidSpec, err.Error())
		return
	}
	if errs := component.CheckPolicy(m.policy, dcd, desired); len(errs) > 0 {
		setNotAvailable(dcd, component.ReasonPolicyDenied, errs.ToAggregate().Error())
		return
	}
	ready, reason, message, replicas := rolledOut(desired)
	status := metav1.ConditionFalse
	if ready {
		status = metav1.ConditionTrue
	}
	setConditions(dcd, status, reason, message)
	dcd.Status.Component = replicas
	dcd.Status.ObservedGeneration = dcd.Generation
}

// setNotAvailable sets the DCD's conditions False for reason, as the agent does for a DCD it
// refuses.
func setNotAvailable(dcd *nvidiav1beta1.DynamoComponentDeployment, reason, message string) {
	setConditions(dcd, metav1.ConditionFalse, reason, message)
	dcd.Status.ObservedGeneration = dcd.Generation
}

// setConditions sets Available and DynamoComponentReady to the same status, reason and
// message, as the agent does.
func setConditions(dcd *nvidiav1beta1.DynamoComponentDeployment, status metav1.ConditionStatus, reason, message string) {
	if len(message) > maxConditionMessage {
		const ellipsis = "..."
		message = message[:maxConditionMessage-len(ellipsis)] + ellipsis
	}
	for _, t := range []string{nvidiav1beta1.ConditionAvailable, nvidiav1beta1.ConditionComponentReady} {
		meta.SetStatusCondition(&dcd.Status.Conditions, metav1.Condition{
			Type: t, Status: status, Reason: reason, Message: message, ObservedGeneration: dcd.Generation,
		})
	}
}

// rolledOut returns the agent's verdict on desired's workload once it is fully rolled out and
// available, and the status.component the agent reports for it then: the workload's status is
// that of a finished rollout, and the agent's readiness rules (workload.DeploymentAvailable,
// LeaderWorkerSetAvailable, StatefulSetsAvailable) judge it.
func rolledOut(desired *workload.Result) (ready bool, reason, message string, replicas *nvidiav1beta1.ComponentReplicaStatus) {
	switch {
	case desired.Deployment != nil:
		d := desired.Deployment.DeepCopy()
		n := ptr.Deref(d.Spec.Replicas, 1)
		d.Generation = 1
		d.Status = appsv1.DeploymentStatus{
			ObservedGeneration: 1, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}},
		}
		ready, reason, message = workload.DeploymentAvailable(d, n)
		return ready, reason, message, &nvidiav1beta1.ComponentReplicaStatus{
			ComponentKind: nvidiav1beta1.ComponentKind(workload.KindDeployment), ComponentNames: []string{d.Name},
			Replicas: n, UpdatedReplicas: n, ReadyReplicas: ptr.To(n), AvailableReplicas: ptr.To(n),
		}
	case desired.LeaderWorkerSet != nil:
		lws := desired.LeaderWorkerSet.DeepCopy()
		n := ptr.Deref(lws.Spec.Replicas, 1)
		lws.Status = lwsv1.LeaderWorkerSetStatus{
			Replicas: n, UpdatedReplicas: n, ReadyReplicas: n,
			Conditions: []metav1.Condition{{Type: string(lwsv1.LeaderWorkerSetAvailable), Status: metav1.ConditionTrue}},
		}
		ready, reason, message = workload.LeaderWorkerSetAvailable(lws, n)
		return ready, reason, message, &nvidiav1beta1.ComponentReplicaStatus{
			ComponentKind: nvidiav1beta1.ComponentKind(workload.KindLeaderWorkerSet), ComponentNames: []string{lws.Name},
			Replicas: n, UpdatedReplicas: n, ReadyReplicas: ptr.To(n),
		}
	default:
		return rolledOutStatefulSets(desired.StatefulSets)
	}
}

// rolledOutStatefulSets is rolledOut for a multinode component run as StatefulSets: every
// replica (a leader and a worker StatefulSet, grouped by their replica label) has every pod
// updated, ready and available.
func rolledOutStatefulSets(desired []*appsv1.StatefulSet) (ready bool, reason, message string, replicas *nvidiav1beta1.ComponentReplicaStatus) {
	sets := make([]*appsv1.StatefulSet, len(desired))
	groups := map[string]bool{}
	for i, want := range desired {
		s := want.DeepCopy()
		pods := ptr.Deref(s.Spec.Replicas, 1)
		s.Generation = 1
		s.Status = appsv1.StatefulSetStatus{
			ObservedGeneration: 1, Replicas: pods, UpdatedReplicas: pods, ReadyReplicas: pods, AvailableReplicas: pods,
		}
		sets[i] = s
		groups[want.Labels[workload.LabelMultinodeReplica]] = true
	}
	ready, reason, message = workload.StatefulSetsAvailable(sets, int32(len(desired)))
	n := int32(len(groups))
	replicas = &nvidiav1beta1.ComponentReplicaStatus{
		ComponentKind: nvidiav1beta1.ComponentKind(workload.KindStatefulSet),
		Replicas:      n, UpdatedReplicas: n, ReadyReplicas: ptr.To(n), AvailableReplicas: ptr.To(n),
	}
	if len(desired) > 0 {
		replicas.ComponentNames = []string{desired[0].Name}
	}
	return ready, reason, message, replicas
}
