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
	"path/filepath"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic/dynamicinformer"
	toolscache "k8s.io/client-go/tools/cache"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/hack/bench/sim"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// scaleResult is what the scale run measured.
type scaleResult struct {
	members, simulated, graphs int
	// creators is how many clients created the graphs at once.
	creators int
	// created is how long creating the graphs took; placed is from the
	// first creation until the last graph was Scheduled; successful until the last was
	// successful.
	created, placed, successful time.Duration
	// memory is the hub's memory at each stage: "1 member", "<n> members", "<n> members,
	// <g> graphs" in order.
	memory []stage
	// hubCPU is the hub's CPU time while the graphs were placed and became successful.
	hubCPU float64
	// incomplete, when set, says how far a run that timed out got.
	incomplete string
}

// stage is the hub's memory at one point of the scale run.
type stage struct {
	what string
	mem  memory
}

// runScale registers members-1 simulated members (sim) on an API server of their own next to
// the real member, creates graphs graphs on the hub at once and measures until all are
// successful. The simulated members play their agents for the hub: GPUInventory, Lease and
// DCD status, but no workloads.
func (f *benchFleet) runScale(ctx context.Context, members, graphCount, creators int, timeout time.Duration) (_ *scaleResult, err error) {
	r := &scaleResult{members: members, simulated: members - 1, graphs: graphCount}
	r.memory = append(r.memory, stage{"1 member, no graph", f.hubRSS()})

	agentCRDs, err := charttest.Path(filepath.Join(charttest.AgentChart, "crds"))
	if err != nil {
		return nil, err
	}
	env, err := testenv.StartEnvtest(ctx, agentCRDs)
	if err != nil {
		return nil, fmt.Errorf("starting the simulated members' API server: %w", err)
	}
	defer func() { err = errors.Join(err, env.Stop()) }()
	start := time.Now()
	s, err := sim.Start(ctx, env.Config, f.local.HubClient, sim.Options{
		Members: r.simulated,
		Labels:  func(int) map[string]string { return map[string]string{"topology.kubernetes.io/region": "simulated"} },
	})
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.Stop()) }()
	fmt.Printf("    %d simulated members registered in %s\n", r.simulated, time.Since(start).Round(time.Second))
	if err := poll(ctx, 5*time.Minute, func() (bool, error) {
		list := &flotillav1alpha1.MemberClusterList{}
		if err := f.local.HubClient.List(ctx, list); err != nil {
			return false, err
		}
		ready := 0
		for i := range list.Items {
			if meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, flotillav1alpha1.MemberSchedulable) {
				ready++
			}
		}
		return ready == members, nil
	}); err != nil {
		return nil, fmt.Errorf("not all %d members became Schedulable: %w", members, err)
	}
	fmt.Printf("    all %d members Schedulable after %s\n", members, time.Since(start).Round(time.Second))
	time.Sleep(settle)
	r.memory = append(r.memory, stage{fmt.Sprintf("%d members, no graph", members), f.hubRSS()})

	ns := "bench-scale"
	if err := ensureNamespace(ctx, f.hubDynamic, ns); err != nil {
		return nil, err
	}
	names := make([]string, graphCount)
	for i := range names {
		names[i] = fmt.Sprintf("s%04d", i)
	}
	w := &scaleWatcher{scheduled: map[string]time.Time{}, successful: map[string]time.Time{}, changed: make(chan struct{}, 1)}
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	if err := w.start(watchCtx, f, ns); err != nil {
		return nil, err
	}
	cpuBefore, _ := cpuSeconds(f.hub.PID())
	start = time.Now()
	if err := f.createGraphs(ctx, ns, names, creators); err != nil {
		return nil, err
	}
	r.creators = creators
	r.created = time.Since(start)
	fmt.Printf("    %d graphs created in %s\n", graphCount, r.created.Round(100*time.Millisecond))
	if err := w.wait(ctx, graphCount, timeout); err != nil {
		// How far it got is the figure: the report says so.
		r.incomplete = err.Error()
	}
	cpuAfter, _ := cpuSeconds(f.hub.PID())
	r.hubCPU = cpuAfter - cpuBefore
	r.placed, r.successful = w.last(start)
	r.memory = append(r.memory, stage{fmt.Sprintf("%d members, %d graphs", members, graphCount), f.hubRSS()})
	if f.profileDir != "" {
		// What the hub holds at its largest, for `go tool pprof -sample_index=inuse_space`.
		if err := fetchTo(ctx, f.hub.PprofURL+"heap", filepath.Join(f.profileDir, "hub-heap-scale.pprof")); err != nil {
			fmt.Println("    heap profile:", err)
		}
	}

	// No clean-up: the scale run is the bench's last, and the fleet stops after it (deleting
	// 1,000 graphs at once can outlast the API server's request timeout).
	return r, nil
}

// createGraphs creates the graphs names in ns on the hub, with creators clients at once, each
// creating its share one after the other (as a GitOps controller applying with that
// parallelism would; one is a loop of kubectl create).
func (f *benchFleet) createGraphs(ctx context.Context, ns string, names []string, creators int) error {
	next := make(chan string)
	errs := make(chan error, creators)
	var wg sync.WaitGroup
	for range creators {
		wg.Go(func() {
			for name := range next {
				g, err := newGraph(ns, name)
				if err == nil {
					_, err = f.hubDynamic.Resource(graphsV1alpha1).Namespace(ns).Create(ctx, g, metav1.CreateOptions{})
				}
				if err != nil {
					errs <- fmt.Errorf("creating graph %s: %w", name, err)
					for range next { // let the others finish
					}
					return
				}
			}
		})
	}
	for _, name := range names {
		next <- name
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs
}

// scaleWatcher records when each graph was Scheduled and when it was successful.
type scaleWatcher struct {
	mu                    sync.Mutex
	scheduled, successful map[string]time.Time
	changed               chan struct{}
}

func (w *scaleWatcher) start(ctx context.Context, f *benchFleet, ns string) error {
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(f.hubDynamic, 0, ns, nil)
	inf := factory.ForResource(graphs).Informer()
	on := func(obj any) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		now := time.Now()
		state, _, _ := unstructured.NestedString(u.Object, "status", "state")
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == flotillav1alpha1.GraphScheduled && m["status"] == "True" {
				if _, seen := w.scheduled[u.GetName()]; !seen {
					w.scheduled[u.GetName()] = now
				}
			}
		}
		if _, seen := w.successful[u.GetName()]; !seen && state == "successful" {
			w.successful[u.GetName()] = now
		}
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{AddFunc: on, UpdateFunc: func(_, o any) { on(o) }}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	if !toolscache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return errors.New("the scale watch did not sync")
	}
	return nil
}

func (w *scaleWatcher) wait(ctx context.Context, n int, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		scheduled, successful := len(w.scheduled), len(w.successful)
		w.mu.Unlock()
		if successful >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("after %s, %d of %d graphs Scheduled, %d successful", timeout, scheduled, n, successful)
		case <-w.changed:
		case <-time.After(time.Second):
		}
	}
}

// last returns, since start, when the last graph was Scheduled and when the last was
// successful.
func (w *scaleWatcher) last(start time.Time) (scheduled, successful time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	latest := func(m map[string]time.Time) time.Duration {
		ts := make([]time.Time, 0, len(m))
		for _, t := range m {
			ts = append(ts, t)
		}
		if len(ts) == 0 {
			return 0
		}
		return slices.MaxFunc(ts, func(a, b time.Time) int { return a.Compare(b) }).Sub(start)
	}
	return latest(w.scheduled), latest(w.successful)
}
