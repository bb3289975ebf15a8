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
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/dynamo"
	"github.com/flotilla-dev/flotilla/test/manifests"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// betaImage is the image of the v1beta1 DCDs written here.
const betaImage = "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.3.0"

// betaDCD returns a vLLM DCD written in v1beta1, of one replica, named name, of the given type,
// with Dynamo's labels and containers as its pod template's.
func betaDCD(name string, typ nvidiav1beta1.ComponentType, containers ...corev1.Container) *nvidiav1beta1.DynamoComponentDeployment {
	return &nvidiav1beta1.DynamoComponentDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, Labels: map[string]string{
			nvidiav1beta1.LabelComponent:       "Component",
			nvidiav1beta1.LabelDynamoNamespace: "dynamo-graph",
			nvidiav1beta1.LabelGraphName:       "graph",
		}},
		Spec: nvidiav1beta1.DynamoComponentDeploymentSpec{
			BackendFramework: "vllm",
			DynamoComponentDeploymentSharedSpec: nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
				ComponentName: "Component",
				ComponentType: typ,
				Replicas:      ptrTo(int32(1)),
				PodTemplate:   &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers}},
			},
		},
	}
}

// vllmMain returns a main container running a vLLM worker.
func vllmMain() corev1.Container {
	return corev1.Container{
		Name:    "main",
		Image:   betaImage,
		Command: []string{"python3", "-m", "dynamo.vllm"},
		Args:    []string{"--model", "Qwen/Qwen3-0.6B"},
		Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")},
		},
	}
}

// buildBeta builds a v1beta1 DCD, failing the test on an error, and returns the result and the
// pod template of its Deployment.
func buildBeta(t *testing.T, dcd *nvidiav1beta1.DynamoComponentDeployment) (*workload.Result, corev1.PodTemplateSpec) {
	t.Helper()
	before := dcd.DeepCopy()
	res, err := workload.Build(dcd, workload.Options{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if !deepEqual(before, dcd) {
		t.Error("Build changed its input")
	}
	if res.Deployment == nil {
		t.Fatal("no Deployment")
	}
	checkPodSpec(t, "Deployment "+res.Deployment.Name, res.Deployment.Spec.Template.Spec)
	return res, res.Deployment.Spec.Template
}

// containerOf returns the container named name of a pod spec.
func containerOf(t *testing.T, spec corev1.PodSpec, name string) corev1.Container {
	t.Helper()
	i := slices.IndexFunc(spec.Containers, func(c corev1.Container) bool { return c.Name == name })
	if i < 0 {
		t.Fatalf("no container %s in %v", name, containerNames(spec))
	}
	return spec.Containers[i]
}

// containerNames returns the names of a pod's containers, in order.
func containerNames(spec corev1.PodSpec) []string {
	var names []string
	for _, c := range spec.Containers {
		names = append(names, c.Name)
	}
	return names
}

// wantFieldError fails unless err is a *FieldError on field, with want in its message.
func wantFieldError(t *testing.T, err error, field, want string) {
	t.Helper()
	wantEqual(t, "field", fieldErrorOf(t, err).Field, field)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
}

// fieldErrorOf returns err as a *FieldError, failing the test if it is not one.
func fieldErrorOf(t *testing.T, err error) *workload.FieldError {
	t.Helper()
	var fe *workload.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FieldError", err)
	}
	return fe
}

// TestBuildV1beta1MainAndSidecar checks that Dynamo's defaults go into main, by name, and that
// another container of the pod template is kept as written.
func TestBuildV1beta1MainAndSidecar(t *testing.T) {
	sidecar := corev1.Container{
		Name:  "metrics-exporter",
		Image: "example.com/exporter:1",
		Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9400}},
		Env:   []corev1.EnvVar{{Name: "B", Value: "2"}, {Name: "A", Value: "1"}},
	}
	// The sidecar comes first in the template: main is moved to the front.
	res, tmpl := buildBeta(t, betaDCD("w", nvidiav1beta1.ComponentTypeWorker, sidecar, vllmMain()))
	spec := tmpl.Spec
	wantSlice(t, "containers", containerNames(spec), []string{"main", "metrics-exporter"})
	if got := containerOf(t, spec, "metrics-exporter"); !deepEqual(got, sidecar) {
		t.Errorf("sidecar = %+v, want it as written %+v", got, sidecar)
	}
	main := mainOf(t, spec)
	wantEqual(t, "image", main.Image, betaImage)
	wantSlice(t, "command", main.Command, []string{"python3", "-m", "dynamo.vllm"})
	wantSlice(t, "args", main.Args, []string{"--model", "Qwen/Qwen3-0.6B"})
	wantPorts(t, main, map[string]int32{"system": 9090, "nixl": 19090})
	wantEnv(t, main, map[string]string{
		"DYN_NAMESPACE": "dynamo-graph", "DYN_COMPONENT": "worker", "DYN_PARENT_DGD_K8S_NAME": "graph",
		"DYN_SYSTEM_ENABLED": "true", "DYN_SYSTEM_PORT": "9090",
	})
	wantGPU(t, main, "nvidia.com/gpu", "1")
	wantHTTPProbe(t, "liveness", main.LivenessProbe, "/live", "system")
	wantHTTPProbe(t, "startup", main.StartupProbe, "/live", "system")
	wantShm(t, spec, main, "8Gi")
	wantLabels(t, tmpl.Labels, map[string]string{
		"nvidia.com/selector": "w", "nvidia.com/dynamo-component-type": "worker",
		"nvidia.com/dynamo-graph-deployment-name": "graph", "nvidia.com/dynamo-namespace": "dynamo-graph",
	})
	wantEqual(t, "serviceAccountName", spec.ServiceAccountName, "default")
	wantEqual(t, "terminationGracePeriodSeconds", *spec.TerminationGracePeriodSeconds, int64(60))
	if len(res.Services) != 0 || res.Ingress != nil {
		t.Errorf("worker got services %v, ingress %v", res.Names(workload.KindService), res.Ingress)
	}

	t.Run("two containers named main", func(t *testing.T) {
		dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, vllmMain(), sidecar, vllmMain())
		_, err := workload.Build(dcd, workload.Options{})
		wantFieldError(t, err, "spec.podTemplate.spec.containers[2].name", "duplicate container name")
	})
	t.Run("no container named main", func(t *testing.T) {
		_, err := workload.Build(betaDCD("w", nvidiav1beta1.ComponentTypeWorker, sidecar), workload.Options{})
		wantFieldError(t, err, "spec.podTemplate.spec.containers[main].image", "no container named")
		wantEqual(t, "V1alpha1Field of a v1beta1 DCD", fieldErrorOf(t, err).V1alpha1Field, "")
	})
	t.Run("main without image", func(t *testing.T) {
		mc := vllmMain()
		mc.Image = ""
		_, err := workload.Build(betaDCD("w", nvidiav1beta1.ComponentTypeWorker, mc), workload.Options{})
		wantFieldError(t, err, "spec.podTemplate.spec.containers[main].image", "required")
	})
	t.Run("no pod template", func(t *testing.T) {
		dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker)
		dcd.Spec.PodTemplate = nil
		_, err := workload.Build(dcd, workload.Options{})
		wantFieldError(t, err, "spec.podTemplate.spec.containers[main].image", "no container named")
	})
}

