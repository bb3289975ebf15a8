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
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// ServiceDemand is what one service of one graph copy needs from the member cluster it runs on.
type ServiceDemand struct {
	// Name is the component's name (spec.components[*].name; v1alpha1's spec.services key).
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

// unit is what a service's GPU shortfall is counted in (Reason.Need and Reason.Have).
type unit uint8

const (
	// unitPods: the pods of a single-node service, each on one node with GPUsPerPod free
	// GPUs (a node may hold several).
	unitPods unit = iota
	// unitNodes: the nodes, in one pool, with GPUsPerPod free GPUs that the one replica of a
	// multinode service needs, one per pod.
	unitNodes
	// unitReplicas: the replicas of a multinode service of several.
	unitReplicas
)

// unit returns what the service's shortfall is counted in.
func (s *ServiceDemand) unit() unit {
	switch {
	case s.NodesPerReplica <= 1:
		return unitPods
	case s.Replicas == 1:
		return unitNodes
	}
	return unitReplicas
}

// need is what one copy needs of the service, in its unit.
func (s *ServiceDemand) need() int64 {
	switch s.unit() {
	case unitPods:
		return s.Pods()
	case unitNodes:
		return int64(s.NodesPerReplica)
	}
	return int64(s.Replicas)
}

// Demand is what one copy of a graph needs: its services. Build it with NewDemand or
// DemandFromGraph; it is read-only afterwards and may be shared.
type Demand struct {
	services []ServiceDemand
	// order lists the services that need GPUs, largest pods first: the packing order.
	order []int32
	// retry lists the same services, most constrained first (see retryOrder): the order of the
	// second packing of a member the first one did not fit. nil when it equals order.
	retry []int32
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
	d.retry = retryOrder(d.services, d.order)
	return d, nil
}

// retryOrder returns the services of order most constrained first: multinode services first,
// then those accepting the fewest GPU products (any product counting as more than any list),
// then the largest demand (GPUs of all the service's pods, then GPUs per pod), then by name
// (services are sorted by name, so by index). It returns nil when that is order itself.
func retryOrder(services []ServiceDemand, order []int32) []int32 {
	if len(order) < 2 {
		return nil
	}
	products := func(s *ServiceDemand) int {
		if len(s.Products) == 0 {
			return math.MaxInt
		}
		return len(s.Products)
	}
	retry := slices.Clone(order)
	slices.SortFunc(retry, func(i, j int32) int {
		a, b := &services[i], &services[j]
		if am, bm := a.NodesPerReplica > 1, b.NodesPerReplica > 1; am != bm {
			if am {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(products(a), products(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Pods()*int64(b.GPUsPerPod), a.Pods()*int64(a.GPUsPerPod)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.GPUsPerPod, a.GPUsPerPod); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	if slices.Equal(retry, order) {
		return nil
	}
	return retry
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

// Multinode reports whether a service runs replicas of several pods (NodesPerReplica above 1),
// which the member's multinode runtime runs.
func (d *Demand) Multinode() bool {
	for i := range d.services {
		if d.services[i].NodesPerReplica > 1 {
			return true
		}
	}
	return false
}

// GPUs is the number of GPUs one copy needs.
func (d *Demand) GPUs() int64 {
	var n int64
	for i := range d.services {
		n += d.services[i].Pods() * int64(d.services[i].GPUsPerPod)
	}
	return n
}

// DemandFromGraph derives the demand of one copy of a graph from its spec (the hub version of
// the graph, v1beta1):
//
//   - replicas: spec.components[*].replicas, 1 when unset;
//   - GPUs per pod: what Kubernetes would count as the pod's effective request of its GPU
//     resource: the sum over the pod template's containers (main and sidecars, restartable init
//     containers included), or the largest init container (with the sidecars started before
//     it) when that is more, each container counting its limits, else its requests (a whole
//     number);
//   - GPU resource name: the extended resource those GPUs are requested as, such as
//     nvidia.com/gpu or amd.com/gpu (see IsGPUResource; v1alpha1's gpuType becomes that key);
//     nvidia.com/gpu for a pod without GPUs;
//   - pods per replica: multinode.nodeCount, 1 without multinode;
//   - GPU products: spec.placement.gpuProducts, narrowed by the pod template's own constraints
//     on the nvidia.com/gpu.product node label (nodeSelector, and the In expressions of a
//     required node affinity); without gpuProducts, those constraints alone; else any product.
//
// Devices claimed through Dynamic Resource Allocation (resourceClaims) are not counted: the
// graph controller refuses such graphs (internal/validation).
//
// Errors name the component and field, such as
// `spec.components[VllmWorker].podTemplate.spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: "1500m": must be a whole number of GPUs`.
// The graph is not modified.
func DemandFromGraph(dgd *nvidiav1beta1.DynamoGraphDeployment) (*Demand, error) {
	spec := &dgd.Spec
	order := make([]int, len(spec.Components))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return spec.Components[order[a]].ComponentName < spec.Components[order[b]].ComponentName
	})

	var placementProducts []string
	if spec.Placement != nil {
		placementProducts = spec.Placement.GPUProducts
	}
	componentsPath := field.NewPath("spec", "components")
	var errs field.ErrorList
	services := make([]ServiceDemand, 0, len(order))
	for _, i := range order {
		c := &spec.Components[i]
		s, err := componentDemand(componentsPath.Key(c.ComponentName), c, placementProducts)
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

func componentDemand(path *field.Path, c *nvidiav1beta1.DynamoComponentDeploymentSharedSpec, placementProducts []string) (ServiceDemand, *field.Error) {
	s := ServiceDemand{Name: c.ComponentName, Replicas: 1, NodesPerReplica: 1, ResourceName: flotillav1alpha1.DefaultGPUResourceName}
	if c.Replicas != nil {
		if *c.Replicas < 0 {
			return s, field.Invalid(path.Child("replicas"), *c.Replicas, "must not be negative")
		}
		s.Replicas = *c.Replicas
	}
	if c.Multinode != nil {
		if c.Multinode.NodeCount < 1 {
			return s, field.Invalid(path.Child("multinode", "nodeCount"), c.Multinode.NodeCount, "must be at least 1")
		}
		s.NodesPerReplica = c.Multinode.NodeCount
	}
	if c.PodTemplate == nil {
		return s, nil
	}
	podPath := path.Child("podTemplate", "spec")
	if err := podGPUs(podPath, &c.PodTemplate.Spec, &s); err != nil {
		return s, err
	}
	if s.GPUsPerPod == 0 {
		return s, nil
	}
	products, err := acceptedProducts(podPath, &c.PodTemplate.Spec, placementProducts)
	if err != nil {
		return s, err
	}
	s.Products = products
	return s, nil
}

// IsGPUResource reports whether an extended resource name requests GPUs through a device
// plugin: nvidia.com/gpu, another vendor's <domain>/gpu (amd.com/gpu), or an NVIDIA MIG slice
// (nvidia.com/mig-<profile>). These are the names v1alpha1's gpuType holds in practice.
func IsGPUResource(name corev1.ResourceName) bool {
	domain, resource, ok := strings.Cut(string(name), "/")
	if !ok || domain == "" {
		return false
	}
	return resource == "gpu" || (domain == "nvidia.com" && strings.HasPrefix(resource, "mig-"))
}

// gpuCount is the GPUs of one container or of a sum of containers, and their resource name
// ("" while none).
type gpuCount struct {
	n        int64
	resource corev1.ResourceName
}

// podGPUs sets the GPUs per pod and their resource name from a pod spec, as Kubernetes computes
// a pod's effective request: max(sum of the app containers and of the restartable init
// containers, each init container with the restartable ones started before it). Every container
// must ask for one kind of GPU at most, and all of them for the same kind.
func podGPUs(path *field.Path, pod *corev1.PodSpec, s *ServiceDemand) *field.Error {
	var kind corev1.ResourceName
	var kindPath *field.Path
	count := func(p *field.Path, c *corev1.Container) (int64, *field.Error) {
		g, err := containerGPUs(p, c)
		if err != nil || g.n == 0 {
			return 0, err
		}
		switch {
		case kind == "":
			kind, kindPath = g.resource, p
		case g.resource != kind:
			return 0, field.Invalid(p.Child("resources"), string(g.resource),
				fmt.Sprintf("a pod asks for one kind of GPU: %s asks for %s", kindPath, kind))
		}
		return g.n, nil
	}
	var sidecars, initMax int64
	for i := range pod.InitContainers {
		c := &pod.InitContainers[i]
		n, err := count(path.Child("initContainers").Index(i), c)
		if err != nil {
			return err
		}
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars += n
			initMax = max(initMax, sidecars)
		} else {
			initMax = max(initMax, n+sidecars)
		}
	}
	var app int64
	for i := range pod.Containers {
		n, err := count(path.Child("containers").Index(i), &pod.Containers[i])
		if err != nil {
			return err
		}
		app += n
	}
	total := max(app+sidecars, initMax)
	if total > math.MaxInt32 {
		return field.Invalid(path.Child("containers"), total, "asks for more GPUs per pod than Flotilla can count")
	}
	s.GPUsPerPod = int32(total)
	if kind != "" {
		s.ResourceName = string(kind)
	}
	return nil
}

// containerGPUs reads the GPUs of one container: for its GPU resource, limits first (as
// Kubernetes and Dynamo do for extended resources), then requests. Every GPU quantity is
// validated, in limits and requests.
func containerGPUs(path *field.Path, c *corev1.Container) (gpuCount, *field.Error) {
	var out gpuCount
	resPath := path.Child("resources")
	for _, list := range []struct {
		name  string
		items corev1.ResourceList
	}{{"limits", c.Resources.Limits}, {"requests", c.Resources.Requests}} {
		for _, name := range slices.Sorted(maps.Keys(list.items)) {
			if !IsGPUResource(name) {
				continue
			}
			q := list.items[name]
			n, err := wholeGPUs(resPath.Child(list.name).Key(string(name)), q)
			if err != nil {
				return out, err
			}
			if n == 0 {
				continue
			}
			switch {
			case out.resource == "":
				out = gpuCount{n: n, resource: name}
			case out.resource != name:
				return out, field.Invalid(resPath.Child(list.name).Key(string(name)), q.String(),
					fmt.Sprintf("a container asks for one kind of GPU, and this one asks for %s too", out.resource))
			}
		}
		if out.resource != "" {
			// Limits win; requests were validated only when limits name no GPUs.
			return out, nil
		}
	}
	return out, nil
}

// wholeGPUs returns a GPU quantity as a whole, non-negative number.
func wholeGPUs(path *field.Path, q resource.Quantity) (int64, *field.Error) {
	n, ok := q.AsInt64()
	if !ok || n < 0 {
		return 0, field.Invalid(path, q.String(), "must be a whole number of GPUs")
	}
	return n, nil
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
