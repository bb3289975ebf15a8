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
	"crypto/x509"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// readSecret reads the Secret. With ModeSelfSigned a missing one is created, empty, if this
// component may; the charts create it and grant no create, so ErrSecretMissing is then
// returned with the apiserver's refusal.
func (r *Rotator) readSecret(ctx context.Context) (*corev1.Secret, error) {
	key := r.opts.Secret
	secret := &corev1.Secret{}
	err := r.client.Get(ctx, key, secret)
	switch {
	case err == nil:
		return secret, nil
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("reading the Secret %s: %w", key, err)
	case r.opts.Mode == ModeCertManager:
		return nil, fmt.Errorf("%w: %s: waiting for cert-manager to issue it (see the Certificate whose secretName it is)",
			ErrSecretMissing, key)
	}
	secret = &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: {}, corev1.TLSPrivateKeyKey: {}},
	}
	if err := r.client.Create(ctx, secret); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("the Secret %s was created meanwhile: %w", key, err)
		}
		return nil, fmt.Errorf("%w: %s (the chart creates it; creating it here failed: %w)", ErrSecretMissing, key, err)
	}
	r.log.Info("Created the missing webhook certificate Secret", "secret", key)
	return secret, nil
}

// renew writes the certificates the Secret lacks or that are due, and returns the Secret as
// written (or as read, when nothing was due). The patch carries the resourceVersion read: if
// another replica wrote first, the Secret is read again and planned from what it wrote.
func (r *Rotator) renew(ctx context.Context, secret *corev1.Secret) (*corev1.Secret, error) {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		next, reasons, err := r.planner.plan(secret.Data, r.opts.Clock.Now())
		if err != nil || next == nil {
			return err
		}
		before := secret.DeepCopy()
		written := secret.DeepCopy()
		if written.Data == nil {
			written.Data = map[string][]byte{}
		}
		maps.Copy(written.Data, next)
		err = r.client.Patch(ctx, written, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
		if apierrors.IsConflict(err) {
			r.log.V(1).Info("Another replica wrote the webhook certificates first; reading them", "secret", r.opts.Secret)
			fresh := &corev1.Secret{}
			if getErr := r.client.Get(ctx, r.opts.Secret, fresh); getErr != nil {
				return fmt.Errorf("reading the Secret %s again: %w", r.opts.Secret, getErr)
			}
			secret = fresh
			return err
		}
		if err != nil {
			return err
		}
		r.log.Info("Wrote new webhook certificates", "secret", r.opts.Secret, "reasons", reasons)
		secret = written
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("writing the webhook certificates to the Secret %s: %w", r.opts.Secret, err)
	}
	return secret, nil
}

// checkIssued reports what makes a Secret written by cert-manager unusable at now: no ca.crt,
// no valid tls.crt and tls.key, or a tls.crt that ca.crt does not trust.
func checkIssued(data map[string][]byte, now time.Time) error {
	cas, err := parseCerts(data[CACertKey])
	if err != nil {
		return fmt.Errorf("%s: %w (the Certificate's issuer must be a CA or self-signed issuer)", CACertKey, err)
	}
	pair, err := tls.X509KeyPair(data[corev1.TLSCertKey], data[corev1.TLSPrivateKeyKey])
	if err != nil {
		return fmt.Errorf("%s and %s: %w", corev1.TLSCertKey, corev1.TLSPrivateKeyKey, err)
	}
	roots, intermediates := x509.NewCertPool(), x509.NewCertPool()
	for _, ca := range cas {
		roots.AddCert(ca)
	}
	for _, der := range pair.Certificate[1:] {
		if c, err := x509.ParseCertificate(der); err == nil {
			intermediates.AddCert(c)
		}
	}
	if _, err := pair.Leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: intermediates, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}); err != nil {
		return fmt.Errorf("%s is not trusted by %s: %w", corev1.TLSCertKey, CACertKey, err)
	}
	return nil
}