// TestBuildV1beta1FrontendSidecar checks that the container spec.frontendSidecar names gets a
// frontend's defaults under what the user wrote, and that a v1alpha1 frontendSidecar becomes
// that container.
func TestBuildV1beta1FrontendSidecar(t *testing.T) {
	main := vllmMain()
	main.VolumeMounts = []corev1.VolumeMount{{Name: "models", MountPath: "/models"}}
	fe := corev1.Container{
		Name:  "fe",
		Image: betaImage,
		Env:   []corev1.EnvVar{{Name: "DYN_ROUTER_MODE", Value: "kv"}, {Name: "DYNAMO_PORT", Value: "8000"}},
	}
	dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, main, fe)
	dcd.Spec.FrontendSidecar = ptrTo("fe")
	_, tmpl := buildBeta(t, dcd)
	spec := tmpl.Spec
	wantSlice(t, "containers", containerNames(spec), []string{"main", "fe"})
	sidecar := containerOf(t, spec, "fe")
	wantEqual(t, "image", sidecar.Image, betaImage)
	wantSlice(t, "command", sidecar.Command, []string{"python3"})
	wantSlice(t, "args", sidecar.Args, []string{"-m", "dynamo.frontend"})
	wantPorts(t, sidecar, map[string]int32{"http": 8000})
	wantEnv(t, sidecar, map[string]string{
		"DYN_COMPONENT": "frontend", "DYN_NAMESPACE": "dynamo-graph", "DYN_HTTP_PORT": "8000", "DYN_ROUTER_MODE": "kv",
	})
	wantNoEnv(t, sidecar, "DYN_SYSTEM_ENABLED")
	wantHTTPProbe(t, "sidecar liveness", sidecar.LivenessProbe, "/live", "http")
	wantHTTPProbe(t, "sidecar readiness", sidecar.ReadinessProbe, "/health", "http")
	wantMount(t, sidecar, "models", "/models")
	if slices.ContainsFunc(sidecar.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/dev/shm" }) {
		t.Error("the frontend sidecar mounts /dev/shm, which only main gets")
	}
	wantEnv(t, mainOf(t, spec), map[string]string{"DYN_COMPONENT": "worker"})

	t.Run("args only run under python3", func(t *testing.T) {
		d := dcd.DeepCopy()
		d.Spec.PodTemplate.Spec.Containers[1].Args = []string{"-m", "dynamo.frontend", "--router-mode", "kv"}
		_, tmpl := buildBeta(t, d)
		sidecar := containerOf(t, tmpl.Spec, "fe")
		wantSlice(t, "command", sidecar.Command, []string{"python3"})
		wantSlice(t, "args", sidecar.Args, []string{"-m", "dynamo.frontend", "--router-mode", "kv"})
	})
	t.Run("naming no container", func(t *testing.T) {
		d := dcd.DeepCopy()
		d.Spec.FrontendSidecar = ptrTo("frontend")
		_, err := workload.Build(d, workload.Options{})
		wantFieldError(t, err, "spec.frontendSidecar", "does not name a container")
	})
	t.Run("naming main", func(t *testing.T) {
		d := dcd.DeepCopy()
		d.Spec.FrontendSidecar = ptrTo("main")
		_, err := workload.Build(d, workload.Options{})
		wantFieldError(t, err, "spec.frontendSidecar", "main container")
	})
	t.Run("handler-less probe takes the frontend's handler", func(t *testing.T) {
		d := dcd.DeepCopy()
		d.Spec.PodTemplate.Spec.Containers[1].ReadinessProbe = &corev1.Probe{InitialDelaySeconds: 42}
		_, tmpl := buildBeta(t, d)
		sidecar := containerOf(t, tmpl.Spec, "fe")
		wantHTTPProbe(t, "sidecar readiness", sidecar.ReadinessProbe, "/health", "http")
		wantEqual(t, "initialDelaySeconds", sidecar.ReadinessProbe.InitialDelaySeconds, int32(42))
	})
	t.Run("from v1alpha1", func(t *testing.T) {
		alpha := exampleDCD(t, "vllm-agg", "VllmDecodeWorker")
		alpha.Spec.FrontendSidecar = &nvidiav1alpha1.FrontendSidecarSpec{
			Image: betaImage, Args: []string{"-m", "dynamo.frontend"},
			Envs: []corev1.EnvVar{{Name: "DYN_ROUTER_MODE", Value: "kv"}}, EnvFromSecret: ptrTo("fe-secret"),
		}
		res, err := buildAlpha(t, alpha, workload.Options{})
		if err != nil {
			t.Fatal(err)
		}
		spec := res.Deployment.Spec.Template.Spec
		checkPodSpec(t, "Deployment", spec)
		wantSlice(t, "containers", containerNames(spec), []string{"main", "sidecar-frontend"})
		sidecar := containerOf(t, spec, "sidecar-frontend")
		wantEqual(t, "image", sidecar.Image, betaImage)
		wantPorts(t, sidecar, map[string]int32{"http": 8000})
		wantEnv(t, sidecar, map[string]string{"DYN_COMPONENT": "frontend", "DYN_ROUTER_MODE": "kv"})
		wantSecretEnvFrom(t, sidecar, "fe-secret")
	})
}

