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
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
)

// The status-upstream latency: from the moment a member reports the last component of a graph
// Available (the agent's status write, as a watch on the member sees it) to the moment the hub
// graph turns successful (as a watch on the hub sees it). It is measured, reported and printed,
// not asserted.
var _ = Describe("Status upstream latency", Label("measure"), func() {
	const (
		ns     = "latency"
		graphs = 40
	)

	It(fmt.Sprintf("reports p50/p99/max over %d graphs", graphs), func(ctx SpecContext) {
		ensureNamespace(ctx, ns)
		memberSeen := &firstSeen{at: map[string]time.Time{}}
		hubSeen := &firstSeen{at: map[string]time.Time{}}

		By("watching member DCDs turn Available and hub graphs turn successful")
		watchCtx, cancel := context.WithCancel(ctx)
		DeferCleanup(cancel)
		scheme, err := hubmanager.NewScheme()
		Expect(err).NotTo(HaveOccurred())
		for _, name := range local.MemberNames() {
			c, err := client.NewWithWatch(local.Members[name].Cluster.RESTConfig(), client.Options{Scheme: scheme})
			Expect(err).NotTo(HaveOccurred())
			w, err := c.Watch(watchCtx, &nvidiav1alpha1.DynamoComponentDeploymentList{})
			Expect(err).NotTo(HaveOccurred())
			go memberSeen.consume(w, func(o client.Object) (string, bool) {
				dcd := o.(*nvidiav1alpha1.DynamoComponentDeployment)
				if !meta.IsStatusConditionTrue(dcd.Status.Conditions, nvidiav1alpha1.ConditionAvailable) {
					return "", false
				}
				return dcd.Labels[nvidiav1alpha1.LabelGraphName] + "/" + dcd.Name, true
			})
		}
		hubWatch, err := client.NewWithWatch(local.Hub.Config, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		w, err := hubWatch.Watch(watchCtx, &nvidiav1alpha1.DynamoGraphDeploymentList{}, client.InNamespace(ns))
		Expect(err).NotTo(HaveOccurred())
		go hubSeen.consume(w, func(o client.Object) (string, bool) {
			dgd := o.(*nvidiav1alpha1.DynamoGraphDeployment)
			return dgd.Name, dgd.Status.State == nvidiav1alpha1.StateSuccessful
		})

		By(fmt.Sprintf("creating %d one-copy CPU-only graphs", graphs))
		var created []*nvidiav1alpha1.DynamoGraphDeployment
		for i := range graphs {
			dgd := makeGraph(ns, fmt.Sprintf("lat-%02d", i)).cpuOnly().obj()
			Expect(hub.Create(ctx, dgd)).To(Succeed())
			created = append(created, dgd)
		}
		DeferCleanup(func(ctx SpecContext) {
			for _, dgd := range created {
				deleteGraph(ctx, dgd)
			}
		}, NodeTimeout(5*time.Minute))

		By("waiting until every graph is successful")
		for _, dgd := range created {
			expectSuccessful(ctx, dgd)
		}
		Eventually(func() int { return hubSeen.len() }).WithContext(ctx).WithTimeout(timeout).Should(Equal(graphs))

		By("computing, per graph, hub successful minus the last member Available")
		var latencies []time.Duration
		for _, dgd := range created {
			last := memberSeen.lastWithPrefix(dgd.Name + "/")
			Expect(last.IsZero()).To(BeFalse(), "no member DCD of %s seen Available", dgd.Name)
			latencies = append(latencies, hubSeen.get(dgd.Name).Sub(last))
		}
		slices.Sort(latencies)
		p := func(q float64) time.Duration { return latencies[min(len(latencies)-1, int(q*float64(len(latencies))))] }
		report := fmt.Sprintf("status upstream latency over %d graphs: p50 %s, p90 %s, p99 %s, max %s",
			len(latencies), p(0.50).Round(time.Millisecond), p(0.90).Round(time.Millisecond), p(0.99).Round(time.Millisecond),
			latencies[len(latencies)-1].Round(time.Millisecond))
		AddReportEntry("status upstream latency", report)
		GinkgoWriter.Println(report)
	})
})

// firstSeen records when a watch first shows each key in the wanted state.
type firstSeen struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (f *firstSeen) consume(w watch.Interface, key func(client.Object) (string, bool)) {
	defer GinkgoRecover()
	for ev := range w.ResultChan() {
		now := time.Now()
		o, ok := ev.Object.(client.Object)
		if !ok || ev.Type == watch.Deleted {
			continue
		}
		if k, ok := key(o); ok {
			f.mu.Lock()
			if _, seen := f.at[k]; !seen {
				f.at[k] = now
			}
			f.mu.Unlock()
		}
	}
}

func (f *firstSeen) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.at)
}

func (f *firstSeen) get(k string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.at[k]
}

// lastWithPrefix returns the latest time among the keys with prefix.
func (f *firstSeen) lastWithPrefix(prefix string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var last time.Time
	for k, t := range f.at {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix && t.After(last) {
			last = t
		}
	}
	return last
}
