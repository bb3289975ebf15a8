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
	"errors"
	"fmt"
	"io"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/internal/ssa"
)

// The check graph: one CPU-only service that runs on a KWOK node (it tolerates the kwok taint
// and selects type=kwok, so no image is ever pulled).
const (
	checkGraphFile      = "test/kind-multi/check-graph.yaml"
	checkGraphName      = "kind-check"
	checkGraphNamespace = "demo"
)

// Check applies the check graph on the hub, waits until it is successful, deletes it and waits
// until it is gone from the hub and from both members: the path of a graph from `kubectl apply`
// to a pod on a member and back, timed (progress to w).
func (t *Topology) Check(ctx context.Context, w io.Writer) error {
	log := func(format string, args ...any) { Logf(w, format, args...) }
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: checkGraphNamespace}}
	if err := ssa.Apply(ctx, t.Hub.Client, ns, fieldOwner); err != nil {
		return err
	}
	start := time.Now()
	if err := applyFile(ctx, t.Hub, checkGraphFile, nil); err != nil {
		return err
	}
	key := client.ObjectKey{Namespace: checkGraphNamespace, Name: checkGraphName}
	err := wait(ctx, "the check graph "+checkGraphName+" successful", func(ctx context.Context) (bool, error) {
		dgd := &nvidiav1alpha1.DynamoGraphDeployment{}
		if err := t.Hub.Get(ctx, key, dgd); err != nil {
			return false, err
		}
		if dgd.Status.State != "successful" {
			return false, fmt.Errorf("state %q", dgd.Status.State)
		}
		return true, nil
	})
	if err != nil {
		return t.withLogs(ctx, err)
	}
	log("check graph %s successful in %s", checkGraphName, since(start))
	for _, m := range []*Cluster{t.East, t.West} {
		list := &appsv1.DeploymentList{}
		if err := m.List(ctx, list, client.MatchingLabels{nvidiav1alpha1.LabelGraphName: checkGraphName}); err != nil {
			return err
		}
		for _, d := range list.Items {
			log("  on %s: Deployment %s/%s, %d/%d ready", m.Name, d.Namespace, d.Name, d.Status.ReadyReplicas, d.Status.Replicas)
		}
	}

	start = time.Now()
	dgd := &nvidiav1alpha1.DynamoGraphDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: checkGraphNamespace, Name: checkGraphName}}
	if err := t.Hub.Delete(ctx, dgd); err != nil {
		return err
	}
	err = wait(ctx, "the check graph gone from the hub and the members", func(ctx context.Context) (bool, error) {
		if err := t.Hub.Get(ctx, key, dgd); !apierrors.IsNotFound(err) {
			return false, errors.Join(err, errors.New("still on the hub"))
		}
		for _, m := range []*Cluster{t.East, t.West} {
			deployments := &appsv1.DeploymentList{}
			if err := m.List(ctx, deployments, client.MatchingLabels{nvidiav1alpha1.LabelGraphName: checkGraphName}); err != nil {
				return false, err
			}
			dcds := &nvidiav1alpha1.DynamoComponentDeploymentList{}
			if err := m.List(ctx, dcds); err != nil {
				return false, err
			}
			if len(deployments.Items)+len(dcds.Items) > 0 {
				return false, fmt.Errorf("%d Deployment(s) and %d DCD(s) still on %s", len(deployments.Items), len(dcds.Items), m.Name)
			}
		}
		return true, nil
	})
	if err != nil {
		return t.withLogs(ctx, err)
	}
	log("check graph deleted, on the hub and the members, in %s", since(start))
	return nil
}
