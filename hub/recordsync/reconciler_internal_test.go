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

package recordsync

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
)

func hubRecord() *nvidiav1beta1.DynamoComponentDeployment {
	rec := &nvidiav1beta1.DynamoComponentDeployment{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "team-a", Name: "llama-worker-0-east", Generation: 4,
			Labels: map[string]string{
				flotillav1alpha1.LabelHubRecord: "true", flotillav1alpha1.LabelCluster: "east",
				flotillav1alpha1.LabelGraph: "llama", flotillav1alpha1.LabelCopy: "0",
				nvidiav1beta1.LabelGraphName: "llama",
			},
			Annotations: map[string]string{
				flotillav1alpha1.AnnotationMemberNamespace: "team-a", flotillav1alpha1.AnnotationMemberName: "llama-worker",
			},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "nvidia.com/v1beta1", Kind: "DynamoGraphDeployment",
				Name: "llama", UID: "graph-uid", Controller: ptr.To(true)}},
		},
	}
	rec.Spec.ComponentName = "worker"
	rec.Spec.Replicas = ptr.To[int32](2)
	return rec
}

func TestMemberCopy(t *testing.T) {
	rec := hubRecord()
	tgt, err := targetOf(rec)
	if err != nil {
		t.Fatal(err)
	}
	got := memberCopy(rec, tgt)
	if got.Name != "llama-worker" || got.Namespace != "team-a" {
		t.Errorf("member copy is %s/%s, want team-a/llama-worker (Dynamo's name)", got.Namespace, got.Name)
	}
	if got.APIVersion != nvidiav1beta1.GroupVersion.String() || got.Kind != "DynamoComponentDeployment" {
		t.Errorf("member copy is a %s %s, want the storage version, nvidia.com/v1beta1", got.APIVersion, got.Kind)
	}
	for _, k := range []string{flotillav1alpha1.LabelHubRecord, flotillav1alpha1.LabelCluster} {
		if _, ok := got.Labels[k]; ok {
			t.Errorf("member copy carries %s: the agent would skip it", k)
		}
	}
	for k, v := range map[string]string{
		flotillav1alpha1.LabelGraphUID: "graph-uid", flotillav1alpha1.LabelHubNamespace: "team-a",
		nvidiav1beta1.LabelGraphName: "llama", "app.kubernetes.io/managed-by": flotillav1alpha1.ManagedByHub,
	} {
		if got.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, got.Labels[k], v)
		}
	}
	if got.Annotations[flotillav1alpha1.AnnotationHubRecord] != "team-a/llama-worker-0-east" {
		t.Errorf("hub-record annotation = %q", got.Annotations[flotillav1alpha1.AnnotationHubRecord])
	}
	if !dynamo.HasApplied(got, memberCopy(rec, tgt)) {
		t.Error("a copy does not match itself")
	}
	drifted := got.DeepCopy()
	drifted.Spec.Replicas = ptr.To[int32](5)
	if dynamo.HasApplied(drifted, memberCopy(rec, tgt)) {
		t.Error("an edited replica count matches")
	}
	if rec.Labels[flotillav1alpha1.LabelHubRecord] != "true" {
		t.Error("memberCopy changed the record's labels")
	}
}

func TestTargetOfRefusesIncompleteRecords(t *testing.T) {
	rec := hubRecord()
	delete(rec.Annotations, flotillav1alpha1.AnnotationMemberName)
	if _, err := targetOf(rec); err == nil {
		t.Error("a record without a member name has a target")
	}
}

func TestMirrorStatusKeepsSynced(t *testing.T) {
	rec := hubRecord()
	setSynced(rec, metav1.ConditionTrue, flotillav1alpha1.ReasonSynced, "applied")
	member := &nvidiav1beta1.DynamoComponentDeployment{ObjectMeta: metav1.ObjectMeta{Generation: 7}}
	member.Status.ObservedGeneration = 7
	member.Status.Conditions = []metav1.Condition{{Type: nvidiav1beta1.ConditionAvailable, Status: metav1.ConditionTrue, Reason: "DeploymentReady"}}
	member.Status.Component = &nvidiav1beta1.ComponentReplicaStatus{Replicas: 2}

	mirrorStatus(rec, member)
	if !meta.IsStatusConditionTrue(rec.Status.Conditions, nvidiav1beta1.ConditionAvailable) {
		t.Error("Available is not mirrored")
	}
	if !meta.IsStatusConditionTrue(rec.Status.Conditions, flotillav1alpha1.ConditionSynced) {
		t.Error("Synced is lost")
	}
	if rec.Status.ObservedGeneration != 4 || rec.Status.Component.Replicas != 2 {
		t.Errorf("observedGeneration %d (want the record's 4), replicas %d", rec.Status.ObservedGeneration, rec.Status.Component.Replicas)
	}
	member.Generation = 8
	mirrorStatus(rec, member)
	if rec.Status.ObservedGeneration != 0 {
		t.Errorf("observedGeneration = %d while the member has not observed its spec, want 0", rec.Status.ObservedGeneration)
	}
}

