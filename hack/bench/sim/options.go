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
	"errors"
	"fmt"
	"time"

	"github.com/flotilla-dev/flotilla/hub/register"
)

// Defaults of Options.
const (
	// DefaultNamePrefix is the default Options.NamePrefix.
	DefaultNamePrefix = "sim"
	// DefaultNodesPerMember is the default Options.NodesPerMember.
	DefaultNodesPerMember = 4
	// DefaultGPUsPerNode is the default Options.GPUsPerNode.
	DefaultGPUsPerNode = 8
	// DefaultProduct is the default Options.Product.
	DefaultProduct = "NVIDIA-H100-80GB-HBM3"
	// DefaultTokenDuration is the default Options.TokenDuration.
	DefaultTokenDuration = 24 * time.Hour
)

// Limits of the Simulator's client of the shared API server: every member's Lease renewals and
// DCD status writes go through it, so it allows far more than client-go's default of 5 per
// second.
const (
	clientQPS   = 200
	clientBurst = 400
)

// Options describe the simulated members.
type Options struct {
	// Members is how many members to simulate; at least one.
	Members int
	// NamePrefix names member i <NamePrefix>-<i>, i zero-padded to three digits or more; the
	// name is also the member's namespace. DefaultNamePrefix when empty.
	NamePrefix string
	// NodesPerMember is the number of GPU nodes each member declares; DefaultNodesPerMember
	// when zero.
	NodesPerMember int32
	// GPUsPerNode is the number of GPUs of each node; DefaultGPUsPerNode when zero.
	GPUsPerNode int32
	// Product is the GPU product of the nodes, as the nvidia.com/gpu.product label names it;
	// DefaultProduct when empty.
	Product string
	// Labels, when set, returns the labels of member i's registration, which the hub copies
	// onto its MemberCluster (for clusterSelector and spreadBy).
	Labels func(i int) map[string]string
	// AgentValues are extra helm arguments for every member's agent chart (for example
	// "--set", "liveness.renewInterval=1s"); the Simulator follows the rendered agent's
	// inventory and Lease settings.
	AgentValues []string
	// HubNamespace is the namespace of the member kubeconfig Secrets on the hub;
	// register.DefaultNamespace (flotilla-system) when empty.
	HubNamespace string
	// TokenDuration is how long the hub's TokenRequest token of each member is valid;
	// DefaultTokenDuration when zero. The member's API server may shorten it.
	TokenDuration time.Duration
	// Logf receives progress lines and errors of the running Simulator; optional.
	Logf func(format string, args ...any)
}

// withDefaults returns o with its empty fields defaulted, or what is wrong with it.
func (o Options) withDefaults() (Options, error) {
	if o.Members < 1 {
		return o, fmt.Errorf("sim: Options.Members must be at least 1, not %d", o.Members)
	}
	if o.NodesPerMember < 0 || o.GPUsPerNode < 0 {
		return o, errors.New("sim: Options.NodesPerMember and GPUsPerNode must not be negative")
	}
	if o.NamePrefix == "" {
		o.NamePrefix = DefaultNamePrefix
	}
	if o.NodesPerMember == 0 {
		o.NodesPerMember = DefaultNodesPerMember
	}
	if o.GPUsPerNode == 0 {
		o.GPUsPerNode = DefaultGPUsPerNode
	}
	if o.Product == "" {
		o.Product = DefaultProduct
	}
	if o.HubNamespace == "" {
		o.HubNamespace = register.DefaultNamespace
	}
	if o.TokenDuration == 0 {
		o.TokenDuration = DefaultTokenDuration
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o, nil
}

// memberName is the name, and namespace, of member i of n.
func (o Options) memberName(i int) string {
	width := max(3, len(fmt.Sprint(o.Members-1)))
	return fmt.Sprintf("%s-%0*d", o.NamePrefix, width, i)
}
