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

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	toolscache "k8s.io/client-go/tools/cache"
)

// path is one way of getting the graphs to run.
type path string

const (
	pathRaw path = "raw"
	pathDCD path = "dcd"
	pathHub path = "hub"
)

func (p path) describe() string {
	switch p {
	case pathRaw:
		return "Deployments and Services created directly on the member (the floor)"
	case pathDCD:
		return "DCDs created directly on the member, the agent builds them"
	default:
		return "DGDs created on the hub"
	}
}

// batchResult is what one batch measured.
type batchResult struct {
	path   path
	graphs int
	// available is, per graph, the time from the batch's start until all its Deployments were
	// Available on the member; successful, for the hub path, until its DGD was successful on
	// the hub; upstream, the difference.
	available, successful, upstream []time.Duration
	// batchAvailable is until the last graph was Available on the member, batchSuccessful (the
	// hub path) until the last was successful on the hub; deletion, from deleting every object
	// until none of the graphs' Deployments and DCDs remained on the member.
	batchAvailable, batchSuccessful, deletion time.Duration
	// cpu is the CPU time (s) of the hub, the agent and the rest of the fleet (control planes,
	// KWOK) during the batch, until 3 s after it completed.
	hubCPU, agentCPU, planeCPU float64
	// byProcess is the CPU time of each process of the fleet by name (processLabel).
	byProcess map[string]float64
	// hubRequests and agentRequests are the components' API requests during that time.
	hubRequests, agentRequests requests
}

// settle is how long after a batch completes its CPU time and requests are still counted: the
// status writes that follow the last transition.
const settle = 3 * time.Second

// runBatch creates n graphs by path in a namespace of their own, measures them and deletes them.
func (f *benchFleet) runBatch(ctx context.Context, t *template, p path, n int, timeout time.Duration) (*batchResult, error) {
	ns := fmt.Sprintf("bench-%s-%d", p, n)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("g%04d", i)
	}
	// The namespace exists on the member on every path, as for a team that ran graphs there
	// before: a fresh namespace delays its first pods until its default ServiceAccount exists,
	// whichever path creates them.
	if p == pathHub {
		if err := ensureNamespace(ctx, f.hubDynamic, ns); err != nil {
			return nil, err
		}
	}
	if err := ensureNamespace(ctx, f.memberDynamic, ns); err != nil {
		return nil, err
	}
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	w := newWatcher(names, len(t.deployments))
	if err := w.start(watchCtx, f, ns, p == pathHub); err != nil {
		return nil, err
	}

	// Everything to create, built before the clock starts.
	type item struct {
		res  *unstructured.Unstructured
		kind string
	}
	var items []item
	for _, name := range names {
		switch p {
		case pathRaw:
			for _, o := range append(slices.Clone(t.deployments), t.services...) {
				c, err := copyFor(o, ns, name)
				if err != nil {
					return nil, err
				}
				items = append(items, item{c, c.GetKind()})
			}
		case pathDCD:
			for _, o := range t.components {
				c, err := copyFor(o, ns, name)
				if err != nil {
					return nil, err
				}
				items = append(items, item{c, "DCD"})
			}
		case pathHub:
			g, err := newGraph(ns, name)
			if err != nil {
				return nil, err
			}
			items = append(items, item{g, "DGD"})
		}
	}

	r := &batchResult{path: p, graphs: n}
	cpuBefore := fleetCPU()
	hubBefore, agentBefore, err := f.scrape(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if p == pathHub && f.profileDir != "" {
		stopProfiles := f.profile(ctx, fmt.Sprintf("%d", n))
		defer stopProfiles()
	}
	for _, it := range items {
		if err := f.create(ctx, it.res, it.kind); err != nil {
			return nil, fmt.Errorf("creating %s %s: %w", it.kind, it.res.GetName(), err)
		}
	}
	if err := w.wait(ctx, timeout); err != nil {
		return nil, err
	}
	time.Sleep(settle)
	cpuAfter := fleetCPU()
	hubAfter, agentAfter, err := f.scrape(ctx)
	if err != nil {
		return nil, err
	}
	r.hubRequests, r.agentRequests = hubAfter.minus(hubBefore), agentAfter.minus(agentBefore)
	hubPID, agentPID := f.hub.PID(), f.member.AgentProcess().PID()
	r.byProcess = map[string]float64{}
	for pid, after := range cpuAfter {
		d := after - cpuBefore[pid]
		r.byProcess[processLabel(pid, f.hubHost)] += d
		switch pid {
		case hubPID:
			r.hubCPU = d
		case agentPID:
			r.agentCPU = d
		default:
			r.planeCPU += d
		}
	}
	r.available, r.successful, r.upstream = w.results(start, p == pathHub)
	r.batchAvailable, r.batchSuccessful = slices.Max(r.available), 0
	if len(r.successful) > 0 {
		r.batchSuccessful = slices.Max(r.successful)
	}

	// Deletion: what was created, until nothing of the graphs is left on the member.
	start = time.Now()
	for _, it := range items {
		if err := f.delete(ctx, it.res, it.kind); err != nil {
			return nil, fmt.Errorf("deleting %s %s: %w", it.kind, it.res.GetName(), err)
		}
	}
	if err := poll(ctx, timeout, func() (bool, error) {
		deps, err := f.memberDynamic.Resource(deployments).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		dcds, err := f.memberDynamic.Resource(components).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		return len(deps.Items) == 0 && len(dcds.Items) == 0, nil
	}); err != nil {
		return nil, fmt.Errorf("the graphs are not gone from the member: %w", err)
	}
	r.deletion = time.Since(start)
	// The hub's graphs go once their members' copies are gone; wait for that too, so that the
	// next batch starts from a quiet hub.
	if p == pathHub {
		if err := poll(ctx, timeout, func() (bool, error) {
			list, err := f.hubDynamic.Resource(graphs).Namespace(ns).List(ctx, metav1.ListOptions{})
			return err == nil && len(list.Items) == 0, err
		}); err != nil {
			return nil, fmt.Errorf("the graphs are not gone from the hub: %w", err)
		}
	}
	return r, nil
}

