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

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// seedReservations gives the Scheduler, once per process and before it places anything, the
// reservations of the copies placed before this process led: by the leader it took over from,
// or by itself before a restart. A copy's reservation lives in the memory of the process that
// placed it, until its member's inventory shows its pods; a new leader that placed new copies
// from inventories that do not show them yet would book their GPUs twice. Each copy with live
// records is reserved on its member (Scheduler.Seed) unless it is visible: Ready, on a member
// whose inventory is newer than its readiness (as releaseVisible releases reservations). Every
// reconcile's placement waits for the seeding; an error leaves it to the next reconcile.
func (r *Reconciler) seedReservations(ctx context.Context, clusters []flotillav1alpha1.MemberCluster) error {
	r.seedMu.Lock()
	defer r.seedMu.Unlock()
	if r.seeded {
		return nil
	}
	graphs := &nvidiav1beta1.DynamoGraphDeploymentList{}
	if err := r.Client.List(ctx, graphs); err != nil {
		return err
	}
	recs := &nvidiav1beta1.DynamoComponentDeploymentList{}
	if err := r.Client.List(ctx, recs, client.MatchingLabels{flotillav1alpha1.LabelHubRecord: flotillav1alpha1.HubRecordValue}); err != nil {
		return err
	}
	byGraph := map[types.NamespacedName][]nvidiav1beta1.DynamoComponentDeployment{}
	for _, rec := range recs.Items {
		key := types.NamespacedName{Namespace: rec.Namespace, Name: rec.Labels[flotillav1alpha1.LabelGraph]}
		byGraph[key] = append(byGraph[key], rec)
	}
	clusterByName := map[string]*flotillav1alpha1.MemberCluster{}
	for i := range clusters {
		clusterByName[clusters[i].Name] = &clusters[i]
	}
	for i := range graphs.Items {
		dgd := &graphs.Items[i]
		list := byGraph[types.NamespacedName{Namespace: dgd.Namespace, Name: dgd.Name}]
		if !dgd.DeletionTimestamp.IsZero() || len(list) == 0 {
			continue
		}
		req, err := placement.RequestFromGraph(dgd)
		if err != nil {
			continue // an invalid graph places nothing new, and its copies keep running
		}
		stored := groupRecords(dgd, list)
		for idx := range stored {
			member := stored.member(idx)
			if member == "" || copyVisible(dgd, idx, clusterByName[member]) {
				continue
			}
			if err := r.Scheduler.Seed(clusters, req, idx, member); err != nil {
				return err
			}
		}
	}
	r.seeded = true
	return nil
}

// copyVisible reports whether copy idx of dgd is Ready on mc, the MemberCluster of its member,
// and mc's inventory is newer than its readiness: the inventory counts its pods.
func copyVisible(dgd *nvidiav1beta1.DynamoGraphDeployment, idx int, mc *flotillav1alpha1.MemberCluster) bool {
	if dgd.Status.ClusterPlacement == nil || mc == nil || mc.Status.InventoryTime == nil {
		return false
	}
	for _, c := range dgd.Status.ClusterPlacement.Copies {
		if int(c.Index) == idx && c.Cluster == mc.Name {
			return c.State == flotillav1alpha1.CopyReady && c.LastTransitionTime != nil &&
				mc.Status.InventoryTime.After(c.LastTransitionTime.Time)
		}
	}
	return false
}
