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
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

const graphsVWC = "flotilla-hub-graphs"

// graphsConfiguration is a ValidatingWebhookConfiguration as a chart renders it: two webhooks
// naming a Service (one by path, one by a placeholder URL), no caBundle.
func graphsConfiguration() *admissionregistrationv1.ValidatingWebhookConfiguration {
	none := admissionregistrationv1.SideEffectClassNone
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: graphsVWC},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			{
				Name:                    "graphs.test.flotilla.dev",
				SideEffects:             &none,
				AdmissionReviewVersions: []string{"v1"},
				ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{
					Namespace: "elsewhere", Name: "chart-service", Path: ptr.To("/validate-graphs"), Port: ptr.To[int32](443),
				}},
			},
			{
				Name:                    "widgets.test.flotilla.dev",
				SideEffects:             &none,
				AdmissionReviewVersions: []string{"v1"},
				ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: ptr.To("https://placeholder:1/validate-widgets")},
			},
		},
	}
}

func getConfiguration(t *testing.T, c client.Client) *admissionregistrationv1.ValidatingWebhookConfiguration {
	t.Helper()
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := c.Get(context.Background(), client.ObjectKey{Name: graphsVWC}, vwc); err != nil {
		t.Fatal(err)
	}
	return vwc
}

// TestRotatorValidatingWebhooks checks that a check points every webhook of the configurations
// at the webhook server, each keeping its path, with the Secret's CA bundle; that a second check
// writes nothing; and that the URL mode keeps the paths too.
func TestRotatorValidatingWebhooks(t *testing.T) {
	for _, tt := range []struct {
		name  string
		url   string
		wants []string // where each webhook goes: service <ns>/<name>:<port><path>, or its url
	}{
		{name: "service", wants: []string{"flotilla-system/flotilla-webhook:443/validate-graphs", "flotilla-system/flotilla-webhook:443/validate-widgets"}},
		{name: "url", url: "https://127.0.0.1:9443/convert", wants: []string{"https://127.0.0.1:9443/validate-graphs", "https://127.0.0.1:9443/validate-widgets"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := testOptions()
			o.CRDs = nil
			o.ValidatingWebhookConfigurations = []string{graphsVWC}
			if tt.url != "" {
				o.Service, o.URL = nil, tt.url
			}
			var vwcWrites atomic.Int32
			c := newFakeClient(t, &writes{}, interceptor.Funcs{
				Patch: func(_ context.Context, _ client.WithWatch, obj client.Object, _ client.Patch, _ ...client.PatchOption) error {
					if _, ok := obj.(*admissionregistrationv1.ValidatingWebhookConfiguration); ok {
						vwcWrites.Add(1)
					}
					return nil
				},
			}, emptySecret(o), graphsConfiguration())
			r, _ := newTestRotator(t, o, c)
			if err := r.Check(context.Background()); err != nil {
				t.Fatal(err)
			}
			ca := getSecret(t, c, o).Data[CACertKey]
			vwc := getConfiguration(t, c)
			for i, wh := range vwc.Webhooks {
				if !bytes.Equal(wh.ClientConfig.CABundle, ca) {
					t.Errorf("webhook %s: caBundle is not the Secret's ca.crt", wh.Name)
				}
				got := ""
				if s := wh.ClientConfig.Service; s != nil {
					got = s.Namespace + "/" + s.Name + ":443" + *s.Path
					if *s.Port != 443 || wh.ClientConfig.URL != nil {
						t.Errorf("webhook %s: clientConfig %+v, want the Service alone on port 443", wh.Name, wh.ClientConfig)
					}
				} else if wh.ClientConfig.URL != nil {
					got = *wh.ClientConfig.URL
				}
				if got != tt.wants[i] {
					t.Errorf("webhook %s goes to %q, want %q", wh.Name, got, tt.wants[i])
				}
				if wh.SideEffects == nil || *wh.SideEffects != admissionregistrationv1.SideEffectClassNone {
					t.Errorf("webhook %s lost its other fields: %+v", wh.Name, wh)
				}
			}
			if n := vwcWrites.Load(); n != 1 {
				t.Errorf("first check patched the configuration %d times, want 1", n)
			}
			if err := r.Check(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := vwcWrites.Load(); n != 1 {
				t.Errorf("a second check with nothing due patched the configuration again (%d patches)", n)
			}
		})
	}
}

// TestRotatorMissingValidatingWebhooks checks that a configuration that does not exist yet is
// an error naming it, which keeps neither the certificate from being served nor the CRDs from
// being set.
func TestRotatorMissingValidatingWebhooks(t *testing.T) {
	o := testOptions()
	o.ValidatingWebhookConfigurations = []string{"absent"}
	c := newFakeClient(t, &writes{}, interceptor.Funcs{}, emptySecret(o), widgets())
	r, _ := newTestRotator(t, o, c)
	err := r.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "ValidatingWebhookConfiguration absent does not exist") {
		t.Errorf("error %v, want one saying the ValidatingWebhookConfiguration absent does not exist", err)
	}
	if r.Holder().Certificate() == nil {
		t.Error("a missing configuration kept the certificate from being served")
	}
	if getWidgetsCRD(t, c).Spec.Conversion == nil {
		t.Error("a missing configuration kept the CRDs from being set")
	}
}
