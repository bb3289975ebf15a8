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

// Package members_test runs the hub's member sources against real Kubernetes: a hub apiserver
// (envtest) holding Cluster API Clusters, kubeconfig Secrets and MemberClusters, and two member
// apiservers the engaged clusters talk to. The sources and the members Provider run in a
// multicluster-runtime manager, as in the hub.
package members_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	mcmanager "sigs.k8s.io/multicluster-runtime/pkg/manager"
	"sigs.k8s.io/multicluster-runtime/pkg/multicluster"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/hub/members"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

const (
	// memberSecretNamespace holds the kubeconfig Secrets of SecretSource on the hub.
	memberSecretNamespace = "flotilla-members"
	// agentNamespace is the members' agent namespace (the Provider's default).
	agentNamespace = "flotilla-system"
	// markerNamespace exists on one member only, named after it, so a client shows which
	// member it reaches.
	markerNamespace = "marker-"
)

var (
	repoRoot = filepath.Join("..", "..", "..", "..")

	scheme = runtime.NewScheme()

	hubEnv *envtest.Environment
	fleet  []*member
	// hub reads and writes the hub apiserver directly, without a cache.
	hub client.Client

	provider *members.Provider
	// hubCache is the hub manager's cache, with the hub's Secret cache configuration.
	hubCache cache.Cache
	engaged  *engagements

	stopManager context.CancelFunc
	managerDone chan struct{}
)

// member is a member apiserver.
type member struct {
	name string
	env  *envtest.Environment
}

func TestMembers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Hub member sources suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	ctrl.SetLogger(funcr.New(func(prefix, args string) {
		GinkgoWriter.Println(prefix, args)
	}, funcr.Options{Verbosity: 1}))
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(flotillav1alpha1.AddToScheme(scheme)).To(Succeed())
	Expect(nvidiav1alpha1.AddToScheme(scheme)).To(Succeed())
	Expect(nvidiav1beta1.AddToScheme(scheme)).To(Succeed())
	Expect(clusterv1.AddToScheme(scheme)).To(Succeed())

	By("starting the hub apiserver with the hub's CRDs and Cluster API's Cluster CRD")
	var err error
	hubEnv, err = testenv.StartEnvtest(ctx,
		filepath.Join(repoRoot, "charts", "hub", "crds"),
		filepath.Join(repoRoot, "test", "integration", "hub", "testdata", "cluster.x-k8s.io_clusters.yaml"))
	Expect(err).NotTo(HaveOccurred())
	hub, err = client.New(hubEnv.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	Expect(hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: memberSecretNamespace}})).To(Succeed())

	By("starting two member apiservers with the agent's CRDs")
	for _, name := range []string{"member-1", "member-2"} {
		env, err := testenv.StartEnvtest(ctx, filepath.Join(repoRoot, "charts", "agent", "crds"))
		Expect(err).NotTo(HaveOccurred())
		m := &member{name: name, env: env}
		fleet = append(fleet, m)
		c, err := client.New(env.Config, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		for _, ns := range []string{agentNamespace, markerNamespace + name} {
			Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		}
	}

	By("running the members Provider and both sources in a multicluster manager, as the hub does")
	provider = members.NewProvider(members.Options{Scheme: scheme, QPS: 50, Burst: 100})
	mgr, err := mcmanager.New(hubEnv.Config, provider, mcmanager.Options{
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		// The hub's Secret cache with both sources: kubeconfig Secrets only.
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{&corev1.Secret{}: {Namespaces: hubmanager.SecretCache(hubmanager.Options{
			MemberSources:         []string{hubmanager.SourceKubeconfigSecrets, hubmanager.SourceClusterAPI},
			MemberSecretNamespace: memberSecretNamespace,
		})}}},
	})
	Expect(err).NotTo(HaveOccurred())
	engaged = &engagements{byName: map[string][]engagement{}}
	Expect(mgr.Add(engaged)).To(Succeed())
	local := mgr.GetLocalManager()
	hubCache = local.GetCache()
	recorder := local.GetEventRecorder("flotilla-hub")
	Expect((&members.SecretSource{
		Client: local.GetClient(), Provider: provider, Namespace: memberSecretNamespace, Recorder: recorder,
		WatchClusters: true,
	}).SetupWithManager(local)).To(Succeed())
	Expect((&members.ClusterAPISource{
		Client: local.GetClient(), Provider: provider, Recorder: recorder,
	}).SetupWithManager(local)).To(Succeed())

	var mgrCtx context.Context
	mgrCtx, stopManager = context.WithCancel(context.Background())
	managerDone = make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(managerDone)
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
}, NodeTimeout(30*time.Minute)) // a cold build of the Kubernetes binaries takes about ten minutes

var _ = AfterSuite(func() {
	if stopManager != nil {
		stopManager()
		Eventually(managerDone).WithTimeout(time.Minute).Should(BeClosed())
	}
	for _, m := range fleet {
		Expect(m.env.Stop()).To(Succeed())
	}
	if hubEnv != nil {
		Expect(hubEnv.Stop()).To(Succeed())
	}
})

// engagement is one Engage call of the manager.
type engagement struct {
	ctx     context.Context
	cluster cluster.Cluster
}

// engagements is a multicluster Runnable that records every engagement, as a multicluster
// controller would be engaged.
type engagements struct {
	mu     sync.Mutex
	byName map[string][]engagement
}

var _ mcmanager.Runnable = &engagements{}

func (e *engagements) Start(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

func (e *engagements) Engage(ctx context.Context, name multicluster.ClusterName, cl cluster.Cluster) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.byName[string(name)] = append(e.byName[string(name)], engagement{ctx: ctx, cluster: cl})
	return nil
}

// of returns the engagements of the member name, oldest first.
func (e *engagements) of(name string) []engagement {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]engagement(nil), e.byName[name]...)
}

// userOn provisions a user in system:masters on m and returns its kubeconfig.
func userOn(m *member, user string) []byte {
	GinkgoHelper()
	u, err := m.env.AddUser(envtest.User{Name: user, Groups: []string{"system:masters"}}, &rest.Config{})
	Expect(err).NotTo(HaveOccurred())
	kubeconfig, err := u.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	return kubeconfig
}

// host is the URL of m's apiserver as a kubeconfig names it (no trailing slash).
func (m *member) host() string {
	return strings.TrimSuffix(m.env.Config.Host, "/")
}
