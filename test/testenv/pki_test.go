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

package testenv

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func TestClusterPKIChainsVerify(t *testing.T) {
	p, err := newClusterPKI()
	if err != nil {
		t.Fatal(err)
	}
	roots := pool(p.ca.cert)
	for _, name := range []string{"127.0.0.1", "10.96.0.1", "localhost", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"} {
		if _, err := p.apiServer.cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("apiserver serving cert for %s: %v", name, err)
		}
	}
	clients := map[string]struct {
		ck    certKey
		roots *x509.CertPool
		cn    string
		orgs  []string
	}{
		"admin":              {p.admin, roots, adminUser, []string{mastersGroup}},
		"controller-manager": {p.controllerManager, roots, controllerManagerUser, nil},
		"scheduler":          {p.scheduler, roots, schedulerUser, nil},
		"front-proxy-client": {p.frontProxyClient, pool(p.frontProxyCA.cert), frontProxyClientUser, nil},
	}
	for name, c := range clients {
		if _, err := c.ck.cert.Verify(x509.VerifyOptions{Roots: c.roots,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s client cert: %v", name, err)
		}
		if _, err := c.ck.cert.Verify(x509.VerifyOptions{Roots: c.roots,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
			t.Errorf("%s client cert is accepted for server auth", name)
		}
		if got := c.ck.cert.Subject.CommonName; got != c.cn {
			t.Errorf("%s CN = %q, want %q", name, got, c.cn)
		}
		if got := c.ck.cert.Subject.Organization; !slices.Equal(got, c.orgs) {
			t.Errorf("%s O = %v, want %v", name, got, c.orgs)
		}
	}
	// The front-proxy chain is separate from the cluster chain.
	if _, err := p.frontProxyClient.cert.Verify(x509.VerifyOptions{Roots: roots,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("front-proxy client verifies against the cluster CA")
	}
	if !p.ca.cert.IsCA || !p.frontProxyCA.cert.IsCA || p.admin.cert.IsCA {
		t.Error("CA flags are wrong")
	}
}

func TestClusterPKIWrite(t *testing.T) {
	p, err := newClusterPKI()
	if err != nil {
		t.Fatal(err)
	}
	f, err := p.write(filepath.Join(t.TempDir(), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{f.caKey, f.apiServerKey, f.frontProxyClientKey, f.saKey} {
		fi, err := os.Stat(key)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", key, fi.Mode().Perm())
		}
	}
	// The service-account public key matches the private key.
	keyPEM, _ := os.ReadFile(f.saKey)
	pubPEM, _ := os.ReadFile(f.saPub)
	kb, _ := pem.Decode(keyPEM)
	pb, _ := pem.Decode(pubPEM)
	if kb == nil || pb == nil {
		t.Fatal("service-account key files are not PEM")
	}
	priv, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(pb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.PublicKey.Equal(pub.(*rsa.PublicKey)) {
		t.Error("sa.pub does not match sa.key")
	}
	// Every certificate on disk parses.
	for _, c := range []string{f.caCert, f.apiServerCert, f.frontProxyCACert, f.frontProxyClientCert} {
		data, _ := os.ReadFile(c)
		b, _ := pem.Decode(data)
		if b == nil || b.Type != "CERTIFICATE" {
			t.Fatalf("%s is not a PEM certificate", c)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
}
