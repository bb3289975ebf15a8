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
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// twoVersions is a CRD as controller-gen writes it for Dynamo's kinds: two served versions, an
// extraPodSpec requiring what upstream graphs leave out.
const twoVersions = `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.20.0
  name: widgets.nvidia.com
spec:
  group: nvidia.com
  names:
    kind: Widget
    listKind: WidgetList
    plural: widgets
    singular: widget
  scope: Namespaced
  versions:
  - name: v1alpha1
    deprecated: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          extraPodSpec:
            type: object
            required: [containers]
            properties:
              containers: {type: array, items: {type: object}}
              mainContainer:
                type: object
                required: [name]
                properties:
                  name: {type: string}
    served: true
    storage: false
  - name: v1beta1
    schema:
      openAPIV3Schema:
        type: object
        properties:
          components:
            description: components are the graph's components.
            type: array
            items:
              type: object
              properties:
                replicas: {description: replicas of the component., type: integer}
                podTemplate:
                  description: podTemplate is the component's pod.
                  type: object
                  properties:
                    spec:
                      description: Specification of the desired behavior of the pod.
                      type: object
                      properties:
                        containers:
                          description: List of containers belonging to the pod.
                          type: array
                          items:
                            description: A single application container.
                            type: object
                            properties:
                              env:
                                description: List of environment variables.
                                type: object
                                additionalProperties: {description: a value., type: string}
    served: true
    storage: true
`

// oneVersion is a CRD of one version, which needs no conversion and nothing else.
const oneVersion = `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.flotilla.dev
spec:
  group: flotilla.dev
  names: {kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget}
  scope: Namespaced
  versions:
  - name: v1alpha1
    schema:
      openAPIV3Schema: {type: object}
    served: true
    storage: true
`

var hubService = &apiextensionsv1.ServiceReference{
	Namespace: "flotilla-system", Name: "flotilla-hub-webhook", Path: ptr.To(webhookPath), Port: ptr.To(webhookPort),
}

func decode(t *testing.T, data []byte) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return crd
}

func TestFixTwoVersions(t *testing.T) {
	out, err := fix([]byte(twoVersions), hubService)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "---\napiVersion: apiextensions.k8s.io/v1\n") || strings.Contains(string(out), "status") ||
		strings.Contains(string(out), "creationTimestamp") {
		t.Errorf("not written as controller-gen writes CRDs:\n%s", out)
	}
	crd := decode(t, out)
	conv := crd.Spec.Conversion
	if conv == nil || conv.Strategy != apiextensionsv1.WebhookConverter || conv.Webhook == nil || conv.Webhook.ClientConfig == nil {
		t.Fatalf("spec.conversion = %+v, want a webhook", conv)
	}
	cc := conv.Webhook.ClientConfig
	if s := cc.Service; s == nil || s.Namespace != "flotilla-system" || s.Name != "flotilla-hub-webhook" ||
		ptr.Deref(s.Path, "") != "/convert" || ptr.Deref(s.Port, 0) != 443 {
		t.Errorf("clientConfig.service = %+v, want flotilla-system/flotilla-hub-webhook:443/convert", s)
	}
	if cc.URL != nil || len(cc.CABundle) > 0 {
		t.Errorf("clientConfig has url %v or a caBundle %q: it must fail closed until a component injects its CA", cc.URL, cc.CABundle)
	}
	if got := conv.Webhook.ConversionReviewVersions; len(got) != 1 || got[0] != "v1" {
		t.Errorf("conversionReviewVersions = %v, want [v1]", got)
	}
	eps := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["extraPodSpec"]
	if len(eps.Required) > 0 || len(eps.Properties["mainContainer"].Required) > 0 {
		t.Errorf("extraPodSpec still requires %v, mainContainer %v", eps.Required, eps.Properties["mainContainer"].Required)
	}

	components := crd.Spec.Versions[1].Schema.OpenAPIV3Schema.Properties["components"]
	component := components.Items.Schema
	if components.Description == "" || component.Properties["replicas"].Description == "" {
		t.Error("descriptions of Dynamo's own fields were dropped")
	}
	podTemplate := component.Properties["podTemplate"]
	if podTemplate.Description != "podTemplate is the component's pod." {
		t.Errorf("podTemplate's own description is %q", podTemplate.Description)
	}
	out2, _ := yaml.Marshal(podTemplate.Properties)
	if strings.Contains(string(out2), "description") {
		t.Errorf("descriptions left inside podTemplate:\n%s", out2)
	}
	if podTemplate.Properties["spec"].Properties["containers"].Items.Schema.Properties["env"].AdditionalProperties.Schema.Type != "string" {
		t.Error("the schema inside podTemplate changed beyond its descriptions")
	}
	if _, err := fix(out, hubService); err == nil || !strings.Contains(err.Error(), "already has a conversion strategy") {
		t.Errorf("fixing a fixed CRD: got %v, want an error (it would hide a conversion set elsewhere)", err)
	}
}

func TestFixRefusesTwoVersionsWithoutWebhook(t *testing.T) {
	if _, err := fix([]byte(twoVersions), nil); err == nil || !strings.Contains(err.Error(), "-webhook-service") {
		t.Errorf("got %v, want an error asking for -webhook-service", err)
	}
}

func TestFixOneVersionUnchanged(t *testing.T) {
	for _, svc := range []*apiextensionsv1.ServiceReference{nil, hubService} {
		out, err := fix([]byte(oneVersion), svc)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != oneVersion {
			t.Errorf("a single-version CRD changed:\n%s", out)
		}
	}
}

// TestFixFilePerChart checks that the same CRD is written into two charts' directories, each
// with its own Service, and the input left alone.
func TestFixFilePerChart(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "widgets.yaml")
	if err := os.WriteFile(in, []byte(twoVersions), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, svc := range map[string]string{"hub": "flotilla-hub-webhook", "agent": "flotilla-agent-webhook"} {
		out := filepath.Join(dir, name)
		if err := os.Mkdir(out, 0o700); err != nil {
			t.Fatal(err)
		}
		ref := *hubService
		ref.Name = svc
		if err := fixFile(in, out, &ref); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(out, "widgets.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, data).Spec.Conversion.Webhook.ClientConfig.Service.Name; got != svc {
			t.Errorf("%s: service %q, want %q", name, got, svc)
		}
	}
	if data, _ := os.ReadFile(in); string(data) != twoVersions {
		t.Error("the input was changed")
	}
}
