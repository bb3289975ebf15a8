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

package liveness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// Defaults of Options.
const (
	// DefaultRenewInterval is the default Options.RenewInterval.
	DefaultRenewInterval = 10 * time.Second
	// DefaultLeaseDuration is the default Options.LeaseDuration: three renewals may fail before
	// the hub sees the Lease expire.
	DefaultLeaseDuration = 30 * time.Second
	// PodNameEnv is the environment variable the chart sets to the agent's pod name (downward
	// API), the default holder identity.
	PodNameEnv = "POD_NAME"
)

// requestTimeout bounds each call to the API server.
const requestTimeout = 10 * time.Second

// Options configure the agent's Lease (Add).
type Options struct {
	// Namespace is the agent's namespace, where the Lease lives. Required.
	Namespace string
	// Name is the Lease's name; flotillav1alpha1.AgentLeaseName ("flotilla-agent") when empty.
	Name string
	// Identity is written as spec.holderIdentity; defaults to $POD_NAME, else the host name.
	Identity string
	// RenewInterval is how often renewTime is renewed; DefaultRenewInterval when zero.
	RenewInterval time.Duration
	// LeaseDuration is written as spec.leaseDurationSeconds (whole seconds, at least one);
	// DefaultLeaseDuration when zero. It should be a few RenewIntervals.
	LeaseDuration time.Duration
	// InventorySynced, when set, returns when the agent's GPU inventory was last known to match
	// the member; every renewal writes it in the annotation
	// flotillav1alpha1.AnnotationInventorySynced, so that the hub sees an inventory that is stuck
	// while the agent lives.
	InventorySynced func() time.Time
}

func (o Options) withDefaults() (Options, error) {
	if o.Namespace == "" {
		return o, errors.New("liveness: Options.Namespace is required")
	}
	o.Name = cmp.Or(o.Name, flotillav1alpha1.AgentLeaseName)
	if o.Identity == "" {
		o.Identity = os.Getenv(PodNameEnv)
	}
	if o.Identity == "" {
		host, err := os.Hostname()
		if err != nil {
			return o, fmt.Errorf("liveness: no Options.Identity, no $%s and no host name: %w", PodNameEnv, err)
		}
		o.Identity = host
	}
	o.RenewInterval = cmp.Or(o.RenewInterval, DefaultRenewInterval)
	o.LeaseDuration = cmp.Or(o.LeaseDuration, DefaultLeaseDuration)
	if o.RenewInterval < 0 {
		return o, errors.New("liveness: Options.RenewInterval must not be negative")
	}
	if o.LeaseDuration < time.Second {
		return o, errors.New("liveness: Options.LeaseDuration must be at least one second")
	}
	return o, nil
}

// RBAC of the agent's Lease (see the package documentation).
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=flotilla-system,resources=leases,verbs=get;create;update

// Add sets up a Renewer of the agent's Lease on mgr. It runs only while mgr holds leadership, if
// it elects a leader, and stops with the manager.
func Add(mgr manager.Manager, opts Options) error {
	r, err := NewRenewer(mgr.GetClient(), mgr.GetAPIReader(), opts)
	if err != nil {
		return err
	}
	r.log = mgr.GetLogger().WithName("liveness")
	return mgr.Add(r)
}

// Renewer creates the agent's Lease and renews it every Options.RenewInterval with
// holderIdentity, leaseDurationSeconds and renewTime = now. A failed call (a conflict with
// another writer included) is logged and retried at the next interval from a fresh read, never
// in a tight loop.
type Renewer struct {
	client   client.Client
	reader   client.Reader
	key      types.NamespacedName
	identity string
	interval time.Duration
	duration int32
	now      func() time.Time
	log      logr.Logger
	// synced returns when the inventory was last synced (Options.InventorySynced), or is nil.
	synced func() time.Time

	// current is the Lease as last read or written; nil when it must be read again.
	current *coordinationv1.Lease
}

// NewRenewer returns a Renewer writing with c and reading with r (an uncached reader such as the
// manager's APIReader, so that no informer on Leases is needed). Add it to a manager, or call
// Renew.
func NewRenewer(c client.Client, r client.Reader, opts Options) (*Renewer, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Renewer{
		client:   c,
		reader:   r,
		key:      types.NamespacedName{Namespace: opts.Namespace, Name: opts.Name},
		identity: opts.Identity,
		interval: opts.RenewInterval,
		duration: int32(opts.LeaseDuration / time.Second),
		now:      time.Now,
		log:      logr.Discard(),
		synced:   opts.InventorySynced,
	}, nil
}

// NeedLeaderElection makes the Renewer run only on the elected replica: the one doing the work
// is the one whose liveness counts.
func (r *Renewer) NeedLeaderElection() bool { return true }

// Start renews the Lease at once and then every renew interval until ctx is done.
func (r *Renewer) Start(ctx context.Context) error {
	r.log.Info("Renewing the agent lease", "lease", r.key, "holderIdentity", r.identity, "interval", r.interval)
	ticker := time.NewTicker(r.interval)
	defer ticker.Stop()
	for {
		if err := r.Renew(ctx); err != nil && ctx.Err() == nil {
			r.log.Error(err, "Could not renew the agent lease; retrying", "after", r.interval)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// Renew creates the Lease if missing, or updates it (optimistically, with the resourceVersion
// last seen) with this holder and renewTime = now. After a failure the next call reads the
// Lease again.
func (r *Renewer) Renew(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	if r.current == nil {
		lease := &coordinationv1.Lease{}
		err := r.reader.Get(ctx, r.key, lease)
		switch {
		case apierrors.IsNotFound(err):
			lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: r.key.Namespace, Name: r.key.Name}}
			r.fill(lease)
			if err := r.client.Create(ctx, lease); err != nil {
				return fmt.Errorf("creating Lease %s: %w", r.key, err)
			}
			r.current = lease
			r.log.Info("Created the agent lease", "lease", r.key)
			return nil
		case err != nil:
			return fmt.Errorf("reading Lease %s: %w", r.key, err)
		}
		r.current = lease
	}
	lease := r.current.DeepCopy()
	r.fill(lease)
	if err := r.client.Update(ctx, lease); err != nil {
		r.current = nil
		return fmt.Errorf("renewing Lease %s: %w", r.key, err)
	}
	r.current = lease
	return nil
}

// fill sets the Lease's spec for a renewal now.
func (r *Renewer) fill(lease *coordinationv1.Lease) {
	now := metav1.NewMicroTime(r.now())
	if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != r.identity || lease.Spec.AcquireTime == nil {
		lease.Spec.AcquireTime = &now
		if lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != r.identity {
			lease.Spec.LeaseTransitions = ptr.To(ptr.Deref(lease.Spec.LeaseTransitions, 0) + 1)
		}
	}
	lease.Spec.HolderIdentity = ptr.To(r.identity)
	lease.Spec.LeaseDurationSeconds = ptr.To(r.duration)
	lease.Spec.RenewTime = &now
	if r.synced != nil {
		if t := r.synced(); !t.IsZero() {
			if lease.Annotations == nil {
				lease.Annotations = map[string]string{}
			}
			lease.Annotations[flotillav1alpha1.AnnotationInventorySynced] = t.UTC().Format(time.RFC3339)
		}
	}
}
