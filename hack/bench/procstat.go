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
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat's times (100 on Linux).
const clockTicks = 100

// cpuSeconds returns the user plus system CPU time of process pid.
func cpuSeconds(pid int) (float64, error) {
	fields, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	// utime and stime are fields 14 and 15 (1-based), 11 and 12 after the command.
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("reading the CPU times of process %d", pid)
	}
	return (utime + stime) / clockTicks, nil
}

// statFields returns /proc/<pid>/stat's fields after the command (field 3 on).
func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return nil, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 13 {
		return nil, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return fields, nil
}

// descendants returns the processes below pid (children, their children, ...).
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fields, err := statFields(p)
		if err != nil {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// fleetCPU returns the CPU time of every process below this one (the control planes, KWOK, the
// hub and the agent), by pid.
func fleetCPU() map[int]float64 {
	out := map[int]float64{}
	for _, p := range descendants(os.Getpid()) {
		if s, err := cpuSeconds(p); err == nil {
			out[p] = s
		}
	}
	return out
}

// memory is a process's resident memory now and at its peak.
type memory struct {
	RSS, Peak int64 // bytes
}

func (m memory) String() string {
	return fmt.Sprintf("%.0f MiB (peak %.0f MiB)", float64(m.RSS)/(1<<20), float64(m.Peak)/(1<<20))
}

// readMemory reads VmRSS and VmHWM of process pid.
func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer func() { _ = f.Close() }()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "VmRSS":
			m.RSS = kb << 10
		case "VmHWM":
			m.Peak = kb << 10
		}
	}
	return m, sc.Err()
}

// requests are a component's API requests as its client-go metrics count them.
type requests struct {
	// byHost counts requests per API server (host:port).
	byHost map[string]float64
	// conflicts counts the answers 409 Conflict.
	conflicts float64
}

// scrapeRequests reads rest_client_requests_total from a component's metrics endpoint.
func scrapeRequests(ctx context.Context, url string) (requests, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return requests{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return requests{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return requests{}, fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return requests{}, fmt.Errorf("parsing %s: %w", url, err)
	}
	out := requests{byHost: map[string]float64{}}
	family, ok := families["rest_client_requests_total"]
	if !ok {
		return out, nil
	}
	for _, m := range family.GetMetric() {
		var host, code string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "host":
				host = l.GetValue()
			case "code":
				code = l.GetValue()
			}
		}
		v := m.GetCounter().GetValue()
		out.byHost[host] += v
		if code == "409" {
			out.conflicts += v
		}
	}
	return out, nil
}

// minus returns r - before.
func (r requests) minus(before requests) requests {
	out := requests{byHost: map[string]float64{}, conflicts: r.conflicts - before.conflicts}
	for h, v := range r.byHost {
		out.byHost[h] = v - before.byHost[h]
	}
	return out
}

// total sums the requests to every API server.
func (r requests) total() float64 {
	var t float64
	for _, v := range r.byHost {
		t += v
	}
	return t
}

// processLabel names a process of the fleet: its command, and for the API servers and etcd
// whether it serves the hub (its command line names the hub API server's port, or it is the hub
// API server's etcd).
func processLabel(pid int, hubHost string) string {
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	name := strings.TrimSpace(string(comm))
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	_, port, _ := strings.Cut(hubHost, ":")
	switch {
	case name == "kube-apiserver" && strings.Contains(string(cmdline), "secure-port="+port):
		return name + " (hub)"
	case name == "kube-apiserver" || name == "etcd":
		if strings.Contains(string(cmdline), "envtest") || strings.Contains(string(cmdline), "k8s_test_framework") {
			return name + " (hub)"
		}
		return name + " (member)"
	}
	return name
}
