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
	"time"
)

// heartbeatWorkers bounds the members whose inventory and Lease are written at once.
const heartbeatWorkers = 4

// beat runs heartbeat every renew interval of the agents (they share it: one chart) until ctx
// ends, logging what fails: one goroutine for every member's Lease, not one per member.
func (s *Simulator) beat(ctx context.Context) {
	interval := s.members[0].agent.LeaseRenewInterval
	for _, m := range s.members[1:] {
		interval = min(interval, m.agent.LeaseRenewInterval)
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if err := s.heartbeat(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logf("sim: heartbeat: %v", err)
		}
	}
}

// heartbeat does for every member what its agent's Writer and Renewer do on their ticks: the
// Writer confirms the GPUInventory (reading it back every resync interval, writing it only when
// it differs from the declared capacity), then the Renewer renews the Lease, stamped with when
// the inventory was last confirmed (flotilla.dev/inventory-synced).
func (s *Simulator) heartbeat(ctx context.Context) error {
	return forEach(ctx, len(s.members), heartbeatWorkers, func(ctx context.Context, i int) error {
		m := s.members[i]
		err := errors.Join(m.writer.Sync(ctx), m.renewer.Renew(ctx))
		if err != nil {
			return fmt.Errorf("member %s: %w", m.name, err)
		}
		return nil
	})
}