// TestBuildV1beta1SharedMemory checks spec.sharedMemorySize: unset 8Gi, "0" none, a size that
// size, negative refused.
func TestBuildV1beta1SharedMemory(t *testing.T) {
	tests := []struct {
		name string
		size *resource.Quantity
		want string // "" for no /dev/shm
	}{
		{"unset", nil, "8Gi"},
		{"zero disables it", ptrTo(resource.MustParse("0")), ""},
		{"16Gi", ptrTo(resource.MustParse("16Gi")), "16Gi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, vllmMain())
			dcd.Spec.SharedMemorySize = tt.size
			_, tmpl := buildBeta(t, dcd)
			main := mainOf(t, tmpl.Spec)
			if tt.want != "" {
				wantShm(t, tmpl.Spec, main, tt.want)
				return
			}
			if len(tmpl.Spec.Volumes) != 0 || len(main.VolumeMounts) != 0 {
				t.Errorf("volumes %v, mounts %v, want none with sharedMemorySize 0", tmpl.Spec.Volumes, main.VolumeMounts)
			}
		})
	}
	t.Run("negative", func(t *testing.T) {
		dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, vllmMain())
		dcd.Spec.SharedMemorySize = ptrTo(resource.MustParse("-1Gi"))
		_, err := workload.Build(dcd, workload.Options{})
		wantFieldError(t, err, "spec.sharedMemorySize", "negative")
	})
	t.Run("the user's /dev/shm wins", func(t *testing.T) {
		mc := vllmMain()
		mc.VolumeMounts = []corev1.VolumeMount{{Name: "my-shm", MountPath: "/dev/shm"}}
		dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, mc)
		dcd.Spec.PodTemplate.Spec.Volumes = []corev1.Volume{{Name: "my-shm", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		_, tmpl := buildBeta(t, dcd)
		main := mainOf(t, tmpl.Spec)
		wantEqual(t, "mounts", len(main.VolumeMounts), 1)
		wantEqual(t, "volumes", len(tmpl.Spec.Volumes), 1)
		wantMount(t, main, "my-shm", "/dev/shm")
	})
}

