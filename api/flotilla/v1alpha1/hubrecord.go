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

package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// HubRecordValue is the value of LabelHubRecord on a hub record.
const HubRecordValue = "true"

// IsHubRecord reports whether obj, a DynamoComponentDeployment, is a hub record: it is labelled
// LabelHubRecord=true. The hub reads only such records, and agents never build workloads from
// them. Any other value of the label (or none) makes an ordinary DCD.
func IsHubRecord(obj metav1.Object) bool {
	return obj.GetLabels()[LabelHubRecord] == HubRecordValue
}

// HubRecordsOfGraph returns the labels that select the hub records of the graph named graph
// (in the graph's namespace), for a List.
func HubRecordsOfGraph(graph string) map[string]string {
	return map[string]string{LabelHubRecord: HubRecordValue, LabelGraph: graph}
}

// HubRecordsOnMember returns the labels that select the hub records placed on the member
// cluster named member, for a List.
func HubRecordsOnMember(member string) map[string]string {
	return map[string]string{LabelHubRecord: HubRecordValue, LabelCluster: member}
}
