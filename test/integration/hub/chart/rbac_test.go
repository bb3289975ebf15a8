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
	"context"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// access is one request a ServiceAccount may or may not make, on any object of the resource
// unless name is set.
type access struct {
	verb, group, resource, namespace, name string
}

var _ = Describe("The hub chart's RBAC on a real API server", Ordered, func() {
	var (
		env    *envtest.Environment
		admin  client.Client
		cs     kubernetes.Interface
		scheme *runtime.Scheme
	)

	BeforeAll(func(ctx SpecContext) {
		By("starting etcd and kube-apiserver with the hub chart's CRDs")
		crds, err := charttest.Path(charttest.HubChart + "/crds")
		Expect(err).NotTo(HaveOccurred())
		env, err = testenv.StartEnvtest(ctx, crds)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Stop)
		scheme = runtime.NewScheme()
		for _, add := range []func(*runtime.Scheme) error{
			clientgoscheme.AddToScheme, nvidiav1alpha1.AddToScheme, flotillav1alpha1.AddToScheme, apiextensionsv1.AddToScheme,
		} {
			Expect(add(scheme)).To(Succeed())
		}
		admin, err = client.New(env.Config, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		cs, err = kubernetes.NewForConfig(env.Config)
		Expect(err).NotTo(HaveOccurred())
		Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}})).To(Succeed())
	}, NodeTimeout(30*time.Minute)) // a cold build of the binaries takes about ten minutes

	// allowed asks the API server's authorizer whether ServiceAccount namespace/name may make a.
	allowed := func(ctx context.Context, namespace, name string, a access) bool {
		GinkgoHelper()
		review, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{
				User:   "system:serviceaccount:" + namespace + ":" + name,
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Verb: a.verb, Group: a.group, Resource: a.resource, Namespace: a.namespace, Name: a.name,
				},
			},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		return review.Status.Allowed
	}

	expectAccess := func(ctx context.Context, namespace, name string, want bool, accesses ...access) {
		GinkgoHelper()
		for _, a := range accesses {
			Expect(allowed(ctx, namespace, name, a)).To(Equal(want), "%s may %v", name, a)
		}
	}

	Context("with the kubeconfig-secrets source and Secrets in namespace fleet", Ordered, func() {
		const secret = "flotilla-hub-webhook-cert"
		var (
			hub     client.Client
			hubLogs *lines
			url     string
		)

		BeforeAll(func(ctx SpecContext) {
			By("installing the chart's ServiceAccount and RBAC with the helper other suites use")
			objs, err := charttest.InstallChartRBAC(ctx, admin, charttest.HubChart, "flotilla-hub", "flotilla-system",
				"--set", "members.secretNamespace=fleet")
			Expect(err).NotTo(HaveOccurred())
			Expect(charttest.OfKind(objs, "Deployment")).To(HaveLen(1), "rendered, not installed")

			By("acting as the hub's ServiceAccount with a token from the TokenRequest API")
			hubCfg, err := charttest.ServiceAccountConfig(ctx, env.Config, "flotilla-system", "flotilla-hub")
			Expect(err).NotTo(HaveOccurred())
			hub, err = client.New(rest.CopyConfig(hubCfg), client.Options{Scheme: scheme})
			Expect(err).NotTo(HaveOccurred())

			By("creating the chart's certificate Secret, and serving the hub's conversion webhook as its ServiceAccount with the Deployment's arguments")
			Expect(charttest.Install(ctx, admin, charttest.OfKind(objs, "Secret"))).To(Succeed())
			opts, err := fleet.HubOptions(objs, "flotilla-system")
			Expect(err).NotTo(HaveOccurred())
			Expect(fleet.LocalWebhook(&opts.Webhook)).To(Succeed())
			// This server converts only: the graphs' admission webhook and its configuration run
			// in the graph suite's hub, as this ServiceAccount too.
			opts.Webhook.ValidatingWebhookConfigurations = nil
			url = opts.Webhook.URL
			webhook, err := hubmanager.NewWebhook(opts.Webhook)
			Expect(err).NotTo(HaveOccurred())
			hubLogs = &lines{}
			hubScheme, err := hubmanager.NewScheme()
			Expect(err).NotTo(HaveOccurred())
			webhookCfg := rest.CopyConfig(hubCfg)
			stop, err := fleet.ServeWebhook(logf.IntoContext(ctx, funcr.New(hubLogs.add, funcr.Options{})), webhookCfg,
				hubScheme, webhook, admin, "team-a", fleet.KindGraph, fleet.KindComponent)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(stop)
		}, NodeTimeout(5*time.Minute))

		It("lets the hub serve the conversion webhook of the two CRDs it converts, with its certificate Secret", func(ctx SpecContext) {
			expectAccess(ctx, "flotilla-system", "flotilla-hub", true,
				access{"get", "apiextensions.k8s.io", "customresourcedefinitions", "", "dynamographdeployments.nvidia.com"},
				access{"patch", "apiextensions.k8s.io", "customresourcedefinitions", "", "dynamocomponentdeployments.nvidia.com"},
				access{"get", "", "secrets", "flotilla-system", secret},
				access{"patch", "", "secrets", "flotilla-system", secret},
			)
			expectAccess(ctx, "flotilla-system", "flotilla-hub", false,
				access{"get", "apiextensions.k8s.io", "customresourcedefinitions", "", "memberclusters.flotilla.dev"},
				access{"patch", "apiextensions.k8s.io", "customresourcedefinitions", "", "clusters.cluster.x-k8s.io"},
				access{"list", "apiextensions.k8s.io", "customresourcedefinitions", "", ""},
				access{"update", "apiextensions.k8s.io", "customresourcedefinitions", "", "dynamographdeployments.nvidia.com"},
				access{"delete", "apiextensions.k8s.io", "customresourcedefinitions", "", "dynamographdeployments.nvidia.com"},
				access{"create", "", "secrets", "flotilla-system", ""},
				access{"delete", "", "secrets", "flotilla-system", secret},
				access{"get", "", "secrets", "flotilla-system", "flotilla-hub-token"},
				access{"update", "", "secrets", "flotilla-system", secret},
				access{"list", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", ""},
				access{"patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "some-other-webhooks"},
				access{"create", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", ""},
				access{"patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", "flotilla-hub-flotilla-system-graphs"},
			)
			expectAccess(ctx, "flotilla-system", "flotilla-hub", true,
				access{"get", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "flotilla-hub-flotilla-system-graphs"},
				access{"patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "flotilla-hub-flotilla-system-graphs"},
			)

			By("checking that both CRDs name the hub's webhook and trust the CA the hub wrote into its Secret")
			s := &corev1.Secret{}
			Expect(admin.Get(ctx, client.ObjectKey{Namespace: "flotilla-system", Name: secret}, s)).To(Succeed())
			Expect(s.Data).To(HaveKey("ca.crt"))
			for _, name := range hubmanager.ConvertedCRDs {
				crd := &apiextensionsv1.CustomResourceDefinition{}
				Expect(admin.Get(ctx, client.ObjectKey{Name: name}, crd)).To(Succeed())
				Expect(crd.Spec.Conversion).To(And(
					HaveField("Strategy", apiextensionsv1.WebhookConverter),
					HaveField("Webhook.ClientConfig.URL", Equal(&url)),
					HaveField("Webhook.ClientConfig.Service", BeNil()),
					HaveField("Webhook.ClientConfig.CABundle", Equal(s.Data["ca.crt"])),
				), "CRD %s", name)
			}
			Expect(crdConversion(ctx, admin, "memberclusters.flotilla.dev")).To(BeNil(), "a CRD of one version is left alone")
			Expect(hubLogs.matching("orbidden")).To(BeEmpty(), "the hub was refused something")
		}, SpecTimeout(6*time.Minute)) // the first spec of the container: BeforeAll's time counts too

		It("lets the hub do its work", func(ctx SpecContext) {
			By("listing graphs and hub records in every namespace, and writing a hub record")
			Expect(hub.List(ctx, &nvidiav1alpha1.DynamoGraphDeploymentList{})).To(Succeed())
			Expect(hub.List(ctx, &nvidiav1alpha1.DynamoComponentDeploymentList{})).To(Succeed())
			dcd := testenv.GPUWorkerDCD("team-a", "llama-worker-0", "llama")
			Expect(hub.Create(ctx, dcd)).To(Succeed())
			Expect(hub.Delete(ctx, dcd)).To(Succeed())

			By("managing MemberClusters")
			mc := &flotillav1alpha1.MemberCluster{ObjectMeta: metav1.ObjectMeta{Name: "gpu-east"}}
			Expect(hub.Create(ctx, mc)).To(Succeed())
			Expect(hub.Status().Patch(ctx, mc, client.RawPatch(types.MergePatchType, []byte(`{"status":{}}`)))).To(Succeed())
			Expect(apierrors.IsForbidden(hub.Status().Update(ctx, mc))).To(BeTrue(), "status is written with patches only")
			Expect(hub.Delete(ctx, mc)).To(Succeed())

			By("reading member kubeconfig Secrets in fleet")
			Expect(hub.List(ctx, &corev1.SecretList{}, client.InNamespace("fleet"))).To(Succeed())

			By("electing a leader in its namespace")
			lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "flotilla-system", Name: "flotilla-hub-leader"}}
			Expect(hub.Create(ctx, lease)).To(Succeed())

			expectAccess(ctx, "flotilla-system", "flotilla-hub", true,
				access{"update", "nvidia.com", "dynamographdeployments/finalizers", "team-a", ""},
				access{"patch", "nvidia.com", "dynamographdeployments/status", "team-a", ""},
				access{"create", "", "events", "flotilla-system", ""},
				access{"create", "events.k8s.io", "events", "team-a", ""},
				access{"watch", "", "secrets", "fleet", ""},
			)
		}, SpecTimeout(time.Minute))

		It("denies the hub Secrets elsewhere, Cluster API and anything it does not need", func(ctx SpecContext) {
			expectForbidden := func(err error) {
				GinkgoHelper()
				Expect(apierrors.IsForbidden(err)).To(BeTrue(), "want Forbidden, got %v", err)
			}
			expectForbidden(hub.List(ctx, &corev1.SecretList{}))
			expectForbidden(hub.List(ctx, &corev1.SecretList{}, client.InNamespace("flotilla-system")))
			expectForbidden(hub.Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "x"}}))
			expectAccess(ctx, "flotilla-system", "flotilla-hub", false,
				access{"list", "cluster.x-k8s.io", "clusters", "", ""},
				access{"get", "", "secrets", "team-a", ""},
				access{"create", "", "secrets", "fleet", ""},
				access{"delete", "nvidia.com", "dynamographdeployments", "team-a", ""},
				access{"create", "nvidia.com", "dynamographdeployments", "team-a", ""},
				access{"update", "nvidia.com", "dynamographdeployments", "team-a", ""},
				access{"update", "nvidia.com", "dynamocomponentdeployments", "team-a", ""},
				access{"list", "", "pods", "", ""},
				access{"list", "", "nodes", "", ""},
				access{"create", "", "namespaces", "", ""},
				access{"list", "flotilla.dev", "gpuinventories", "", ""},
				access{"create", "", "events", "team-a", ""},
			)
		}, SpecTimeout(time.Minute))
	})

	Context("with the cluster-api source", Ordered, func() {
		BeforeAll(func(ctx SpecContext) {
			_, err := charttest.InstallChartRBAC(ctx, admin, charttest.HubChart, "capi", "capi-hub",
				"--set", "members.sources={cluster-api}")
			Expect(err).NotTo(HaveOccurred())
		}, NodeTimeout(5*time.Minute))

		It("lets the hub read Clusters and their kubeconfig Secrets in any namespace, and no more", func(ctx SpecContext) {
			sa := "capi-flotilla-hub"
			expectAccess(ctx, "capi-hub", sa, true,
				access{"list", "cluster.x-k8s.io", "clusters", "", ""},
				access{"watch", "cluster.x-k8s.io", "clusters", "team-a", ""},
				access{"get", "", "secrets", "team-a", ""},
				access{"list", "", "secrets", "", ""},
				access{"update", "coordination.k8s.io", "leases", "capi-hub", ""},
				access{"create", "nvidia.com", "dynamocomponentdeployments", "team-a", ""},
			)
			expectAccess(ctx, "capi-hub", sa, false,
				access{"update", "cluster.x-k8s.io", "clusters", "team-a", ""},
				access{"create", "", "secrets", "team-a", ""},
				access{"update", "coordination.k8s.io", "leases", "flotilla-system", ""},
			)
		}, SpecTimeout(time.Minute))
	})
})

// crdConversion returns the spec.conversion of the CRD name, nil for strategy None.
func crdConversion(ctx context.Context, c client.Client, name string) *apiextensionsv1.CustomResourceConversion {
	GinkgoHelper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	Expect(c.Get(ctx, client.ObjectKey{Name: name}, crd)).To(Succeed())
	if crd.Spec.Conversion != nil && crd.Spec.Conversion.Strategy == apiextensionsv1.NoneConverter {
		return nil
	}
	return crd.Spec.Conversion
}

// lines collects log lines, safe for concurrent use.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) add(prefix, args string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, prefix+" "+args)
}

// matching returns the lines holding substr.
func (l *lines) matching(substr string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.all {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out
}
