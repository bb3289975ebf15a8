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

package tightestfit

import (
	"testing"

	"github.com/flotilla-dev/flotilla/pkg/placement"
)

func TestScore(t *testing.T) {
	p := New()
	tight := p.Score(nil, nil, &placement.Fit{GPUs: 8, LeftoverOnUsedNodes: 0})
	loose := p.Score(nil, nil, &placement.Fit{GPUs: 8, LeftoverOnUsedNodes: 4})
	if tight != 0 || loose != -4 {
		t.Errorf("scores %d, %d; want 0, -4", tight, loose)
	}
}
