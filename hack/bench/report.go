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

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// percentile returns the q-th quantile (nearest rank) of ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func (r *batchResult) summary() string {
	s := fmt.Sprintf("Available p50 %s p99 %s, batch %s", secs(percentile(r.available, .5)), secs(percentile(r.available, .99)), secs(r.batchAvailable))
	if r.path == pathHub {
		s += fmt.Sprintf("; successful p50 %s p99 %s, batch %s; status upstream p50 %s p99 %s",
			secs(percentile(r.successful, .5)), secs(percentile(r.successful, .99)), secs(r.batchSuccessful),
			secs(percentile(r.upstream, .5)), secs(percentile(r.upstream, .99)))
	}
	return s + fmt.Sprintf("; deletion %s; CPU by process %s; hub requests by server %v; CPU hub %.1f s agent %.1f s control planes %.1f s; hub requests %.0f (%.0f conflicts), agent requests %.0f (%.0f conflicts)",
		secs(r.deletion), formatCPU(r.byProcess), r.hubRequests.byHost, r.hubCPU, r.agentCPU, r.planeCPU, r.hubRequests.total(), r.hubRequests.conflicts, r.agentRequests.total(), r.agentRequests.conflicts)
}

func (r *scaleResult) summary() string {
	if r.incomplete != "" {
		return "incomplete: " + r.incomplete
	}
	return fmt.Sprintf("created in %s, all Scheduled after %s, all successful after %s, hub CPU %.1f s; memory %v", secs(r.created), secs(r.placed), secs(r.successful), r.hubCPU, r.memory)
}

// reportInput is everything the report shows.
type reportInput struct {
	results   []*batchResult
	scale     *scaleResult
	placement string
	machine   string
	nodes     int
	hubRSS    memory
	took      time.Duration
	// hubHost is the hub API server's host:port, as the hub's client metrics name it.
	hubHost string
}

