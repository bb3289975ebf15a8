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

// Labels and annotations on the DynamoComponentDeployments the hub writes on members, which tie
// each one back to its hub record.
const (
	// LabelHubNamespace is the hub namespace of the graph a member DynamoComponentDeployment
	// belongs to.
	LabelHubNamespace = "flotilla.dev/hub-namespace"
	// LabelGraphUID is the UID of that graph on the hub. A member DynamoComponentDeployment whose
	// name is taken by an object without this graph's UID belongs to someone else and is never
	// overwritten.
	LabelGraphUID = "flotilla.dev/graph-uid"
	// AnnotationHubRecord is "<namespace>/<name>" of the hub record a member
	// DynamoComponentDeployment was applied from.
	AnnotationHubRecord = "flotilla.dev/hub-record"
	// AnnotationMemberNamespace, on a hub record, is the namespace of its copy on the member.
	AnnotationMemberNamespace = "flotilla.dev/member-namespace"
	// AnnotationMemberName, on a hub record, is the name of its copy on the member: Dynamo's
	// <graph>-<service>.
	AnnotationMemberName = "flotilla.dev/member-name"
	// AnnotationReplaced, on a hub record, says that its copy moved to another member and why:
	// the record and its copy stay until the copy is Ready on its new member
	// (make-before-break), then they are deleted. Removed if the move is called off.
	AnnotationReplaced = "flotilla.dev/replaced"
	// AnnotationUnreachableSince, on a MemberCluster, is when the hub last started failing to
	// reach the member (RFC 3339). It is kept on the object so that the grace period before
	// copies move runs from the first failure, across retries and hub restarts.
	AnnotationUnreachableSince = "flotilla.dev/unreachable-since"
	// AnnotationInventorySynced, on the agent's Lease, is when the agent last knew its
	// GPUInventory to match the member (RFC 3339); the hub counts an inventory older than the
	// Lease's duration as stale.
	AnnotationInventorySynced = "flotilla.dev/inventory-synced"
	// ManagedByHub is the app.kubernetes.io/managed-by value of what the hub writes on members.
	ManagedByHub = "flotilla-hub"
	// FieldManagerHub is the server-side apply field manager of the hub.
	FieldManagerHub = "flotilla-hub"
)

// The registration of a member cluster with the hub (DESIGN decision 9). A kubeconfig Secret in
// the hub's member namespace, labelled LabelMemberKubeconfig=true, with the kubeconfig under
// KubeconfigSecretKey, registers a member named after the Secret; a Cluster API Cluster with its
// <name>-kubeconfig Secret registers a member named after the Cluster. The annotations below, on
// the Secret or the Cluster, describe the member's agent.
const (
	// LabelMemberKubeconfig marks a Secret holding a member's kubeconfig (multicluster-runtime's
	// kubeconfig provider label).
	LabelMemberKubeconfig = "sigs.k8s.io/multicluster-runtime-kubeconfig"
	// KubeconfigSecretKey is the data key of the kubeconfig in a member kubeconfig Secret.
	KubeconfigSecretKey = "kubeconfig"
	// AnnotationAgentNamespace is the namespace of the member's agent, where its GPUInventory and
	// Lease live; the hub's --member-agent-namespace when absent.
	AnnotationAgentNamespace = "flotilla.dev/agent-namespace"
	// AnnotationNamespaceRestriction is the one namespace of a namespace-restricted member: the
	// hub reads and writes DynamoComponentDeployments there only. Absent for a cluster-mode member.
	AnnotationNamespaceRestriction = "flotilla.dev/namespace-restriction"
	// FinalizerMemberCleanup, on a hub record, holds it until its copy is deleted from the member
	// (or the member leaves the fleet).
	FinalizerMemberCleanup = "flotilla.dev/member-cleanup"
	// FinalizerGraph, on a DynamoGraphDeployment on the hub, holds it until its copies are
	// removed from every member, or the deletion timeout has passed.
	FinalizerGraph = "flotilla.dev/graph"
)
