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

package webhookcert_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
	"github.com/flotilla-dev/flotilla/internal/webhookcert"
)

// component is one replica of a Flotilla component serving the conversion webhook, as the hub
// and agent managers run it: a manager whose webhook server serves the Rotator's certificate,
// with the conversion handler, the Rotator and its readiness check.
type component struct {
	rotator *webhookcert.Rotator
	// port is where its webhook server listens, on 127.0.0.1.
	port int
	// probeAddr is where it serves /readyz.
	probeAddr string
}

// startComponent starts a replica with cfg's credentials and opts, its webhook server on port,
// until the current spec's cleanup.
func startComponent(cfg *rest.Config, opts webhookcert.Options, port int) *component {
	GinkgoHelper()
	rot, err := webhookcert.New(opts)
	Expect(err).NotTo(HaveOccurred())
	c := &component{rotator: rot, port: port, probeAddr: fmt.Sprintf("127.0.0.1:%d", freePort())}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: c.probeAddr,
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: "127.0.0.1", Port: port, TLSOpts: []func(*tls.Config){rot.TLSOpt},
		}),
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(conversionwebhook.Register(mgr, &WidgetV1{})).To(Succeed())
	Expect(rot.SetupWithManager(mgr)).To(Succeed())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	DeferCleanup(func() {
		cancel()
		<-done
	})
	return c
}

// ready returns nil when the replica's /readyz succeeds, else what it answered.
func (c *component) ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.probeAddr+"/readyz?verbose", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: %d: %s", resp.StatusCode, body)
	}
	return nil
}

// served returns the certificate the replica's webhook server presents to a new TLS handshake.
func (c *component) served() (*x509.Certificate, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", fmt.Sprintf("127.0.0.1:%d", c.port),
		// The certificate is returned for the test to verify against the CRD's caBundle.
		&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // verified by the caller
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close() }()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago, never the same twice.
func freePort() int {
	GinkgoHelper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		port := l.Addr().(*net.TCPAddr).Port
		Expect(l.Close()).To(Succeed())
		if !portsUsed[port] {
			portsUsed[port] = true
			return port
		}
	}
}

var (
	portsMu   sync.Mutex
	portsUsed = map[int]bool{}
)

// webhookURL is the URL of a webhook server on 127.0.0.1:port.
func webhookURL(port int) string {
	return fmt.Sprintf("https://127.0.0.1:%d%s", port, conversionwebhook.Path)
}

// newNamespace creates a namespace of its own for one spec and returns its name.
func newNamespace(ctx context.Context) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "webhookcert-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// createChartSecret creates the Secret as the charts do for ModeSelfSigned: empty, of type
// kubernetes.io/tls.
func createChartSecret(ctx context.Context, ns, name string) {
	GinkgoHelper()
	Expect(k8sClient.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: {}, corev1.TLSPrivateKeyKey: {}},
	})).To(Succeed())
}

// chartRBACConfig returns the credentials of a new user with only what the charts grant a
// component for its webhook certificate: get, update and patch of the Secret name in ns, get
// and patch of the CRDs named crds.
func chartRBACConfig(ctx context.Context, ns, secret string, crds ...string) *rest.Config {
	GinkgoHelper()
	name := "flotilla-webhook-" + ns
	user, err := env.AddUser(envtest.User{Name: name}, nil)
	Expect(err).NotTo(HaveOccurred())
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: name, APIGroup: rbacv1.GroupName}}
	for _, obj := range []client.Object{
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{secret},
			Verbs: []string{"get", "update", "patch"},
		}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{apiextensionsv1.GroupName}, Resources: []string{"customresourcedefinitions"}, ResourceNames: crds,
			Verbs: []string{"get", "patch"},
		}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}},
	} {
		Expect(k8sClient.Create(ctx, obj)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, obj))).To(Succeed()) })
	}
	return user.Config()
}

// getSecret reads the certificate Secret (secretName) of ns.
func getSecret(ctx context.Context, g Gomega, ns string) *corev1.Secret {
	s := &corev1.Secret{}
	g.ExpectWithOffset(1, k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: secretName}, s)).To(Succeed())
	return s
}

// getCRD reads the CRD name.
func getCRD(ctx context.Context, g Gomega, name string) *apiextensionsv1.CustomResourceDefinition {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	g.ExpectWithOffset(1, k8sClient.Get(ctx, client.ObjectKey{Name: name}, crd)).To(Succeed())
	return crd
}

// caBundle returns the CAs of the CRD's conversion webhook, which must be set.
func caBundle(ctx context.Context, g Gomega, name string) []*x509.Certificate {
	conv := getCRD(ctx, g, name).Spec.Conversion
	g.ExpectWithOffset(1, conv.Strategy).To(Equal(apiextensionsv1.WebhookConverter))
	return parseCerts(g, conv.Webhook.ClientConfig.CABundle)
}

// parseCerts returns the certificates of PEM data, which must hold some.
func parseCerts(g Gomega, data []byte) []*x509.Certificate {
	var certs []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		c, err := x509.ParseCertificate(block.Bytes)
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
		certs = append(certs, c)
	}
	g.ExpectWithOffset(1, certs).NotTo(BeEmpty(), "no certificate in %q", data)
	return certs
}

