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

package workload

import (
	"maps"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
)

// buildIngress returns the Ingress named like the DCD that exposes a frontend's Service, when
// the v1alpha1 spec.ingress (which v1beta1 keeps only in the conversion's payload, as upstream
// Dynamo does) is enabled with an ingress class, as in Dynamo: host hostPrefix+host+"."+suffix,
// path / to the Service's port, TLS with tls.secretName. What it cannot honour (an Istio
// VirtualService, an ingress on a component without a Service) is noted on res.
func buildIngress(c *component, res *Result) (*networkingv1.Ingress, error) {
	spec := c.alpha.Ingress
	if spec == nil || !spec.Enabled {
		return nil, nil
	}
	if spec.UseVirtualService {
		res.notef("spec.ingress.useVirtualService", "Istio VirtualServices are not supported by the agent; none was built")
	}
	if spec.IngressControllerClassName == nil || *spec.IngressControllerClassName == "" {
		if !spec.UseVirtualService {
			res.notef("spec.ingress.ingressControllerClassName", "unset, so no Ingress was built")
		}
		return nil, nil
	}
	if !c.isFrontend() {
		res.notef("spec.ingress", "only frontends have a Service to expose; no Ingress was built for componentType %q", c.componentType)
		return nil, nil
	}
	host, err := ingressHost(c)
	if err != nil {
		return nil, err
	}
	labels := maps.Clone(spec.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, objectLabels(c))
	annotations := map[string]string{}
	maps.Copy(annotations, c.alpha.Annotations)
	maps.Copy(annotations, spec.Annotations)
	ing := &networkingv1.Ingress{
		TypeMeta: typeMeta(KindIngress),
		ObjectMeta: metav1.ObjectMeta{
			Name:        c.name,
			Namespace:   c.namespace,
			Labels:      labels,
			Annotations: emptyToNil(annotations),
		},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr.To(*spec.IngressControllerClassName),
			Rules: []networkingv1.IngressRule{{
				Host: host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:     "/",
						PathType: ptr.To(networkingv1.PathTypePrefix),
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: c.name,
							Port: networkingv1.ServiceBackendPort{Number: HTTPPort},
						}},
					}},
				}},
			}},
		},
	}
	if spec.TLS != nil && spec.TLS.SecretName != "" {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: spec.TLS.SecretName}}
	}
	return ing, nil
}

// ingressHost returns hostPrefix + host + "." + suffix, the suffix being spec.ingress.hostSuffix
// or Options.IngressHostSuffix.
func ingressHost(c *component) (string, error) {
	spec := c.alpha.Ingress
	if spec.Host == "" {
		return "", fieldErrorf("spec.ingress.host", "required when the ingress is enabled")
	}
	host := spec.Host
	if spec.HostPrefix != nil {
		host = *spec.HostPrefix + host
	}
	suffix := c.opts.IngressHostSuffix
	if spec.HostSuffix != nil && *spec.HostSuffix != "" {
		suffix = *spec.HostSuffix
	}
	host += "." + suffix
	if msgs := validation.IsDNS1123Subdomain(host); len(msgs) > 0 {
		return "", fieldErrorf("spec.ingress.host", "host %q is not a valid DNS name: %s", host, msgs[0])
	}
	return host, nil
}
