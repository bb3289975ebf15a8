package crds_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

var _ = Describe("Admission of components and Flotilla's kinds", func() {
	var (
		ns string
		c  client.Client
	)
	BeforeEach(func(ctx SpecContext) {
		ns = newNamespace(ctx)
		scheme := k8sClient.Scheme()
		Expect(nvidiav1alpha1.AddToScheme(scheme)).To(Succeed())
		Expect(flotillav1alpha1.AddToScheme(scheme)).To(Succeed())
		var err error
		c, err = client.New(cfg, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
	})

	It("rejects a component with negative replicas and stores nothing", func(ctx SpecContext) {
		dcd := &nvidiav1alpha1.DynamoComponentDeployment{
			ObjectMeta: metav1.ObjectMeta{Name: "vllm-agg-frontend", Namespace: ns},
			Spec: nvidiav1alpha1.DynamoComponentDeploymentSpec{
				DynamoComponentDeploymentSharedSpec: nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
					ComponentType: "frontend", Replicas: ptr.To[int32](-2),
				},
			},
		}
		err := c.Create(ctx, dcd)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("spec.replicas"))
		Expect(apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(dcd), dcd))).To(BeTrue())
	})

	It("keeps a component's backendFramework immutable", func(ctx SpecContext) {
		dcd := &nvidiav1alpha1.DynamoComponentDeployment{
			ObjectMeta: metav1.ObjectMeta{Name: "vllm-agg-worker", Namespace: ns},
			Spec:       nvidiav1alpha1.DynamoComponentDeploymentSpec{BackendFramework: "vllm"},
		}
		Expect(c.Create(ctx, dcd)).To(Succeed())
		dcd.Spec.BackendFramework = "trtllm"
		err := c.Update(ctx, dcd)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("spec.backendFramework: Invalid value"))
		Expect(err.Error()).To(ContainSubstring("backendFramework is immutable"))
	})

	It("requires exactly one source on a MemberCluster", func(ctx SpecContext) {
		member := &flotillav1alpha1.MemberCluster{ObjectMeta: metav1.ObjectMeta{GenerateName: "gpu-east-"}}
		Expect(c.Create(ctx, member)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) { Expect(c.Delete(ctx, member)).To(Succeed()) })

		ref := &flotillav1alpha1.ObjectReference{Namespace: "fleet", Name: "gpu-east"}
		member.Status.Source = &flotillav1alpha1.MemberSource{ClusterAPI: ref, KubeconfigSecret: ref}
		err := c.Status().Update(ctx, member)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("status.source"))
		Expect(err.Error()).To(ContainSubstring("exactly one of clusterAPI or kubeconfigSecret must be set"))

		member.Status.Source = &flotillav1alpha1.MemberSource{ClusterAPI: ref}
		member.Status.GPUsFree, member.Status.GPUsTotal = 4, 8
		Expect(c.Status().Update(ctx, member)).To(Succeed())
	})

	It("rejects a GPU inventory whose histogram repeats a free level", func(ctx SpecContext) {
		inv := &flotillav1alpha1.GPUInventory{ObjectMeta: metav1.ObjectMeta{Name: "inventory", Namespace: ns}}
		Expect(c.Create(ctx, inv)).To(Succeed())
		inv.Status = flotillav1alpha1.GPUInventoryStatus{
			Source: flotillav1alpha1.InventoryFromNodes,
			GPUs: []flotillav1alpha1.GPUPool{{
				ResourceName: "nvidia.com/gpu", Product: "NVIDIA-H100-80GB-HBM3", Total: 16, Free: 12,
				NodesByFree: []flotillav1alpha1.NodesAtFree{{Free: 8, Nodes: 1}, {Free: 8, Nodes: 1}},
			}},
		}
		err := c.Status().Update(ctx, inv)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("status.gpus[0].nodesByFree[1]"))

		inv.Status.GPUs[0].NodesByFree = []flotillav1alpha1.NodesAtFree{{Free: 8, Nodes: 1}, {Free: 4, Nodes: 1}}
		Expect(c.Status().Update(ctx, inv)).To(Succeed())
	})
})
