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
	"encoding/json"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/internal/webhookcert"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/fleet"
)

// Values of the namespace-restricted renders.
const (
	restrictedCapacity = `[{"product":"NVIDIA-L40S","gpusPerNode":8,"nodes":2},{"product":"NVIDIA-A100-SXM4-80GB","gpusPerNode":4,"nodes":1}]`
	// templateTimeout bounds one helm run (go tool builds helm once, then reuses it).
	templateTimeout = 5 * time.Minute
)

// rulesOf returns the rules of a rendered ClusterRole or Role.
func rulesOf(o *unstructured.Unstructured) []rbacv1.PolicyRule {
	GinkgoHelper()
	rules, err := charttest.Rules(o)
	Expect(err).NotTo(HaveOccurred())
	return rules
}

// grants lists a rule set as "verb resource.group" strings.
var grants = charttest.Grants

// webhookSecretGrants are the agent's rules on its webhook certificate Secret of release
// flotilla-agent, and the wire-conversion hook's.
var webhookSecretGrants = []string{
	"get secrets flotilla-agent-webhook-cert",
	"patch secrets flotilla-agent-webhook-cert",
}

// webhookCRDGrants are the rules on the DCD CRD of the agent in cluster mode, and of the
// wire-conversion hook: that CRD only.
var webhookCRDGrants = []string{
	"get customresourcedefinitions.apiextensions.k8s.io dynamocomponentdeployments.nvidia.com",
	"patch customresourcedefinitions.apiextensions.k8s.io dynamocomponentdeployments.nvidia.com",
}

// released returns the objects of objs helm creates with the release: hooks' aside.
func released(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	return slices.DeleteFunc(slices.Clone(objs), charttest.IsHook)
}

// expectWebhook checks the webhook Service and certificate Secret of release in namespace, and
// the Deployment's webhook port.
func expectWebhook(objs []*unstructured.Unstructured, release, namespace string) {
	GinkgoHelper()
	fullname := release + "-flotilla-agent"
	if strings.Contains(release, "flotilla-agent") {
		fullname = release
	}
	svc := &corev1.Service{}
	Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(find(objs, "Service", namespace, fullname+"-webhook").Object, svc)).To(Succeed())
	Expect(svc.Spec.Ports).To(ConsistOf(And(HaveField("Port", int32(443)), HaveField("TargetPort.StrVal", "webhook"))))
	Expect(svc.Spec.Selector).To(Equal(map[string]string{
		"app.kubernetes.io/name": "flotilla-agent", "app.kubernetes.io/instance": release}))
	secret := find(objs, "Secret", namespace, fullname+"-webhook-cert")
	Expect(secret.Object["type"]).To(Equal(string(corev1.SecretTypeOpaque)))
	Expect(secret.Object).NotTo(HaveKey("data"), "listed keys would be reset by every helm upgrade")
	Expect(secret.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
	d := expectHardenedDeployment(objs)
	Expect(d.Spec.Template.Spec.Containers[0].Ports).To(ContainElement(And(HaveField("Name", "webhook"),
		HaveField("ContainerPort", int32(9443)))))
	Expect(d.Spec.Template.Labels).To(HaveKeyWithValue("app.kubernetes.io/instance", release))
}

// expectNoWildcards fails when any rule of any ClusterRole or Role uses "*", or none is rendered.
func expectNoWildcards(objs []*unstructured.Unstructured) {
	GinkgoHelper()
	Expect(charttest.CheckNoWildcards(objs)).To(Succeed())
}

