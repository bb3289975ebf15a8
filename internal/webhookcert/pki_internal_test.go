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
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestNewCA(t *testing.T) {
	ca, err := newCA("test-ca", t0, 30*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := ca.cert
	if !c.IsCA || !c.BasicConstraintsValid || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("not a CA: IsCA=%v basicConstraints=%v keyUsage=%b", c.IsCA, c.BasicConstraintsValid, c.KeyUsage)
	}
	if c.Subject.CommonName != "test-ca" || c.Issuer.CommonName != "test-ca" {
		t.Errorf("subject %q issuer %q, want test-ca self-signed", c.Subject.CommonName, c.Issuer.CommonName)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if !c.NotBefore.Equal(t0.Add(-backdate)) || !c.NotAfter.Equal(t0.Add(30*time.Hour)) {
		t.Errorf("valid %s to %s, want %s to %s", c.NotBefore, c.NotAfter, t0.Add(-backdate), t0.Add(30*time.Hour))
	}
	if pub, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", c.PublicKey)
	}
	key, err := parseKey(ca.keyPEM)
	if err != nil || !matches(c, key) {
		t.Errorf("keyPEM does not hold the CA's key: %v", err)
	}
	if certs, err := parseCerts(ca.certPEM); err != nil || len(certs) != 1 || !certs[0].Equal(c) {
		t.Errorf("certPEM does not hold the CA: %v", err)
	}
	other, err := newCA("test-ca", t0, 30*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if other.cert.SerialNumber.Cmp(c.SerialNumber) == 0 {
		t.Error("two CAs have the same serial number")
	}
}

func TestNewServingCert(t *testing.T) {
	ca, err := newCA("test-ca", t0, 30*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dnsNames := []string{"webhook", "webhook.ns", "webhook.ns.svc", "webhook.ns.svc.cluster.local"}
	ips := []net.IP{net.IPv4(127, 0, 0, 1).To4()}

	t.Run("names, usage and chain", func(t *testing.T) {
		s, err := newServingCert(ca, dnsNames, ips, t0, 9*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AddCert(ca.cert)
		for _, name := range append(dnsNames, "127.0.0.1") {
			if _, err := s.cert.Verify(x509.VerifyOptions{
				DNSName: name, Roots: roots, CurrentTime: t0, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			}); err != nil {
				t.Errorf("not valid for %s: %v", name, err)
			}
		}
		if _, err := s.cert.Verify(x509.VerifyOptions{DNSName: "other", Roots: roots, CurrentTime: t0}); err == nil {
			t.Error("valid for a name it was not issued for")
		}
		if s.cert.IsCA {
			t.Error("a serving certificate is a CA")
		}
		if s.cert.Subject.CommonName != "webhook" {
			t.Errorf("common name %q, want the first DNS name", s.cert.Subject.CommonName)
		}
		if !s.cert.NotAfter.Equal(t0.Add(9 * time.Hour)) {
			t.Errorf("NotAfter %s, want %s", s.cert.NotAfter, t0.Add(9*time.Hour))
		}
	})
	t.Run("IP only", func(t *testing.T) {
		s, err := newServingCert(ca, nil, ips, t0, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if s.cert.Subject.CommonName != "127.0.0.1" || len(s.cert.DNSNames) != 0 {
			t.Errorf("common name %q, DNS names %v; want 127.0.0.1 and none", s.cert.Subject.CommonName, s.cert.DNSNames)
		}
	})
	t.Run("never beyond its CA", func(t *testing.T) {
		s, err := newServingCert(ca, dnsNames, nil, t0.Add(25*time.Hour), 9*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !s.cert.NotAfter.Equal(ca.cert.NotAfter) {
			t.Errorf("NotAfter %s, want the CA's %s", s.cert.NotAfter, ca.cert.NotAfter)
		}
	})
	t.Run("no names", func(t *testing.T) {
		if _, err := newServingCert(ca, nil, nil, t0, time.Hour); err == nil {
			t.Error("issued a certificate without names")
		}
	})
}

func TestParseKey(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	cert := enc(pemCertificate, []byte("not parsed"))
	for _, tc := range []struct {
		name    string
		data    []byte
		want    crypto.Signer
		wantErr bool
	}{
		{"PKCS #8", enc("PRIVATE KEY", pkcs8), ecKey, false},
		{"SEC 1", enc("EC PRIVATE KEY", sec1), ecKey, false},
		{"PKCS #1", enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), rsaKey, false},
		{"after a certificate", append(cert, enc("PRIVATE KEY", pkcs8)...), ecKey, false},
		{"empty", nil, nil, true},
		{"garbage", enc("PRIVATE KEY", []byte("garbage")), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseKey(tc.data)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if err == nil && !got.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tc.want.Public()) {
				t.Errorf("parsed another key")
			}
		})
	}
}

func TestParseCerts(t *testing.T) {
	a, _ := newCA("a", t0, time.Hour)
	b, _ := newCA("b", t0, time.Hour)
	certs, err := parseCerts(append(append(a.certPEM, a.keyPEM...), b.certPEM...))
	if err != nil || len(certs) != 2 || !certs[0].Equal(a.cert) || !certs[1].Equal(b.cert) {
		t.Errorf("parseCerts(a, key, b) = %d certificates, %v; want a and b in order", len(certs), err)
	}
	if _, err := parseCerts(nil); err == nil {
		t.Error("parseCerts(nil) found no error")
	}
	if !bytes.Equal(encodeCerts(a.cert, b.cert), append(a.certPEM, b.certPEM...)) {
		t.Error("encodeCerts(a, b) is not a's PEM then b's")
	}
}

func TestRenewAt(t *testing.T) {
	ca, _ := newCA("a", t0, 30*time.Hour)
	if got, want := renewAt(ca.cert), t0.Add(20*time.Hour); !got.Equal(want) {
		t.Errorf("renewAt = %s, want two thirds of the lifetime after issuance, %s", got, want)
	}
}
