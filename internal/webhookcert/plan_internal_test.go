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
	"maps"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// testOptions are lifetimes a unit test can reason about in hours: the CA is due after 20h and
// expires after 30h, a serving certificate is due after 6h and expires after 9h.
func testOptions() Options {
	return Options{
		Secret:              types.NamespacedName{Namespace: "flotilla-system", Name: "flotilla-webhook-cert"},
		CRDs:                []string{"widgets.test.flotilla.dev"},
		Service:             &ServiceReference{Namespace: "flotilla-system", Name: "flotilla-webhook"},
		CALifetime:          30 * time.Hour,
		ServingCertLifetime: 9 * time.Hour,
		CAActivationDelay:   10 * time.Minute,
		CheckInterval:       time.Minute,
	}
}

func mustPlanner(t *testing.T, o Options) planner {
	t.Helper()
	o, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return newPlanner(o)
}

// secretData is the data of a certificate Secret, with accessors for tests.
type secretData map[string][]byte

func (d secretData) cas(t *testing.T) []*x509.Certificate {
	t.Helper()
	cas, err := parseCerts(d[CACertKey])
	if err != nil {
		t.Fatalf("%s: %v", CACertKey, err)
	}
	return cas
}

func (d secretData) serving(t *testing.T) *x509.Certificate {
	t.Helper()
	pair, err := tls.X509KeyPair(d[corev1.TLSCertKey], d[corev1.TLSPrivateKeyKey])
	if err != nil {
		t.Fatalf("serving certificate: %v", err)
	}
	return pair.Leaf
}

// applyPlan plans data at at and returns the data written, the plan and its reasons.
func applyPlan(t *testing.T, p planner, data secretData, at time.Time) (secretData, map[string][]byte, []string) {
	t.Helper()
	next, reasons, err := p.plan(data, at)
	if err != nil {
		t.Fatal(err)
	}
	out := maps.Clone(data)
	if out == nil {
		out = secretData{}
	}
	maps.Copy(out, next)
	return out, next, reasons
}

