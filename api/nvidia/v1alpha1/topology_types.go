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

// TopologyDomain names a level of a cluster's topology, such as zone, rack or host: lower-case
// letters, digits and '-', starting and ending with a letter or digit.
// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`
type TopologyDomain string

// SpecTopologyConstraint is a graph's topology constraint: the Grove ClusterTopology that
// describes the member's topology, and the domain the graph's pods are packed into by default.
type SpecTopologyConstraint struct {
	// topologyProfile names the Grove ClusterTopology (a cluster-scoped object on the member)
	// whose levels the domains refer to.
	// +required
	// +kubebuilder:validation:MinLength=1
	TopologyProfile string `json:"topologyProfile"`

	// packDomain is the domain the pods of services without a topologyConstraint of their own
	// are packed into. It may be left out when only services set one.
	// +optional
	PackDomain TopologyDomain `json:"packDomain,omitempty"`
}

// TopologyConstraint is a service's topology constraint: the domain its pods are packed into.
type TopologyConstraint struct {
	// packDomain is the domain, one of the levels of the graph's ClusterTopology.
	// +required
	PackDomain TopologyDomain `json:"packDomain"`
}

// KvTransferEnforcement says how strictly decode workers are chosen in the topology domain of
// the prefill worker.
// +kubebuilder:validation:Enum=required;preferred
type KvTransferEnforcement string

// KV transfer enforcements.
const (
	// KvTransferEnforcementRequired allows only decode workers in the prefill worker's domain.
	KvTransferEnforcementRequired KvTransferEnforcement = "required"
	// KvTransferEnforcementPreferred favours decode workers in the prefill worker's domain.
	KvTransferEnforcementPreferred KvTransferEnforcement = "preferred"
)

// KvTransferPolicy routes KV-cache transfers between prefill and decode workers by topology.
// The domain of each worker comes either from a node label (labelKey) or from a Grove
// ClusterTopology (clusterTopologyName).
// +kubebuilder:validation:XValidation:rule="(has(self.labelKey) && !has(self.clusterTopologyName)) || (!has(self.labelKey) && has(self.clusterTopologyName))",message="exactly one of labelKey or clusterTopologyName is required"
// +kubebuilder:validation:XValidation:rule="!has(self.enforcement) || self.enforcement != 'preferred' || has(self.preferredWeight)",message="preferredWeight is required when enforcement is preferred"
// +kubebuilder:validation:XValidation:rule="!has(self.preferredWeight) || (has(self.enforcement) && self.enforcement == 'preferred')",message="preferredWeight may only be set when enforcement is preferred"
type KvTransferPolicy struct {
	// clusterTopologyName names a Grove ClusterTopology whose levels give each worker's domain.
	// +optional
	// +kubebuilder:validation:MinLength=1
	ClusterTopologyName string `json:"clusterTopologyName,omitempty"`

	// labelKey is a node label key, such as topology.kubernetes.io/zone, whose value is a
	// worker's domain; Dynamo copies it from the node onto the worker's pod.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=317
	// +kubebuilder:validation:Pattern=`^(([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('/') || self.split('/')[0].size() <= 253",message="labelKey prefix must be 253 characters or less"
	LabelKey string `json:"labelKey,omitempty"`

	// domain is the topology level routing matches workers on, such as zone or rack.
	// +required
	Domain TopologyDomain `json:"domain"`

	// enforcement is required (the default) or preferred.
	// +optional
	// +kubebuilder:default=required
	Enforcement KvTransferEnforcement `json:"enforcement,omitempty"`

	// preferredWeight is how strongly routing favours the same domain, from 0 (not at all) to 1;
	// required with, and allowed only with, enforcement preferred.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=number
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	PreferredWeight *float32 `json:"preferredWeight,omitempty"`
}
