package crds_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// validGraph is a disaggregated graph with placement that passes every rule; each invalid case
// breaks exactly one thing in a copy of it.
const validGraph = `
apiVersion: nvidia.com/v1alpha1
kind: DynamoGraphDeployment
metadata:
  name: valid
spec:
  backendFramework: vllm
  pvcs:
    - name: cache
      create: true
      storageClass: standard
      size: 10Gi
      volumeAccessMode: ReadWriteMany
  placement:
    copies: 2
    spreadBy: topology.kubernetes.io/region
    gpuProducts: [NVIDIA-H100-80GB-HBM3]
  services:
    Frontend:
      dynamoNamespace: valid
      componentType: frontend
      replicas: 1
      ingress:
        enabled: true
        host: valid
    Worker:
      dynamoNamespace: valid
      componentType: worker
      replicas: 2
      resources:
        requests: {cpu: "4", memory: 16Gi}
        limits: {gpu: "1"}
      volumeMounts:
        - name: cache
          mountPoint: /cache
      sharedMemory:
        size: 8Gi
`

type invalidCase struct {
	// mutate breaks the graph.
	mutate func(obj map[string]any)
	// field is the path the error must name.
	field string
	// message is a part of the error message.
	message string
}

func set(path string, value any) func(map[string]any) {
	return func(obj map[string]any) {
		Expect(unstructured.SetNestedField(obj, value, strings.Split(path, ".")...)).To(Succeed())
	}
}

func remove(path string) func(map[string]any) {
	return func(obj map[string]any) { unstructured.RemoveNestedField(obj, strings.Split(path, ".")...) }
}

func graph() *unstructured.Unstructured {
	GinkgoHelper()
	obj := map[string]any{}
	Expect(yaml.Unmarshal([]byte(validGraph), &obj)).To(Succeed())
	return &unstructured.Unstructured{Object: obj}
}

