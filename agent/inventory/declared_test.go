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

package inventory_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

func TestDeclaredPools(t *testing.T) {
	cases := []struct {
		name     string
		capacity []inventory.DeclaredCapacity
		want     []flotillav1alpha1.GPUPool
		wantErr  string
	}{{
		name: "nothing declared",
	}, {
		name: "two products, every node free, the default resource name",
		capacity: []inventory.DeclaredCapacity{
			{Product: h100, GPUsPerNode: 8, Nodes: 4},
			{Product: a100, ResourceName: gpu, GPUsPerNode: 4, Nodes: 2},
		},
		want: []flotillav1alpha1.GPUPool{pool(gpu, a100, 8, 8, 0, 4, 2), pool(gpu, h100, 32, 32, 0, 8, 4)},
	}, {
		name: "entries of one pool add up",
		capacity: []inventory.DeclaredCapacity{
			{Product: h100, GPUsPerNode: 8, Nodes: 1},
			{Product: h100, GPUsPerNode: 4, Nodes: 2},
			{Product: h100, GPUsPerNode: 8, Nodes: 2},
			{Product: a100, ResourceName: mig, GPUsPerNode: 7, Nodes: 1},
			{Product: h100, GPUsPerNode: 8, Nodes: 0},
		},
		want: []flotillav1alpha1.GPUPool{pool(gpu, h100, 32, 32, 0, 8, 3, 4, 2), pool(mig, a100, 7, 7, 0, 7, 1)},
	}, {
		name:     "no GPU per node",
		capacity: []inventory.DeclaredCapacity{{Product: h100, Nodes: 1}},
		wantErr:  "declaredCapacity[0].gpusPerNode must be at least 1",
	}, {
		name:     "negative nodes",
		capacity: []inventory.DeclaredCapacity{{Product: h100, GPUsPerNode: 8}, {Product: h100, GPUsPerNode: 8, Nodes: -1}},
		wantErr:  "declaredCapacity[1].nodes must not be negative",
	}, {
		name:     "bad resource name",
		capacity: []inventory.DeclaredCapacity{{Product: h100, ResourceName: "nvidia.com/gpu/x", GPUsPerNode: 8, Nodes: 1}},
		wantErr:  "declaredCapacity[0].resourceName",
	}, {
		name:     "bad product",
		capacity: []inventory.DeclaredCapacity{{Product: "H100 80GB", GPUsPerNode: 8, Nodes: 1}},
		wantErr:  "declaredCapacity[0].product",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := inventory.DeclaredPools(tc.capacity)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("DeclaredPools() error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DeclaredPools() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DeclaredPools() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeclaredSource(t *testing.T) {
	src, err := inventory.NewDeclaredSource([]inventory.DeclaredCapacity{{Product: h100, GPUsPerNode: 8, Nodes: 2}})
	if err != nil {
		t.Fatalf("NewDeclaredSource() error = %v", err)
	}
	if got := src.Kind(); got != flotillav1alpha1.InventoryDeclared {
		t.Errorf("Kind() = %q, want %q", got, flotillav1alpha1.InventoryDeclared)
	}
	pools, ok := src.Snapshot()
	if !ok {
		t.Fatal("Snapshot() not ready")
	}
	pools[0].NodesByFree[0].Nodes = 99 // the caller's copy
	again, _ := src.Snapshot()
	if diff := cmp.Diff([]flotillav1alpha1.GPUPool{pool(gpu, h100, 16, 16, 0, 8, 2)}, again); diff != "" {
		t.Errorf("Snapshot() mismatch (-want +got):\n%s", diff)
	}
	if _, err := inventory.NewDeclaredSource([]inventory.DeclaredCapacity{{Product: h100}}); err == nil {
		t.Error("NewDeclaredSource() with no GPU per node: no error")
	}
}
