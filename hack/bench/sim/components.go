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
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// componentWorkers is how many DCD statuses are computed and written at once.
const componentWorkers = 2

// componentWriter writes the status of the DCDs of the simulated members: one informer over
// every DCD of the API server (v1beta1, managed fields stripped) feeds a work queue of the DCDs
// of the members' namespaces whose current generation has no status yet.
type componentWriter struct {
	cache cache.Cache
	queue workqueue.TypedRateLimitingInterface[client.ObjectKey]
}

// startComponents starts the informer and the workers, which run until ctx ends or the queue
// shuts down, and returns once the informer has synced.
func (s *Simulator) startComponents(ctx context.Context) (*componentWriter, error) {
	c, err := cache.New(s.config, cache.Options{
		Scheme:           s.scheme,
		ByObject:         map[client.Object]cache.ByObject{&nvidiav1beta1.DynamoComponentDeployment{}: {}},
		DefaultTransform: cache.TransformStripManagedFields(),
	})
	if err != nil {
		return nil, fmt.Errorf("sim: the DCD informer: %w", err)
	}
	w := &componentWriter{
		cache: c,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[client.ObjectKey](),
			workqueue.TypedRateLimitingQueueConfig[client.ObjectKey]{Name: "sim-dcd-status"}),
	}
	informer, err := c.GetInformer(ctx, &nvidiav1beta1.DynamoComponentDeployment{})
	if err != nil {
		return nil, fmt.Errorf("sim: the DCD informer: %w", err)
	}
	if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.enqueue(w.queue, obj) },
		UpdateFunc: func(_, obj any) { s.enqueue(w.queue, obj) },
	}); err != nil {
		return nil, fmt.Errorf("sim: the DCD informer: %w", err)
	}
	s.wg.Go(func() {
		if err := c.Start(ctx); err != nil {
			s.opts.Logf("sim: the DCD informer stopped: %v", err)
		}
	})
	if !c.WaitForCacheSync(ctx) {
		return nil, errors.New("sim: the DCD informer did not sync")
	}
	for range componentWorkers {
		s.wg.Go(func() {
			for s.writeNext(ctx, w) {
			}
		})
	}
	return w, nil
}

// enqueue queues a DCD of a simulated member that is not being deleted and whose generation
// has no status yet. The agent holds no finalizer and does nothing for a DCD being deleted, nor
// for a hub record.
func (s *Simulator) enqueue(q workqueue.TypedRateLimitingInterface[client.ObjectKey], obj any) {
	dcd, ok := obj.(*nvidiav1beta1.DynamoComponentDeployment)
	if !ok || s.byNamespace[dcd.Namespace] == nil || flotillav1alpha1.IsHubRecord(dcd) ||
		!dcd.DeletionTimestamp.IsZero() || statusCurrent(dcd) {
		return
	}
	q.Add(client.ObjectKeyFromObject(dcd))
}

// statusCurrent reports whether the DCD's status describes its current generation: its
// Available condition and status.observedGeneration both observed it.
func statusCurrent(dcd *nvidiav1beta1.DynamoComponentDeployment) bool {
	available := meta.FindStatusCondition(dcd.Status.Conditions, nvidiav1beta1.ConditionAvailable)
	return available != nil && available.ObservedGeneration == dcd.Generation &&
		dcd.Status.ObservedGeneration == dcd.Generation
}

// writeNext writes the status of the next queued DCD; false once the queue shut down.
func (s *Simulator) writeNext(ctx context.Context, w *componentWriter) bool {
	key, shutdown := w.queue.Get()
	if shutdown {
		return false
	}
	defer w.queue.Done(key)
	if err := s.writeStatus(ctx, w, key); err != nil {
		if ctx.Err() == nil {
			s.opts.Logf("sim: DCD %s: %v", key, err)
		}
		w.queue.AddRateLimited(key)
		return true
	}
	w.queue.Forget(key)
	return true
}

// writeStatus sets the status of one DCD as its member's agent would once its workloads are
// available, as a merge patch of the status that fails on a DCD changed since it was read (the
// agent's patchStatus); nothing is written when the status would not change.
func (s *Simulator) writeStatus(ctx context.Context, w *componentWriter, key client.ObjectKey) error {
	dcd := &nvidiav1beta1.DynamoComponentDeployment{}
	if err := w.cache.Get(ctx, key, dcd); err != nil {
		return client.IgnoreNotFound(err)
	}
	m := s.byNamespace[key.Namespace]
	if m == nil || !dcd.DeletionTimestamp.IsZero() {
		return nil
	}
	before := dcd.DeepCopy()
	m.judge(dcd)
	if equality.Semantic.DeepEqual(before.Status, dcd.Status) {
		return nil
	}
	err := s.client.Status().Patch(ctx, dcd, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
