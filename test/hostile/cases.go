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

package hostile

import (
	"fmt"
	"strings"
)

// Namespace is the hub namespace of the corpus' graphs, but those about system namespaces.
const Namespace = "hostile"

// image is the runtime image of every component.
const image = "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1"

// versions are the API versions every class is written in.
var versions = []string{"v1alpha1", "v1beta1"}

// obj is a JSON object under construction.
type obj = map[string]any

// graph is a valid two-component graph (a frontend and a one-GPU vLLM worker) in version,
// built as plain JSON so that cases can break it in any way.
func graph(version, ns, name string) obj {
	g := obj{
		"apiVersion": "nvidia.com/" + version,
		"kind":       "DynamoGraphDeployment",
		"metadata":   obj{"name": name, "namespace": ns},
	}
	if version == "v1alpha1" {
		g["spec"] = obj{"backendFramework": "vllm", "services": obj{
			"Frontend":         alphaService("frontend", ""),
			"VllmDecodeWorker": alphaService("worker", "1"),
		}}
		return g
	}
	g["spec"] = obj{"backendFramework": "vllm", "components": []any{
		betaComponent("Frontend", "frontend", ""),
		betaComponent("VllmDecodeWorker", "worker", "1"),
	}}
	return g
}

// kwokToleration lets placed cases' pods run on the test fleets' fake GPU nodes (KWOK taints
// them); harmless elsewhere.
func kwokToleration() []any {
	return []any{obj{"key": "kwok.x-k8s.io/node", "operator": "Equal", "value": "fake", "effect": "NoSchedule"}}
}

func alphaService(componentType, gpus string) obj {
	s := obj{"componentType": componentType, "replicas": 1, "extraPodSpec": obj{
		"mainContainer": obj{"image": image},
		"tolerations":   kwokToleration(),
	}}
	if gpus != "" {
		s["resources"] = obj{"limits": obj{"gpu": gpus}}
	}
	return s
}

func betaComponent(name, componentType, gpus string) obj {
	main := obj{"name": "main", "image": image}
	if gpus != "" {
		main["resources"] = obj{"limits": obj{"nvidia.com/gpu": gpus}}
	}
	return obj{"name": name, "type": componentType, "replicas": 1, "podTemplate": obj{"spec": obj{
		"containers": []any{main}, "tolerations": kwokToleration(),
	}}}
}

// worker returns the worker component of g: its v1alpha1 service or v1beta1 component.
func worker(g obj) obj { return component(g, "VllmDecodeWorker") }

// component returns the component name of g.
func component(g obj, name string) obj {
	spec := g["spec"].(obj)
	if services, ok := spec["services"].(obj); ok {
		return services[name].(obj)
	}
	for _, c := range spec["components"].([]any) {
		if c.(obj)["name"] == name {
			return c.(obj)
		}
	}
	panic("no component " + name)
}

// podSpec returns the pod spec of a component of g: v1alpha1's extraPodSpec (the pod spec's
// fields inline), v1beta1's podTemplate.spec.
func podSpec(g obj, name string) obj {
	c := component(g, name)
	if g["apiVersion"] == "nvidia.com/v1alpha1" {
		return c["extraPodSpec"].(obj)
	}
	return c["podTemplate"].(obj)["spec"].(obj)
}

// mainContainer returns the main container of the worker of g.
func mainContainer(g obj) obj {
	c := worker(g)
	if g["apiVersion"] == "nvidia.com/v1alpha1" {
		return c["extraPodSpec"].(obj)["mainContainer"].(obj)
	}
	return c["podTemplate"].(obj)["spec"].(obj)["containers"].([]any)[0].(obj)
}

// setGPUs sets the worker's GPU limit (any JSON value).
func setGPUs(g obj, v any) {
	if g["apiVersion"] == "nvidia.com/v1alpha1" {
		worker(g)["resources"] = obj{"limits": obj{"gpu": v}}
		return
	}
	mainContainer(g)["resources"] = obj{"limits": obj{"nvidia.com/gpu": v}}
}

