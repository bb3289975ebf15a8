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
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// busyDCD returns a worker whose maps have many entries and whose lists are out of order, so
// that map iteration order would show in the output if it leaked.
func busyDCD(t *testing.T) *nvidiav1alpha1.DynamoComponentDeployment {
	t.Helper()
	dcd := exampleDCD(t, "vllm-disagg-planner", "VllmDecodeWorker")
	dcd.Spec.Resources.Requests = &nvidiav1alpha1.ResourceItem{CPU: "4", Memory: "16Gi", Custom: map[string]string{}}
	dcd.Spec.Resources.Limits.Custom = map[string]string{}
	dcd.Spec.Annotations = map[string]string{}
	dcd.Spec.ExtraPodMetadata = &nvidiav1alpha1.ExtraPodMetadata{Labels: map[string]string{}, Annotations: map[string]string{}}
	for i := range 20 {
		dcd.Spec.Labels[fmt.Sprintf("example.com/l%02d", i)] = fmt.Sprint(i)
		dcd.Spec.Annotations[fmt.Sprintf("example.com/a%02d", i)] = fmt.Sprint(i)
		dcd.Spec.ExtraPodMetadata.Labels[fmt.Sprintf("pod.example.com/l%02d", i)] = fmt.Sprint(i)
		dcd.Spec.ExtraPodMetadata.Annotations[fmt.Sprintf("pod.example.com/a%02d", i)] = fmt.Sprint(i)
		dcd.Spec.Envs = append(dcd.Spec.Envs, corev1.EnvVar{Name: fmt.Sprintf("VAR_%02d", 19-i), Value: fmt.Sprint(i)})
	}
	for i := range 10 {
		dcd.Spec.Resources.Requests.Custom[fmt.Sprintf("device%d.example.com/dev", i)] = fmt.Sprint(i + 1)
		dcd.Spec.Resources.Limits.Custom[fmt.Sprintf("device%d.example.com/dev", i)] = fmt.Sprint(i + 1)
	}
	dcd.Spec.Resources.Limits.Custom["hugepages-2Mi"] = "1Gi"
	dcd.Spec.VolumeMounts = []nvidiav1alpha1.VolumeMount{
		{Name: "models", MountPoint: "/models"},
		{Name: "cache", UseAsCompilationCache: true},
		{Name: "models", MountPoint: "/models-again"},
	}
	dcd.Spec.Envs = append(dcd.Spec.Envs, corev1.EnvVar{Name: "VAR_00", Value: "last wins"})
	return dcd
}

// buildable returns every example DCD that builds, the busy one and a two-replica multinode one.
func buildable(t *testing.T) map[string]*nvidiav1alpha1.DynamoComponentDeployment {
	t.Helper()
	dcds := map[string]*nvidiav1alpha1.DynamoComponentDeployment{}
	for name, dcd := range allExampleDCDs(t) {
		if _, err := buildAlpha(t, dcd, workload.Options{}); err == nil {
			dcds[name] = dcd
		}
	}
	if len(dcds) < 12 {
		t.Fatalf("only %d example DCDs build", len(dcds))
	}
	dcds["busy"] = busyDCD(t)
	mn := exampleDCD(t, "sglang-multinode", "SGLangWorker")
	mn.Spec.Replicas = ptrTo(int32(2))
	dcds["multinode-2"] = mn
	return dcds
}

