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

// Command bench measures Flotilla on a local fleet on this machine (make bench) and writes the
// figures to docs/performance.md.
//
// The fleet: a hub API server and one member cluster (etcd, kube-apiserver, controller-manager,
// scheduler and KWOK fake nodes with 8 H100s each); the hub and the agent run as child processes
// of their binaries (go build of cmd/hub and cmd/agent), with their charts' arguments and as
// their charts' ServiceAccounts, so that each one's CPU time, memory and API requests are its
// own.
//
// For each batch size it creates the same two-service graphs (a frontend and a 1-GPU vLLM
// worker) three ways, one after the other, each in a namespace of its own:
//   - raw: the Deployments and Services the agent builds for such a graph, created directly on
//     the member (the floor: what any operator must at least wait for);
//   - dcd: the DynamoComponentDeployments the hub writes for it, created directly on the member,
//     which the agent turns into those Deployments (Dynamo's single-cluster path);
//   - hub: the DynamoGraphDeployments on the hub, which the hub places and syncs to the member.
//
// The objects of raw and dcd are what the hub and the agent made of one graph at the start (a
// template run), renamed per graph, so all three paths build the same workloads.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	sizes   []int
	nodes   int
	out     string
	keepDir bool
	timeout time.Duration
	// scaleMembers and scaleGraphs size the scale run (0 members skips it); scaleTimeout bounds
	// it.
	scaleMembers, scaleGraphs int
	// scaleCreators is how many clients create the scale run's graphs at once.
	scaleCreators int
	scaleTimeout  time.Duration
	// profileDir, when set, receives CPU profiles of the hub and the agent during each hub batch.
	profileDir string
	// auditDir, when set, keeps the API servers' audit logs of the components' requests there.
	auditDir string
}

func parseFlags() (config, error) {
	c := config{}
	sizes := flag.String("sizes", "1,10,100", "Comma-separated batch sizes (graphs per batch).")
	flag.IntVar(&c.nodes, "nodes", 32, "Fake 8-GPU H100 nodes of the member.")
	flag.StringVar(&c.out, "out", "docs/performance.md", `Where to write the report ("" prints it only).`)
	flag.BoolVar(&c.keepDir, "keep", false, "Keep the fleet's logs directory.")
	flag.IntVar(&c.scaleMembers, "scale-members", 100, "Members of the scale run: the real one and the rest simulated (0 skips the run).")
	flag.IntVar(&c.scaleGraphs, "scale-graphs", 1000, "Graphs of the scale run.")
	flag.IntVar(&c.scaleCreators, "scale-creators", 8, "Clients creating the scale run's graphs at once (1: one after the other, as a loop of kubectl create).")
	flag.DurationVar(&c.scaleTimeout, "scale-timeout", 10*time.Minute, "How long the scale run's graphs may take to become successful.")
	flag.StringVar(&c.profileDir, "profile-dir", "", "Write CPU profiles of the hub and the agent during each hub batch, and a heap profile of the hub at the end of the scale run, to this directory.")
	flag.StringVar(&c.auditDir, "audit-dir", "", "Keep audit logs of the hub's and the agent's requests in this directory (diagnosis; it slows the API servers).")
	flag.DurationVar(&c.timeout, "batch-timeout", 5*time.Minute, "How long one batch may take to complete.")
	flag.Parse()
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return c, fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		c.sizes = append(c.sizes, n)
	}
	if c.scaleCreators < 1 {
		return c, fmt.Errorf("-scale-creators: must be positive, got %d", c.scaleCreators)
	}
	if c.nodes < 1 {
		return c, fmt.Errorf("-nodes: must be positive, got %d", c.nodes)
	}
	return c, nil
}

func run() error {
	cfg, err := parseFlags()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	started := time.Now()

	dir, err := os.MkdirTemp("", "flotilla-bench-")
	if err != nil {
		return err
	}
	if !cfg.keepDir {
		defer func() { _ = os.RemoveAll(dir) }()
	}
	logFile, err := os.Create(filepath.Join(dir, "bench.log"))
	if err != nil {
		return err
	}
	defer func() { _ = logFile.Close() }()
	hubmanager.SetLogger(zap.New(zap.WriteTo(logFile)))

	step("Building the hub and agent binaries")
	bins, err := buildBinaries(ctx, filepath.Join(dir, "bin"))
	if err != nil {
		return err
	}
	step(fmt.Sprintf("Starting a hub API server and a member with %d fake 8xH100 nodes; the agent and the hub as processes", cfg.nodes))
	f, err := startFleet(ctx, dir, cfg.auditDir, bins, cfg.nodes)
	f.profileDir = cfg.profileDir
	if err != nil {
		return err
	}
	defer func() {
		step("Stopping the fleet")
		if err := f.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "bench: stopping:", err)
		}
	}()

	step("Template run: one graph through the hub, to copy what it and the agent build")
	tmpl, err := f.captureTemplate(ctx, cfg.timeout)
	if err != nil {
		return err
	}
	fmt.Printf("    one graph: %d DCDs, %d Deployments, %d Services on the member\n",
		len(tmpl.components), len(tmpl.deployments), len(tmpl.services))

	var results []*batchResult
	for _, n := range cfg.sizes {
		for _, path := range []path{pathRaw, pathDCD, pathHub} {
			step(fmt.Sprintf("%d graphs, %s", n, path.describe()))
			r, err := f.runBatch(ctx, tmpl, path, n, cfg.timeout)
			if err != nil {
				return fmt.Errorf("%d graphs, %s: %w", n, path, err)
			}
			fmt.Println("    " + r.summary())
			results = append(results, r)
		}
	}

	var scale *scaleResult
	if cfg.scaleMembers > 1 {
		step(fmt.Sprintf("Scale: %d graphs across %d members (%d simulated)", cfg.scaleGraphs, cfg.scaleMembers, cfg.scaleMembers-1))
		// A scale run that does not finish is a figure too: the report says how far it got.
		scale, err = f.runScale(ctx, cfg.scaleMembers, cfg.scaleGraphs, cfg.scaleCreators, cfg.scaleTimeout)
		if err != nil {
			fmt.Println("    scale run:", err)
		} else {
			fmt.Println("    " + scale.summary())
		}
	}

	step("pkg/placement benchmarks")
	placementBench, err := placementBenchmarks(ctx)
	if err != nil {
		return err
	}

	report := renderReport(reportInput{
		results:   results,
		scale:     scale,
		placement: placementBench,
		machine:   describeMachine(),
		nodes:     cfg.nodes,
		hubRSS:    f.hubRSS(),
		hubHost:   f.hubHost,
		took:      time.Since(started),
	})
	fmt.Println()
	fmt.Println(report)
	if cfg.out != "" {
		if err := os.WriteFile(cfg.out, []byte(report), 0o644); err != nil {
			return err
		}
		fmt.Printf("Wrote %s\n", cfg.out)
	}
	return nil
}

func step(msg string) { fmt.Printf("\n==> %s (%s)\n", msg, time.Now().Format("15:04:05")) }
