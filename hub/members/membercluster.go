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

package members

import (
	"context"
	"maps"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/internal/ssa"
)

// fieldOwnerSources is the field manager of the labels sources give MemberClusters: labels an
// administrator sets with another manager (kubectl) are never removed by a source.
const fieldOwnerSources = "flotilla-hub-members"

// AnnotationSource is the annotation, on a MemberCluster, that names the source that registered
// it (DescribeSource), so that a source only deletes the MemberClusters it made.
const AnnotationSource = "flotilla.dev/source"

// ApplyMemberCluster creates the MemberCluster of reg, or brings the labels its source gives it
// up to date.
func ApplyMemberCluster(ctx context.Context, c client.Client, reg Registration) error {
	mc := &flotillav1alpha1.MemberCluster{
		TypeMeta: metav1.TypeMeta{APIVersion: flotillav1alpha1.GroupVersion.String(), Kind: "MemberCluster"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        reg.Name,
			Labels:      SourceLabels(reg.Labels),
			Annotations: map[string]string{AnnotationSource: DescribeSource(reg.Source)},
		},
	}
	return ssa.Apply(ctx, c, mc, fieldOwnerSources)
}

// DeleteMemberCluster deletes the MemberCluster name if source registered it.
func DeleteMemberCluster(ctx context.Context, c client.Client, name string, source flotillav1alpha1.MemberSource) error {
	mc := &flotillav1alpha1.MemberCluster{}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, mc); err != nil {
		return client.IgnoreNotFound(err)
	}
	if mc.Annotations[AnnotationSource] != DescribeSource(source) {
		return nil
	}
	err := c.Delete(ctx, mc, client.Preconditions{UID: &mc.UID})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// SourceLabels are the labels of a source object that its MemberCluster carries: all but the
// kubeconfig marker and the labels of tools (app.kubernetes.io/, helm.sh/, cluster.x-k8s.io/).
func SourceLabels(source map[string]string) map[string]string {
	out := maps.Clone(source)
	maps.DeleteFunc(out, func(k, _ string) bool {
		if k == flotillav1alpha1.LabelMemberKubeconfig {
			return true
		}
		for _, prefix := range []string{"app.kubernetes.io/", "helm.sh/", "cluster.x-k8s.io/"} {
			if strings.HasPrefix(k, prefix) {
				return true
			}
		}
		return false
	})
	return out
}
