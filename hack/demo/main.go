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

// Command demo runs Flotilla's main job on a local fleet on this machine: a hub API server and
// two member clusters (etcd, kube-apiserver, controller-manager, scheduler and KWOK fake GPU
// nodes: gpu-east with H100s, gpu-west with L40S and a namespace-restricted agent), each
// member's agent running as its chart's ServiceAccount and registered on the hub with
// `flotilla-hub register`'s code, and the hub running as its chart's ServiceAccount. It applies
// the graphs of hack/demo/graphs.yaml on the hub with kubectl, waits until they are placed and
// running, shows the hub's and the members' view, and waits for Ctrl-C (DEMO_HOLD=0 stops at
// once).
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stateDir, err := os.MkdirTemp("", "flotilla-demo-")
	if err != nil {
		return err
	}
	// The components log to a file; the demo prints what a user would look at.
	logFile, err := os.Create(filepath.Join(stateDir, "flotilla.log"))
	if err != nil {
		return err
	}
	defer func() { _ = logFile.Close() }()
	hubmanager.SetLogger(zap.New(zap.WriteTo(logFile)))

	step("Starting a hub API server and two member clusters with fake GPU nodes, agents and registrations")
	logf := func(format string, args ...any) {
		fmt.Println("    " + strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
	}
	local, err := fleet.Start(ctx, fleet.Options{
		Logf:   logf,
		LogDir: stateDir,
		Members: []fleet.MemberSpec{
			{
				Name:   "gpu-east",
				Labels: map[string]string{"topology.kubernetes.io/region": "us-east"},
				Nodes: []testenv.GPUNodeSpec{
					{Name: "h100-0", Product: "NVIDIA-H100-80GB-HBM3", GPUs: 8},
					{Name: "h100-1", Product: "NVIDIA-H100-80GB-HBM3", GPUs: 8},
				},
			},
			{
				Name:                 "gpu-west",
				Labels:               map[string]string{"topology.kubernetes.io/region": "us-west"},
				NamespaceRestriction: "team-west",
				Nodes: []testenv.GPUNodeSpec{
					{Name: "l40s-0", Product: "NVIDIA-L40S", GPUs: 8},
					{Name: "l40s-1", Product: "NVIDIA-L40S", GPUs: 8},
				},
			},
		},
	})
	if err != nil {
		return err
	}
	defer func() {
		step("Stopping the fleet")
		if err := local.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "demo: stopping:", err)
		}
	}()

	step("Starting the hub as its chart's ServiceAccount")
	if err := local.InstallHubChart(ctx); err != nil {
		return err
	}
	_, stopHub, err := local.StartHub(nil, nil, hubmanager.Settings{})
	if err != nil {
		return err
	}
	defer func() { _ = stopHub() }()

	hubKubeconfig := filepath.Join(stateDir, "hub.kubeconfig")
	if err := os.WriteFile(hubKubeconfig, local.Hub.KubeConfig, 0o600); err != nil {
		return err
	}
	kubectl := func(kubeconfig string, args ...string) error {
		fmt.Printf("\n$ kubectl %s\n", strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, filepath.Join(testenv.BinDir(), "kubectl"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		return cmd.Run()
	}
	onHub := func(args ...string) error { return kubectl(hubKubeconfig, args...) }

	step("On the hub: the members, then the graphs")
	if err := waitForMembers(ctx, local, 2*time.Minute); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"get", "membercluster", "-L", "topology.kubernetes.io/region"},
		{"apply", "-f", "hack/demo/graphs.yaml"},
	} {
		if err := onHub(args...); err != nil {
			return err
		}
	}

	step("Waiting until the graphs that fit are successful")
	for _, name := range []string{"vllm-disagg", "vllm-agg"} {
		if err := onHub("wait", "-n", "demo", "--for=jsonpath={.status.state}="+nvidiav1alpha1.StateSuccessful,
			"dgd/"+name, "--timeout=180s"); err != nil {
			return err
		}
	}
	if err := onHub("wait", "-n", "demo", "--for=condition=Scheduled=False", "dgd/too-big", "--timeout=60s"); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"get", "dgd", "-n", "demo"},
		{"get", "dcd", "-n", "demo"},
		{"get", "membercluster"},
		{"get", "dgd", "too-big", "-n", "demo", "-o", "jsonpath={range .status.conditions[*]}{.type}: {.message}{\"\\n\"}{end}"},
		// Either version reads every graph: vllm-agg was applied in v1alpha1, vllm-disagg in v1beta1.
		{"get", "dynamographdeployments.v1beta1.nvidia.com", "vllm-agg", "-n", "demo", "-o",
			"jsonpath={.apiVersion} {.metadata.name}: {range .spec.components[*]}{.name} ({.type}) {end}{\"\\n\"}"},
		{"get", "dynamographdeployments.v1alpha1.nvidia.com", "vllm-disagg", "-n", "demo", "-o",
			"jsonpath={.apiVersion} {.metadata.name}: {range .spec.services.*}{.componentType}/{.subComponentType} {end}{\"\\n\"}"},
	} {
		if err := onHub(args...); err != nil {
			return err
		}
	}
	for _, name := range local.MemberNames() {
		step("On member " + name)
		if err := kubectl(local.Members[name].Cluster.KubeconfigPath(), "get", "dcd,deploy,pods", "-A", "-o", "wide"); err != nil {
			return err
		}
	}

	step("The fleet is up")
	fmt.Printf("    hub:      kubectl --kubeconfig %s get dgd,dcd -A\n", hubKubeconfig)
	for _, name := range local.MemberNames() {
		fmt.Printf("    %s: kubectl --kubeconfig %s get dcd,pods -A\n", name, local.Members[name].Cluster.KubeconfigPath())
	}
	fmt.Printf("    kubectl:  %s\n    logs:     %s\n", filepath.Join(testenv.BinDir(), "kubectl"), stateDir)
	if os.Getenv("DEMO_HOLD") == "0" {
		return nil
	}
	fmt.Println("    Press Ctrl-C to stop it.")
	<-ctx.Done()
	return nil
}

// waitForMembers waits until every member's MemberCluster is Schedulable.
func waitForMembers(ctx context.Context, local *fleet.Fleet, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		list := &flotillav1alpha1.MemberClusterList{}
		if err := local.HubClient.List(ctx, list); err == nil {
			ready := 0
			for i := range list.Items {
				if meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, flotillav1alpha1.MemberSchedulable) {
					ready++
				}
			}
			if ready == len(local.Members) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the members are not all Schedulable after %s: %w", timeout, ctx.Err())
		case <-tick.C:
		}
	}
}

func step(msg string) { fmt.Printf("\n==> %s\n", msg) }
