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

// Package manager builds the Flotilla agent: a controller-runtime manager configured from the
// agent's command-line flags (Options) and running
//
//   - the DynamoComponentDeployment controller (agent/component),
//   - the GPU inventory (agent/inventory), written as the GPUInventory "inventory" in the agent's
//     namespace, from Nodes and Pods or from declared capacity,
//   - the liveness Lease (agent/liveness) in the agent's namespace,
//   - on every replica, the conversion webhook of the DCD CRD (v1alpha1 and v1beta1) and its
//     certificate (internal/conversionwebhook, internal/webhookcert),
//
// plus the /healthz and /readyz probes and controller-runtime's metrics endpoint.
//
// # Modes
//
// In cluster mode (no --watch-namespace) the manager's cache and so the DCD controller cover the
// whole cluster, and leader election (--leader-elect) may keep one active replica; its Lease
// (LeaderElectionID) lives in the agent's namespace next to the liveness Lease.
//
// In namespace-restricted mode (--watch-namespace=<ns>, design decision 6) the manager's cache
// holds only that namespace, so the DCD controller sees, and acts on, DCDs and workloads of that
// namespace only, and needs only a Role there. The GPUInventory reports the namespace as its
// namespaceRestriction. Its capacity then comes either from Nodes and Pods, read through a
// cache of the inventory's own (which needs the chart's optional read-only ClusterRole), or from
// capacity declared with --declared-capacity (--inventory-source=declared). A Role cannot patch
// the DCD CRD: the chart's wire-conversion hook (`agent wire-conversion`, package
// agent/wireconversion) points it at the agent's webhook with a CA it issues, and the agent only
// renews its serving certificate from that CA (--webhook-manage-crds defaults to false).
//
// # RBAC
//
// The kubebuilder RBAC markers of agent/component, agent/inventory, agent/liveness and this
// package are the agent's permissions; make manifests turns them into the chart's RBAC (see
// hack/agentrbac). This package adds the leader-election Lease and its events, in the agent's
// namespace (flotilla-system standing for it, as in agent/inventory).
package manager