// TestBuildDeterministic builds every DCD repeatedly: the results must be deep-equal and
// encode to the same bytes, and Build must not change its input.
func TestBuildDeterministic(t *testing.T) {
	dcds := buildable(t)
	for _, name := range slices.Sorted(maps.Keys(dcds)) {
		dcd := dcds[name]
		t.Run(name, func(t *testing.T) {
			before := dcd.DeepCopy()
			first, err := buildAlpha(t, dcd, workload.Options{})
			if err != nil {
				t.Fatal(err)
			}
			firstJSON := mustMarshal(t, first.Objects())
			for range 10 {
				again, err := buildAlpha(t, dcd.DeepCopy(), workload.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if !deepEqual(first, again) {
					t.Fatal("two builds of one DCD differ")
				}
				if got := mustMarshal(t, again.Objects()); got != firstJSON {
					t.Fatalf("two builds encode differently:\n%s\n%s", firstJSON, got)
				}
			}
			if !deepEqual(before, dcd) {
				t.Error("Build changed its input")
			}
		})
	}
}

// TestBuildBusy checks what the busy DCD's maps and lists become.
func TestBuildBusy(t *testing.T) {
	res, err := buildAlpha(t, busyDCD(t), workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	spec := res.Deployment.Spec.Template.Spec
	main := mainOf(t, spec)
	wantEnv(t, main, map[string]string{"VAR_00": "last wins", "VAR_19": "0"})
	wantPVC(t, spec, main, "models", "/models")
	wantMount(t, main, "models", "/models-again")
	wantPVC(t, spec, main, "cache", "/root/.cache/vllm")
	wantQuantity(t, "device request", main.Resources.Requests, "device3.example.com/dev", "4")
	wantQuantity(t, "hugepages limit", main.Resources.Limits, "hugepages-2Mi", "1Gi")
	if n := len(slices.DeleteFunc(slices.Clone(spec.Volumes), func(v corev1.Volume) bool { return v.Name != "models" })); n != 1 {
		t.Errorf("%d volumes named models, want 1", n)
	}

	// A second compilation cache without mountPoint (v1beta1 keeps only the first as
	// compilationCache) goes to the backend's cache directory too, where the first already is:
	// it is left out, volume included, as before.
	dcd := busyDCD(t)
	dcd.Spec.VolumeMounts = append(dcd.Spec.VolumeMounts, nvidiav1alpha1.VolumeMount{Name: "cache-2", UseAsCompilationCache: true})
	res, err = buildAlpha(t, dcd, workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	spec = res.Deployment.Spec.Template.Spec
	wantPVC(t, spec, mainOf(t, spec), "cache", "/root/.cache/vllm")
	if slices.ContainsFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == "cache-2" }) {
		t.Error("volume cache-2 added though nothing mounts it")
	}
}

// mustMarshal encodes v as JSON.
func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBuiltObjectsValid checks, for every DCD that builds, invariants Kubernetes' validation
// enforces (k8s.io/kubernetes is not a dependency): valid names and labels, selectors matching
// their pods, unique container, port, variable and volume names, mounts of existing volumes, and
// equal requests and limits of extended resources.
func TestBuiltObjectsValid(t *testing.T) {
	dcds := buildable(t)
	for _, name := range slices.Sorted(maps.Keys(dcds)) {
		dcd := dcds[name]
		t.Run(name, func(t *testing.T) {
			res, err := buildAlpha(t, dcd, workload.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, obj := range res.Objects() {
				kind := obj.GetObjectKind().GroupVersionKind()
				where := kind.Kind + " " + obj.GetName()
				if kind.Version == "" || kind.Kind == "" {
					t.Errorf("%s: TypeMeta not set", where)
				}
				if len(obj.GetOwnerReferences()) != 0 {
					t.Errorf("%s: owner references set", where)
				}
				if obj.GetNamespace() != testNamespace {
					t.Errorf("%s: namespace %q", where, obj.GetNamespace())
				}
				checkName(t, where, kind.Kind, obj.GetName())
				checkLabels(t, where+" labels", obj.GetLabels())
				if obj.GetLabels()["nvidia.com/selector"] != dcd.Name {
					t.Errorf("%s: no nvidia.com/selector=%s label for the controller to find it", where, dcd.Name)
				}
			}
			type workloadTemplate struct {
				where    string
				selector map[string]string
				template corev1.PodTemplateSpec
			}
			var templates []workloadTemplate
			if d := res.Deployment; d != nil {
				templates = append(templates, workloadTemplate{"Deployment " + d.Name, d.Spec.Selector.MatchLabels, d.Spec.Template})
			}
			for _, s := range res.StatefulSets {
				templates = append(templates, workloadTemplate{"StatefulSet " + s.Name, s.Spec.Selector.MatchLabels, s.Spec.Template})
			}
			for _, w := range templates {
				checkLabels(t, w.where+" selector", w.selector)
				checkLabels(t, w.where+" pod labels", w.template.Labels)
				if !labels.SelectorFromSet(w.selector).Matches(labels.Set(w.template.Labels)) {
					t.Errorf("%s: selector %v does not match its pods %v", w.where, w.selector, w.template.Labels)
				}
				checkPodSpec(t, w.where, w.template.Spec)
			}
			for _, s := range res.Services {
				checkLabels(t, "Service "+s.Name+" selector", s.Spec.Selector)
				for _, p := range s.Spec.Ports {
					checkPortName(t, "Service "+s.Name, p.Name)
				}
			}
		})
	}
}

// checkName checks an object's name as Kubernetes does for its kind.
func checkName(t *testing.T, where, kind, name string) {
	t.Helper()
	var msgs []string
	if kind == "Service" {
		msgs = validation.IsDNS1035Label(name)
	} else {
		msgs = validation.IsDNS1123Subdomain(name)
	}
	if len(msgs) > 0 {
		t.Errorf("%s: invalid name: %s", where, strings.Join(msgs, "; "))
	}
}

// checkLabels checks label keys and values.
func checkLabels(t *testing.T, where string, m map[string]string) {
	t.Helper()
	for k, v := range m {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			t.Errorf("%s: invalid key %q: %s", where, k, msgs[0])
		}
		if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
			t.Errorf("%s: invalid value %q of %s: %s", where, v, k, msgs[0])
		}
	}
}

