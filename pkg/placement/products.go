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
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// productSet is a set of GPU products; any means unconstrained (and then set is unused).
type productSet struct {
	any bool
	set []string // sorted, without duplicates
}

var anyProduct = productSet{any: true}

func (p productSet) intersect(q productSet) productSet {
	switch {
	case p.any:
		return q
	case q.any:
		return p
	}
	var out []string
	for _, v := range p.set {
		if _, found := slices.BinarySearch(q.set, v); found {
			out = append(out, v)
		}
	}
	return productSet{set: out}
}

func (p productSet) union(q productSet) productSet {
	if p.any || q.any {
		return anyProduct
	}
	return productSet{set: sortedSet(append(slices.Clone(p.set), q.set...))}
}

// acceptedProducts combines spec.placement.gpuProducts with what a component's pod spec (at
// path) allows on the nvidia.com/gpu.product node label. An empty result means any product; a
// contradiction (no product left) is an error naming the fields.
func acceptedProducts(path *field.Path, ps *corev1.PodSpec, placementProducts []string) ([]string, *field.Error) {
	pod, podPath := podProducts(path, ps)
	accepted := pod
	if len(placementProducts) > 0 {
		accepted = productSet{set: sortedSet(placementProducts)}.intersect(pod)
		if !accepted.any && len(accepted.set) == 0 {
			return nil, field.Invalid(podPath, strings.Join(pod.set, ","),
				"admits none of spec.placement.gpuProducts ("+strings.Join(sortedSet(placementProducts), ", ")+")")
		}
	}
	if accepted.any {
		return nil, nil
	}
	if len(accepted.set) == 0 {
		return nil, field.Invalid(podPath, "", "admits no GPU product on "+flotillav1alpha1.GPUProductLabel)
	}
	return accepted.set, nil
}

// podProducts reads the products a pod spec admits: its nodeSelector value for the product
// label, intersected with its required node affinity. Affinity terms are ORed (union of the
// terms); within a term, the In expressions on the label are ANDed (intersection). A term
// without such an expression admits any product. Other operators (NotIn, Exists, ...) are not
// interpreted and admit any product. It also returns the path of the constraint, for errors.
func podProducts(path *field.Path, ps *corev1.PodSpec) (productSet, *field.Path) {
	if ps == nil {
		return anyProduct, path
	}
	out, outPath := anyProduct, path
	if v, ok := ps.NodeSelector[flotillav1alpha1.GPUProductLabel]; ok {
		out = productSet{set: sortedSet([]string{v})}
		outPath = path.Child("nodeSelector").Key(flotillav1alpha1.GPUProductLabel)
	}
	if ps.Affinity == nil || ps.Affinity.NodeAffinity == nil ||
		ps.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return out, outPath
	}
	terms := ps.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) == 0 {
		return out, outPath
	}
	var affinity productSet
	for i := range terms {
		affinity = affinity.union(termProducts(&terms[i]))
		if affinity.any {
			break
		}
	}
	if !affinity.any {
		if outPath == path {
			outPath = path.Child("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution")
		}
		out = out.intersect(affinity)
	}
	return out, outPath
}

func termProducts(term *corev1.NodeSelectorTerm) productSet {
	set := anyProduct
	for _, e := range term.MatchExpressions {
		if e.Key != flotillav1alpha1.GPUProductLabel || e.Operator != corev1.NodeSelectorOpIn {
			continue
		}
		set = set.intersect(productSet{set: sortedSet(e.Values)})
	}
	return set
}