// expectHardenedDeployment checks the agent Deployment's probes and security contexts.
func expectHardenedDeployment(objs []*unstructured.Unstructured) *appsv1.Deployment {
	GinkgoHelper()
	deployments := ofKind(objs, "Deployment")
	Expect(deployments).To(HaveLen(1))
	d := &appsv1.Deployment{}
	Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(deployments[0].Object, d)).To(Succeed())
	pod := d.Spec.Template.Spec
	Expect(pod.SecurityContext).NotTo(BeNil())
	Expect(pod.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
	Expect(pod.SecurityContext.RunAsUser).To(Equal(ptr.To[int64](65532)))
	Expect(pod.SecurityContext.SeccompProfile).To(Equal(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}))
	Expect(pod.Containers).To(HaveLen(1))
	c := pod.Containers[0]
	Expect(c.Image).To(Equal("flotilla/agent:0.1.0"))
	Expect(c.SecurityContext).NotTo(BeNil())
	Expect(c.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
	Expect(c.SecurityContext.RunAsUser).To(Equal(ptr.To[int64](65532)))
	Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(Equal(ptr.To(true)))
	Expect(c.SecurityContext.AllowPrivilegeEscalation).To(Equal(ptr.To(false)))
	Expect(c.SecurityContext.Capabilities).To(Equal(&corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}))
	Expect(c.SecurityContext.SeccompProfile).To(Equal(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}))
	Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
	Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
	Expect(c.Ports).To(ContainElement(And(HaveField("Name", "health"), HaveField("ContainerPort", int32(8081)))))
	Expect(c.LivenessProbe.HTTPGet.Port.String()).To(Equal("health"))
	Expect(c.Env).To(ContainElements(
		HaveField("Name", "POD_NAME"), HaveField("Name", agentmanager.NamespaceEnv)))
	Expect(c.Resources.Requests).NotTo(BeEmpty())
	return d
}

