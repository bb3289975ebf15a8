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
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Keys of the Secret. tls.crt and tls.key are corev1.TLSCertKey and corev1.TLSPrivateKeyKey.
const (
	// CACertKey holds the CA bundle, PEM: with ModeSelfSigned the CA that signs new serving
	// certificates first, then the earlier CAs that have not expired yet (trusted until they
	// do); with ModeCertManager what cert-manager writes.
	CACertKey = "ca.crt"
	// CAKeyKey holds the private key of the first CA of CACertKey (ModeSelfSigned only).
	CAKeyKey = "ca.key"
)

// planner decides, for ModeSelfSigned, what the Secret must hold at a given time.
type planner struct {
	opts     Options
	dnsNames []string
	ips      []net.IP
}

// newPlanner returns a planner for o, defaults set.
func newPlanner(o Options) planner {
	dnsNames, ips := o.subjectNames()
	return planner{opts: o, dnsNames: dnsNames, ips: ips}
}

// plan returns the certificate keys the Secret must hold at now given those it holds (data),
// and the reasons of the change for the log; nil when nothing is to change. Every replica with
// the same options plans the same from the same data, except for the keys it generates, and
// plans nothing once the Secret is up to date: the first to write wins, the others read that.
//
//  1. The CA bundle keeps the CAs of ca.crt that have not expired, in order.
//  2. A new CA is put first when the first one cannot sign (no matching ca.key), or when less
//     than a third of its lifetime is left. The earlier ones stay, trusted, until they expire.
//  3. A new serving certificate, signed by the first CA, replaces the current one when it is
//     missing or invalid, names other names than the options, is not trusted by the bundle, has
//     less than a third of its lifetime left, or was signed by an earlier CA while the first
//     one has been trusted for CAActivationDelay.
//
// With Options.KeepCA, a Secret holding a ca.crt keeps its ca.crt and ca.key as they are (no
// step 1 nor 2), and one whose first valid CA cannot sign is an error (ErrCAUnusable).
func (p planner) plan(data map[string][]byte, now time.Time) (map[string][]byte, []string, error) {
	var reasons []string
	keepCA := p.opts.KeepCA && len(data[CACertKey]) > 0

	// 1. The CAs still valid, and the one that signs, if any.
	bundle, dropped := validCAs(data[CACertKey], now)
	if dropped > 0 && !keepCA {
		reasons = append(reasons, fmt.Sprintf("%d expired or invalid CA certificate(s) removed from %s", dropped, CACertKey))
	}
	var signer *keyPair
	if len(bundle) > 0 {
		if key, err := parseKey(data[CAKeyKey]); err == nil && matches(bundle[0], key) {
			signer = &keyPair{cert: bundle[0], key: key, certPEM: encodeCerts(bundle[0]), keyPEM: data[CAKeyKey]}
		}
	}

	if keepCA && signer == nil {
		return nil, nil, fmt.Errorf("%w: %s holds no valid CA whose key is %s, and this component keeps the CA as it is "+
			"(KeepCA): whoever sets the CRDs' caBundle must renew it", ErrCAUnusable, CACertKey, CAKeyKey)
	}

	// 2. A new CA if needed.
	newCA := ""
	switch {
	case keepCA:
	case signer == nil:
		newCA = "no CA with its key"
	case !now.Before(renewAt(signer.cert)):
		newCA = fmt.Sprintf("CA %q expires at %s", signer.cert.Subject.CommonName, signer.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if newCA != "" {
		ca, err := p.newCA(now)
		if err != nil {
			return nil, nil, err
		}
		reasons = append(reasons, "new CA "+ca.cert.Subject.CommonName+": "+newCA)
		signer = ca
		bundle = append([]*x509.Certificate{ca.cert}, bundle...)
	}

	// 3. A new serving certificate if needed.
	certPEM, keyPEM := data[corev1.TLSCertKey], data[corev1.TLSPrivateKeyKey]
	if why := p.servingProblem(certPEM, keyPEM, bundle, signer.cert, now); why != "" {
		serving, err := newServingCert(signer, p.dnsNames, p.ips, now, p.opts.ServingCertLifetime)
		if err != nil {
			return nil, nil, err
		}
		reasons = append(reasons, "new serving certificate: "+why)
		certPEM, keyPEM = serving.certPEM, serving.keyPEM
	}

	next := map[string][]byte{
		CACertKey:               encodeCerts(bundle...),
		CAKeyKey:                signer.keyPEM,
		corev1.TLSCertKey:       certPEM,
		corev1.TLSPrivateKeyKey: keyPEM,
	}
	if keepCA {
		next[CACertKey] = data[CACertKey]
	}
	for k, v := range next {
		if !bytes.Equal(data[k], v) {
			return next, reasons, nil
		}
	}
	return nil, nil, nil
}

// caDue returns the CA that signs serving certificates (the first valid one of data's ca.crt)
// when it is due for renewal at now; nil when it is not, or when there is none.
func caDue(data map[string][]byte, now time.Time) *x509.Certificate {
	bundle, _ := validCAs(data[CACertKey], now)
	if len(bundle) == 0 || now.Before(renewAt(bundle[0])) {
		return nil
	}
	return bundle[0]
}

// newCA returns a new CA valid from now, named after the Secret and the time.
func (p planner) newCA(now time.Time) (*keyPair, error) {
	return newCA(fmt.Sprintf("%s-ca@%d", p.opts.Secret.Name, now.Unix()), now, p.opts.CALifetime)
}

// servingProblem returns why the serving certificate certPEM with key keyPEM must be replaced
// at now, given the trusted CAs (bundle) and the one that signs new certificates; "" when it
// need not.
func (p planner) servingProblem(certPEM, keyPEM []byte, bundle []*x509.Certificate, signer *x509.Certificate, now time.Time) string {
	if len(certPEM) == 0 {
		return "none yet"
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Sprintf("invalid: %v", err)
	}
	leaf := pair.Leaf
	dnsNames, ips := sortedNames(slices.Clone(leaf.DNSNames), slices.Clone(leaf.IPAddresses))
	if !slices.Equal(dnsNames, p.dnsNames) || !slices.EqualFunc(ips, p.ips, net.IP.Equal) {
		return fmt.Sprintf("it names %v %v, not %v %v", dnsNames, ips, p.dnsNames, p.ips)
	}
	roots := x509.NewCertPool()
	for _, ca := range bundle {
		roots.AddCert(ca)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}); err != nil {
		return fmt.Sprintf("not trusted by %s: %v", CACertKey, err)
	}
	if at := renewAt(leaf); !now.Before(at) {
		return fmt.Sprintf("due since %s, expires at %s", at.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if leaf.CheckSignatureFrom(signer) != nil {
		if active := signer.NotBefore.Add(backdate + p.opts.CAActivationDelay); !now.Before(active) {
			return fmt.Sprintf("signed by an earlier CA, and CA %q is trusted since %s", signer.Subject.CommonName,
				signer.NotBefore.Add(backdate).UTC().Format(time.RFC3339))
		}
	}
	return ""
}

// validCAs returns the CA certificates of the PEM bundle that are valid at now, in order and
// without duplicates, and how many certificates it dropped. Unparsable data counts as one.
func validCAs(data []byte, now time.Time) (valid []*x509.Certificate, dropped int) {
	if len(data) == 0 {
		return nil, 0
	}
	certs, err := parseCerts(data)
	if err != nil {
		return nil, 1
	}
	for _, c := range certs {
		if !c.IsCA || now.After(c.NotAfter) || slices.ContainsFunc(valid, c.Equal) {
			dropped++
			continue
		}
		valid = append(valid, c)
	}
	return valid, dropped
}
