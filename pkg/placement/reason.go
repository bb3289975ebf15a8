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
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// ReasonKind says what a Reason is about; it also decides the Reason's wording.
type ReasonKind uint8

// Reason kinds. Filters outside this package use ReasonText.
const (
	// ReasonNone is the zero Reason.
	ReasonNone ReasonKind = iota
	// ReasonText is a free-form reason: Text is shown as is.
	ReasonText
	// ReasonNotJoined: the hub has no working connection to the member.
	ReasonNotJoined
	// ReasonAgentNotReady: the member's agent has not renewed its lease.
	ReasonAgentNotReady
	// ReasonCordoned: the member is marked unschedulable.
	ReasonCordoned
	// ReasonTainted: the member carries Taint, which the graph does not tolerate.
	ReasonTainted
	// ReasonClusterSelector: the member's labels do not match spec.placement.clusterSelector.
	ReasonClusterSelector
	// ReasonMissingLabel: the member lacks the label Text, which spreadBy needs.
	ReasonMissingLabel
	// ReasonExcluded: the request excluded the member; Text, if set, says why.
	ReasonExcluded
	// ReasonMovingOff: copy Copy is being moved off the member on request.
	ReasonMovingOff
	// ReasonGone: the member is no longer in the fleet snapshot.
	ReasonGone
	// ReasonInsufficientGPUs: the member cannot hold every pod of Service: it needs Need, and
	// has room for Have, counted in pods for a single-node service (each pod on one node with
	// Service.GPUsPerPod free GPUs; a node may hold several), in nodes of one pool with
	// Service.GPUsPerPod free GPUs for a multinode service of one replica (one node per pod),
	// and in replicas for a multinode service of several. Without Shared, Have is the room for
	// Service on its own: the member cannot hold it whatever the other services do. With
	// Shared, every service fits the member on its own but placement found no packing of all
	// of them together, and Have is the room left beside the services packed before Service.
	ReasonInsufficientGPUs
	// ReasonSpreadConflict: the member's spreadBy label (Text) has value Value, which copy Copy
	// already holds.
	ReasonSpreadConflict
	// ReasonDuplicate: the member already holds copy Copy of the graph.
	ReasonDuplicate
	// ReasonLowerScore: the copy fits the member, but other members scored higher; Score is the
	// member's score.
	ReasonLowerScore
	// ReasonNotEvaluated: every copy was already placed, so the member was not evaluated.
	ReasonNotEvaluated
	// ReasonChosen: the member holds copy Copy.
	ReasonChosen
	// ReasonUnreachable: the hub cannot reach the member now; its copies stay for the grace
	// period (Request.LostAfter).
	ReasonUnreachable
	// ReasonLost: the member has been unreachable for longer than the grace period.
	ReasonLost
	// ReasonDraining: the member is being drained.
	ReasonDraining

	// The kinds below are reasons of a copy left without a member (Decision.CopyReason).

	// ReasonNoFit: the copy fits none of the members that could take it; Decision.Summary says
	// why, per member.
	ReasonNoFit
	// ReasonFitsTaken: the copy fits Have members, and copies placed before it took them all
	// (one copy per member).
	ReasonFitsTaken
	// ReasonSpreadTaken: the copy fits Have members, and other copies hold every value of the
	// spreadBy label (Text) among them (one copy per value).
	ReasonSpreadTaken
	// ReasonNoMemberLeft: every member of the fleet (Have of them, perhaps none) holds a copy
	// already.
	ReasonNoMemberLeft
)

