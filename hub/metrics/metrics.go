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

// Package metrics holds the hub's own Prometheus metrics, served with controller-runtime's on
// the manager's metrics endpoint: placement duration, members and graphs by state, copies by
// member and sync errors by member.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	placementDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "flotilla_hub_placement_duration_seconds",
		Help:    "Time to decide where the copies of one graph go, by result (placed, unschedulable, error).",
		Buckets: prometheus.ExponentialBuckets(10e-6, 4, 10),
	}, []string{"result"})
	membersByState = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "flotilla_hub_members",
		Help: "Member clusters by state (Ready, AgentNotReady, Unreachable, Lost, Cordoned, NotEngaged, NamespaceMismatch).",
	}, []string{"state"})
	graphsByState = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "flotilla_hub_graphs",
		Help: "DynamoGraphDeployments on the hub by status.state (pending, successful, failed).",
	}, []string{"state"})
	copiesByMember = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "flotilla_hub_copies",
		Help: "Graph copies placed on each member cluster.",
	}, []string{"member"})
	syncErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flotilla_hub_sync_errors_total",
		Help: "Failed attempts to apply, read or delete a DynamoComponentDeployment on a member cluster.",
	}, []string{"member"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(placementDuration, membersByState, graphsByState, copiesByMember, syncErrors)
}

// ObservePlacement records how long one placement took and its result.
func ObservePlacement(result string, d time.Duration) {
	placementDuration.WithLabelValues(result).Observe(d.Seconds())
}

// SyncError counts a failed call to a member.
func SyncError(member string) {
	syncErrors.WithLabelValues(member).Inc()
}

// Members tracks the state of every member cluster for flotilla_hub_members.
var Members = newStates(membersByState)

// Graphs tracks the state of every graph for flotilla_hub_graphs.
var Graphs = newStates(graphsByState)

// Copies tracks the members of every graph's copies for flotilla_hub_copies.
var Copies = &copies{byGraph: map[string][]string{}}

// states counts objects by state into a gauge: each object is in one state at a time.
type states struct {
	mu    sync.Mutex
	gauge *prometheus.GaugeVec
	state map[string]string
	count map[string]int
}

func newStates(g *prometheus.GaugeVec) *states {
	return &states{gauge: g, state: map[string]string{}, count: map[string]int{}}
}

// Set puts the object key in state.
func (s *states) Set(key, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.state[key]
	if ok && old == state {
		return
	}
	if ok {
		s.add(old, -1)
	}
	s.state[key] = state
	s.add(state, 1)
}

// Forget removes the object key.
func (s *states) Forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.state[key]; ok {
		s.add(old, -1)
		delete(s.state, key)
	}
}

func (s *states) add(state string, n int) {
	s.count[state] += n
	s.gauge.WithLabelValues(state).Set(float64(s.count[state]))
}

// copies counts graph copies per member.
type copies struct {
	mu      sync.Mutex
	byGraph map[string][]string
	count   map[string]int
}

// Set records the members of one graph's placed copies.
func (c *copies) Set(graph string, members []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.apply(c.byGraph[graph], -1)
	c.byGraph[graph] = append([]string(nil), members...)
	c.apply(members, 1)
}

// Forget removes a graph.
func (c *copies) Forget(graph string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.apply(c.byGraph[graph], -1)
	delete(c.byGraph, graph)
}

func (c *copies) apply(members []string, n int) {
	if c.count == nil {
		c.count = map[string]int{}
	}
	for _, m := range members {
		if m == "" {
			continue
		}
		c.count[m] += n
		if c.count[m] == 0 {
			delete(c.count, m)
			copiesByMember.DeleteLabelValues(m)
			continue
		}
		copiesByMember.WithLabelValues(m).Set(float64(c.count[m]))
	}
}
