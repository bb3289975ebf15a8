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

package manager

// The kubebuilder RBAC markers of this file are the hub's permissions on the hub cluster, from
// which make manifests generates the hub chart's rules (charts/hub/templates/_rbac_rules.tpl,
// through hack/hubrbac) together with the markers of every other package under hub/; they may
// move next to the controllers that need them. How the chart grants them:
//
//   - rules without a namespace: the hub's ClusterRole;
//   - rules on Secrets (the member kubeconfig Secrets), with or without a namespace: a Role in
//     the chart's members.secretNamespace, or the ClusterRole when the cluster-api member source
//     is on (a Cluster's <name>-kubeconfig Secret lives in the Cluster's namespace);
//   - rules on the cluster.x-k8s.io group: the ClusterRole, only when the cluster-api member
//     source is on;
//   - rules with namespace=flotilla-system, which stands for the hub's own namespace: a Role in
//     the release namespace (leader election).
//
// No rule may use a wildcard. The markers live next to the code that needs them: the member
// sources (hub/members), the MemberCluster, graph and sync controllers, and leader election in
// manager.go.
