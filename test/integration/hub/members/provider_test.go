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

package members_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/multicluster-runtime/pkg/multicluster"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/hub/members"
)

// The Provider alone, with an Aware that engages members as the hub's controllers do: their
// engagement waits for the member's watches to sync. Each spec runs a Provider of its own.
var _ = Describe("Provider", func() {
	It("engages the other members while a member whose API server never answers its watches hangs, and engages that one again when its kubeconfig changes", func(ctx SpecContext) {
		p, aware := startProvider()

		By("engaging a first member")
		Expect(p.Register(registration("prov-first", userOn(fleet[1], "prov-first")))).To(Succeed())
		aware.expectEngaged(ctx, p, "prov-first", "prov-first")

		By("registering a member whose API server answers discovery and the hub's checks but never the list and watch of Leases")
		hung := newHangingServer(fleet[0], "prov-hung-hub", leaseInformerRequest)
		hungDone := registerAsync(p, registration("prov-hung", hung.kubeconfig))
		Eventually(hung.held).WithContext(ctx).WithTimeout(engageTimeout).Should(BeClosed())

		By("engaging two other members while that one's engagement hangs")
		var done []<-chan error
		for i, name := range []string{"prov-second", "prov-third"} {
			done = append(done, registerAsync(p, registration(name, userOn(fleet[i], name))))
		}
		for i, name := range []string{"prov-second", "prov-third"} {
			aware.expectEngaged(ctx, p, name, name)
			Eventually(done[i]).WithContext(ctx).WithTimeout(engageTimeout).Should(Receive(Succeed()))
		}
		Expect(hungDone).NotTo(Receive())
		Expect(aware.engaged("prov-hung")).To(BeNil())

		By("engaging the hung member with its new kubeconfig when it changes, ending the hung engagement")
		fixedDone := registerAsync(p, registration("prov-hung", userOn(fleet[0], "prov-hung-fixed")))
		Eventually(hungDone).WithContext(ctx).WithTimeout(engageTimeout).Should(Receive(Succeed()))
		aware.expectEngaged(ctx, p, "prov-hung", "prov-hung-fixed")
		Eventually(fixedDone).WithContext(ctx).WithTimeout(engageTimeout).Should(Receive(Succeed()))
		Expect(p.EngageError("prov-hung")).NotTo(HaveOccurred())

		By("ending the hung engagement of a member that is unregistered")
		gone := newHangingServer(fleet[1], "prov-gone-hub", leaseInformerRequest)
		goneDone := registerAsync(p, registration("prov-gone", gone.kubeconfig))
		Eventually(gone.held).WithContext(ctx).WithTimeout(engageTimeout).Should(BeClosed())
		p.Unregister("prov-gone", registration("prov-gone", nil).Source)
		Eventually(goneDone).WithContext(ctx).WithTimeout(engageTimeout).Should(Receive(Succeed()))
		_, err := p.Get(ctx, "prov-gone")
		Expect(err).To(MatchError(multicluster.ErrClusterNotFound))
		Expect(aware.engaged("prov-gone")).To(BeNil())

		By("keeping the other members engaged throughout")
		for _, name := range []string{"prov-first", "prov-second", "prov-third"} {
			Expect(p.Get(ctx, multicluster.ClusterName(name))).To(BeIdenticalTo(aware.engaged(name)))
		}
	})

	It("fails, without handing it to the manager, the engagement of a member whose watches do not sync in time", func(ctx SpecContext) {
		p, aware := newProviderWith(members.Options{InformerSyncTimeout: 2 * time.Second})
		runProvider(p, aware)
		hung := newHangingServer(fleet[0], "prov-slow-hub", leaseInformerRequest)
		err := p.Register(registration("prov-slow", hung.kubeconfig))
		Expect(err).To(MatchError(ContainSubstring("did not sync within 2s")))
		Expect(p.EngageError("prov-slow")).To(MatchError(ContainSubstring("did not sync within 2s")))
		Expect(aware.engaged("prov-slow")).To(BeNil())
		_, err = p.Get(ctx, "prov-slow")
		Expect(err).To(MatchError(multicluster.ErrClusterNotFound))

		By("engaging another member meanwhile and afterwards")
		Expect(p.Register(registration("prov-quick", userOn(fleet[1], "prov-quick")))).To(Succeed())
		aware.expectEngaged(ctx, p, "prov-quick", "prov-quick")
	})

	It("engages the members registered before it starts each on its own", func(ctx SpecContext) {
		p, aware := newProvider()
		hung := newHangingServer(fleet[0], "prov-start-hung-hub", leaseInformerRequest)
		Expect(p.Register(registration("prov-start-hung", hung.kubeconfig))).To(Succeed())
		names := []string{"prov-start-a", "prov-start-b"}
		for i, name := range names {
			Expect(p.Register(registration(name, userOn(fleet[i], name)))).To(Succeed())
		}

		runProvider(p, aware)
		Eventually(hung.held).WithContext(ctx).WithTimeout(engageTimeout).Should(BeClosed())
		for _, name := range names {
			aware.expectEngaged(ctx, p, name, name)
		}
		Expect(aware.engaged("prov-start-hung")).To(BeNil())
	})

	It("engages again, with backoff, a member registered before it starts whose API server was down", func(ctx SpecContext) {
		p, aware := newProvider()
		kubeconfig, heal := newFailingServer(fleet[0], "prov-start-down")
		Expect(p.Register(registration("prov-start-down", kubeconfig))).To(Succeed())

		runProvider(p, aware)
		Eventually(func() error { return p.EngageError("prov-start-down") }).WithContext(ctx).
			WithTimeout(engageTimeout).WithPolling(poll).Should(HaveOccurred())
		Expect(aware.engaged("prov-start-down")).To(BeNil())

		By("engaging it once its API server answers, with no change of its registration")
		heal()
		aware.expectEngaged(ctx, p, "prov-start-down", "prov-start-down")
		Expect(p.EngageError("prov-start-down")).NotTo(HaveOccurred())
	})
})

