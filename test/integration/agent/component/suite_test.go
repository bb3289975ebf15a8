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

// Package component_test runs the agent's DynamoComponentDeployment controller against real
// Kubernetes: an apiserver and etcd (envtest) for what the controller writes, and a full local
// cluster with fake GPU nodes for workloads that actually roll out, get scheduled and are
// garbage collected.
package component_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/component"
	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

var (
	repoRoot = filepath.Join("..", "..", "..", "..")
	// agentCRDs are the CRDs the agent chart installs on a member.
	agentCRDs = filepath.Join(repoRoot, "charts", "agent", "crds")
	// agentOptions configure the agent of every test, as chart values would.
	agentOptions = workload.Options{Env: []corev1.EnvVar{{Name: "NATS_SERVER", Value: "nats://nats.dynamo-system:4222"}}}

	scheme = runtime.NewScheme()
	env    *envtest.Environment
	// k8sClient reads and writes the envtest apiserver directly, without a cache.
	k8sClient client.Client
)

func TestComponent(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Agent DCD controller suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	ctrl.SetLogger(funcr.New(func(prefix, args string) {
		GinkgoWriter.Println(prefix, args)
	}, funcr.Options{Verbosity: 1}))
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(nvidiav1alpha1.AddToScheme(scheme)).To(Succeed())
	Expect(nvidiav1beta1.AddToScheme(scheme)).To(Succeed())
	Expect(lwsv1.AddToScheme(scheme)).To(Succeed())

	By("starting kube-apiserver and etcd with the agent chart's CRDs")
	var err error
	env, err = testenv.StartEnvtest(ctx, agentCRDs)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Stop)
	k8sClient, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("serving the agent's conversion webhook of the DCD CRD, pointed at by URL")
	startConversionWebhook(ctx, env.Config)

	By("starting a manager running the DCD controller, as the agent does")
	startAgent(env.Config)
}, NodeTimeout(30*time.Minute)) // a cold build of the binaries takes about ten minutes

// startConversionWebhook serves the agent's conversion webhook of the DCD CRD (v1alpha1 and
// v1beta1) for the API server of cfg until the current container's cleanup.
func startConversionWebhook(ctx context.Context, cfg *rest.Config) {
	GinkgoHelper()
	stop, err := fleet.StartConversionWebhook(ctx, cfg, fleet.Agent)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(stop)
}

// startAgent runs a manager with the DCD controller against cfg until the current container's
// cleanup.
func startAgent(cfg *rest.Config) {
	GinkgoHelper()
	startAgentWith(cfg, agentOptions)
}

// startAgentWith runs a manager with the DCD controller configured with opts against cfg until
// the current container's cleanup.
func startAgentWith(cfg *rest.Config, opts workload.Options) {
	GinkgoHelper()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:         scheme,
		Metrics:        metricsserver.Options{BindAddress: "0"},
		LeaderElection: false,
		// Each suite's manager registers the same controller name in this one process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	Expect((&component.Reconciler{Options: opts}).SetupWithManager(mgr)).To(Succeed())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	DeferCleanup(func() {
		cancel()
		<-done
	})
}