var _ = Describe("Admission of DynamoGraphDeployments", func() {
	var ns string
	BeforeEach(func(ctx SpecContext) { ns = newNamespace(ctx) })

	It("accepts the valid base graph and defaults nothing it was given", func(ctx SpecContext) {
		obj := graph()
		obj.SetNamespace(ns)
		Expect(k8sClient.Create(ctx, obj, client.FieldValidation(metav1.FieldValidationStrict))).To(Succeed())
		copies, _, _ := unstructured.NestedInt64(obj.Object, "spec", "placement", "copies")
		Expect(copies).To(Equal(int64(2)))
	})

	It("defaults spec.placement.copies to 1 and multinode.nodeCount to 2", func(ctx SpecContext) {
		obj := graph()
		obj.SetNamespace(ns)
		remove("spec.placement.copies")(obj.Object)
		set("spec.services.Worker.multinode", map[string]any{})(obj.Object)
		Expect(k8sClient.Create(ctx, obj)).To(Succeed())
		copies, _, _ := unstructured.NestedInt64(obj.Object, "spec", "placement", "copies")
		Expect(copies).To(Equal(int64(1)))
		nodes, _, _ := unstructured.NestedInt64(obj.Object, "spec", "services", "Worker", "multinode", "nodeCount")
		Expect(nodes).To(Equal(int64(2)))
	})

	DescribeTable("rejects an invalid graph, names the field and stores nothing",
		func(ctx SpecContext, tc invalidCase) {
			obj := graph()
			obj.SetNamespace(ns)
			tc.mutate(obj.Object)
			err := k8sClient.Create(ctx, obj, client.FieldValidation(metav1.FieldValidationStrict))
			Expect(err).To(HaveOccurred(), "the apiserver accepted an invalid graph")
			Expect(apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)).To(BeTrue(), "unexpected error kind: %v", err)
			Expect(err.Error()).To(ContainSubstring(tc.field))
			Expect(err.Error()).To(ContainSubstring(tc.message))

			stored := &unstructured.Unstructured{}
			stored.SetGroupVersionKind(obj.GroupVersionKind())
			Expect(apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), stored))).To(BeTrue(),
				"an invalid graph was stored")
		},
		Entry("no services at all", invalidCase{remove("spec.services"), "spec.services", "services must name at least one service"}),
		Entry("an empty services map", invalidCase{set("spec.services", map[string]any{}), "spec.services", "services must name at least one service"}),
		Entry("no spec", invalidCase{remove("spec"), "spec", "Required value"}),
		Entry("a misspelt spec field", invalidCase{set("spec.servces", map[string]any{}), "spec.servces", "unknown field"}),
		Entry("a misspelt service field", invalidCase{set("spec.services.Worker.replica", int64(1)), "spec.services.Worker.replica", "unknown field"}),
		Entry("negative replicas", invalidCase{set("spec.services.Worker.replicas", int64(-1)), "spec.services.Worker.replicas", "greater than or equal to 0"}),
		Entry("a PVC without a name", invalidCase{removePVC("name"), "spec.pvcs[0].name", "Required value"}),
		Entry("a created PVC without storageClass", invalidCase{removePVC("storageClass"), "spec.pvcs[0].storageClass", "storageClass is required when create is true"}),
		Entry("a created PVC without size", invalidCase{removePVC("size"), "spec.pvcs[0].size", "size is required when create is true"}),
		Entry("a created PVC without volumeAccessMode", invalidCase{removePVC("volumeAccessMode"), "spec.pvcs[0].volumeAccessMode", "volumeAccessMode is required when create is true"}),
		Entry("an enabled ingress without host", invalidCase{remove("spec.services.Frontend.ingress.host"), "spec.services[Frontend].ingress.host", "host is required when ingress is enabled"}),
		Entry("an enabled ingress with an empty host", invalidCase{set("spec.services.Frontend.ingress.host", ""), "spec.services[Frontend].ingress.host", "host is required when ingress is enabled"}),
		Entry("a volume mount without mountPoint", invalidCase{set("spec.services.Worker.volumeMounts", []any{map[string]any{"name": "cache"}}), "spec.services[Worker].volumeMounts[0].mountPoint", "mountPoint is required unless useAsCompilationCache is true"}),
		Entry("enabled shared memory without size", invalidCase{set("spec.services.Worker.sharedMemory", map[string]any{"disabled": false}), "spec.services[Worker].sharedMemory.size", "size is required unless disabled is true"}),
		Entry("a multinode nodeCount of 1", invalidCase{set("spec.services.Worker.multinode", map[string]any{"nodeCount": int64(1)}), "spec.services.Worker.multinode.nodeCount", "greater than or equal to 2"}),
		Entry("an unknown backendFramework", invalidCase{set("spec.backendFramework", "pytorch"), "spec.backendFramework", "Unsupported value"}),
		Entry("a GPU count that is not a number", invalidCase{set("spec.services.Worker.resources.limits.gpu", "one"), "spec.services[Worker].resources.limits.gpu", "gpu must be a whole number of GPUs"}),
		Entry("a GPU count written as an integer", invalidCase{set("spec.services.Worker.resources.limits.gpu", int64(1)), "spec.services.Worker.resources.limits.gpu", "must be of type string"}),
		Entry("a CPU request that is not a quantity", invalidCase{set("spec.services.Worker.resources.requests.cpu", "lots"), "spec.services[Worker].resources.requests.cpu", "cpu must be a Kubernetes quantity"}),
		Entry("a memory request that is not a quantity", invalidCase{set("spec.services.Worker.resources.requests.memory", "16 gigs"), "spec.services[Worker].resources.requests.memory", "memory must be a Kubernetes quantity"}),
		Entry("a service key with an underscore", invalidCase{moveService("Worker", "vllm_worker"), "spec.services", "services keys must be letters, digits and '-'"}),
		Entry("more than 25 services", invalidCase{manyServices(26), "spec.services", "at most 25"}),
		Entry("a graph and service name too long for a label value", invalidCase{moveService("Worker", strings.Repeat("w", 60)), "spec.services", "at most 62 characters"}),
		Entry("zero copies", invalidCase{set("spec.placement.copies", int64(0)), "spec.placement.copies", "greater than or equal to 1"}),
		Entry("too many copies", invalidCase{set("spec.placement.copies", int64(65)), "spec.placement.copies", "less than or equal to 64"}),
		Entry("a spreadBy that is not a label key", invalidCase{set("spec.placement.spreadBy", "not a label!"), "spec.placement.spreadBy", "should match"}),
		Entry("a clusterSelector with an unknown operator", invalidCase{set("spec.placement.clusterSelector", map[string]any{"matchExpressions": []any{map[string]any{"key": "env", "operator": "Maybe", "values": []any{"prod"}}}}), "spec.placement.clusterSelector.matchExpressions", "operator must be one of In, NotIn, Exists, DoesNotExist"}),
		Entry("a clusterSelector In without values", invalidCase{set("spec.placement.clusterSelector", map[string]any{"matchExpressions": []any{map[string]any{"key": "env", "operator": "In"}}}), "spec.placement.clusterSelector.matchExpressions", "values must be non-empty for the In and NotIn operators"}),
		Entry("a clusterSelector Exists with values", invalidCase{set("spec.placement.clusterSelector", map[string]any{"matchExpressions": []any{map[string]any{"key": "env", "operator": "Exists", "values": []any{"x"}}}}), "spec.placement.clusterSelector.matchExpressions", "values must be empty for the Exists and DoesNotExist operators"}),
		Entry("a toleration with operator Exists and a value", invalidCase{set("spec.placement.tolerations", []any{map[string]any{"key": "maintenance", "operator": "Exists", "value": "yes"}}), "spec.placement.tolerations", "value must be empty when operator is Exists"}),
		Entry("a toleration with an unknown effect", invalidCase{set("spec.placement.tolerations", []any{map[string]any{"key": "maintenance", "operator": "Exists", "effect": "Sometimes"}}), "spec.placement.tolerations", "effect must be NoSchedule, PreferNoSchedule or NoExecute"}),
		Entry("a toleration with an unknown operator", invalidCase{set("spec.placement.tolerations", []any{map[string]any{"key": "maintenance", "operator": "Like"}}), "spec.placement.tolerations", "operator must be Exists or Equal"}),
		Entry("a toleration with no key and operator Equal", invalidCase{set("spec.placement.tolerations", []any{map[string]any{"operator": "Equal", "value": "x"}}), "spec.placement.tolerations", "key may be empty only when operator is Exists"}),
		Entry("a GPU product listed twice", invalidCase{set("spec.placement.gpuProducts", []any{"NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-80GB-HBM3"}), "spec.placement.gpuProducts[1]", "Duplicate value"}),
		Entry("an empty GPU product", invalidCase{set("spec.placement.gpuProducts", []any{""}), "spec.placement.gpuProducts[0]", "at least 1 chars long"}),
		// Rules of the newest upstream v1alpha1.
		Entry("a restart requested at creation", invalidCase{set("spec.restart", map[string]any{"id": "r1"}), "spec", "spec.restart must be unset on create"}),
		Entry("minAvailable above replicas", invalidCase{set("spec.services.Worker.minAvailable", int64(3)), "spec.services[Worker]", "minAvailable must be less than or equal to replicas unless replicas is 0"}),
		Entry("a graph topology constraint without topologyProfile", invalidCase{set("spec.topologyConstraint", map[string]any{"packDomain": "zone"}), "spec.topologyConstraint.topologyProfile", "Required value"}),
		Entry("a pack domain with capitals", invalidCase{set("spec.services.Worker.topologyConstraint", map[string]any{"packDomain": "Rack"}), "spec.services.Worker.topologyConstraint.packDomain", "should match"}),
		Entry("a kvTransferPolicy with both labelKey and clusterTopologyName", invalidCase{set("spec.experimental.kvTransferPolicy", map[string]any{"labelKey": "topology.kubernetes.io/zone", "clusterTopologyName": "t", "domain": "zone"}), "spec.experimental.kvTransferPolicy", "exactly one of labelKey or clusterTopologyName is required"}),
		Entry("a preferred kvTransferPolicy without preferredWeight", invalidCase{set("spec.experimental.kvTransferPolicy", map[string]any{"labelKey": "topology.kubernetes.io/zone", "domain": "zone", "enforcement": "preferred"}), "spec.experimental.kvTransferPolicy", "preferredWeight is required when enforcement is preferred"}),
		Entry("a runtimeVersionOverride that is not MAJOR.MINOR.PATCH", invalidCase{set("spec.services.Worker.runtimeVersionOverride", "v1.2"), "spec.services.Worker.runtimeVersionOverride", "should match"}),
		Entry("GMS client containers with inter-pod GMS", invalidCase{set("spec.services.Worker.gpuMemoryService", map[string]any{"enabled": true, "mode": "interPod", "extraClientContainers": []any{"helper"}}), "spec.services[Worker].gpuMemoryService", "extraClientContainers is only supported with mode=intraPod"}),
		Entry("an unknown failover mode", invalidCase{set("spec.services.Worker.failover", map[string]any{"enabled": true, "mode": "sideways"}), "spec.services.Worker.failover.mode", "Unsupported value"}),
		Entry("a checkpoint job with checkpointRef", invalidCase{set("spec.services.Worker.checkpoint", map[string]any{"enabled": true, "checkpointRef": "snap", "job": map[string]any{}}), "spec.services[Worker].checkpoint", "checkpoint.job cannot be set when checkpointRef is specified"}),
		Entry("a role name with capitals", invalidCase{set("spec.services.Worker.roles", []any{map[string]any{"name": "Leader"}}), "spec.services.Worker.roles[0].name", "should match"}),
		Entry("a providerOverride without value", invalidCase{set("spec.providerOverride", map[string]any{"apiVersion": "grove.io/v1alpha1"}), "spec.providerOverride.value", "Required value"}),
	)

	It("accepts a restart after creation and keeps componentType and minAvailable immutable", func(ctx SpecContext) {
		obj := graph()
		obj.SetNamespace(ns)
		set("spec.services.Worker.minAvailable", int64(1))(obj.Object)
		Expect(k8sClient.Create(ctx, obj)).To(Succeed())

		By("requesting a restart")
		restarted := obj.DeepCopy()
		set("spec.restart", map[string]any{"id": "r1"})(restarted.Object)
		Expect(k8sClient.Update(ctx, restarted)).To(Succeed())
		strategy, _, _ := unstructured.NestedString(restarted.Object, "spec", "restart", "strategy", "type")
		Expect(strategy).To(BeEmpty(), "no strategy was given")

		for _, tc := range []struct {
			mutate  func(map[string]any)
			message string
		}{
			{set("spec.services.Worker.componentType", "prefill"), "componentType is immutable after it is set"},
			{set("spec.services.Worker.minAvailable", int64(2)), "minAvailable is immutable after creation"},
		} {
			changed := restarted.DeepCopy()
			tc.mutate(changed.Object)
			err := k8sClient.Update(ctx, changed)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
			Expect(err.Error()).To(ContainSubstring("spec.services[Worker]"))
			Expect(err.Error()).To(ContainSubstring(tc.message))
		}
	})

	It("keeps backendFramework immutable and the stored graph unchanged", func(ctx SpecContext) {
		obj := graph()
		obj.SetNamespace(ns)
		Expect(k8sClient.Create(ctx, obj)).To(Succeed())

		changed := obj.DeepCopy()
		set("spec.backendFramework", "sglang")(changed.Object)
		set("spec.services.Worker.replicas", int64(5))(changed.Object)
		err := k8sClient.Update(ctx, changed)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("spec.backendFramework"))
		Expect(err.Error()).To(ContainSubstring("backendFramework is immutable"))

		stored := &unstructured.Unstructured{}
		stored.SetGroupVersionKind(obj.GroupVersionKind())
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), stored)).To(Succeed())
		framework, _, _ := unstructured.NestedString(stored.Object, "spec", "backendFramework")
		replicas, _, _ := unstructured.NestedInt64(stored.Object, "spec", "services", "Worker", "replicas")
		Expect(framework).To(Equal("vllm"))
		Expect(replicas).To(Equal(int64(2)), "a rejected update changed part of the graph")
	})
})

func removePVC(field string) func(map[string]any) {
	return func(obj map[string]any) {
		pvcs, _, _ := unstructured.NestedSlice(obj, "spec", "pvcs")
		delete(pvcs[0].(map[string]any), field)
		Expect(unstructured.SetNestedSlice(obj, pvcs, "spec", "pvcs")).To(Succeed())
	}
}

func moveService(from, to string) func(map[string]any) {
	return func(obj map[string]any) {
		services, _, _ := unstructured.NestedMap(obj, "spec", "services")
		services[to] = services[from]
		delete(services, from)
		Expect(unstructured.SetNestedMap(obj, services, "spec", "services")).To(Succeed())
	}
}

func manyServices(n int) func(map[string]any) {
	return func(obj map[string]any) {
		services := map[string]any{}
		for i := range n {
			services["Svc"+strings.Repeat("x", i)] = map[string]any{"componentType": "worker"}
		}
		Expect(unstructured.SetNestedMap(obj, services, "spec", "services")).To(Succeed())
	}
}