// syncingAware engages members as the hub's controllers are engaged: multicluster-runtime's Kind
// sources start their informer on the member and wait for it to sync in Engage, holding their
// controller's lock; syncingAware waits for an informer of Leases (the membercluster controller
// watches the agent's Lease) holding one lock for all members, then records the member's cluster.
type syncingAware struct {
	// engageMu is the controller's lock, held while an engagement waits for the member's watch.
	engageMu sync.Mutex
	mu       sync.Mutex
	byName   map[string]cluster.Cluster
}

func (a *syncingAware) Engage(ctx context.Context, name multicluster.ClusterName, cl cluster.Cluster) error {
	a.engageMu.Lock()
	defer a.engageMu.Unlock()
	if _, err := cl.GetCache().GetInformer(ctx, &coordinationv1.Lease{}); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.byName[string(name)] = cl
	return nil
}

// engaged returns the cluster the member name was last engaged with, or nil.
func (a *syncingAware) engaged(name string) cluster.Cluster {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byName[name]
}

// expectEngaged waits for the member name to be engaged by p and a with a cluster that
// authenticates as user.
func (a *syncingAware) expectEngaged(ctx context.Context, p *members.Provider, name, user string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		cl := a.engaged(name)
		g.Expect(cl).NotTo(BeNil())
		g.Expect(p.Get(ctx, multicluster.ClusterName(name))).To(BeIdenticalTo(cl))
		g.Expect(whoAmI(ctx, cl)).To(Equal(user))
	}).WithContext(ctx).WithTimeout(engageTimeout).WithPolling(poll).Should(Succeed())
}

// newProvider returns a Provider for the members of the suite and an Aware for it.
func newProvider() (*members.Provider, *syncingAware) {
	return newProviderWith(members.Options{})
}

// newProviderWith returns a Provider with opts, the specs' scheme and client limits, and an Aware.
func newProviderWith(opts members.Options) (*members.Provider, *syncingAware) {
	opts.Scheme, opts.QPS, opts.Burst = scheme, 50, 100
	return members.NewProvider(opts), &syncingAware{byName: map[string]cluster.Cluster{}}
}

// runProvider starts p with aware until the end of the spec.
func runProvider(p *members.Provider, aware *syncingAware) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Start(ctx, aware) }()
	DeferCleanup(func() {
		cancel()
		Eventually(done).WithTimeout(engageTimeout).Should(Receive(Succeed()))
	})
}

// startProvider returns a Provider running until the end of the spec, and its Aware.
func startProvider() (*members.Provider, *syncingAware) {
	p, aware := newProvider()
	runProvider(p, aware)
	return p, aware
}

// registration is a member of the Provider specs, as a kubeconfig Secret would register it.
func registration(name string, kubeconfig []byte) members.Registration {
	return members.Registration{
		Name:       name,
		Source:     flotillav1alpha1.MemberSource{KubeconfigSecret: &flotillav1alpha1.ObjectReference{Namespace: "provider-specs", Name: name}},
		Kubeconfig: kubeconfig,
	}
}

// registerAsync registers reg with p and returns where Register's error arrives.
func registerAsync(p *members.Provider, reg members.Registration) <-chan error {
	done := make(chan error, 1)
	go func() { done <- p.Register(reg) }()
	return done
}

// leaseInformerRequest selects the list and watch requests of an informer of Leases, but not
// the Provider's check that it may list them (limit=1).
func leaseInformerRequest(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, "/leases") && r.URL.Query().Get("limit") != "1"
}

