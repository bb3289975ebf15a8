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

package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Second)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Second, 0.99: 99 * time.Second, 1: 100 * time.Second} {
		if got := percentile(ds, q); got != want {
			t.Errorf("percentile(1..100 s, %v) = %s, want %s", q, got, want)
		}
	}
	if got := percentile([]time.Duration{3 * time.Second}, 0.99); got != 3*time.Second {
		t.Errorf("percentile of one value = %s", got)
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("percentile of none = %s", got)
	}
}

func TestSanitizeAndCopy(t *testing.T) {
	o := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{
			"name": templateName + "-frontend", "namespace": templateNamespace, "uid": "u", "resourceVersion": "7",
			"labels":          map[string]any{"flotilla.dev/graph": templateName, "app": templateName + "-frontend"},
			"annotations":     map[string]any{"deployment.kubernetes.io/revision": "1", "keep": "yes"},
			"ownerReferences": []any{map[string]any{"name": "x"}},
		},
		"spec":   map[string]any{"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": templateName + "-frontend"}}}},
		"status": map[string]any{"replicas": int64(1)},
	}}
	s := sanitize(o)
	if s.GetUID() != "" || s.GetResourceVersion() != "" || len(s.GetOwnerReferences()) != 0 {
		t.Errorf("sanitize kept the identity or owners: %v", s.Object["metadata"])
	}
	if _, ok := s.Object["status"]; ok {
		t.Error("sanitize kept the status")
	}
	if _, ok := s.GetLabels()["flotilla.dev/graph"]; ok {
		t.Error("sanitize kept a flotilla.dev label")
	}
	if s.GetAnnotations()["keep"] != "yes" || s.GetAnnotations()["deployment.kubernetes.io/revision"] != "" {
		t.Errorf("sanitize annotations: %v", s.GetAnnotations())
	}
	if o.GetUID() != "u" {
		t.Error("sanitize changed its argument")
	}
	c, err := copyFor(s, "bench-raw-10", "g0003")
	if err != nil {
		t.Fatal(err)
	}
	if c.GetName() != "g0003-frontend" || c.GetNamespace() != "bench-raw-10" || c.GetLabels()["app"] != "g0003-frontend" {
		t.Errorf("copyFor gave %s/%s labels %v", c.GetNamespace(), c.GetName(), c.GetLabels())
	}
	if b, _ := c.MarshalJSON(); strings.Contains(string(b), templateName) {
		t.Errorf("copyFor left the template's name: %s", b)
	}
}

func TestWatcherGraphOf(t *testing.T) {
	w := newWatcher([]string{"g0001", "g0010"}, 2)
	for name, want := range map[string]string{"g0001-frontend": "g0001", "g0010-vllmdecodeworker": "g0010", "g00010-x": "", "g0002-x": ""} {
		got, ok := w.graphOf(name)
		if got != want || ok != (want != "") {
			t.Errorf("graphOf(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

func TestProcessStats(t *testing.T) {
	cpu, err := cpuSeconds(os.Getpid())
	if err != nil || cpu < 0 {
		t.Fatalf("cpuSeconds of this process: %v, %v", cpu, err)
	}
	m, err := readMemory(os.Getpid())
	if err != nil || m.RSS <= 0 || m.Peak < m.RSS {
		t.Fatalf("readMemory of this process: %+v, %v", m, err)
	}
}
