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

// Command crdfix adjusts the CRDs controller-gen writes, in three ways, and writes them into a
// chart's crds directory.
//
// Dynamo's API embeds Kubernetes types more loosely than Kubernetes declares them. A v1alpha1
// service's extraPodSpec is a partial pod spec merged over the one Dynamo generates, and
// extraPodSpec.mainContainer a partial container merged over the generated "main" container:
// upstream graphs leave out spec.containers and the container name, so the schema must not
// require them. controller-gen takes the required lists from the core/v1 types and has no marker
// to override them on an embedding field; crdfix removes exactly those two requirements.
//
// The pod template a v1beta1 component embeds (podTemplate) and the partial pod spec of a
// v1alpha1 service (extraPodSpec) carry the whole documentation of Kubernetes' core/v1 types,
// about four fifths of each nvidia.com CRD. crdfix drops the descriptions inside them (theirs
// stays, and every description of Dynamo's and Flotilla's own fields): `kubectl explain
// pod.spec` documents them. With both versions served, the CRDs would otherwise not fit Helm's
// release Secret (1 MiB, which holds the chart's crds/) and come close to etcd's request limit
// (1.5 MiB).
//
// A CRD that serves more than one version gets spec.conversion: strategy Webhook,
// conversionReviewVersions [v1], and clientConfig.service -webhook-service (namespace/name, as
// each chart's component names its Service), path /convert, port 443, without caBundle. The
// apiserver then refuses every request that needs a conversion until the component that serves
// the webhook injects its CA (and corrects the Service's namespace and name to its release's):
// it fails closed, where strategy None would silently drop the fields one version lacks. A CRD
// serving several versions without -webhook-service is an error: Flotilla never ships one with
// strategy None.
//
// Usage: crdfix [-webhook-service NAMESPACE/NAME] -out DIR FILE...
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// Conversion webhook settings the CRDs of several versions get. They match
// internal/webhookcert's defaults (DefaultPath, DefaultServicePort), which the components write
// when they take the CRDs over.
const (
	webhookPath = "/convert"
	webhookPort = int32(443)
)

func main() {
	service := flag.String("webhook-service", "", "NAMESPACE/NAME of the conversion webhook's Service, for CRDs serving several versions")
	out := flag.String("out", "", "the directory to write the CRDs to (a chart's crds directory)")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: crdfix [-webhook-service NAMESPACE/NAME] -out DIR FILE...")
		os.Exit(2)
	}
	var svc *apiextensionsv1.ServiceReference
	if *service != "" {
		ns, name, ok := strings.Cut(*service, "/")
		if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
			fmt.Fprintf(os.Stderr, "crdfix: -webhook-service %q: want NAMESPACE/NAME\n", *service)
			os.Exit(2)
		}
		svc = &apiextensionsv1.ServiceReference{Namespace: ns, Name: name, Path: ptr.To(webhookPath), Port: ptr.To(webhookPort)}
	}
	for _, path := range flag.Args() {
		if err := fixFile(path, *out, svc); err != nil {
			fmt.Fprintf(os.Stderr, "crdfix: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

// fixFile writes the CRD of path, fixed, into the directory out under the same name.
func fixFile(path, out string, svc *apiextensionsv1.ServiceReference) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fixed, err := fix(data, svc)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, filepath.Base(path)), fixed, 0o644)
}

// fix returns the CRD manifest data with the fixes of the package documentation, the conversion
// webhook pointing at svc. data is returned as is when nothing is to change.
func fix(data []byte, svc *apiextensionsv1.ServiceReference) ([]byte, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		return nil, err
	}
	changed := false
	for i := range crd.Spec.Versions {
		if v := crd.Spec.Versions[i].Schema; v != nil && v.OpenAPIV3Schema != nil {
			changed = relaxExtraPodSpec(v.OpenAPIV3Schema) || changed
			changed = dropEmbeddedPodDocs(v.OpenAPIV3Schema) || changed
		}
	}
	if servedVersions(&crd) > 1 {
		if svc == nil {
			return nil, fmt.Errorf("%s serves %d versions: give -webhook-service for its conversion webhook "+
				"(strategy None would silently drop fields)", crd.Name, servedVersions(&crd))
		}
		if crd.Spec.Conversion != nil && crd.Spec.Conversion.Strategy != apiextensionsv1.NoneConverter {
			return nil, fmt.Errorf("%s already has a conversion strategy %q", crd.Name, crd.Spec.Conversion.Strategy)
		}
		crd.Spec.Conversion = webhookConversion(svc)
		changed = true
	}
	if !changed {
		return data, nil
	}
	return marshalManifest(&crd)
}

