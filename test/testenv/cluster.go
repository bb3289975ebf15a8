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

package testenv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Defaults of a local cluster.
const (
	// DefaultStartTimeout bounds StartCluster when Options.StartTimeout is zero.
	DefaultStartTimeout = 2 * time.Minute
	// StopGracePeriod is how long Stop waits after SIGTERM before it SIGKILLs.
	StopGracePeriod = 15 * time.Second

	serviceCIDR = "10.96.0.0/16"
	podCIDR     = "10.244.0.0/16"
	startTries  = 3
)

// Options configure StartCluster. The zero value is usable.
type Options struct {
	// Name identifies the cluster in its temporary directory, its etcd member and its
	// kubeconfig context. Letters, digits and '-' are kept. Defaults to "flotilla".
	Name string
	// LogDir, if set, receives the component logs (<component>.log) and keeps them after
	// Stop; give each cluster its own. By default they live in the cluster's temporary
	// directory, removed by Stop.
	LogDir string
	// Logf, if set, receives one line per start-up phase with its duration, and one for Stop
	// (t.Logf and GinkgoWriter.Printf both fit; a trailing newline is added).
	Logf func(format string, args ...any)
	// StartTimeout bounds the start-up; DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// AuditLog, if set, is where kube-apiserver logs every request of a ServiceAccount
	// (ReadAuditLog reads it): what components running as their charts' identities do.
	AuditLog string
}

// Cluster is a running local Kubernetes cluster: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok as processes on 127.0.0.1. Stop it with
// Stop (it is also stopped on SIGINT/SIGTERM, and killed by the kernel if the test binary dies).
type Cluster struct {
	name           string
	dir            string
	logDir         string
	binDir         string
	logf           func(string, ...any)
	kubeconfig     []byte
	kubeconfigPath string
	restConfig     *rest.Config

	mu       sync.Mutex // guards comps and stopping
	comps    []*Process
	stopping bool

	stopOnce sync.Once
	stopErr  error
}

// errPortInUse marks a start-up that failed because a picked port was taken meanwhile.
var errPortInUse = errors.New("a port picked for the cluster was taken by another process")

