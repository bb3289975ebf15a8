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
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/utils/clock"
)

// ErrNoCertificate is what GetCertificate and Checker return before a certificate is loaded.
var ErrNoCertificate = errors.New("no webhook serving certificate loaded yet")

// Holder holds the webhook's serving certificate in memory and hands it to every TLS handshake,
// so that a new certificate is served from the next handshake on, without a restart and without
// files. Its zero value holds nothing and is ready to use; it is safe for concurrent use.
type Holder struct {
	// clock tells the time for Checker; the real clock when nil.
	clock clock.PassiveClock

	cert atomic.Pointer[heldCertificate]
	// mu serializes Load, so that two loads cannot interleave their compare and store.
	mu sync.Mutex
}

// heldCertificate is a loaded certificate and the PEM it was loaded from.
type heldCertificate struct {
	tls     tls.Certificate
	certPEM []byte
	keyPEM  []byte
}

// Load parses the PEM-encoded certificate (chain) and key and serves them from the next
// handshake on. It reports whether they differ from those loaded before; invalid ones are an
// error and leave the current certificate in place.
func (h *Holder) Load(certPEM, keyPEM []byte) (changed bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cur := h.cert.Load(); cur != nil && bytes.Equal(cur.certPEM, certPEM) && bytes.Equal(cur.keyPEM, keyPEM) {
		return false, nil
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return false, fmt.Errorf("loading the webhook serving certificate: %w", err)
	}
	h.cert.Store(&heldCertificate{tls: pair, certPEM: bytes.Clone(certPEM), keyPEM: bytes.Clone(keyPEM)})
	return true, nil
}

// Certificate returns the certificate served, nil before one is loaded. Its Leaf is parsed.
func (h *Holder) Certificate() *tls.Certificate {
	if cur := h.cert.Load(); cur != nil {
		return &cur.tls
	}
	return nil
}

// GetCertificate returns the certificate served, whatever the client hello; it is
// tls.Config.GetCertificate.
func (h *Holder) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if cur := h.Certificate(); cur != nil {
		return cur, nil
	}
	return nil, ErrNoCertificate
}

// TLSOpt makes cfg serve the Holder's certificate. Pass it in webhook.Options.TLSOpts of
// controller-runtime's webhook server, which then loads no certificate files.
func (h *Holder) TLSOpt(cfg *tls.Config) {
	cfg.GetCertificate = h.GetCertificate
}

// Checker is a readiness check (a controller-runtime healthz.Checker): it fails until a
// certificate is loaded, and once the loaded one has expired.
func (h *Holder) Checker(*http.Request) error {
	cur := h.Certificate()
	if cur == nil {
		return ErrNoCertificate
	}
	c := h.clock
	if c == nil {
		c = clock.RealClock{}
	}
	if notAfter := cur.Leaf.NotAfter; c.Now().After(notAfter) {
		return fmt.Errorf("the webhook serving certificate expired at %s", notAfter.UTC().Format(time.RFC3339))
	}
	return nil
}
