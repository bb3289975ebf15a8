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
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/agent/workload"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/internal/webhookcert"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

const (
	// rollout bounds a Deployment's rollout on the local cluster: scheduling, kwok, controllers.
	rollout = 2 * time.Minute
	// timeout bounds waiting for the agent's own writes.
	timeout = 30 * time.Second
	// quiet is how long Consistently watches for writes that must not happen.
	quiet = 5 * time.Second
	// interval is the polling interval.
	interval = 200 * time.Millisecond

	h100     = "NVIDIA-H100-80GB-HBM3"
	nodeGPUs = 8

	// restrictedNS is the namespace of the namespace-restricted release, and its target.
	restrictedNS = "team-a"
	// otherNS holds a DCD the namespace-restricted agent must leave alone.
	otherNS = "other"
	// clusterNS is the namespace of the cluster-mode release.
	clusterNS = "flotilla-system"
	// agentRelease is the release name of both installs, so the agent's ServiceAccount is
	// flotilla-agent.
	agentRelease = "flotilla-agent"
	agentSA      = "flotilla-agent"
	hubSA        = "flotilla-hub"
	hubSecret    = "flotilla-hub-token"
)

// Values that shorten the agent's intervals, through the chart.
var fastValues = []string{
	"--set", "inventory.writeInterval=500ms",
	"--set", "liveness.renewInterval=1s",
	"--set", "liveness.leaseDuration=5s",
}

// alarming matches what an agent with missing permissions logs: the API server's Forbidden
// and client-go's reflector failing to list or watch. Lines about a conversion webhook not
// answering yet (a CRD still naming another agent's webhook, which this agent's Rotator
// corrects within seconds) are not alarming.
var alarming = regexp.MustCompile(`(?i)forbidden|failed to watch|failed to list`)

// conversionPending marks the log lines of requests that failed only because the conversion
// webhook the CRD names did not answer yet.
const conversionPending = "conversion webhook for nvidia.com/"

