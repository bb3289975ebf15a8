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

// Command demo runs Flotilla's main job on this machine as far as it is built: it starts a local
// Kubernetes cluster (etcd, kube-apiserver, controller-manager, scheduler and KWOK fake GPU nodes
// of two products), installs the hub's CRDs and applies the example graphs with kubectl, then shows
// what the cluster holds and waits for Ctrl-C. Set DEMO_HOLD=0 to stop as soon as it is shown.
//
// The hub and agent controllers join this demo as they are built; until then the graphs are
// stored and validated, not yet placed.
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

	"github.com/flotilla-dev/flotilla/internal/testenv"
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

	step("Starting a local cluster with fake GPU nodes")
	cluster, err := testenv.StartCluster(ctx, testenv.Options{
		Name: "flotilla-demo",
		Logf: func(format string, args ...any) { fmt.Printf("    "+format+"\n", args...) },
	})
	if err != nil {
		return err
	}
	defer func() {
		step("Stopping the cluster")
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "demo: stopping:", err)
		}
	}()
	err = cluster.AddGPUNodes(ctx, []testenv.GPUNodeSpec{
		{Name: "gpu-h100-0", Product: "NVIDIA-H100-80GB-HBM3", GPUs: 8},
		{Name: "gpu-h100-1", Product: "NVIDIA-H100-80GB-HBM3", GPUs: 8},
		{Name: "gpu-a100-0", Product: "NVIDIA-A100-SXM4-80GB", GPUs: 4},
	})
	if err != nil {
		return err
	}

	kubectl := func(args ...string) error {
		fmt.Printf("\n$ kubectl %s\n", strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, filepath.Join(testenv.BinDir(), "kubectl"),
			append([]string{"--kubeconfig", cluster.KubeconfigPath()}, args...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		return cmd.Run()
	}
	steps := [][]string{
		{"get", "nodes", "-L", "nvidia.com/gpu.product,nvidia.com/gpu.count"},
		{"apply", "--server-side", "-f", "charts/hub/crds/"},
		{"apply", "--server-side", "-f", "charts/agent/crds/flotilla.dev_gpuinventories.yaml"},
		{"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"},
		{"apply", "-f", "examples/"},
		{"get", "dgd"},
	}
	step("Installing the hub's CRDs and applying the example graphs")
	for _, args := range steps {
		if err := kubectl(args...); err != nil {
			return fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
		}
	}

	step("The cluster is up")
	fmt.Printf("    export KUBECONFIG=%s\n    alias kubectl=%s\n    kubectl get dgd,nodes\n",
		cluster.KubeconfigPath(), filepath.Join(testenv.BinDir(), "kubectl"))
	if os.Getenv("DEMO_HOLD") == "0" {
		return nil
	}
	fmt.Println("    Press Ctrl-C to stop it.")
	<-ctx.Done()
	return nil
}

func step(msg string) { fmt.Printf("\n==> %s\n", msg) }
