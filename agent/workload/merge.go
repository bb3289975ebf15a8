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
	"fmt"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// overrideNonZero sets each field of *dst to the same field of *src where that is not the zero
// value (a non-nil pointer, slice or map counts as set, even if empty), except the fields named
// in skip, which the caller merges itself. dst and src are pointers to the same struct type.
// This is Dynamo's merge of extraPodSpec over the generated pod spec (mergo with override) at
// the level of top-level fields: a field the user sets replaces the generated one whole.
func overrideNonZero(dst, src any, skip ...string) {
	d := reflect.ValueOf(dst).Elem()
	s := reflect.ValueOf(src).Elem()
	if d.Type() != s.Type() {
		panic(fmt.Sprintf("overrideNonZero: %s and %s differ", d.Type(), s.Type()))
	}
	for i := range d.NumField() {
		f := d.Type().Field(i)
		if !f.IsExported() || slices.Contains(skip, f.Name) {
			continue
		}
		if sv := s.Field(i); !sv.IsZero() {
			d.Field(i).Set(sv)
		}
	}
}

// mergeEnv merges lists of variables by name, a later list's variable replacing an earlier one
// of the same name (within one list, the last wins), and returns them sorted by name, as
// Dynamo's MergeEnvs does.
func mergeEnv(lists ...[]corev1.EnvVar) []corev1.EnvVar {
	byName := map[string]corev1.EnvVar{}
	for _, list := range lists {
		for _, e := range list {
			byName[e.Name] = *e.DeepCopy()
		}
	}
	if len(byName) == 0 {
		return nil
	}
	merged := make([]corev1.EnvVar, 0, len(byName))
	for _, e := range byName {
		merged = append(merged, e)
	}
	slices.SortFunc(merged, func(a, b corev1.EnvVar) int { return strings.Compare(a.Name, b.Name) })
	return merged
}

// mergePorts returns the generated ports with the user's merged over them: a user port replaces
// the generated port of the same name in place, a generated port whose number and protocol the
// user uses under another name is dropped, and other user ports follow.
func mergePorts(generated, user []corev1.ContainerPort) []corev1.ContainerPort {
	var merged []corev1.ContainerPort
	used := map[int]bool{}
	for _, g := range generated {
		if i := slices.IndexFunc(user, func(u corev1.ContainerPort) bool { return u.Name != "" && u.Name == g.Name }); i >= 0 {
			merged = append(merged, user[i])
			used[i] = true
			continue
		}
		if slices.ContainsFunc(user, func(u corev1.ContainerPort) bool {
			return u.ContainerPort == g.ContainerPort && protocolOf(u) == protocolOf(g)
		}) {
			continue
		}
		merged = append(merged, g)
	}
	for i, u := range user {
		if !used[i] {
			merged = append(merged, u)
		}
	}
	return merged
}

// protocolOf returns a port's protocol, TCP when unset.
func protocolOf(p corev1.ContainerPort) corev1.Protocol {
	if p.Protocol == "" {
		return corev1.ProtocolTCP
	}
	return p.Protocol
}
