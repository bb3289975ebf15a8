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
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

const (
	// ReadyzCheckName is the name of the readiness check SetupWithManager adds.
	ReadyzCheckName = "webhook-certificate"
	// requestTimeout bounds each check's calls to the API server.
	requestTimeout = 30 * time.Second
	// firstRetry is the first delay before a failed check is retried; retries back off to
	// Options.CheckInterval.
	firstRetry = time.Second
)

// ErrSecretMissing is wrapped by the error of a check that found no Secret and could not
// create it (ModeSelfSigned), or that waits for cert-manager to write it (ModeCertManager).
var ErrSecretMissing = errors.New("the webhook certificate Secret does not exist")

// ErrCAUnusable is wrapped by the error of a check with Options.KeepCA whose Secret holds a CA
// that cannot sign (expired, or without its key), and by the log line saying that the CA is due.
var ErrCAUnusable = errors.New("the webhook CA must be renewed")

// Rotator keeps the conversion webhook's serving certificate and the CRDs' caBundle current:
// with ModeSelfSigned it issues and rotates the certificates in the Secret, with
// ModeCertManager it reads what cert-manager wrote there. Each check (Check):
//
//  1. reads the Secret, uncached (and creates it, empty, if missing and allowed: ModeSelfSigned);
//  2. with ModeSelfSigned, writes the certificates that are due (see the package documentation)
//     with a patch carrying the resourceVersion read: when several replicas check at once, one
//     write wins and the others read it and find nothing left to do;
//  3. sets the spec.conversion of every CRD of Options.CRDs (Options.Conversion, caBundle = the
//     Secret's ca.crt) and the clientConfig of every webhook of
//     Options.ValidatingWebhookConfigurations (AdmissionClientConfig) where they differ;
//  4. serves the Secret's certificate (Holder) from the next TLS handshake on.
//
// It is a manager.Runnable that runs on every replica (all replicas serve the webhook).
type Rotator struct {
	opts    Options
	planner planner
	holder  *Holder
	// client reads and writes the Secret and the CRDs, uncached: no informer, so no list or
	// watch right, is needed. SetupWithManager sets it.
	client client.Client
	log    logr.Logger
	// caWarned is when a check with Options.KeepCA last logged that the CA is due.
	caWarned time.Time
}

var _ manager.LeaderElectionRunnable = (*Rotator)(nil)

// New validates opts and returns a Rotator holding no certificate yet. Pass its TLSOpt to the
// manager's webhook server, then add it to the manager with SetupWithManager.
func New(opts Options) (*Rotator, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Rotator{
		opts:    opts,
		planner: newPlanner(opts),
		holder:  &Holder{clock: opts.Clock},
		log:     logf.Log.WithName("webhookcert"),
	}, nil
}

// Scheme returns a scheme with what a Rotator reads and writes: core/v1 Secrets and
// apiextensions.k8s.io/v1 CustomResourceDefinitions.
func Scheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, apiextensionsv1.AddToScheme, admissionregistrationv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

// SetupWithManager adds r to mgr, with a client of its own (uncached, Scheme) on mgr's
// connection, and its readiness check (Holder.Checker) named ReadyzCheckName.
func (r *Rotator) SetupWithManager(mgr manager.Manager) error {
	scheme, err := Scheme()
	if err != nil {
		return err
	}
	c, err := client.New(mgr.GetConfig(), client.Options{
		Scheme: scheme, HTTPClient: mgr.GetHTTPClient(), Mapper: mgr.GetRESTMapper(),
	})
	if err != nil {
		return fmt.Errorf("webhookcert: creating a client: %w", err)
	}
	r.client = c
	r.log = mgr.GetLogger().WithName("webhookcert")
	if err := mgr.Add(webhookGroupRunnable{r}); err != nil {
		return fmt.Errorf("webhookcert: adding the rotator: %w", err)
	}
	if err := mgr.AddReadyzCheck(ReadyzCheckName, r.holder.Checker); err != nil {
		return fmt.Errorf("webhookcert: adding the readiness check: %w", err)
	}
	return nil
}

// Holder returns the Holder of the certificate r serves.
func (r *Rotator) Holder() *Holder { return r.holder }

// TLSOpt makes cfg serve r's certificate: pass it in webhook.Options.TLSOpts.
func (r *Rotator) TLSOpt(cfg *tls.Config) { r.holder.TLSOpt(cfg) }

// NeedLeaderElection is false: every replica serves the webhook, so every replica loads the
// certificate. Writes are safe from several replicas (see Check).
func (r *Rotator) NeedLeaderElection() bool { return false }

// Start checks at once, retries a failed check with a backoff from one second to
// Options.CheckInterval (so the first certificate is loaded as soon as the Secret allows), and
// then checks every Options.CheckInterval until ctx is done. Failures are logged, never fatal.
func (r *Rotator) Start(ctx context.Context) error {
	r.log.Info("Starting the webhook certificate rotator", "mode", r.opts.Mode, "secret", r.opts.Secret,
		"crds", r.opts.CRDs, "interval", r.opts.CheckInterval)
	newBackoff := func() wait.Backoff {
		return wait.Backoff{Duration: min(firstRetry, r.opts.CheckInterval), Factor: 2, Jitter: 0.1,
			Steps: math.MaxInt32, Cap: r.opts.CheckInterval}
	}
	backoff := newBackoff()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		next := r.opts.CheckInterval
		if err := r.Check(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			next = backoff.Step()
			r.log.Error(err, "Webhook certificate check failed; retrying", "after", next.Round(time.Millisecond),
				"serving", r.holder.Certificate() != nil)
		} else {
			backoff = newBackoff()
		}
		timer.Reset(next)
	}
}

