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

// DefaultGPUResource is the extended resource GPUs are requested as unless a v1alpha1 gpuType
// names another.
const DefaultGPUResource corev1.ResourceName = "nvidia.com/gpu"

// resourceOrigins maps each resource name of a list to the path of the field it came from.
type resourceOrigins map[corev1.ResourceName]string

// containerResources returns the resources of the container at path: rr (the pod template's),
// checked (valid names, no negative quantity, whole numbers of extended resources such as GPUs),
// with the requests and limits of extended resources made equal.
func containerResources(path string, rr corev1.ResourceRequirements) (corev1.ResourceRequirements, error) {
	rr = *rr.DeepCopy()
	reqOrigin, limOrigin := resourceOrigins{}, resourceOrigins{}
	for _, l := range []struct {
		field  string
		list   corev1.ResourceList
		origin resourceOrigins
	}{
		{fieldPath(path, "resources", "requests"), rr.Requests, reqOrigin},
		{fieldPath(path, "resources", "limits"), rr.Limits, limOrigin},
	} {
		for _, name := range slices.Sorted(maps.Keys(l.list)) {
			field := keyPath(l.field, string(name))
			l.origin[name] = field
			if msgs := validation.IsQualifiedName(string(name)); len(msgs) > 0 {
				return rr, fieldErrorf(field, "invalid resource name: %s", msgs[0])
			}
			q := l.list[name]
			if q.Sign() < 0 {
				return rr, fieldErrorf(field, "invalid quantity %q: must not be negative", q.String())
			}
			if isExtendedResource(name) && q.MilliValue()%1000 != 0 {
				return rr, fieldErrorf(field, "invalid count %q of %s: must be a whole number", q.String(), name)
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

// checkPreservedResources refuses a DCD converted from v1alpha1 whose spec.resources held a
// quantity that does not parse. The conversion leaves such a quantity out of the pod template
// (and keeps the v1alpha1 block in its payload), so the pod would otherwise run without the
// CPU, memory or GPUs the user asked for. The error names the v1alpha1 field.
func checkPreservedResources(c *component) error {
	r := c.alpha.Resources
	if r == nil {
		return nil
	}
	for _, item := range []struct {
		path string
		item *nvidiav1alpha1.ResourceItem
	}{{"spec.resources.requests", r.Requests}, {"spec.resources.limits", r.Limits}} {
		if item.item == nil {
			continue
		}
		values := []struct{ field, value string }{
			{fieldPath(item.path, "cpu"), item.item.CPU},
			{fieldPath(item.path, "memory"), item.item.Memory},
			{fieldPath(item.path, "gpu"), item.item.GPU},
		}
		for _, name := range slices.Sorted(maps.Keys(item.item.Custom)) {
			values = append(values, struct{ field, value string }{keyPath(fieldPath(item.path, "custom"), name), item.item.Custom[name]})
		}
		for _, v := range values {
			if v.value == "" {
				continue
			}
			if _, err := resource.ParseQuantity(v.value); err != nil {
				return fieldErrorf(v.field, "invalid quantity %q", v.value)
			}
		}
	}
	return nil
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
