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

package component

import (
	"context"
	"errors"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/workload"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/statuswrite"
	"github.com/flotilla-dev/flotilla/internal/validation"
	"github.com/flotilla-dev/flotilla/pkg/policy"
)

const (
	// FieldOwner is the field manager of every object the agent applies and of the status it
	// writes. It must never change: fields owned under another name would no longer be removed
	// when the agent stops setting them.
	FieldOwner = "flotilla-agent"
	// ControllerName names the controller in logs and metrics. Its events are reported by
	// FieldOwner.
	ControllerName = "dynamocomponentdeployment"
	// ConcurrentReconciles is how many DCDs the agent reconciles at once (different DCDs only:
	// one DCD is never reconciled twice at the same time). controller-runtime's default of one
	// made a burst of DCDs wait for each other's API round trips.
	ConcurrentReconciles = 8
)

// Reasons of the DCD's conditions besides the readiness reasons of package workload.
const (
	// ReasonInvalidSpec: the DCD cannot be built into workloads; the message names the field.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonApplyFailed: the apiserver rejected an object built from the DCD; the message is
	// the apiserver's.
	ReasonApplyFailed = "ApplyFailed"
	// ReasonUnsupportedFeature: the DCD uses a Dynamo feature Flotilla's agent cannot build as
	// Dynamo would (the message names the field and says why); nothing is built.
	ReasonUnsupportedFeature = "UnsupportedFeature"
)

// Reconciler turns the DynamoComponentDeployments of a member cluster into workloads and
// reports their state. Its zero value, given a manager by SetupWithManager, is ready to use.
type Reconciler struct {
	// Client reads DCDs and the objects they own, from the manager's cache, and writes them.
	// SetupWithManager sets the manager's client when nil.
	Client client.Client
	// APIReader reads, uncached, an object the cache does not have yet, so that one created by
	// an earlier reconcile is not reported as created again. SetupWithManager sets the
	// manager's API reader when nil; Client is used when it is still nil.
	APIReader client.Reader

	// sshKeySecrets remembers the SSH key Secrets known to exist (see ensureSSHKeySecret).
	sshKeySecrets sync.Map
	// reworded holds back status writes that only reword a DCD's status (statuswrite).
	reworded statuswrite.Coalescer
	// ownWrites tells a DCD read from the cache before the agent's own last status write of it.
	ownWrites ownWrites
	// Recorder records events on DCDs (the events.k8s.io API). SetupWithManager sets the
	// manager's recorder named FieldOwner when nil.
	Recorder events.EventRecorder
	// Options are the agent's configuration of the objects built for every DCD.
	Options workload.Options
	// Policy is what the member's administrator allows DCDs (agent chart, policy.*): a DCD whose
	// namespace or pods it denies is not built (Available=False, ReasonPolicyDenied). nil
	// checks nothing; the agent's manager always sets one.
	Policy *policy.Policy
}

// SetupWithManager registers the Reconciler with mgr. It watches DCDs that are not hub
// records, for changes of their spec, labels or annotations (its own status writes do not
// trigger it), and the Deployments, StatefulSets, Services and Ingresses they control (and
// LeaderWorkerSets, when Options.MultinodeRuntime uses them), so that a workload's status change
// updates the DCD's.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(FieldOwner)
	}
	notHubRecord := predicate.NewPredicateFuncs(func(o client.Object) bool { return !flotillav1alpha1.IsHubRecord(o) })
	specOrMetadataChanged := predicate.Or[client.Object](
		predicate.GenerationChangedPredicate{},
		predicate.LabelChangedPredicate{},
		predicate.AnnotationChangedPredicate{},
	)
	b := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		WithOptions(controller.Options{MaxConcurrentReconciles: ConcurrentReconciles}).
		For(&nvidiav1beta1.DynamoComponentDeployment{},
			builder.WithPredicates(notHubRecord, specOrMetadataChanged)).
		Owns(&appsv1.Deployment{}).
		Owns(&appsv1.StatefulSet{}).
		Owns(&corev1.Service{}).
		Owns(&networkingv1.Ingress{})
	if r.Options.MultinodeRuntime == workload.RuntimeLeaderWorkerSet {
		b = b.Owns(&lwsv1.LeaderWorkerSet{})
	}
	return b.Complete(r)
}

