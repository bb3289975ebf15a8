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

package workload_test

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/flotilla-dev/flotilla/agent/workload"
)

// ptrTo returns a pointer to v.
func ptrTo[T any](v T) *T { return &v }

// compareStrings orders strings.
func compareStrings(a, b string) int { return strings.Compare(a, b) }

// wantEqual fails unless got == want.
func wantEqual[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// wantSlice fails unless got equals want (nil and empty alike).
func wantSlice[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != 0 || len(want) != 0 {
		if !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
}

// wantMap fails unless got equals want.
func wantMap(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// wantLabels fails unless labels hold every entry of want.
func wantLabels(t *testing.T, labels, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := labels[k]; !ok || got != v {
			t.Errorf("label %s = %q (set: %v), want %q", k, got, ok, v)
		}
	}
}

// wantEnv fails unless the container has each variable of want with that value.
func wantEnv(t *testing.T, c corev1.Container, want map[string]string) {
	t.Helper()
	env := envMap(c)
	for name, value := range want {
		e, ok := env[name]
		if !ok {
			t.Errorf("no variable %s", name)
			continue
		}
		if e.Value != value || e.ValueFrom != nil {
			t.Errorf("%s = %q (valueFrom %v), want %q", name, e.Value, e.ValueFrom, value)
		}
	}
}

// wantNoEnv fails if the container has the variable.
func wantNoEnv(t *testing.T, c corev1.Container, name string) {
	t.Helper()
	if e, ok := envMap(c)[name]; ok {
		t.Errorf("unexpected variable %s=%q", name, e.Value)
	}
}

// wantFieldRef fails unless the variable reads the pod field.
func wantFieldRef(t *testing.T, c corev1.Container, name, field string) {
	t.Helper()
	e, ok := envMap(c)[name]
	if !ok || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != field {
		t.Errorf("%s = %+v, want a fieldRef to %s", name, e, field)
	}
}

// wantPorts fails unless the container's ports are exactly want, by name.
func wantPorts(t *testing.T, c corev1.Container, want map[string]int32) {
	t.Helper()
	got := map[string]int32{}
	for _, p := range c.Ports {
		got[p.Name] = p.ContainerPort
	}
	if !maps.Equal(got, want) {
		t.Errorf("ports = %v, want %v", got, want)
	}
}

// wantHTTPProbe fails unless p is an HTTP GET of path on the named port.
func wantHTTPProbe(t *testing.T, what string, p *corev1.Probe, path, port string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe = %v, want HTTP GET %s on %s", what, p, path, port)
		return
	}
	if p.HTTPGet.Path != path || p.HTTPGet.Port.String() != port {
		t.Errorf("%s probe = GET %s on %s, want %s on %s", what, p.HTTPGet.Path, p.HTTPGet.Port.String(), path, port)
	}
}

// wantShm fails unless the pod has the memory-backed shared-memory volume of size at /dev/shm.
func wantShm(t *testing.T, spec corev1.PodSpec, main corev1.Container, size string) {
	t.Helper()
	i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == "shared-memory" })
	if i < 0 {
		t.Errorf("no shared-memory volume in %v", spec.Volumes)
		return
	}
	ed := spec.Volumes[i].EmptyDir
	if ed == nil || ed.Medium != corev1.StorageMediumMemory || ed.SizeLimit == nil || ed.SizeLimit.Cmp(resource.MustParse(size)) != 0 {
		t.Errorf("shared-memory volume = %+v, want a memory emptyDir of %s", spec.Volumes[i], size)
	}
	wantMount(t, main, "shared-memory", "/dev/shm")
}

// wantPVC fails unless the pod mounts claim at path in the main container.
func wantPVC(t *testing.T, spec corev1.PodSpec, main corev1.Container, claim, path string) {
	t.Helper()
	i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == claim })
	if i < 0 || spec.Volumes[i].PersistentVolumeClaim == nil || spec.Volumes[i].PersistentVolumeClaim.ClaimName != claim {
		t.Errorf("no volume of claim %s in %v", claim, spec.Volumes)
	}
	wantMount(t, main, claim, path)
}

// wantMount fails unless the container mounts volume at path.
func wantMount(t *testing.T, c corev1.Container, volume, path string) {
	t.Helper()
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == volume && m.MountPath == path }) {
		t.Errorf("mounts %v lack %s at %s", c.VolumeMounts, volume, path)
	}
}

// wantQuantity fails unless list[name] equals want.
func wantQuantity(t *testing.T, what string, list corev1.ResourceList, name corev1.ResourceName, want string) {
	t.Helper()
	q, ok := list[name]
	if !ok || q.Cmp(resource.MustParse(want)) != 0 {
		t.Errorf("%s = %v (set: %v), want %s", what, q.String(), ok, want)
	}
}

// wantGPU fails unless the container requests and limits count GPUs of resource name.
func wantGPU(t *testing.T, c corev1.Container, name corev1.ResourceName, count string) {
	t.Helper()
	wantQuantity(t, "GPU request", c.Resources.Requests, name, count)
	wantQuantity(t, "GPU limit", c.Resources.Limits, name, count)
}

// wantSecretEnvFrom fails unless the container takes variables from the secret.
func wantSecretEnvFrom(t *testing.T, c corev1.Container, secret string) {
	t.Helper()
	if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool { return e.SecretRef != nil && e.SecretRef.Name == secret }) {
		t.Errorf("envFrom = %v, want secretRef %s", c.EnvFrom, secret)
	}
}

// wantNote fails unless some note starts with prefix.
func wantNote(t *testing.T, res *workload.Result, prefix string) {
	t.Helper()
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.HasPrefix(n, prefix) }) {
		t.Errorf("notes %q lack one starting %q", res.Notes, prefix)
	}
}

// deepEqual reports whether a and b are deeply equal.
func deepEqual(a, b any) bool { return reflect.DeepEqual(a, b) }
