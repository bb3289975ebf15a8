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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/internal/charttest"
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
			"ServiceAccount": 2, "Secret": 1, "ClusterRole": 2, "ClusterRoleBinding": 2,
			"Role": 2, "RoleBinding": 2, "Deployment": 1,
		}))
		expectNoWildcards(objs)
		d := expectHardenedDeployment(objs)
		Expect(d.Spec.Replicas).To(Equal(ptr.To[int32](1)))

		By("checking that the agent's ClusterRole holds the DCD controller's rules and read access to Nodes and Pods")
		agentCR := rulesOf(find(objs, "ClusterRole", "", "flotilla-agent-flotilla-system"))
		Expect(grants(agentCR)).To(ContainElements(
			"watch dynamocomponentdeployments.nvidia.com", "patch dynamocomponentdeployments/status.nvidia.com",
			"patch deployments.apps", "delete statefulsets.apps", "create services", "patch ingresses.networking.k8s.io",
			"create events.events.k8s.io", "list nodes", "watch pods"))
		Expect(grants(agentCR)).NotTo(ContainElements("create nodes", "create pods", "get secrets", "create namespaces"))
		Expect(find(objs, "ClusterRoleBinding", "", "flotilla-agent-flotilla-system").Object["subjects"]).To(ConsistOf(
			HaveKeyWithValue("name", "flotilla-agent")))

		By("checking that the agent's Role in its namespace covers the GPUInventory and the Leases")
		agentRole := rulesOf(find(objs, "Role", "flotilla-system", "flotilla-agent"))
		Expect(grants(agentRole)).To(ConsistOf(
			"create events", "patch events",
			"get leases.coordination.k8s.io", "create leases.coordination.k8s.io", "update leases.coordination.k8s.io",
			"get gpuinventories.flotilla.dev", "create gpuinventories.flotilla.dev",
			"get gpuinventories/status.flotilla.dev", "patch gpuinventories/status.flotilla.dev",
			"update gpuinventories/status.flotilla.dev"))

		By("checking the hub identity's ClusterRole and Role (DESIGN decision 9)")
		hubCR := rulesOf(find(objs, "ClusterRole", "", "flotilla-agent-flotilla-system-hub"))
		Expect(grants(hubCR)).To(ConsistOf(
			"create dynamocomponentdeployments.nvidia.com", "delete dynamocomponentdeployments.nvidia.com",
			"get dynamocomponentdeployments.nvidia.com", "list dynamocomponentdeployments.nvidia.com",
			"patch dynamocomponentdeployments.nvidia.com", "update dynamocomponentdeployments.nvidia.com",
			"watch dynamocomponentdeployments.nvidia.com", "get dynamocomponentdeployments/status.nvidia.com",
			"create namespaces", "get namespaces", "list namespaces", "watch namespaces"))
		hubRole := rulesOf(find(objs, "Role", "flotilla-system", "flotilla-agent-hub"))
		Expect(grants(hubRole)).To(ConsistOf(
			"get gpuinventories.flotilla.dev", "list gpuinventories.flotilla.dev", "watch gpuinventories.flotilla.dev",
			"get leases.coordination.k8s.io", "list leases.coordination.k8s.io", "watch leases.coordination.k8s.io"))
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
	}, SpecTimeout(templateTimeout))

	It("renders namespace-restricted mode with Roles only, no leader election and declared capacity", func(ctx SpecContext) {
		By("rendering it in team-a with declared capacity")
		objs := render(ctx, "flotilla-agent", "team-a", "--set", "namespaceRestriction.enabled=true",
			"--set-json", "namespaceRestriction.declaredCapacity="+restrictedCapacity,
			"--set", "replicaCount=1", "--set", "leaderElection.enabled=true")
		Expect(kinds(objs)).To(Equal(map[string]int{
			"ServiceAccount": 2, "Secret": 1, "Role": 2, "RoleBinding": 2, "Deployment": 1,
		}), "no ClusterRole nor ClusterRoleBinding")
		expectNoWildcards(objs)
		d := expectHardenedDeployment(objs)
		Expect(d.Spec.Strategy.Type).To(Equal(appsv1.RecreateDeploymentStrategyType))
		for _, o := range objs {
			Expect(o.GetNamespace()).To(Equal("team-a"), "%s %s", o.GetKind(), o.GetName())
		}

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
	}, SpecTimeout(templateTimeout))

	It("renders namespace-restricted mode reading Nodes with only a read-only ClusterRole", func(ctx SpecContext) {
		By("rendering it in flotilla-system for team-b, reading Nodes")
		objs := render(ctx, "agent", "flotilla-system", "--set", "namespaceRestriction.enabled=true",
			"--set", "namespaceRestriction.targetNamespace=team-b", "--set", "namespaceRestriction.readNodes=true")
		Expect(kinds(objs)).To(Equal(map[string]int{
			"ServiceAccount": 2, "Secret": 1, "ClusterRole": 1, "ClusterRoleBinding": 1,
			"Role": 4, "RoleBinding": 4, "Deployment": 1,
		}))
		expectNoWildcards(objs)
		expectHardenedDeployment(objs)
		reader := ofKind(objs, "ClusterRole")[0]
		Expect(reader.GetName()).To(Equal("agent-flotilla-agent-flotilla-system-node-reader"))
		Expect(grants(rulesOf(reader))).To(ConsistOf("get nodes", "list nodes", "watch nodes", "get pods", "list pods", "watch pods"))

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
			"patch dynamocomponentdeployments.nvidia.com", "update dynamocomponentdeployments.nvidia.com",
			"watch dynamocomponentdeployments.nvidia.com", "get dynamocomponentdeployments/status.nvidia.com"))
		Expect(grants(rulesOf(find(objs, "Role", "flotilla-system", "agent-flotilla-agent-hub")))).To(ConsistOf(
			"get gpuinventories.flotilla.dev", "list gpuinventories.flotilla.dev", "watch gpuinventories.flotilla.dev",
			"get leases.coordination.k8s.io", "list leases.coordination.k8s.io", "watch leases.coordination.k8s.io"))
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
			"ServiceAccount": 1, "ClusterRole": 1, "ClusterRoleBinding": 1, "Role": 1, "RoleBinding": 1, "Deployment": 1,
		}))
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
	)
})