var _ = Describe("The agent as the chart's ServiceAccount on a local cluster", Ordered, func() {
	var (
		cluster *testenv.Cluster
		admin   client.Client
		scheme  *runtime.Scheme
	)

	BeforeAll(func(ctx SpecContext) {
		By("starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok")
		started := time.Now()
		var err error
		cluster, err = testenv.StartCluster(ctx, testenv.Options{Name: "agent-chart", Logf: GinkgoWriter.Printf})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(cluster.Stop)
		AddReportEntry("cluster start", time.Since(started).Round(time.Millisecond).String())

		By("adding two fake 8-GPU H100 nodes")
		Expect(cluster.AddGPUNodes(ctx, []testenv.GPUNodeSpec{
			{Name: "h100-0", Product: h100, GPUs: nodeGPUs},
			{Name: "h100-1", Product: h100, GPUs: nodeGPUs},
		})).To(Succeed())

		By("installing the chart's CRDs")
		Expect(testenv.InstallCRDs(cluster.RESTConfig(), chartDir+"/crds")).To(Succeed())

		scheme, err = agentmanager.NewScheme()
		Expect(err).NotTo(HaveOccurred())
		Expect(apiextensionsv1.AddToScheme(scheme)).To(Succeed())
		admin, err = client.New(cluster.RESTConfig(), client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())

		By("creating the namespaces of the releases and of the workloads")
		for _, ns := range []string{restrictedNS, otherNS, clusterNS} {
			Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		}
	}, NodeTimeout(30*time.Minute)) // a cold build of the binaries takes about ten minutes

	// install applies the rendered objects as helm would, except the Deployment: the agent runs
	// in this process instead.
	install := func(ctx context.Context, objs []*unstructured.Unstructured) {
		GinkgoHelper()
		Expect(charttest.Install(ctx, admin, objs)).To(Succeed())
	}

	// asToken returns a config for the cluster's API server that authenticates with token only:
	// no client certificate.
	asToken := func(token string) *rest.Config {
		GinkgoHelper()
		cfg := charttest.TokenConfig(cluster.RESTConfig(), token)
		Expect(cfg.CertData).To(BeEmpty())
		Expect(cfg.CertFile).To(BeEmpty())
		return cfg
	}

	// serviceAccountConfig requests a token for a ServiceAccount with the TokenRequest API, checks
	// that the API server authenticates it as that ServiceAccount, and returns its config.
	serviceAccountConfig := func(ctx context.Context, namespace, name string) *rest.Config {
		GinkgoHelper()
		cfg, err := charttest.ServiceAccountConfig(ctx, cluster.RESTConfig(), namespace, name)
		Expect(err).NotTo(HaveOccurred())
		Expect(cfg.CertData).To(BeEmpty())
		return cfg
	}

	// hubClient reads the long-lived token the token controller puts into the chart's hub
	// Secret, as a hub registration does, and returns a client using it.
	hubClient := func(ctx context.Context, namespace string) client.Client {
		GinkgoHelper()
		secret := &corev1.Secret{}
		Eventually(func(g Gomega) {
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: namespace, Name: hubSecret}, secret)).To(Succeed())
			g.Expect(secret.Data).To(HaveKey(corev1.ServiceAccountTokenKey))
			g.Expect(secret.Data).To(HaveKey(corev1.ServiceAccountRootCAKey))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		cfg := asToken(string(secret.Data[corev1.ServiceAccountTokenKey]))
		expectUser(ctx, cfg, fmt.Sprintf("system:serviceaccount:%s:%s", namespace, hubSA))
		c, err := client.New(cfg, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		return c
	}

	// startAgent runs the agent in this process with cfg and opts until the current container's
	// cleanup.
	startAgent := func(cfg *rest.Config, opts agentmanager.Options) {
		GinkgoHelper()
		mgr, err := agentmanager.New(cfg, opts, agentmanager.Settings{SkipControllerNameValidation: true})
		Expect(err).NotTo(HaveOccurred())
		mgrCtx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			defer GinkgoRecover()
			done <- mgr.Start(mgrCtx)
		}()
		DeferCleanup(func(ctx SpecContext) {
			By("stopping the agent")
			cancel()
			select {
			case err := <-done:
				Expect(err).NotTo(HaveOccurred())
			case <-ctx.Done():
				Fail("the agent did not stop")
			}
		}, NodeTimeout(time.Minute))
	}

	// expectAvailable waits until the DCD is Available because its Deployment rolled out, and
	// returns the Deployment.
	expectAvailable := func(ctx context.Context, dcd *nvidiav1alpha1.DynamoComponentDeployment) *appsv1.Deployment {
		GinkgoHelper()
		d := &appsv1.Deployment{}
		Eventually(func(g Gomega) {
			g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(dcd), d)).To(Succeed())
			g.Expect(metav1.IsControlledBy(d, getDCD(ctx, g, admin, dcd))).To(BeTrue())
			got := getDCD(ctx, g, admin, dcd)
			cond := meta.FindStatusCondition(got.Status.Conditions, nvidiav1alpha1.ConditionAvailable)
			g.Expect(cond).NotTo(BeNil())
			g.Expect(cond.Status).To(Equal(metav1.ConditionTrue), "%s: %s", cond.Reason, cond.Message)
			g.Expect(cond.Reason).To(Equal(workload.ReasonDeploymentReady))
		}).WithContext(ctx).WithTimeout(rollout).WithPolling(interval).Should(Succeed())
		return d
	}

	// expectLeaseRenewed waits until the agent's Lease in namespace is held by identity and
	// renewed at least once more.
	expectLeaseRenewed := func(ctx context.Context, namespace, identity string) {
		GinkgoHelper()
		key := client.ObjectKey{Namespace: namespace, Name: flotillav1alpha1.AgentLeaseName}
		lease := &coordinationv1.Lease{}
		Eventually(func(g Gomega) {
			g.Expect(admin.Get(ctx, key, lease)).To(Succeed())
			g.Expect(lease.Spec.HolderIdentity).To(Equal(ptr.To(identity)))
			g.Expect(lease.Spec.RenewTime).NotTo(BeNil())
			g.Expect(lease.Spec.LeaseDurationSeconds).To(Equal(ptr.To[int32](5)))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		first := lease.Spec.RenewTime.Time
		Eventually(func(g Gomega) {
			g.Expect(admin.Get(ctx, key, lease)).To(Succeed())
			g.Expect(lease.Spec.RenewTime.Time).To(BeTemporally(">", first))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}

	// expectNothingAlarming checks the logs written since mark: the agent ran, and logged no
	// permission error.
	expectNothingAlarming := func(mark int) {
		GinkgoHelper()
		logs := agentLogs.Since(mark)
		Expect(logs).To(ContainSubstring(`"msg":"Agent configured"`))
		Expect(logs).To(ContainSubstring(`"msg":"Starting Controller"`))
		var found []string
		for _, line := range strings.Split(logs, "\n") {
			if alarming.MatchString(line) && !strings.Contains(line, conversionPending) {
				found = append(found, line)
			}
		}
		Expect(found).To(BeEmpty(), "the agent logged permission errors:\n%s", logs)
	}

	// localWebhook makes the agent of opts serve its conversion webhook on 127.0.0.1, called by
	// URL: nothing routes the chart's Service to this process.
	localWebhook := func(opts *agentmanager.Options) {
		GinkgoHelper()
		Expect(fleet.LocalWebhook(&opts.Webhook)).To(Succeed())
	}

	// expectCRDConversion checks that the DCD CRD converts through the webhook at url, trusting
	// the CA of the certificate Secret secret of namespace.
	expectCRDConversion := func(ctx context.Context, url, namespace, secret string) {
		GinkgoHelper()
		Eventually(func(g Gomega) {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			g.Expect(admin.Get(ctx, client.ObjectKey{Name: agentmanager.ConvertedCRD}, crd)).To(Succeed())
			conv := crd.Spec.Conversion
			g.Expect(conv.Strategy).To(Equal(apiextensionsv1.WebhookConverter))
			g.Expect(conv.Webhook.ClientConfig.URL).To(Equal(ptr.To(url)))
			g.Expect(conv.Webhook.ClientConfig.Service).To(BeNil())
			s := &corev1.Secret{}
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: namespace, Name: secret}, s)).To(Succeed())
			g.Expect(s.Data[webhookcert.CACertKey]).NotTo(BeEmpty())
			g.Expect(conv.Webhook.ClientConfig.CABundle).To(Equal(s.Data[webhookcert.CACertKey]))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(fleet.WaitConverting(ctx, admin, namespace, fleet.KindComponent)).To(Succeed())
	}

	Context("namespace-restricted to team-a, with declared capacity", Ordered, func() {
		var (
			logMark int
			dcd     *nvidiav1alpha1.DynamoComponentDeployment
			other   *nvidiav1alpha1.DynamoComponentDeployment
			objs    []*unstructured.Unstructured
			opts    agentmanager.Options
		)
		declared := []inventory.DeclaredCapacity{
			{Product: "NVIDIA-L40S", GPUsPerNode: 8, Nodes: 2},
			{Product: "NVIDIA-A100-SXM4-80GB", GPUsPerNode: 4, Nodes: 1},
		}

		BeforeAll(func(ctx SpecContext) {
			By("rendering the chart namespace-restricted to its release namespace team-a")
			capacity, err := json.Marshal(declared)
			Expect(err).NotTo(HaveOccurred())
			objs = render(ctx, agentRelease, restrictedNS, append([]string{
				"--set", "namespaceRestriction.enabled=true",
				"--set-json", "namespaceRestriction.declaredCapacity=" + string(capacity),
			}, fastValues...)...)
			Expect(ofKind(released(objs), "ClusterRole")).To(BeEmpty(), "only the wire-conversion hook's")

			By("applying its ServiceAccounts, token Secret, Roles, RoleBindings, webhook Service and certificate Secret")
			install(ctx, objs)

			By("starting the agent in-process with the Deployment's arguments and a token of its ServiceAccount")
			opts = agentOptions(objs, restrictedNS)
			Expect(opts.WatchNamespace).To(Equal(restrictedNS))
			Expect(opts.WebhookManagesCRDs()).To(BeFalse())
			opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0" // ports of a pod, not of this process
			opts.LeaseIdentity = "restricted-agent"
			localWebhook(&opts)
			logMark = agentLogs.Len()
			startAgent(serviceAccountConfig(ctx, restrictedNS, agentSA), opts)
		}, NodeTimeout(5*time.Minute))

		It("serves the DCD CRD's conversion once the wire-conversion hook pointed the CRD at it", func(ctx SpecContext) {
			By("checking that the agent, holding Roles only, may not read nor patch the CRD")
			agent, err := client.New(serviceAccountConfig(ctx, restrictedNS, agentSA), client.Options{Scheme: scheme})
			Expect(err).NotTo(HaveOccurred())
			expectForbidden(agent.Get(ctx, client.ObjectKey{Name: agentmanager.ConvertedCRD}, &apiextensionsv1.CustomResourceDefinition{}))

			By("creating the hook's ServiceAccount and RBAC, as helm does after the install")
			hook, err := fleet.WireConversionHookOf(objs, restrictedNS)
			Expect(err).NotTo(HaveOccurred())
			hook.Options.Webhook.URL = opts.Webhook.URL
			install(ctx, hook.RBAC)
			DeferCleanup(hook.Delete, admin)
			hookCfg := serviceAccountConfig(ctx, restrictedNS, hook.ServiceAccount.Name)
			hookClient, err := client.New(hookCfg, client.Options{Scheme: scheme})
			Expect(err).NotTo(HaveOccurred())

			By("checking that the hook may read the DCD CRD and its Secret, and nothing else")
			Expect(hookClient.Get(ctx, client.ObjectKey{Name: agentmanager.ConvertedCRD}, &apiextensionsv1.CustomResourceDefinition{})).To(Succeed())
			Expect(hookClient.Get(ctx, client.ObjectKey{Namespace: restrictedNS, Name: opts.Webhook.CertSecret}, &corev1.Secret{})).To(Succeed())
			expectForbidden(hookClient.Get(ctx, client.ObjectKey{Name: "gpuinventories.flotilla.dev"}, &apiextensionsv1.CustomResourceDefinition{}))
			expectForbidden(hookClient.List(ctx, &apiextensionsv1.CustomResourceDefinitionList{}))
			expectForbidden(hookClient.Get(ctx, client.ObjectKey{Namespace: restrictedNS, Name: hubSecret}, &corev1.Secret{}))
			expectForbidden(hookClient.List(ctx, &nvidiav1alpha1.DynamoComponentDeploymentList{}, client.InNamespace(restrictedNS)))

			By("running `agent wire-conversion` with the hook Job's arguments as the hook's ServiceAccount")
			wireCtx, cancel := context.WithTimeout(logf.IntoContext(ctx, GinkgoLogr), hook.Options.Timeout)
			defer cancel()
			Expect(webhookcert.Wire(wireCtx, hookCfg, hook.Options.RotatorOptions())).To(Succeed())

			By("deleting the hook's ServiceAccount and RBAC, as helm does once the hook succeeded")
			Expect(hook.Delete(ctx, admin)).To(Succeed())

			By("checking that the CRD converts through the agent's webhook, trusting the CA in the agent's Secret")
			expectCRDConversion(ctx, opts.Webhook.URL, restrictedNS, opts.Webhook.CertSecret)
		}, SpecTimeout(8*time.Minute)) // the first spec of the container: BeforeAll's time counts too

		It("runs a DCD of team-a and leaves one of another namespace alone", func(ctx SpecContext) {
			By("creating a one-GPU worker DCD in namespace other, then one in team-a")
			other = workerDCD(otherNS, "left-alone")
			Expect(admin.Create(ctx, other)).To(Succeed())
			dcd = workerDCD(restrictedNS, "worker")
			Expect(admin.Create(ctx, dcd)).To(Succeed())

			By("waiting until the team-a DCD's Deployment rolled out and the DCD reports it Available")
			expectAvailable(ctx, dcd)

			By("checking that the DCD in namespace other has neither a Deployment nor a status")
			Consistently(func(g Gomega) {
				err := admin.Get(ctx, client.ObjectKeyFromObject(other), &appsv1.Deployment{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "Deployment other/left-alone: want NotFound, got %v", err)
				g.Expect(getDCD(ctx, g, admin, other).Status).To(Equal(nvidiav1alpha1.DynamoComponentDeploymentStatus{}))
			}).WithContext(ctx).WithTimeout(quiet).WithPolling(interval).Should(Succeed())
		}, SpecTimeout(rollout+time.Minute))

		It("runs a DCD written in nvidia.com/v1beta1, which it reads in v1alpha1 through its own webhook", func(ctx SpecContext) {
			beta := testenv.GPUWorkerDCDV1beta1(restrictedNS, "beta-worker", "chart-graph")
			Expect(admin.Create(ctx, beta)).To(Succeed())
			alpha := &nvidiav1alpha1.DynamoComponentDeployment{}
			Expect(admin.Get(ctx, client.ObjectKeyFromObject(beta), alpha)).To(Succeed())
			Expect(alpha.Spec.ServiceName).To(Equal(beta.Spec.ComponentName))
			expectAvailable(ctx, alpha)
		}, SpecTimeout(rollout+time.Minute))

		It("publishes its declared capacity as the GPUInventory of team-a", func(ctx SpecContext) {
			want, err := inventory.DeclaredPools(declared)
			Expect(err).NotTo(HaveOccurred())
			inv := &flotillav1alpha1.GPUInventory{}
			Eventually(func(g Gomega) {
				g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: restrictedNS, Name: flotillav1alpha1.InventoryName}, inv)).To(Succeed())
				g.Expect(inv.Status.Source).To(Equal(flotillav1alpha1.InventoryDeclared))
				g.Expect(inv.Status.NamespaceRestriction).To(Equal(restrictedNS))
				g.Expect(inv.Status.GPUs).To(Equal(want))
				g.Expect(inv.Status.GPUsTotal).To(Equal(int64(2*8 + 4)))
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		}, SpecTimeout(time.Minute))

		It("renews its Lease in team-a", func(ctx SpecContext) {
			expectLeaseRenewed(ctx, restrictedNS, "restricted-agent")
		}, SpecTimeout(time.Minute))

		It("gives the hub identity DCDs, the inventory and the Lease of team-a, and nothing else", func(ctx SpecContext) {
			By("reading the hub's long-lived token from the chart's Secret")
			hub := hubClient(ctx, restrictedNS)

			By("creating, reading and patching a DCD in team-a as the hub")
			hubDCD := workerDCD(restrictedNS, "from-hub")
			Expect(hub.Create(ctx, hubDCD)).To(Succeed())
			got := &nvidiav1alpha1.DynamoComponentDeployment{}
			Expect(hub.Get(ctx, client.ObjectKeyFromObject(hubDCD), got)).To(Succeed())
			patch := client.MergeFrom(got.DeepCopy())
			got.Labels["flotilla.dev/copy"] = "0"
			Expect(hub.Patch(ctx, got, patch)).To(Succeed())
			Expect(hub.List(ctx, &nvidiav1alpha1.DynamoComponentDeploymentList{}, client.InNamespace(restrictedNS))).To(Succeed())

			By("reading the GPUInventory and the agent's Lease of team-a as the hub")
			Expect(hub.Get(ctx, client.ObjectKey{Namespace: restrictedNS, Name: flotillav1alpha1.InventoryName},
				&flotillav1alpha1.GPUInventory{})).To(Succeed())
			// The hub reads Leases through its cache (list and watch, no get).
			Expect(hub.List(ctx, &coordinationv1.LeaseList{}, client.InNamespace(restrictedNS))).To(Succeed())
			expectForbidden(hub.Get(ctx, client.ObjectKey{Namespace: restrictedNS, Name: flotillav1alpha1.AgentLeaseName}, &coordinationv1.Lease{}))
			Expect(hub.List(ctx, &flotillav1alpha1.GPUInventoryList{}, client.InNamespace(restrictedNS))).To(Succeed())

			By("checking that the hub is forbidden DCDs elsewhere, Nodes, namespaces, Secrets and the inventory's status")
			expectForbidden(hub.Create(ctx, workerDCD("default", "not-here")))
			expectForbidden(hub.List(ctx, &nvidiav1alpha1.DynamoComponentDeploymentList{}))
			expectForbidden(hub.List(ctx, &corev1.NodeList{}))
			expectForbidden(hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "from-hub"}}))
			expectForbidden(hub.Get(ctx, client.ObjectKey{Namespace: restrictedNS, Name: hubSecret}, &corev1.Secret{}))
			expectForbidden(hub.List(ctx, &corev1.SecretList{}, client.InNamespace(restrictedNS)))
			expectForbidden(hub.List(ctx, &corev1.PodList{}, client.InNamespace(restrictedNS)))
			expectForbidden(hub.Delete(ctx, &flotillav1alpha1.GPUInventory{ObjectMeta: metav1.ObjectMeta{
				Namespace: restrictedNS, Name: flotillav1alpha1.InventoryName}}))

			By("waiting until the agent runs the hub's DCD too")
			expectAvailable(ctx, hubDCD)
		}, SpecTimeout(rollout+time.Minute))

		It("has logged no permission error", func() {
			expectNothingAlarming(logMark)
		})
	})

	Context("in cluster mode, with the inventory from Nodes", Ordered, func() {
		var (
			logMark                   int
			webhookURL, webhookSecret string
		)

		BeforeAll(func(ctx SpecContext) {
			By("rendering the chart in flotilla-system in cluster mode, ignoring kwok's node taint, allowing IPC_LOCK")
			objs := render(ctx, agentRelease, clusterNS, append([]string{
				"--set", "clusterName=member-1",
				"--set", "ignoreTaintKeys={" + testenv.KwokNodeAnnotation + "}",
				"--set", "policy.allow.capabilities={IPC_LOCK}",
			}, fastValues...)...)
			Expect(ofKind(objs, "ClusterRole")).To(HaveLen(2))

			By("applying its ServiceAccounts, token Secret, ClusterRoles, Roles and bindings")
			install(ctx, objs)

			By("starting the agent in-process with the Deployment's arguments and a token of its ServiceAccount")
			opts := agentOptions(objs, clusterNS)
			Expect(opts.LeaderElect).To(BeTrue())
			Expect(opts.WebhookManagesCRDs()).To(BeTrue())
			opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0"
			opts.LeaseIdentity = "cluster-agent"
			localWebhook(&opts)
			webhookURL, webhookSecret = opts.Webhook.URL, opts.Webhook.CertSecret
			logMark = agentLogs.Len()
			startAgent(serviceAccountConfig(ctx, clusterNS, agentSA), opts)
		}, NodeTimeout(5*time.Minute))

		It("points the DCD CRD at its own webhook, taking it over from the restricted agent's", func(ctx SpecContext) {
			expectCRDConversion(ctx, webhookURL, clusterNS, webhookSecret)
		}, SpecTimeout(8*time.Minute)) // the first spec of the container: BeforeAll's time counts too

		It("wins leader election in its namespace", func(ctx SpecContext) {
			Eventually(func(g Gomega) {
				lease := &coordinationv1.Lease{}
				g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: clusterNS, Name: agentmanager.LeaderElectionID}, lease)).To(Succeed())
				g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil())
				g.Expect(*lease.Spec.HolderIdentity).NotTo(BeEmpty())
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		}, SpecTimeout(time.Minute))

		It("runs DCDs of any namespace", func(ctx SpecContext) {
			By("waiting until the DCD the restricted agent left alone in namespace other is Available")
			expectAvailable(ctx, &nvidiav1alpha1.DynamoComponentDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: otherNS, Name: "left-alone"}})

			By("creating a DCD in a new namespace and waiting until it is Available")
			Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "anywhere"}})).To(Succeed())
			dcd := workerDCD("anywhere", "worker")
			Expect(admin.Create(ctx, dcd)).To(Succeed())
			expectAvailable(ctx, dcd)
		}, SpecTimeout(2*rollout+time.Minute))

		It("refuses, as the member's policy says, the DCDs the hub's identity writes with privileged pods, host access, other ServiceAccounts or in system namespaces", func(ctx SpecContext) {
			By("reading the hub's long-lived token from the chart's Secret")
			hub := hubClient(ctx, clusterNS)
			const ns = "policy"
			Expect(hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
			mutated := func(name string, mutate func(*corev1.PodSpec, *corev1.Container)) *nvidiav1alpha1.DynamoComponentDeployment {
				d := workerDCD(ns, name)
				mutate(d.Spec.ExtraPodSpec.PodSpec, d.Spec.ExtraPodSpec.MainContainer)
				return d
			}
			denied := []struct {
				dcd   *nvidiav1alpha1.DynamoComponentDeployment
				field string
			}{
				{mutated("privileged", func(_ *corev1.PodSpec, c *corev1.Container) {
					c.SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
				}), "spec.podTemplate.spec.containers[*].securityContext.privileged: Forbidden: violates the member's Pod Security \"baseline\" policy: privileged"},
				{mutated("host-network", func(p *corev1.PodSpec, _ *corev1.Container) { p.HostNetwork = true }),
					"spec.podTemplate.spec.hostNetwork/hostPID/hostIPC: Forbidden"},
				{mutated("host-path", func(p *corev1.PodSpec, _ *corev1.Container) {
					p.Volumes = []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
				}), "spec.podTemplate.spec.volumes: Forbidden: violates the member's Pod Security \"baseline\" policy: hostPath volumes"},
				{mutated("net-admin", func(_ *corev1.PodSpec, c *corev1.Container) {
					c.SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN"}}}
				}), "policy.allow.capabilities"},
				{mutated("other-sa", func(p *corev1.PodSpec, _ *corev1.Container) { p.ServiceAccountName = "flotilla-agent" }),
					"spec.podTemplate.spec.serviceAccountName: Forbidden: flotilla-agent is not a ServiceAccount the member's policy allows"},
				{workerDCD(metav1.NamespaceSystem, "in-kube-system"), "metadata.namespace: Forbidden: kube-system is a system namespace"},
				{workerDCD(clusterNS, "in-agent-namespace"), "metadata.namespace: Forbidden: flotilla-system is the agent's own namespace"},
			}
			allowed := mutated("ipc-lock", func(_ *corev1.PodSpec, c *corev1.Container) {
				c.SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"IPC_LOCK"}}}
			})
			for _, d := range append([]*nvidiav1alpha1.DynamoComponentDeployment{allowed}, func() (out []*nvidiav1alpha1.DynamoComponentDeployment) {
				for _, x := range denied {
					out = append(out, x.dcd)
				}
				return out
			}()...) {
				Expect(hub.Create(ctx, d)).To(Succeed(), "the hub may write DCDs; the agent decides what runs")
			}

			By("waiting until each denied DCD is Available=False, PolicyDenied, its field named, with nothing built")
			for _, x := range denied {
				Eventually(func(g Gomega) {
					got := getDCD(ctx, g, admin, x.dcd)
					cond := meta.FindStatusCondition(got.Status.Conditions, nvidiav1alpha1.ConditionAvailable)
					g.Expect(cond).NotTo(BeNil())
					g.Expect(cond.Status).To(Equal(metav1.ConditionFalse))
					g.Expect(cond.Reason).To(Equal("PolicyDenied"))
					g.Expect(cond.Message).To(ContainSubstring(x.field))
				}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed(), "DCD %s", x.dcd.Name)
				err := admin.Get(ctx, client.ObjectKeyFromObject(x.dcd), &appsv1.Deployment{})
				Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no Deployment for %s: %v", x.dcd.Name, err)
			}

			By("running the DCD that adds IPC_LOCK, which this release's policy allows (policy.allow.capabilities)")
			expectAvailable(ctx, allowed)

			By("deleting them")
			Expect(admin.Delete(ctx, allowed)).To(Succeed())
			for _, x := range denied {
				Expect(admin.Delete(ctx, x.dcd)).To(Succeed())
			}
		}, SpecTimeout(rollout+time.Minute))

		It("runs 2-node vLLM, SGLang and TensorRT-LLM workers as one engine each, on two GPU nodes", func(ctx SpecContext) {
			expectMultinodeEngines(ctx, admin, "multinode", workload.ReasonAllStatefulSetsReady)
		}, SpecTimeout(3*rollout))

		It("publishes the GPUs of the kwok nodes as its GPUInventory", func(ctx SpecContext) {
			inv := &flotillav1alpha1.GPUInventory{}
			Eventually(func(g Gomega) {
				g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: clusterNS, Name: flotillav1alpha1.InventoryName}, inv)).To(Succeed())
				g.Expect(inv.Status.Source).To(Equal(flotillav1alpha1.InventoryFromNodes))
				g.Expect(inv.Status.NamespaceRestriction).To(BeEmpty())
				g.Expect(inv.Status.MultinodeRuntime).To(Equal(flotillav1alpha1.MultinodeRuntimeStatefulSet), "the cluster serves no LeaderWorkerSet")
				g.Expect(inv.Status.GPUs).To(HaveLen(1))
				pool := inv.Status.GPUs[0]
				g.Expect(pool.ResourceName).To(Equal(flotillav1alpha1.DefaultGPUResourceName))
				g.Expect(pool.Product).To(Equal(h100))
				g.Expect(pool.Total).To(Equal(int64(2 * nodeGPUs)))
				g.Expect(pool.UnschedulableNodes).To(BeZero(), "kwok's taint is ignored")
				nodes := int32(0)
				for _, level := range pool.NodesByFree {
					nodes += level.Nodes
				}
				g.Expect(nodes).To(Equal(int32(2)))
				g.Expect(pool.Free).To(Equal(int64(2*nodeGPUs) - boundGPURequests(ctx, g, admin)))
			}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		}, SpecTimeout(time.Minute))

		It("renews its Lease in its namespace", func(ctx SpecContext) {
			expectLeaseRenewed(ctx, clusterNS, "cluster-agent")
		}, SpecTimeout(time.Minute))

		It("gives the hub identity namespace creation and DCDs anywhere, but no Secrets nor Pods", func(ctx SpecContext) {
			By("reading the hub's long-lived token from the chart's Secret")
			hub := hubClient(ctx, clusterNS)

			By("creating a namespace and a DCD in it, and a DCD in team-a, as the hub")
			Expect(hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "from-hub"}})).To(Succeed())
			for _, ns := range []string{"from-hub", restrictedNS} {
				d := workerDCD(ns, "hub-placed")
				Expect(hub.Create(ctx, d)).To(Succeed())
				patch := client.MergeFrom(d.DeepCopy())
				d.Labels["flotilla.dev/copy"] = "1"
				Expect(hub.Patch(ctx, d, patch)).To(Succeed())
			}
			Expect(hub.List(ctx, &nvidiav1alpha1.DynamoComponentDeploymentList{})).To(Succeed())

			By("reading the GPUInventory and the agent's Lease as the hub")
			Expect(hub.Get(ctx, client.ObjectKey{Namespace: clusterNS, Name: flotillav1alpha1.InventoryName},
				&flotillav1alpha1.GPUInventory{})).To(Succeed())
			// The hub reads Leases through its cache (list and watch, no get).
			Expect(hub.List(ctx, &coordinationv1.LeaseList{}, client.InNamespace(clusterNS))).To(Succeed())
			expectForbidden(hub.Get(ctx, client.ObjectKey{Namespace: clusterNS, Name: flotillav1alpha1.AgentLeaseName}, &coordinationv1.Lease{}))

			By("checking that the hub is forbidden Secrets, Pods, Nodes, Deployments and deleting namespaces")
			expectForbidden(hub.Get(ctx, client.ObjectKey{Namespace: clusterNS, Name: hubSecret}, &corev1.Secret{}))
			expectForbidden(hub.List(ctx, &corev1.SecretList{}, client.InNamespace(restrictedNS)))
			expectForbidden(hub.List(ctx, &corev1.PodList{}))
			expectForbidden(hub.List(ctx, &corev1.PodList{}, client.InNamespace(restrictedNS)))
			expectForbidden(hub.List(ctx, &corev1.NodeList{}))
			expectForbidden(hub.List(ctx, &appsv1.DeploymentList{}, client.InNamespace(restrictedNS)))
			expectForbidden(hub.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "from-hub"}}))
			expectForbidden(hub.Get(ctx, client.ObjectKey{Name: "from-hub"}, &corev1.Namespace{}))
			expectForbidden(hub.List(ctx, &corev1.NamespaceList{}))

			By("checking that the hub cannot update a DCD (it writes them by server-side apply) nor patch its status")
			placed := &nvidiav1alpha1.DynamoComponentDeployment{}
			Expect(hub.Get(ctx, client.ObjectKey{Namespace: "from-hub", Name: "hub-placed"}, placed)).To(Succeed())
			expectForbidden(hub.Update(ctx, placed))
			expectForbidden(hub.Status().Update(ctx, placed))
			expectForbidden(hub.Get(ctx, client.ObjectKey{Namespace: restrictedNS, Name: flotillav1alpha1.InventoryName},
				&flotillav1alpha1.GPUInventory{}))
		}, SpecTimeout(time.Minute))

		It("has logged no permission error", func() {
			expectNothingAlarming(logMark)
		})
	})

	Context("in cluster mode, on a cluster that runs LeaderWorkerSet", Ordered, func() {
		var logMark int

		BeforeAll(func(ctx SpecContext) {
			By("installing LeaderWorkerSet " + testenv.LWSVersion() + ": its CRD, its controller manager and its webhooks")
			Expect(cluster.StartLeaderWorkerSet(ctx)).To(Succeed())

			By("starting the cluster-mode agent again, with the chart's arguments (--multinode-runtime=auto)")
			objs := render(ctx, agentRelease, clusterNS, append([]string{
				"--set", "clusterName=member-1",
				"--set", "ignoreTaintKeys={" + testenv.KwokNodeAnnotation + "}",
			}, fastValues...)...)
			// The cluster-mode release is installed by the container above, unless it was skipped.
			err := admin.Get(ctx, client.ObjectKey{Namespace: clusterNS, Name: agentSA}, &corev1.ServiceAccount{})
			if apierrors.IsNotFound(err) {
				install(ctx, objs)
			} else {
				Expect(err).NotTo(HaveOccurred())
			}
			opts := agentOptions(objs, clusterNS)
			Expect(opts.MultinodeRuntime).To(Equal(agentmanager.MultinodeRuntimeAuto))
			opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0"
			opts.LeaseIdentity = "cluster-agent-lws"
			localWebhook(&opts)
			logMark = agentLogs.Len()
			startAgent(serviceAccountConfig(ctx, clusterNS, agentSA), opts)
			expectCRDConversion(ctx, opts.Webhook.URL, clusterNS, opts.Webhook.CertSecret)

			// The earlier contexts' one-GPU workers stay, placed wherever the scheduler put them:
			// with several on one node, an engine's group (one pod on each node) could not fit.
			// The agent serves the DCD CRD's conversion, so they are listed once it runs.
			By("deleting the workers the earlier specs left, so that the engines find every GPU free")
			dcds := &nvidiav1alpha1.DynamoComponentDeploymentList{}
			Expect(admin.List(ctx, dcds)).To(Succeed())
			for i := range dcds.Items {
				Expect(client.IgnoreNotFound(admin.Delete(ctx, &dcds.Items[i]))).To(Succeed())
			}
			Eventually(func(g Gomega) {
				g.Expect(boundGPURequests(ctx, g, admin)).To(BeZero())
			}).WithContext(ctx).WithTimeout(rollout).WithPolling(interval).Should(Succeed())
		}, NodeTimeout(5*time.Minute))

		It("publishes LeaderWorkerSet as its multinode runtime", func(ctx SpecContext) {
			Eventually(func(g Gomega) {
				inv := &flotillav1alpha1.GPUInventory{}
				g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: clusterNS, Name: flotillav1alpha1.InventoryName}, inv)).To(Succeed())
				g.Expect(inv.Status.MultinodeRuntime).To(Equal(flotillav1alpha1.MultinodeRuntimeLeaderWorkerSet))
			}).WithContext(ctx).WithTimeout(2 * timeout).WithPolling(interval).Should(Succeed())
		}, SpecTimeout(2*time.Minute))

		It("runs the same 2-node vLLM, SGLang and TensorRT-LLM workers as LeaderWorkerSets that LeaderWorkerSet's controller rolls out", func(ctx SpecContext) {
			expectMultinodeEngines(ctx, admin, "multinode-lws", workload.ReasonLeaderWorkerSetReady)
		}, SpecTimeout(3*rollout))

		It("has logged no permission error", func() {
			expectNothingAlarming(logMark)
		})
	})
})