func TestPlan(t *testing.T) {
	p := mustPlanner(t, testOptions())
	at := t0.Add

	// Histories the cases start from: issued at t0; its serving certificate renewed at 18h; its
	// CA rotated at 20h; the serving certificate then signed by the new CA.
	issued, _, _ := applyPlan(t, p, nil, t0)
	renewed18h, _, _ := applyPlan(t, p, issued, at(18*time.Hour))
	rotated20h, _, _ := applyPlan(t, p, renewed18h, at(20*time.Hour+time.Second))
	resigned, _, _ := applyPlan(t, p, rotated20h, at(20*time.Hour+11*time.Minute+time.Second))
	foreign, _, _ := applyPlan(t, p, nil, t0)

	with := func(d secretData, kv ...any) secretData {
		out := maps.Clone(d)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(out, kv[i].(string))
				continue
			}
			out[kv[i].(string)] = kv[i+1].([]byte)
		}
		return out
	}

	for _, tc := range []struct {
		name string
		opts func(*Options)
		data secretData
		at   time.Duration
		// want
		change, newCA, newServing bool
		bundle                    int // CAs in ca.crt after the plan
		reason                    string
	}{
		{name: "an empty Secret gets a CA and a serving certificate it signs", data: secretData{},
			change: true, newCA: true, newServing: true, bundle: 1, reason: "no CA with its key"},
		{name: "a Secret just issued is left alone", data: issued},
		{name: "half-way through its lifetime the serving certificate is kept", data: issued, at: 4*time.Hour + 30*time.Minute},
		{name: "with less than a third of its lifetime left the serving certificate is renewed by the same CA",
			data: issued, at: 6*time.Hour + time.Second, change: true, newServing: true, bundle: 1, reason: "due since"},
		{name: "an expired serving certificate is renewed", data: issued, at: 10 * time.Hour,
			change: true, newServing: true, bundle: 1, reason: "expired"},
		{name: "a serving certificate for other names is renewed",
			opts: func(o *Options) { o.Service.Name = "renamed" }, data: issued,
			change: true, newServing: true, bundle: 1, reason: "names"},
		{name: "a URL webhook gets a serving certificate for the URL's IP address",
			opts: func(o *Options) { o.Service, o.URL = nil, "https://127.0.0.1:9443/convert" }, data: issued,
			change: true, newServing: true, bundle: 1, reason: "127.0.0.1"},
		{name: "a serving certificate whose key does not match is renewed",
			data:   with(issued, corev1.TLSPrivateKeyKey, foreign[corev1.TLSPrivateKeyKey]),
			change: true, newServing: true, bundle: 1, reason: "invalid"},
		{name: "a serving certificate signed by another CA is renewed",
			data:   with(issued, corev1.TLSCertKey, foreign[corev1.TLSCertKey], corev1.TLSPrivateKeyKey, foreign[corev1.TLSPrivateKeyKey]),
			change: true, newServing: true, bundle: 1, reason: "not trusted"},
		{name: "an unreadable ca.crt is replaced by a new CA, and the serving certificate with it",
			data:   with(issued, CACertKey, []byte("garbage")),
			change: true, newCA: true, newServing: true, bundle: 1, reason: "invalid CA certificate(s) removed"},
		{name: "a lost CA key brings a new CA; the old CA stays trusted and its serving certificate served",
			data: with(issued, CAKeyKey, nil), at: time.Hour,
			change: true, newCA: true, bundle: 2, reason: "no CA with its key"},
		{name: "with less than a third of its lifetime left the CA is rotated, the old one kept in ca.crt",
			data: renewed18h, at: 20*time.Hour + time.Second,
			change: true, newCA: true, bundle: 2, reason: "expires at"},
		{name: "the serving certificate stays with the old CA while the new one is not activated",
			data: rotated20h, at: 20*time.Hour + 9*time.Minute},
		{name: "once the new CA is activated the serving certificate is signed by it, the old CA still trusted",
			data: rotated20h, at: 20*time.Hour + 11*time.Minute + time.Second,
			change: true, newServing: true, bundle: 2, reason: "signed by an earlier CA"},
		{name: "the old CA is removed once expired", data: resigned, at: 30*time.Hour + time.Second,
			change: true, newServing: true, bundle: 1, reason: "1 expired or invalid CA certificate(s) removed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions()
			if tc.opts != nil {
				o.Service = &ServiceReference{Namespace: o.Service.Namespace, Name: o.Service.Name}
				tc.opts(&o)
			}
			p := mustPlanner(t, o)
			now := at(tc.at)
			out, next, reasons := applyPlan(t, p, tc.data, now)
			if (next != nil) != tc.change {
				t.Fatalf("plan changes %v (reasons %q), want %v", next != nil, reasons, tc.change)
			}
			if !tc.change {
				return
			}
			if got := strings.Join(reasons, "; "); !strings.Contains(got, tc.reason) {
				t.Errorf("reasons %q do not mention %q", got, tc.reason)
			}
			oldCAs, _ := parseCerts(tc.data[CACertKey])
			cas := out.cas(t)
			if len(cas) != tc.bundle {
				t.Errorf("ca.crt holds %d CAs, want %d", len(cas), tc.bundle)
			}
			if gotNew := len(oldCAs) == 0 || !cas[0].Equal(oldCAs[0]); gotNew != tc.newCA {
				t.Errorf("new CA %v, want %v", gotNew, tc.newCA)
			}
			if tc.newCA && len(cas) > 1 && !cas[1].Equal(oldCAs[0]) {
				t.Error("the previous CA is not kept second in ca.crt")
			}
			if key, err := parseKey(out[CAKeyKey]); err != nil || !matches(cas[0], key) {
				t.Errorf("ca.key is not the key of the first CA: %v", err)
			}
			if gotNew := !bytes.Equal(out[corev1.TLSCertKey], tc.data[corev1.TLSCertKey]); gotNew != tc.newServing {
				t.Errorf("new serving certificate %v, want %v", gotNew, tc.newServing)
			}
			serving := out.serving(t)
			if tc.newServing && serving.CheckSignatureFrom(cas[0]) != nil {
				t.Error("a new serving certificate is not signed by the first CA")
			}
			roots := x509.NewCertPool()
			for _, ca := range cas {
				roots.AddCert(ca)
			}
			var name string
			if len(p.dnsNames) > 0 {
				name = p.dnsNames[0]
			} else {
				name = p.ips[0].String() // URL mode
			}
			if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, DNSName: name,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
				t.Errorf("the serving certificate is not trusted by ca.crt: %v", err)
			}

			again, reasons, err := p.plan(out, now)
			if err != nil || again != nil {
				t.Errorf("planning the result again changes it (%q, %v): not idempotent", reasons, err)
			}
		})
	}
}

