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
// on the topology of package topology: a hub kind cluster with the hub chart, and two member
// kind clusters with the agent chart and KWOK GPU nodes (gpu-east: H100, registered by a
// kubeconfig Secret; gpu-west: L40S, namespace-restricted to team-west, registered by a Cluster
// API Cluster). Everything runs from Flotilla's own images, as a user installs it.
//
// The suite deletes the graphs it applies, also when it fails.
//
// When the topology is up (`make kind-up`), the suite uses it and leaves it up. Otherwise it
// brings it up itself (topology.Up) and deletes it afterwards (topology.Down), also when it fails
// or is interrupted. On failure it prints the hub's and agents' logs and writes `kind export
// logs` of every cluster under $FLOTILLA_KIND_LOGS (default ~/.cache/flotilla/kind-logs/<time>).
package kindmulti_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/flotilla-dev/flotilla/test/kind-multi/topology"
)

// The topology's clusters and members, by the short names the specs use.
const (
	hubCluster  = topology.HubCluster
	eastCluster = topology.EastCluster
	east        = topology.EastMember
	west        = topology.WestMember
	// westNamespace is gpu-west's namespace restriction; its agent runs there too.
	westNamespace = topology.WestNamespace
	// agentNamespaceEast is where gpu-east's agent runs (cluster mode).
	agentNamespaceEast = topology.SystemNamespace

	h100 = topology.EastProduct
	l40s = topology.WestProduct

	// timeout bounds each wait on the topology; the hub and the agents run in kind nodes sharing
	// two cores, so it is generous.
	timeout  = 3 * time.Minute
	interval = time.Second
)

var (
	repoRoot string
	// kubectl is the kubectl of hack/kube-binaries.sh, the version the clusters run.
	kubectl string

	// fleet is the topology the suite runs on.
	fleet                       *topology.Topology
	hub, eastMember, westMember *cluster
	// setUp is true once BeforeSuite has completed; dumped once the diagnostics are printed.
	setUp, dumped bool
)

// cluster is one kind cluster of the topology, as its administrator sees it.
type cluster = topology.Cluster

func TestKindMulti(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "kind multi-cluster smoke suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	ctrllog.SetLogger(zap.New(zap.WriteTo(GinkgoWriter)))
	var err error
	repoRoot, err = filepath.Abs(filepath.Join("..", ".."))
	Expect(err).NotTo(HaveOccurred())
	kubeBin := strings.TrimSpace(lastLine(run(ctx, "bash", "hack/kube-binaries.sh")))
	kubectl = filepath.Join(kubeBin, "kubectl")

	state := topology.DefaultState()
	up, err := topology.IsUp(state)
	Expect(err).NotTo(HaveOccurred())
	if up {
		By("using the topology that is up (make kind-up); it stays up")
		fleet, err = topology.Connect(state)
		Expect(err).NotTo(HaveOccurred())
	} else {
		By("bringing the topology up; it is deleted after the suite")
		// Registered first, so that a topology that fails half-way is deleted too.
		DeferCleanup(func() {
			By("deleting the topology")
			Expect(topology.Down(state, GinkgoWriter)).To(Succeed())
		})
		nodeImage, err := topology.NodeImage(ctx)
		Expect(err).NotTo(HaveOccurred())
		fleet, err = topology.Up(ctx, topology.Options{State: state, NodeImage: nodeImage, Log: GinkgoWriter})
		Expect(err).NotTo(HaveOccurred())
	}
	hub, eastMember, westMember = fleet.Hub, fleet.East, fleet.West

	By("waiting until both members are Joined, AgentReady and Schedulable on the hub")
	Expect(fleet.WaitMembersReady(ctx)).To(Succeed())
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

// kubectlOn runs kubectl against a cluster, as its administrator, and returns its output.
func kubectlOn(ctx context.Context, c *cluster, args ...string) string {
	GinkgoHelper()
	return run(ctx, kubectl, append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
}

// run runs a command in the repository's root, streams its
// standard error to the Ginkgo writer and returns its standard output; it fails the spec when
// the command fails. The command runs in a process group of its own, killed whole when ctx ends,
// so that an interrupted command leaves no child process behind.
func run(ctx context.Context, name string, args ...string) string {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = repoRoot
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
		cmd := exec.CommandContext(ctx, kubectl, append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
		out, err := cmd.CombinedOutput()
		fmt.Fprintf(w, "\n----- %s (%s): kubectl %s\n%s", title, c.Name, strings.Join(args, " "), out)
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
	if err := topology.CollectLogs(dir); err != nil {
		fmt.Fprintf(w, "\n----- kind export logs: %v\n", err)
	}
	fmt.Fprintf(w, "\nThe clusters' logs are in %s\n", dir)
}
