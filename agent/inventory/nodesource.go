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

package inventory

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// Source produces the GPU pools a Writer publishes.
type Source interface {
	// Kind says where the pools come from: Nodes or Declared.
	Kind() flotillav1alpha1.InventorySource
	// Snapshot returns the pools, ordered by resource name then product. ok is false while the
	// source has no complete picture yet (its caches are syncing): nothing is published then.
	Snapshot() (pools []flotillav1alpha1.GPUPool, ok bool)
}

// NodeSource is the Source of an agent that may read Nodes and Pods: a Tracker fed by the Node
// and Pod informers of a controller-runtime cache of its own, built with cache.New rather than
// taken from the manager, because
//
//   - its transforms strip objects down to what the Tracker needs, which would break any other
//     controller reading Nodes or Pods from a shared cache;
//   - it watches cluster-wide even when the manager's cache is restricted to one namespace
//     (a namespace-restricted agent granted the optional read-only ClusterRole);
//   - it starts and stops with leadership, with the Writer, instead of on every replica.
//
// Nodes are cached with their name, the GPU product label, spec.unschedulable, their
// NoSchedule/NoExecute taints, the Ready condition and the allocatable GPUs only. Pods are
// watched with the field selector spec.nodeName!="" (only bound pods) and cached with their
// name, namespace, UID, node name, phase and GPU requests only; a pod requesting no GPU keeps
// just its name, namespace and UID (an informer cannot drop an object, only shrink it).
type NodeSource struct {
	tracker          *Tracker
	cache            cache.Cache
	resourceNames    []string
	ignoredTaintKeys []string
	synced           atomic.Bool
	log              logr.Logger
}

var _ Source = (*NodeSource)(nil)

// NewNodeSource returns a NodeSource reading from the API server of cl (a manager fits) with
// opts.ResourceNames and opts.IgnoredTaintKeys. Add it to the manager to start it.
func NewNodeSource(cl cluster.Cluster, opts Options) (*NodeSource, error) {
	if len(opts.ResourceNames) == 0 {
		opts.ResourceNames = []string{flotillav1alpha1.DefaultGPUResourceName}
	}
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	s := &NodeSource{
		tracker:          NewTracker(),
		resourceNames:    slices.Clone(opts.ResourceNames),
		ignoredTaintKeys: slices.Clone(opts.IgnoredTaintKeys),
		log:              logr.Discard(),
	}
	c, err := cache.New(cl.GetConfig(), cache.Options{
		HTTPClient: cl.GetHTTPClient(),
		Scheme:     scheme,
		Mapper:     cl.GetRESTMapper(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Node{}: {Transform: s.transformNode},
			&corev1.Pod{}: {
				Transform: s.transformPod,
				Field:     fields.OneTermNotEqualSelector("spec.nodeName", ""),
			},
		},
		ReaderFailOnMissingInformer: true,
	})
	if err != nil {
		return nil, fmt.Errorf("inventory: creating the node and pod cache: %w", err)
	}
	s.cache = c
	return s, nil
}

// Kind returns InventoryFromNodes.
func (s *NodeSource) Kind() flotillav1alpha1.InventorySource {
	return flotillav1alpha1.InventoryFromNodes
}

// Snapshot returns the Tracker's pools, once both informers have delivered their initial lists.
func (s *NodeSource) Snapshot() ([]flotillav1alpha1.GPUPool, bool) {
	if !s.synced.Load() {
		return nil, false
	}
	return s.tracker.Snapshot(), true
}

// NeedLeaderElection makes the source run only on the elected replica, with the Writer.
func (s *NodeSource) NeedLeaderElection() bool { return true }

