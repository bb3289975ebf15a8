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
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

func TestInjectCRD(t *testing.T) {
	ctx := context.Background()
	w := &writes{}
	c := newFakeClient(t, w, interceptor.Funcs{}, widgets())
	url := Options{URL: "https://127.0.0.1:9443/convert"}.Conversion([]byte("ca"))
	svc := Options{Service: &ServiceReference{Namespace: "ns", Name: "svc", Port: 443}, Path: "/convert"}.Conversion([]byte("ca"))

	for _, step := range []struct {
		name        string
		want        *apiextensionsv1.CustomResourceConversion
		wantPatched bool
	}{
		{"strategy None becomes the URL webhook", url, true},
		{"the same again writes nothing", url, false},
		{"the Service webhook replaces the URL", svc, true},
		{"the same again writes nothing", svc, false},
	} {
		patched, err := injectCRD(ctx, c, widgetsCRD, step.want)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if patched != step.wantPatched {
			t.Errorf("%s: patched %v, want %v", step.name, patched, step.wantPatched)
		}
		if got := getWidgetsCRD(t, c).Spec.Conversion; !equality.Semantic.DeepEqual(got, step.want) {
			t.Errorf("%s: conversion %+v (clientConfig %+v), want %+v", step.name, got, got.Webhook.ClientConfig, step.want)
		}
	}
	if _, err := injectCRD(ctx, c, "gadgets.test.flotilla.dev", url); !apierrors.IsNotFound(err) {
		t.Errorf("missing CRD: %v, want NotFound", err)
	}
}

func TestConversionPatchCarriesResourceVersion(t *testing.T) {
	body, err := conversionPatch("42", Options{URL: "https://127.0.0.1/convert"}.Conversion([]byte("ca")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"resourceVersion":"42"`, `"service":null`, `"url":"https://127.0.0.1/convert"`, `"caBundle":"Y2E="`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("patch %s lacks %s", body, want)
		}
	}
}
