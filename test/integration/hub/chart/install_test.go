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

package chart_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// maxSecretSize is the most a Secret may hold (the API server's limit on its data).
const maxSecretSize = 1 << 20

var _ = Describe("helm install of the hub chart on a real API server", func() {
	It("creates the large two-version CRDs from crds/ and stores the release", func(ctx SpecContext) {
		By("starting etcd and kube-apiserver without CRDs, and writing an administrator's kubeconfig")
		env, err := testenv.StartEnvtest(ctx)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Stop)
		user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
		Expect(err).NotTo(HaveOccurred())
		kubeconfigData, err := user.KubeConfig()
		Expect(err).NotTo(HaveOccurred())
		kubeconfig := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(os.WriteFile(kubeconfig, kubeconfigData, 0o600)).To(Succeed())

		By("running helm install, which creates the CRDs of crds/ (no server-side apply, no last-applied annotation)")
		dir, err := charttest.Path(charttest.HubChart)
		Expect(err).NotTo(HaveOccurred())
		_, err = charttest.Helm(ctx, "install", "flotilla-hub", dir, "--kubeconfig", kubeconfig,
			"--namespace", "flotilla-system", "--create-namespace")
		Expect(err).NotTo(HaveOccurred())

		scheme := runtime.NewScheme()
		Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
		Expect(apiextensionsv1.AddToScheme(scheme)).To(Succeed())
		admin, err := client.New(env.Config, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())

		By("checking that both nvidia.com CRDs serve v1alpha1 and v1beta1, store v1beta1 and convert through the hub's Service")
		for _, name := range []string{"dynamographdeployments.nvidia.com", "dynamocomponentdeployments.nvidia.com"} {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			Eventually(func(g Gomega) {
				g.Expect(admin.Get(ctx, client.ObjectKey{Name: name}, crd)).To(Succeed())
				g.Expect(crd.Status.Conditions).To(ContainElement(And(
					HaveField("Type", apiextensionsv1.Established), HaveField("Status", apiextensionsv1.ConditionTrue))))
			}).WithContext(ctx).WithTimeout(time.Minute).Should(Succeed())
			Expect(crd.Spec.Versions).To(ConsistOf(
				And(HaveField("Name", "v1alpha1"), HaveField("Served", true), HaveField("Storage", false), HaveField("Deprecated", true)),
				And(HaveField("Name", "v1beta1"), HaveField("Served", true), HaveField("Storage", true), HaveField("Deprecated", false)),
			))
			Expect(crd.Spec.Conversion.Strategy).To(Equal(apiextensionsv1.WebhookConverter))
			Expect(crd.Spec.Conversion.Webhook.ClientConfig.Service).To(HaveField("Name", "flotilla-hub-webhook"))
			Expect(crd.Spec.Conversion.Webhook.ClientConfig.CABundle).To(BeEmpty(), "the hub injects its CA")
		}

		By("checking that the release Secret, which holds the chart and its CRDs compressed, fits a Secret with room to spare")
		secrets := &corev1.SecretList{}
		Expect(admin.List(ctx, secrets, client.InNamespace("flotilla-system"),
			client.MatchingLabels{"owner": "helm", "name": "flotilla-hub"})).To(Succeed())
		Expect(secrets.Items).To(HaveLen(1))
		size := 0
		for _, v := range secrets.Items[0].Data {
			size += len(v)
		}
		AddReportEntry("helm release Secret size", size)
		Expect(size).To(BeNumerically("<", maxSecretSize*3/4), "the release Secret is %d bytes", size)
	}, SpecTimeout(10*time.Minute))
})