// builder collects the cases of one class.
type builder struct {
	class string
	cases []Case
	seen  map[string]bool
}

// add adds a case named <class>-<name>-<version> whose graph mutate changes; the graph is named
// after the case unless mutate renames it.
func (b *builder) add(name, version string, expect Outcome, message string, mutate func(g obj)) {
	caseName := fmt.Sprintf("%s-%s-%s", b.class, name, strings.TrimPrefix(version, "v1"))
	if b.seen[caseName] {
		panic("duplicate case " + caseName)
	}
	b.seen[caseName] = true
	g := graph(version, Namespace, caseName)
	if mutate != nil {
		mutate(g)
	}
	meta := g["metadata"].(obj)
	ns, _ := meta["namespace"].(string)
	b.cases = append(b.cases, Case{Name: caseName, Class: b.class, Version: version, Namespace: ns, Expect: expect,
		Message: message, Body: body(g)})
}

// addRaw adds a case whose body is written by hand (duplicate keys, JSON that is no object),
// which the API server must refuse with message.
func (b *builder) addRaw(name, version, message, raw string) {
	caseName := fmt.Sprintf("%s-%s-%s", b.class, name, strings.TrimPrefix(version, "v1"))
	b.seen[caseName] = true
	b.cases = append(b.cases, Case{Name: caseName, Class: b.class, Version: version, Namespace: Namespace, Expect: Admission,
		Message: message, Body: strings.ReplaceAll(raw, "NAME", caseName)})
}

// Cases returns the whole corpus, class by class.
func Cases() []Case {
	var out []Case
	for _, class := range []struct {
		name  string
		build func(b *builder)
	}{
		{"names", names},
		{"components", components},
		{"labels", labels},
		{"huge", huge},
		{"types", types},
		{"gpus", gpus},
		{"products", products},
		{"pods", pods},
		{"namespaces", namespaces},
		{"duplicates", duplicates},
		{"features", features},
	} {
		b := &builder{class: class.name, seen: map[string]bool{}}
		class.build(b)
		out = append(out, b.cases...)
	}
	return out
}

// shortComponents renames the components of g to F and W.
func shortComponents(g obj) {
	spec := g["spec"].(obj)
	if services, ok := spec["services"].(obj); ok {
		spec["services"] = obj{"F": services["Frontend"], "W": services["VllmDecodeWorker"]}
		return
	}
	for _, c := range spec["components"].([]any) {
		c.(obj)["name"] = c.(obj)["name"].(string)[:1]
	}
	spec["components"].([]any)[1].(obj)["name"] = "W"
}

func rename(name string) func(obj) {
	return func(g obj) { g["metadata"].(obj)["name"] = name }
}

// names: graph names at and over every limit Dynamo's naming gives them.
func names(b *builder) {
	for _, v := range versions {
		// sized is a name of n characters, distinct per version.
		// sized is a name of n characters, distinct per version, with one-letter components: the
		// CRD refuses a graph name and component name over 62 characters together, so the
		// Dynamo namespace label (dynamo-<graph>, at most 63) is the limit that binds here.
		sized := func(n int) func(obj) {
			prefix := fmt.Sprintf("n%d-%s-", n, v)
			return func(g obj) {
				rename(prefix + strings.Repeat("x", n-len(prefix)))(g)
				shortComponents(g)
			}
		}
		b.add("56", v, Placed, "", sized(56))
		for _, n := range []int{57, 60, 61, 62, 63, 64, 253} {
			b.add(fmt.Sprint(n), v, Admission, "metadata.name", sized(n))
		}
		b.add("254", v, Admission, "metadata.name", sized(254))
		b.add("uppercase", v, Admission, "metadata.name", rename("Graph-"+v))
		b.add("underscore", v, Admission, "metadata.name", rename("graph_"+v))
		b.add("dots", v, Admission, "", rename("graph.with.dots."+v))
		b.add("digit-first", v, Admission, "DNS-1035", rename("1graph-"+v))
		b.add("empty", v, Admission, "name", rename(""))
		b.add("generate-name-only", v, Admission, "", func(g obj) {
			meta := g["metadata"].(obj)
			delete(meta, "name")
			meta["generateName"] = strings.Repeat("g", 70)
		})
	}
}

