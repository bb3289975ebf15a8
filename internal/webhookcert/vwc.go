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

package webhookcert

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// AdmissionClientConfig returns the clientConfig of an admission webhook served at path by this
// webhook server: Options.Service with path, or Options.URL's scheme and host with path, and
// caBundle. The Rotator sets it on every webhook of Options.ValidatingWebhookConfigurations,
// keeping each webhook's own path.
func (o Options) AdmissionClientConfig(path string, caBundle []byte) (admissionregistrationv1.WebhookClientConfig, error) {
	cc := admissionregistrationv1.WebhookClientConfig{CABundle: caBundle}
	if o.Service != nil {
		cc.Service = &admissionregistrationv1.ServiceReference{
			Namespace: o.Service.Namespace,
			Name:      o.Service.Name,
			Path:      ptr.To(path),
			Port:      ptr.To(o.Service.Port),
		}
		return cc, nil
	}
	u, err := url.Parse(o.URL)
	if err != nil {
		return cc, fmt.Errorf("webhookcert: Options.URL %q: %w", o.URL, err)
	}
	cc.URL = ptr.To((&url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}).String())
	return cc, nil
}

// webhookPath returns the path a webhook's clientConfig names (service.path, or the path of its
// url); "/" when it names none.
func webhookPath(cc admissionregistrationv1.WebhookClientConfig) string {
	switch {
	case cc.Service != nil && cc.Service.Path != nil:
		return *cc.Service.Path
	case cc.URL != nil:
		if u, err := url.Parse(*cc.URL); err == nil && u.Path != "" {
			return u.Path
		}
	}
	return "/"
}

// injectValidatingWebhooks points every webhook of the ValidatingWebhookConfiguration named name
// at this server (AdmissionClientConfig, each keeping its path) with caBundle, unless they are so
// already. It writes a JSON merge patch of the whole webhooks list (a merge patch replaces
// lists) with the resourceVersion it read, so that a concurrent change of the configuration is a
// conflict, and reads again. It reports whether it patched. A missing configuration is an error
// apierrors.IsNotFound recognizes.
func injectValidatingWebhooks(ctx context.Context, c client.Client, o Options, name string, caBundle []byte) (patched bool, err error) {
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	return patchIfStale(ctx, c, vwc, name, "ValidatingWebhookConfiguration", "the webhooks", func() ([]byte, error) {
		webhooks := make([]admissionregistrationv1.ValidatingWebhook, len(vwc.Webhooks))
		for i, wh := range vwc.Webhooks {
			cc, err := o.AdmissionClientConfig(webhookPath(wh.ClientConfig), caBundle)
			if err != nil {
				return nil, err
			}
			wh.ClientConfig = cc
			webhooks[i] = wh
		}
		if equality.Semantic.DeepEqual(vwc.Webhooks, webhooks) {
			return nil, nil
		}
		return json.Marshal(map[string]any{
			"metadata": map[string]any{"resourceVersion": vwc.ResourceVersion},
			"webhooks": webhooks,
		})
	})
}
