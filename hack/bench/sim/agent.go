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
	"fmt"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	"github.com/flotilla-dev/flotilla/agent/liveness"
	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/agent/workload"
)

// buildAgent builds the member's inventory Writer, Lease Renewer, workload options and policy
// from its agent's configuration, as agentmanager.New does.
func (s *Simulator) buildAgent(m *member) error {
	o := m.agent
	runtime, err := s.multinodeRuntime(o.MultinodeRuntime)
	if err != nil {
		return fmt.Errorf("sim: member %s: choosing what runs multinode components: %w", m.name, err)
	}
	m.policy = agentmanager.MemberPolicy(o)
	m.workload = workload.Options{
		IngressHostSuffix:  o.IngressHostSuffix,
		Env:                o.WorkloadEnv,
		ServiceAccountName: o.WorkloadServiceAccount,
		ClusterDomain:      o.ClusterDomain,
		MultinodeRuntime:   runtime,
	}
	src, err := inventory.NewDeclaredSource(o.DeclaredCapacity)
	if err != nil {
		return fmt.Errorf("sim: member %s: %w", m.name, err)
	}
	if m.writer, err = inventory.NewWriter(s.client, s.client, src, inventory.Options{
		Namespace:            o.Namespace,
		NamespaceRestriction: o.WatchNamespace,
		MultinodeRuntime:     runtime,
		Policy:               m.policy.ToAPI(),
		Declared:             o.DeclaredCapacity,
		WriteInterval:        o.InventoryWriteInterval,
	}); err != nil {
		return fmt.Errorf("sim: member %s: %w", m.name, err)
	}
	if m.renewer, err = liveness.NewRenewer(s.client, s.client, liveness.Options{
		Namespace:       o.Namespace,
		Identity:        m.name + leaseIdentitySuffix,
		RenewInterval:   o.LeaseRenewInterval,
		LeaseDuration:   o.LeaseDuration,
		InventorySynced: m.writer.LastSynced,
	}); err != nil {
		return fmt.Errorf("sim: member %s: %w", m.name, err)
	}
	return nil
}

// multinodeRuntime resolves the agent's --multinode-runtime as the agent does at start
// (agentmanager.ResolveMultinodeRuntime), once for every member: they share the API server.
func (s *Simulator) multinodeRuntime(requested string) (workload.MultinodeRuntime, error) {
	s.runtimesMu.Lock()
	defer s.runtimesMu.Unlock()
	if r, ok := s.runtimes[requested]; ok {
		return r, nil
	}
	r, err := agentmanager.ResolveMultinodeRuntime(s.config, requested)
	if err != nil {
		return "", err
	}
	s.runtimes[requested] = r
	return r, nil
}
