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
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/hack/versions"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/manifests"
)

// TestSetKwokImage checks that the KWOK manifest the topology applies names the placeholder
// image once, in its Deployment, and that the tag replaces it there only.
func TestSetKwokImage(t *testing.T) {
	path, err := charttest.Path(kwokFile)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := manifests.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	deployments := 0
	for _, o := range objs {
		before := o.DeepCopy()
		if err := setKwokImage(o, "v9.9.9"); err != nil {
			t.Fatal(err)
		}
		if o.GetKind() != "Deployment" {
			if !equalObjects(before, o) {
				t.Errorf("%s %s changed", o.GetKind(), o.GetName())
			}
			continue
		}
		deployments++
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		if got := containers[0].(map[string]any)["image"]; got != "flotilla/kwok:v9.9.9" {
			t.Errorf("KWOK's image is %v, want flotilla/kwok:v9.9.9", got)
		}
		if err := setKwokImage(o, "v1"); err == nil || !strings.Contains(err.Error(), kwokImagePlaceholder) {
			t.Errorf("setting the image of a Deployment without the placeholder: %v, want an error naming it", err)
		}
	}
	if deployments != 1 {
		t.Errorf("%s has %d Deployments, want 1", kwokFile, deployments)
	}
}

func equalObjects(a, b *unstructured.Unstructured) bool {
	x, _ := a.MarshalJSON()
	y, _ := b.MarshalJSON()
	return bytes.Equal(x, y)
}

// TestClusterOf checks the Cluster API Cluster that registers gpu-west: it sets only its
// endpoint on kind's network, its region and the annotations the hub reads.
func TestClusterOf(t *testing.T) {
	u := clusterOf(&Cluster{Name: WestCluster})
	if u.GetAPIVersion() != "cluster.x-k8s.io/v1beta2" || u.GetKind() != "Cluster" || u.GetNamespace() != ClusterNamespace || u.GetName() != WestMember {
		t.Errorf("Cluster %s %s %s/%s", u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName())
	}
	host, _, _ := unstructured.NestedString(u.Object, "spec", "controlPlaneEndpoint", "host")
	port, _, _ := unstructured.NestedInt64(u.Object, "spec", "controlPlaneEndpoint", "port")
	if host != "flotilla-west-control-plane" || port != 6443 {
		t.Errorf("endpoint %s:%d, want flotilla-west-control-plane:6443", host, port)
	}
	if got := u.GetAnnotations(); got[flotillav1alpha1.AnnotationAgentNamespace] != WestNamespace || got[flotillav1alpha1.AnnotationNamespaceRestriction] != WestNamespace {
		t.Errorf("annotations %v", got)
	}
	if got := u.GetLabels()[regionLabel]; got != "us-west" {
		t.Errorf("region %q", got)
	}
	spec, _, _ := unstructured.NestedMap(u.Object, "spec")
	if len(spec) != 1 {
		t.Errorf("spec %v sets more than the endpoint", spec)
	}
}

// TestOptionsDefaults checks where Up's options come from when left empty.
func TestOptionsDefaults(t *testing.T) {
	t.Setenv("FLOTILLA_KIND_STATE", "")
	t.Setenv("KWOK_VERSION", "")
	t.Setenv("LWS_VERSION", "")
	home := t.TempDir()
	t.Setenv("HOME", home)
	o := Options{}.withDefaults()
	if want := filepath.Join(home, ".cache", "flotilla", "kind-state"); o.State != want {
		t.Errorf("State %q, want %q", o.State, want)
	}
	if o.Tag != "dev" || o.KwokTag != versions.Pinned("KWOK_VERSION") || o.LWSTag != versions.Pinned("LWS_VERSION") || o.Log == nil {
		t.Errorf("defaults %+v", o)
	}
	t.Setenv("FLOTILLA_KIND_STATE", "/somewhere")
	if got := DefaultState(); got != "/somewhere" {
		t.Errorf("DefaultState with FLOTILLA_KIND_STATE=/somewhere: %q", got)
	}
}

// TestNodeNames checks the names of the fake GPU nodes and of the members' servers.
func TestNodeNames(t *testing.T) {
	for product, want := range map[string]string{EastProduct: "h100", WestProduct: "l40s", "A100": "a100"} {
		if got := productShortName(product); got != want {
			t.Errorf("productShortName(%q) = %q, want %q", product, got, want)
		}
	}
	if got := memberServer(&Cluster{Name: EastCluster}); got != "https://flotilla-east-control-plane:6443" {
		t.Errorf("memberServer = %q", got)
	}
}

// TestWriterLogger checks that kind's messages are written as the kind CLI prints them by
// default: warnings, errors and level 0, not the debug levels.
func TestWriterLogger(t *testing.T) {
	var b bytes.Buffer
	l := writerLogger{&b}
	l.Warnf("w %d", 1)
	l.Error("e")
	l.V(0).Infof("i %s", "0")
	l.V(1).Info("debug")
	if got, want := b.String(), "w 1\ne\ni 0\n"; got != want {
		t.Errorf("logged %q, want %q", got, want)
	}
	if l.V(1).Enabled() || !l.V(0).Enabled() {
		t.Error("enabled levels: want 0 only")
	}
}