// components: component names at and over the limits, and malformed.
func components(b *builder) {
	for _, v := range versions {
		renameWorker := func(to string) func(obj) {
			return func(g obj) {
				spec := g["spec"].(obj)
				if services, ok := spec["services"].(obj); ok {
					services[to] = services["VllmDecodeWorker"]
					delete(services, "VllmDecodeWorker")
					return
				}
				worker(g)["name"] = to
			}
		}
		long := func(n int) string { return "W" + strings.Repeat("w", n-1) }
		// <graph>-<component> is a DCD name and a label value: 63 at most. The graph name is
		// the case name (components-<what>-<version>).
		b.add("dcd-name-over-63", v, Admission, "at most 62 characters", renameWorker(long(60)))
		b.add("empty-name", v, Admission, "", renameWorker(""))
		b.add("underscore", v, Admission, "", renameWorker("vllm_worker"))
		b.add("dot", v, Admission, "", renameWorker("vllm.worker"))
		b.add("slash", v, Admission, "", renameWorker("vllm/worker"))
		b.add("space", v, Admission, "", renameWorker("vllm worker"))
		b.add("unicode", v, Admission, "", renameWorker("wörker"))
		// <graph>-<component>-9-0 (the last replica's leader) plus StatefulSet's 11-character
		// hash suffix must fit a 63-character host name.
		b.add("multinode-host-over-63", v, Admission, "more than 63", func(g obj) {
			renameWorker(long(12))(g)
			c := component(g, long(12))
			c["replicas"] = 10
			c["multinode"] = obj{"nodeCount": 2}
		})
		b.add("unknown-type", v, Admission, "", func(g obj) {
			c := worker(g)
			if v == "v1alpha1" {
				c["componentType"] = "rootkit"
			} else {
				c["type"] = "rootkit"
			}
		})
		// v1alpha1 requires services; v1beta1 admits a graph of no component, as upstream.
		noComponents := Admission
		if v == "v1beta1" {
			noComponents = Placed
		}
		b.add("no-components", v, noComponents, "", func(g obj) {
			spec := g["spec"].(obj)
			delete(spec, "services")
			delete(spec, "components")
		})
	}
}

// labels: graph and pod labels and annotations, malformed, huge or aimed at the labels Dynamo
// and Flotilla select by.
func labels(b *builder) {
	for _, v := range versions {
		specLabels := func(kv obj) func(obj) {
			return func(g obj) { g["spec"].(obj)["labels"] = kv }
		}
		specAnnotations := func(kv obj) func(obj) {
			return func(g obj) { g["spec"].(obj)["annotations"] = kv }
		}
		podLabels := func(kv obj) func(obj) {
			return func(g obj) {
				c := worker(g)
				if v == "v1alpha1" {
					c["extraPodMetadata"] = obj{"labels": kv}
					return
				}
				c["podTemplate"].(obj)["metadata"] = obj{"labels": kv}
			}
		}
		b.add("value-with-space", v, Admission, "spec.labels: Invalid value", specLabels(obj{"team": "a b"}))
		b.add("value-64", v, Admission, "spec.labels: Invalid value", specLabels(obj{"team": strings.Repeat("v", 64)}))
		b.add("key-bad-prefix", v, Admission, "spec.labels: Invalid value", specLabels(obj{"-bad-/team": "a"}))
		b.add("key-empty", v, Admission, "spec.labels", specLabels(obj{"": "a"}))
		b.add("key-two-slashes", v, Admission, "spec.labels", specLabels(obj{"a/b/c": "a"}))
		b.add("annotation-key-bad", v, Admission, "spec.annotations: Invalid value", specAnnotations(obj{"-bad-": "x"}))
		b.add("annotations-300k", v, Admission, "spec.annotations", specAnnotations(obj{"big": repeat("a", 300*1024)}))
		b.add("pod-label-value-64", v, Admission, "labels: Invalid value", podLabels(obj{"app": strings.Repeat("x", 64)}))
		b.add("pod-label-key-bad", v, Admission, "labels: Invalid value", podLabels(obj{"bad key": "x"}))
		b.add("newline-injection", v, Admission, "spec.labels", specLabels(obj{"team": "a\nflotilla.dev/hub-record: true"}))
		// Labels aimed at what Dynamo and Flotilla select by: admitted, and the member objects
		// keep the selectors the builders set (checked by the suite on the placed copy).
		b.add("selector-hijack", v, Placed, "", specLabels(obj{"nvidia.com/selector": "someone-else"}))
		b.add("hub-record-hijack", v, Placed, "", specLabels(obj{"flotilla.dev/hub-record": "false", "flotilla.dev/cluster": "nowhere"}))
		b.add("1000-labels", v, Placed, "", specLabels(obj{members(1000): "x"}))
	}
}

