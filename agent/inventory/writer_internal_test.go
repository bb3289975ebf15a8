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
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// fakeSource is a Source whose pools the test sets.
type fakeSource struct {
	pools []flotillav1alpha1.GPUPool
	ready bool
}

func (f *fakeSource) Kind() flotillav1alpha1.InventorySource {
	return flotillav1alpha1.InventoryFromNodes
}

func (f *fakeSource) Snapshot() ([]flotillav1alpha1.GPUPool, bool) { return f.pools, f.ready }

// writerFixture is a Writer on a fake API server with a clock the test moves.
type writerFixture struct {
	t      *testing.T
	client client.Client
	source *fakeSource
	now    time.Time
}

func newWriterFixture(t *testing.T) *writerFixture {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := flotillav1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return &writerFixture{
		t: t,
		client: fake.NewClientBuilder().WithScheme(scheme).
			WithStatusSubresource(&flotillav1alpha1.GPUInventory{}).Build(),
		source: &fakeSource{},
		now:    time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC),
	}
}

func (f *writerFixture) writer() *Writer {
	f.t.Helper()
	w, err := NewWriter(f.client, f.client, f.source, Options{Namespace: "agent", NamespaceRestriction: "team-a"})
	if err != nil {
		f.t.Fatal(err)
	}
	w.now = func() time.Time { return f.now }
	return w
}

func (f *writerFixture) sync(w *Writer) {
	f.t.Helper()
	if err := w.Sync(context.Background()); err != nil {
		f.t.Fatalf("Sync() error = %v", err)
	}
}

// get returns the stored GPUInventory, or nil.
func (f *writerFixture) get() *flotillav1alpha1.GPUInventory {
	f.t.Helper()
	inv := &flotillav1alpha1.GPUInventory{}
	err := f.client.Get(context.Background(), client.ObjectKey{Namespace: "agent", Name: "inventory"}, inv)
	if client.IgnoreNotFound(err) != nil {
		f.t.Fatal(err)
	}
	if err != nil {
		return nil
	}
	return inv
}

// gaugeValue reads a gauge.
func gaugeValue(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

// seriesCount counts the series of a collector.
func seriesCount(c prometheus.Collector) int {
	ch := make(chan prometheus.Metric, 100)
	c.Collect(ch)
	close(ch)
	return len(ch)
}

func TestWriter(t *testing.T) {
	f := newWriterFixture(t)
	w := f.writer()
	h100Pool := flotillav1alpha1.GPUPool{ResourceName: "nvidia.com/gpu", Product: "H100", Total: 16, Free: 12,
		NodesByFree: []flotillav1alpha1.NodesAtFree{{Free: 8, Nodes: 1}, {Free: 4, Nodes: 1}}}

	// A source that has not synced publishes nothing.
	f.sync(w)
	if inv := f.get(); inv != nil {
		t.Fatalf("GPUInventory written before the source was ready: %+v", inv)
	}

	// The first snapshot creates the object and writes the status.
	f.source.ready, f.source.pools = true, []flotillav1alpha1.GPUPool{h100Pool}
	f.sync(w)
	inv := f.get()
	if inv == nil {
		t.Fatal("GPUInventory not created")
	}
	want := flotillav1alpha1.GPUInventoryStatus{
		Source: flotillav1alpha1.InventoryFromNodes, NamespaceRestriction: "team-a",
		GPUs: []flotillav1alpha1.GPUPool{h100Pool}, GPUsFree: 12, GPUsTotal: 16,
		UpdateTime: &metav1.Time{Time: f.now},
	}
	if diff := cmp.Diff(want, inv.Status); diff != "" {
		t.Fatalf("status mismatch (-want +got):\n%s", diff)
	}
	labels := prometheus.Labels{metricLabelResource: "nvidia.com/gpu", metricLabelProduct: "H100"}
	if got := gaugeValue(t, gpusFree.With(labels)); got != 12 {
		t.Errorf("gpus free gauge = %v, want 12", got)
	}

	// Nothing changed: nothing is written, even once the resync reads the object back.
	rv := inv.ResourceVersion
	f.now = f.now.Add(time.Second)
	f.sync(w)
	f.now = f.now.Add(DefaultResyncInterval)
	f.sync(w)
	if got := f.get().ResourceVersion; got != rv {
		t.Errorf("resourceVersion %s -> %s though nothing changed", rv, got)
	}

	// A restarted agent with the same inventory writes nothing either.
	f.sync(f.writer())
	if got := f.get().ResourceVersion; got != rv {
		t.Errorf("resourceVersion %s -> %s after a restart though nothing changed", rv, got)
	}

	// A change is written, with a new updateTime; a pool gone is gone from the gauges.
	f.now = f.now.Add(2 * time.Second)
	f.source.pools = []flotillav1alpha1.GPUPool{{ResourceName: "nvidia.com/gpu", Product: "A100", Total: 4, Free: 4,
		NodesByFree: []flotillav1alpha1.NodesAtFree{{Free: 4, Nodes: 1}}}}
	f.sync(w)
	inv = f.get()
	if inv.Status.GPUsFree != 4 || len(inv.Status.GPUs) != 1 || inv.Status.GPUs[0].Product != "A100" ||
		!inv.Status.UpdateTime.Equal(&metav1.Time{Time: f.now}) {
		t.Errorf("status after a change = %+v", inv.Status)
	}
	if n := seriesCount(gpusFree); n != 1 {
		t.Errorf("gpus free gauge has %d series, want 1", n)
	}

	// A status edited by someone else is repaired, at the latest at the next resync; a
	// conflicting write is retried from a fresh read.
	inv.Status.GPUsFree = 999
	if err := f.client.Status().Update(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	f.source.pools = nil
	if err := w.Sync(context.Background()); err == nil {
		t.Error("Sync() over a stale resourceVersion succeeded, want a conflict")
	}
	f.sync(w)
	if got := f.get().Status; got.GPUsFree != 0 || got.GPUs != nil || got.Source != flotillav1alpha1.InventoryFromNodes {
		t.Errorf("status after the retry = %+v", got)
	}

	// A deleted object is created again at the next resync.
	if err := f.client.Delete(context.Background(), f.get()); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(DefaultResyncInterval)
	f.sync(w)
	if inv := f.get(); inv == nil || inv.Status.Source != flotillav1alpha1.InventoryFromNodes {
		t.Errorf("GPUInventory after deletion and resync = %+v", inv)
	}
}

func TestNewWriterOptions(t *testing.T) {
	if _, err := NewWriter(nil, nil, &fakeSource{}, Options{}); err == nil {
		t.Error("NewWriter() without a namespace: no error")
	}
	if _, err := NewWriter(nil, nil, &fakeSource{}, Options{Namespace: "a", ResourceNames: []string{"not a name"}}); err == nil {
		t.Error("NewWriter() with an invalid resource name: no error")
	}
}
