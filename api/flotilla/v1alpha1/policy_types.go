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

// ReasonPolicyDenied is the reason of a DynamoComponentDeployment's Available=False condition
// when the member's policy does not allow its namespace or pods; the message names the field.
// The agent builds nothing of it, and the hub shows the copy failed with that message.
const ReasonPolicyDenied = "PolicyDenied"

// MemberPolicy is what a member's agent allows DynamoComponentDeployments, as the member's
// administrator set it in the agent chart (policy.*). The agent publishes it in its GPUInventory
// and the hub copies it to the MemberCluster, so that a graph's copies go only to members whose
// policy lets them run; the agent enforces it whatever the hub decides.
type MemberPolicy struct {
	// podSecurityLevel is the Pod Security Standards level the pods must meet.
	// +required
	// +kubebuilder:validation:Enum=privileged;baseline;restricted
	PodSecurityLevel string `json:"podSecurityLevel"`

	// namespaces are the namespaces DCDs may run in; empty allows every namespace but the
	// system ones and the agent's own.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=63
	Namespaces []string `json:"namespaces,omitempty"`

	// allowedCapabilities may be added to containers beyond the level, such as IPC_LOCK.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=64
	AllowedCapabilities []string `json:"allowedCapabilities,omitempty"`

	// allowedHostPathPrefixes are the host directories hostPath volumes may mount (each one or
	// below it).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=4096
	AllowedHostPathPrefixes []string `json:"allowedHostPathPrefixes,omitempty"`

	// allowedServiceAccounts are the ServiceAccounts pods may run as, besides "default" and the
	// workloads' own (workloadServiceAccount).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=253
	AllowedServiceAccounts []string `json:"allowedServiceAccounts,omitempty"`

	// workloadServiceAccount is the ServiceAccount the agent gives pods that name none, always
	// allowed; empty for "default".
	// +optional
	// +kubebuilder:validation:MaxLength=253
	WorkloadServiceAccount string `json:"workloadServiceAccount,omitempty"`

	// agentNamespace is the agent's own namespace, which holds its credentials and where DCDs
	// never run; empty for a namespace-restricted agent installed in the namespace it serves.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	AgentNamespace string `json:"agentNamespace,omitempty"`
}
