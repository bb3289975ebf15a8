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
	"sort"
	"strconv"
	"strings"
)

// Summary is a one-line account of the decision for a condition message, such as
// "0/3 clusters fit: 2 lack GPUs (needs room for 2 pods of 8 NVIDIA-H100-80GB-HBM3 for
// VllmWorker), 1 excluded by clusterSelector". Members are counted by cause, most frequent
// first (then alphabetically); the GPU shortfall quoted is the one most members share, "beside
// the other services" when each of those members could hold that service on its own. When
// some copies were already placed it starts with "placed 1/2 copies; ", and the cluster count
// leaves out the members keeping a copy. With every copy placed it reads "placed 2/2 copies".
func (d *Decision) Summary() string {
	placed := d.Placed()
	var b strings.Builder
	if placed > 0 || d.reasons == nil {
		b.WriteString("placed " + strconv.Itoa(placed) + "/" + strconv.Itoa(len(d.Copies)) + " copies")
		if placed == len(d.Copies) || d.reasons == nil {
			return b.String()
		}
		b.WriteString("; ")
	}
	b.WriteString(strconv.Itoa(d.fitting) + "/" + strconv.Itoa(d.evaluated) + " clusters fit")

	type group struct {
		text  string
		count int
	}
	var groups []group
	at := map[string]int{}
	// The GPU shortfall most members share: by service, then by the reason's full text.
	shortfall := map[*ServiceDemand]int{}
	// alone marks the services that some member cannot hold even on their own.
	alone := map[*ServiceDemand]bool{}
	var shortfallReason Reason
	for i := range d.reasons {
		r := d.unpack(i)
		if r.Kind == ReasonChosen || r.Kind == ReasonNone {
			continue
		}
		if r.Kind == ReasonInsufficientGPUs {
			shortfall[r.Service]++
			alone[r.Service] = alone[r.Service] || !r.Shared
			if n := shortfall[r.Service]; shortfallReason.Service == nil || n > shortfall[shortfallReason.Service] ||
				(n == shortfall[shortfallReason.Service] && r.Service.Name < shortfallReason.Service.Name) {
				shortfallReason = r
			}
		}
		text := r.category()
		if g, ok := at[text]; ok {
			groups[g].count++
			continue
		}
		at[text] = len(groups)
		groups = append(groups, group{text: text, count: 1})
	}
	if len(groups) == 0 {
		return b.String()
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].count != groups[j].count {
			return groups[i].count > groups[j].count
		}
		return groups[i].text < groups[j].text
	})
	b.WriteString(": ")
	for i, g := range groups {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(g.count) + " " + g.text)
		if g.text == shortfallReason.category() && shortfallReason.Service != nil {
			b.WriteString(" (needs " + needText(shortfallReason.Service, shortfallReason.Need))
			if !alone[shortfallReason.Service] {
				b.WriteString(" beside the other services")
			}
			b.WriteString(")")
		}
	}
	return b.String()
}