// checkPortName checks a port name: an IANA service name of at most 15 characters.
func checkPortName(t *testing.T, where, name string) {
	t.Helper()
	if msgs := validation.IsValidPortName(name); len(msgs) > 0 {
		t.Errorf("%s: invalid port name %q: %s", where, name, msgs[0])
	}
}

// checkPodSpec checks the invariants of a pod spec.
func checkPodSpec(t *testing.T, where string, spec corev1.PodSpec) {
	t.Helper()
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		if volumes[v.Name] {
			t.Errorf("%s: duplicate volume %q", where, v.Name)
		}
		volumes[v.Name] = true
		if msgs := validation.IsDNS1123Label(v.Name); len(msgs) > 0 {
			t.Errorf("%s: invalid volume name %q", where, v.Name)
		}
	}
	containers := map[string]bool{}
	for _, c := range spec.Containers {
		cw := where + " container " + c.Name
		if containers[c.Name] {
			t.Errorf("%s: duplicate container name", cw)
		}
		containers[c.Name] = true
		if msgs := validation.IsDNS1123Label(c.Name); len(msgs) > 0 {
			t.Errorf("%s: invalid container name", cw)
		}
		if c.Image == "" {
			t.Errorf("%s: no image", cw)
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			checkPortName(t, cw, p.Name)
			if ports[p.Name] {
				t.Errorf("%s: duplicate port %q", cw, p.Name)
			}
			ports[p.Name] = true
		}
		env := map[string]bool{}
		for _, e := range c.Env {
			if msgs := validation.IsEnvVarName(e.Name); len(msgs) > 0 {
				t.Errorf("%s: invalid variable name %q", cw, e.Name)
			}
			if env[e.Name] {
				t.Errorf("%s: duplicate variable %q", cw, e.Name)
			}
			env[e.Name] = true
		}
		paths := map[string]bool{}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				t.Errorf("%s: mounts missing volume %q", cw, m.Name)
			}
			if paths[m.MountPath] {
				t.Errorf("%s: two mounts at %s", cw, m.MountPath)
			}
			paths[m.MountPath] = true
		}
		for name, limit := range c.Resources.Limits {
			if !strings.Contains(string(name), "/") || strings.Contains(string(name), "kubernetes.io/") {
				continue
			}
			if req, ok := c.Resources.Requests[name]; !ok || req.Cmp(limit) != 0 {
				t.Errorf("%s: extended resource %s request %v != limit %v", cw, name, req.String(), limit.String())
			}
		}
		for kind, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
			if p != nil && p.Exec == nil && p.HTTPGet == nil && p.TCPSocket == nil && p.GRPC == nil {
				t.Errorf("%s: %s probe without handler", cw, kind)
			}
			if p != nil && p.HTTPGet != nil && p.HTTPGet.Port.StrVal != "" && !ports[p.HTTPGet.Port.StrVal] {
				t.Errorf("%s: %s probe on missing port %q", cw, kind, p.HTTPGet.Port.StrVal)
			}
		}
	}
}
