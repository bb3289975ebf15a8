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

// Package sim simulates many namespace-restricted member clusters on one shared kube-apiserver,
// for scale benchmarks of the hub: a hundred real members (each an API server, etcd,
// controller-manager and agent) do not fit on a small machine, a hundred namespaces do.
//
// Simulated member i lives in the namespace <NamePrefix>-<i>, which is both its agent
// namespace and its namespace restriction, and which is also its name on the hub. The hub's
// cache of a namespace-restricted member watches that namespace only, so the members do not see
// each other's objects. For each member, Start
//
//   - creates the namespace, renders the agent chart there in namespace-restricted mode with
//     declared capacity (charttest.Render, with what test/fleet passes) and installs what the
//     chart gives the hub's identity (the objects labelled app.kubernetes.io/component=hub-access:
//     the flotilla-hub ServiceAccount, its token Secret, its Role and RoleBinding), and nothing
//     of the agent's own; and publishes the API server's CA as the ConfigMap kube-root-ca.crt
//     unless kube-controller-manager did (envtest runs none);
//   - publishes the member's GPUInventory and renews its liveness Lease with the agent's own code
//     (agent/inventory's Writer over a DeclaredSource, agent/liveness's Renewer, the Lease
//     carrying flotilla.dev/inventory-synced), configured by the rendered agent Deployment's
//     arguments as the agent parses them;
//   - registers the member on the hub with register.Build and register.Apply, with a
//     TokenRequest token of the chart's flotilla-hub ServiceAccount (as `flotilla-hub register
//     --token-duration` does: the chart's long-lived token Secret needs a token controller, which
//     envtest lacks): the hub reaches the member as that identity, with the chart's RBAC and
//     nothing more.
//
// While it runs, the Simulator plays each member's agent for the hub's eyes only. One goroutine
// syncs every member's GPUInventory and renews every Lease at the agent's renew interval; one
// informer over every DynamoComponentDeployment of the API server feeds a work queue, and for a
// DCD in a member's namespace the Simulator writes the status the agent writes once the DCD's
// workloads are rolled out and available (Available and DynamoComponentReady True, with
// status.component and status.observedGeneration), or the agent's refusal when the agent would
// refuse the DCD (an unsupported feature, a spec it cannot build, the member's policy).
//
// What it does not do: it creates no workload (no Deployment, Service, pod), so nothing is ever
// scheduled and no DCD is ever seen rolling out (it is Available at once); it does not track
// GPU usage, so every member always publishes its declared capacity as free, as an agent with
// declared capacity does (the hub reserves the capacity of its own placements between
// inventory updates); it serves no conversion webhook, so the member's DCDs can be read in
// nvidia.com/v1beta1, their storage version, only (the hub reads and writes that version); and
// it writes the members' objects as the administrator whose configuration it is given, not as
// the agent chart's ServiceAccount. The Writers also set the agent's inventory gauges
// (flotilla_agent_gpus_*) of this process's controller-runtime metrics registry, every member
// the same series.
//
// Setting a member up costs about a CPU-second, most of it helm rendering the chart (two
// members at a time); running costs little: one Lease update per member every renew interval
// (10 s by default), one GPUInventory read per member a minute, and one status patch per DCD
// generation.
package sim
