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
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certKey is a certificate with its private key, parsed and PEM-encoded.
type certKey struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

// clusterPKI is everything one local cluster needs: a cluster CA and the certificates it signs,
// a front-proxy CA for the aggregation layer's request-header authentication, and the
// service-account signing key pair.
type clusterPKI struct {
	ca                certKey // signs serving and client certs; also the cluster-signing CA
	apiServer         certKey // kube-apiserver serving cert
	admin             certKey // CN=flotilla-admin, O=system:masters
	controllerManager certKey // CN=system:kube-controller-manager
	scheduler         certKey // CN=system:kube-scheduler
	frontProxyCA      certKey
	frontProxyClient  certKey // CN=front-proxy-client, used by the apiserver towards aggregated APIs
	saKeyPEM          []byte  // RSA private key, PKCS#1
	saPubPEM          []byte  // its public key, PKIX
}

// Identities used in the client certificates.
const (
	adminUser             = "flotilla-admin"
	controllerManagerUser = "system:kube-controller-manager"
	schedulerUser         = "system:kube-scheduler"
	frontProxyClientUser  = "front-proxy-client"
	mastersGroup          = "system:masters"
)

// apiServerServiceIP is the first address of --service-cluster-ip-range.
var apiServerServiceIP = net.ParseIP("10.96.0.1")

// newClusterPKI generates a fresh PKI in memory (ECDSA P-256 for certificates, RSA-2048 for
// service-account tokens). It takes a few tens of milliseconds.
func newClusterPKI() (*clusterPKI, error) {
	var p clusterPKI
	var err error
	if p.ca, err = newCA("flotilla-test-ca"); err != nil {
		return nil, err
	}
	if p.frontProxyCA, err = newCA("flotilla-test-front-proxy-ca"); err != nil {
		return nil, err
	}
	server := x509.ExtKeyUsageServerAuth
	client := x509.ExtKeyUsageClientAuth
	if p.apiServer, err = signLeaf(p.ca, "kube-apiserver", nil, server,
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		[]net.IP{net.IPv4(127, 0, 0, 1), apiServerServiceIP}); err != nil {
		return nil, err
	}
	if p.admin, err = signLeaf(p.ca, adminUser, []string{mastersGroup}, client, nil, nil); err != nil {
		return nil, err
	}
	if p.controllerManager, err = signLeaf(p.ca, controllerManagerUser, nil, client, nil, nil); err != nil {
		return nil, err
	}
	if p.scheduler, err = signLeaf(p.ca, schedulerUser, nil, client, nil, nil); err != nil {
		return nil, err
	}
	if p.frontProxyClient, err = signLeaf(p.frontProxyCA, frontProxyClientUser, nil, client, nil, nil); err != nil {
		return nil, err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generating service-account key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	p.saKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)})
	p.saPubPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	return &p, nil
}

func newKey() (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func newCA(cn string) (certKey, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return certKey{}, err
	}
	sn, err := serial()
	if err != nil {
		return certKey{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return finish(tmpl, tmpl, key, key, keyPEM)
}

func signLeaf(ca certKey, cn string, orgs []string, usage x509.ExtKeyUsage, dns []string, ips []net.IP) (certKey, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return certKey{}, err
	}
	sn, err := serial()
	if err != nil {
		return certKey{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{usage},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	return finish(tmpl, ca.cert, key, ca.key, keyPEM)
}

func finish(tmpl, parent *x509.Certificate, key *ecdsa.PrivateKey, signer crypto.Signer, keyPEM []byte) (certKey, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return certKey{}, fmt.Errorf("signing certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return certKey{}, err
	}
	return certKey{
		cert:    cert,
		key:     key,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  keyPEM,
	}, nil
}

// pkiFiles are the paths of the PKI written to disk for the components' flags.
type pkiFiles struct {
	caCert, caKey                             string
	apiServerCert, apiServerKey               string
	frontProxyCACert                          string
	frontProxyClientCert, frontProxyClientKey string
	saKey, saPub                              string
}

// write stores the files the components read into dir (mode 0600 for keys).
func (p *clusterPKI) write(dir string) (pkiFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return pkiFiles{}, err
	}
	f := pkiFiles{
		caCert:               filepath.Join(dir, "ca.crt"),
		caKey:                filepath.Join(dir, "ca.key"),
		apiServerCert:        filepath.Join(dir, "apiserver.crt"),
		apiServerKey:         filepath.Join(dir, "apiserver.key"),
		frontProxyCACert:     filepath.Join(dir, "front-proxy-ca.crt"),
		frontProxyClientCert: filepath.Join(dir, "front-proxy-client.crt"),
		frontProxyClientKey:  filepath.Join(dir, "front-proxy-client.key"),
		saKey:                filepath.Join(dir, "sa.key"),
		saPub:                filepath.Join(dir, "sa.pub"),
	}
	for _, w := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{f.caCert, p.ca.certPEM, 0o644},
		{f.caKey, p.ca.keyPEM, 0o600},
		{f.apiServerCert, p.apiServer.certPEM, 0o644},
		{f.apiServerKey, p.apiServer.keyPEM, 0o600},
		{f.frontProxyCACert, p.frontProxyCA.certPEM, 0o644},
		{f.frontProxyClientCert, p.frontProxyClient.certPEM, 0o644},
		{f.frontProxyClientKey, p.frontProxyClient.keyPEM, 0o600},
		{f.saKey, p.saKeyPEM, 0o600},
		{f.saPub, p.saPubPEM, 0o644},
	} {
		if err := os.WriteFile(w.path, w.data, w.mode); err != nil {
			return pkiFiles{}, err
		}
	}
	return f, nil
}
