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

package placement

import (
	"fmt"
	"slices"
	"sort"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation/field"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// ServiceDemand is what one service of one graph copy needs from the member cluster it runs on.
type ServiceDemand struct {
	// Name is the service's key in spec.services.
	Name string
	// Replicas is the number of replicas of the service in one copy.
	Replicas int32
	// NodesPerReplica is the number of pods of one replica, each on a node of its own, all at
	// the same time: multinode.nodeCount, or 1.
	NodesPerReplica int32
	// GPUsPerPod is the number of GPUs each pod needs on its node; 0 for a CPU-only service,
	// which fits anywhere.
	GPUsPerPod int32
	// ResourceName is the extended resource name of the GPUs, such as nvidia.com/gpu.
	ResourceName string
	// Products are the GPU products the pods accept, sorted; empty accepts any product.
	Products []string
}

// Pods is the number of pods of the service in one copy.
func (s *ServiceDemand) Pods() int64 { return int64(s.Replicas) * int64(s.NodesPerReplica) }

// Demand is what one copy of a graph needs: its services. Build it with NewDemand or
// DemandFromGraph; it is read-only afterwards and may be shared.
type Demand struct {
	services []ServiceDemand
	// order lists the services that need GPUs, largest pods first: the packing order.
	order []int32
}

// NewDemand validates and normalises services (sorted by name, products sorted and
// deduplicated, nvidia.com/gpu when ResourceName is empty, one node per replica when
// NodesPerReplica is 0) and returns their Demand. The argument is not retained.
func NewDemand(services ...ServiceDemand) (*Demand, error) {
	d := &Demand{services: make([]ServiceDemand, len(services))}
	for i, s := range services {
		if s.Name == "" {
			return nil, fmt.Errorf("service %d has no name", i)
		}
		if s.Replicas < 0 || s.GPUsPerPod < 0 || s.NodesPerReplica < 0 {
			return nil, fmt.Errorf("service %q: replicas, GPUs per pod and nodes per replica must not be negative", s.Name)
		}
		if s.NodesPerReplica == 0 {
			s.NodesPerReplica = 1
		}
		if s.ResourceName == "" {
			s.ResourceName = flotillav1alpha1.DefaultGPUResourceName
		}
		s.Products = sortedSet(s.Products)
		d.services[i] = s
	}
	sort.Slice(d.services, func(i, j int) bool { return d.services[i].Name < d.services[j].Name })
	for i := 1; i < len(d.services); i++ {
		if d.services[i].Name == d.services[i-1].Name {
			return nil, fmt.Errorf("service %q is listed twice", d.services[i].Name)
		}
	}
	for i := range d.services {
		if s := &d.services[i]; s.GPUsPerPod > 0 && s.Replicas > 0 {
			d.order = append(d.order, int32(i))
		}
	}
	// Largest pods first; among equal pods the most constrained (multinode) replicas first.
	sort.SliceStable(d.order, func(i, j int) bool {
		a, b := &d.services[d.order[i]], &d.services[d.order[j]]
		if a.GPUsPerPod != b.GPUsPerPod {
			return a.GPUsPerPod > b.GPUsPerPod
		}
		return a.NodesPerReplica > b.NodesPerReplica
	})
	return d, nil
}

// Services returns a copy of the demand's services, sorted by name.
func (d *Demand) Services() []ServiceDemand {
	out := make([]ServiceDemand, len(d.services))
	for i, s := range d.services {
		s.Products = slices.Clone(s.Products)
		out[i] = s
	}
	return out
}

// GPUs is the number of GPUs one copy needs.
func (d *Demand) GPUs() int64 {
	var n int64
	for i := range d.services {
		n += d.services[i].Pods() * int64(d.services[i].GPUsPerPod)
	}
	return n
}

// DemandFromGraph derives the demand of one copy of a graph from its spec:
//
//   - replicas: spec.services[*].replicas, 1 when unset;
//   - GPUs per pod: resources.limits.gpu, else resources.requests.gpu (a whole number);
//   - GPU resource name: the gpuType beside that gpu field, else nvidia.com/gpu;
//   - pods per replica: multinode.nodeCount, 1 without multinode;
//   - GPU products: spec.placement.gpuProducts, narrowed by the service's own pod constraints on
//     the nvidia.com/gpu.product node label (extraPodSpec.nodeSelector, and the In expressions of
//     a required node affinity); without gpuProducts, those constraints alone; else any product.
//
// Errors name the service and field, such as
// `spec.services[VllmWorker].resources.limits.gpu: Invalid value: "abc": must be a whole number of GPUs`.
// The graph is not modified.
func DemandFromGraph(dgd *nvidiav1alpha1.DynamoGraphDeployment) (*Demand, error) {
	spec := &dgd.Spec
	names := make([]string, 0, len(spec.Services))
	for name := range spec.Services {
		names = append(names, name)
	}
	sort.Strings(names)

	var placementProducts []string
	if spec.Placement != nil {
		placementProducts = spec.Placement.GPUProducts
	}
	servicesPath := field.NewPath("spec", "services")
	var errs field.ErrorList
	services := make([]ServiceDemand, 0, len(names))
	for _, name := range names {
		s, err := serviceDemand(servicesPath.Key(name), name, spec.Services[name], placementProducts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		services = append(services, s)
	}
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return NewDemand(services...)
}

func serviceDemand(path *field.Path, name string, svc *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec, placementProducts []string) (ServiceDemand, *field.Error) {
	s := ServiceDemand{Name: name, Replicas: 1, NodesPerReplica: 1, ResourceName: flotillav1alpha1.DefaultGPUResourceName}
	if svc == nil {
		return s, nil
	}
	if svc.Replicas != nil {
		if *svc.Replicas < 0 {
			return s, field.Invalid(path.Child("replicas"), *svc.Replicas, "must not be negative")
		}
		s.Replicas = *svc.Replicas
	}
	if svc.Multinode != nil {
		if svc.Multinode.NodeCount < 1 {
			return s, field.Invalid(path.Child("multinode", "nodeCount"), svc.Multinode.NodeCount, "must be at least 1")
		}
		s.NodesPerReplica = svc.Multinode.NodeCount
	}
	if err := gpusOf(path.Child("resources"), svc.Resources, &s); err != nil {
		return s, err
	}
	if s.GPUsPerPod == 0 {
		return s, nil
	}
	products, err := acceptedProducts(path.Child("extraPodSpec"), svc.ExtraPodSpec, placementProducts)
	if err != nil {
		return s, err
	}
	s.Products = products
	return s, nil
}

// gpusOf reads the GPUs per pod and their resource name from Dynamo's resources: limits first,
// as Dynamo does, then requests. Both fields are validated when set.
func gpusOf(path *field.Path, res *nvidiav1alpha1.Resources, s *ServiceDemand) *field.Error {
	if res == nil {
		return nil
	}
	var limits, requests int32
	var err *field.Error
	if res.Limits != nil {
		if limits, err = parseGPUs(path.Child("limits", "gpu"), res.Limits.GPU); err != nil {
			return err
		}
	}
	if res.Requests != nil {
		if requests, err = parseGPUs(path.Child("requests", "gpu"), res.Requests.GPU); err != nil {
			return err
		}
	}
	switch {
	case res.Limits != nil && res.Limits.GPU != "":
		s.GPUsPerPod = limits
		s.ResourceName = firstNonEmpty(res.Limits.GPUType, gpuTypeOf(res.Requests), s.ResourceName)
	case res.Requests != nil && res.Requests.GPU != "":
		s.GPUsPerPod = requests
		s.ResourceName = firstNonEmpty(res.Requests.GPUType, gpuTypeOf(res.Limits), s.ResourceName)
	}
	return nil
}

func parseGPUs(path *field.Path, value string) (int32, *field.Error) {
	if value == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(value, 10, 32)
	if err != nil || n < 0 {
		return 0, field.Invalid(path, value, "must be a whole number of GPUs")
	}
	return int32(n), nil
}

func gpuTypeOf(item *nvidiav1alpha1.ResourceItem) string {
	if item == nil {
		return ""
	}
	return item.GPUType
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// sortedSet returns a sorted copy of values without duplicates or empty strings; nil when none
// is left.
func sortedSet(values []string) []string {
	if len(values) == 0 {
		return nil
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}
