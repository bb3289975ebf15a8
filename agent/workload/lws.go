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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/workload/launch"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// MultinodeRuntime is what runs the pods of a multinode component on the member: the API's
// type, which the GPUInventory publishes and placement matches.
type MultinodeRuntime = flotillav1alpha1.MultinodeRuntime

const (
	// RuntimeStatefulSet lays out each replica as LeaderWorkerSet would, with built-in
	// StatefulSets (buildReplica). The default, and the fallback where LeaderWorkerSet is absent.
	RuntimeStatefulSet = flotillav1alpha1.MultinodeRuntimeStatefulSet
	// RuntimeLeaderWorkerSet runs a multinode component as one LeaderWorkerSet, as Dynamo does
	// when the member serves leaderworkerset.x-k8s.io/v1.
	RuntimeLeaderWorkerSet = flotillav1alpha1.MultinodeRuntimeLeaderWorkerSet
)

// ParseMultinodeRuntime returns the runtime s names, case-insensitively.
func ParseMultinodeRuntime(s string) (MultinodeRuntime, error) {
	for _, r := range []MultinodeRuntime{RuntimeStatefulSet, RuntimeLeaderWorkerSet} {
		if strings.EqualFold(s, string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown multinode runtime %q: want %s or %s", s, RuntimeStatefulSet, RuntimeLeaderWorkerSet)
}

// buildLeaderWorkerSet returns the LeaderWorkerSet of a multinode component, as Dynamo's
// operator builds it (its native LeaderWorkerSet path): one LeaderWorkerSet named <dcd>-0 (the
// name keeps it apart from the component's Service), spec.replicas groups of nodeCount pods, the
// leader template with role=leader and the worker template with role=worker, and startupPolicy
// LeaderCreated. LeaderWorkerSet's webhook gives the pods LWS_LEADER_ADDRESS, LWS_GROUP_SIZE and
// LWS_WORKER_INDEX, which the launch rewriting uses.
//
// The LeaderWorkerSet carries the component's labels but no annotations, as upstream's: the pod
// template's annotations stay on the pods. On the LeaderWorkerSet itself some of them would act
// (leaderworkerset.sigs.k8s.io/exclusive-topology, for one, which a pod annotation does not).
//
// The fields LeaderWorkerSet's defaulting webhook would set are set here to those defaults
// (restart policy RecreateGroupOnPodRestart, a rolling update of one group at a time, a shared
// subdomain), so the object is the same with or without that webhook and server-side apply
// never fights it.
func buildLeaderWorkerSet(c *component) (*lwsv1.LeaderWorkerSet, error) {
	leader, err := podTemplate(c, podSet{replica: -1, role: launch.RoleLeader, lws: true})
	if err != nil {
		return nil, err
	}
	worker, err := podTemplate(c, podSet{replica: -1, role: launch.RoleWorker, lws: true})
	if err != nil {
		return nil, err
	}
	for _, tpl := range []*corev1.PodTemplateSpec{&leader, &worker} {
		addGroupAntiAffinity(&tpl.Spec, selectorLabels(c, podSet{replica: -1}))
	}
	return &lwsv1.LeaderWorkerSet{
		TypeMeta: typeMeta(KindLeaderWorkerSet),
		ObjectMeta: metav1.ObjectMeta{
			Name:      leaderWorkerSetName(c),
			Namespace: c.namespace,
			Labels:    objectLabels(c),
		},
		Spec: lwsv1.LeaderWorkerSetSpec{
			Replicas:      ptr.To(c.replicas),
			StartupPolicy: lwsv1.LeaderCreatedStartupPolicy,
			RolloutStrategy: lwsv1.RolloutStrategy{
				Type: lwsv1.RollingUpdateStrategyType,
				RollingUpdateConfiguration: &lwsv1.RollingUpdateConfiguration{
					Partition:      ptr.To[int32](0),
					MaxUnavailable: intstr.FromInt32(1),
					MaxSurge:       intstr.FromInt32(0),
				},
			},
			NetworkConfig: &lwsv1.NetworkConfig{SubdomainPolicy: ptr.To(lwsv1.SubdomainShared)},
			LeaderWorkerTemplate: lwsv1.LeaderWorkerTemplate{
				Size:           ptr.To(c.nodeCount),
				RestartPolicy:  lwsv1.RecreateGroupOnPodRestart,
				LeaderTemplate: &leader,
				WorkerTemplate: worker,
			},
		},
	}, nil
}

// addGroupAntiAffinity puts each pod of a LeaderWorkerSet group on a node of its own, as the
// agent's StatefulSets do and as placement counts (nodeCount nodes per replica): a required
// anti-affinity to the component's pods (selector) of the same group, whose key the API server
// takes from the pod's own leaderworkerset.sigs.k8s.io/group-key label when it creates the pod
// (matchLabelKeys; LeaderWorkerSet's webhook sets the label before). Dynamo adds none: where one
// pod uses a whole node's GPUs the scheduler spreads them anyway, but smaller pods could share a
// node the engine then counts twice.
func addGroupAntiAffinity(spec *corev1.PodSpec, selector map[string]string) {
	addRequiredAntiAffinity(spec, corev1.PodAffinityTerm{
		LabelSelector:  &metav1.LabelSelector{MatchLabels: selector},
		MatchLabelKeys: []string{lwsv1.GroupUniqueHashLabelKey},
		TopologyKey:    hostnameTopologyKey,
	})
}

// leaderWorkerSetName is the name of a multinode component's LeaderWorkerSet, as Dynamo names it.
func leaderWorkerSetName(c *component) string {
	return c.name + "-0"
}
