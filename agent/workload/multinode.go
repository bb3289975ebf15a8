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
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/agent/workload/launch"
)

// hostnameTopologyKey is the node label that tells nodes apart.
const hostnameTopologyKey = "kubernetes.io/hostname"

// Variables every pod of a multinode replica gets, with the names and values LeaderWorkerSet's
// pod webhook gives them, so that a command written for LeaderWorkerSet, and Dynamo's launch
// rewriting (package launch), work unchanged on the agent's StatefulSets.
const (
	// EnvLWSLeaderAddress is the leader's host name: <replica>-0.<replica>.<namespace>.
	EnvLWSLeaderAddress = "LWS_LEADER_ADDRESS"
	// EnvLWSGroupSize is the number of pods of a replica (multinode.nodeCount).
	EnvLWSGroupSize = "LWS_GROUP_SIZE"
	// EnvLWSWorkerIndex is the pod's rank in its replica: 0 for the leader, 1..nodeCount-1 for
	// the workers.
	EnvLWSWorkerIndex = "LWS_WORKER_INDEX"
)

// LabelRole tells the leader and the workers of a multinode replica apart, as Dynamo labels
// its LeaderWorkerSet pods.
const LabelRole = "role"

// podSet says which pods a pod template is for: those of a single-node component (replica -1,
// role main), the leader or the workers of multinode replica i (StatefulSets), or the leaders or
// the workers of every replica (a LeaderWorkerSet, lws).
type podSet struct {
	replica int32
	role    launch.Role
	lws     bool
}

// singleNode is the podSet of a single-node component's pods.
var singleNode = podSet{replica: -1, role: launch.RoleMain}

// multinode reports whether the pods belong to a multinode replica.
func (p podSet) multinode() bool {
	return p.replica >= 0 || p.lws
}

// buildReplica returns the objects of multinode replica i, laid out as LeaderWorkerSet lays out
// one group, so that pods have the same names and host names on both paths:
//
//   - the leader StatefulSet <dcd>-<i>, of one pod, <dcd>-<i>-0;
//   - the worker StatefulSet <dcd>-<i>-0, of nodeCount-1 pods numbered from 1, <dcd>-<i>-0-1 on;
//   - the headless Service <dcd>-<i> of all of them, publishing addresses before the pods are
//     ready, which gives the leader the host name <dcd>-<i>-0.<dcd>-<i>.<namespace> and worker j
//     <dcd>-<i>-0-<j>.<dcd>-<i>.<namespace>.
//
// Both StatefulSets start their pods in parallel, and a required pod anti-affinity puts each pod
// of the replica on its own node.
func buildReplica(c *component, i int32) ([]*appsv1.StatefulSet, *corev1.Service, error) {
	leader, err := replicaStatefulSet(c, podSet{replica: i, role: launch.RoleLeader})
	if err != nil {
		return nil, nil, err
	}
	worker, err := replicaStatefulSet(c, podSet{replica: i, role: launch.RoleWorker})
	if err != nil {
		return nil, nil, err
	}
	name := replicaName(c, i)
	labels := objectLabels(c)
	labels[LabelMultinodeReplica] = strconv.Itoa(int(i))
	svc := &corev1.Service{
		TypeMeta: typeMeta(KindService),
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: c.namespace,
			Labels:    labels,
		},
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			Selector:                 replicaSelector(c, i),
			PublishNotReadyAddresses: true,
		},
	}
	return []*appsv1.StatefulSet{leader, worker}, svc, nil
}

// replicaStatefulSet returns the leader or the worker StatefulSet of a multinode replica.
func replicaStatefulSet(c *component, pods podSet) (*appsv1.StatefulSet, error) {
	tmpl, err := podTemplate(c, pods)
	if err != nil {
		return nil, err
	}
	addReplicaAntiAffinity(&tmpl.Spec, replicaSelector(c, pods.replica))
	labels := objectLabels(c)
	labels[LabelMultinodeReplica] = strconv.Itoa(int(pods.replica))
	labels[LabelRole] = string(pods.role)
	name, size := replicaName(c, pods.replica), int32(1)
	var ordinals *appsv1.StatefulSetOrdinals
	if pods.role == launch.RoleWorker {
		name, size = workerSetName(c, pods.replica), c.nodeCount-1
		ordinals = &appsv1.StatefulSetOrdinals{Start: 1}
	}
	return &appsv1.StatefulSet{
		TypeMeta: typeMeta(KindStatefulSet),
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   c.namespace,
			Labels:      labels,
			Annotations: workloadAnnotations(c),
		},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To(size),
			Ordinals:            ordinals,
			Selector:            &metav1.LabelSelector{MatchLabels: selectorLabels(c, pods)},
			ServiceName:         replicaName(c, pods.replica),
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Template:            tmpl,
		},
	}, nil
}

// replicaName is the name of the leader StatefulSet and of the headless Service of multinode
// replica i.
func replicaName(c *component, i int32) string {
	return fmt.Sprintf("%s-%d", c.name, i)
}

