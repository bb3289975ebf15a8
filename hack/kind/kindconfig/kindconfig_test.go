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

package kindconfig

import (
	"strings"
	"testing"
)

func TestRenderOffline(t *testing.T) {
	out, err := Render(Options{
		Name:         "gpu-east",
		Image:        "flotilla/kind-node:v1.36.3-abc",
		OfflineImage: true,
		Labels:       map[string]string{"flotilla.dev/role": "member"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: kind.x-k8s.io/v1alpha4
kind: Cluster
kubeadmConfigPatches:
- |
  kind: KubeletConfiguration
  failCgroupV1: false
name: gpu-east
networking:
  apiServerAddress: 127.0.0.1
  disableDefaultCNI: true
  kubeProxyMode: iptables
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/16
nodes:
- image: flotilla/kind-node:v1.36.3-abc
  labels:
    flotilla.dev/role: member
  role: control-plane
`
	if string(out) != want {
		t.Errorf("Render:\n%s\nwant:\n%s", out, want)
	}
}

func TestRenderPublishedImage(t *testing.T) {
	out, err := Render(Options{Name: "hub", APIServerPort: 6443, KubeadmConfigPatches: []string{"kind: ClusterConfiguration\n"}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"apiServerPort: 6443", "kubeProxyMode: iptables", "failCgroupV1: false", "kind: ClusterConfiguration"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
	if strings.Contains(s, "disableDefaultCNI") || strings.Contains(s, "image:") {
		t.Errorf("published image: want kind's CNI and no image in\n%s", s)
	}
}

func TestRenderRejects(t *testing.T) {
	for name, o := range map[string]Options{
		"upper-case name": {Name: "Hub"},
		"bad address":     {APIServerAddress: "localhost"},
		"bad port":        {APIServerPort: 70000},
	} {
		if _, err := Render(o); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