// Start registers the event handlers, runs the cache until ctx is done and marks the source
// synced once both informers have handed their initial lists to the Tracker. Without read
// access to Nodes or Pods it never syncs, and the informers log why.
func (s *NodeSource) Start(ctx context.Context) error {
	nodes, err := s.cache.GetInformer(ctx, &corev1.Node{})
	if err != nil {
		return err
	}
	pods, err := s.cache.GetInformer(ctx, &corev1.Pod{})
	if err != nil {
		return err
	}
	nodeReg, err := nodes.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    s.onNode,
		UpdateFunc: func(_, obj any) { s.onNode(obj) },
		DeleteFunc: s.onNodeDelete,
	})
	if err != nil {
		return err
	}
	podReg, err := pods.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    s.onPod,
		UpdateFunc: func(_, obj any) { s.onPod(obj) },
		DeleteFunc: s.onPodDelete,
	})
	if err != nil {
		return err
	}

	// Stop waiting for the sync as soon as the cache stops, whether ctx is done or it failed.
	running, stopped := context.WithCancel(ctx)
	defer stopped()
	errc := make(chan error, 1)
	go func() {
		defer stopped()
		errc <- s.cache.Start(ctx)
	}()
	s.log.Info("Waiting for the node and pod informers to sync")
	if toolscache.WaitForCacheSync(running.Done(), nodeReg.HasSynced, podReg.HasSynced) {
		s.synced.Store(true)
		s.log.Info("Node and pod informers synced")
	}
	return <-errc
}

func (s *NodeSource) onNode(obj any) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	s.tracker.UpsertNode(n.Name, NodeGPUs(n, s.resourceNames), NodeProduct(n),
		NodeSchedulable(n, s.ignoredTaintKeys))
}

func (s *NodeSource) onNodeDelete(obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if n, ok := obj.(*corev1.Node); ok {
		s.tracker.DeleteNode(n.Name)
	}
}

func (s *NodeSource) onPod(obj any) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	s.tracker.UpsertPod(p.UID, p.Spec.NodeName, PodGPURequests(p, s.resourceNames), PodTerminated(p))
}

func (s *NodeSource) onPodDelete(obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if p, ok := obj.(*corev1.Pod); ok {
		s.tracker.DeletePod(p.UID)
	}
}

// transformNode strips a Node down to what the Tracker needs. Like every cache transform it is
// idempotent: stripping a stripped node changes nothing.
func (s *NodeSource) transformNode(obj any) (any, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return obj, nil
	}
	out := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: n.Name, UID: n.UID, ResourceVersion: n.ResourceVersion},
		Spec:       corev1.NodeSpec{Unschedulable: n.Spec.Unschedulable},
	}
	if product, ok := n.Labels[flotillav1alpha1.GPUProductLabel]; ok {
		out.Labels = map[string]string{flotillav1alpha1.GPUProductLabel: product}
	}
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute {
			out.Spec.Taints = append(out.Spec.Taints, corev1.Taint{Key: t.Key, Effect: t.Effect})
		}
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			out.Status.Conditions = []corev1.NodeCondition{{Type: c.Type, Status: c.Status}}
			break
		}
	}
	for res, q := range NodeGPUs(n, s.resourceNames) {
		if out.Status.Allocatable == nil {
			out.Status.Allocatable = corev1.ResourceList{}
		}
		out.Status.Allocatable[corev1.ResourceName(res)] = *resource.NewQuantity(q, resource.DecimalSI)
	}
	return out, nil
}

// transformPod strips a Pod down to what the Tracker needs: its containers are replaced by one
// named "gpus" whose requests are the pod's effective GPU requests (PodGPURequests), or by none
// when it requests no GPU. Idempotent, like transformNode.
func (s *NodeSource) transformPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	out := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: p.Name, Namespace: p.Namespace, UID: p.UID, ResourceVersion: p.ResourceVersion,
	}}
	requests := PodGPURequests(p, s.resourceNames)
	if len(requests) == 0 {
		return out, nil
	}
	out.Spec.NodeName = p.Spec.NodeName
	out.Status.Phase = p.Status.Phase
	gpus := corev1.ResourceList{}
	for res, q := range requests {
		gpus[corev1.ResourceName(res)] = *resource.NewQuantity(q, resource.DecimalSI)
	}
	out.Spec.Containers = []corev1.Container{{Name: "gpus", Resources: corev1.ResourceRequirements{Requests: gpus}}}
	return out, nil
}