func (f *benchFleet) scrape(ctx context.Context) (hub, agent requests, err error) {
	hub, err1 := scrapeRequests(ctx, f.hub.MetricsURL)
	agent, err2 := scrapeRequests(ctx, f.member.AgentProcess().MetricsURL)
	return hub, agent, errors.Join(err1, err2)
}

func (f *benchFleet) create(ctx context.Context, o *unstructured.Unstructured, kind string) error {
	var err error
	switch kind {
	case "DGD":
		_, err = f.hubDynamic.Resource(graphsV1alpha1).Namespace(o.GetNamespace()).Create(ctx, o, metav1.CreateOptions{})
	case "DCD":
		_, err = f.memberDynamic.Resource(components).Namespace(o.GetNamespace()).Create(ctx, o, metav1.CreateOptions{})
	case "Deployment":
		_, err = f.memberDynamic.Resource(deployments).Namespace(o.GetNamespace()).Create(ctx, o, metav1.CreateOptions{})
	case "Service":
		_, err = f.memberDynamic.Resource(services).Namespace(o.GetNamespace()).Create(ctx, o, metav1.CreateOptions{})
	default:
		err = fmt.Errorf("unexpected kind %s", kind)
	}
	return err
}

func (f *benchFleet) delete(ctx context.Context, o *unstructured.Unstructured, kind string) error {
	if kind == "DGD" {
		return f.hubDynamic.Resource(graphs).Namespace(o.GetNamespace()).Delete(ctx, o.GetName(), metav1.DeleteOptions{})
	}
	gvr := map[string]schema.GroupVersionResource{"DCD": components, "Deployment": deployments, "Service": services}[kind]
	return f.memberDynamic.Resource(gvr).Namespace(o.GetNamespace()).Delete(ctx, o.GetName(), metav1.DeleteOptions{})
}

// watcher records, per graph, when its Deployments were all Available on the member and when
// its DGD turned successful on the hub.
type watcher struct {
	mu          sync.Mutex
	names       []string
	onHub       bool                       // whether DGDs are watched on the hub
	want        int                        // Deployments per graph
	availableOf map[string]map[string]bool // graph -> Deployment -> Available
	availableAt map[string]time.Time
	successAt   map[string]time.Time
	changed     chan struct{}
}

func newWatcher(names []string, deploymentsPerGraph int) *watcher {
	return &watcher{
		names: names, want: deploymentsPerGraph,
		availableOf: map[string]map[string]bool{}, availableAt: map[string]time.Time{}, successAt: map[string]time.Time{},
		changed: make(chan struct{}, 1),
	}
}

