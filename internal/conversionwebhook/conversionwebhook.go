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

// Package conversionwebhook serves the conversion webhook of CRDs whose Go types implement
// controller-runtime's conversion interfaces (one version a conversion.Hub, the others
// conversion.Convertible to and from it), on a manager's webhook server.
//
// It does what controller-runtime's builder.WebhookManagedBy(...).Complete() does for a
// convertible type (see sigs.k8s.io/controller-runtime/pkg/builder/webhook.go): register
// conversion.NewWebhookHandler(scheme, the manager's converter registry) at Path, once. It
// differs in refusing, with an error, a kind that is not convertible, where the builder would
// skip it silently and every request for it would fail at run time.
//
// The webhook's certificate and the CRDs' spec.conversion are package webhookcert's. Options
// (a component's --webhook-* flags), New and Webhook.SetupWithManager assemble both for a
// component: the certificate Rotator, the webhook server serving its certificate, and the
// conversion handler.
package conversionwebhook

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/webhook/conversion"
)

// Path is where the conversion webhook is served, as controller-runtime's builder serves it; the
// CRDs' clientConfig must name it (webhookcert.DefaultPath).
const Path = "/convert"

// Register makes mgr's webhook server convert the kinds of objs (one object of each kind, any
// version) at Path, between all the versions of each kind that mgr's scheme knows. Every kind
// must either have a converter in mgr's converter registry, or have one version that is a
// conversion.Hub and all the others conversion.Convertible; otherwise Register fails and
// registers nothing. Calling it again, or after controller-runtime's builder registered Path,
// adds no second handler.
func Register(mgr manager.Manager, objs ...runtime.Object) error {
	if len(objs) == 0 {
		return errors.New("conversionwebhook: no kind to convert")
	}
	scheme := mgr.GetScheme()
	for _, obj := range objs {
		if err := convertible(scheme, mgr.GetConverterRegistry(), obj); err != nil {
			return err
		}
	}
	srv := mgr.GetWebhookServer()
	if !registered(srv.WebhookMux(), Path) {
		srv.Register(Path, conversion.NewWebhookHandler(scheme, mgr.GetConverterRegistry()))
	}
	return nil
}

// convertible returns why the webhook handler could not convert obj's kind, nil if it can.
func convertible(scheme *runtime.Scheme, registry conversion.Registry, obj runtime.Object) error {
	gvk, err := apiutil.GVKForObject(obj, scheme)
	if err != nil {
		return fmt.Errorf("conversionwebhook: %T: %w", obj, err)
	}
	if _, ok := registry.GetConverter(gvk.GroupKind()); ok {
		return nil
	}
	ok, err := conversion.IsConvertible(scheme, obj)
	switch {
	case err != nil:
		return fmt.Errorf("conversionwebhook: %s is not convertible: %w", gvk.GroupKind(), err)
	case !ok:
		return fmt.Errorf("conversionwebhook: %s is not convertible: the scheme has a single version of it, or versions "+
			"that implement neither conversion.Hub nor conversion.Convertible", gvk.GroupKind())
	}
	return nil
}

// registered reports whether mux already has a handler for path.
func registered(mux *http.ServeMux, path string) bool {
	if mux == nil {
		return false
	}
	_, pattern := mux.Handler(&http.Request{Method: http.MethodPost, URL: &url.URL{Path: path}})
	return pattern == path
}