var _ = Describe("The agent chart", func() {
	It("passes helm lint in both modes", func(ctx SpecContext) {
		By("linting it with its default values (cluster mode)")
		_, err := helm(ctx, "lint", chartDir, "--strict")
		Expect(err).NotTo(HaveOccurred())
		By("linting it namespace-restricted with declared capacity")
		_, err = helm(ctx, "lint", chartDir, "--strict", "--set", "namespaceRestriction.enabled=true",
			"--set-json", "namespaceRestriction.declaredCapacity="+restrictedCapacity)
		Expect(err).NotTo(HaveOccurred())
		By("linting it namespace-restricted reading Nodes")
		_, err = helm(ctx, "lint", chartDir, "--strict", "--set", "namespaceRestriction.enabled=true",
			"--set", "namespaceRestriction.readNodes=true")
		Expect(err).NotTo(HaveOccurred())
	}, SpecTimeout(templateTimeout))

	It("renders cluster mode with ClusterRoles, leader election and the inventory from Nodes", func(ctx SpecContext) {
		By("rendering the defaults in flotilla-system")
		objs := render(ctx, "flotilla-agent", "flotilla-system", "--set", "clusterName=gpu-east",
			"--set", "ignoreTaintKeys={kwok.x-k8s.io/node}")
		Expect(kinds(objs)).To(Equal(map[string]int{
			"ServiceAccount": 2, "Secret": 2, "ClusterRole": 2, "ClusterRoleBinding": 2,
			"Role": 3, "RoleBinding": 3, "Deployment": 1, "Service": 1,
		}), "no wire-conversion hook: the agent patches the CRD itself")
		expectNoWildcards(objs)
		d := expectHardenedDeployment(objs)
		Expect(d.Spec.Replicas).To(Equal(ptr.To[int32](1)))
		expectWebhook(objs, "flotilla-agent", "flotilla-system")

		By("checking that the agent's ClusterRole holds the DCD controller's rules and read access to Nodes and Pods")
		agentCR := rulesOf(find(objs, "ClusterRole", "", "flotilla-agent-flotilla-system"))
		Expect(grants(agentCR)).To(ContainElements(
			"watch dynamocomponentdeployments.nvidia.com", "patch dynamocomponentdeployments/status.nvidia.com",
			"patch deployments.apps", "delete statefulsets.apps", "create services", "patch ingresses.networking.k8s.io",
			"create events.events.k8s.io", "list nodes", "watch pods"))
		Expect(grants(agentCR)).NotTo(ContainElements("create nodes", "create pods", "get secrets", "create namespaces"))
		Expect(grants(agentCR)).To(ContainElements(webhookCRDGrants))
		Expect(grants(agentCR)).NotTo(ContainElement(MatchRegexp(`customresourcedefinitions\.apiextensions\.k8s\.io$`)),
			"CRDs by name only")
		Expect(find(objs, "ClusterRoleBinding", "", "flotilla-agent-flotilla-system").Object["subjects"]).To(ConsistOf(
			HaveKeyWithValue("name", "flotilla-agent")))

		By("checking that the agent's Role in its namespace covers the GPUInventory and the Leases")
		agentRole := rulesOf(find(objs, "Role", "flotilla-system", "flotilla-agent"))
		Expect(grants(agentRole)).To(ConsistOf(
			"create events", "patch events",
			"get leases.coordination.k8s.io", "create leases.coordination.k8s.io", "update leases.coordination.k8s.io",
			"get gpuinventories.flotilla.dev", "create gpuinventories.flotilla.dev",
			"patch gpuinventories/status.flotilla.dev"))
		Expect(grants(rulesOf(find(objs, "Role", "flotilla-system", "flotilla-agent-webhook")))).To(ConsistOf(webhookSecretGrants))
		Expect(find(objs, "RoleBinding", "flotilla-system", "flotilla-agent-webhook").Object["roleRef"]).To(
			HaveKeyWithValue("name", "flotilla-agent-webhook"))

		By("checking the hub identity's ClusterRole and Role (DESIGN decision 9)")
		hubCR := rulesOf(find(objs, "ClusterRole", "", "flotilla-agent-flotilla-system-hub"))
		Expect(grants(hubCR)).To(ConsistOf(
			"create dynamocomponentdeployments.nvidia.com", "delete dynamocomponentdeployments.nvidia.com",
			"get dynamocomponentdeployments.nvidia.com", "list dynamocomponentdeployments.nvidia.com",
			"patch dynamocomponentdeployments.nvidia.com",
			"watch dynamocomponentdeployments.nvidia.com", "create namespaces"))
		hubRole := rulesOf(find(objs, "Role", "flotilla-system", "flotilla-agent-hub"))
		Expect(grants(hubRole)).To(ConsistOf(
			"get gpuinventories.flotilla.dev", "list gpuinventories.flotilla.dev", "watch gpuinventories.flotilla.dev",
			"list leases.coordination.k8s.io", "watch leases.coordination.k8s.io"))
		Expect(find(objs, "ServiceAccount", "flotilla-system", "flotilla-hub")).NotTo(BeNil())
		secret := find(objs, "Secret", "flotilla-system", "flotilla-hub-token")
		Expect(secret.Object["type"]).To(Equal(string(corev1.SecretTypeServiceAccountToken)))
		Expect(secret.GetAnnotations()).To(HaveKeyWithValue(corev1.ServiceAccountNameKey, "flotilla-hub"))

		By("parsing the Deployment's arguments with the agent's own flags")
		opts := agentOptions(objs, "flotilla-system")
		Expect(opts.Restricted()).To(BeFalse())
		Expect(opts.LeaderElect).To(BeTrue())
		Expect(opts.ClusterName).To(Equal("gpu-east"))
		Expect(opts.Namespace).To(Equal("flotilla-system"))
		Expect(opts.InventorySource).To(Equal(agentmanager.InventorySourceNodes))
		Expect(opts.IgnoredTaintKeys).To(Equal([]string{"kwok.x-k8s.io/node"}))
		Expect(opts.MetricsBindAddress).To(Equal(":8080"))
		Expect(opts.HealthProbeBindAddress).To(Equal(":8081"))
		Expect(opts.Client.QPS).To(BeNumerically("==", 500), "the chart's kubeAPI.qps")
		Expect(opts.Client.Burst).To(Equal(1000), "the chart's kubeAPI.burst")
		Expect(opts.Client.PprofBindAddress).To(Equal("0"), "no pprof endpoint by default")
		Expect(opts.WebhookManagesCRDs()).To(BeTrue())
		Expect(opts.Webhook.Port).To(Equal(9443))
		Expect(opts.Webhook.Service).To(Equal("flotilla-agent-webhook"))
		Expect(opts.Webhook.CertSecret).To(Equal("flotilla-agent-webhook-cert"))
		Expect(opts.Webhook.CertMode).To(Equal("self-signed"))
		Expect(opts.WebhookOptions().Namespace).To(Equal("flotilla-system"))
	}, SpecTimeout(templateTimeout))

	It("renders namespace-restricted mode with Roles only, no leader election and declared capacity", func(ctx SpecContext) {
		By("rendering it in team-a with declared capacity")
		objs := render(ctx, "flotilla-agent", "team-a", "--set", "namespaceRestriction.enabled=true",
			"--set-json", "namespaceRestriction.declaredCapacity="+restrictedCapacity,
			"--set", "replicaCount=1", "--set", "leaderElection.enabled=true")
		Expect(kinds(released(objs))).To(Equal(map[string]int{
			"ServiceAccount": 2, "Secret": 2, "Role": 3, "RoleBinding": 3, "Deployment": 1, "Service": 1,
		}), "no ClusterRole nor ClusterRoleBinding")
		expectNoWildcards(objs)
		d := expectHardenedDeployment(objs)
		Expect(d.Spec.Strategy.Type).To(Equal(appsv1.RecreateDeploymentStrategyType))
		for _, o := range released(objs) {
			Expect(o.GetNamespace()).To(Equal("team-a"), "%s %s", o.GetKind(), o.GetName())
		}
		expectWebhook(objs, "flotilla-agent", "team-a")
		Expect(grants(rulesOf(find(objs, "Role", "team-a", "flotilla-agent-webhook")))).To(ConsistOf(webhookSecretGrants))
		expectWireConversionHook(objs, "flotilla-agent", "team-a")

		By("checking that the agent's one Role holds both the DCD controller's rules and its own namespace's")
		agentRole := grants(rulesOf(find(objs, "Role", "team-a", "flotilla-agent")))
		Expect(agentRole).To(ContainElements("watch dynamocomponentdeployments.nvidia.com", "patch deployments.apps",
			"create gpuinventories.flotilla.dev", "update leases.coordination.k8s.io"))
		Expect(agentRole).NotTo(ContainElements(ContainSubstring("nodes"), ContainSubstring("pods"), ContainSubstring("namespaces")))

		By("checking that the hub's one Role manages DCDs and reads the inventory and Lease, and nothing creates namespaces")
		hubRole := grants(rulesOf(find(objs, "Role", "team-a", "flotilla-agent-hub")))
		Expect(hubRole).To(ContainElements("create dynamocomponentdeployments.nvidia.com", "get gpuinventories.flotilla.dev",
			"watch leases.coordination.k8s.io"))
		Expect(hubRole).NotTo(ContainElement(ContainSubstring("namespaces")))

		By("parsing the Deployment's arguments with the agent's own flags: leader election forced off")
		opts := agentOptions(objs, "team-a")
		Expect(opts.WatchNamespace).To(Equal("team-a"))
		Expect(opts.LeaderElect).To(BeFalse())
		Expect(opts.InventorySource).To(Equal(agentmanager.InventorySourceDeclared))
		var want []inventory.DeclaredCapacity
		Expect(json.Unmarshal([]byte(restrictedCapacity), &want)).To(Succeed())
		Expect(opts.DeclaredCapacity).To(Equal(want))
		Expect(opts.WebhookManagesCRDs()).To(BeFalse(), "a Role cannot patch the CRD: the hook does")
	}, SpecTimeout(templateTimeout))

	It("renders namespace-restricted mode reading Nodes with only a read-only ClusterRole", func(ctx SpecContext) {
		By("rendering it in flotilla-system for team-b, reading Nodes")
		objs := render(ctx, "agent", "flotilla-system", "--set", "namespaceRestriction.enabled=true",
			"--set", "namespaceRestriction.targetNamespace=team-b", "--set", "namespaceRestriction.readNodes=true")
		Expect(kinds(released(objs))).To(Equal(map[string]int{
			"ServiceAccount": 2, "Secret": 2, "ClusterRole": 1, "ClusterRoleBinding": 1,
			"Role": 5, "RoleBinding": 5, "Deployment": 1, "Service": 1,
		}))
		expectNoWildcards(objs)
		expectHardenedDeployment(objs)
		expectWireConversionHook(objs, "agent", "flotilla-system")
		Expect(ofKind(released(objs), "ClusterRole")).To(HaveLen(1))
		reader := ofKind(released(objs), "ClusterRole")[0]
		Expect(reader.GetName()).To(Equal("agent-flotilla-agent-flotilla-system-node-reader"))
		Expect(grants(rulesOf(reader))).To(ConsistOf("list nodes", "watch nodes", "list pods", "watch pods"))

		By("checking that the DCD rules are granted in team-b and the inventory and Lease rules in the release namespace")
		Expect(grants(rulesOf(find(objs, "Role", "team-b", "agent-flotilla-agent")))).To(And(
			ContainElement("watch dynamocomponentdeployments.nvidia.com"),
			Not(ContainElement(ContainSubstring("gpuinventories"))), Not(ContainElement(ContainSubstring("leases")))))
		Expect(grants(rulesOf(find(objs, "Role", "flotilla-system", "agent-flotilla-agent")))).To(And(
			ContainElements("create gpuinventories.flotilla.dev", "update leases.coordination.k8s.io"),
			Not(ContainElement(ContainSubstring("dynamocomponentdeployments")))))
		Expect(grants(rulesOf(find(objs, "Role", "team-b", "agent-flotilla-agent-hub")))).To(ConsistOf(
			"create dynamocomponentdeployments.nvidia.com", "delete dynamocomponentdeployments.nvidia.com",
			"get dynamocomponentdeployments.nvidia.com", "list dynamocomponentdeployments.nvidia.com",
			"patch dynamocomponentdeployments.nvidia.com",
			"watch dynamocomponentdeployments.nvidia.com"))
		Expect(grants(rulesOf(find(objs, "Role", "flotilla-system", "agent-flotilla-agent-hub")))).To(ConsistOf(
			"get gpuinventories.flotilla.dev", "list gpuinventories.flotilla.dev", "watch gpuinventories.flotilla.dev",
			"list leases.coordination.k8s.io", "watch leases.coordination.k8s.io"))
		Expect(grants(rulesOf(find(objs, "Role", "flotilla-system", "agent-flotilla-agent-webhook")))).To(ConsistOf(
			"get secrets agent-flotilla-agent-webhook-cert",
			"patch secrets agent-flotilla-agent-webhook-cert"))
		for _, rb := range ofKind(objs, "RoleBinding") {
			Expect(rb.Object["subjects"]).To(ConsistOf(HaveKeyWithValue("namespace", "flotilla-system")))
		}

		By("parsing the Deployment's arguments with the agent's own flags")
		opts := agentOptions(objs, "flotilla-system")
		Expect(opts.WatchNamespace).To(Equal("team-b"))
		Expect(opts.Namespace).To(Equal("flotilla-system"))
		Expect(opts.InventorySource).To(Equal(agentmanager.InventorySourceNodes))
		Expect(opts.LeaderElect).To(BeFalse())
	}, SpecTimeout(templateTimeout))

	It("renders no hub identity when hubAccess.create is false", func(ctx SpecContext) {
		objs := render(ctx, "flotilla-agent", "flotilla-system", "--set", "hubAccess.create=false")
		Expect(kinds(objs)).To(Equal(map[string]int{
			"ServiceAccount": 1, "ClusterRole": 1, "ClusterRoleBinding": 1, "Role": 2, "RoleBinding": 2, "Deployment": 1,
			"Service": 1, "Secret": 1,
		}))
	}, SpecTimeout(templateTimeout))

	It("leaves the DCD CRD alone with webhook.manageCRDs=false, in either mode", func(ctx SpecContext) {
		By("rendering cluster mode: no rule on CRDs, and --webhook-manage-crds=false")
		objs := render(ctx, "flotilla-agent", "flotilla-system", "--set", "webhook.manageCRDs=false")
		Expect(grants(rulesOf(find(objs, "ClusterRole", "", "flotilla-agent-flotilla-system")))).NotTo(
			ContainElement(ContainSubstring("customresourcedefinitions")))
		clusterOpts := agentOptions(objs, "flotilla-system")
		Expect(clusterOpts.WebhookManagesCRDs()).To(BeFalse())
		Expect(charttest.Hooks(objs)).To(BeEmpty())

		By("rendering namespace-restricted mode: no wire-conversion hook")
		objs = render(ctx, "flotilla-agent", "team-a", "--set", "webhook.manageCRDs=false",
			"--set", "namespaceRestriction.enabled=true", "--set", "namespaceRestriction.readNodes=true")
		Expect(charttest.Hooks(objs)).To(BeEmpty())
		restrictedOpts := agentOptions(objs, "team-a")
		Expect(restrictedOpts.WebhookManagesCRDs()).To(BeFalse())
		expectWebhook(objs, "flotilla-agent", "team-a")
	}, SpecTimeout(templateTimeout))

	It("renders a cert-manager Issuer chain and Certificate instead of the Secret with webhook.certMode=cert-manager", func(ctx SpecContext) {
		objs := render(ctx, "flotilla-agent", "team-a", "--set", "webhook.certMode=cert-manager",
			"--set", "namespaceRestriction.enabled=true", "--set", "namespaceRestriction.readNodes=true")
		Expect(charttest.Find(objs, "Secret", "team-a", "flotilla-agent-webhook-cert")).To(BeNil(), "cert-manager writes it")
		Expect(kinds(objs)).To(And(HaveKeyWithValue("Issuer", 2), HaveKeyWithValue("Certificate", 2)))
		cert := find(objs, "Certificate", "team-a", "flotilla-agent-webhook")
		Expect(cert.Object["spec"]).To(And(
			HaveKeyWithValue("secretName", "flotilla-agent-webhook-cert"),
			HaveKeyWithValue("dnsNames", ConsistOf("flotilla-agent-webhook", "flotilla-agent-webhook.team-a",
				"flotilla-agent-webhook.team-a.svc", "flotilla-agent-webhook.team-a.svc.cluster.local")),
			HaveKeyWithValue("issuerRef", HaveKeyWithValue("name", "flotilla-agent-webhook-ca"))))
		Expect(find(objs, "Certificate", "team-a", "flotilla-agent-webhook-ca").Object["spec"]).To(HaveKeyWithValue("isCA", true))
		Expect(agentOptions(objs, "team-a").Webhook.CertMode).To(Equal("cert-manager"))
		hook, err := fleet.WireConversionHookOf(objs, "team-a")
		Expect(err).NotTo(HaveOccurred())
		Expect(hook.Options.Webhook.CertMode).To(Equal("cert-manager"), "the hook injects cert-manager's CA")
	}, SpecTimeout(templateTimeout))

	DescribeTable("refuses values it cannot render sensibly",
		func(ctx SpecContext, want string, setArgs ...string) {
			_, err := helm(ctx, append([]string{"template", "flotilla-agent", chartDir, "--namespace", "team-a"}, setArgs...)...)
			Expect(err).To(HaveOccurred())
			Expect(strings.Join(strings.Fields(err.Error()), " ")).To(ContainSubstring(want))
		},
		Entry("restricted without Nodes nor declared capacity",
			"needs namespaceRestriction.declaredCapacity", "--set", "namespaceRestriction.enabled=true"),
		Entry("restricted with both", "either readNodes",
			"--set", "namespaceRestriction.enabled=true", "--set", "namespaceRestriction.readNodes=true",
			"--set-json", "namespaceRestriction.declaredCapacity="+restrictedCapacity),
		Entry("restricted with two replicas", "replicaCount must be 1",
			"--set", "namespaceRestriction.enabled=true", "--set", "replicaCount=2",
			"--set-json", "namespaceRestriction.declaredCapacity="+restrictedCapacity),
		Entry("declared capacity in cluster mode", "used only with namespaceRestriction.enabled",
			"--set-json", "namespaceRestriction.declaredCapacity="+restrictedCapacity),
		Entry("two replicas without leader election", "needs leaderElection.enabled",
			"--set", "replicaCount=2", "--set", "leaderElection.enabled=false"),
		Entry("incomplete declared capacity", "product, gpusPerNode and nodes are required",
			"--set", "namespaceRestriction.enabled=true",
			"--set-json", `namespaceRestriction.declaredCapacity=[{"product":"NVIDIA-L40S","nodes":2}]`),
		Entry("an unknown certificate mode", `webhook.certMode "vault"`, "--set", "webhook.certMode=vault"),
		Entry("a privileged webhook port", "webhook.port must be from 1024", "--set", "webhook.port=443"),
		Entry("the webhook on the probe port", "webhook.port must differ", "--set", "webhook.port=8081"),
	)
})

