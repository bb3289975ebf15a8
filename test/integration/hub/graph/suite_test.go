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

// Package graph_test runs the hub against a local fleet in one process: a hub API server, two
// member clusters with KWOK GPU nodes of different products (one namespace-restricted) and
// their agents, and the hub, reaching members only as the agent chart's flotilla-hub identity.
// It follows graphs from creation on the hub to workloads on members and back to status, and
// through hub restarts, unreachable members and member removal.
package graph_test

import (
	"io"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

const (
	timeout  = 90 * time.Second
	interval = 100 * time.Millisecond

	east = "gpu-east"
	west = "gpu-west"
	// westNamespace is gpu-west's namespace restriction.
	westNamespace = "team-west"

	h100 = "NVIDIA-H100-80GB-HBM3"
	l40s = "NVIDIA-L40S"

	regionLabel = "topology.kubernetes.io/region"

	// deletionTimeout and lostAfter are the hub's, shortened through its own options.
	deletionTimeout = 15 * time.Second
	lostAfter       = 10 * time.Minute
)

var (
	local *fleet.Fleet
	hub   client.Client
	// stopHub stops the running hub.
	stopHub func() error
)

func TestGraph(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Hub graph suite")
}

// startHub starts the hub, as the hub chart's ServiceAccount with the chart's arguments, and
// makes stopHub stop it.
func startHub() {
	GinkgoHelper()
	_, stop, err := local.StartHub(nil, nil, hubmanager.Settings{})
	Expect(err).NotTo(HaveOccurred())
	stopHub = func() error {
		err := stop()
		if err != nil {
			// A hub that does not stop in time has a goroutine stuck somewhere: show where.
			GinkgoWriter.Printf("the hub did not stop cleanly (%v); its process's goroutines:\n", err)
			_ = pprof.Lookup("goroutine").WriteTo(GinkgoWriter, 1)
		}
		return err
	}
}

var _ = BeforeSuite(func(ctx SpecContext) {
	var err error
	hubmanager.SetLogger(zap.New(zap.WriteTo(io.Writer(GinkgoWriter)), zap.UseDevMode(true)))

	By("building the helm Go tool, or reusing the build cache (minutes on a cold machine)")
	_, err = charttest.Helm(ctx, "version", "--short")
	Expect(err).NotTo(HaveOccurred())

	By("starting a hub API server and two member clusters with their agents, registered on the hub")
	started := time.Now()
	auditDir, err := os.MkdirTemp("", "flotilla-graph-audit-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, auditDir)
	local, err = fleet.Start(ctx, fleet.Options{
		Logf:     GinkgoWriter.Printf,
		AuditDir: auditDir,
		AgentValues: []string{
			"--set", "inventory.writeInterval=500ms",
			"--set", "liveness.renewInterval=1s",
			"--set", "liveness.leaseDuration=5s",
		},
		Members: []fleet.MemberSpec{
			{
				Name:   east,
				Labels: map[string]string{regionLabel: "us-east"},
				Nodes: []testenv.GPUNodeSpec{
					{Name: "h100-0", Product: h100, GPUs: 8},
					{Name: "h100-1", Product: h100, GPUs: 8},
				},
			},
			{
				Name:                 west,
				Labels:               map[string]string{regionLabel: "us-west"},
				NamespaceRestriction: westNamespace,
				Nodes: []testenv.GPUNodeSpec{
					{Name: "l40s-0", Product: l40s, GPUs: 8},
					{Name: "l40s-1", Product: l40s, GPUs: 8},
				},
			},
		},
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() error { return local.Stop() })
	hub = local.HubClient
	AddReportEntry("fleet start", time.Since(started).Round(time.Millisecond).String())

	By("installing the hub chart's ServiceAccount and RBAC, with shorter timings through its values")
	Expect(local.InstallHubChart(ctx,
		"--set", "graphs.deletionTimeout="+deletionTimeout.String(),
		"--set", "members.lostAfter="+lostAfter.String(),
		"--set", "members.probeInterval=2s",
	)).To(Succeed())

	By("starting the hub as the chart's ServiceAccount")
	startHub()
	DeferCleanup(func() error { return stopHub() })
}, NodeTimeout(30*time.Minute))
