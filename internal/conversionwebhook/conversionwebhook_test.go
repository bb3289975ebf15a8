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

package conversionwebhook_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/conversion"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
)

// Widget is served in v1 (the hub, spec.size) and v2 (spec.replicas).
var (
	v1 = schema.GroupVersion{Group: "test.flotilla.dev", Version: "v1"}
	v2 = schema.GroupVersion{Group: "test.flotilla.dev", Version: "v2"}
)

type WidgetV1 struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		Size int32 `json:"size"`
	} `json:"spec"`
}

func (w *WidgetV1) DeepCopyObject() runtime.Object {
	c := *w
	w.DeepCopyInto(&c.ObjectMeta)
	return &c
}

func (*WidgetV1) Hub() {}

type WidgetV2 struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		Replicas int32 `json:"replicas"`
	} `json:"spec"`
}

func (w *WidgetV2) DeepCopyObject() runtime.Object {
	c := *w
	w.DeepCopyInto(&c.ObjectMeta)
	return &c
}

func (w *WidgetV2) ConvertTo(hub conversion.Hub) error {
	h := hub.(*WidgetV1)
	h.ObjectMeta = w.ObjectMeta
	h.Spec.Size = w.Spec.Replicas
	return nil
}

func (w *WidgetV2) ConvertFrom(hub conversion.Hub) error {
	h := hub.(*WidgetV1)
	w.ObjectMeta = h.ObjectMeta
	w.Spec.Replicas = h.Spec.Size
	return nil
}

// Gadget has two versions and no conversion.
type Gadget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}

func (g *Gadget) DeepCopyObject() runtime.Object {
	c := *g
	g.DeepCopyInto(&c.ObjectMeta)
	return &c
}

type GadgetV2 struct{ Gadget }

func (g *GadgetV2) DeepCopyObject() runtime.Object {
	c := *g
	g.DeepCopyInto(&c.ObjectMeta)
	return &c
}

// Single has one version.
type Single struct{ Gadget }

func (s *Single) DeepCopyObject() runtime.Object {
	c := *s
	s.DeepCopyInto(&c.ObjectMeta)
	return &c
}

func newManager(t *testing.T) ctrl.Manager {
	t.Helper()
	scheme := runtime.NewScheme()
	scheme.AddKnownTypeWithName(v1.WithKind("Widget"), &WidgetV1{})
	scheme.AddKnownTypeWithName(v2.WithKind("Widget"), &WidgetV2{})
	scheme.AddKnownTypeWithName(v1.WithKind("Gadget"), &Gadget{})
	scheme.AddKnownTypeWithName(v2.WithKind("Gadget"), &GadgetV2{})
	scheme.AddKnownTypeWithName(v1.WithKind("Single"), &Single{})
	// The manager is never started: no apiserver is reached.
	mgr, err := ctrl.NewManager(&rest.Config{Host: "https://127.0.0.1:1"}, ctrl.Options{
		Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return mgr
}

func TestRegisterRefusesWhatCannotConvert(t *testing.T) {
	for _, tc := range []struct {
		name    string
		objs    []runtime.Object
		wantErr string
	}{
		{"nothing", nil, "no kind"},
		{"a kind with one version", []runtime.Object{&Single{}}, "Single.test.flotilla.dev is not convertible"},
		{"a kind whose versions implement no conversion", []runtime.Object{&WidgetV1{}, &Gadget{}}, "Gadget.test.flotilla.dev is not convertible"},
		{"a type the scheme does not know", []runtime.Object{&unstructured.Unstructured{}}, "Unstructured"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mgr := newManager(t)
			err := conversionwebhook.Register(mgr, tc.objs...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
			if mux := mgr.GetWebhookServer().WebhookMux(); mux != nil {
				if _, pattern := mux.Handler(httptest.NewRequest(http.MethodPost, conversionwebhook.Path, nil)); pattern != "" {
					t.Errorf("registered %s though it failed", pattern)
				}
			}
		})
	}
}

func TestRegisterConverts(t *testing.T) {
	mgr := newManager(t)
	if err := conversionwebhook.Register(mgr, &WidgetV2{}); err != nil {
		t.Fatal(err)
	}
	if err := conversionwebhook.Register(mgr, &WidgetV1{}); err != nil {
		t.Fatalf("registering again: %v", err)
	}

	obj := `{"apiVersion":"test.flotilla.dev/v1","kind":"Widget","metadata":{"name":"w","namespace":"ns"},"spec":{"size":3}}`
	review := apiextensionsv1.ConversionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "ConversionReview"},
		Request: &apiextensionsv1.ConversionRequest{
			UID: types.UID("uid-1"), DesiredAPIVersion: v2.String(),
			Objects: []runtime.RawExtension{{Raw: []byte(obj)}},
		},
	}
	body, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mgr.GetWebhookServer().WebhookMux().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, conversionwebhook.Path, bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := apiextensionsv1.ConversionReview{}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Response == nil || got.Response.UID != "uid-1" || got.Response.Result.Status != metav1.StatusSuccess ||
		len(got.Response.ConvertedObjects) != 1 {
		t.Fatalf("response %+v", got.Response)
	}
	converted := &WidgetV2{}
	if err := json.Unmarshal(got.Response.ConvertedObjects[0].Raw, converted); err != nil {
		t.Fatal(err)
	}
	if converted.APIVersion != v2.String() || converted.Kind != "Widget" || converted.Name != "w" || converted.Spec.Replicas != 3 {
		t.Errorf("converted %s, want test.flotilla.dev/v2 Widget w with spec.replicas 3", got.Response.ConvertedObjects[0].Raw)
	}
}
