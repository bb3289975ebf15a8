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
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"
)

// Object is a Kubernetes object Build returns; every controller-runtime client.Object is one and
// every Object is a client.Object.
type Object interface {
	metav1.Object
	runtime.Object
}

// Kind is a kind of object a DCD may own.
type Kind string

// The kinds of object a DCD may own.
const (
	KindDeployment  Kind = "Deployment"
	KindStatefulSet Kind = "StatefulSet"
	KindService     Kind = "Service"
	KindIngress     Kind = "Ingress"
	// KindLeaderWorkerSet is leaderworkerset.x-k8s.io/v1 LeaderWorkerSet.
	KindLeaderWorkerSet Kind = "LeaderWorkerSet"
)

// ManagedKinds returns every kind a DCD may own, for the controller to look for objects that
// Result no longer names.
func ManagedKinds() []Kind {
	return []Kind{KindDeployment, KindStatefulSet, KindLeaderWorkerSet, KindService, KindIngress}
}

// GroupVersionKind returns the API group, version and kind of k.
func (k Kind) GroupVersionKind() schema.GroupVersionKind {
	switch k {
	case KindDeployment, KindStatefulSet:
		return appsv1.SchemeGroupVersion.WithKind(string(k))
	case KindIngress:
		return networkingv1.SchemeGroupVersion.WithKind(string(k))
	case KindLeaderWorkerSet:
		return lwsv1.GroupVersion.WithKind(string(k))
	default:
		return corev1.SchemeGroupVersion.WithKind(string(k))
	}
}

// typeMeta returns the TypeMeta of objects of kind k.
func typeMeta(k Kind) metav1.TypeMeta {
	apiVersion, kind := k.GroupVersionKind().ToAPIVersionAndKind()
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

// Result holds the desired objects of one DCD. Objects a DCD owns whose kind is in
// ManagedKinds and whose name Names does not list should be deleted: StatefulSets of replicas
// beyond spec.replicas, the Deployment of a component that became multinode, the Service of a
// component that is no longer a frontend, an Ingress that was disabled.
type Result struct {
	// Deployment runs a single-node component; nil for a multinode one.
	Deployment *appsv1.Deployment
	// StatefulSets run a multinode component: a leader and a worker StatefulSet per replica, in
	// replica order.
	StatefulSets []*appsv1.StatefulSet
	// LeaderWorkerSet runs a multinode component where the member serves LeaderWorkerSet
	// (Options.MultinodeRuntime); nil otherwise.
	LeaderWorkerSet *lwsv1.LeaderWorkerSet
	// Services are the headless Services of multinode replicas, in replica order, then the
	// frontend's Service.
	Services []*corev1.Service
	// Ingress exposes a frontend; nil when not enabled.
	Ingress *networkingv1.Ingress
	// ModelService is the headless Service of the pods serving the component's model
	// (spec.modelRef), shared with the namespace's other components serving it: the controller
	// applies it with the DCD as one owner among others, not as its controller, and never
	// deletes it (the garbage collector does, with its last owner). nil when no model is named.
	ModelService *corev1.Service
	// SSHKeySecret names the Secret of the namespace that holds the SSH key pair the pods mount
	// (a multinode TensorRT-LLM component's leader runs mpirun over SSH on its workers); ""
	// when none. It is not built here: the controller creates it, once per namespace, when it
	// does not exist (launch.GenerateSSHKeyPair).
	SSHKeySecret string
	// PodSelector selects every pod of the component, for the DCD's status.podSelector.
	PodSelector map[string]string
	// Notes name fields of the DCD that were accepted but not (fully) honoured, each as
	// "<field>: <why>", for a condition message or an event. They are not errors.
	Notes []string
}

// notef appends a note on field.
func (r *Result) notef(field, format string, args ...any) {
	r.Notes = append(r.Notes, field+": "+fmt.Sprintf(format, args...))
}

// Objects returns every desired object: Services first (so that pods find their names in DNS),
// then the workloads, then the Ingress.
func (r *Result) Objects() []Object {
	var objs []Object
	for _, s := range r.Services {
		objs = append(objs, s)
	}
	if r.Deployment != nil {
		objs = append(objs, r.Deployment)
	}
	for _, s := range r.StatefulSets {
		objs = append(objs, s)
	}
	if r.LeaderWorkerSet != nil {
		objs = append(objs, r.LeaderWorkerSet)
	}
	if r.Ingress != nil {
		objs = append(objs, r.Ingress)
	}
	return objs
}

// Names returns the sorted names of the desired objects of kind k.
func (r *Result) Names(k Kind) []string {
	var names []string
	switch k {
	case KindDeployment:
		if r.Deployment != nil {
			names = append(names, r.Deployment.Name)
		}
	case KindStatefulSet:
		for _, s := range r.StatefulSets {
			names = append(names, s.Name)
		}
	case KindLeaderWorkerSet:
		if r.LeaderWorkerSet != nil {
			names = append(names, r.LeaderWorkerSet.Name)
		}
	case KindService:
		for _, s := range r.Services {
			names = append(names, s.Name)
		}
	case KindIngress:
		if r.Ingress != nil {
			names = append(names, r.Ingress.Name)
		}
	}
	slices.Sort(names)
	return names
}

// Wants reports whether an object of kind k named name is desired; an object the DCD owns that
// is not should be deleted.
func (r *Result) Wants(k Kind, name string) bool {
	return slices.Contains(r.Names(k), name)
}
