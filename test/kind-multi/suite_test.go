//go:build kindmulti

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

// Package kindmulti_test is the kind smoke suite (`make test-kind`, build tag kindmulti). It runs
// on the topology of kind-up.sh: a hub kind cluster with the hub chart, and two member kind
// clusters with the agent chart and KWOK GPU nodes (gpu-east: H100, registered by a kubeconfig
// Secret; gpu-west: L40S, namespace-restricted to team-west, registered by a Cluster API
// Cluster). Everything runs from Flotilla's own images, as a user installs it.
//
// The suite deletes the graphs it applies, also when it fails.
//
// When the topology is up (`make kind-up`), the suite uses it and leaves it up. Otherwise it
// creates it with kind-up.sh and deletes it with kind-down.sh afterwards, also when it fails or is
// interrupted. On failure it prints the hub's and agents' logs and writes `kind export logs` of
// every cluster under $FLOTILLA_KIND_LOGS (default ~/.cache/flotilla/kind-logs/<time>).
package kindmulti_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

const (
	// The kind clusters of kind-up.sh, and the member names the hub knows them by.
	hubCluster  = "flotilla-hub"
	eastCluster = "flotilla-east"
	westCluster = "flotilla-west"
	east        = "gpu-east"
	west        = "gpu-west"
	// westNamespace is gpu-west's namespace restriction; its agent runs there too.
	westNamespace = "team-west"
	// agentNamespaceEast is where gpu-east's agent runs (cluster mode).
	agentNamespaceEast = "flotilla-system"

	h100 = "NVIDIA-H100-80GB-HBM3"
	l40s = "NVIDIA-L40S"

	// timeout bounds each wait on the topology; the hub and the agents run in kind nodes sharing
	// two cores, so it is generous.
	timeout  = 3 * time.Minute
	interval = time.Second
)

var (
	repoRoot string
	// state is kind-up.sh's state directory: kind configs and kubeconfigs.
	state string
	// kubectl is the kubectl of hack/kube-binaries.sh, the version the clusters run.
	kubectl string
	scheme  = runtime.NewScheme()

	hub, eastMember, westMember *cluster
	// setUp is true once BeforeSuite has completed; dumped once the diagnostics are printed.
	setUp, dumped bool
)

// cluster is one kind cluster of the topology, as its administrator sees it.
type cluster struct {
	// name is the kind cluster's name.
	name string
	// kubeconfig is the path of its admin kubeconfig in the state directory.
	kubeconfig string
	client.Client
}

func TestKindMulti(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "kind multi-cluster smoke suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(nvidiav1alpha1.AddToScheme(scheme)).To(Succeed())
	Expect(flotillav1alpha1.AddToScheme(scheme)).To(Succeed())
	Expect(lwsv1.AddToScheme(scheme)).To(Succeed())

	var err error
	repoRoot, err = filepath.Abs(filepath.Join("..", ".."))
	Expect(err).NotTo(HaveOccurred())
	state = os.Getenv("FLOTILLA_KIND_STATE")
	if state == "" {
		home, err := os.UserHomeDir()
		Expect(err).NotTo(HaveOccurred())
		state = filepath.Join(home, ".cache", "flotilla", "kind-state")
	}
	kubeBin := strings.TrimSpace(lastLine(run(ctx, nil, "bash", "hack/kube-binaries.sh")))
	kubectl = filepath.Join(kubeBin, "kubectl")

	if topologyUp(ctx) {
		By("using the topology that is up (make kind-up); it stays up")
	} else {
		By("creating the topology with kind-up.sh; it is deleted after the suite")
		// Registered first, so that a kind-up.sh that fails half-way is cleaned up too.
		DeferCleanup(func(ctx context.Context) {
			By("deleting the topology with kind-down.sh")
			run(ctx, nil, "bash", "test/kind-multi/kind-down.sh")
		}, NodeTimeout(5*time.Minute))
		run(ctx, []string{"SKIP_CHECK=1"}, "bash", "test/kind-multi/kind-up.sh")
	}

	hub = connect(hubCluster)
	eastMember = connect(eastCluster)
	westMember = connect(westCluster)

	By("waiting until both members are Joined, AgentReady and Schedulable on the hub")
	for _, m := range []string{east, west} {
		Eventually(func(g Gomega) {
			mc := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: m}, mc)).To(Succeed())
			for _, cond := range []string{flotillav1alpha1.MemberJoined, flotillav1alpha1.MemberAgentReady, flotillav1alpha1.MemberSchedulable} {
				c := meta.FindStatusCondition(mc.Status.Conditions, cond)
				g.Expect(c).NotTo(BeNil(), "member %s has no %s condition", m, cond)
				g.Expect(c.Status).To(BeEquivalentTo("True"), "member %s: %s is %s: %s: %s", m, cond, c.Status, c.Reason, c.Message)
			}
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}
	setUp = true
}, NodeTimeout(30*time.Minute))

