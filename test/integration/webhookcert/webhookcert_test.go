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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flotilla-dev/flotilla/internal/webhookcert"
)

const (
	// secretName is the certificate Secret's name in each spec's namespace.
	secretName = "flotilla-webhook-cert"
	// gadgetsCRD is a CRD created only once the Rotator runs.
	gadgetsCRD = "gadgets.test.flotilla.dev"
	// rotationTimeout bounds waiting for a rotation of the short-lived test CA (45s).
	rotationTimeout = 90 * time.Second
	// quiet is how long Consistently watches for what must not happen: a few checks.
	quiet = 3 * time.Second
)

var _ = Describe("The conversion webhook's certificates on a real apiserver", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = newNamespace(ctx)
	})

	It("waits for the chart's Secret with only the chart's RBAC, then issues the certificate, wires the CRDs and serves conversions", func(ctx SpecContext) {
		port := freePort()
		replica := startComponent(chartRBACConfig(ctx, ns, secretName, widgetsCRD, gadgetsCRD), webhookcert.Options{
			Secret:        types.NamespacedName{Namespace: ns, Name: secretName},
			CRDs:          []string{widgetsCRD, gadgetsCRD},
			URL:           webhookURL(port),
			CheckInterval: time.Second,
		}, port)

		By("staying unready, and creating no Secret, while the chart's Secret is missing")
		Consistently(func(g Gomega) {
			g.Expect(replica.ready(ctx)).To(MatchError(ContainSubstring(webhookcert.ReadyzCheckName)))
			err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: secretName}, &corev1.Secret{})
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the Secret: %v", err)
		}).WithContext(ctx).WithTimeout(quiet).WithPolling(interval).Should(Succeed())

		By("creating the empty Secret as the chart does")
		createChartSecret(ctx, ns, secretName)

		By("getting ready once it issued a CA and a serving certificate for 127.0.0.1 into the Secret, and serving it")
		Eventually(func(g Gomega) {
			g.Expect(replica.ready(ctx)).To(Succeed())
			s := getSecret(ctx, g, ns)
			g.Expect(s.Data).To(HaveKey(webhookcert.CAKeyKey))
			cas := parseCerts(g, s.Data[webhookcert.CACertKey])
			g.Expect(cas).To(HaveLen(1))
			leaf, err := replica.served()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(leaf.Raw).To(Equal(parseCerts(g, s.Data[corev1.TLSCertKey])[0].Raw))
			expectTrusted(g, leaf, cas)
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("pointing the CRD at the webhook's URL with the Secret's CA bundle")
		Eventually(func(g Gomega) {
			conv := getCRD(ctx, g, widgetsCRD).Spec.Conversion
			g.Expect(conv.Strategy).To(Equal(apiextensionsv1.WebhookConverter))
			g.Expect(conv.Webhook.ConversionReviewVersions).To(Equal([]string{"v1"}))
			g.Expect(conv.Webhook.ClientConfig.URL).To(Equal(ptr.To(webhookURL(port))))
			g.Expect(conv.Webhook.ClientConfig.Service).To(BeNil())
			g.Expect(conv.Webhook.ClientConfig.CABundle).To(Equal(getSecret(ctx, g, ns).Data[webhookcert.CACertKey]))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("converting a Widget created in v1 and read in v2, and one created in v2 and read in v1")
		Eventually(func(g Gomega) {
			g.Expect(InterceptGomegaFailures(func() { expectConverts(ctx, ns) })).To(BeEmpty())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("writing neither the Secret nor the CRD again while nothing is due")
		secretVersion := getSecret(ctx, Default, ns).ResourceVersion
		crdVersion := getCRD(ctx, Default, widgetsCRD).ResourceVersion
		Consistently(func(g Gomega) {
			g.Expect(getSecret(ctx, g, ns).ResourceVersion).To(Equal(secretVersion))
			g.Expect(getCRD(ctx, g, widgetsCRD).ResourceVersion).To(Equal(crdVersion))
		}).WithContext(ctx).WithTimeout(quiet).WithPolling(interval).Should(Succeed())

		By("wiring a CRD created after the Rotator started")
		gadgets := &apiextensionsv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: gadgetsCRD},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group: "test.flotilla.dev",
				Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: "Gadget", ListKind: "GadgetList", Plural: "gadgets", Singular: "gadget"},
				Scope: apiextensionsv1.NamespaceScoped,
				Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
					Name: "v1", Served: true, Storage: true,
					Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object"}},
				}},
			},
		}
		Expect(k8sClient.Create(ctx, gadgets)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, gadgets))).To(Succeed()) })
		Eventually(func(g Gomega) {
			g.Expect(caBundle(ctx, g, gadgetsCRD)).To(HaveLen(1))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("rotates serving certificates and the CA on two replicas while the apiserver keeps converting, without a restart", func(ctx SpecContext) {
		createChartSecret(ctx, ns, secretName)
		// The apiserver calls replica a; replica b serves the same certificate on its own port
		// (two pods behind one Service), and both check and write the one Secret.
		portA, portB := freePort(), freePort()
		opts := webhookcert.Options{
			Secret: types.NamespacedName{Namespace: ns, Name: secretName},
			CRDs:   []string{widgetsCRD},
			URL:    webhookURL(portA),
			// Production's options, shortened: the serving certificate is due after ~13s, the
			// CA after 30s, and the old CA expires after 45s.
			CALifetime:          45 * time.Second,
			ServingCertLifetime: 20 * time.Second,
			CAActivationDelay:   3 * time.Second,
			CheckInterval:       time.Second,
		}
		a := startComponent(env.Config, opts, portA)
		b := startComponent(env.Config, opts, portB)

		// servedBy returns the certificates a and b serve.
		servedBy := func(g Gomega) (fromA, fromB []byte) {
			leafA, err := a.served()
			g.Expect(err).NotTo(HaveOccurred())
			leafB, err := b.served()
			g.Expect(err).NotTo(HaveOccurred())
			return leafA.Raw, leafB.Raw
		}

		By("serving one certificate from both replicas, trusted by the CRD")
		var firstCA []byte
		var firstServing []byte
		Eventually(func(g Gomega) {
			g.Expect(a.ready(ctx)).To(Succeed())
			g.Expect(b.ready(ctx)).To(Succeed())
			cas := caBundle(ctx, g, widgetsCRD)
			g.Expect(cas).To(HaveLen(1))
			fromA, fromB := servedBy(g)
			g.Expect(fromA).To(Equal(fromB))
			leaf := parseCerts(g, getSecret(ctx, g, ns).Data[corev1.TLSCertKey])[0]
			g.Expect(fromA).To(Equal(leaf.Raw))
			expectTrusted(g, leaf, cas)
			firstCA, firstServing = cas[0].Raw, leaf.Raw
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("converting continuously from now on")
		Eventually(func(g Gomega) {
			g.Expect(InterceptGomegaFailures(func() { expectConverts(ctx, ns) })).To(BeEmpty())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		answered := webhookRequests("200")
		traffic := startConversionTraffic(ns)

		By("serving a renewed certificate from both replicas' next handshakes, signed by the same CA")
		Eventually(func(g Gomega) {
			cas := caBundle(ctx, g, widgetsCRD)
			g.Expect(cas).To(HaveLen(1))
			g.Expect(cas[0].Raw).To(Equal(firstCA))
			fromA, fromB := servedBy(g)
			g.Expect(fromA).NotTo(Equal(firstServing))
			g.Expect(fromB).To(Equal(fromA))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("trusting both the old and a new CA in the CRD once the CA is due")
		var newCA []byte
		Eventually(func(g Gomega) {
			cas := caBundle(ctx, g, widgetsCRD)
			g.Expect(cas).To(HaveLen(2))
			g.Expect(cas[1].Raw).To(Equal(firstCA), "the old CA, second")
			newCA = cas[0].Raw
		}).WithContext(ctx).WithTimeout(rotationTimeout).WithPolling(interval).Should(Succeed())

		By("serving from both replicas, once the new CA is activated, a certificate it signed")
		Eventually(func(g Gomega) {
			fromA, fromB := servedBy(g)
			g.Expect(fromB).To(Equal(fromA))
			cas := caBundle(ctx, g, widgetsCRD)
			g.Expect(cas[0].Raw).To(Equal(newCA))
			leaf := parseCerts(g, getSecret(ctx, g, ns).Data[corev1.TLSCertKey])[0]
			g.Expect(fromA).To(Equal(leaf.Raw))
			g.Expect(leaf.CheckSignatureFrom(cas[0])).To(Succeed(), "signed by the new CA")
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("dropping the old CA from the CRD once it expired")
		Eventually(func(g Gomega) {
			cas := caBundle(ctx, g, widgetsCRD)
			g.Expect(cas).To(HaveLen(1))
			g.Expect(cas[0].Raw).To(Equal(newCA))
		}).WithContext(ctx).WithTimeout(rotationTimeout).WithPolling(interval).Should(Succeed())

		By("having converted every request throughout, through the webhook")
		ok, errs := traffic.stop()
		Expect(errs).To(BeEmpty())
		Expect(ok).To(BeNumerically(">", 100), "rounds of conversions")
		Expect(webhookRequests("200")-answered).To(BeNumerically(">=", 2*ok), "conversions the webhook answered")
		Expect(webhookRequests("500")).To(BeZero())
	})

	It("serves what cert-manager writes into the Secret, injects its CA, and follows its renewals", func(ctx SpecContext) {
		ca := newIssuer()
		certPEM, keyPEM, serial := ca.issue()
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretName},
			Type:       corev1.SecretTypeTLS,
			Data:       map[string][]byte{webhookcert.CACertKey: ca.certPEM, corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM},
		})).To(Succeed())
		port := freePort()
		replica := startComponent(chartRBACConfig(ctx, ns, secretName, widgetsCRD), webhookcert.Options{
			Mode:          webhookcert.ModeCertManager,
			Secret:        types.NamespacedName{Namespace: ns, Name: secretName},
			CRDs:          []string{widgetsCRD},
			URL:           webhookURL(port),
			CheckInterval: time.Second,
		}, port)

		By("serving cert-manager's certificate with its ca.crt in the CRD")
		Eventually(func(g Gomega) {
			g.Expect(replica.ready(ctx)).To(Succeed())
			g.Expect(getCRD(ctx, g, widgetsCRD).Spec.Conversion.Webhook.ClientConfig.CABundle).To(Equal(ca.certPEM))
			leaf, err := replica.served()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(leaf.SerialNumber).To(Equal(serial))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(InterceptGomegaFailures(func() { expectConverts(ctx, ns) })).To(BeEmpty())
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("serving the certificate cert-manager renews, without a restart")
		renewedPEM, renewedKey, renewed := ca.issue()
		s := getSecret(ctx, Default, ns)
		s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey] = renewedPEM, renewedKey
		Expect(k8sClient.Update(ctx, s)).To(Succeed())
		Eventually(func(g Gomega) {
			leaf, err := replica.served()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(leaf.SerialNumber).To(Equal(renewed))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		expectConverts(ctx, ns)

		By("never writing the Secret itself")
		version := getSecret(ctx, Default, ns).ResourceVersion
		Consistently(func(g Gomega) {
			g.Expect(getSecret(ctx, g, ns).ResourceVersion).To(Equal(version))
		}).WithContext(ctx).WithTimeout(quiet).WithPolling(interval).Should(Succeed())
	})
})
