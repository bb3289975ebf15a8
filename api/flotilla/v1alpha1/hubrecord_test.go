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

package v1alpha1_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// TestIsHubRecord checks that only LabelHubRecord=true makes a hub record, and that the
// selectors of a graph's and a member's records select exactly the records IsHubRecord accepts.
func TestIsHubRecord(t *testing.T) {
	tests := []struct {
		labels map[string]string
		want   bool
	}{
		{map[string]string{flotillav1alpha1.LabelHubRecord: "true"}, true},
		{map[string]string{flotillav1alpha1.LabelHubRecord: ""}, false},
		{map[string]string{flotillav1alpha1.LabelHubRecord: "false"}, false},
		{map[string]string{"other": "true"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		obj := &metav1.ObjectMeta{Labels: tt.labels}
		if got := flotillav1alpha1.IsHubRecord(obj); got != tt.want {
			t.Errorf("IsHubRecord(%v) = %v, want %v", tt.labels, got, tt.want)
		}
		withGraph := labels.Merge(tt.labels, map[string]string{flotillav1alpha1.LabelGraph: "g", flotillav1alpha1.LabelCluster: "m"})
		for name, sel := range map[string]map[string]string{
			"HubRecordsOfGraph":  flotillav1alpha1.HubRecordsOfGraph("g"),
			"HubRecordsOnMember": flotillav1alpha1.HubRecordsOnMember("m"),
		} {
			if got := labels.SelectorFromSet(sel).Matches(withGraph); got != tt.want {
				t.Errorf("%s selects %v: %v, want %v", name, withGraph, got, tt.want)
			}
		}
	}
}
