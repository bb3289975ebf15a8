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

package validation_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/validation"
)

// TestGraphDerivedNames checks that a graph whose derived names or label values the API servers
// would refuse is refused with the field that causes it, and that the limits are exact.
func TestGraphDerivedNames(t *testing.T) {
	beta := func(name string, mutate func(*nvidiav1beta1.DynamoGraphDeployment)) *nvidiav1beta1.DynamoGraphDeployment {
		dgd := &nvidiav1beta1.DynamoGraphDeployment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: nvidiav1beta1.DynamoGraphDeploymentSpec{Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				{ComponentName: "F", ComponentType: "frontend"},
				{ComponentName: "W", ComponentType: "worker"},
			}},
		}
		if mutate != nil {
			mutate(dgd)
		}
		return dgd
	}
	multinode := func(replicas, nodes int32) func(*nvidiav1beta1.DynamoGraphDeployment) {
		return func(dgd *nvidiav1beta1.DynamoGraphDeployment) {
			w := &dgd.Spec.Components[1]
			w.Replicas = ptr.To(replicas)
			w.Multinode = &nvidiav1beta1.MultinodeSpec{NodeCount: nodes}
		}
	}
	for _, tc := range []struct {
		name string
		dgd  *nvidiav1beta1.DynamoGraphDeployment
		want []string // substrings of the errors, in order; none: valid
	}{
		{name: "a 56-character name fits", dgd: beta(strings.Repeat("a", 56), nil)},
		{name: "a 57-character name does not: its Dynamo namespace is a label value", dgd: beta(strings.Repeat("a", 57), nil),
			want: []string{`metadata.name: Invalid value: "` + strings.Repeat("a", 57) + `": must be at most 56 characters`}},
		{name: "a component whose DCD name is over 63 characters", dgd: beta(strings.Repeat("a", 50), func(d *nvidiav1beta1.DynamoGraphDeployment) {
			d.Spec.Components[1].ComponentName = "VllmDecodeWorker"
		}), want: []string{`spec.components[VllmDecodeWorker].name: Invalid value: "VllmDecodeWorker": gives the DynamoComponentDeployment name "` + strings.Repeat("a", 50) + `-vllmdecodeworker" (graph name, '-', lowercased component name), the value of the nvidia.com/selector label of its pods: must be no more than 63`}},
		{name: "a graph name starting with a digit cannot name the frontend's Service", dgd: beta("1graph", nil),
			want: []string{`spec.components[F].name: Invalid value: "F": gives the DynamoComponentDeployment name "1graph-f" (graph name, '-', lowercased component name), which names the component's Service on members: a DNS-1035 label must`}},
		{name: "a short multinode component fits", dgd: beta("g", multinode(2, 4))},
		// <46 a>-w-9-0 is 52 characters, 63 with "-" and the hash: the limit.
		{name: "a multinode component at the limit", dgd: beta(strings.Repeat("a", 46), multinode(10, 2))},
		{name: "a multinode component one character over", dgd: beta(strings.Repeat("a", 47), multinode(10, 2)),
			want: []string{`that makes 64 characters, more than 63 (shorten the graph or component name by 1)`}},
		{name: "graph labels and annotations must be valid", dgd: beta("g", func(d *nvidiav1beta1.DynamoGraphDeployment) {
			d.Spec.Labels = map[string]string{"team": "a b"}
			d.Spec.Annotations = map[string]string{"-bad-": "x"}
		}), want: []string{`spec.labels: Invalid value: "a b"`, `spec.annotations: Invalid value: "-bad-"`}},
		{name: "pod template labels must be valid", dgd: beta("g", func(d *nvidiav1beta1.DynamoGraphDeployment) {
			d.Spec.Components[1].PodTemplate = &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{
				Labels: map[string]string{"app": strings.Repeat("x", 64)},
			}}
		}), want: []string{`spec.components[W].podTemplate.metadata.labels: Invalid value: "` + strings.Repeat("x", 64) + `": must be no more than 63`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, _ := validation.Graph(tc.dgd)
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d: %v", len(errs), len(tc.want), errs)
			}
			for i, want := range tc.want {
				if got := errs[i].Error(); !strings.Contains(got, want) {
					t.Errorf("error %d:\n got %s\nwant it to contain %s", i, got, want)
				}
			}
		})
	}
}

// A dynamoNamespace written in v1alpha1 is named as the field at fault, not the graph's name.
func TestGraphDynamoNamespaceTooLong(t *testing.T) {
	long := strings.Repeat("n", 64)
	errs, _ := validation.Graph(graph(t, services{"Frontend": {DynamoNamespace: ptr.To(long)}}))
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), `spec.services[Frontend].dynamoNamespace: Invalid value: "`+long+`": is the graph's Dynamo namespace, a label value`) {
		t.Errorf("errors: %v", errs)
	}
}
