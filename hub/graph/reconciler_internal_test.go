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
	"slices"
	"testing"

	"k8s.io/client-go/tools/events"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/pkg/placement"
	"github.com/flotilla-dev/flotilla/pkg/placement/plugins"
)

// TestRecordDecisionSaysWhyACopyHasNoMember checks the events of a copy that leaves its member
// and finds no other: the move says why the copy got none, as its status does.
func TestRecordDecisionSaysWhyACopyHasNoMember(t *testing.T) {
	s, err := placement.NewSnapshot([]placement.Member{
		{Name: "east", Joined: false, AgentReady: true},
		{Name: "west", Joined: true, AgentReady: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := placement.NewDemand(placement.ServiceDemand{Name: "Frontend", Replicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	req := &placement.Request{Owner: "ns/g", Namespace: "ns", Demand: d,
		Policy: placement.Policy{Copies: 2}, Current: []string{"west", "east"}}
	dec, err := placement.NewPlacer(plugins.NewDefaultFramework()).Place(s, req)
	if err != nil {
		t.Fatal(err)
	}
	recorder := events.NewFakeRecorder(10)
	r := &Reconciler{Recorder: recorder}
	r.recordDecision(&nvidiav1beta1.DynamoGraphDeployment{}, req, dec)
	close(recorder.Events)
	var got []string
	for e := range recorder.Events {
		got = append(got, e)
	}
	// East is not joined, and west keeps copy 0.
	want := []string{
		"Warning " + eventMoved + " Copy 1 moves from east to no member (fits no cluster): not joined",
		"Warning " + eventUnschedulable + " 1/2 copies placed: placed 1/2 copies; 0/1 clusters fit: 1 not joined",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
	if msg := dec.CopyMessage(1); msg != "placed 1/2 copies; 0/1 clusters fit: 1 not joined" {
		t.Errorf("copy message %q", msg)
	}
}