// workerDCD returns a DCD of one replica asking for one GPU, tolerating the fake nodes' taint.
func workerDCD(namespace, name string) *nvidiav1alpha1.DynamoComponentDeployment {
	return testenv.GPUWorkerDCD(namespace, name, "chart-graph")
}

// getDCD reads the current state of dcd.
func getDCD(ctx context.Context, g Gomega, c client.Client, dcd *nvidiav1alpha1.DynamoComponentDeployment) *nvidiav1alpha1.DynamoComponentDeployment {
	got := &nvidiav1alpha1.DynamoComponentDeployment{}
	g.ExpectWithOffset(1, c.Get(ctx, client.ObjectKeyFromObject(dcd), got)).To(Succeed())
	return got
}

// boundGPURequests sums the GPU requests of the non-terminated pods bound to a node.
func boundGPURequests(ctx context.Context, g Gomega, c client.Client) int64 {
	pods := &corev1.PodList{}
	g.ExpectWithOffset(1, c.List(ctx, pods)).To(Succeed())
	var sum int64
	for _, p := range pods.Items {
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		for _, ctr := range p.Spec.Containers {
			if q, ok := ctr.Resources.Requests[testenv.ResourceGPU]; ok {
				sum += q.Value()
			}
		}
	}
	return sum
}

// expectUser checks that the API server authenticates cfg as user.
func expectUser(ctx context.Context, cfg *rest.Config, user string) {
	GinkgoHelper()
	Expect(charttest.Username(ctx, cfg)).To(Equal(user))
}

// expectForbidden checks that a call was refused by authorization.
func expectForbidden(err error) {
	GinkgoHelper()
	Expect(apierrors.IsForbidden(err)).To(BeTrue(), "want Forbidden, got %v", err)
}
