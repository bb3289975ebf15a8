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
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Policy is where a graph's copies may go: spec.placement without its GPU products (those are
// part of the Demand).
type Policy struct {
	// Copies is the number of copies; less than 1 means 1.
	Copies int
	// Selector selects eligible members by label; nil selects every member.
	Selector labels.Selector
	// SpreadBy is a member label key: at most one copy per value, and members without the label
	// are not eligible. Empty: no spreading.
	SpreadBy string
	// Tolerations tolerate member taints.
	Tolerations []corev1.Toleration
	// MultinodeRuntimes, if not empty, are what may run the graph's multinode services: members
	// that run them otherwise are not eligible (when the graph has multinode services).
	MultinodeRuntimes []flotillav1alpha1.MultinodeRuntime
}

// CopyCount is the number of copies, at least 1.
func (p *Policy) CopyCount() int { return max(p.Copies, 1) }

// PolicyFromSpec reads spec.placement; nil means one copy on any member. The spec is not
// retained.
func PolicyFromSpec(spec *flotillav1alpha1.PlacementSpec) (Policy, error) {
	p := Policy{Copies: int(spec.CopyCount())}
	if spec == nil {
		return p, nil
	}
	if spec.ClusterSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(spec.ClusterSelector)
		if err != nil {
			return Policy{}, field.Invalid(field.NewPath("spec", "placement", "clusterSelector"), spec.ClusterSelector.String(), err.Error())
		}
		if !sel.Empty() {
			p.Selector = sel
		}
	}
	p.SpreadBy = spec.SpreadBy
	p.MultinodeRuntimes = slices.Clone(spec.MultinodeRuntimes)
	if spec.Tolerations != nil {
		p.Tolerations = make([]corev1.Toleration, len(spec.Tolerations))
		for i := range spec.Tolerations {
			spec.Tolerations[i].DeepCopyInto(&p.Tolerations[i])
		}
	}
	return p, nil
}

// Exclusion keeps one member out of a placement, with the reason to show.
type Exclusion struct {
	// Member is the member cluster's name.
	Member string
	// Reason is shown as the member's reason; empty reads "excluded by request".
	Reason string
}

// Request is one graph to place.
type Request struct {
	// Owner identifies the graph in Reservations, such as "<namespace>/<name>".
	Owner string
	// Namespace is the graph's namespace: the namespace of its copies on members without a
	// namespace restriction.
	Namespace string
	// Demand is what one copy needs. Required.
	Demand *Demand
	// Policy is where copies may go.
	Policy Policy
	// Current is where the copies run now, by copy index; "" for a copy not placed. Copies
	// beyond Policy.Copies are not part of the decision (the caller removes them).
	Current []string
	// Replace lists copies to move even though their member would keep them (for example on
	// an administrator's request); their current members receive no copy in this call.
	Replace []int
	// Exclude keeps members out of this call's new placements (copies already there stay).
	Exclude []Exclusion
	// Reservations are other graphs' decisions not yet visible in the Snapshot; nil for none.
	Reservations *Reservations
	// Pods are the pod templates of the graph's components, judged against each member's
	// policy; empty checks none.
	Pods []ComponentPod
	// Now is the time of the decision, against which members' UnreachableSince is judged.
	Now time.Time
	// LostAfter is how long a member may stay unreachable (Member.UnreachableSince) before
	// its copies move; meanwhile it only receives no new copies. Zero leaves the verdict to
	// Member.Joined alone.
	LostAfter time.Duration
}

// ComponentPod is the pod template of one component of a graph.
type ComponentPod struct {
	// Component is the component's name.
	Component string
	// Template is its pod template (spec.components[].podTemplate); not modified.
	Template *corev1.PodTemplateSpec
}

// RequestFromGraph builds the request of a DynamoGraphDeployment: Owner "<namespace>/<name>",
// its namespace, its Demand and Policy, and Current from status.clusterPlacement.copies. The caller
// adds Reservations (and, if it keeps its own record of where copies run, replaces Current).
// The graph is not modified.
func RequestFromGraph(dgd *nvidiav1beta1.DynamoGraphDeployment) (*Request, error) {
	demand, err := DemandFromGraph(dgd)
	if err != nil {
		return nil, err
	}
	policy, err := PolicyFromSpec(dgd.Spec.Placement)
	if err != nil {
		return nil, err
	}
	req := &Request{
		Owner:     fmt.Sprintf("%s/%s", dgd.Namespace, dgd.Name),
		Namespace: dgd.Namespace,
		Demand:    demand,
		Policy:    policy,
	}
	for i := range dgd.Spec.Components {
		if c := &dgd.Spec.Components[i]; c.PodTemplate != nil {
			req.Pods = append(req.Pods, ComponentPod{Component: c.ComponentName, Template: c.PodTemplate})
		}
	}
	if st := dgd.Status.ClusterPlacement; st != nil {
		for _, c := range st.Copies {
			if c.Index < 0 || int(c.Index) >= policy.CopyCount() || c.Cluster == "" {
				continue
			}
			for len(req.Current) <= int(c.Index) {
				req.Current = append(req.Current, "")
			}
			req.Current[c.Index] = c.Cluster
		}
	}
	return req, nil
}
