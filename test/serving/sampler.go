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

// Package serving samples, during fault tests, how many copies of each graph serve: those
// Available on the members a test reaches, plus those that served on a cut member when it was
// cut (its pods run on). It records each graph's longest stretch with none.
package serving

import (
	"context"
	"maps"
	"sync"
	"time"
)

// Reader reports whether graph's copy on member serves; a failed read counts as not serving.
type Reader func(ctx context.Context, member, graph string) bool

// Sampler samples every interval until Stop.
type Sampler struct {
	ctx     context.Context
	members []string
	graphs  []string
	read    Reader

	mu sync.Mutex
	// last is what the last sample saw: member -> graph -> serving.
	last map[string]map[string]bool
	// cutOff is, for each cut member, what it served when it was cut.
	cutOff    map[string]map[string]bool
	zeroSince map[string]time.Time
	gaps      map[string]time.Duration

	stopped, done chan struct{}
}

// Start takes one sample, then one every interval in the background.
func Start(ctx context.Context, members, graphs []string, read Reader, interval time.Duration) *Sampler {
	s := &Sampler{ctx: ctx, members: members, graphs: graphs, read: read,
		last: map[string]map[string]bool{}, cutOff: map[string]map[string]bool{},
		zeroSince: map[string]time.Time{}, gaps: map[string]time.Duration{},
		stopped: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	go func() {
		defer close(s.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-s.stopped:
				return
			case <-tick.C:
				s.sample()
			}
		}
	}()
	return s
}

// sample reads every member not cut off and updates the gaps; a member cut while it was read
// counts as it was when cut.
func (s *Sampler) sample() {
	seen := map[string]map[string]bool{}
	for _, member := range s.members {
		s.mu.Lock()
		_, isCut := s.cutOff[member]
		s.mu.Unlock()
		if isCut {
			continue
		}
		seen[member] = map[string]bool{}
		for _, graph := range s.graphs {
			seen[member][graph] = s.read(s.ctx, member, graph)
		}
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for member, graphs := range seen {
		if _, isCut := s.cutOff[member]; !isCut {
			s.last[member] = graphs
		}
	}
	for _, graph := range s.graphs {
		serving := false
		for _, member := range s.members {
			if cut, isCut := s.cutOff[member]; isCut {
				serving = serving || cut[graph]
			} else {
				serving = serving || s.last[member][graph]
			}
		}
		switch {
		case !serving && s.zeroSince[graph].IsZero():
			s.zeroSince[graph] = now
		case serving && !s.zeroSince[graph].IsZero():
			s.gaps[graph] = max(s.gaps[graph], now.Sub(s.zeroSince[graph]))
			s.zeroSince[graph] = time.Time{}
		}
	}
}

// Cut records which graphs served on member, by the last sample; call it just before the cut.
func (s *Sampler) Cut(member string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cutOff[member] = maps.Clone(s.last[member])
}

// Heal makes the sampler read member again.
func (s *Sampler) Heal(member string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cutOff, member)
}

// Stop ends the sampling and returns each graph's longest stretch without a serving copy,
// counting one still open.
func (s *Sampler) Stop() map[string]time.Duration {
	close(s.stopped)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	for graph, since := range s.zeroSince {
		if !since.IsZero() {
			s.gaps[graph] = max(s.gaps[graph], time.Since(since))
		}
	}
	return s.gaps
}

// Longest returns the longest of the gaps, to the millisecond.
func Longest(gaps map[string]time.Duration) time.Duration {
	var m time.Duration
	for _, g := range gaps {
		m = max(m, g)
	}
	return m.Round(time.Millisecond)
}
