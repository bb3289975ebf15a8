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

package membercluster

import (
	"errors"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cluster"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/hub/members"
)

func TestComputeStatus(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	r := &Reconciler{LostAfter: 2 * time.Minute, ProbeInterval: 10 * time.Second}
	lease := func(renewedAgo time.Duration) *coordinationv1.Lease {
		return &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{
			RenewTime:            &metav1.MicroTime{Time: now.Add(-renewedAgo)},
			LeaseDurationSeconds: ptr.To[int32](30),
		}}
	}
	inventory := func(restriction string) *flotillav1alpha1.GPUInventory {
		return &flotillav1alpha1.GPUInventory{Status: flotillav1alpha1.GPUInventoryStatus{
			NamespaceRestriction: restriction,
			MultinodeRuntime:     flotillav1alpha1.MultinodeRuntimeLeaderWorkerSet,
			GPUs:                 []flotillav1alpha1.GPUPool{{ResourceName: "nvidia.com/gpu", Product: "H100", Total: 16, Free: 8}},
		}}
	}
	syncedLease := func(syncedAgo time.Duration) *coordinationv1.Lease {
		l := lease(time.Second)
		l.Annotations = map[string]string{flotillav1alpha1.AnnotationInventorySynced: now.Add(-syncedAgo).Format(time.RFC3339)}
		return l
	}
	refused := refusedError{status: "401 Unauthorized"}
	reg := members.Registration{Name: "m", AgentNamespace: "flotilla-system",
		Source: flotillav1alpha1.MemberSource{KubeconfigSecret: &flotillav1alpha1.ObjectReference{Namespace: "flotilla-system", Name: "m"}}}
	engaged := func(o observation) observation {
		o.reg, o.registered = reg, true
		o.cluster = fakeCluster{}
		return o
	}
	for _, tc := range []struct {
		name                       string
		obs                        observation
		unreachableSince           time.Duration // ago; 0 = no annotation
		wasJoined                  bool
		cordoned, drained          bool
		joined, agent, schedulable metav1.ConditionStatus
		schedulableReason          string
		maxRequeue                 time.Duration
	}{
		{"healthy", engaged(observation{lease: lease(time.Second), inventory: inventory("")}), 0, false, false, false,
			metav1.ConditionTrue, metav1.ConditionTrue, metav1.ConditionTrue, ReasonReady, 10 * time.Second},
		{"cordoned", engaged(observation{lease: lease(time.Second), inventory: inventory("")}), 0, false, true, false,
			metav1.ConditionTrue, metav1.ConditionTrue, metav1.ConditionFalse, ReasonCordoned, 10 * time.Second},
		{"lease expired", engaged(observation{lease: lease(time.Minute), inventory: inventory("")}), 0, false, false, false,
			metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionFalse, ReasonAgentNotReady, 10 * time.Second},
		{"lease expiring soon requeues then", engaged(observation{lease: lease(28 * time.Second), inventory: inventory("")}), 0, false, false, false,
			metav1.ConditionTrue, metav1.ConditionTrue, metav1.ConditionTrue, ReasonReady, 2200 * time.Millisecond},
		{"namespace mismatch", engaged(observation{lease: lease(time.Second), inventory: inventory("team-a")}), 0, false, false, false,
			metav1.ConditionTrue, metav1.ConditionTrue, metav1.ConditionFalse, ReasonNamespaceMismatch, 10 * time.Second},
		{"unreachable within grace", engaged(observation{probeErr: errors.New("timeout"), lease: lease(time.Second)}), time.Minute, true, false, false,
			metav1.ConditionTrue, metav1.ConditionTrue, metav1.ConditionFalse, ReasonUnreachable, 10 * time.Second},
		{"unreachable past grace", engaged(observation{probeErr: errors.New("timeout")}), 3 * time.Minute, true, false, false,
			metav1.ConditionFalse, metav1.ConditionFalse, metav1.ConditionFalse, ReasonLost, 10 * time.Second},
		{"never engaged", observation{reg: reg, registered: true, probeErr: errors.New("not engaged")}, 0, false, false, false,
			metav1.ConditionFalse, metav1.ConditionFalse, metav1.ConditionFalse, ReasonNotEngaged, 10 * time.Second},
		{"never reached", engaged(observation{probeErr: errors.New("timeout")}), 0, false, false, false,
			metav1.ConditionFalse, metav1.ConditionFalse, metav1.ConditionFalse, ReasonUnreachable, 10 * time.Second},
		{"not engaged yet after a hub restart", observation{reg: reg, registered: true, probeErr: errors.New("not engaged")}, time.Second, true, false, false,
			metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionFalse, ReasonUnreachable, 10 * time.Second},
		{"drained", engaged(observation{lease: lease(time.Second), inventory: inventory("")}), 0, false, true, true,
			metav1.ConditionTrue, metav1.ConditionTrue, metav1.ConditionFalse, ReasonDraining, 10 * time.Second},
		{"credentials refused is no loss", engaged(observation{refusedErr: refused}), 0, true, false, false,
			metav1.ConditionTrue, metav1.ConditionUnknown, metav1.ConditionFalse, ReasonRefused, 10 * time.Second},
		{"credentials refused at engagement is no loss", observation{reg: reg, registered: true, refusedErr: refused}, 0, true, false, false,
			metav1.ConditionTrue, metav1.ConditionUnknown, metav1.ConditionFalse, ReasonRefused, 10 * time.Second},
		{"credentials refused before it ever joined", observation{reg: reg, registered: true, refusedErr: refused}, 0, false, false, false,
			metav1.ConditionFalse, metav1.ConditionUnknown, metav1.ConditionFalse, ReasonRefused, 10 * time.Second},
		{"inventory confirmed recently", engaged(observation{lease: syncedLease(10 * time.Second), inventory: inventory("")}), 0, false, false, false,
			metav1.ConditionTrue, metav1.ConditionTrue, metav1.ConditionTrue, ReasonReady, 10 * time.Second},
		{"inventory stale while the agent lives", engaged(observation{lease: syncedLease(time.Minute), inventory: inventory("")}), 0, false, false, false,
			metav1.ConditionTrue, metav1.ConditionTrue, metav1.ConditionFalse, ReasonInventoryStale, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mc := &flotillav1alpha1.MemberCluster{ObjectMeta: metav1.ObjectMeta{Name: "m"}}
			mc.Spec.Unschedulable = tc.cordoned
			mc.Spec.Drain = tc.drained
			if tc.wasJoined {
				mc.Status.Conditions = []metav1.Condition{{Type: flotillav1alpha1.MemberJoined, Status: metav1.ConditionTrue, Reason: ReasonReachable}}
			}
			if tc.unreachableSince > 0 {
				mc.Annotations = map[string]string{flotillav1alpha1.AnnotationUnreachableSince: now.Add(-tc.unreachableSince).Format(time.RFC3339)}
			}
			requeue := r.computeStatus(mc, tc.obs, now)
			for _, c := range []struct {
				t    string
				want metav1.ConditionStatus
			}{{flotillav1alpha1.MemberJoined, tc.joined}, {flotillav1alpha1.MemberAgentReady, tc.agent}, {flotillav1alpha1.MemberSchedulable, tc.schedulable}} {
				got := meta.FindStatusCondition(mc.Status.Conditions, c.t)
				if got == nil || got.Status != c.want {
					t.Errorf("%s = %+v, want %s", c.t, got, c.want)
				}
			}
			if got := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.MemberSchedulable); got.Reason != tc.schedulableReason {
				t.Errorf("Schedulable reason = %s (%s), want %s", got.Reason, got.Message, tc.schedulableReason)
			}
			if requeue <= 0 || requeue > tc.maxRequeue {
				t.Errorf("requeue = %s, want in (0, %s]", requeue, tc.maxRequeue)
			}
			if tc.obs.inventory != nil && (mc.Status.GPUsTotal != 16 || mc.Status.GPUsFree != 8) {
				t.Errorf("GPUs = %d/%d, want 8/16", mc.Status.GPUsFree, mc.Status.GPUsTotal)
			}
			if tc.obs.inventory != nil && mc.Status.MultinodeRuntime != flotillav1alpha1.MultinodeRuntimeLeaderWorkerSet {
				t.Errorf("multinodeRuntime = %q, want the inventory's LeaderWorkerSet", mc.Status.MultinodeRuntime)
			}
		})
	}
}

// fakeCluster stands for an engaged member; computeStatus only checks there is one.
type fakeCluster struct{ cluster.Cluster }

func TestReadyzURL(t *testing.T) {
	for host, want := range map[string]string{
		"https://127.0.0.1:6443":                "https://127.0.0.1:6443/readyz",
		"https://127.0.0.1:6443/":               "https://127.0.0.1:6443/readyz",
		"https://proxy.example/k8s/clusters/c1": "https://proxy.example/k8s/clusters/c1/readyz",
		"127.0.0.1:6443":                        "https://127.0.0.1:6443/readyz",
	} {
		got, err := readyzURL(&rest.Config{Host: host, TLSClientConfig: rest.TLSClientConfig{CAData: []byte("ca")}})
		if err != nil || got != want {
			t.Errorf("readyzURL(%q) = %q, %v; want %q", host, got, err, want)
		}
	}
}