// graphOf returns the graph an object of the batch belongs to: its name's prefix.
func (w *watcher) graphOf(name string) (string, bool) {
	for _, g := range w.names {
		if len(name) > len(g) && name[:len(g)] == g && name[len(g)] == '-' {
			return g, true
		}
	}
	return "", false
}

func (w *watcher) start(ctx context.Context, f *benchFleet, ns string, onHub bool) error {
	w.onHub = onHub
	factory := informers.NewSharedInformerFactoryWithOptions(f.memberKube, 0, informers.WithNamespace(ns))
	inf := factory.Apps().V1().Deployments().Informer()
	onDeployment := func(obj any) {
		d, ok := obj.(*appsv1.Deployment)
		if !ok {
			return
		}
		w.deployment(d)
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: onDeployment, UpdateFunc: func(_, o any) { onDeployment(o) },
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	synced := []toolscache.InformerSynced{inf.HasSynced}
	if onHub {
		dyn := dynamicinformer.NewFilteredDynamicSharedInformerFactory(f.hubDynamic, 0, ns, nil)
		ginf := dyn.ForResource(graphs).Informer()
		onGraph := func(obj any) {
			u, ok := obj.(*unstructured.Unstructured)
			if !ok {
				return
			}
			state, _, _ := unstructured.NestedString(u.Object, "status", "state")
			if state == "successful" {
				w.successful(u.GetName())
			}
		}
		if _, err := ginf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: onGraph, UpdateFunc: func(_, o any) { onGraph(o) },
		}); err != nil {
			return err
		}
		dyn.Start(ctx.Done())
		synced = append(synced, ginf.HasSynced)
	}
	if !toolscache.WaitForCacheSync(ctx.Done(), synced...) {
		return errors.New("the bench's watches did not sync")
	}
	return nil
}

func (w *watcher) deployment(d *appsv1.Deployment) {
	g, ok := w.graphOf(d.Name)
	if !ok {
		return
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	available := d.Status.ObservedGeneration >= d.Generation && d.Status.AvailableReplicas >= want && d.Status.UpdatedReplicas >= want
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.availableOf[g] == nil {
		w.availableOf[g] = map[string]bool{}
	}
	w.availableOf[g][d.Name] = available
	if _, done := w.availableAt[g]; done {
		return
	}
	count := 0
	for _, a := range w.availableOf[g] {
		if a {
			count++
		}
	}
	if count >= w.want {
		w.availableAt[g] = now
		w.notify()
	}
}

func (w *watcher) successful(g string) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, done := w.successAt[g]; !done {
		w.successAt[g] = now
		w.notify()
	}
}

func (w *watcher) notify() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// wait waits until every graph is done: Available, and successful when watched on the hub.
func (w *watcher) wait(ctx context.Context, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		done := len(w.availableAt) == len(w.names) && (len(w.successAt) == len(w.names) || !w.onHub)
		avail, succ := len(w.availableAt), len(w.successAt)
		w.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("after %s, %d of %d graphs Available on the member, %d successful on the hub", timeout, avail, len(w.names), succ)
		case <-w.changed:
		case <-time.After(time.Second):
		}
	}
}

// results returns, per graph, the times since start until Available and (on the hub)
// successful, and the status-upstream latency between them.
func (w *watcher) results(start time.Time, onHub bool) (available, successful, upstream []time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, g := range w.names {
		a := w.availableAt[g].Sub(start)
		available = append(available, a)
		if onHub {
			s := w.successAt[g].Sub(start)
			successful = append(successful, s)
			upstream = append(upstream, max(0, s-a))
		}
	}
	return available, successful, upstream
}

// profile starts CPU profiles of the hub and the agent, written to profileDir as
// <component>-<suffix>.pprof; the returned function waits for them.
func (f *benchFleet) profile(ctx context.Context, suffix string) (wait func()) {
	var wg sync.WaitGroup
	for name, base := range map[string]string{"hub": f.hub.PprofURL, "agent": f.member.AgentProcess().PprofURL} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := filepath.Join(f.profileDir, name+"-"+suffix+".pprof")
			if err := fetchTo(ctx, base+"profile?seconds=15", path); err != nil {
				fmt.Println("    profile:", err)
			}
		}()
	}
	return wg.Wait
}

// fetchTo writes the body of GET url to path.
func fetchTo(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, resp.Body)
	return errors.Join(err, out.Close())
}
