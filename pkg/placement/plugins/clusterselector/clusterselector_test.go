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

package clusterselector

import (
	"testing"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

func TestFilter(t *testing.T) {
	sel, err := labels.Parse("env=prod,tier in (gold,silver)")
	if err != nil {
		t.Fatal(err)
	}
	req := &placement.Request{Policy: placement.Policy{Selector: sel}}
	p := New()
	if r := p.Filter(req, &placement.Member{Labels: map[string]string{"env": "prod", "tier": "gold"}}); !r.IsSuccess() {
		t.Errorf("matching member: %+v", r)
	}
	r := p.Filter(req, &placement.Member{Labels: map[string]string{"env": "dev", "tier": "gold"}})
	if r == nil || r.Code != placement.Unschedulable || r.Reason.String() != "excluded by clusterSelector" {
		t.Errorf("other member: %+v", r)
	}
	if !p.Skip(&placement.Request{}, nil) || p.Skip(req, nil) {
		t.Error("Skip should be true exactly without a selector")
	}
}