// Check reads the Secret, writes the certificates that are due (ModeSelfSigned), sets the CRDs'
// conversion webhook and serves the Secret's certificate (see Rotator). A CRD that cannot be
// set does not keep the certificate from being served; its error is returned with the others.
func (r *Rotator) Check(ctx context.Context) error {
	if r.client == nil {
		return errors.New("webhookcert: the Rotator has no client: call SetupWithManager")
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()

	// 1. The Secret.
	secret, err := r.readSecret(ctx)
	if err != nil {
		return err
	}
	// 2. Its certificates.
	if r.opts.Mode == ModeSelfSigned {
		if secret, err = r.renew(ctx, secret); err != nil {
			return err
		}
	} else if err := checkIssued(secret.Data, r.opts.Clock.Now()); err != nil {
		return fmt.Errorf("the Secret %s, written by cert-manager: %w", r.opts.Secret, err)
	}
	// 3. The CRDs and admission webhooks, before the certificate is served: a new CA is trusted
	// before it is used.
	var errs []error
	want := r.opts.Conversion(secret.Data[CACertKey])
	for _, name := range r.opts.CRDs {
		patched, err := injectCRD(ctx, r.client, name, want)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if patched {
			r.log.Info("Set the conversion webhook of a CRD", "crd", name, "cas", countCerts(want.Webhook.ClientConfig.CABundle))
		}
	}
	for _, name := range r.opts.ValidatingWebhookConfigurations {
		patched, err := injectValidatingWebhooks(ctx, r.client, r.opts, name, want.Webhook.ClientConfig.CABundle)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if patched {
			r.log.Info("Set the admission webhooks of a ValidatingWebhookConfiguration", "configuration", name,
				"cas", countCerts(want.Webhook.ClientConfig.CABundle))
		}
	}
	// 4. The certificate served.
	changed, err := r.holder.Load(secret.Data[corev1.TLSCertKey], secret.Data[corev1.TLSPrivateKeyKey])
	if err != nil {
		errs = append(errs, fmt.Errorf("the Secret %s: %w", r.opts.Secret, err))
	} else if changed {
		leaf := r.holder.Certificate().Leaf
		r.log.Info("Serving a new webhook certificate", "serial", leaf.SerialNumber.Text(16), "issuer", leaf.Issuer.CommonName,
			"notAfter", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if r.opts.KeepCA && r.opts.Mode == ModeSelfSigned {
		r.warnCADue(secret.Data)
	}
	return kerrors.NewAggregate(errs)
}

// warnCADue logs, at most once per CAWarningInterval, that the CA of data is due for renewal,
// which a Rotator with Options.KeepCA leaves to whoever sets the CRDs' caBundle.
func (r *Rotator) warnCADue(data map[string][]byte) {
	now := r.opts.Clock.Now()
	ca := caDue(data, now)
	if ca == nil || (!r.caWarned.IsZero() && now.Sub(r.caWarned) < CAWarningInterval) {
		return
	}
	r.caWarned = now
	r.log.Error(ErrCAUnusable, "The webhook CA is due for renewal, which this component leaves to whoever sets the CRDs' "+
		"caBundle: run helm upgrade on its release, whose wire-conversion hook renews it (serving certificates end with "+
		"the CA)", "secret", r.opts.Secret, "ca", ca.Subject.CommonName, "notAfter", ca.NotAfter.UTC().Format(time.RFC3339))
}

// webhookGroupRunnable adds a Rotator to the manager's group of webhook servers, the only group
// of runnables that controller-runtime starts before the caches, which the Rotator does not
// use: runnables that need no leader election start only once every cache has synced. A
// cache's initial list of a kind stored in another version than the one it reads needs the
// conversion webhook, which needs the certificate the Rotator loads: from that later group, a
// manager restarted with such objects would wait for its caches forever. Only Start is called
// on the runnables of the group.
type webhookGroupRunnable struct{ r *Rotator }

var _ webhook.Server = webhookGroupRunnable{}

// Start runs the Rotator.
func (w webhookGroupRunnable) Start(ctx context.Context) error { return w.r.Start(ctx) }

// NeedLeaderElection is false: every replica serves the webhook.
func (w webhookGroupRunnable) NeedLeaderElection() bool { return w.r.NeedLeaderElection() }

// Register panics: a Rotator serves no webhook of its own.
func (webhookGroupRunnable) Register(path string, _ http.Handler) {
	panic("webhookcert: the Rotator serves no webhook; register " + path + " on the manager's webhook server")
}

// StartedChecker is the Rotator's readiness check (Holder.Checker).
func (w webhookGroupRunnable) StartedChecker() healthz.Checker { return w.r.holder.Checker }

// WebhookMux is nil: a Rotator serves nothing.
func (webhookGroupRunnable) WebhookMux() *http.ServeMux { return nil }

// countCerts returns how many certificates the PEM bundle holds, for logs.
func countCerts(bundle []byte) int {
	certs, _ := parseCerts(bundle)
	return len(certs)
}