// huge: oversized strings, lists and objects.
func huge(b *builder) {
	for _, v := range versions {
		b.add("request-over-3MiB", v, Admission, "", func(g obj) {
			mainContainer(g)["args"] = []any{repeat("a", 3<<20)}
		})
		b.add("env-1MiB", v, Admission, "", func(g obj) {
			mainContainer(g)["env"] = []any{obj{"name": "BIG", "value": repeat("e", 1<<20)}}
		})
		b.add("args-100k", v, Placed, "", func(g obj) {
			args := make([]any, 0, 2000)
			for range 2000 {
				args = append(args, "--flag=value")
			}
			mainContainer(g)["args"] = args
		})
		b.add("500-components", v, Admission, "", func(g obj) {
			spec := g["spec"].(obj)
			if v == "v1alpha1" {
				services := spec["services"].(obj)
				for i := range 500 {
					services[fmt.Sprintf("W%03d", i)] = alphaService("worker", "")
				}
				return
			}
			list := spec["components"].([]any)
			for i := range 500 {
				list = append(list, betaComponent(fmt.Sprintf("W%03d", i), "worker", ""))
			}
			spec["components"] = list
		})
		b.add("long-image", v, Placed, "", func(g obj) {
			mainContainer(g)["image"] = "registry.example.com/" + repeat("p", 4000) + ":1"
		})
		// Kubernetes puts no length limit on an environment variable's name.
		b.add("env-name-huge", v, Placed, "", func(g obj) {
			mainContainer(g)["env"] = []any{obj{"name": repeat("E", 10000), "value": "x"}}
		})
	}
}

// types: values of the wrong JSON type or out of range.
func types(b *builder) {
	for _, v := range versions {
		set := func(key string, val any) func(obj) {
			return func(g obj) { worker(g)[key] = val }
		}
		b.add("replicas-string", v, Admission, "replicas", set("replicas", "two"))
		b.add("replicas-negative", v, Admission, "replicas", set("replicas", -1))
		b.add("replicas-float", v, Admission, "replicas", set("replicas", 1.5))
		b.add("replicas-2^40", v, Admission, "replicas", set("replicas", int64(1)<<40))
		b.add("replicas-object", v, Admission, "replicas", set("replicas", obj{"n": 1}))
		b.add("replicas-bool", v, Admission, "replicas", set("replicas", true))
		b.add("multinode-string", v, Admission, "multinode", set("multinode", "yes"))
		b.add("nodecount-zero", v, Admission, "nodeCount", set("multinode", obj{"nodeCount": 0}))
		b.add("nodecount-negative", v, Admission, "nodeCount", set("multinode", obj{"nodeCount": -3}))
		b.add("spec-string", v, Admission, "spec", func(g obj) { g["spec"] = "graph" })
		b.add("spec-list", v, Admission, "spec", func(g obj) { g["spec"] = []any{1, 2} })
		b.add("metadata-labels-list", v, Admission, "", func(g obj) { g["metadata"].(obj)["labels"] = []any{"a"} })
		b.add("unknown-field", v, Admission, "unknown field", set("rootAccess", true))
		b.add("image-number", v, Admission, "image", func(g obj) { mainContainer(g)["image"] = 42 })
		b.add("env-map", v, Admission, "env", func(g obj) { mainContainer(g)["env"] = obj{"A": "b"} })
		b.add("placement-copies-negative", v, Admission, "spec.placement", func(g obj) {
			g["spec"].(obj)["placement"] = obj{"copies": -1}
		})
		b.add("placement-failover-after-not-a-duration", v, Admission, "failoverAfter", func(g obj) {
			g["spec"].(obj)["placement"] = obj{"failoverAfter": "soon"}
		})
		b.add("placement-failover-after-too-short", v, Admission, "failoverAfter must be between 5s and 24h", func(g obj) {
			g["spec"].(obj)["placement"] = obj{"failoverAfter": "1s"}
		})
		b.add("placement-selector-bad-operator", v, Admission, "spec.placement", func(g obj) {
			g["spec"].(obj)["placement"] = obj{"clusterSelector": obj{"matchExpressions": []any{obj{"key": "a", "operator": "Near", "values": []any{"b"}}}}}
		})
		b.add("services-list", v, Admission, "", func(g obj) {
			spec := g["spec"].(obj)
			if v == "v1alpha1" {
				spec["services"] = []any{alphaService("worker", "1")}
				return
			}
			spec["components"] = obj{"VllmDecodeWorker": betaComponent("VllmDecodeWorker", "worker", "1")}
		})
	}
}

