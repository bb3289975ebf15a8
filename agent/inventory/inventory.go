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
	"errors"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// Defaults of Options.
const (
	// DefaultWriteInterval is the default Options.WriteInterval: how often the inventory is
	// compared with what was published, and so the shortest time between two writes.
	DefaultWriteInterval = 2 * time.Second
	// DefaultResyncInterval is the default Options.ResyncInterval: how often the stored
	// GPUInventory is read back, to repair it if it was deleted or edited.
	DefaultResyncInterval = time.Minute
)

// Options configure the GPU inventory of an agent (Add).
type Options struct {
	// Namespace is the agent's namespace, where the GPUInventory named "inventory" is written.
	// Required.
	Namespace string

	// NamespaceRestriction is the one namespace a namespace-restricted agent may use, published
	// as status.namespaceRestriction; empty when the agent manages the whole cluster.
	NamespaceRestriction string

	// MultinodeRuntime is what runs multinode components on the member, published as
	// status.multinodeRuntime (StatefulSet or LeaderWorkerSet).
	MultinodeRuntime flotillav1alpha1.MultinodeRuntime

	// Policy is what the agent allows DCDs, published as status.policy; nil publishes none.
	Policy *flotillav1alpha1.MemberPolicy

	// ResourceNames are the extended resources counted as GPUs, each its own pool.
	// Defaults to [nvidia.com/gpu].
	ResourceNames []string

	// IgnoredTaintKeys are keys of NoSchedule and NoExecute taints that do not make a node
	// unschedulable, such as taints that every GPU pod tolerates (tests set kwok's
	// kwok.x-k8s.io/node here).
	IgnoredTaintKeys []string

	// Declared, when not empty, is the capacity declared in the chart values: the inventory is
	// then built from it (source Declared) and Nodes and Pods are not read.
	Declared []DeclaredCapacity

	// WriteInterval is how often the inventory is compared with what was last published, and so
	// the shortest time between two writes. Defaults to DefaultWriteInterval.
	WriteInterval time.Duration

	// ResyncInterval is how often the stored GPUInventory is read back from the API server, so
	// that a deleted or edited object is repaired even when the inventory does not change.
	// Defaults to DefaultResyncInterval.
	ResyncInterval time.Duration
}

// withDefaults returns the options with defaults filled in, or an error naming the first
// invalid one.
func (o Options) withDefaults() (Options, error) {
	if o.Namespace == "" {
		return o, errors.New("inventory: Options.Namespace is required")
	}
	if len(o.ResourceNames) == 0 {
		o.ResourceNames = []string{flotillav1alpha1.DefaultGPUResourceName}
	}
	o.ResourceNames = slices.Clone(o.ResourceNames)
	for _, res := range o.ResourceNames {
		if errs := validation.IsQualifiedName(res); len(errs) > 0 {
			return o, fmt.Errorf("inventory: resource name %q: %s", res, errs[0])
		}
	}
	if o.WriteInterval == 0 {
		o.WriteInterval = DefaultWriteInterval
	}
	if o.ResyncInterval == 0 {
		o.ResyncInterval = DefaultResyncInterval
	}
	if o.WriteInterval < 0 || o.ResyncInterval < 0 {
		return o, errors.New("inventory: Options.WriteInterval and ResyncInterval must not be negative")
	}
	return o, nil
}

// RBAC of the GPU inventory (see the package documentation).
// +kubebuilder:rbac:groups="",resources=nodes;pods,verbs=list;watch
// +kubebuilder:rbac:groups=flotilla.dev,namespace=flotilla-system,resources=gpuinventories,verbs=get;create
// +kubebuilder:rbac:groups=flotilla.dev,namespace=flotilla-system,resources=gpuinventories/status,verbs=patch

// Add sets up the GPU inventory of an agent on mgr: a DeclaredSource when opts.Declared is not
// empty, otherwise a NodeSource (added to mgr as a Runnable with its own cache), and a Writer
// that publishes it. Both run only while mgr holds leadership, if it elects a leader. mgr's
// scheme must know flotilla.dev/v1alpha1.
func Add(mgr manager.Manager, opts Options) (*Writer, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if _, _, err := mgr.GetScheme().ObjectKinds(&flotillav1alpha1.GPUInventory{}); err != nil {
		return nil, fmt.Errorf("inventory: the manager's scheme lacks flotilla.dev/v1alpha1: %w", err)
	}
	log := mgr.GetLogger().WithName("gpu-inventory")
	var src Source
	if len(opts.Declared) > 0 {
		if src, err = NewDeclaredSource(opts.Declared); err != nil {
			return nil, err
		}
	} else {
		ns, err := NewNodeSource(mgr, opts)
		if err != nil {
			return nil, err
		}
		ns.log = log.WithName("nodes")
		if err := mgr.Add(ns); err != nil {
			return nil, err
		}
		src = ns
	}
	w, err := NewWriter(mgr.GetClient(), mgr.GetAPIReader(), src, opts)
	if err != nil {
		return nil, err
	}
	w.log = log.WithName("writer")
	return w, mgr.Add(w)
}
