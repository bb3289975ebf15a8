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

package inventory

import (
	"cmp"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// DeclaredCapacity is GPU capacity declared in the agent chart's values (declaredCapacity), for
// an agent that may not read Nodes: nodes nodes of the product, each with gpusPerNode GPUs.
type DeclaredCapacity struct {
	// Product is the GPU product, as the nvidia.com/gpu.product node label names it.
	Product string `json:"product"`
	// ResourceName is the extended resource name of the GPUs; nvidia.com/gpu when empty.
	ResourceName string `json:"resourceName,omitempty"`
	// GPUsPerNode is the number of GPUs of each node; at least 1.
	GPUsPerNode int32 `json:"gpusPerNode"`
	// Nodes is the number of such nodes; not negative.
	Nodes int32 `json:"nodes"`
}

// DeclaredPools turns declared capacity into pools, every node free: one pool per resource name
// and product, ordered like Tracker.Snapshot, entries of the same pool added up.
func DeclaredPools(capacity []DeclaredCapacity) ([]flotillav1alpha1.GPUPool, error) {
	t := NewTracker()
	for i, c := range capacity {
		res := cmp.Or(c.ResourceName, flotillav1alpha1.DefaultGPUResourceName)
		if errs := validation.IsQualifiedName(res); len(errs) > 0 {
			return nil, fmt.Errorf("declaredCapacity[%d].resourceName %q: %s", i, res, errs[0])
		}
		if errs := validation.IsValidLabelValue(c.Product); len(errs) > 0 {
			return nil, fmt.Errorf("declaredCapacity[%d].product %q: %s", i, c.Product, errs[0])
		}
		if c.GPUsPerNode < 1 {
			return nil, fmt.Errorf("declaredCapacity[%d].gpusPerNode must be at least 1, not %d", i, c.GPUsPerNode)
		}
		if c.Nodes < 0 {
			return nil, fmt.Errorf("declaredCapacity[%d].nodes must not be negative, not %d", i, c.Nodes)
		}
		for n := range c.Nodes {
			t.UpsertNode(fmt.Sprintf("%d/%d", i, n), map[string]int64{res: int64(c.GPUsPerNode)}, c.Product, true)
		}
	}
	return t.Snapshot(), nil
}

// DeclaredSource is the Source of an agent whose capacity is declared (source Declared): the
// pools of DeclaredPools, which never change.
type DeclaredSource struct {
	pools []flotillav1alpha1.GPUPool
}

var _ Source = (*DeclaredSource)(nil)

// NewDeclaredSource validates the declared capacity and returns its Source.
func NewDeclaredSource(capacity []DeclaredCapacity) (*DeclaredSource, error) {
	pools, err := DeclaredPools(capacity)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return &DeclaredSource{pools: pools}, nil
}

// Kind returns InventoryDeclared.
func (d *DeclaredSource) Kind() flotillav1alpha1.InventorySource {
	return flotillav1alpha1.InventoryDeclared
}

// Snapshot returns a copy of the declared pools; it is always ready.
func (d *DeclaredSource) Snapshot() ([]flotillav1alpha1.GPUPool, bool) {
	pools := slices.Clone(d.pools)
	for i := range pools {
		pools[i].NodesByFree = slices.Clone(pools[i].NodesByFree)
	}
	return pools, true
}
