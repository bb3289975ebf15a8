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

package graph

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
	"github.com/flotilla-dev/flotilla/internal/patch"
	"github.com/flotilla-dev/flotilla/internal/ssa"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// RecordName is the name of the hub record of one service of one copy of a graph on one
// member: <graph>-<lowercased service>-<copy>-<member>. Copies never collide, and neither does
// a copy that moves with its former self: the old record stays, terminating, until its copy is
// deleted from the old member (which may be unreachable), while the new one is written at once.
func RecordName(graph, service string, copyIndex int, member string) string {
	return dynamo.ComponentName(graph, service) + "-" + strconv.Itoa(copyIndex) + "-" + member
}

// records are a graph's hub records, by copy index and then record name.
type records map[int]map[string]*nvidiav1beta1.DynamoComponentDeployment

// groupRecords sorts a graph's hub records by copy and service; records of other graphs (by
// owner UID) are left out. The owner is matched by UID alone (metav1.IsControlledBy), so records
// written before the hub wrote v1beta1, whose owner reference names nvidia.com/v1alpha1, are
// still the graph's.
func groupRecords(dgd *nvidiav1beta1.DynamoGraphDeployment, list []nvidiav1beta1.DynamoComponentDeployment) records {
	out := records{}
	for i := range list {
		rec := &list[i]
		if !metav1.IsControlledBy(rec, dgd) {
			continue
		}
		idx, err := strconv.Atoi(rec.Labels[flotillav1alpha1.LabelCopy])
		if err != nil {
			continue
		}
		if out[idx] == nil {
			out[idx] = map[string]*nvidiav1beta1.DynamoComponentDeployment{}
		}
		out[idx][rec.Name] = rec
	}
	return out
}

// live returns the records of a copy where it is placed: neither being deleted nor retained
// on a member the copy left (AnnotationReplaced).
func (rs records) live(copyIndex int) []*nvidiav1beta1.DynamoComponentDeployment {
	return rs.filter(copyIndex, func(rec *nvidiav1beta1.DynamoComponentDeployment) bool { return !replaced(rec) })
}

// retained returns the records of a copy kept on members it left until it serves where it
// is placed (make-before-break).
func (rs records) retained(copyIndex int) []*nvidiav1beta1.DynamoComponentDeployment {
	return rs.filter(copyIndex, replaced)
}

// notDeleted returns the records of a copy that are not being deleted, live or retained.
func (rs records) notDeleted(copyIndex int) []*nvidiav1beta1.DynamoComponentDeployment {
	return rs.filter(copyIndex, func(*nvidiav1beta1.DynamoComponentDeployment) bool { return true })
}

// filter returns the records of a copy that are not being deleted and satisfy keep, by name.
func (rs records) filter(copyIndex int, keep func(*nvidiav1beta1.DynamoComponentDeployment) bool) []*nvidiav1beta1.DynamoComponentDeployment {
	var out []*nvidiav1beta1.DynamoComponentDeployment
	for _, svc := range slices.Sorted(maps.Keys(rs[copyIndex])) {
		if rec := rs[copyIndex][svc]; rec.DeletionTimestamp.IsZero() && keep(rec) {
			out = append(out, rec)
		}
	}
	return out
}

