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

package graph_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
)

// The status-upstream latency: from the moment a member reports the last component of a graph
// Available (the agent's status write, as a watch on the member sees it) to the moment the hub
// graph turns successful (as a watch on the hub sees it). It is measured, reported and printed,
// not asserted: a steady stream of graphs, and a burst that also measures the hub's queueing.
var _ = Describe("Status upstream latency", Label("measure"), func() {
	It("reports p50/p99/max over 100 readiness changes of running graphs, one at a time", func(ctx SpecContext) {
		measureReadinessChanges(ctx, "latency-flips", 20, 100)
	})
	It("reports p50/p99/max over 100 graphs rolled out 20 per second", func(ctx SpecContext) {
		measureLatency(ctx, "latency-steady", 100, 50*time.Millisecond)
	})
	It("reports p50/p99/max over 100 graphs rolled out at once", func(ctx SpecContext) {
		measureLatency(ctx, "latency-burst", 100, 0)
	})
})

// measureReadinessChanges runs graphs one-copy CPU-only graphs in namespace ns, then, flips
// times, deletes the worker Deployment of one graph's copy on its member (round robin): the
// member's DCD turns Available=False, the agent re-creates the Deployment, the DCD turns
// Available=True again, and so does the hub graph. It reports, per flip, the time from the member
// DCD turning Available to the hub graph turning successful, each seen by a watch.
func measureReadinessChanges(ctx SpecContext, ns string, graphs, flips int) {
	ensureNamespace(ctx, ns)
	member, onHub := watchTransitions(ctx, ns)

	By(fmt.Sprintf("running %d graphs", graphs))
	var running []*nvidiav1alpha1.DynamoGraphDeployment
	DeferCleanup(func(ctx SpecContext) {
		for _, dgd := range running {
			Expect(client.IgnoreNotFound(hub.Delete(ctx, dgd))).To(Succeed())
		}
		for _, dgd := range running {
			deleteGraph(ctx, dgd)
		}
	}, NodeTimeout(5*time.Minute))
	for i := range graphs {
		dgd := makeGraph(ns, fmt.Sprintf("flip-%02d", i)).cpuOnly().obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		running = append(running, dgd)
	}
	for i, dgd := range running {
		running[i] = expectSuccessful(ctx, dgd)
	}

	By(fmt.Sprintf("deleting a worker Deployment on a member %d times, one at a time", flips))
	var latencies []time.Duration
	for i := range flips {
		dgd := running[i%len(running)]
		copy0 := dgd.Status.ClusterPlacement.Copies[0]
		key := dgd.Name + "/" + dgd.Name + "-vllmdecodeworker"
		start := time.Now()
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: copy0.Namespace, Name: dgd.Name + "-vllmdecodeworker"}}
		Expect(local.Members[copy0.Cluster].Client.Delete(ctx, d)).To(Succeed())
		var memberAt, hubAt time.Time
		Eventually(func(g Gomega) {
			var ok bool
			memberAt, ok = member.becameAfter(key, start)
			g.Expect(ok).To(BeTrue(), "%s not Available again on %s", key, copy0.Cluster)
			hubAt, ok = onHub.becameAfter(dgd.Name, start)
			g.Expect(ok).To(BeTrue(), "%s not successful again on the hub", dgd.Name)
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(10 * time.Millisecond).Should(Succeed())
		latencies = append(latencies, hubAt.Sub(memberAt))
	}
	report := summarize(fmt.Sprintf("%d readiness changes of %d running graphs", flips, graphs), latencies)
	AddReportEntry("status upstream latency", report)
	GinkgoWriter.Println(report)
}

// transitions records, per key, when a watch saw its value become true.
type transitions struct {
	mu     sync.Mutex
	state  map[string]bool
	became map[string][]time.Time
}

func (t *transitions) consume(w watch.Interface, value func(client.Object) (key string, v, ok bool)) {
	defer GinkgoRecover()
	for ev := range w.ResultChan() {
		now := time.Now()
		o, ok := ev.Object.(client.Object)
		if !ok || ev.Type == watch.Deleted {
			continue
		}
		k, v, ok := value(o)
		if !ok {
			continue
		}
		t.mu.Lock()
		if v && !t.state[k] {
			t.became[k] = append(t.became[k], now)
		}
		t.state[k] = v
		t.mu.Unlock()
	}
}

// becameAfter returns the first time after since that key became true.
func (t *transitions) becameAfter(key string, since time.Time) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, at := range t.became[key] {
		if at.After(since) {
			return at, true
		}
	}
	return time.Time{}, false
}