// TestBuildV1beta1CompilationCache checks spec.compilationCache: mounted at the backend's cache
// directory or its mountPath, the claim added as a volume unless the template defines it.
func TestBuildV1beta1CompilationCache(t *testing.T) {
	t.Run("vLLM's default directory", func(t *testing.T) {
		dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, vllmMain())
		dcd.Spec.CompilationCache = &nvidiav1beta1.CompilationCacheConfig{PVCName: "compile-cache"}
		_, tmpl := buildBeta(t, dcd)
		main := mainOf(t, tmpl.Spec)
		wantPVC(t, tmpl.Spec, main, "compile-cache", "/root/.cache/vllm")
		wantShm(t, tmpl.Spec, main, "8Gi")
	})
	t.Run("its mountPath, on sglang", func(t *testing.T) {
		dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, vllmMain())
		dcd.Spec.BackendFramework = "sglang"
		dcd.Spec.CompilationCache = &nvidiav1beta1.CompilationCacheConfig{PVCName: "compile-cache", MountPath: "/cache"}
		_, tmpl := buildBeta(t, dcd)
		wantPVC(t, tmpl.Spec, mainOf(t, tmpl.Spec), "compile-cache", "/cache")
	})
	t.Run("no default directory on sglang", func(t *testing.T) {
		dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, vllmMain())
		dcd.Spec.BackendFramework = "sglang"
		dcd.Spec.CompilationCache = &nvidiav1beta1.CompilationCacheConfig{PVCName: "compile-cache"}
		_, err := workload.Build(dcd, workload.Options{})
		wantFieldError(t, err, "spec.compilationCache.mountPath", `backend framework "sglang"`)
	})
	t.Run("mounted by the user, volume defined by the user", func(t *testing.T) {
		mc := vllmMain()
		mc.VolumeMounts = []corev1.VolumeMount{{Name: "cc", MountPath: "/root/.cache/vllm", SubPath: "vllm"}}
		dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, mc)
		dcd.Spec.PodTemplate.Spec.Volumes = []corev1.Volume{{Name: "cc", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "shared-cache"}}}}
		dcd.Spec.CompilationCache = &nvidiav1beta1.CompilationCacheConfig{PVCName: "cc"}
		_, tmpl := buildBeta(t, dcd)
		main := mainOf(t, tmpl.Spec)
		wantEqual(t, "mounts (cache, /dev/shm)", len(main.VolumeMounts), 2)
		wantEqual(t, "the user's subPath", main.VolumeMounts[0].SubPath, "vllm")
		wantEqual(t, "the user's claim", tmpl.Spec.Volumes[0].PersistentVolumeClaim.ClaimName, "shared-cache")
	})
}

// TestBuildV1beta1Volumes checks that a pod template volume of an existing claim is used as
// written, and that a mount without a volume gets the claim of its name.
func TestBuildV1beta1Volumes(t *testing.T) {
	mc := vllmMain()
	mc.VolumeMounts = []corev1.VolumeMount{
		{Name: "models", MountPath: "/models", ReadOnly: true},
		{Name: "scratch", MountPath: "/scratch"},
	}
	dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, mc)
	models := corev1.Volume{Name: "models", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "model-store", ReadOnly: true}}}
	dcd.Spec.PodTemplate.Spec.Volumes = []corev1.Volume{models}
	_, tmpl := buildBeta(t, dcd)
	main := mainOf(t, tmpl.Spec)
	wantSlice(t, "mounts", mountPaths(main), []string{"/models", "/scratch", "/dev/shm"})
	wantEqual(t, "models mount readOnly", main.VolumeMounts[0].ReadOnly, true)
	wantEqual(t, "volumes", len(tmpl.Spec.Volumes), 3)
	if !deepEqual(tmpl.Spec.Volumes[0], models) {
		t.Errorf("volume %+v, want the template's %+v", tmpl.Spec.Volumes[0], models)
	}
	wantPVC(t, tmpl.Spec, main, "scratch", "/scratch")

	t.Run("mount without a path", func(t *testing.T) {
		d := dcd.DeepCopy()
		d.Spec.PodTemplate.Spec.Containers[0].VolumeMounts[1].MountPath = ""
		_, err := workload.Build(d, workload.Options{})
		wantFieldError(t, err, "spec.podTemplate.spec.containers[main].volumeMounts[1].mountPath", "required")
	})
	t.Run("duplicate volumes", func(t *testing.T) {
		d := dcd.DeepCopy()
		d.Spec.PodTemplate.Spec.Volumes = append(d.Spec.PodTemplate.Spec.Volumes, models)
		_, err := workload.Build(d, workload.Options{})
		wantFieldError(t, err, "spec.podTemplate.spec.volumes[1].name", "duplicate volume name")
	})
	t.Run("a claim name that cannot name a volume", func(t *testing.T) {
		d := dcd.DeepCopy()
		d.Spec.PodTemplate.Spec.Containers[0].VolumeMounts[1].Name = "Scratch_Space"
		_, err := workload.Build(d, workload.Options{})
		wantFieldError(t, err, "spec.podTemplate.spec.containers[main].volumeMounts[1].name", "cannot name a volume")
	})
}

