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
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// The resources the bench creates and watches. Graphs are created in v1alpha1, as most of
// Dynamo's examples are, and read in v1beta1, the storage version, so that the bench's own
// watches cost no conversion in the hub's webhook.
var (
	graphsV1alpha1 = schema.GroupVersionResource{Group: "nvidia.com", Version: "v1alpha1", Resource: "dynamographdeployments"}
	graphs         = schema.GroupVersionResource{Group: "nvidia.com", Version: "v1beta1", Resource: "dynamographdeployments"}
	components     = schema.GroupVersionResource{Group: "nvidia.com", Version: "v1beta1", Resource: "dynamocomponentdeployments"}
	deployments    = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	services       = schema.GroupVersionResource{Version: "v1", Resource: "services"}
)

// Names of the template run, replaced in its copies.
const (
	templateNamespace = "bench-template"
	templateName      = "bench-tmpl"
)

// graphYAML is the bench's graph: a frontend and a vLLM decode worker with one GPU, as in the
// Dynamo examples, tolerating the KWOK nodes' taint.
const graphYAML = `
apiVersion: nvidia.com/v1alpha1
kind: DynamoGraphDeployment
metadata:
  name: %s
  namespace: %s
spec:
  backendFramework: vllm
  services:
    Frontend:
      componentType: frontend
      replicas: 1
      extraPodSpec:
        tolerations: [%s]
        mainContainer:
          image: nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1
    VllmDecodeWorker:
      componentType: worker
      replicas: 1
      resources:
        limits:
          gpu: "1"
      extraPodSpec:
        tolerations: [%s]
        mainContainer:
          image: nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1
          command: [python3, -m, dynamo.vllm]
          args: [--model, Qwen/Qwen3-0.6B]
`

// newGraph returns the bench's graph namespace/name.
func newGraph(namespace, name string) (*unstructured.Unstructured, error) {
	tol, err := json.Marshal(testenv.KwokToleration())
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	return u, yaml.Unmarshal([]byte(fmt.Sprintf(graphYAML, name, namespace, tol, tol)), &u.Object)
}

// template is what the hub and the agent built for one graph: the member's DCDs, Deployments
// and Services, stripped of what the API server assigns.
type template struct {
	components, deployments, services []*unstructured.Unstructured
}

// captureTemplate runs one graph through the hub, copies what it became on the member and
// deletes it.
func (f *benchFleet) captureTemplate(ctx context.Context, timeout time.Duration) (*template, error) {
	if err := ensureNamespace(ctx, f.hubDynamic, templateNamespace); err != nil {
		return nil, err
	}
	dgd, err := newGraph(templateNamespace, templateName)
	if err != nil {
		return nil, err
	}
	if _, err := f.hubDynamic.Resource(graphsV1alpha1).Namespace(templateNamespace).Create(ctx, dgd, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("creating the template graph: %w", err)
	}
	if err := poll(ctx, timeout, func() (bool, error) {
		got, err := f.hubDynamic.Resource(graphs).Namespace(templateNamespace).Get(ctx, templateName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		state, _, _ := unstructured.NestedString(got.Object, "status", "state")
		return state == "successful", nil
	}); err != nil {
		return nil, fmt.Errorf("the template graph did not become successful: %w", err)
	}
	// Where the hub put the copy: the DCDs naming the graph's records.
	all, err := f.memberDynamic.Resource(components).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	t := &template{}
	memberNamespace := ""
	for i := range all.Items {
		dcd := &all.Items[i]
		if strings.HasPrefix(dcd.GetAnnotations()[flotillav1alpha1.AnnotationHubRecord], templateNamespace+"/") {
			memberNamespace = dcd.GetNamespace()
			t.components = append(t.components, sanitize(dcd))
		}
	}
	if memberNamespace == "" {
		return nil, fmt.Errorf("no DCD of the template graph on member %s", memberName)
	}
	for _, r := range []struct {
		gvr  schema.GroupVersionResource
		into *[]*unstructured.Unstructured
	}{{deployments, &t.deployments}, {services, &t.services}} {
		list, err := f.memberDynamic.Resource(r.gvr).Namespace(memberNamespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			*r.into = append(*r.into, sanitize(&list.Items[i]))
		}
	}
	if len(t.deployments) == 0 {
		return nil, fmt.Errorf("no Deployment of the template graph in namespace %s of member %s", memberNamespace, memberName)
	}
	if err := f.hubDynamic.Resource(graphs).Namespace(templateNamespace).Delete(ctx, templateName, metav1.DeleteOptions{}); err != nil {
		return nil, err
	}
	return t, poll(ctx, timeout, func() (bool, error) {
		list, err := f.memberDynamic.Resource(deployments).Namespace(memberNamespace).List(ctx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 0, err
	})
}

// sanitize returns a copy of o fit to be created again elsewhere: without what the API server
// assigns (identity, status, owners, a Service's cluster IPs), nor Flotilla's hub labels and
// annotations (a DCD created directly belongs to no graph on the hub).
func sanitize(o *unstructured.Unstructured) *unstructured.Unstructured {
	c := o.DeepCopy()
	unstructured.RemoveNestedField(c.Object, "status")
	unstructured.RemoveNestedField(c.Object, "spec", "clusterIP")
	unstructured.RemoveNestedField(c.Object, "spec", "clusterIPs")
	c.SetUID("")
	c.SetResourceVersion("")
	c.SetGeneration(0)
	c.SetCreationTimestamp(metav1.Time{})
	c.SetManagedFields(nil)
	c.SetOwnerReferences(nil)
	c.SetFinalizers(nil)
	strip := func(m map[string]string) map[string]string {
		for k := range m {
			if strings.HasPrefix(k, "flotilla.dev/") || k == "deployment.kubernetes.io/revision" {
				delete(m, k)
			}
		}
		return m
	}
	c.SetLabels(strip(c.GetLabels()))
	c.SetAnnotations(strip(c.GetAnnotations()))
	return c
}

// copyFor returns o renamed for graph name in namespace ns: every mention of the template's
// graph and namespace replaced.
func copyFor(o *unstructured.Unstructured, ns, name string) (*unstructured.Unstructured, error) {
	b, err := json.Marshal(o.Object)
	if err != nil {
		return nil, err
	}
	s := strings.ReplaceAll(string(b), templateName, name)
	s = strings.ReplaceAll(s, templateNamespace, ns)
	out := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(s), &out.Object); err != nil {
		return nil, err
	}
	out.SetNamespace(ns)
	return out, nil
}

// ensureNamespace creates namespace ns unless it exists.
func ensureNamespace(ctx context.Context, c dynamic.Interface, ns string) error {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("Namespace")
	u.SetName(ns)
	_, err := c.Resource(corev1.SchemeGroupVersion.WithResource("namespaces")).Create(ctx, u, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// poll calls cond every 100 ms until it is true, fails, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("%w (last error: %w)", ctx.Err(), last)
			}
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
