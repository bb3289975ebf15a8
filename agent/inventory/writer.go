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
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// requestTimeout bounds each call the Writer makes to the API server.
const requestTimeout = 10 * time.Second

// Writer publishes a Source as the status of the GPUInventory named "inventory" in the agent's
// namespace. Every Options.WriteInterval it takes a snapshot and patches the status (with
// status.updateTime set to now) only if the pools, totals, source or namespace restriction
// differ from what the object holds; so it writes at most once per interval, and not at all while
// nothing changes. It creates the object when missing and reads it back every
// Options.ResyncInterval, so that a deleted or edited object is repaired. A restarted agent
// whose inventory did not change writes nothing. A failed call is retried at the next interval,
// from a fresh read.
type Writer struct {
	client      client.Client
	reader      client.Reader
	source      Source
	key         types.NamespacedName
	restriction string
	multinode   flotillav1alpha1.MultinodeRuntime
	policy      *flotillav1alpha1.MemberPolicy
	interval    time.Duration
	resync      time.Duration
	now         func() time.Time
	log         logr.Logger

	// current is the object as last read or written; nil when it must be read again.
	current  *flotillav1alpha1.GPUInventory
	lastRead time.Time
	// gauges and gaugePools are what the inventory gauges were last set to.
	gauges     gaugeSet
	gaugePools []flotillav1alpha1.GPUPool
	// synced is when Sync last found the object up to date (UnixNano), for LastSynced.
	synced atomic.Int64
}

// LastSynced returns when the inventory was last known to match the member (Sync found it
// up to date or wrote it); zero before that. The agent's Lease carries it, so that the hub
// tells an agent whose inventory is stuck from one that is down.
func (w *Writer) LastSynced() time.Time {
	if n := w.synced.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// NewWriter returns a Writer of src's pools, writing with c and reading the object back with r
// (an uncached reader such as the manager's APIReader, so that no informer on GPUInventories is
// needed), configured by opts.Namespace, NamespaceRestriction, WriteInterval and
// ResyncInterval. Add it to a manager, or call Sync.
func NewWriter(c client.Client, r client.Reader, src Source, opts Options) (*Writer, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Writer{
		client:      c,
		reader:      r,
		source:      src,
		key:         types.NamespacedName{Namespace: opts.Namespace, Name: flotillav1alpha1.InventoryName},
		restriction: opts.NamespaceRestriction,
		multinode:   opts.MultinodeRuntime,
		policy:      opts.Policy,
		interval:    opts.WriteInterval,
		resync:      opts.ResyncInterval,
		now:         time.Now,
		log:         logr.Discard(),
	}, nil
}

// NeedLeaderElection makes the Writer run only on the elected replica.
func (w *Writer) NeedLeaderElection() bool { return true }

// Start calls Sync at once and then every write interval until ctx is done. Errors are logged
// and retried at the next interval.
func (w *Writer) Start(ctx context.Context) error {
	w.log.Info("Publishing the GPU inventory", "gpuInventory", w.key, "source", w.source.Kind(),
		"interval", w.interval)
	ticker := time.NewTicker(w.interval)
	defer ticker.Stop()
	for {
		if err := w.Sync(ctx); err != nil && ctx.Err() == nil {
			w.log.Error(err, "Could not publish the GPU inventory; retrying", "after", w.interval)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// Sync publishes the source's pools once, if they are ready and differ from the stored ones.
// It reads the object first when it has none yet, after a failure, or when the resync
// interval has passed, and creates it when missing.
func (w *Writer) Sync(ctx context.Context) error {
	pools, ok := w.source.Snapshot()
	if !ok {
		return nil
	}
	if !equality.Semantic.DeepEqual(pools, w.gaugePools) || w.gauges == nil {
		w.gauges, w.gaugePools = w.gauges.update(pools), pools
	}
	want := w.status(pools)
	resyncDue := w.now().Sub(w.lastRead) >= w.resync
	if w.current != nil && !resyncDue && sameInventory(&w.current.Status, &want) {
		w.synced.Store(w.now().UnixNano())
		return nil
	}

	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	if w.current == nil || resyncDue {
		if err := w.read(ctx); err != nil {
			return err
		}
		if sameInventory(&w.current.Status, &want) {
			w.synced.Store(w.now().UnixNano())
			return nil
		}
	}
	inv := w.current.DeepCopy()
	inv.Status = want
	inv.Status.UpdateTime = &metav1.Time{Time: w.now()}
	patch := client.MergeFromWithOptions(w.current, client.MergeFromWithOptimisticLock{})
	if err := w.client.Status().Patch(ctx, inv, patch); err != nil {
		w.current = nil
		return fmt.Errorf("patching the status of GPUInventory %s: %w", w.key, err)
	}
	w.current = inv
	w.synced.Store(w.now().UnixNano())
	w.log.V(1).Info("Published the GPU inventory", "gpusFree", want.GPUsFree, "gpusTotal", want.GPUsTotal,
		"pools", len(want.GPUs))
	return nil
}

// read gets the object from the API server, or creates it (with an empty status) if missing.
func (w *Writer) read(ctx context.Context) error {
	w.current = nil
	inv := &flotillav1alpha1.GPUInventory{}
	err := w.reader.Get(ctx, w.key, inv)
	switch {
	case apierrors.IsNotFound(err):
		inv = &flotillav1alpha1.GPUInventory{
			ObjectMeta: metav1.ObjectMeta{Namespace: w.key.Namespace, Name: w.key.Name},
		}
		if err := w.client.Create(ctx, inv); err != nil {
			return fmt.Errorf("creating GPUInventory %s: %w", w.key, err)
		}
		w.log.Info("Created the GPUInventory", "gpuInventory", w.key)
	case err != nil:
		return fmt.Errorf("reading GPUInventory %s: %w", w.key, err)
	}
	w.current, w.lastRead = inv, w.now()
	return nil
}

// status is the status to publish for pools, without updateTime.
func (w *Writer) status(pools []flotillav1alpha1.GPUPool) flotillav1alpha1.GPUInventoryStatus {
	free, total := flotillav1alpha1.GPUTotals(pools)
	return flotillav1alpha1.GPUInventoryStatus{
		Source:               w.source.Kind(),
		NamespaceRestriction: w.restriction,
		MultinodeRuntime:     w.multinode,
		Policy:               w.policy,
		GPUs:                 pools,
		GPUsFree:             free,
		GPUsTotal:            total,
	}
}

// sameInventory reports whether two statuses publish the same inventory, updateTime aside.
func sameInventory(a, b *flotillav1alpha1.GPUInventoryStatus) bool {
	return a.Source == b.Source && a.NamespaceRestriction == b.NamespaceRestriction &&
		a.MultinodeRuntime == b.MultinodeRuntime && equality.Semantic.DeepEqual(a.Policy, b.Policy) &&
		a.GPUsFree == b.GPUsFree && a.GPUsTotal == b.GPUsTotal &&
		equality.Semantic.DeepEqual(a.GPUs, b.GPUs)
}