// gpus: absurd or malformed GPU requests.
func gpus(b *builder) {
	for _, v := range versions {
		gpu := func(val any) func(obj) { return func(g obj) { setGPUs(g, val) } }
		b.add("half", v, Admission, "whole number of GPUs", gpu("500m"))
		b.add("one-and-a-half", v, Admission, "whole number of GPUs", gpu("1.5"))
		b.add("negative", v, Admission, "", gpu("-1"))
		b.add("not-a-quantity", v, Admission, "", gpu("lots"))
		b.add("hundred-thousand", v, Unschedulable, "", gpu("100000"))
		b.add("exabytes", v, Admission, "", gpu("8Ei"))
		b.add("nine-on-8-gpu-nodes", v, Unschedulable, "", gpu("9"))
		b.add("replicas-100000", v, Unschedulable, "", func(g obj) { worker(g)["replicas"] = 100000 })
		b.add("nodecount-1000", v, Unschedulable, "", func(g obj) {
			worker(g)["multinode"] = obj{"nodeCount": 1000}
		})
		b.add("zero", v, Placed, "", gpu("0"))
	}
}

// products: placement constraints nothing matches.
func products(b *builder) {
	for _, v := range versions {
		placement := func(p obj) func(obj) { return func(g obj) { g["spec"].(obj)["placement"] = p } }
		b.add("unknown-product", v, Unschedulable, "", placement(obj{"gpuProducts": []any{"NVIDIA-Z999"}}))
		b.add("product-empty-string", v, Admission, "", placement(obj{"gpuProducts": []any{""}}))
		b.add("selector-matches-nothing", v, Unschedulable, "", placement(obj{"clusterSelector": obj{"matchLabels": obj{"region": "mars"}}}))
		b.add("selector-bad-label", v, Admission, "spec.placement", placement(obj{"clusterSelector": obj{"matchLabels": obj{"bad key": "x"}}}))
		b.add("copies-1000", v, Admission, "", placement(obj{"copies": 1000}))
		b.add("unknown-runtime", v, Admission, "", placement(obj{"multinodeRuntimes": []any{"slurm"}}))
	}
}