// The diagnostics of a failed spec are taken right after it, before the cleanup of its
// container deletes its graphs.
var _ = AfterEach(func(ctx SpecContext) {
	if CurrentSpecReport().Failed() {
		dumpDiagnostics(ctx)
	}
}, NodeTimeout(5*time.Minute))

// AfterSuite runs before the DeferCleanup of BeforeSuite, so the clusters of a failed set-up are
// still there.
var _ = AfterSuite(func(ctx SpecContext) {
	if !setUp {
		dumpDiagnostics(ctx)
	}
}, NodeTimeout(5*time.Minute))

// topologyUp tells whether kind-up.sh's three clusters exist and their kubeconfigs are in the
// state directory.
func topologyUp(ctx context.Context) bool {
	GinkgoHelper()
	out := run(ctx, nil, "go", "tool", "-modfile=hack/tools/go.mod", "kind", "get", "clusters")
	clusters := strings.Fields(out)
	for _, c := range []string{hubCluster, eastCluster, westCluster} {
		if !slices.Contains(clusters, c) {
			return false
		}
		if _, err := os.Stat(kubeconfigOf(c)); err != nil {
			return false
		}
	}
	return true
}

func kubeconfigOf(name string) string { return filepath.Join(state, name+".kubeconfig") }

// connect returns a client of a kind cluster, from its admin kubeconfig.
func connect(name string) *cluster {
	GinkgoHelper()
	path := kubeconfigOf(name)
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	Expect(err).NotTo(HaveOccurred(), "kubeconfig of %s", name)
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	return &cluster{name: name, kubeconfig: path, Client: c}
}

// kubectlOn runs kubectl against a cluster, as its administrator, and returns its output.
func kubectlOn(ctx context.Context, c *cluster, args ...string) string {
	GinkgoHelper()
	return run(ctx, nil, kubectl, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
}

// run runs a command in the repository's root with extra environment variables, streams its
// standard error to the Ginkgo writer and returns its standard output; it fails the spec when
// the command fails. The command runs in a process group of its own, killed whole when ctx ends,
// so that an interrupted kind-up.sh leaves no kind or docker process behind.
func run(ctx context.Context, env []string, name string, args ...string) string {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = GinkgoWriter
	cmd.WaitDelay = 10 * time.Second
	Expect(cmd.Run()).To(Succeed(), "%s %s\n%s", name, strings.Join(args, " "), stdout.String())
	return stdout.String()
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// dumpDiagnostics prints what a failure needs to be understood: the MemberClusters and graphs on
// the hub, the workloads on the members, the logs of the hub and the agents; and it exports every
// cluster's logs with `kind export logs`. Each step is best effort.
func dumpDiagnostics(ctx context.Context) {
	if dumped {
		return
	}
	dumped = true
	w := GinkgoWriter
	try := func(title string, c *cluster, args ...string) {
		if c == nil {
			return
		}
		cmd := exec.CommandContext(ctx, kubectl, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
		out, err := cmd.CombinedOutput()
		fmt.Fprintf(w, "\n----- %s (%s): kubectl %s\n%s", title, c.name, strings.Join(args, " "), out)
		if err != nil {
			fmt.Fprintf(w, "(%v)\n", err)
		}
	}
	try("member clusters", hub, "get", "membercluster", "-o", "yaml")
	try("graphs and hub records", hub, "get", "dgd,dcd", "-A", "-o", "yaml")
	try("hub events", hub, "get", "events", "-A", "--sort-by=.lastTimestamp")
	try("hub log", hub, "-n", "flotilla-system", "logs", "deploy/flotilla-hub", "--tail=200")
	for _, m := range []struct {
		c         *cluster
		namespace string
	}{{eastMember, agentNamespaceEast}, {westMember, westNamespace}} {
		try("member workloads", m.c, "get", "dcd,deploy,sts,pods", "-A", "-o", "wide")
		try("agent log", m.c, "-n", m.namespace, "logs", "deploy/flotilla-agent", "--tail=200")
		try("kwok log", m.c, "-n", "kwok-system", "logs", "deploy/kwok-controller", "--tail=50")
	}

	dir := os.Getenv("FLOTILLA_KIND_LOGS")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "flotilla", "kind-logs", time.Now().Format("20060102-150405"))
	}
	for _, name := range []string{hubCluster, eastCluster, westCluster} {
		cmd := exec.CommandContext(ctx, "go", "tool", "-modfile=hack/tools/go.mod", "kind", "export", "logs",
			filepath.Join(dir, name), "--name", name)
		cmd.Dir = repoRoot
		out, err := cmd.CombinedOutput()
		fmt.Fprintf(w, "\n----- kind export logs %s: %s", name, out)
		if err != nil {
			fmt.Fprintf(w, "(%v)\n", err)
		}
	}
	fmt.Fprintf(w, "\nThe clusters' logs are in %s\n", dir)
}
