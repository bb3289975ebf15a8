// Package crds_test checks Flotilla's CRDs on a real kube-apiserver and etcd: they install, every
// example graph is accepted unchanged, invalid objects are rejected at admission with a message
// naming the field, leaving nothing stored, and every example graph of either version converts
// to the other and back unchanged through the hub's conversion webhook, which the suite runs.
package crds_test

import (
	"context"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

var (
	env       *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	repoRoot  = filepath.Join("..", "..", "..")
	suiteCtx  context.Context
	suiteStop context.CancelFunc
	// stopWebhook stops the hub's conversion webhook.
	stopWebhook func() error
)

func TestCRDs(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "CRD admission suite")
}

var _ = BeforeSuite(func() {
	suiteCtx, suiteStop = context.WithCancel(context.Background())
	By("starting kube-apiserver and etcd with the hub CRDs and the agent's GPUInventory CRD")
	var err error
	env, err = testenv.StartEnvtest(suiteCtx,
		filepath.Join(repoRoot, "charts", "hub", "crds"),
		filepath.Join(repoRoot, "charts", "agent", "crds", "flotilla.dev_gpuinventories.yaml"),
	)
	Expect(err).NotTo(HaveOccurred())
	cfg = env.Config
	k8sClient, err = client.New(cfg, client.Options{})
	Expect(err).NotTo(HaveOccurred())

	By("serving the hub's conversion webhook of the nvidia.com CRDs, pointed at by URL")
	stopWebhook, err = fleet.StartConversionWebhook(suiteCtx, cfg, fleet.Hub)
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if stopWebhook != nil {
		Expect(stopWebhook()).To(Succeed())
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
	if suiteStop != nil {
		suiteStop()
	}
})