// pods: pod settings a member's baseline policy forbids, and what it allows.
func pods(b *builder) {
	for _, v := range versions {
		pod := func(key string, val any) func(obj) {
			return func(g obj) { podSpec(g, "VllmDecodeWorker")[key] = val }
		}
		sc := func(val obj) func(obj) {
			return func(g obj) { mainContainer(g)["securityContext"] = val }
		}
		denied := "policy denies"
		b.add("privileged", v, Unschedulable, denied, sc(obj{"privileged": true}))
		b.add("cap-sys-admin", v, Unschedulable, denied, sc(obj{"capabilities": obj{"add": []any{"SYS_ADMIN"}}}))
		b.add("cap-net-admin", v, Unschedulable, denied, sc(obj{"capabilities": obj{"add": []any{"NET_ADMIN"}}}))
		b.add("cap-ipc-lock", v, Unschedulable, denied, sc(obj{"capabilities": obj{"add": []any{"IPC_LOCK"}}}))
		b.add("cap-sys-ptrace", v, Unschedulable, denied, sc(obj{"capabilities": obj{"add": []any{"SYS_PTRACE"}}}))
		b.add("cap-all", v, Unschedulable, denied, sc(obj{"capabilities": obj{"add": []any{"ALL"}}}))
		b.add("proc-mount-unmasked", v, Unschedulable, denied, sc(obj{"procMount": "Unmasked"}))
		b.add("seccomp-unconfined", v, Unschedulable, denied, sc(obj{"seccompProfile": obj{"type": "Unconfined"}}))
		b.add("host-network", v, Unschedulable, denied, pod("hostNetwork", true))
		b.add("host-pid", v, Unschedulable, denied, pod("hostPID", true))
		b.add("host-ipc", v, Unschedulable, denied, pod("hostIPC", true))
		b.add("host-path-etc", v, Unschedulable, denied, pod("volumes", []any{obj{"name": "etc", "hostPath": obj{"path": "/etc"}}}))
		b.add("host-path-root", v, Unschedulable, denied, pod("volumes", []any{obj{"name": "root", "hostPath": obj{"path": "/"}}}))
		b.add("host-path-docker-sock", v, Unschedulable, denied, pod("volumes", []any{obj{"name": "sock", "hostPath": obj{"path": "/var/run/docker.sock"}}}))
		b.add("unsafe-sysctl", v, Unschedulable, denied, pod("securityContext", obj{"sysctls": []any{obj{"name": "kernel.msgmax", "value": "1"}}}))
		b.add("host-port", v, Unschedulable, denied, func(g obj) {
			mainContainer(g)["ports"] = []any{obj{"containerPort": 80, "hostPort": 80}}
		})
		b.add("other-service-account", v, Unschedulable, denied, pod("serviceAccountName", "cluster-admin-sa"))
		b.add("privileged-init-container", v, Unschedulable, denied, pod("initContainers", []any{obj{"name": "init", "image": image,
			"securityContext": obj{"privileged": true}}}))
		b.add("privileged-sidecar", v, Unschedulable, denied, func(g obj) {
			ps := podSpec(g, "VllmDecodeWorker")
			if v == "v1alpha1" {
				ps["containers"] = []any{obj{"name": "sidecar", "image": image, "securityContext": obj{"privileged": true}}}
				return
			}
			ps["containers"] = append(ps["containers"].([]any), obj{"name": "sidecar", "image": image, "securityContext": obj{"privileged": true}})
		})
		b.add("apparmor-unconfined", v, Unschedulable, denied, sc(obj{"appArmorProfile": obj{"type": "Unconfined"}}))
		b.add("selinux-type", v, Unschedulable, denied, sc(obj{"seLinuxOptions": obj{"type": "spc_t"}}))
		// What baseline admits: root, the default capabilities, a Memory emptyDir.
		b.add("run-as-root", v, Placed, "", sc(obj{"runAsUser": 0}))
		b.add("cap-chown", v, Placed, "", sc(obj{"capabilities": obj{"add": []any{"CHOWN"}}}))
		b.add("shm-memory", v, Placed, "", pod("volumes", []any{obj{"name": "shm", "emptyDir": obj{"medium": "Memory", "sizeLimit": "8Gi"}}}))
	}
}

// namespaces: graphs in the hub's system namespaces. No cluster-mode member's policy lets them
// run there (placement says "policy denies"); a namespace-restricted member runs every graph in
// its own namespace, so where the fleet has one, they are placed there and nowhere else (the
// suite checks which member).
func namespaces(b *builder) {
	for _, v := range versions {
		for _, ns := range SystemNamespaces {
			b.add(ns, v, Placed, "", func(g obj) { g["metadata"].(obj)["namespace"] = ns })
		}
	}
}