// latest returns the later of a and b.
func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// summarize sorts latencies and formats their percentiles.
func summarize(what string, latencies []time.Duration) string {
	slices.Sort(latencies)
	p := func(q float64) time.Duration {
		return latencies[min(len(latencies)-1, int(q*float64(len(latencies))))].Round(time.Millisecond)
	}
	return fmt.Sprintf("status upstream latency, %s: p50 %s, p90 %s, p99 %s, max %s",
		what, p(0.50), p(0.90), p(0.99), latencies[len(latencies)-1].Round(time.Millisecond))
}

// measureLatency creates graphs one-copy CPU-only graphs in namespace ns, one every pause, and
// reports the status-upstream latency of each.
func measureLatency(ctx SpecContext, ns string, graphs int, pause time.Duration) {
	ensureNamespace(ctx, ns)
	By("watching member DCDs turn Available and hub graphs turn successful")
	member, onHub := watchTransitions(ctx, ns)

	By(fmt.Sprintf("creating %d one-copy CPU-only graphs, one every %s", graphs, pause))
	var created []*nvidiav1alpha1.DynamoGraphDeployment
	DeferCleanup(func(ctx SpecContext) {
		for _, dgd := range created {
			Expect(client.IgnoreNotFound(hub.Delete(ctx, dgd))).To(Succeed())
		}
		for _, dgd := range created {
			deleteGraph(ctx, dgd)
		}
	}, NodeTimeout(5*time.Minute))
	// The load's pace: a ticker, or none for a burst.
	var pace <-chan time.Time
	if pause > 0 {
		ticker := time.NewTicker(pause)
		defer ticker.Stop()
		pace = ticker.C
	}
	for i := range graphs {
		if pace != nil && i > 0 {
			<-pace
		}
		dgd := makeGraph(ns, fmt.Sprintf("lat-%03d", i)).cpuOnly().obj()
		Expect(hub.Create(ctx, dgd)).To(Succeed())
		created = append(created, dgd)
	}

	By("waiting until every graph is successful")
	for _, dgd := range created {
		expectSuccessful(ctx, dgd)
	}

	By("computing, per graph, hub successful minus the last member Available")
	var latencies []time.Duration
	for _, dgd := range created {
		var last, successful time.Time
		Eventually(func(g Gomega) {
			var ok bool
			for _, svc := range []string{"frontend", "vllmdecodeworker"} {
				at, seen := member.becameAfter(dgd.Name+"/"+dgd.Name+"-"+svc, time.Time{})
				g.Expect(seen).To(BeTrue(), "%s-%s not seen Available", dgd.Name, svc)
				last = latest(last, at)
			}
			successful, ok = onHub.becameAfter(dgd.Name, time.Time{})
			g.Expect(ok).To(BeTrue(), "%s not seen successful", dgd.Name)
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		latencies = append(latencies, successful.Sub(last))
	}
	report := summarize(fmt.Sprintf("rollout of %d graphs, one every %s", len(latencies), pause), latencies)
	AddReportEntry("status upstream latency", report)
	GinkgoWriter.Println(report)
}

// watchTransitions starts watches on every member's DCDs of hub namespace ns (value: Available)
// and on the hub's graphs in ns (value: successful), until the spec ends.
func watchTransitions(ctx SpecContext, ns string) (member, onHub *transitions) {
	member = &transitions{became: map[string][]time.Time{}, state: map[string]bool{}}
	onHub = &transitions{became: map[string][]time.Time{}, state: map[string]bool{}}
	watchCtx, cancel := context.WithCancel(ctx)
	DeferCleanup(cancel)
	scheme, err := hubmanager.NewScheme()
	Expect(err).NotTo(HaveOccurred())
	for _, name := range local.MemberNames() {
		c, err := client.NewWithWatch(local.Members[name].Cluster.RESTConfig(), client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		w, err := c.Watch(watchCtx, &nvidiav1alpha1.DynamoComponentDeploymentList{})
		Expect(err).NotTo(HaveOccurred())
		go member.consume(w, func(o client.Object) (string, bool, bool) {
			dcd := o.(*nvidiav1alpha1.DynamoComponentDeployment)
			if dcd.Labels[flotillav1alpha1.LabelHubNamespace] != ns {
				return "", false, false
			}
			return dcd.Labels[nvidiav1alpha1.LabelGraphName] + "/" + dcd.Name,
				meta.IsStatusConditionTrue(dcd.Status.Conditions, nvidiav1alpha1.ConditionAvailable), true
		})
	}
	hubWatch, err := client.NewWithWatch(local.Hub.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	w, err := hubWatch.Watch(watchCtx, &nvidiav1alpha1.DynamoGraphDeploymentList{}, client.InNamespace(ns))
	Expect(err).NotTo(HaveOccurred())
	go onHub.consume(w, func(o client.Object) (string, bool, bool) {
		dgd := o.(*nvidiav1alpha1.DynamoGraphDeployment)
		return dgd.Name, dgd.Status.State == nvidiav1alpha1.StateSuccessful, true
	})
	return member, onHub
}