// hangingServer is an API server that answers as a member would, or, for the requests it
// holds, never answers until the end of the spec.
type hangingServer struct {
	// kubeconfig reaches the server.
	kubeconfig []byte
	// held is closed when the server holds its first request.
	held chan struct{}
	// stop answers the requests held and stops the server; the end of the spec calls it.
	stop func()
}

// newHangingServer returns a server in front of m, authenticating there as user (in
// system:masters), that holds the requests hold selects; with m nil, it holds every request.
func newHangingServer(m *member, user string, hold func(*http.Request) bool) *hangingServer {
	GinkgoHelper()
	var proxy http.Handler
	if m != nil {
		proxy = proxyTo(m, user)
	}
	s := &hangingServer{held: make(chan struct{})}
	release := make(chan struct{})
	var heldOnce sync.Once
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if proxy == nil || hold(r) {
			heldOnce.Do(func() { close(s.held) })
			select {
			case <-release:
			case <-r.Context().Done():
			}
			http.Error(w, "released at the end of the spec", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	s.stop = sync.OnceFunc(func() {
		close(release)
		srv.CloseClientConnections()
		srv.Close()
	})
	DeferCleanup(s.stop)
	s.kubeconfig = tlsKubeconfig(srv)
	return s
}

// proxyTo returns a proxy to m, authenticating there as user (in system:masters).
func proxyTo(m *member, user string) http.Handler {
	GinkgoHelper()
	cfg, err := clientcmd.RESTConfigFromKubeConfig(userOn(m, user))
	Expect(err).NotTo(HaveOccurred())
	transport, err := rest.TransportFor(cfg)
	Expect(err).NotTo(HaveOccurred())
	target, err := url.Parse(m.host())
	Expect(err).NotTo(HaveOccurred())
	return &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport:     transport,
		FlushInterval: -1, // watches stream
	}
}

// newFailingServer returns the kubeconfig of a server in front of m, authenticating there as
// user, that answers every request 503 Service Unavailable until heal is called, and then
// proxies them: a member whose API server is down, then back.
func newFailingServer(m *member, user string) (kubeconfig []byte, heal func()) {
	GinkgoHelper()
	proxy := proxyTo(m, user)
	var healed atomic.Bool
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healed.Load() {
			http.Error(w, "down until healed", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	DeferCleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return tlsKubeconfig(srv), func() { healed.Store(true) }
}

// tlsKubeconfig returns a kubeconfig for the TLS server srv, trusting its certificate, without
// credentials.
func tlsKubeconfig(srv *httptest.Server) []byte {
	GinkgoHelper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["member"] = &clientcmdapi.Cluster{
		Server:                   srv.URL,
		CertificateAuthorityData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}),
	}
	cfg.AuthInfos["hub"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["member"] = &clientcmdapi.Context{Cluster: "member", AuthInfo: "hub"}
	cfg.CurrentContext = "member"
	out, err := clientcmd.Write(*cfg)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// The sources, in the suite's manager, with a member whose API server never answers.
var _ = Describe("SecretSource", func() {
	It("does not let a member whose API server never answers hold up the other kubeconfig Secrets", func(ctx SpecContext) {
		By("creating a kubeconfig Secret for a server that accepts requests and never answers")
		silent := newHangingServer(nil, "", nil)
		createMemberSecret(ctx, "secret-hung", silent.kubeconfig)
		DeferCleanup(silent.stop) // before the Secret's cleanup waits for its member to leave
		Eventually(silent.held).WithContext(ctx).WithTimeout(engageTimeout).Should(BeClosed())

		By("engaging the member of another kubeconfig Secret meanwhile")
		createMemberSecret(ctx, "secret-live", userOn(fleet[1], "secret-live"))
		expectEngaged(ctx, "secret-live", func(g Gomega, member cluster.Cluster) {
			g.Expect(whoAmI(ctx, member)).To(Equal("secret-live"))
		})
		_, err := provider.Get(ctx, "secret-hung")
		Expect(err).To(MatchError(multicluster.ErrClusterNotFound))
	})
})

// createMemberSecret creates a kubeconfig Secret of SecretSource, deleted at the end of the spec,
// which waits for its member to leave; it returns the Secret.
func createMemberSecret(ctx context.Context, name string, kubeconfig []byte) *corev1.Secret {
	GinkgoHelper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: memberSecretNamespace, Name: name,
			Labels: map[string]string{flotillav1alpha1.LabelMemberKubeconfig: "true"},
		},
		Data: map[string][]byte{flotillav1alpha1.KubeconfigSecretKey: kubeconfig},
	}
	Expect(hub.Create(ctx, secret)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) {
		Expect(client.IgnoreNotFound(hub.Delete(ctx, secret))).To(Succeed())
		Eventually(func() bool {
			_, ok := provider.Lookup(name)
			return ok
		}).WithContext(ctx).WithTimeout(leaveTimeout).Should(BeFalse())
	})
	return secret
}
