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

package v1alpha1

// Labels Flotilla puts on the DynamoComponentDeployments it writes, on the hub and on members.
const (
	// LabelCluster names the member cluster a hub DynamoComponentDeployment record runs on.
	LabelCluster = "flotilla.dev/cluster"
	// LabelGraph names the DynamoGraphDeployment a component belongs to.
	LabelGraph = "flotilla.dev/graph"
	// LabelCopy is the index of the graph copy a component belongs to.
	LabelCopy = "flotilla.dev/copy"
	// LabelHubRecord marks a DynamoComponentDeployment on the hub that records a placement
	// decision. Agents never turn such records into workloads, so a cluster may be hub and member
	// at once.
	LabelHubRecord = "flotilla.dev/hub-record"
)

// Names of the objects an agent keeps in its own namespace, which the hub reads.
const (
	// InventoryName is the name of the agent's GPUInventory.
	InventoryName = "inventory"
	// AgentLeaseName is the name of the Lease the agent renews as its liveness signal.
	AgentLeaseName = "flotilla-agent"
)
