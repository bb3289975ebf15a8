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

package workload

import (
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// DefaultGPUResource is the extended resource GPUs are requested as when gpuType is unset.
const DefaultGPUResource corev1.ResourceName = "nvidia.com/gpu"

// resourceOrigins maps each resource name of a list to the path of the field it came from.
type resourceOrigins map[corev1.ResourceName]string

// containerResources returns the main container's resources: those of
// extraPodSpec.mainContainer, with spec.resources merged over them name by name (as Dynamo
// does), claims appended, and the requests and limits of extended resources made equal.
func containerResources(c *component) (corev1.ResourceRequirements, error) {
	var rr corev1.ResourceRequirements
	reqOrigin, limOrigin := resourceOrigins{}, resourceOrigins{}
	if mc := c.mainContainer(); mc != nil {
		rr = *mc.Resources.DeepCopy()
		const base = "spec.extraPodSpec.mainContainer.resources"
		for name := range rr.Requests {
			reqOrigin[name] = keyPath(base+".requests", string(name))
		}
		for name := range rr.Limits {
			limOrigin[name] = keyPath(base+".limits", string(name))
		}
	}
	if r := c.spec.Resources; r != nil {
		gpu := gpuResourceName(r)
		req, err := parseResourceItem("spec.resources.requests", r.Requests, gpu, reqOrigin)
		if err != nil {
			return rr, err
		}
		lim, err := parseResourceItem("spec.resources.limits", r.Limits, gpu, limOrigin)
		if err != nil {
			return rr, err
		}
		rr.Requests = mergeResourceList(rr.Requests, req)
		rr.Limits = mergeResourceList(rr.Limits, lim)
		for _, claim := range r.Claims {
			if !slices.ContainsFunc(rr.Claims, func(x corev1.ResourceClaim) bool { return x.Name == claim.Name }) {
				rr.Claims = append(rr.Claims, claim)
			}
		}
	}
	if err := equalizeExtendedResources(&rr, reqOrigin, limOrigin); err != nil {
		return rr, err
	}
	if len(rr.Requests) == 0 {
		rr.Requests = nil
	}
	if len(rr.Limits) == 0 {
		rr.Limits = nil
	}
	return rr, nil
}

// gpuResourceName returns the resource GPUs are counted in: the gpuType of limits, else of
// requests, else DefaultGPUResource.
func gpuResourceName(r *nvidiav1alpha1.Resources) corev1.ResourceName {
	for _, item := range []*nvidiav1alpha1.ResourceItem{r.Limits, r.Requests} {
		if item != nil && item.GPUType != "" {
			return corev1.ResourceName(item.GPUType)
		}
	}
	return DefaultGPUResource
}

// parseResourceItem converts one item of string quantities into a resource list, recording in
// origin the field each resource came from. path is the item's path, for errors.
func parseResourceItem(path string, item *nvidiav1alpha1.ResourceItem, gpu corev1.ResourceName, origin resourceOrigins) (corev1.ResourceList, error) {
	if item == nil {
		return nil, nil
	}
	list := corev1.ResourceList{}
	add := func(field string, name corev1.ResourceName, value string) error {
		if value == "" {
			return nil
		}
		q, err := resource.ParseQuantity(value)
		if err != nil {
			return fieldErrorf(field, "invalid quantity %q", value)
		}
		if q.Sign() < 0 {
			return fieldErrorf(field, "invalid quantity %q: must not be negative", value)
		}
		list[name] = q
		origin[name] = field
		return nil
	}
	if err := add(fieldPath(path, "cpu"), corev1.ResourceCPU, item.CPU); err != nil {
		return nil, err
	}
	if err := add(fieldPath(path, "memory"), corev1.ResourceMemory, item.Memory); err != nil {
		return nil, err
	}
	if err := add(fieldPath(path, "gpu"), gpu, item.GPU); err != nil {
		return nil, err
	}
	if q, ok := list[gpu]; ok && item.GPU != "" && q.MilliValue()%1000 != 0 {
		return nil, fieldErrorf(fieldPath(path, "gpu"), "invalid GPU count %q: must be a whole number", item.GPU)
	}
	if item.GPUType != "" {
		if msgs := validation.IsQualifiedName(item.GPUType); len(msgs) > 0 {
			return nil, fieldErrorf(fieldPath(path, "gpuType"), "invalid resource name %q: %s", item.GPUType, msgs[0])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(item.Custom)) {
		field := keyPath(fieldPath(path, "custom"), name)
		if msgs := validation.IsQualifiedName(name); len(msgs) > 0 {
			return nil, fieldErrorf(field, "invalid resource name: %s", msgs[0])
		}
		if err := add(field, corev1.ResourceName(name), item.Custom[name]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// mergeResourceList returns base with over's quantities replacing base's of the same name.
func mergeResourceList(base, over corev1.ResourceList) corev1.ResourceList {
	if len(over) == 0 {
		return base
	}
	if base == nil {
		base = corev1.ResourceList{}
	}
	maps.Copy(base, over)
	return base
}

// equalizeExtendedResources makes the request and the limit of every extended resource (GPUs
// and other device plugin resources) equal, as Kubernetes requires: one given alone is copied to
// the other; two that differ are an error naming the request's field.
func equalizeExtendedResources(rr *corev1.ResourceRequirements, reqOrigin, limOrigin resourceOrigins) error {
	names := map[corev1.ResourceName]bool{}
	for n := range rr.Requests {
		names[n] = true
	}
	for n := range rr.Limits {
		names[n] = true
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if !isExtendedResource(name) {
			continue
		}
		req, hasReq := rr.Requests[name]
		lim, hasLim := rr.Limits[name]
		switch {
		case hasReq && hasLim:
			if req.Cmp(lim) != 0 {
				return fieldErrorf(reqOrigin[name], "request %s of %s must equal its limit %s (set at %s): Kubernetes does not overcommit extended resources",
					req.String(), name, lim.String(), limOrigin[name])
			}
		case hasLim:
			if rr.Requests == nil {
				rr.Requests = corev1.ResourceList{}
			}
			rr.Requests[name] = lim.DeepCopy()
		case hasReq:
			if rr.Limits == nil {
				rr.Limits = corev1.ResourceList{}
			}
			rr.Limits[name] = req.DeepCopy()
		}
	}
	return nil
}

// isExtendedResource reports whether name is an extended resource: a name with a domain outside
// kubernetes.io, such as nvidia.com/gpu.
func isExtendedResource(name corev1.ResourceName) bool {
	s := string(name)
	return strings.Contains(s, "/") && !strings.Contains(s, "kubernetes.io/") && !strings.HasPrefix(s, "requests.")
}
