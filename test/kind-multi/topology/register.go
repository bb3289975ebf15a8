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

package topology

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/hub/register"
	"github.com/flotilla-dev/flotilla/internal/ssa"
)

// regionLabel is the member label graphs' clusterSelector and spreadBy use in the suite.
const regionLabel = "topology.kubernetes.io/region"

// memberServer is the URL the hub reaches a member's API server at: its node container's
// name on kind's Docker network.
func memberServer(c *Cluster) string { return "https://" + c.Node() + ":6443" }

// registerMembers registers the two members on the hub, each the way a user of one source
// does: gpu-east by the kubeconfig Secret hub/register builds (`flotilla-hub register`);
// gpu-west by a Cluster API Cluster and its <name>-kubeconfig Secret, holding the kubeconfig
// of the hub's identity as hub/register builds it.
func registerMembers(ctx context.Context, t *Topology) error {
	east, err := register.Build(ctx, t.East.Config, register.Options{
		Name: EastMember, Server: memberServer(t.East), Labels: map[string]string{regionLabel: "us-east"},
	})
	if err != nil {
		return fmt.Errorf("registering %s: %w", EastMember, err)
	}
	if err := register.Apply(ctx, t.Hub.Client, east); err != nil {
		return fmt.Errorf("registering %s: %w", EastMember, err)
	}

	west, err := register.Build(ctx, t.West.Config, register.Options{
		Name: WestMember, Server: memberServer(t.West), AgentNamespace: WestNamespace, NamespaceRestriction: WestNamespace,
	})
	if err != nil {
		return fmt.Errorf("registering %s: %w", WestMember, err)
	}
	return registerCluster(ctx, t.Hub, t.West, west.Data[flotillav1alpha1.KubeconfigSecretKey])
}

// registerCluster registers member WestMember as Cluster API would make it known: a Cluster in
// ClusterNamespace whose control plane is initialized, labelled with its region and annotated
// with its agent's namespace and its restriction, and the Secret <name>-kubeconfig beside it.
func registerCluster(ctx context.Context, hub, member *Cluster, kubeconfig []byte) error {
	objs := []client.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ClusterNamespace}},
		// Labelled as Cluster API labels it: the hub caches only Secrets with that label.
		&corev1.Secret{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Namespace: ClusterNamespace, Name: WestMember + "-kubeconfig",
				Labels: map[string]string{clusterv1.ClusterNameLabel: WestMember}},
			Type: "cluster.x-k8s.io/secret",
			Data: map[string][]byte{"value": kubeconfig},
		},
		clusterOf(member),
	}
	for _, o := range objs {
		if err := ssa.Apply(ctx, hub.Client, o, fieldOwner); err != nil {
			return fmt.Errorf("registering %s: applying %T %s: %w", WestMember, o, o.GetName(), err)
		}
	}
	status := client.RawPatch(types.MergePatchType, []byte(`{"status":{"initialization":{"controlPlaneInitialized":true}}}`))
	if err := hub.Status().Patch(ctx, clusterOf(member), status); err != nil {
		return fmt.Errorf("registering %s: marking its Cluster's control plane initialized: %w", WestMember, err)
	}
	return nil
}

// clusterOf is member's Cluster API Cluster: labelled with its region, annotated with its
// agent's namespace and its restriction. Unstructured, so that it sets only these fields.
func clusterOf(member *Cluster) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"controlPlaneEndpoint": map[string]any{"host": member.Node(), "port": int64(6443)}},
	}}
	u.SetGroupVersionKind(clusterv1.GroupVersion.WithKind("Cluster"))
	u.SetNamespace(ClusterNamespace)
	u.SetName(WestMember)
	u.SetLabels(map[string]string{regionLabel: "us-west"})
	u.SetAnnotations(map[string]string{
		flotillav1alpha1.AnnotationAgentNamespace:       WestNamespace,
		flotillav1alpha1.AnnotationNamespaceRestriction: WestNamespace,
	})
	return u
}