// mountPaths returns the paths a container mounts, in order.
func mountPaths(c corev1.Container) []string {
	var paths []string
	for _, m := range c.VolumeMounts {
		paths = append(paths, m.MountPath)
	}
	return paths
}

// TestBuildV1beta1Probes checks the main container's probes: the user's replace the defaults
// whole, one without handler takes the default's handler, and one without handler nor default
// is refused.
func TestBuildV1beta1Probes(t *testing.T) {
	mc := vllmMain()
	mc.LivenessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(9090)}},
		PeriodSeconds: 30,
	}
	mc.ReadinessProbe = &corev1.Probe{InitialDelaySeconds: 120}
	_, tmpl := buildBeta(t, betaDCD("w", nvidiav1beta1.ComponentTypeWorker, mc))
	main := mainOf(t, tmpl.Spec)
	if !deepEqual(main.LivenessProbe, mc.LivenessProbe) {
		t.Errorf("liveness = %+v, want the user's %+v", main.LivenessProbe, mc.LivenessProbe)
	}
	wantHTTPProbe(t, "readiness", main.ReadinessProbe, "/health", "system")
	wantEqual(t, "readiness initialDelaySeconds (user's)", main.ReadinessProbe.InitialDelaySeconds, int32(120))
	wantEqual(t, "readiness periodSeconds (default's)", main.ReadinessProbe.PeriodSeconds, int32(10))
	wantHTTPProbe(t, "startup (default)", main.StartupProbe, "/live", "system")

	planner := vllmMain()
	planner.Command, planner.Args = []string{"python3", "-m", "dynamo.planner"}, nil
	planner.StartupProbe = &corev1.Probe{FailureThreshold: 10}
	_, tmpl = buildBeta(t, betaDCD("p", nvidiav1beta1.ComponentTypePlanner, planner))
	main = mainOf(t, tmpl.Spec)
	wantHTTPProbe(t, "planner startup (default's handler)", main.StartupProbe, "/live", "system")
	wantEqual(t, "planner startup failureThreshold (user's)", main.StartupProbe.FailureThreshold, int32(10))
}

// TestBuildV1beta1Types checks the labels and variables of the component types: a disaggregated
// worker written in v1beta1 is labelled with its type; one converted from v1alpha1 keeps its
// v1alpha1 labels (worker, sub-component type prefill).
func TestBuildV1beta1Types(t *testing.T) {
	_, tmpl := buildBeta(t, betaDCD("p", nvidiav1beta1.ComponentTypePrefill, vllmMain()))
	wantLabels(t, tmpl.Labels, map[string]string{"nvidia.com/dynamo-component-type": "prefill"})
	if v, ok := tmpl.Labels["nvidia.com/dynamo-sub-component-type"]; ok {
		t.Errorf("sub-component-type label %q on a v1beta1 prefill component", v)
	}
	main := mainOf(t, tmpl.Spec)
	wantEnv(t, main, map[string]string{"DYN_COMPONENT": "prefill", "DYN_SYSTEM_ENABLED": "true"})
	wantPorts(t, main, map[string]int32{"system": 9090, "nixl": 19090})
	wantHTTPProbe(t, "startup", main.StartupProbe, "/live", "system")

	res, err := buildAlpha(t, exampleDCD(t, "vllm-disagg", "VllmPrefillWorker"), workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	alphaTmpl := res.Deployment.Spec.Template
	wantLabels(t, alphaTmpl.Labels, map[string]string{
		"nvidia.com/dynamo-component-type": "worker", "nvidia.com/dynamo-sub-component-type": "prefill",
	})
	wantEnv(t, mainOf(t, alphaTmpl.Spec), map[string]string{"DYN_COMPONENT": "worker"})
}

// TestBuildV1beta1Metadata checks the pod template's metadata: its labels and annotations reach
// the pods, its annotations the Deployment, and Dynamo's annotations are read from it.
func TestBuildV1beta1Metadata(t *testing.T) {
	dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, vllmMain())
	dcd.Spec.PodTemplate.Labels = map[string]string{"team": "a", "nvidia.com/selector": "hijack"}
	dcd.Spec.PodTemplate.Annotations = map[string]string{
		"nvidia.com/deployment-strategy": "Recreate", "nvidia.com/enable-metrics": "false", "prometheus.io/scrape": "false",
	}
	res, tmpl := buildBeta(t, dcd)
	wantLabels(t, tmpl.Labels, map[string]string{"team": "a", "nvidia.com/selector": "w"})
	if _, ok := tmpl.Labels["nvidia.com/metrics-enabled"]; ok {
		t.Error("metrics-enabled label set with enable-metrics=false")
	}
	wantMap(t, "pod annotations", tmpl.Annotations, dcd.Spec.PodTemplate.Annotations)
	wantMap(t, "Deployment annotations", res.Deployment.Annotations, dcd.Spec.PodTemplate.Annotations)
	wantEqual(t, "strategy", string(res.Deployment.Spec.Strategy.Type), "Recreate")

	dcd.Spec.PodTemplate.Annotations = map[string]string{"nvidia.com/deployment-strategy": "Sometimes"}
	res, _ = buildBeta(t, dcd)
	wantNote(t, res, "spec.podTemplate.metadata.annotations[nvidia.com/deployment-strategy]: unknown strategy")

	dcd.Spec.PodTemplate.Labels = map[string]string{"team": "a b"}
	_, err := workload.Build(dcd, workload.Options{})
	wantFieldError(t, err, "spec.podTemplate.metadata.labels[team]", "invalid label value")
}