// SystemNamespaces are the namespaces of class "namespaces": Kubernetes' own and Flotilla's.
var SystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", "flotilla-system"}

// duplicates: duplicate keys and names.
func duplicates(b *builder) {
	for _, v := range versions {
		g := graph(v, Namespace, "NAME")
		raw := body(g)
		// A duplicate key in the request body: refused with fieldValidation=Strict (kubectl's
		// default), never silently resolved.
		b.addRaw("duplicate-replicas-key", v, "duplicate field", strings.Replace(raw, `"replicas":1`, `"replicas":1,"replicas":100`, 1))
		b.addRaw("duplicate-spec-key", v, "duplicate field", strings.Replace(raw, `"spec":{`, `"spec":{"backendFramework":"sglang",`, 1))
		b.addRaw("duplicate-metadata-name", v, "duplicate field", strings.Replace(raw, `"metadata":{`, `"metadata":{"name":"other",`, 1))
		b.addRaw("not-json", v, "", `{"apiVersion":"nvidia.com/`+v+`","kind":"DynamoGraphDeployment","metadata":{"name":"NAME"`)
		b.addRaw("json-array", v, "", `[`+raw+`]`)
	}
	// Components whose names differ only in case would get one DCD name.
	b.add("case-twins", "v1alpha1", Admission, "only in case", func(g obj) {
		services := g["spec"].(obj)["services"].(obj)
		services["vllmdecodeworker"] = alphaService("worker", "1")
	})
	b.add("case-twins", "v1beta1", Admission, "", func(g obj) {
		spec := g["spec"].(obj)
		spec["components"] = append(spec["components"].([]any), betaComponent("vllmdecodeworker", "worker", "1"))
	})
	b.add("same-name-twice", "v1beta1", Admission, "", func(g obj) {
		spec := g["spec"].(obj)
		spec["components"] = append(spec["components"].([]any), betaComponent("VllmDecodeWorker", "worker", "2"))
	})
	b.add("different-dynamo-namespaces", "v1alpha1", Admission, "dynamoNamespace", func(g obj) {
		services := g["spec"].(obj)["services"].(obj)
		services["Frontend"].(obj)["dynamoNamespace"] = "a"
		services["VllmDecodeWorker"].(obj)["dynamoNamespace"] = "b"
	})
	b.add("dynamo-namespace-64", "v1alpha1", Admission, "dynamoNamespace", func(g obj) {
		for _, s := range g["spec"].(obj)["services"].(obj) {
			s.(obj)["dynamoNamespace"] = strings.Repeat("d", 64)
		}
	})
	b.add("dynamo-namespace-bad", "v1alpha1", Admission, "dynamoNamespace", func(g obj) {
		for _, s := range g["spec"].(obj)["services"].(obj) {
			s.(obj)["dynamoNamespace"] = "has space"
		}
	})
}

// features: what Flotilla cannot run as Dynamo would.
func features(b *builder) {
	for _, v := range versions {
		b.add("dra-claims", v, Admission, "Dynamic Resource Allocation", func(g obj) {
			ps := podSpec(g, "VllmDecodeWorker")
			ps["resourceClaims"] = []any{obj{"name": "gpus", "resourceClaimTemplateName": "gpus"}}
		})
	}
	b.add("gpu-memory-service", "v1beta1", Failed, "gpuMemoryService", func(g obj) {
		worker(g)["experimental"] = obj{"gpuMemoryService": obj{}}
	})
	b.add("gpu-memory-service", "v1alpha1", Failed, "gpuMemoryService", func(g obj) {
		worker(g)["gpuMemoryService"] = obj{"enabled": true}
	})
	b.add("checkpoint", "v1beta1", Failed, "checkpoint", func(g obj) {
		worker(g)["experimental"] = obj{"checkpoint": obj{"enabled": true}}
	})
	b.add("epp-on-frontend", "v1alpha1", Admission, "eppConfig", func(g obj) {
		component(g, "Frontend")["eppConfig"] = obj{"configMapRef": obj{"name": "epp", "key": "config.yaml"}}
	})
}