// Reason says why a member cluster does not hold a copy of a graph (or why a copy moved). It is
// a plain value that points into the Demand and Snapshot it came from, so that placement does
// not format text it may never show; String formats it.
type Reason struct {
	// Kind decides the wording and which other fields are set.
	Kind ReasonKind
	// Text is the free text (ReasonText, ReasonExcluded) or a label key (ReasonMissingLabel,
	// ReasonSpreadConflict).
	Text string
	// Value is the label value of ReasonSpreadConflict.
	Value string
	// Copy is the copy index of ReasonSpreadConflict, ReasonDuplicate, ReasonMovingOff and
	// ReasonChosen.
	Copy int32
	// Need and Have are what ReasonInsufficientGPUs counts: pods, nodes or replicas, as its
	// Service says (see ReasonInsufficientGPUs). Have is also the number of members of
	// ReasonFitsTaken, ReasonSpreadTaken and ReasonNoMemberLeft.
	Need, Have int32
	// Shared marks a ReasonInsufficientGPUs of a service that fits the member on its own, but
	// not beside the other services of the copy.
	Shared bool
	// Score is the score of ReasonLowerScore.
	Score int64
	// Service is the service of ReasonInsufficientGPUs.
	Service *ServiceDemand
	// Taint is the taint of ReasonTainted.
	Taint *corev1.Taint
}

// TextReason returns a free-form Reason, for filters outside this package.
func TextReason(text string) Reason { return Reason{Kind: ReasonText, Text: text} }

// String formats the reason as a short phrase for conditions and events, for example
// "needs 2 nodes with ≥8 free NVIDIA-H100-80GB-HBM3 for SglangWorker, has 1" (one multinode
// replica), "needs room for 3 pods of 8 GPUs for VllmWorker, has room for 2" (single-node pods)
// or "needs 1 node with ≥8 free NVIDIA-H100-80GB-HBM3 for Prefill, has 0 left by the other
// services" (Shared). The wording depends only on the reason's fields.
func (r Reason) String() string {
	switch r.Kind {
	case ReasonNone:
		return ""
	case ReasonText:
		return r.Text
	case ReasonNotJoined:
		return "not joined"
	case ReasonAgentNotReady:
		return "agent not ready"
	case ReasonCordoned:
		return "cordoned"
	case ReasonTainted:
		return taintText(r.Taint)
	case ReasonClusterSelector:
		return "excluded by clusterSelector"
	case ReasonMissingLabel:
		return "missing label " + r.Text
	case ReasonExcluded:
		if r.Text == "" {
			return "excluded by request"
		}
		return r.Text
	case ReasonMovingOff:
		return "copy " + itoa(r.Copy) + " is moving off this cluster"
	case ReasonGone:
		return "no longer in the fleet"
	case ReasonInsufficientGPUs:
		return "needs " + needText(r.Service, r.Need) + ", has " + haveText(r)
	case ReasonSpreadConflict:
		return "spreadBy: " + r.Text + " " + r.Value + " already holds copy " + itoa(r.Copy)
	case ReasonDuplicate:
		return "already holds copy " + itoa(r.Copy)
	case ReasonLowerScore:
		return "fits, ranked below the chosen clusters (score " + strconv.FormatInt(r.Score, 10) + ")"
	case ReasonNotEvaluated:
		return "not evaluated: every copy is placed"
	case ReasonChosen:
		return "holds copy " + itoa(r.Copy)
	case ReasonUnreachable:
		return "unreachable"
	case ReasonLost:
		return "unreachable for longer than the failover grace"
	case ReasonDraining:
		return "draining"
	case ReasonNoFit:
		return "fits no cluster"
	case ReasonFitsTaken:
		if r.Have == 1 {
			return "the cluster it fits holds an earlier copy"
		}
		return "the " + itoa(r.Have) + " clusters it fits hold earlier copies"
	case ReasonSpreadTaken:
		if r.Have == 1 {
			return "the cluster it fits shares its " + r.Text + " with another copy"
		}
		return "the " + itoa(r.Have) + " clusters it fits share their " + r.Text + " values with other copies"
	case ReasonNoMemberLeft:
		if r.Have == 0 {
			return "the fleet has no clusters"
		}
		return "every cluster holds a copy"
	default:
		return "unknown reason " + itoa(int32(r.Kind))
	}
}