// TestPlanTimeline runs two replicas that check in turn, one CheckInterval apart, through two
// CA lifetimes, each doing what Rotator.Check does (plan and write, set the CRDs' caBundle to
// ca.crt, then serve tls.crt). At every step the certificate each replica serves, the other's
// being one check old, must be trusted by the caBundle, and a CA must have been in the caBundle
// for CAActivationDelay before a certificate it signed is served.
func TestPlanTimeline(t *testing.T) {
	o := testOptions()
	p := mustPlanner(t, o)
	var (
		secret       secretData
		caBundle     []byte
		served       [2][]byte
		trustedSince = map[string]time.Time{}
		issuers      = map[string]bool{}
		renewals     int
	)
	for i := 0; i <= int(62*time.Hour/o.CheckInterval); i++ {
		now := t0.Add(time.Duration(i) * o.CheckInterval)
		replica := i % 2
		out, next, _ := applyPlan(t, p, secret, now)
		if next != nil && !bytes.Equal(out[corev1.TLSCertKey], secret[corev1.TLSCertKey]) {
			renewals++
		}
		secret = out
		caBundle = secret[CACertKey]
		cas, err := parseCerts(caBundle)
		if err != nil {
			t.Fatal(err)
		}
		if len(cas) > 2 {
			t.Fatalf("%s: ca.crt holds %d CAs", now.Sub(t0), len(cas))
		}
		for _, ca := range cas {
			if _, ok := trustedSince[string(ca.Raw)]; !ok {
				trustedSince[string(ca.Raw)] = now
			}
		}
		if !bytes.Equal(served[replica], secret[corev1.TLSCertKey]) {
			served[replica] = secret[corev1.TLSCertKey]
			leaf := secret.serving(t)
			for _, ca := range cas {
				if leaf.CheckSignatureFrom(ca) != nil {
					continue
				}
				issuers[string(ca.Raw)] = true
				if since := now.Sub(trustedSince[string(ca.Raw)]); len(issuers) > 1 && since < o.CAActivationDelay && since > 0 {
					t.Errorf("%s: replica %d serves a certificate of a CA trusted for %s only", now.Sub(t0), replica, since)
				}
			}
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(caBundle)
		for r, certPEM := range served {
			if certPEM == nil {
				continue
			}
			leaf, err := parseCerts(certPEM)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := leaf[0].Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, DNSName: "flotilla-webhook.flotilla-system.svc",
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
				t.Fatalf("%s: the apiserver would reject replica %d's certificate: %v", now.Sub(t0), r, err)
			}
		}
	}
	// CAs issued at 0, 20h, 40h and 60h; serving certificates renewed every 6h or sooner.
	if len(issuers) != 4 {
		t.Errorf("%d CAs signed serving certificates in 62h, want 4 (one every 20h)", len(issuers))
	}
	if renewals < 62/6 {
		t.Errorf("%d serving certificates in 62h, want at least %d", renewals, 62/6)
	}
}
