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

// Package liveness keeps the agent's Lease (coordination.k8s.io/v1, named "flotilla-agent" in
// the agent's namespace) renewed: the hub reads its renewTime as the agent's liveness signal, so
// a member whose agent stopped renewing for longer than leaseDurationSeconds counts as lost.
//
// The Lease is not a leader-election lock: the Renewer writes it unconditionally (whoever held it
// before), and runs only on the manager's elected replica when the manager elects one.
//
// # RBAC
//
// The kubebuilder RBAC markers above Add say what this package needs, in the agent's namespace
// only; flotilla-system there stands for whatever namespace the chart installs the agent in. The
// Lease is read from the API server directly (the manager's APIReader), so no list or watch right
// is needed.
package liveness