// TestMemberCopyCarriesTheSpecPayload checks that the conversion payload of the record's spec
// (its v1alpha1-only fields) reaches the member with the spec, and that a payload left on the
// member without one on the record is out of date, while other annotations are not compared.
func TestMemberCopyCarriesTheSpecPayload(t *testing.T) {
	rec := hubRecord()
	rec.Annotations["nvidia.com/dcd-spec"] = `{"version":1,"spec":{"serviceName":"worker","dynamoNamespace":"dynamo-llama"}}`
	rec.Annotations["nvidia.com/dcd-status"] = `{"podSelector":{"a":"b"}}`
	tgt, err := targetOf(rec)
	if err != nil {
		t.Fatal(err)
	}
	got := memberCopy(rec, tgt)
	if got.Annotations["nvidia.com/dcd-spec"] != rec.Annotations["nvidia.com/dcd-spec"] {
		t.Errorf("member copy annotations = %v, want the record's nvidia.com/dcd-spec", got.Annotations)
	}
	for _, k := range []string{"nvidia.com/dcd-status", flotillav1alpha1.AnnotationMemberName, flotillav1alpha1.AnnotationMemberNamespace} {
		if _, ok := got.Annotations[k]; ok {
			t.Errorf("member copy carries the record's %s", k)
		}
	}
	if !dynamo.HasApplied(got, memberCopy(rec, tgt)) {
		t.Error("a copy does not match itself")
	}
	edited := got.DeepCopy()
	edited.Annotations["nvidia.com/dcd-spec"] = `{}`
	if dynamo.HasApplied(edited, memberCopy(rec, tgt)) {
		t.Error("an edited payload matches")
	}
	withOther := got.DeepCopy()
	withOther.Annotations["example.com/note"] = "kept"
	if !dynamo.HasApplied(withOther, memberCopy(rec, tgt)) {
		t.Error("an annotation the hub does not apply makes the copy out of date")
	}

	delete(rec.Annotations, "nvidia.com/dcd-spec")
	if dynamo.HasApplied(got, memberCopy(rec, tgt)) {
		t.Error("a payload the record no longer has matches")
	}
}

func TestRewordedHoldsBackOnlyWhatNothingWaitsFor(t *testing.T) {
	cond := func(typ string, s metav1.ConditionStatus, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: s, Reason: reason, Message: msg, ObservedGeneration: 1}
	}
	status := func(gen int64, conds ...metav1.Condition) *nvidiav1beta1.DynamoComponentDeploymentStatus {
		return &nvidiav1beta1.DynamoComponentDeploymentStatus{ObservedGeneration: gen, Conditions: conds}
	}
	synced := cond(flotillav1alpha1.ConditionSynced, metav1.ConditionTrue, flotillav1alpha1.ReasonSynced, "applied")
	notSynced := cond(flotillav1alpha1.ConditionSynced, metav1.ConditionFalse, flotillav1alpha1.ReasonApplyFailed, "refused")
	notReady := cond("Available", metav1.ConditionFalse, "DeploymentNotReady", "0/1 updated")
	progress := cond("Available", metav1.ConditionFalse, "DeploymentNotReady", "0/1 available")
	ready := cond("Available", metav1.ConditionTrue, "DeploymentReady", "ready")
	for name, tc := range map[string]struct {
		before, after *nvidiav1beta1.DynamoComponentDeploymentStatus
		want          bool
	}{
		"the first Synced=True":             {status(0), status(0, synced), true},
		"a progress message":                {status(1, notReady, synced), status(1, progress, synced), true},
		"the copy became Available":         {status(1, notReady, synced), status(1, ready, synced), false},
		"the member's first status":         {status(0, synced), status(1, notReady, synced), false},
		"an apply refused":                  {status(1, notReady, synced), status(1, notReady, notSynced), false},
		"an apply accepted after a refusal": {status(1, notReady, notSynced), status(1, notReady, synced), false},
	} {
		if got := reworded(tc.before, tc.after); got != tc.want {
			t.Errorf("%s: reworded = %v, want %v", name, got, tc.want)
		}
	}
}
