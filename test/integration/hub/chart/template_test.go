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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/hub/graph"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/test/charttest"
)

const (
	// templateTimeout bounds one helm run (go tool builds helm once, then reuses it).
	templateTimeout = 5 * time.Minute
	release         = "flotilla-hub"
	hubNS           = "flotilla-system"
	// clusterRole is the name of the default release's ClusterRole and binding.
	clusterRole = "flotilla-hub-flotilla-system"
)

// hubGrants are the hub's cluster-wide grants with every member source (DESIGN decisions 5, 8).
var hubGrants = []string{
	"list dynamographdeployments.nvidia.com",
	"watch dynamographdeployments.nvidia.com",
	"patch dynamographdeployments.nvidia.com",
	"patch dynamographdeployments/status.nvidia.com",
	"update dynamographdeployments/finalizers.nvidia.com",
	"list dynamocomponentdeployments.nvidia.com",
	"watch dynamocomponentdeployments.nvidia.com", "create dynamocomponentdeployments.nvidia.com",
	"patch dynamocomponentdeployments.nvidia.com",
	"delete dynamocomponentdeployments.nvidia.com",
	"patch dynamocomponentdeployments/status.nvidia.com",
	"update dynamocomponentdeployments/finalizers.nvidia.com",
	"list memberclusters.flotilla.dev", "watch memberclusters.flotilla.dev",
	"create memberclusters.flotilla.dev", "patch memberclusters.flotilla.dev",
	"delete memberclusters.flotilla.dev",
	"patch memberclusters/status.flotilla.dev",
	"create events.events.k8s.io", "patch events.events.k8s.io",
}

// webhookCRDGrants are the hub's rules on the CRDs it converts, by name (webhook.manageCRDs).
var webhookCRDGrants = []string{
	"get customresourcedefinitions.apiextensions.k8s.io dynamocomponentdeployments.nvidia.com",
	"get customresourcedefinitions.apiextensions.k8s.io dynamographdeployments.nvidia.com",
	"patch customresourcedefinitions.apiextensions.k8s.io dynamocomponentdeployments.nvidia.com",
	"patch customresourcedefinitions.apiextensions.k8s.io dynamographdeployments.nvidia.com",
}

// webhookConfigurationGrants are the hub's rules on the graphs' ValidatingWebhookConfiguration of
// release flotilla-hub in flotilla-system, by name (webhook.validation.enabled).
var webhookConfigurationGrants = []string{
	"get validatingwebhookconfigurations.admissionregistration.k8s.io flotilla-hub-flotilla-system-graphs",
	"patch validatingwebhookconfigurations.admissionregistration.k8s.io flotilla-hub-flotilla-system-graphs",
}

// webhookSecretGrants are the hub's rules on its webhook certificate Secret of release
// flotilla-hub.
var webhookSecretGrants = []string{
	"get secrets flotilla-hub-webhook-cert", "patch secrets flotilla-hub-webhook-cert",
}