// StartCluster builds the binaries if needed (EnsureBinaries), starts a cluster and returns
// once it accepts pods: etcd /health, kube-apiserver /readyz, kube-controller-manager and
// kube-scheduler /healthz all answer, and the "default" ServiceAccount exists. On failure
// everything started is stopped and the error includes the tail of the failing component's
// log. A start that lost a port race is retried with fresh ports.
func StartCluster(ctx context.Context, opts Options) (*Cluster, error) {
	binDir, err := EnsureBinaries(ctx)
	if err != nil {
		return nil, err
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	if logf := opts.Logf; logf == nil {
		opts.Logf = func(string, ...any) {}
	} else {
		opts.Logf = func(format string, args ...any) {
			if !strings.HasSuffix(format, "\n") {
				format += "\n" // testing.T.Logf adds one if missing, GinkgoWriter.Printf does not
			}
			logf(format, args...)
		}
	}
	opts.Name = sanitizeName(opts.Name)
	for attempt := 1; ; attempt++ {
		c, err := startOnce(ctx, binDir, opts)
		if err == nil || !errors.Is(err, errPortInUse) || attempt == startTries {
			return c, err
		}
		opts.Logf("cluster %s: port taken during start-up, retrying with fresh ports: %v", opts.Name, err)
	}
}

func startOnce(ctx context.Context, binDir string, opts Options) (_ *Cluster, err error) {
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	begin := time.Now()
	dir, err := os.MkdirTemp("", "flotilla-"+opts.Name+"-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{name: opts.Name, dir: dir, logDir: opts.LogDir, binDir: binDir, logf: opts.Logf}
	if c.logDir == "" {
		c.logDir = filepath.Join(dir, "logs")
	}
	track(c)
	defer func() {
		if err == nil {
			return
		}
		if c.logMentions("address already in use") {
			err = fmt.Errorf("%w: %w", errPortInUse, err)
		}
		_ = c.Stop()
		err = fmt.Errorf("starting cluster %s: %w", opts.Name, err)
	}()
	if err := os.MkdirAll(c.logDir, 0o755); err != nil {
		return nil, err
	}

	pki, err := newClusterPKI()
	if err != nil {
		return nil, err
	}
	files, err := pki.write(filepath.Join(dir, "pki"))
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	etcdPort, peerPort, apiPort, cmPort, schedPort := ports[0], ports[1], ports[2], ports[3], ports[4]
	server := "https://127.0.0.1:" + strconv.Itoa(apiPort)
	caPEM := pki.ca.certPEM
	admin := clientIdentity{server: server, caPEM: caPEM, user: adminUser, certPEM: pki.admin.certPEM, keyPEM: pki.admin.keyPEM}
	c.restConfig = restConfigFor(admin)
	if c.kubeconfig, err = renderKubeconfig(opts.Name, admin); err != nil {
		return nil, err
	}
	c.kubeconfigPath = filepath.Join(dir, "admin.kubeconfig")
	cmKubeconfig := filepath.Join(dir, "controller-manager.kubeconfig")
	schedKubeconfig := filepath.Join(dir, "scheduler.kubeconfig")
	for path, id := range map[string]clientIdentity{
		c.kubeconfigPath: admin,
		cmKubeconfig:     {server: server, caPEM: caPEM, user: controllerManagerUser, certPEM: pki.controllerManager.certPEM, keyPEM: pki.controllerManager.keyPEM},
		schedKubeconfig:  {server: server, caPEM: caPEM, user: schedulerUser, certPEM: pki.scheduler.certPEM, keyPEM: pki.scheduler.keyPEM},
	} {
		data, err := renderKubeconfig(opts.Name, id)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	c.logf("cluster %s: PKI, ports and kubeconfigs ready in %s (dir %s)", opts.Name, since(begin), dir)

	// etcd
	phase := time.Now()
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	etcd, err := c.launch(etcdBin,
		"--name="+opts.Name,
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster="+opts.Name+"="+peerURL,
		"--initial-cluster-state=new",
		"--unsafe-no-fsync=true",
		"--quota-backend-bytes=2147483648",
		"--log-level=warn",
	)
	if err != nil {
		return nil, err
	}
	if err := waitFor(ctx, "etcd /health", c.components(), httpOK(healthClient(nil, nil), etcdURL+"/health",
		func(b string) bool { return strings.Contains(b, `"health":"true"`) })); err != nil {
		return nil, err
	}
	c.logf("cluster %s: etcd healthy in %s (pid %d)", opts.Name, since(phase), etcd.PID())

	// kube-apiserver
	phase = time.Now()
	apiArgs := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--cert-dir=" + filepath.Join(dir, kubeAPIBin),
		"--tls-cert-file=" + files.apiServerCert,
		"--tls-private-key-file=" + files.apiServerKey,
		"--client-ca-file=" + files.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + files.saPub,
		"--service-account-signing-key-file=" + files.saKey,
		"--service-cluster-ip-range=" + serviceCIDR,
		"--authorization-mode=Node,RBAC",
		"--endpoint-reconciler-type=none",
		"--requestheader-client-ca-file=" + files.frontProxyCACert,
		"--requestheader-allowed-names=" + frontProxyClientUser,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + files.frontProxyClientCert,
		"--proxy-client-key-file=" + files.frontProxyClientKey,
		"--allow-privileged=true",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
	}
	if opts.AuditLog != "" {
		audit, err := auditArgs(dir, opts.AuditLog)
		if err != nil {
			return nil, err
		}
		for _, k := range slices.Sorted(maps.Keys(audit)) {
			apiArgs = append(apiArgs, "--"+k+"="+audit[k])
		}
	}
	if _, err := c.launch(kubeAPIBin, apiArgs...); err != nil {
		return nil, err
	}
	adminCert, err := tls.X509KeyPair(pki.admin.certPEM, pki.admin.keyPEM)
	if err != nil {
		return nil, err
	}
	if err := waitFor(ctx, "kube-apiserver /readyz", c.components(), httpOK(healthClient(caPEM, &adminCert), server+"/readyz",
		func(b string) bool { return strings.TrimSpace(b) == "ok" })); err != nil {
		return nil, err
	}
	c.logf("cluster %s: kube-apiserver ready in %s (https://127.0.0.1:%d)", opts.Name, since(phase), apiPort)

	// kube-controller-manager, kube-scheduler and kwok, together.
	phase = time.Now()
	if _, err := c.launch(kubeCMBin,
		"--kubeconfig="+cmKubeconfig,
		"--authentication-kubeconfig="+cmKubeconfig,
		"--authorization-kubeconfig="+cmKubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(cmPort),
		"--cert-dir="+filepath.Join(dir, kubeCMBin),
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file="+files.saKey,
		"--root-ca-file="+files.caCert,
		"--cluster-signing-cert-file="+files.caCert,
		"--cluster-signing-key-file="+files.caKey,
		"--cluster-cidr="+podCIDR,
		"--service-cluster-ip-range="+serviceCIDR,
		"--kube-api-qps=500",
		"--kube-api-burst=1000",
		"--profiling=false",
	); err != nil {
		return nil, err
	}
	if _, err := c.launch(kubeSchedBin,
		"--kubeconfig="+schedKubeconfig,
		"--authentication-kubeconfig="+schedKubeconfig,
		"--authorization-kubeconfig="+schedKubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(schedPort),
		"--cert-dir="+filepath.Join(dir, kubeSchedBin),
		"--leader-elect=false",
		"--profiling=false",
	); err != nil {
		return nil, err
	}
	if _, err := c.launch(kwokBin,
		"--kubeconfig="+c.kubeconfigPath,
		"--config="+filepath.Join(binDir, KwokStagesFile),
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector="+KwokNodeAnnotation+"=fake",
		"--cidr="+podCIDR,
		"--node-ip=127.0.0.1",
		"--node-lease-duration-seconds=40",
	); err != nil {
		return nil, err
	}
	insecure := healthClient(nil, nil)
	for name, port := range map[string]int{kubeCMBin: cmPort, kubeSchedBin: schedPort} {
		url := "https://127.0.0.1:" + strconv.Itoa(port) + "/healthz"
		if err := waitFor(ctx, name+" /healthz", c.components(), httpOK(insecure, url,
			func(b string) bool { return strings.TrimSpace(b) == "ok" })); err != nil {
			return nil, err
		}
	}
	c.logf("cluster %s: controller-manager and scheduler healthy in %s", opts.Name, since(phase))

	// Pods are admissible once the ServiceAccount controller made the default ServiceAccount.
	phase = time.Now()
	cs, err := kubernetes.NewForConfig(c.restConfig)
	if err != nil {
		return nil, err
	}
	if err := waitFor(ctx, `ServiceAccount "default" in namespace "default"`, c.components(),
		func(ctx context.Context) (bool, error) {
			_, err := cs.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			return err == nil, err
		}); err != nil {
		return nil, err
	}
	c.logf("cluster %s: default ServiceAccount present after %s; cluster up in %s", opts.Name, since(phase), since(begin))
	return c, nil
}

// launch starts one component of the cluster and records it, unless Stop has begun.
func (c *Cluster) launch(name string, args ...string) (*Process, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping {
		return nil, fmt.Errorf("cluster %s is stopping; not starting %s", c.name, name)
	}
	comp, err := StartProcess(name, filepath.Join(c.binDir, name), args, nil, c.logDir)
	if err != nil {
		return nil, err
	}
	c.comps = append(c.comps, comp)
	return comp, nil
}

// components returns a snapshot of the started components.
func (c *Cluster) components() []*Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Process(nil), c.comps...)
}