// expectWireConversionHook checks the wire-conversion hook of a namespace-restricted release in
// namespace: a post-install and post-upgrade Job, deleted once it succeeded, running `agent
// wire-conversion` for the release's webhook as a ServiceAccount of its own, non-root, allowed
// get and patch on the DCD CRD and on the certificate Secret only.
func expectWireConversionHook(objs []*unstructured.Unstructured, release, namespace string) {
	GinkgoHelper()
	fullname := release + "-flotilla-agent"
	if strings.Contains(release, "flotilla-agent") {
		fullname = release
	}
	hooks := charttest.Hooks(objs)
	Expect(kinds(hooks)).To(Equal(map[string]int{
		"ServiceAccount": 1, "ClusterRole": 1, "ClusterRoleBinding": 1, "Role": 1, "RoleBinding": 1, "Job": 1,
	}))
	for _, o := range objs {
		if !charttest.IsHook(o) {
			continue
		}
		Expect(o.GetAnnotations()).To(And(
			HaveKeyWithValue("helm.sh/hook", "post-install,post-upgrade"),
			HaveKeyWithValue("helm.sh/hook-delete-policy", "before-hook-creation,hook-succeeded"),
		), "%s %s", o.GetKind(), o.GetName())
		weight := "-10"
		if o.GetKind() == "Job" {
			weight = "0" // after its ServiceAccount and RBAC
		}
		Expect(o.GetAnnotations()).To(HaveKeyWithValue("helm.sh/hook-weight", weight), "%s %s", o.GetKind(), o.GetName())
	}
	sa := fullname + "-wire-conversion"
	clusterRole := fullname + "-" + namespace + "-wire-conversion"
	Expect(grants(rulesOf(find(hooks, "ClusterRole", "", clusterRole)))).To(ConsistOf(webhookCRDGrantsOf()))
	Expect(grants(rulesOf(find(hooks, "Role", namespace, sa)))).To(ConsistOf(
		"get secrets "+fullname+"-webhook-cert", "patch secrets "+fullname+"-webhook-cert"))
	for _, binding := range []*unstructured.Unstructured{find(hooks, "ClusterRoleBinding", "", clusterRole), find(hooks, "RoleBinding", namespace, sa)} {
		Expect(binding.Object["subjects"]).To(ConsistOf(And(HaveKeyWithValue("name", sa), HaveKeyWithValue("namespace", namespace))))
	}

	job := &batchv1.Job{}
	Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(find(hooks, "Job", namespace, sa).Object, job)).To(Succeed())
	pod := job.Spec.Template.Spec
	Expect(pod.ServiceAccountName).To(Equal(sa))
	Expect(pod.RestartPolicy).To(Equal(corev1.RestartPolicyNever))
	Expect(pod.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
	Expect(pod.Containers).To(HaveLen(1))
	c := pod.Containers[0]
	Expect(c.Image).To(Equal("flotilla/agent:0.1.0"))
	Expect(c.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
	Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(Equal(ptr.To(true)))
	Expect(c.SecurityContext.AllowPrivilegeEscalation).To(Equal(ptr.To(false)))
	Expect(job.Spec.Template.Labels).NotTo(HaveKey("app.kubernetes.io/name"), "the webhook Service must not select the hook's pod")

	By("parsing the hook Job's arguments with the subcommand's own flags")
	hook, err := fleet.WireConversionHookOf(objs, namespace)
	Expect(err).NotTo(HaveOccurred())
	Expect(hook.ServiceAccount.Name).To(Equal(sa))
	ro := hook.Options.RotatorOptions()
	Expect(ro.CRDs).To(Equal([]string{agentmanager.ConvertedCRD}))
	Expect(ro.Secret.String()).To(Equal(namespace + "/" + fullname + "-webhook-cert"))
	Expect(ro.Service).To(Equal(&webhookcert.ServiceReference{Namespace: namespace, Name: fullname + "-webhook"}))
	Expect(ro.KeepCA).To(BeFalse(), "the hook renews the CA")

	By("checking that the agent's webhook options are the hook's but for the CRD and the CA")
	agent := agentOptions(objs, namespace)
	Expect(agent.WebhookManagesCRDs()).To(BeFalse())
	agentWebhook := agent.WebhookOptions()
	agentRotator := agentWebhook.RotatorOptions(false, nil)
	Expect(agentRotator.Secret).To(Equal(ro.Secret))
	Expect(agentRotator.Service).To(Equal(ro.Service))
	Expect(agentRotator.KeepCA).To(BeTrue())
}

// webhookCRDGrantsOf returns webhookCRDGrants, for ConsistOf.
func webhookCRDGrantsOf() []any {
	out := make([]any, len(webhookCRDGrants))
	for i, g := range webhookCRDGrants {
		out[i] = g
	}
	return out
}