// TestBuildV1beta1Notes checks the v1beta1 fields the agent does not honour.
func TestBuildV1beta1Notes(t *testing.T) {
	dcd := betaDCD("w", nvidiav1beta1.ComponentTypeWorker, vllmMain(), corev1.Container{Name: "runtime", Image: betaImage})
	dcd.Spec.DynamoSidecar = ptrTo("runtime")
	res, _ := buildBeta(t, dcd)
	wantNote(t, res, "spec.dynamoSidecar: ")
}

// TestBuildV1beta1Resources checks the main container's resources.
func TestBuildV1beta1Resources(t *testing.T) {
	tests := []struct {
		name      string
		resources corev1.ResourceRequirements
		wantField string
		wantIn    string
	}{
		{
			name:      "fractional GPUs",
			resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1.5")}},
			wantField: "spec.podTemplate.spec.containers[main].resources.limits[nvidia.com/gpu]", wantIn: "whole number",
		},
		{
			name:      "negative memory",
			resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("-1Gi")}},
			wantField: "spec.podTemplate.spec.containers[main].resources.requests[memory]", wantIn: "negative",
		},
		{
			name: "GPU request differing from its limit",
			resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("2")},
				Limits:   corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")},
			},
			wantField: "spec.podTemplate.spec.containers[main].resources.requests[nvidia.com/gpu]", wantIn: "must equal its limit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mc := vllmMain()
			mc.Resources = tt.resources
			_, err := workload.Build(betaDCD("w", nvidiav1beta1.ComponentTypeWorker, mc), workload.Options{})
			wantFieldError(t, err, tt.wantField, tt.wantIn)
		})
	}
	t.Run("GPU request alone gets its limit", func(t *testing.T) {
		mc := vllmMain()
		mc.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{
			"nvidia.com/gpu": resource.MustParse("2"), corev1.ResourceCPU: resource.MustParse("4"),
		}}
		_, tmpl := buildBeta(t, betaDCD("w", nvidiav1beta1.ComponentTypeWorker, mc))
		main := mainOf(t, tmpl.Spec)
		wantGPU(t, main, "nvidia.com/gpu", "2")
		if _, ok := main.Resources.Limits[corev1.ResourceCPU]; ok {
			t.Error("cpu limit copied from its request: only extended resources are")
		}
	})
}

// TestBuildV1alpha1ErrorNamesBothFields checks that an error on a DCD converted from v1alpha1
// names the v1beta1 field and the v1alpha1 one it came from.
func TestBuildV1alpha1ErrorNamesBothFields(t *testing.T) {
	_, err := buildAlpha(t, exampleDCD(t, "upstream-shapes", "Minimal"), workload.Options{})
	wantFieldError(t, err, "spec.podTemplate.spec.containers[main].image", "(v1alpha1: spec.extraPodSpec.mainContainer.image)")
	wantEqual(t, "V1alpha1Field", fieldErrorOf(t, err).V1alpha1Field, "spec.extraPodSpec.mainContainer.image")

	dcd := exampleDCD(t, "vllm-agg", "VllmDecodeWorker")
	dcd.Spec.Resources.Limits.GPU = "1.5"
	_, err = buildAlpha(t, dcd, workload.Options{})
	wantFieldError(t, err, "spec.podTemplate.spec.containers[main].resources.limits[nvidia.com/gpu]", "whole number")
	wantEqual(t, "V1alpha1Field", fieldErrorOf(t, err).V1alpha1Field, "spec.resources or spec.extraPodSpec.mainContainer.resources")
}