// renderReport renders docs/performance.md.
func renderReport(in reportInput) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Performance")
	p("")
	p("Measured by `make bench` (`go run ./hack/bench`; it took %s), which writes this file. Do not edit it by hand.", in.took.Round(time.Second))
	p("")
	p("**Machine:** %s", in.machine)
	p("")
	p("**Fleet:** a hub API server and one member cluster (etcd, kube-apiserver, controller-manager, scheduler, KWOK) with %d fake nodes of 8 H100s,", in.nodes)
	p("all on this machine. The hub and the agent run as processes of their binaries with their charts' arguments and ServiceAccounts.")
	p("Each graph is a frontend and a 1-GPU vLLM worker (two Deployments, two Services on the member), created in a loop, one batch after the other:")
	p("")
	p("- **raw**: the Deployments and Services the agent builds, created directly on the member: the floor.")
	p("- **dcd**: the DynamoComponentDeployments the hub writes, created directly on the member; the agent builds the workloads (Dynamo's single-cluster path).")
	p("- **hub**: the DynamoGraphDeployments, created on the hub.")
	p("")
	p("*Available* is from the batch's start until both of a graph's Deployments are Available on the member; *successful* until its DGD is `successful` on the hub;")
	p("*status upstream* is the difference, per graph. *Deletion* is from deleting everything until no Deployment or DCD of the batch is left on the member.")
	p("CPU time and API requests (each component's client-go metrics; *conflicts* are 409 answers) are counted from the batch's start until %s after it completed.", settle)
	p("")
	p("| graphs | path | Available p50 / p99 | batch Available | successful p50 / p99 | batch successful | status upstream p50 / p99 | deletion | CPU-s per graph: hub / agent / control planes | API requests per graph: hub→hub / hub→member / agent | conflicts |")
	p("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range in.results {
		n := float64(r.graphs)
		succ, batchSucc, up := "", "", ""
		if r.path == pathHub {
			succ = secs(percentile(r.successful, .5)) + " / " + secs(percentile(r.successful, .99))
			batchSucc = secs(r.batchSuccessful)
			up = secs(percentile(r.upstream, .5)) + " / " + secs(percentile(r.upstream, .99))
		}
		hubToHub, hubToMember := 0.0, 0.0
		for host, v := range r.hubRequests.byHost {
			if host == in.hubHost {
				hubToHub += v
			} else {
				hubToMember += v
			}
		}
		p("| %d | %s | %s / %s | %s | %s | %s | %s | %s | %.2f / %.2f / %.2f | %.1f / %.1f / %.1f | %.0f |",
			r.graphs, r.path, secs(percentile(r.available, .5)), secs(percentile(r.available, .99)), secs(r.batchAvailable),
			succ, batchSucc, up, secs(r.deletion),
			r.hubCPU/n, r.agentCPU/n, r.planeCPU/n,
			hubToHub/n, hubToMember/n, r.agentRequests.total()/n, r.hubRequests.conflicts+r.agentRequests.conflicts)
	}
	p("")
	p("## Ratios")
	p("")
	p("| graphs | hub / dcd, batch Available (target ≤ 1.2) | hub / dcd, batch successful | dcd / raw, batch Available (target ≤ 1.1) | hub / dcd, deletion (target ≤ 1.5) |")
	p("|---|---|---|---|---|")
	for _, n := range sizes(in.results) {
		raw, dcd, hub := find(in.results, n, pathRaw), find(in.results, n, pathDCD), find(in.results, n, pathHub)
		if raw == nil || dcd == nil || hub == nil {
			continue
		}
		p("| %d | %.2f | %.2f | %.2f | %.2f |", n,
			ratio(hub.batchAvailable, dcd.batchAvailable), ratio(hub.batchSuccessful, dcd.batchAvailable),
			ratio(dcd.batchAvailable, raw.batchAvailable), ratio(hub.deletion, dcd.deletion))
	}
	p("")
	p("Hub memory at the end (after the scale run, if any): %s.", in.hubRSS)
	p("")
	if r := in.scale; r != nil {
		p("## Scale")
		p("")
		p("%d graphs created on the hub %s, across %d members: the real one above and %d simulated (`hack/bench/sim`: namespace-restricted", r.graphs, creatorsText(r.creators), r.members, r.simulated)
		p("members on one more API server, registered as `flotilla-hub register` does, whose agents are played for the hub: GPUInventory, Lease and DCD status, no workloads).")
		p("")
		p("| graphs | members | creating them (one by one) | all Scheduled | all successful | placements per second | hub CPU-s per graph |")
		p("|---|---|---|---|---|---|---|")
		p("| %d | %d | %s | %s | %s | %.1f | %.3f |", r.graphs, r.members, secs(r.created), secs(r.placed), secs(r.successful),
			float64(r.graphs)/max(r.placed.Seconds(), 0.001), r.hubCPU/float64(r.graphs))
		p("")
		if r.incomplete != "" {
			p("**The run did not complete:** %s. The times above are those of the last graph seen Scheduled and successful.", r.incomplete)
			p("")
		}
		p("Hub memory (resident, with its peak so far):")
		p("")
		for _, st := range r.memory {
			p("- %s: %s", st.what, st.mem)
		}
		p("")
	}
	p("## pkg/placement benchmarks")
	p("")
	p("`go test -run '^$' -bench . -benchmem ./pkg/placement/`:")
	p("")
	p("```")
	b.WriteString(in.placement)
	p("```")
	return b.String()
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return a.Seconds() / b.Seconds()
}

func sizes(rs []*batchResult) []int {
	var out []int
	for _, r := range rs {
		if !slices.Contains(out, r.graphs) {
			out = append(out, r.graphs)
		}
	}
	return out
}

func find(rs []*batchResult, n int, p path) *batchResult {
	for _, r := range rs {
		if r.graphs == n && r.path == p {
			return r
		}
	}
	return nil
}

// placementBenchmarks runs pkg/placement's benchmarks and returns their result lines.
func placementBenchmarks(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./pkg/placement/").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("placement benchmarks: %w: %s", err, out)
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "cpu:") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n") + "\n", nil
}

// describeMachine names the CPU, its cores, the memory, the kernel and Go.
func describeMachine() string {
	cpu := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		_ = f.Close()
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB memory", float64(kb)/(1<<20))
		}
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %d cores%s%s, %s", cpu, runtime.NumCPU(), mem, kernel, runtime.Version())
}

// formatCPU lists CPU times by process, largest first.
func formatCPU(m map[string]float64) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		switch {
		case m[a] > m[b]:
			return -1
		case m[a] < m[b]:
			return 1
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.1f", n, m[n]))
	}
	return strings.Join(parts, ", ")
}

// creatorsText says how the scale run's graphs were created.
func creatorsText(creators int) string {
	if creators <= 1 {
		return "one after the other (as a loop of `kubectl create` would)"
	}
	return fmt.Sprintf("by %d clients at once, each one graph after the other (as a GitOps controller applying with that parallelism would)", creators)
}