// The agent's permissions on its member cluster. Workloads are written by server-side apply
// (patch, which needs create for a new object). dynamocomponentdeployments/finalizers update
// lets the owner references set blockOwnerDeletion on clusters that enforce
// OwnerReferencesPermissionEnforcement. Events are written through the events.k8s.io API, and
// the core API for recorders that still use it.
//
// +kubebuilder:rbac:groups=nvidia.com,resources=dynamocomponentdeployments,verbs=list;watch
// +kubebuilder:rbac:groups=nvidia.com,resources=dynamocomponentdeployments/status,verbs=patch
// +kubebuilder:rbac:groups=nvidia.com,resources=dynamocomponentdeployments/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=leaderworkerset.x-k8s.io,resources=leaderworkersets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings the workloads of one DCD to what its spec asks for and reports their state
// in its status, patched once at the end if it changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, reterr error) {
	dcd := &nvidiav1beta1.DynamoComponentDeployment{}
	if err := r.Client.Get(ctx, req.NamespacedName, dcd); err != nil {
		if apierrors.IsNotFound(err) {
			r.reworded.Forget(req.String())
			r.ownWrites.forget(req.String())
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if r.ownWrites.stale(req.String(), dcd.ResourceVersion) {
		return ctrl.Result{RequeueAfter: cacheWait}, nil
	}
	// Hub records are placement decisions, not workloads (design decision 8). The watch
	// filters them out already; this guards a label added since the event was queued.
	if flotillav1alpha1.IsHubRecord(dcd) {
		return ctrl.Result{}, nil
	}
	// Every object built for the DCD has it as controller owner, so the garbage collector
	// deletes them once the DCD is gone; the agent holds no finalizer and has nothing to do.
	if !dcd.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}

	before := dcd.DeepCopy()
	defer func() {
		// A status that only rewords the one written (a rollout's progress) waits for the next
		// change that matters, up to statuswrite.Delay.
		if r.reworded.Hold(req.String(), reworded(&before.Status, &dcd.Status), &result) {
			return
		}
		if err := patchStatus(ctx, r.Client, before, dcd); err != nil {
			reterr = kerrors.NewAggregate([]error{reterr, err})
		} else if dcd.ResourceVersion != before.ResourceVersion {
			r.ownWrites.wrote(req.String(), before.ResourceVersion)
		}
	}()
	return ctrl.Result{}, r.reconcile(ctx, dcd)
}

// reconcile applies the DCD's desired objects, deletes those it no longer wants and sets its
// status in memory. An error is returned for the controller to retry with backoff; a DCD that
// cannot be built is not an error, since retrying cannot fix it.
func (r *Reconciler) reconcile(ctx context.Context, dcd *nvidiav1beta1.DynamoComponentDeployment) error {
	// DCDs the hub writes never carry these (it refuses their graphs); one applied on the member
	// directly is refused the same way rather than run without them.
	if errs := validation.UnsupportedInComponent(field.NewPath("spec"), &dcd.Spec.DynamoComponentDeploymentSharedSpec); len(errs) > 0 {
		r.setNotAvailable(dcd, ReasonUnsupportedFeature, errs.ToAggregate().Error())
		return nil
	}
	desired, err := workload.Build(dcd, r.Options)
	if err != nil {
		var fe *workload.FieldError
		if !errors.As(err, &fe) {
			log.FromContext(ctx).Error(err, "Building the workload failed unexpectedly")
		}
		r.setNotAvailable(dcd, ReasonInvalidSpec, err.Error())
		return nil
	}
	// The member's policy judges the objects as they would be applied. A DCD it denies gets
	// nothing new; what an earlier policy allowed is left as it is.
	if r.Policy != nil {
		if errs := CheckPolicy(r.Policy, dcd, desired); len(errs) > 0 {
			r.setNotAvailable(dcd, ReasonPolicyDenied, errs.ToAggregate().Error())
			return nil
		}
	}
	if desired.SSHKeySecret != "" {
		if err := r.ensureSSHKeySecret(ctx, dcd, desired.SSHKeySecret); err != nil {
			r.setNotAvailable(dcd, ReasonApplyFailed, err.Error())
			return err
		}
	}
	applied, err := r.applyAll(ctx, dcd, desired)
	if err != nil {
		r.setNotAvailable(dcd, ReasonApplyFailed, applyErrorMessage(err))
		return err
	}
	if desired.ModelService != nil {
		if err := r.applyShared(ctx, dcd, workload.KindService, desired.ModelService); err != nil {
			r.setNotAvailable(dcd, ReasonApplyFailed, applyErrorMessage(err))
			return err
		}
	}
	if err := r.deleteUnwanted(ctx, dcd, desired); err != nil {
		return fmt.Errorf("deleting objects DynamoComponentDeployment %s no longer wants: %w", dcd.Name, err)
	}
	setAvailability(dcd, availabilityOf(desired, applied))
	return nil
}