// withAll returns the concatenation of lists.
func withAll(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var (
	secretGrants     = []string{"get secrets", "list secrets", "watch secrets"}
	clusterAPIGrants = []string{"get clusters.cluster.x-k8s.io", "list clusters.cluster.x-k8s.io", "watch clusters.cluster.x-k8s.io"}
	leaderGrants     = []string{
		"get leases.coordination.k8s.io", "create leases.coordination.k8s.io", "update leases.coordination.k8s.io",
		"create events", "patch events",
	}
)

// expectHardenedDeployment checks the hub Deployment's image, probes and security contexts.
func expectHardenedDeployment(objs []*unstructured.Unstructured) *appsv1.Deployment {
	GinkgoHelper()
	deployments := charttest.OfKind(objs, "Deployment")
	Expect(deployments).To(HaveLen(1))
	d := &appsv1.Deployment{}
	Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(deployments[0].Object, d)).To(Succeed())
	pod := d.Spec.Template.Spec
	sas := charttest.OfKind(objs, "ServiceAccount")
	Expect(sas).To(HaveLen(1))
	Expect(pod.ServiceAccountName).To(Equal(sas[0].GetName()), "the chart's ServiceAccount")
	Expect(pod.SecurityContext).NotTo(BeNil())
	Expect(pod.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
	Expect(pod.SecurityContext.RunAsUser).To(Equal(ptr.To[int64](65532)))
	Expect(pod.SecurityContext.SeccompProfile).To(Equal(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}))
	Expect(pod.Containers).To(HaveLen(1))
	c := pod.Containers[0]
	Expect(c.Image).To(Equal("flotilla/hub:0.1.0"))
	Expect(c.Command).To(BeEmpty(), "the image's entrypoint /flotilla-hub runs")
	Expect(c.SecurityContext).NotTo(BeNil())
	Expect(c.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
	Expect(c.SecurityContext.RunAsUser).To(Equal(ptr.To[int64](65532)))
	Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(Equal(ptr.To(true)))
	Expect(c.SecurityContext.AllowPrivilegeEscalation).To(Equal(ptr.To(false)))
	Expect(c.SecurityContext.Capabilities).To(Equal(&corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}))
	Expect(c.SecurityContext.SeccompProfile).To(Equal(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}))
	Expect(c.Ports).To(ContainElement(And(HaveField("Name", "health"), HaveField("ContainerPort", int32(8081)))))
	Expect(c.Ports).To(ContainElement(And(HaveField("Name", "webhook"), HaveField("ContainerPort", int32(9443)))))
	Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
	Expect(c.LivenessProbe.HTTPGet.Port.String()).To(Equal("health"))
	Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
	Expect(c.ReadinessProbe.HTTPGet.Port.String()).To(Equal("health"))
	Expect(c.Resources.Requests).NotTo(BeEmpty())
	Expect(c.Env).To(ContainElement(And(HaveField("Name", "POD_NAMESPACE"),
		HaveField("ValueFrom.FieldRef.FieldPath", "metadata.namespace"))))
	return d
}

// hubArgs returns the arguments of the hub container.
func hubArgs(d *appsv1.Deployment) []string {
	return d.Spec.Template.Spec.Containers[0].Args
}