// TestBuildV1beta1MatchesV1alpha1 checks that one worker written in either version builds the
// same objects.
func TestBuildV1beta1MatchesV1alpha1(t *testing.T) {
	alpha, err := buildAlpha(t, testenv.GPUWorkerDCD(testNamespace, "w", "g"), workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	beta, err := workload.Build(testenv.GPUWorkerDCDV1beta1(testNamespace, "w", "g"), workload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustMarshal(t, beta.Objects()), mustMarshal(t, alpha.Objects()); got != want {
		t.Errorf("v1beta1 objects differ from the v1alpha1 ones:\n%s\n%s", got, want)
	}
}

// betaExampleDCDs returns the DCD of every component of every v1beta1 example graph of
// examples/v1beta1 (upstream's own), by name: the component with the graph's backendFramework,
// its env merged into main's (main's winning), and Dynamo's labels.
func betaExampleDCDs(t *testing.T) map[string]*nvidiav1beta1.DynamoComponentDeployment {
	t.Helper()
	docs, err := manifests.ReadDir(filepath.Join("..", "..", "examples", "v1beta1"))
	if err != nil {
		t.Fatal(err)
	}
	dcds := map[string]*nvidiav1beta1.DynamoComponentDeployment{}
	for _, doc := range docs {
		if doc.Object.GetKind() != "DynamoGraphDeployment" {
			continue
		}
		dgd := &nvidiav1beta1.DynamoGraphDeployment{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object.Object, dgd); err != nil {
			t.Fatal(err)
		}
		for _, c := range dgd.Spec.Components {
			labels := maps.Clone(dgd.Spec.Labels)
			if labels == nil {
				labels = map[string]string{}
			}
			labels[nvidiav1beta1.LabelComponent] = c.ComponentName
			labels[nvidiav1beta1.LabelDynamoNamespace] = "dynamo-" + dgd.Name
			labels[nvidiav1beta1.LabelGraphName] = dgd.Name
			dcd := &nvidiav1beta1.DynamoComponentDeployment{
				ObjectMeta: metav1.ObjectMeta{Name: dgd.Name + "-" + strings.ToLower(c.ComponentName), Namespace: testNamespace, Labels: labels},
				Spec: nvidiav1beta1.DynamoComponentDeploymentSpec{
					BackendFramework:                    dgd.Spec.BackendFramework,
					DynamoComponentDeploymentSharedSpec: *c.DeepCopy(),
				},
			}
			if pt := dcd.Spec.PodTemplate; pt != nil && len(dgd.Spec.Env) > 0 {
				for i := range pt.Spec.Containers {
					if pt.Spec.Containers[i].Name == "main" {
						pt.Spec.Containers[i].Env = dynamo.MergeEnvs(dgd.Spec.Env, pt.Spec.Containers[i].Env)
					}
				}
			}
			dcds[dcd.Name] = dcd
		}
	}
	if len(dcds) < 30 {
		t.Fatalf("found %d components in examples/v1beta1, want at least 30", len(dcds))
	}
	return dcds
}

// TestBuildV1beta1Examples builds every component of upstream's v1beta1 examples: each must build
// into valid objects, and a few are checked closely.
func TestBuildV1beta1Examples(t *testing.T) {
	dcds := betaExampleDCDs(t)
	for _, name := range slices.Sorted(maps.Keys(dcds)) {
		dcd := dcds[name]
		t.Run(name, func(t *testing.T) {
			before := dcd.DeepCopy()
			res, err := workload.Build(dcd, workload.Options{})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if !deepEqual(before, dcd) {
				t.Error("Build changed its input")
			}
			again, err := workload.Build(dcd.DeepCopy(), workload.Options{})
			if err != nil || mustMarshal(t, again.Objects()) != mustMarshal(t, res.Objects()) {
				t.Errorf("a second build differs (%v)", err)
			}
			for _, obj := range res.Objects() {
				checkName(t, obj.GetName(), obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName())
				checkLabels(t, obj.GetName()+" labels", obj.GetLabels())
			}
			if d := res.Deployment; d != nil {
				checkPodSpec(t, "Deployment "+d.Name, d.Spec.Template.Spec)
			}
			for _, s := range res.StatefulSets {
				checkPodSpec(t, "StatefulSet "+s.Name, s.Spec.Template.Spec)
			}
		})
	}

	t.Run("vllm-disagg prefill worker", func(t *testing.T) {
		res, tmpl := buildBeta(t, dcds["vllm-disagg-vllmprefillworker"])
		main := mainOf(t, tmpl.Spec)
		wantLabels(t, tmpl.Labels, map[string]string{
			"nvidia.com/dynamo-component-type": "prefill", "nvidia.com/dynamo-graph-deployment-name": "vllm-disagg",
		})
		wantEnv(t, main, map[string]string{"DYN_COMPONENT": "prefill", "DYN_NAMESPACE": "dynamo-vllm-disagg"})
		wantGPU(t, main, "nvidia.com/gpu", "1")
		wantQuantity(t, "ephemeral-storage request", main.Resources.Requests, corev1.ResourceEphemeralStorage, "2Gi")
		wantSecretEnvFrom(t, main, "hf-token-secret")
		wantEqual(t, "workingDir", main.WorkingDir, "/workspace/examples/backends/vllm")
		wantShm(t, tmpl.Spec, main, "8Gi")
		wantHTTPProbe(t, "startup", main.StartupProbe, "/live", "system")
		if len(res.Services) != 0 {
			t.Errorf("prefill worker got Services %v", res.Names(workload.KindService))
		}
	})
	t.Run("vllm-disagg frontend", func(t *testing.T) {
		res, tmpl := buildBeta(t, dcds["vllm-disagg-frontend"])
		main := mainOf(t, tmpl.Spec)
		wantSlice(t, "command", main.Command, []string{"python3"})
		wantSlice(t, "args", main.Args, []string{"-m", "dynamo.frontend"})
		wantPorts(t, main, map[string]int32{"http": 8000})
		wantSlice(t, "Services", res.Names(workload.KindService), []string{"vllm-disagg-frontend"})
	})
	t.Run("trtllm multinode worker with a claim volume", func(t *testing.T) {
		res, err := workload.Build(dcds["trtllm-disagg-tp8-decode"], workload.Options{})
		if err != nil {
			t.Fatal(err)
		}
		wantSlice(t, "StatefulSets", res.Names(workload.KindStatefulSet), []string{"trtllm-disagg-tp8-decode-0", "trtllm-disagg-tp8-decode-0-0"})
		wantEqual(t, "SSHKeySecret", res.SSHKeySecret, "mpi-run-ssh-secret")
		for _, sts := range res.StatefulSets {
			spec := sts.Spec.Template.Spec
			main := mainOf(t, spec)
			wantPVC(t, spec, main, "models", "/models")
			wantMount(t, main, "nvidia-config", "/workspace/")
			wantMount(t, main, "mpi-run-ssh-secret", "/ssh-pk")
			wantEnv(t, main, map[string]string{"HF_HOME": "/models", "NODE_COUNT": "2"})
			wantGPU(t, main, "nvidia.com/gpu", "4")
		}
		leader := mainOf(t, res.StatefulSets[0].Spec.Template.Spec)
		if !strings.Contains(leader.Args[0], "mpirun") || !strings.Contains(leader.Args[0], "-n 8 ") {
			t.Errorf("leader args = %q, want mpirun over 8 ranks", leader.Args)
		}
		if len(res.Notes) != 0 {
			t.Errorf("notes = %q, want none", res.Notes)
		}
	})
}

// TestBuildV1beta1SecurityContext checks Dynamo's default pod securityContext (fsGroup 1000, as
// upstream's applyDefaultSecurityContext in deploy/operator/internal/dynamo/graph.go), and that a
// securityContext the pod template gives, even an empty one, is kept whole.
func TestBuildV1beta1SecurityContext(t *testing.T) {
	_, tmpl := buildBeta(t, betaDCD("sc", nvidiav1beta1.ComponentTypeWorker, vllmMain()))
	if sc := tmpl.Spec.SecurityContext; sc == nil || sc.FSGroup == nil || *sc.FSGroup != workload.DefaultFSGroup || sc.RunAsUser != nil {
		t.Errorf("securityContext = %+v, want fsGroup %d only", sc, workload.DefaultFSGroup)
	}
	for name, given := range map[string]*corev1.PodSecurityContext{
		"empty":     {},
		"run as 42": {RunAsUser: ptrTo(int64(42))},
	} {
		dcd := betaDCD("sc", nvidiav1beta1.ComponentTypeWorker, vllmMain())
		dcd.Spec.PodTemplate.Spec.SecurityContext = given
		_, tmpl := buildBeta(t, dcd)
		if !deepEqual(tmpl.Spec.SecurityContext, given) {
			t.Errorf("%s: securityContext = %+v, want the template's %+v", name, tmpl.Spec.SecurityContext, given)
		}
	}
}