// workerSetName is the name of the worker StatefulSet of multinode replica i: the leader pod's
// name, as LeaderWorkerSet names it.
func workerSetName(c *component, i int32) string {
	return replicaName(c, i) + "-0"
}

// leaderAddress is the host name of the leader of multinode replica i, as LeaderWorkerSet's
// LWS_LEADER_ADDRESS: <replica>-0.<replica>.<namespace>.
func leaderAddress(c *component, i int32) string {
	name := replicaName(c, i)
	return fmt.Sprintf("%s-0.%s.%s", name, name, c.namespace)
}

// replicaSelector selects every pod of multinode replica i.
func replicaSelector(c *component, i int32) map[string]string {
	return selectorLabels(c, podSet{replica: i})
}

// multinodeEnv returns the variables of the pods of a multinode replica: LeaderWorkerSet's
// (EnvLWSLeaderAddress, EnvLWSGroupSize, EnvLWSWorkerIndex) and the agent's older names of the
// same values (EnvLeaderHost, EnvNodeCount, EnvNodeRank). A worker reads its rank from the
// ordinal the StatefulSet controller labels it with.
func multinodeEnv(c *component, pods podSet) []corev1.EnvVar {
	size := strconv.Itoa(int(c.nodeCount))
	leader := leaderAddress(c, pods.replica)
	env := []corev1.EnvVar{
		{Name: EnvLWSLeaderAddress, Value: leader},
		{Name: EnvLWSGroupSize, Value: size},
		{Name: EnvLeaderHost, Value: leader + ".svc." + c.opts.ClusterDomain},
		{Name: EnvNodeCount, Value: size},
	}
	if pods.role == launch.RoleWorker {
		rank := fmt.Sprintf("metadata.labels['%s']", podIndexLabel)
		return append(env, fieldRefEnv(EnvLWSWorkerIndex, rank), fieldRefEnv(EnvNodeRank, rank))
	}
	return append(env, corev1.EnvVar{Name: EnvLWSWorkerIndex, Value: "0"}, corev1.EnvVar{Name: EnvNodeRank, Value: "0"})
}

// applyLaunch rewrites the main container (the first of spec) of the leader or worker pods of a
// multinode replica so that they form one engine, as Dynamo's backends do (package launch), and
// notes on c when it could not.
func applyLaunch(c *component, pods podSet, spec *corev1.PodSpec, annotations map[string]string) error {
	rewritten, err := launch.Apply(spec, &spec.Containers[0], launch.Input{
		Backend:       c.backend,
		Role:          pods.role,
		NodeCount:     c.nodeCount,
		Topology:      launch.LeaderWorkerSet{},
		GPUs:          containerGPUs(&spec.Containers[0]),
		Annotations:   annotations,
		SSHSecretName: c.opts.SSHSecretName,
	})
	if err != nil {
		return fieldErrorf(mainContainerPath, "cannot launch a %d-node %s engine: %v", c.nodeCount, quoteOrUnknown(c.backend), err)
	}
	if pods.role == launch.RoleLeader && pods.replica <= 0 {
		// The leader of the first replica (StatefulSets) or the LeaderWorkerSet's: every
		// replica's leader is rewritten alike.
		c.launchRewritten = rewritten
	}
	return nil
}

// addReplicaAntiAffinity requires the pods matching selector (those of one replica) to run on
// distinct nodes, keeping whatever affinity the user gave.
func addReplicaAntiAffinity(spec *corev1.PodSpec, selector map[string]string) {
	addRequiredAntiAffinity(spec, corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: selector},
		TopologyKey:   hostnameTopologyKey,
	})
}

// addRequiredAntiAffinity appends term to the pod's required anti-affinity, keeping whatever
// affinity the user gave.
func addRequiredAntiAffinity(spec *corev1.PodSpec, term corev1.PodAffinityTerm) {
	if spec.Affinity == nil {
		spec.Affinity = &corev1.Affinity{}
	}
	if spec.Affinity.PodAntiAffinity == nil {
		spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
	}
	anti := spec.Affinity.PodAntiAffinity
	anti.RequiredDuringSchedulingIgnoredDuringExecution = append(anti.RequiredDuringSchedulingIgnoredDuringExecution, term)
}

// multinodeNote says, when no launch rewriting was done, that the command must bring the nodes
// of a replica together itself; "" otherwise.
func multinodeNote(c *component) string {
	if c.launchRewritten || c.replicas == 0 {
		return ""
	}
	switch c.backend {
	case launch.BackendVLLM, launch.BackendSGLang, launch.BackendTRTLLM:
		return "the " + c.backend + " launch was not rewritten (the command is not one Dynamo rewrites, or one node's GPUs suffice); " +
			"it must use " + EnvLWSLeaderAddress + " and " + EnvLWSWorkerIndex + " itself to join the replica's leader"
	}
	return "no launch rewriting for backend framework " + quoteOrUnknown(c.backend) +
		"; the command must use " + EnvLWSLeaderAddress + " and " + EnvLWSWorkerIndex + " to join the replica's leader"
}

// quoteOrUnknown returns s quoted, or "unknown" when empty.
func quoteOrUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return `"` + s + `"`
}