var _ = Describe("The hub chart", func() {
	It("passes helm lint with each member source", func(ctx SpecContext) {
		dir, err := charttest.Path(charttest.HubChart)
		Expect(err).NotTo(HaveOccurred())
		By("linting it with its default values (kubeconfig Secrets)")
		_, err = charttest.Helm(ctx, "lint", dir, "--strict")
		Expect(err).NotTo(HaveOccurred())
		By("linting it with the cluster-api source too")
		_, err = charttest.Helm(ctx, "lint", dir, "--strict", "--set", "members.sources={kubeconfig-secrets,cluster-api}")
		Expect(err).NotTo(HaveOccurred())
		By("linting it with the cluster-api source only")
		_, err = charttest.Helm(ctx, "lint", dir, "--strict", "--set", "members.sources={cluster-api}")
		Expect(err).NotTo(HaveOccurred())
	}, SpecTimeout(templateTimeout))

	It("renders the kubeconfig-secrets source with Secrets readable in their namespace only", func(ctx SpecContext) {
		objs := render(ctx, release, hubNS)
		Expect(charttest.Kinds(objs)).To(Equal(map[string]int{
			"ServiceAccount": 1, "ClusterRole": 1, "ClusterRoleBinding": 1, "Role": 3, "RoleBinding": 3, "Deployment": 1,
			"Service": 1, "Secret": 1, "ValidatingWebhookConfiguration": 1, "PodDisruptionBudget": 1,
		}))
		Expect(charttest.CheckNoWildcards(objs)).To(Succeed())
		d := expectHardenedDeployment(objs)
		Expect(d.Spec.Replicas).To(Equal(ptr.To[int32](2)), "a leader and a standby by default")
		Expect(d.Spec.Template.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution).To(HaveLen(1),
			"the replicas prefer separate nodes")
		Expect(d.Spec.Strategy.Type).To(BeEmpty(), "rolling updates, with leader election")

		By("checking the Deployment's arguments: exactly the hub's flags, from the default values")
		Expect(hubArgs(d)).To(Equal([]string{
			"--metrics-bind-address=:8080",
			"--health-probe-bind-address=:8081",
			"--leader-elect=true",
			"--leader-election-namespace=flotilla-system",
			"--member-sources=kubeconfig-secrets",
			"--member-secret-namespace=flotilla-system",
			"--member-agent-namespace=flotilla-system",
			"--member-qps=100",
			"--member-burst=200",
			"--member-lost-after=2m",
			"--member-probe-interval=10s",
			"--deletion-timeout=5m",
			"--copy-unavailable-after=5m",
			"--webhook-port=9443",
			"--webhook-cert-secret=flotilla-hub-webhook-cert",
			"--webhook-cert-mode=self-signed",
			"--webhook-service=flotilla-hub-webhook",
			"--webhook-manage-crds=true",
			"--webhook-validating-configuration=flotilla-hub-flotilla-system-graphs",
			"--kube-api-qps=500",
			"--kube-api-burst=1000",
			"--zap-log-level=info",
			"--zap-encoder=json",
			"--zap-time-encoding=rfc3339",
		}))
		opts := hubOptions(hubArgs(d), hubNS)
		Expect(opts.LeaderElect).To(BeTrue())
		Expect(opts.LeaderElectionNamespace).To(Equal(hubNS))
		Expect(opts.MemberSources).To(Equal([]string{hubmanager.SourceKubeconfigSecrets}))
		Expect(opts.MemberSecretNamespace).To(Equal(hubNS))
		Expect(opts.MemberAgentNamespace).To(Equal("flotilla-system"))
		Expect(opts.MemberQPS).To(BeNumerically("==", 100))
		Expect(opts.MemberBurst).To(Equal(200))
		Expect(opts.MemberLostAfter).To(Equal(2 * time.Minute))
		Expect(opts.DeletionTimeout).To(Equal(5 * time.Minute))
		Expect(opts.MetricsBindAddress).To(Equal(":8080"))
		Expect(opts.HealthProbeBindAddress).To(Equal(":8081"))
		Expect(opts.Webhook.ManagesCRDs(false)).To(BeTrue())
		Expect(opts.Webhook.Namespace).To(Equal(hubNS))

		By("checking the conversion webhook's Service and its empty certificate Secret, kept on uninstall")
		svc := &corev1.Service{}
		Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(find(objs, "Service", hubNS, "flotilla-hub-webhook").Object, svc)).To(Succeed())
		Expect(svc.Spec.Ports).To(ConsistOf(And(HaveField("Port", int32(443)), HaveField("TargetPort.StrVal", "webhook"))))
		Expect(svc.Spec.Selector).To(Equal(d.Spec.Selector.MatchLabels))
		secret := find(objs, "Secret", hubNS, "flotilla-hub-webhook-cert")
		Expect(secret.Object["type"]).To(Equal(string(corev1.SecretTypeOpaque)))
		Expect(secret.Object).NotTo(HaveKey("data"), "listed keys would be reset by every helm upgrade")
		Expect(secret.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))

		By("checking that the ClusterRole holds the hub's rules and the two CRDs by name, without Secrets nor Cluster API")
		Expect(grantsOf(find(objs, "ClusterRole", "", clusterRole))).To(ConsistOf(withAll(hubGrants, webhookCRDGrants, webhookConfigurationGrants)))
		Expect(hubmanager.ConvertedCRDs).To(ConsistOf("dynamographdeployments.nvidia.com", "dynamocomponentdeployments.nvidia.com"))
		Expect(find(objs, "ClusterRoleBinding", "", clusterRole).Object["subjects"]).To(ConsistOf(And(
			HaveKeyWithValue("name", "flotilla-hub"), HaveKeyWithValue("namespace", hubNS))))

		By("checking the graphs' ValidatingWebhookConfiguration: v1beta1 with Equivalent matching (v1alpha1 is converted first), " +
			"create and update, the hub's Service, no CA bundle (the hub injects it), Fail when no hub answers")
		vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(
			find(objs, "ValidatingWebhookConfiguration", "", "flotilla-hub-flotilla-system-graphs").Object, vwc)).To(Succeed())
		Expect(vwc.Webhooks).To(HaveLen(1))
		wh := vwc.Webhooks[0]
		Expect(wh.Rules).To(ConsistOf(And(
			HaveField("Operations", ConsistOf(admissionregistrationv1.Create, admissionregistrationv1.Update)),
			HaveField("Rule.APIGroups", ConsistOf("nvidia.com")), HaveField("Rule.APIVersions", ConsistOf("v1beta1")),
			HaveField("Rule.Resources", ConsistOf("dynamographdeployments")))))
		Expect(wh.MatchPolicy).To(HaveValue(Equal(admissionregistrationv1.Equivalent)))
		Expect(wh.FailurePolicy).To(HaveValue(Equal(admissionregistrationv1.Fail)))
		Expect(wh.SideEffects).To(HaveValue(Equal(admissionregistrationv1.SideEffectClassNone)))
		Expect(wh.ClientConfig.CABundle).To(BeEmpty())
		Expect(wh.ClientConfig.Service).To(And(HaveField("Namespace", hubNS), HaveField("Name", "flotilla-hub-webhook"),
			HaveField("Path", HaveValue(Equal(graph.WebhookPath))), HaveField("Port", HaveValue(BeEquivalentTo(443)))))
		Expect(opts.Webhook.ValidatingWebhookConfigurations).To(Equal([]string{vwc.Name}))

		By("checking that Secrets are granted by a Role in the secret namespace, and leader election by one in the release namespace")
		Expect(grantsOf(find(objs, "Role", hubNS, "flotilla-hub-member-secrets"))).To(ConsistOf(secretGrants))
		Expect(grantsOf(find(objs, "Role", hubNS, "flotilla-hub-leader-election"))).To(ConsistOf(leaderGrants))
		Expect(grantsOf(find(objs, "Role", hubNS, "flotilla-hub-webhook"))).To(ConsistOf(webhookSecretGrants))
		for _, rb := range charttest.OfKind(objs, "RoleBinding") {
			Expect(rb.Object["subjects"]).To(ConsistOf(And(
				HaveKeyWithValue("name", "flotilla-hub"), HaveKeyWithValue("namespace", hubNS))))
			Expect(rb.Object["roleRef"]).To(HaveKeyWithValue("name", rb.GetName()))
		}
	}, SpecTimeout(templateTimeout))

	It("grants Secrets in members.secretNamespace and passes it to the hub", func(ctx SpecContext) {
		objs := render(ctx, "hub", "flotilla", "--set", "members.secretNamespace=fleet")
		Expect(grantsOf(find(objs, "Role", "fleet", "hub-flotilla-hub-member-secrets"))).To(ConsistOf(secretGrants))
		Expect(grantsOf(find(objs, "Role", "flotilla", "hub-flotilla-hub-leader-election"))).To(ConsistOf(leaderGrants))
		Expect(find(objs, "RoleBinding", "fleet", "hub-flotilla-hub-member-secrets").Object["subjects"]).To(ConsistOf(
			HaveKeyWithValue("namespace", "flotilla")))
		Expect(grantsOf(find(objs, "ClusterRole", "", "hub-flotilla-hub-flotilla"))).NotTo(ContainElement(ContainSubstring("secrets")))
		opts := hubOptions(hubArgs(expectHardenedDeployment(objs)), "flotilla")
		Expect(opts.MemberSecretNamespace).To(Equal("fleet"))
		Expect(opts.LeaderElectionNamespace).To(Equal("flotilla"))
	}, SpecTimeout(templateTimeout))

	It("renders the cluster-api source with Clusters and Secrets readable cluster-wide", func(ctx SpecContext) {
		objs := render(ctx, release, hubNS, "--set", "members.sources={kubeconfig-secrets,cluster-api}")
		Expect(charttest.Kinds(objs)).To(Equal(map[string]int{
			"ServiceAccount": 1, "ClusterRole": 1, "ClusterRoleBinding": 1, "Role": 2, "RoleBinding": 2, "Deployment": 1,
			"Service": 1, "Secret": 1, "ValidatingWebhookConfiguration": 1, "PodDisruptionBudget": 1,
		}))
		Expect(charttest.CheckNoWildcards(objs)).To(Succeed())
		Expect(grantsOf(find(objs, "ClusterRole", "", clusterRole))).To(ConsistOf(
			withAll(hubGrants, secretGrants, clusterAPIGrants, webhookCRDGrants, webhookConfigurationGrants)))
		Expect(charttest.Find(objs, "Role", hubNS, "flotilla-hub-member-secrets")).To(BeNil())
		Expect(grantsOf(find(objs, "Role", hubNS, "flotilla-hub-leader-election"))).To(ConsistOf(leaderGrants))
		opts := hubOptions(hubArgs(expectHardenedDeployment(objs)), hubNS)
		Expect(opts.MemberSources).To(Equal([]string{hubmanager.SourceKubeconfigSecrets, hubmanager.SourceClusterAPI}))
	}, SpecTimeout(templateTimeout))

	It("renders its values into the hub's flags", func(ctx SpecContext) {
		objs := render(ctx, release, hubNS,
			"--set", "members.sources={cluster-api}", "--set", "members.agentNamespace=dynamo",
			"--set", "members.qps=20", "--set", "members.burst=40", "--set", "members.lostAfter=90s",
			"--set", "graphs.deletionTimeout=10m", "--set", "graphs.copyUnavailableAfter=3m",
			"--set", "metrics.enabled=false", "--set", "healthProbePort=9440",
			"--set", "logging.level=debug", "--set", "logging.encoder=console",
			"--set", "members.probeInterval=5s", "--set", "extraArgs={--zap-devel=false}", "--set", "image.tag=dev",
			"--set", "webhook.port=10443", "--set", "webhook.certMode=cert-manager", "--set", "webhook.manageCRDs=false",
			"--set", "kubeAPI.qps=50", "--set", "kubeAPI.burst=60")
		deployments := charttest.OfKind(objs, "Deployment")
		Expect(deployments).To(HaveLen(1))
		d := &appsv1.Deployment{}
		Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(deployments[0].Object, d)).To(Succeed())
		c := d.Spec.Template.Spec.Containers[0]
		Expect(c.Image).To(Equal("flotilla/hub:dev"))
		Expect(c.Args).To(Equal([]string{
			"--metrics-bind-address=0",
			"--health-probe-bind-address=:9440",
			"--leader-elect=true",
			"--leader-election-namespace=flotilla-system",
			"--member-sources=cluster-api",
			"--member-secret-namespace=flotilla-system",
			"--member-agent-namespace=dynamo",
			"--member-qps=20",
			"--member-burst=40",
			"--member-lost-after=90s",
			"--member-probe-interval=5s",
			"--deletion-timeout=10m",
			"--copy-unavailable-after=3m",
			"--webhook-port=10443",
			"--webhook-cert-secret=flotilla-hub-webhook-cert",
			"--webhook-cert-mode=cert-manager",
			"--webhook-service=flotilla-hub-webhook",
			"--webhook-manage-crds=false",
			"--webhook-validating-configuration=flotilla-hub-flotilla-system-graphs",
			"--kube-api-qps=50",
			"--kube-api-burst=60",
			"--zap-log-level=debug",
			"--zap-encoder=console",
			"--zap-time-encoding=rfc3339",
			"--zap-devel=false",
		}))
		opts := hubOptions(c.Args, hubNS)
		Expect(opts.MemberSources).To(Equal([]string{hubmanager.SourceClusterAPI}))
		Expect(opts.MemberAgentNamespace).To(Equal("dynamo"))
		Expect(opts.MemberQPS).To(BeNumerically("==", 20))
		Expect(opts.MemberBurst).To(Equal(40))
		Expect(opts.MemberLostAfter).To(Equal(90 * time.Second))
		Expect(opts.DeletionTimeout).To(Equal(10 * time.Minute))
		Expect(opts.CopyUnavailableAfter).To(Equal(3 * time.Minute))
		Expect(opts.MemberProbeInterval).To(Equal(5 * time.Second))
		Expect(opts.Client.QPS).To(BeNumerically("==", 50))
		Expect(opts.Client.Burst).To(Equal(60))
		Expect(opts.MetricsBindAddress).To(Equal("0"))
		Expect(opts.HealthProbeBindAddress).To(Equal(":9440"))
		Expect(opts.Webhook.Port).To(Equal(10443))
		Expect(opts.Webhook.CertMode).To(Equal("cert-manager"))
		Expect(opts.Webhook.ManagesCRDs(true)).To(BeFalse())
		Expect(c.Ports).To(ConsistOf(And(HaveField("Name", "health"), HaveField("ContainerPort", int32(9440))),
			And(HaveField("Name", "webhook"), HaveField("ContainerPort", int32(10443)))))

		By("checking that without webhook.manageCRDs the hub may not touch any CRD")
		Expect(grantsOf(find(objs, "ClusterRole", "", clusterRole))).NotTo(ContainElement(ContainSubstring("customresourcedefinitions")))

		By("checking that cert-manager writes the certificate Secret: a self-signed CA, its Issuer, and the serving Certificate")
		Expect(charttest.Find(objs, "Secret", hubNS, "flotilla-hub-webhook-cert")).To(BeNil())
		Expect(charttest.Kinds(objs)).To(And(HaveKeyWithValue("Issuer", 2), HaveKeyWithValue("Certificate", 2)))
		Expect(find(objs, "Issuer", hubNS, "flotilla-hub-webhook-selfsigned").Object["spec"]).To(HaveKey("selfSigned"))
		Expect(find(objs, "Certificate", hubNS, "flotilla-hub-webhook-ca").Object["spec"]).To(HaveKeyWithValue("isCA", true))
		Expect(find(objs, "Issuer", hubNS, "flotilla-hub-webhook-ca").Object["spec"]).To(
			HaveKeyWithValue("ca", HaveKeyWithValue("secretName", "flotilla-hub-webhook-ca")))
		Expect(find(objs, "Certificate", hubNS, "flotilla-hub-webhook").Object["spec"]).To(And(
			HaveKeyWithValue("secretName", "flotilla-hub-webhook-cert"),
			HaveKeyWithValue("dnsNames", ConsistOf("flotilla-hub-webhook", "flotilla-hub-webhook.flotilla-system",
				"flotilla-hub-webhook.flotilla-system.svc", "flotilla-hub-webhook.flotilla-system.svc.cluster.local")),
			HaveKeyWithValue("issuerRef", HaveKeyWithValue("name", "flotilla-hub-webhook-ca"))))
	}, SpecTimeout(templateTimeout))

	It("renders without the graphs' admission webhook on request, and refuses a failure policy it does not know", func(ctx SpecContext) {
		objs := render(ctx, release, hubNS, "--set", "webhook.validation.enabled=false")
		Expect(charttest.Kinds(objs)).NotTo(HaveKey("ValidatingWebhookConfiguration"))
		Expect(hubArgs(expectHardenedDeployment(objs))).NotTo(ContainElement(HavePrefix("--webhook-validating-configuration")))
		Expect(grantsOf(find(objs, "ClusterRole", "", clusterRole))).NotTo(ContainElement(ContainSubstring("validatingwebhookconfigurations")))

		objs = render(ctx, release, hubNS, "--set", "webhook.validation.failurePolicy=Ignore", "--set", "webhook.validation.timeoutSeconds=5")
		vwc := find(objs, "ValidatingWebhookConfiguration", "", "flotilla-hub-flotilla-system-graphs")
		webhooks, _, _ := unstructured.NestedSlice(vwc.Object, "webhooks")
		Expect(webhooks).To(ConsistOf(And(HaveKeyWithValue("failurePolicy", "Ignore"), HaveKeyWithValue("timeoutSeconds", BeNumerically("==", 5)))))

		_, err := charttest.Render(ctx, charttest.HubChart, release, hubNS, "--set", "webhook.validation.failurePolicy=Sometimes")
		Expect(err).To(MatchError(ContainSubstring(`webhook.validation.failurePolicy "Sometimes": want Fail or Ignore`)))
	}, SpecTimeout(templateTimeout))

	It("renders without leader election: no Lease Role, and Recreate so that two hubs never run at once", func(ctx SpecContext) {
		objs := render(ctx, release, hubNS, "--set", "leaderElection.enabled=false", "--set", "replicaCount=1")
		Expect(charttest.Kinds(objs)).To(HaveKeyWithValue("Role", 2))
		Expect(charttest.Find(objs, "Role", hubNS, "flotilla-hub-leader-election")).To(BeNil())
		d := expectHardenedDeployment(objs)
		Expect(d.Spec.Strategy.Type).To(Equal(appsv1.RecreateDeploymentStrategyType))
		Expect(hubOptions(hubArgs(d), hubNS).LeaderElect).To(BeFalse())
	}, SpecTimeout(templateTimeout))

	It("renders a metrics Service on request", func(ctx SpecContext) {
		objs := render(ctx, release, hubNS, "--set", "metrics.service.enabled=true", "--set", "replicaCount=2")
		svc := find(objs, "Service", hubNS, "flotilla-hub-metrics")
		ports, _, err := unstructured.NestedSlice(svc.Object, "spec", "ports")
		Expect(err).NotTo(HaveOccurred())
		Expect(ports).To(ConsistOf(And(HaveKeyWithValue("port", BeNumerically("==", 8080)), HaveKeyWithValue("targetPort", "metrics"))))
		Expect(expectHardenedDeployment(objs).Spec.Replicas).To(Equal(ptr.To[int32](2)))
	}, SpecTimeout(templateTimeout))

	DescribeTable("refuses values it cannot render sensibly",
		func(ctx SpecContext, want string, setArgs ...string) {
			dir, err := charttest.Path(charttest.HubChart)
			Expect(err).NotTo(HaveOccurred())
			_, err = charttest.Helm(ctx, append([]string{"template", release, dir, "--namespace", hubNS}, setArgs...)...)
			Expect(err).To(HaveOccurred())
			Expect(strings.Join(strings.Fields(err.Error()), " ")).To(ContainSubstring(want))
		},
		Entry("two replicas without leader election", "needs leaderElection.enabled",
			"--set", "replicaCount=2", "--set", "leaderElection.enabled=false"),
		Entry("an unknown member source", `unknown member source "kubeconfig"`, "--set", "members.sources={kubeconfig}"),
		Entry("no member source", "must name at least one member source", "--set", "members.sources=null"),
		Entry("a member source twice", "names a member source twice", "--set", "members.sources={cluster-api,cluster-api}"),
		Entry("no agent namespace", "members.agentNamespace must not be empty", "--set", "members.agentNamespace="),
		Entry("an unknown certificate mode", `webhook.certMode "vault"`, "--set", "webhook.certMode=vault"),
		Entry("a privileged webhook port", "webhook.port must be from 1024", "--set", "webhook.port=443"),
		Entry("the webhook on the metrics port", "webhook.port must differ", "--set", "webhook.port=8080"),
	)
})
