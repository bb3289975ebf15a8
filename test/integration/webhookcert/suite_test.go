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

// Package webhookcert_test runs Flotilla's conversion webhook certificates (internal/webhookcert)
// and conversion handler (internal/conversionwebhook) against a real kube-apiserver and etcd:
// the apiserver calls the webhook through the CRD's clientConfig and caBundle the Rotator
// writes, with the certificate the Rotator serves, while certificates and CAs rotate.
package webhookcert_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/flotilla-dev/flotilla/test/testenv"
)

const (
	// widgetsCRD is the test CRD of testdata/crds, served in v1 (stored) and v2.
	widgetsCRD = "widgets.test.flotilla.dev"
	// timeout bounds waiting for one check of the Rotator or the apiserver to take effect.
	timeout = 30 * time.Second
	// interval is the polling interval.
	interval = 100 * time.Millisecond
)

var (
	scheme = runtime.NewScheme()
	env    *envtest.Environment
	// k8sClient is an administrator's client of the envtest apiserver, without a cache.
	k8sClient client.Client
)

func TestWebhookCert(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Conversion webhook certificate suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	ctrl.SetLogger(funcr.New(func(prefix, args string) {
		GinkgoWriter.Println(prefix, args)
	}, funcr.Options{Verbosity: 1}))
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, addWidgets} {
		Expect(add(scheme)).To(Succeed())
	}

	By("starting kube-apiserver and etcd with the two-version test CRD")
	var err error
	env, err = testenv.StartEnvtest(ctx, filepath.Join("testdata", "crds"))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Stop)
	k8sClient, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
}, NodeTimeout(30*time.Minute)) // a cold build of the binaries takes about ten minutes