// expectTrusted checks that the apiserver, trusting cas, accepts leaf for 127.0.0.1.
func expectTrusted(g Gomega, leaf *x509.Certificate, cas []*x509.Certificate) {
	roots := x509.NewCertPool()
	for _, ca := range cas {
		roots.AddCert(ca)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "certificate %s is not trusted by the caBundle", leaf.SerialNumber)
}

// expectConverts creates a Widget in v1 and reads it in v2, and one in v2 read in v1: the
// apiserver converts both through the webhook (strategy None would lose the renamed field).
func expectConverts(ctx context.Context, ns string) {
	GinkgoHelper()
	v1 := &WidgetV1{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "v1-"}, Spec: WidgetV1Spec{Size: 3}}
	Expect(k8sClient.Create(ctx, v1)).To(Succeed())
	asV2 := &WidgetV2{}
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(v1), asV2)).To(Succeed())
	Expect(asV2.Spec.Replicas).To(BeEquivalentTo(3), "spec.size 3 read as v2")

	v2 := &WidgetV2{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "v2-"}, Spec: WidgetV2Spec{Replicas: 5}}
	Expect(k8sClient.Create(ctx, v2)).To(Succeed())
	Expect(v2.Spec.Replicas).To(BeEquivalentTo(5), "spec.replicas 5 returned by the create in v2")
	asV1 := &WidgetV1{}
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(v2), asV1)).To(Succeed())
	Expect(asV1.Spec.Size).To(BeEquivalentTo(5), "spec.replicas 5 stored as v1")
}

// conversionTraffic keeps a Widget converting through the webhook, as clients of both versions
// would: each round reads it in v2, updates it in v2 (converted to v1 to be stored, and back)
// and reads it in v1 (stored, no conversion) to check the value written.
type conversionTraffic struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []error
	cancel     context.CancelFunc
	done       chan struct{}
}

// startConversionTraffic starts rounds every interval in ns until stop.
func startConversionTraffic(ns string) *conversionTraffic {
	GinkgoHelper()
	ctx, cancel := context.WithCancel(context.Background())
	t := &conversionTraffic{cancel: cancel, done: make(chan struct{})}
	w := &WidgetV1{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "traffic"}}
	Expect(k8sClient.Create(ctx, w)).To(Succeed())
	key := client.ObjectKeyFromObject(w)
	go func() {
		defer GinkgoRecover()
		defer close(t.done)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for i := int32(1); ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			if err := t.round(ctx, key, i); err != nil && ctx.Err() == nil {
				t.failed.Add(1)
				t.mu.Lock()
				t.errs = append(t.errs, err)
				t.mu.Unlock()
				continue
			}
			t.ok.Add(1)
		}
	}()
	DeferCleanup(t.stop)
	return t
}

// round reads the Widget in v2, sets it to size in v2 and reads it back in v1.
func (t *conversionTraffic) round(ctx context.Context, key client.ObjectKey, size int32) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v2 := &WidgetV2{}
	if err := k8sClient.Get(ctx, key, v2); err != nil {
		return fmt.Errorf("reading in v2: %w", err)
	}
	v2.Spec.Replicas = size
	if err := k8sClient.Update(ctx, v2); err != nil {
		return fmt.Errorf("updating in v2: %w", err)
	}
	v1 := &WidgetV1{}
	if err := k8sClient.Get(ctx, key, v1); err != nil {
		return fmt.Errorf("reading in v1: %w", err)
	}
	if v1.Spec.Size != size {
		return fmt.Errorf("spec.replicas %d written in v2 is stored as spec.size %d", size, v1.Spec.Size)
	}
	return nil
}

// stop ends the rounds and returns how many succeeded and the errors of those that failed.
func (t *conversionTraffic) stop() (ok int64, errs []error) {
	t.cancel()
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ok.Load(), t.errs
}

// webhookRequests returns how many requests controller-runtime's webhook servers of this
// process answered at the conversion path with code.
func webhookRequests(code string) float64 {
	GinkgoHelper()
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var n float64
	for _, f := range families {
		if f.GetName() != "controller_runtime_webhook_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["webhook"] == conversionwebhook.Path && labels["code"] == code {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// issuer is a CA that issues certificates the way cert-manager's CA issuer does.
type issuer struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
}

// newIssuer returns a self-signed CA valid for a day.
func newIssuer() *issuer {
	GinkgoHelper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "cert-manager-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	Expect(err).NotTo(HaveOccurred())
	cert, err := x509.ParseCertificate(der)
	Expect(err).NotTo(HaveOccurred())
	return &issuer{cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a serving certificate for 127.0.0.1 and its key, PEM.
func (i *issuer) issue() (certPEM, keyPEM []byte, serial *big.Int) {
	GinkgoHelper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	serial = big.NewInt(time.Now().UnixNano())
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, i.cert, key.Public(), i.key)
	Expect(err).NotTo(HaveOccurred())
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	Expect(err).NotTo(HaveOccurred())
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), serial
}