// category is the phrase a reason is counted under in a Summary: the same for every member
// that fails for the same cause.
func (r Reason) category() string {
	switch r.Kind {
	case ReasonInsufficientGPUs:
		return "lack GPUs"
	case ReasonSpreadConflict:
		return "share a spreadBy value with a placed copy"
	case ReasonDuplicate:
		return "already hold a copy"
	case ReasonMovingOff:
		return "hold a copy being moved"
	case ReasonLowerScore:
		return "fit but ranked lower"
	default:
		return r.String()
	}
}

// needText says what a service needs of one member, in the unit of its shortfall (see
// ReasonInsufficientGPUs): "1 node with ≥8 free NVIDIA-H100-80GB-HBM3 for VllmWorker" (one
// pod), "room for 3 pods of 8 NVIDIA-H100-80GB-HBM3 for VllmWorker" (single-node pods, which
// may share a node), "2 nodes with ≥8 free GPUs of one product for SglangWorker" (one
// multinode replica) or "room for 2 replicas of 2 nodes with ≥8 free GPUs of one product for
// SglangWorker" (several).
func needText(s *ServiceDemand, need int32) string {
	if s == nil {
		return itoa(need) + " pods"
	}
	var b strings.Builder
	nodes := func(n int32) {
		b.WriteString(itoa(n))
		if n == 1 {
			b.WriteString(" node with ≥")
		} else {
			b.WriteString(" nodes with ≥")
		}
		b.WriteString(itoa(s.GPUsPerPod))
		b.WriteString(" free ")
		b.WriteString(productText(s))
		if n > 1 && len(s.Products) != 1 {
			// A replica's nodes are of one pool: one resource name and product.
			b.WriteString(" of one product")
		}
	}
	switch s.unit() {
	case unitPods:
		if need == 1 {
			nodes(1)
			break
		}
		b.WriteString("room for ")
		b.WriteString(itoa(need))
		b.WriteString(" pods of ")
		b.WriteString(itoa(s.GPUsPerPod))
		b.WriteString(" ")
		b.WriteString(productText(s))
	case unitNodes:
		nodes(need)
	case unitReplicas:
		b.WriteString("room for ")
		b.WriteString(itoa(need))
		b.WriteString(" replicas of ")
		nodes(s.NodesPerReplica)
	}
	b.WriteString(" for ")
	b.WriteString(s.Name)
	return b.String()
}

// haveText says what room a ReasonInsufficientGPUs member has: "0", "1" (nodes, as needText
// counts them), or "room for none", "room for 2" (pods, replicas), then " left by the other
// services" when Shared.
func haveText(r Reason) string {
	text := itoa(r.Have)
	if r.Service != nil && (r.Service.unit() == unitReplicas || (r.Service.unit() == unitPods && r.Need != 1)) {
		if r.Have == 0 {
			text = "none"
		}
		text = "room for " + text
	}
	if r.Shared {
		text += " left by the other services"
	}
	return text
}

// productText names the GPUs a service accepts: its products joined by "or", or "GPUs"; a
// resource name other than nvidia.com/gpu is added.
func productText(s *ServiceDemand) string {
	var text string
	switch n := len(s.Products); n {
	case 0:
		text = "GPUs"
	case 1:
		text = s.Products[0]
	default:
		text = strings.Join(s.Products[:n-1], ", ") + " or " + s.Products[n-1]
	}
	if s.ResourceName != flotillav1alpha1.DefaultGPUResourceName {
		text += " (" + s.ResourceName + ")"
	}
	return text
}

// taintText reads "tainted NoSchedule (maintenance)" or "tainted NoExecute (gpu=broken)".
func taintText(t *corev1.Taint) string {
	if t == nil {
		return "tainted"
	}
	kv := t.Key
	if t.Value != "" {
		kv += "=" + t.Value
	}
	return "tainted " + string(t.Effect) + " (" + kv + ")"
}

func itoa(i int32) string { return strconv.FormatInt(int64(i), 10) }
