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
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/agent/workload"
)

// Simulator runs simulated members: it publishes each member's declared GPU capacity, always
// all free (it tracks no usage: the hub reserves the capacity of its placements itself between
// inventory updates), renews each member's agent Lease, and marks the DCDs the hub writes to a
// member Available as the agent would once their workloads roll out, without creating any
// workload. Stop it with Stop.
type Simulator struct {
	opts   Options
	config *rest.Config
	scheme *runtime.Scheme
	// client is an administrator's uncached client of the shared API server.
	client client.Client
	// members are the members in index order; byNamespace holds them by namespace (= name).
	members     []*member
	byNamespace map[string]*member
	// components feeds the DCD status writer (components.go); nil until started.
	components *componentWriter

	// runtimes memoises the multinode runtime the agent resolves for each requested one.
	runtimesMu sync.Mutex
	runtimes   map[string]workload.MultinodeRuntime

	cancel context.CancelFunc
	wg     sync.WaitGroup
	stop   func() error
}

// Start sets up o.Members simulated members on the API server of cfg, an administrator's
// configuration with the agent chart's CRDs installed, registers them on the hub with hub (an
// administrator's client of the hub cluster), and plays their agents until Stop. It returns
// once every member is registered, with its GPUInventory and a fresh Lease published; the hub
// then engages them on its own time. The members' namespaces must not exist yet. On error,
// what was started is stopped (namespaces and registrations stay).
func Start(ctx context.Context, cfg *rest.Config, hub client.Client, o Options) (_ *Simulator, err error) {
	if o, err = o.withDefaults(); err != nil {
		return nil, err
	}
	config := rest.CopyConfig(cfg)
	config.QPS, config.Burst = clientQPS, clientBurst
	scheme, err := agentmanager.NewScheme()
	if err != nil {
		return nil, err
	}
	c, err := client.New(config, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("sim: connecting to the member API server: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Simulator{
		opts: o, config: config, scheme: scheme, client: c,
		byNamespace: map[string]*member{}, runtimes: map[string]workload.MultinodeRuntime{}, cancel: cancel,
	}
	s.stop = sync.OnceValue(s.shutdown)
	defer func() {
		if err != nil {
			_ = s.Stop()
		}
	}()

	began := time.Now()
	s.members = make([]*member, o.Members)
	if err := forEach(ctx, o.Members, setUpWorkers, func(ctx context.Context, i int) error {
		m, err := s.setUpMember(ctx, i)
		s.members[i] = m
		return err
	}); err != nil {
		return nil, err
	}
	for _, m := range s.members {
		s.byNamespace[m.namespace] = m
	}
	o.Logf("sim: %d members set up in %s", o.Members, time.Since(began).Round(time.Millisecond))

	if err := s.heartbeat(ctx); err != nil {
		return nil, fmt.Errorf("sim: publishing the first inventories and Leases: %w", err)
	}
	if s.components, err = s.startComponents(runCtx); err != nil {
		return nil, err
	}
	s.wg.Go(func() { s.beat(runCtx) })

	if err := forEach(ctx, o.Members, registerWorkers, func(ctx context.Context, i int) error {
		return s.register(ctx, hub, s.members[i])
	}); err != nil {
		return nil, err
	}
	o.Logf("sim: %d members registered on the hub after %s", o.Members, time.Since(began).Round(time.Millisecond))
	return s, nil
}

// Names returns the simulated members' names, which are also their namespaces, sorted.
func (s *Simulator) Names() []string {
	names := make([]string, 0, len(s.members))
	for _, m := range s.members {
		if m != nil {
			names = append(names, m.name)
		}
	}
	slices.Sort(names)
	return names
}

// Stop stops playing the members' agents: their Leases are no longer renewed (the hub sees
// their agents expire) and their DCDs no longer get a status. Their namespaces, objects and
// registrations on the hub stay. Calling it again returns the first call's result.
func (s *Simulator) Stop() error { return s.stop() }

// shutdown is Stop's work, done once.
func (s *Simulator) shutdown() error {
	s.cancel()
	if s.components != nil {
		s.components.queue.ShutDown()
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(time.Minute):
		return errors.New("sim: the simulator did not stop within a minute")
	}
}
