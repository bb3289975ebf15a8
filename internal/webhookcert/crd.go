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

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// conversionReviewVersions are the ConversionReview versions the webhook accepts:
// controller-runtime's conversion handler speaks apiextensions.k8s.io/v1.
var conversionReviewVersions = []string{"v1"}

// Conversion returns the spec.conversion a CRD gets: strategy Webhook, ConversionReview v1, the
// webhook's clientConfig (Options.Service with Options.Path, or Options.URL) and caBundle.
// The Rotator passes the Secret's ca.crt as caBundle.
func (o Options) Conversion(caBundle []byte) *apiextensionsv1.CustomResourceConversion {
	cc := &apiextensionsv1.WebhookClientConfig{CABundle: caBundle}
	if o.Service != nil {
		cc.Service = &apiextensionsv1.ServiceReference{
			Namespace: o.Service.Namespace,
			Name:      o.Service.Name,
			Path:      ptr.To(o.Path),
			Port:      ptr.To(o.Service.Port),
		}
	} else {
		cc.URL = ptr.To(o.URL)
	}
	return &apiextensionsv1.CustomResourceConversion{
		Strategy: apiextensionsv1.WebhookConverter,
		Webhook: &apiextensionsv1.WebhookConversion{
			ClientConfig:             cc,
			ConversionReviewVersions: conversionReviewVersions,
		},
	}
}

// injectCRD sets the spec.conversion of the CRD named name to want, unless it is that already.
// It writes a JSON merge patch of spec.conversion alone, with the resourceVersion it read (a
// conflict reads the CRD again), and reports whether it patched. A missing CRD is an error
// apierrors.IsNotFound recognizes.
func injectCRD(ctx context.Context, c client.Client, name string, want *apiextensionsv1.CustomResourceConversion) (patched bool, err error) {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	return patchIfStale(ctx, c, crd, name, "CustomResourceDefinition", "the conversion webhook", func() ([]byte, error) {
		if equality.Semantic.DeepEqual(crd.Spec.Conversion, want) {
			return nil, nil
		}
		return conversionPatch(crd.ResourceVersion, want)
	})
}

// patchIfStale reads the cluster-scoped object name, of kind, into obj and, unless patch returns
// no body (obj is current), writes patch's JSON merge patch, which must carry the
// resourceVersion read; a conflict reads it again. It reports whether it patched. change names
// what is set, in errors; a missing object is an error apierrors.IsNotFound recognizes.
func patchIfStale(ctx context.Context, c client.Client, obj client.Object, name, kind, change string, patch func() ([]byte, error)) (patched bool, err error) {
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		patched = false
		if err := c.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
			return err
		}
		body, err := patch()
		if err != nil || body == nil {
			return err
		}
		if err := c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, body)); err != nil {
			return err
		}
		patched = true
		return nil
	})
	switch {
	case apierrors.IsNotFound(err):
		return false, fmt.Errorf("the %s %s does not exist (yet): %w", kind, name, err)
	case err != nil:
		return false, fmt.Errorf("setting %s of the %s %s: %w", change, kind, name, err)
	}
	return patched, nil
}

// conversionPatch returns the JSON merge patch that sets spec.conversion to want, if the CRD
// still has resourceVersion. The clientConfig field want does not set (url or service) is
// removed explicitly, since a merge patch would otherwise keep it.
func conversionPatch(resourceVersion string, want *apiextensionsv1.CustomResourceConversion) ([]byte, error) {
	raw, err := json.Marshal(want)
	if err != nil {
		return nil, err
	}
	conv := map[string]any{}
	if err := json.Unmarshal(raw, &conv); err != nil {
		return nil, err
	}
	if webhook, ok := conv["webhook"].(map[string]any); ok {
		if cc, ok := webhook["clientConfig"].(map[string]any); ok {
			for _, k := range []string{"url", "service"} {
				if _, set := cc[k]; !set {
					cc[k] = nil
				}
			}
		}
	}
	return json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"spec":     map[string]any{"conversion": conv},
	})
}
