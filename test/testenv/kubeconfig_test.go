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
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func TestRenderKubeconfig(t *testing.T) {
	p, err := newClusterPKI()
	if err != nil {
		t.Fatal(err)
	}
	id := clientIdentity{server: "https://127.0.0.1:6443", caPEM: p.ca.certPEM, user: adminUser,
		certPEM: p.admin.certPEM, keyPEM: p.admin.keyPEM}
	data, err := renderKubeconfig("hub", id)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		t.Fatalf("kubeconfig does not load: %v\n%s", err, data)
	}
	if cfg.CurrentContext != "hub" {
		t.Errorf("current context %q, want hub", cfg.CurrentContext)
	}
	ctx := cfg.Contexts["hub"]
	if ctx == nil || ctx.Cluster != "hub" || ctx.AuthInfo != adminUser {
		t.Fatalf("context = %+v", ctx)
	}
	if cl := cfg.Clusters["hub"]; cl.Server != id.server || !bytes.Equal(cl.CertificateAuthorityData, id.caPEM) {
		t.Errorf("cluster = %+v", cl)
	}

	rc, err := clientcmd.RESTConfigFromKubeConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Host != id.server || !bytes.Equal(rc.CertData, id.certPEM) || !bytes.Equal(rc.KeyData, id.keyPEM) {
		t.Errorf("rest config from kubeconfig = host %q, cert %t, key %t", rc.Host,
			bytes.Equal(rc.CertData, id.certPEM), bytes.Equal(rc.KeyData, id.keyPEM))
	}
	// The client certificate in the kubeconfig is the admin's, in system:masters.
	b, _ := pem.Decode(rc.CertData)
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != adminUser || len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != mastersGroup {
		t.Errorf("client cert subject %v", cert.Subject)
	}

	direct := restConfigFor(id)
	if direct.Host != rc.Host || !bytes.Equal(direct.CAData, rc.CAData) {
		t.Errorf("restConfigFor and the kubeconfig disagree: %q vs %q", direct.Host, rc.Host)
	}
	if _, err := rest.TLSConfigFor(direct); err != nil {
		t.Errorf("TLS config: %v", err)
	}
}
