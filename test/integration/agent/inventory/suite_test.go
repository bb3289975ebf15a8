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

// Package inventory_test runs the agent's GPU inventory and liveness Lease against a full local
// cluster: kube-apiserver, etcd, kube-controller-manager, kube-scheduler and kwok with fake GPU
// nodes, on which the real scheduler binds GPU pods.
package inventory_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	"github.com/flotilla-dev/flotilla/agent/liveness"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

const (
	h100 = "NVIDIA-H100-80GB-HBM3"
	a100 = "NVIDIA-A100-SXM4-80GB"
	l40s = "NVIDIA-L40S"

	// agentNamespace is where the agent under test writes its GPUInventory and Lease.
	agentNamespace = "flotilla-system"
	// restrictedNamespace is where a second, namespace-restricted agent with declared capacity
	// writes its GPUInventory.
	restrictedNamespace = "team-a"
	// workloadNamespace holds the GPU pods.
	workloadNamespace = "workloads"
	// agentIdentity is the agent's Lease holder identity.
	agentIdentity = "agent-under-test"

	// writeInterval and renewInterval shorten the production 2 s and 10 s through the same
	// options production uses.
	writeInterval = 200 * time.Millisecond
	renewInterval = 200 * time.Millisecond

	timeout  = 30 * time.Second
	interval = 100 * time.Millisecond
)

var (
	cluster   *testenv.Cluster
	k8sClient client.Client
	repoRoot  = filepath.Join("..", "..", "..", "..")

	gpuNodes = []testenv.GPUNodeSpec{
		{Name: "h100-0", Product: h100, GPUs: 8},
		{Name: "h100-1", Product: h100, GPUs: 8},
		{Name: "a100-0", Product: a100, GPUs: 4},
	}
	declared = []inventory.DeclaredCapacity{
		{Product: l40s, GPUsPerNode: 8, Nodes: 2},
		{Product: l40s, GPUsPerNode: 4, Nodes: 1},
	}
)

func TestAgentInventory(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Agent GPU inventory suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	logf.SetLogger(GinkgoLogr)

	By("starting a local cluster with a scheduler and kwok")
	var err error
	cluster, err = testenv.StartCluster(ctx, testenv.Options{Name: "agent-inventory", Logf: GinkgoWriter.Printf})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(cluster.Stop)
	cfg := cluster.RESTConfig()

	By("installing the agent's GPUInventory CRD")
	_, err = envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{
		Paths:              []string{filepath.Join(repoRoot, "charts", "agent", "crds", "flotilla.dev_gpuinventories.yaml")},
		ErrorIfPathMissing: true,
	})
	Expect(err).NotTo(HaveOccurred())

	scheme := runtime.NewScheme()
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(flotillav1alpha1.AddToScheme(scheme)).To(Succeed())
	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("creating the agents' namespaces and the workload namespace")
	for _, ns := range []string{agentNamespace, restrictedNamespace, workloadNamespace} {
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	}

	By("adding two 8-GPU H100 nodes and one 4-GPU A100 node")
	Expect(cluster.AddGPUNodes(ctx, gpuNodes)).To(Succeed())

	By("starting a manager with the inventory from Nodes, a declared inventory and the Lease")
	mgr, err := manager.New(cfg, manager.Options{
		Scheme:                 scheme,
		Logger:                 GinkgoLogr,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(addInventory(mgr, inventory.Options{
		Namespace:        agentNamespace,
		IgnoredTaintKeys: []string{testenv.KwokNodeAnnotation},
		WriteInterval:    writeInterval,
	})).To(Succeed())
	Expect(addInventory(mgr, inventory.Options{
		Namespace:            restrictedNamespace,
		NamespaceRestriction: restrictedNamespace,
		Declared:             declared,
		WriteInterval:        writeInterval,
	})).To(Succeed())
	Expect(liveness.Add(mgr, liveness.Options{
		Namespace:     agentNamespace,
		Identity:      agentIdentity,
		RenewInterval: renewInterval,
	})).To(Succeed())

	mgrCtx, stopManager := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- mgr.Start(mgrCtx)
	}()
	DeferCleanup(func(ctx SpecContext) {
		By("stopping the manager")
		stopManager()
		select {
		case err := <-done:
			Expect(err).NotTo(HaveOccurred())
		case <-ctx.Done():
			Fail("the manager did not stop")
		}
	}, NodeTimeout(time.Minute))
}, NodeTimeout(30*time.Minute)) // a cold build of the cluster binaries takes about ten minutes

// addInventory sets up the inventory on mgr, dropping the writer.
func addInventory(mgr manager.Manager, opts inventory.Options) error {
	_, err := inventory.Add(mgr, opts)
	return err
}