// servedVersions counts the versions crd serves.
func servedVersions(crd *apiextensionsv1.CustomResourceDefinition) int {
	n := 0
	for _, v := range crd.Spec.Versions {
		if v.Served {
			n++
		}
	}
	return n
}

// webhookConversion is the spec.conversion of a CRD of several versions: the webhook behind
// svc, no caBundle until a component injects its CA.
func webhookConversion(svc *apiextensionsv1.ServiceReference) *apiextensionsv1.CustomResourceConversion {
	s := *svc
	return &apiextensionsv1.CustomResourceConversion{
		Strategy: apiextensionsv1.WebhookConverter,
		Webhook: &apiextensionsv1.WebhookConversion{
			ClientConfig:             &apiextensionsv1.WebhookClientConfig{Service: &s},
			ConversionReviewVersions: []string{"v1"},
		},
	}
}

// relaxExtraPodSpec walks a schema and, in every property named extraPodSpec, drops the
// requirement of containers and of mainContainer.name. It reports whether it changed anything.
func relaxExtraPodSpec(s *apiextensionsv1.JSONSchemaProps) bool {
	changed := false
	for name, prop := range s.Properties {
		if name == "extraPodSpec" {
			changed = dropRequired(&prop, "containers") || changed
			if mc, ok := prop.Properties["mainContainer"]; ok {
				changed = dropRequired(&mc, "name") || changed
				prop.Properties["mainContainer"] = mc
			}
		}
		changed = relaxExtraPodSpec(&prop) || changed
		s.Properties[name] = prop
	}
	if s.Items != nil && s.Items.Schema != nil {
		changed = relaxExtraPodSpec(s.Items.Schema) || changed
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		changed = relaxExtraPodSpec(s.AdditionalProperties.Schema) || changed
	}
	return changed
}

// embeddedPodFields are the properties that embed Kubernetes' pod types: a v1beta1 component's
// podTemplate (core/v1 PodTemplateSpec) and a v1alpha1 service's extraPodSpec (core/v1 PodSpec
// and a Container).
var embeddedPodFields = map[string]bool{"podTemplate": true, "extraPodSpec": true}

// dropEmbeddedPodDocs walks a schema and drops every description below a property of
// embeddedPodFields, keeping the property's own. It reports whether it changed anything.
func dropEmbeddedPodDocs(s *apiextensionsv1.JSONSchemaProps) bool {
	changed := false
	walkProperties(s, func(name string, prop *apiextensionsv1.JSONSchemaProps) bool {
		if !embeddedPodFields[name] {
			return true
		}
		own := prop.Description
		changed = dropDescriptions(prop) || changed
		prop.Description = own
		return false
	})
	return changed
}

// dropDescriptions removes the description of s and of every schema below it. It reports
// whether there was any.
func dropDescriptions(s *apiextensionsv1.JSONSchemaProps) bool {
	changed := s.Description != ""
	s.Description = ""
	walkProperties(s, func(_ string, prop *apiextensionsv1.JSONSchemaProps) bool {
		changed = dropDescriptions(prop) || changed
		return false
	})
	return changed
}

// walkProperties calls visit for every named property below s (through properties, items and
// additionalProperties), and descends into a property when visit returns true. Changes visit
// makes to a property are kept.
func walkProperties(s *apiextensionsv1.JSONSchemaProps, visit func(name string, prop *apiextensionsv1.JSONSchemaProps) bool) {
	for name, prop := range s.Properties {
		if visit(name, &prop) {
			walkProperties(&prop, visit)
		}
		s.Properties[name] = prop
	}
	if s.Items != nil && s.Items.Schema != nil {
		if visit("", s.Items.Schema) {
			walkProperties(s.Items.Schema, visit)
		}
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		if visit("", s.AdditionalProperties.Schema) {
			walkProperties(s.AdditionalProperties.Schema, visit)
		}
	}
}

// marshalManifest writes crd as controller-gen does: without status and without a null
// creationTimestamp.
func marshalManifest(crd *apiextensionsv1.CustomResourceDefinition) ([]byte, error) {
	data, err := json.Marshal(crd)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	delete(obj, "status")
	meta, ok := obj["metadata"].(map[string]any)
	if !ok {
		return nil, errors.New("no metadata")
	}
	delete(meta, "creationTimestamp")
	out, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return append([]byte("---\n"), bytes.TrimLeft(out, "\n")...), nil
}

func dropRequired(s *apiextensionsv1.JSONSchemaProps, field string) bool {
	i := slices.Index(s.Required, field)
	if i < 0 {
		return false
	}
	s.Required = slices.Delete(s.Required, i, i+1)
	if len(s.Required) == 0 {
		s.Required = nil
	}
	return true
}
