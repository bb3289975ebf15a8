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

package graph

import (
	"context"
	"errors"
	"maps"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/validation"
	"github.com/flotilla-dev/flotilla/pkg/placement"
)

// WebhookPath is where the hub serves the validating admission webhook of graphs, as
// kubebuilder names it; the hub chart's ValidatingWebhookConfiguration calls it for v1beta1
// (matchPolicy Equivalent: the API server converts v1alpha1 requests first, through the
// conversion webhook).
const WebhookPath = "/validate-nvidia-com-v1beta1-dynamographdeployment"

// graphKind names graphs in admission errors.
var graphKind = schema.GroupKind{Group: nvidiav1beta1.GroupVersion.Group, Kind: "DynamoGraphDeployment"}

// Validate returns what is wrong with a graph that the CRD's schema and CEL rules let through,
// each error naming its field, and warnings for fields that are accepted but ignored: the
// checks of internal/validation, and whatever else the graph controller needs to derive the
// placement request and the hub records from it (RequestFromGraph, memberComponents), so that
// a graph the webhook admits never fails to be derived. Features Flotilla cannot run
// (validation.Unsupported) are not errors here: such a graph is admitted, as Dynamo admits it,
// and the controller marks it failed with reason UnsupportedFeature.
func Validate(dgd *nvidiav1beta1.DynamoGraphDeployment) (field.ErrorList, []string) {
	errs, warnings := validation.Graph(dgd)
	if len(errs) > 0 {
		return errs, warnings
	}
	if _, err := placement.RequestFromGraph(dgd); err != nil {
		errs = append(errs, asFieldErrors(err, field.NewPath("spec"))...)
	}
	if _, err := memberComponents(dgd); err != nil {
		errs = append(errs, asFieldErrors(err, field.NewPath("spec", "components"))...)
	}
	return errs, warnings
}

// asFieldErrors returns err as field errors: its own if it is one or a list, else one
// field.Invalid at path.
func asFieldErrors(err error, path *field.Path) field.ErrorList {
	var fe *field.Error
	if errors.As(err, &fe) {
		return field.ErrorList{fe}
	}
	var agg interface{ Errors() []error }
	if errors.As(err, &agg) {
		var out field.ErrorList
		for _, e := range agg.Errors() {
			out = append(out, asFieldErrors(e, path)...)
		}
		return out
	}
	return field.ErrorList{field.Invalid(path, "", err.Error())}
}

// Validator is the hub's validating admission webhook of DynamoGraphDeployments: it refuses,
// at create and at every change of the spec, a graph Validate finds wrong, with a 422 Invalid
// naming each field, and returns Validate's warnings (kubectl prints them). An update that
// leaves the spec and the v1alpha1-only fields as they were (the hub's own finalizer writes,
// label changes) is admitted whatever the graph holds, so that a graph admitted before the
// webhook existed can still be relabelled and deleted. The graph controller runs Validate too:
// a hub whose webhook is not installed still marks such graphs failed (reason InvalidSpec).
type Validator struct {
	// Client, when set, dry-runs the graph's records on the hub's API server (as the graph
	// controller does before it writes them), so that a component the CRD's own rules refuse in
	// v1beta1 (for example eppConfig on a v1alpha1 service that is no epp) is refused with the
	// graph. The hub sets its manager's client.
	Client client.Client
	// Accepted, when set, remembers the specs the dry run accepts, for the graph controller
	// (Reconciler.Accepted), which then writes the graph's records without dry-running them again.
	Accepted *AcceptedSpecs
}

// The hub's certificate Rotator points the chart's ValidatingWebhookConfiguration at the hub
// (internal/webhookcert); the chart narrows this rule to that configuration.
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingwebhookconfigurations,verbs=get;patch

var _ admission.Validator[*nvidiav1beta1.DynamoGraphDeployment] = Validator{}

// SetupWebhookWithManager serves the Validator at WebhookPath on mgr's webhook server.
func (v Validator) SetupWebhookWithManager(mgr ctrl.Manager) error {
	mgr.GetWebhookServer().Register(WebhookPath, admission.WithValidator[*nvidiav1beta1.DynamoGraphDeployment](mgr.GetScheme(), v))
	return nil
}

// ValidateCreate refuses a new graph that Validate, or the dry run of its records, finds wrong.
func (v Validator) ValidateCreate(ctx context.Context, dgd *nvidiav1beta1.DynamoGraphDeployment) (admission.Warnings, error) {
	return v.admit(ctx, dgd)
}

// ValidateUpdate refuses a change of a graph's spec that leaves the graph wrong; other updates
// are admitted.
func (v Validator) ValidateUpdate(ctx context.Context, old, dgd *nvidiav1beta1.DynamoGraphDeployment) (admission.Warnings, error) {
	if sameSpec(old, dgd) {
		return nil, nil
	}
	return v.admit(ctx, dgd)
}

// ValidateDelete admits every deletion.
func (Validator) ValidateDelete(context.Context, *nvidiav1beta1.DynamoGraphDeployment) (admission.Warnings, error) {
	return nil, nil
}

// admit returns Validate's warnings, and its errors, or those of the records' dry run, as one
// Invalid error. A dry run that fails otherwise (the API server unavailable) is that error.
func (v Validator) admit(ctx context.Context, dgd *nvidiav1beta1.DynamoGraphDeployment) (admission.Warnings, error) {
	errs, warnings := Validate(dgd)
	if len(errs) == 0 && v.Client != nil {
		dryRun, err := v.dryRunRecords(ctx, dgd)
		if err != nil {
			return warnings, err
		}
		errs = dryRun
	}
	if len(errs) > 0 {
		return warnings, apierrors.NewInvalid(graphKind, dgd.Name, errs)
	}
	return warnings, nil
}

// dryRunRecords dry-runs the DCDs of a graph's components, in its namespace and under Dynamo's
// names, and returns what the API server refuses in them, each at the component's field.
func (v Validator) dryRunRecords(ctx context.Context, dgd *nvidiav1beta1.DynamoGraphDeployment) (field.ErrorList, error) {
	dcds, err := memberComponents(dgd)
	if err != nil {
		return asFieldErrors(err, field.NewPath("spec", "components")), nil
	}
	for _, dcd := range dcds {
		dcd.Namespace = dgd.Namespace
	}
	err = validateRecords(ctx, v.Client, v.Accepted, dcds)
	var refused *refusedComponentsError
	if !errors.As(err, &refused) {
		return nil, err
	}
	var errs field.ErrorList
	for _, cause := range refused.causes {
		path, msg, _ := strings.Cut(cause, ": ")
		errs = append(errs, &field.Error{Type: field.ErrorTypeInvalid, Field: path, BadValue: field.OmitValueType{},
			Detail: "refused by nvidia.com/v1beta1 in the component's DynamoComponentDeployment, as Dynamo's own would be: " + msg})
	}
	return errs, nil
}

// sameSpec reports whether two versions of a graph have the same spec, v1alpha1-only fields
// (their conversion payload annotation) included.
func sameSpec(a, b *nvidiav1beta1.DynamoGraphDeployment) bool {
	return equality.Semantic.DeepEqual(a.Spec, b.Spec) && maps.Equal(conversionPayload(a), conversionPayload(b))
}

// conversionPayload returns a graph's annotations that carry fields between API versions.
func conversionPayload(dgd *nvidiav1beta1.DynamoGraphDeployment) map[string]string {
	out := map[string]string{}
	for k, v := range dgd.Annotations {
		if nvidiav1alpha1.IsDynamoGraphDeploymentConversionAnnotation(k) {
			out[k] = v
		}
	}
	return out
}