// retainedMembers returns the members holding retained records of a copy, sorted.
func (rs records) retainedMembers(copyIndex int) []string {
	var out []string
	for _, rec := range rs.retained(copyIndex) {
		out = append(out, rec.Labels[flotillav1alpha1.LabelCluster])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// replaced reports whether a record is retained on a member its copy left.
func replaced(rec *nvidiav1beta1.DynamoComponentDeployment) bool {
	_, ok := rec.Annotations[flotillav1alpha1.AnnotationReplaced]
	return ok
}

// member returns the member of a copy as its live records say; "" when it has none.
func (rs records) member(copyIndex int) string {
	for _, rec := range rs.live(copyIndex) {
		if m := rec.Labels[flotillav1alpha1.LabelCluster]; m != "" {
			return m
		}
	}
	return ""
}

// memberComponents returns the DCDs every copy of a graph puts on its member, sorted by
// component name, without Flotilla's labels and annotations: built from the graph by
// internal/dynamo in v1beta1, the version the hub writes, with the components' v1alpha1-only
// fields in their nvidia.com/dcd-spec annotation.
func memberComponents(dgd *nvidiav1beta1.DynamoGraphDeployment) ([]*nvidiav1beta1.DynamoComponentDeployment, error) {
	dcds, err := dynamo.ComponentDeployments(dgd, "")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(dcds, func(a, b *nvidiav1beta1.DynamoComponentDeployment) int {
		return strings.Compare(a.Spec.ComponentName, b.Spec.ComponentName)
	})
	return dcds, nil
}

// desiredRecords returns the hub records of a decision: one per component (memberComponents)
// of every placed copy, named RecordName, labelled with the graph, copy and member, annotated
// with the name and namespace of the copy on the member, controlled by the graph dgd and
// holding the sync controller's finalizer (flotilla.dev/member-cleanup) from the start.
func desiredRecords(dgd *nvidiav1beta1.DynamoGraphDeployment, components []*nvidiav1beta1.DynamoComponentDeployment, d *placement.Decision, scheme *runtime.Scheme) ([]*nvidiav1beta1.DynamoComponentDeployment, error) {
	var out []*nvidiav1beta1.DynamoComponentDeployment
	for _, c := range d.Copies {
		if c.Member == "" {
			continue
		}
		for _, component := range components {
			rec := component.DeepCopy()
			if rec.Annotations == nil {
				rec.Annotations = map[string]string{}
			}
			rec.Annotations[flotillav1alpha1.AnnotationMemberName] = rec.Name
			rec.Annotations[flotillav1alpha1.AnnotationMemberNamespace] = c.Namespace
			rec.Name = RecordName(dgd.Name, rec.Spec.ComponentName, c.Index, c.Member)
			rec.Namespace = dgd.Namespace
			rec.Labels[flotillav1alpha1.LabelHubRecord] = flotillav1alpha1.HubRecordValue
			rec.Labels[flotillav1alpha1.LabelGraph] = dgd.Name
			rec.Labels[flotillav1alpha1.LabelCopy] = strconv.Itoa(c.Index)
			rec.Labels[flotillav1alpha1.LabelCluster] = c.Member
			// The sync controller's cleanup finalizer, written with the record rather than by an
			// update of the sync controller afterwards: one request less per record.
			controllerutil.AddFinalizer(rec, flotillav1alpha1.FinalizerMemberCleanup)
			if err := controllerutil.SetControllerReference(dgd, rec, scheme); err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
	}
	return out, nil
}

// upToDate reports whether the stored record, not being deleted, already says what desired
// says (dynamo.HasApplied), with the same controller reference (sameController).
func upToDate(stored, desired *nvidiav1beta1.DynamoComponentDeployment) bool {
	return stored != nil && stored.DeletionTimestamp.IsZero() && sameController(stored, desired) &&
		dynamo.HasApplied(stored, desired)
}

// sameController reports whether stored's controller reference is desired's, API version
// included: a record written while the hub wrote v1alpha1 names its graph in nvidia.com/v1alpha1
// and is applied once more to name it in v1beta1, the version the garbage collector then looks
// the graph up in.
func sameController(stored, desired *nvidiav1beta1.DynamoComponentDeployment) bool {
	s, d := metav1.GetControllerOfNoCopy(stored), metav1.GetControllerOfNoCopy(desired)
	if s == nil || d == nil {
		return s == d
	}
	return s.UID == d.UID && s.APIVersion == d.APIVersion && s.Kind == d.Kind
}

// applyRecords writes the desired records that differ from the stored ones, with server-side
// apply, marks the stored records in retain as replaced (retain maps their names to why their
// copy moves: they stay until it serves elsewhere), and deletes the other stored records no
// longer desired (their copy moved and serves, the service or the copy is gone). A desired
// record that was marked replaced is unmarked: its copy's move was called off. The writes are
// dry-run first (validateRecords, skipping the specs in accepted). It returns whether anything
// changed.
func applyRecords(ctx context.Context, c client.Client, accepted *AcceptedSpecs, desired []*nvidiav1beta1.DynamoComponentDeployment, retain map[string]string, stored records) (bool, error) {
	changed := false
	keep := map[string]bool{}
	byName := map[string]*nvidiav1beta1.DynamoComponentDeployment{}
	for _, svcs := range stored {
		for _, rec := range svcs {
			byName[rec.Name] = rec
		}
	}
	var writes []*nvidiav1beta1.DynamoComponentDeployment
	for _, rec := range desired {
		keep[rec.Name] = true
		old := byName[rec.Name]
		if old != nil && old.DeletionTimestamp.IsZero() && replaced(old) {
			if err := setReplaced(ctx, c, old, nil); err != nil {
				return changed, err
			}
			changed = true
		}
		if upToDate(old, rec) {
			continue
		}
		if old != nil && !old.DeletionTimestamp.IsZero() {
			// The name is still held by a copy being removed; apply once it is gone.
			continue
		}
		writes = append(writes, rec)
	}
	if err := validateRecords(ctx, c, accepted, writes); err != nil {
		return changed, err
	}
	for _, rec := range writes {
		if err := ssa.Apply(ctx, c, rec, flotillav1alpha1.FieldManagerHub); err != nil {
			return changed, fmt.Errorf("applying record %s: %w", rec.Name, err)
		}
		changed = true
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		rec := byName[name]
		if keep[name] || !rec.DeletionTimestamp.IsZero() {
			continue
		}
		if reason, ok := retain[name]; ok {
			if !replaced(rec) {
				if err := setReplaced(ctx, c, rec, &reason); err != nil {
					return changed, err
				}
				changed = true
			}
			continue
		}
		if err := c.Delete(ctx, rec, client.Preconditions{UID: &rec.UID}); client.IgnoreNotFound(err) != nil {
			return changed, fmt.Errorf("deleting record %s: %w", name, err)
		}
		changed = true
	}
	return changed, nil
}

// setReplaced marks a record replaced, with why its copy moves, or unmarks it (reason nil).
func setReplaced(ctx context.Context, c client.Client, rec *nvidiav1beta1.DynamoComponentDeployment, reason *string) error {
	_, err := patch.Metadata(ctx, c, rec.DeepCopy(), func(rec *nvidiav1beta1.DynamoComponentDeployment) bool {
		if reason == nil {
			delete(rec.Annotations, flotillav1alpha1.AnnotationReplaced)
			return true
		}
		if rec.Annotations == nil {
			rec.Annotations = map[string]string{}
		}
		rec.Annotations[flotillav1alpha1.AnnotationReplaced] = *reason
		return true
	})
	if err != nil {
		return fmt.Errorf("marking record %s replaced: %w", rec.Name, err)
	}
	return nil
}

// refusedComponentsError says that the API server refuses the DCDs of some components: the
// graph is written in v1alpha1 and its components break rules only v1beta1 has (say eppConfig
// on a component that is not an epp), which Dynamo meets when it writes its DCDs in v1beta1.
type refusedComponentsError struct {
	// causes name the component's field and say why, in component order.
	causes []string
}

func (e *refusedComponentsError) Error() string {
	return "nvidia.com/v1beta1 refuses the DynamoComponentDeployments of this graph, as it would refuse Dynamo's own: " +
		strings.Join(e.causes, "; ")
}

// dryRunConcurrency bounds the dry runs validateRecords sends at once.
const dryRunConcurrency = 8

// validateRecords dry-runs the writes of records whose spec the API server did not accept
// lately (accepted, which remembers those it accepts now), each distinct spec once and up to
// dryRunConcurrency at a time (a graph's admission waits for them): if the API server refuses
// any of them as invalid, it returns a refusedComponentsError naming each refused field of the
// graph, in the order of writes, and nothing is written, rather than some of a graph's records.
func validateRecords(ctx context.Context, c client.Client, accepted *AcceptedSpecs, writes []*nvidiav1beta1.DynamoComponentDeployment) error {
	// Every copy's record of a component has the same spec: one dry run says it for all. A spec
	// is hashed once (a spec that cannot be hashed is dry-run for each of its records).
	type check struct {
		rec    *nvidiav1beta1.DynamoComponentDeployment
		key    [sha256.Size]byte
		hashed bool
	}
	var toCheck []check
	seenSpec := map[[sha256.Size]byte]bool{}
	for _, rec := range writes {
		key, hashed := specKey(&rec.Spec)
		if hashed {
			if accepted.hasKey(key) || seenSpec[key] {
				continue
			}
			seenSpec[key] = true
		}
		toCheck = append(toCheck, check{rec, key, hashed})
	}
	errs := make([]error, len(toCheck))
	var wg sync.WaitGroup
	slots := make(chan struct{}, dryRunConcurrency)
	for i, ch := range toCheck {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			errs[i] = ssa.DryRun(ctx, c, ch.rec, flotillav1alpha1.FieldManagerHub)
		})
	}
	wg.Wait()

	refused := &refusedComponentsError{}
	seen := map[string]bool{}
	for i, ch := range toCheck {
		rec, err := ch.rec, errs[i]
		if !apierrors.IsInvalid(err) {
			if err != nil {
				return fmt.Errorf("validating record %s: %w", rec.Name, err)
			}
			if ch.hashed {
				accepted.addKey(ch.key)
			}
			continue
		}
		for _, cause := range invalidCauses(err) {
			msg := fmt.Sprintf("%s: %s", field.NewPath("spec", "components").Key(rec.Spec.ComponentName).String()+
				strings.TrimPrefix(cause.Field, "spec"), cause.Message)
			if !seen[msg] {
				seen[msg] = true
				refused.causes = append(refused.causes, msg)
			}
		}
	}
	if len(refused.causes) > 0 {
		return refused
	}
	return nil
}

// invalidCauses returns the causes of an Invalid error, or the error itself as one cause.
func invalidCauses(err error) []metav1.StatusCause {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if d := status.Status().Details; d != nil && len(d.Causes) > 0 {
			return d.Causes
		}
	}
	return []metav1.StatusCause{{Field: "spec", Message: err.Error()}}
}