// logMentions reports whether any component log contains s.
func (c *Cluster) logMentions(s string) bool {
	for _, comp := range c.components() {
		if data, err := os.ReadFile(comp.LogPath); err == nil && strings.Contains(string(data), s) {
			return true
		}
	}
	return false
}

// Name returns the cluster's name (Options.Name, sanitised).
func (c *Cluster) Name() string { return c.name }

// Dir returns the cluster's temporary directory (PKI, kubeconfigs, etcd data and, unless
// Options.LogDir was set, the logs). Stop removes it.
func (c *Cluster) Dir() string { return c.dir }

// LogDir returns the directory holding <component>.log for each component.
func (c *Cluster) LogDir() string { return c.logDir }

// Kubeconfig returns an admin (system:masters) kubeconfig with embedded credentials.
func (c *Cluster) Kubeconfig() []byte { return append([]byte(nil), c.kubeconfig...) }

// KubeconfigPath returns the path of the admin kubeconfig inside Dir (gone after Stop).
func (c *Cluster) KubeconfigPath() string { return c.kubeconfigPath }

// RESTConfig returns a fresh copy of the admin client configuration.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.restConfig) }

// PIDs returns the process id of each running or stopped component, keyed by binary name
// (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok).
func (c *Cluster) PIDs() map[string]int {
	pids := map[string]int{}
	for _, comp := range c.components() {
		pids[comp.Name] = comp.PID()
	}
	return pids
}

// Stop stops every process of the cluster and removes Dir: SIGTERM to each process group,
// clients first, then kube-apiserver, then etcd (SIGTERM is repeated after a few seconds, which
// makes Kubernetes components skip the rest of their graceful shutdown); whatever still runs
// StopGracePeriod after the start of Stop is SIGKILLed. Stop returns once every process has
// been reaped, usually in one or two seconds. It is idempotent and safe to
// call concurrently; later calls return the first call's result.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		begin := time.Now()
		c.mu.Lock()
		c.stopping = true
		comps := append([]*Process(nil), c.comps...)
		c.mu.Unlock()
		// Clients first (kwok, scheduler, controller-manager), then kube-apiserver, then etcd.
		var clients, apiServer, store []*Process
		for _, comp := range comps {
			switch comp.Name {
			case etcdBin:
				store = append(store, comp)
			case kubeAPIBin:
				apiServer = append(apiServer, comp)
			default:
				clients = append(clients, comp)
			}
		}
		killed, err := stopComponents([][]*Process{clients, apiServer, store}, StopGracePeriod)
		if len(killed) > 0 {
			c.logf("cluster %s: SIGKILLed after %s: %s", c.name, StopGracePeriod, strings.Join(killed, ", "))
		}
		if rmErr := os.RemoveAll(c.dir); rmErr != nil && err == nil {
			err = rmErr
		}
		untrack(c)
		c.stopErr = err
		c.logf("cluster %s: stopped in %s", c.name, since(begin))
	})
	return c.stopErr
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// sanitizeName keeps lower-case letters, digits and '-' of name; "flotilla" if nothing is left.
func sanitizeName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == '_' || r == ' ' || r == '.' || r == '/':
			b.WriteRune('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		return "flotilla"
	}
	return s
}
