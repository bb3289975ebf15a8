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
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// memberName is the bench's member cluster.
const memberName = "gpu-a"

// buildBinaries builds cmd/hub and cmd/agent into dir, as the images do (static, trimmed).
func buildBinaries(ctx context.Context, dir string) (fleet.Binaries, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fleet.Binaries{}, err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", dir+"/", "./cmd/hub", "./cmd/agent")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fleet.Binaries{}, fmt.Errorf("go build: %w: %s", err, out)
	}
	return fleet.Binaries{Hub: filepath.Join(dir, "hub"), Agent: filepath.Join(dir, "agent")}, nil
}

// benchFleet is the running fleet and the clients the bench uses.
type benchFleet struct {
	local *fleet.Fleet
	hub   *fleet.Process
	// member is the member cluster; memberClient, memberDynamic and memberKube are an
	// administrator's clients of it.
	member        *fleet.Member
	memberDynamic dynamic.Interface
	memberKube    kubernetes.Interface
	hubDynamic    dynamic.Interface
	// profileDir, when set, receives CPU profiles of the hub and the agent during hub batches.
	profileDir string
	// hubHost is the hub API server's host:port, as the hub's client metrics label it.
	hubHost string
}

// startFleet starts the fleet with the agent and the hub as processes, and waits until the
// member is Schedulable.
func startFleet(ctx context.Context, dir, auditDir string, bins fleet.Binaries, nodes int) (_ *benchFleet, err error) {
	var specs []testenv.GPUNodeSpec
	for i := range nodes {
		specs = append(specs, testenv.GPUNodeSpec{Name: fmt.Sprintf("h100-%02d", i), Product: "NVIDIA-H100-80GB-HBM3", GPUs: 8})
	}
	local, err := fleet.Start(ctx, fleet.Options{
		LogDir:   dir,
		AuditDir: auditDir,
		Binaries: bins,
		Logf:     func(format string, args ...any) { fmt.Printf("    "+format+"\n", args...) },
		Members: []fleet.MemberSpec{{
			Name: memberName, Labels: map[string]string{"topology.kubernetes.io/region": "local"}, Nodes: specs,
		}},
	})
	if err != nil {
		return nil, err
	}
	f := &benchFleet{local: local, member: local.Members[memberName]}
	defer func() {
		if err != nil {
			err = errors.Join(err, f.stop())
		}
	}()
	if err := local.InstallHubChart(ctx); err != nil {
		return nil, err
	}
	if f.hub, err = local.StartHubProcess(); err != nil {
		return nil, err
	}
	memberCfg := f.member.Cluster.RESTConfig()
	if f.memberDynamic, err = dynamic.NewForConfig(memberCfg); err != nil {
		return nil, err
	}
	if f.memberKube, err = kubernetes.NewForConfig(memberCfg); err != nil {
		return nil, err
	}
	if f.hubDynamic, err = dynamic.NewForConfig(local.Hub.Config); err != nil {
		return nil, err
	}
	f.hubHost = hostOf(local.Hub.Config)
	return f, f.waitSchedulable(ctx, 2*time.Minute)
}

func hostOf(cfg *rest.Config) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(cfg.Host, "https://"), "http://"), "/")
}

// waitSchedulable waits until the member's MemberCluster is Schedulable.
func (f *benchFleet) waitSchedulable(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		mc := &flotillav1alpha1.MemberCluster{}
		if err := f.local.HubClient.Get(ctx, client.ObjectKey{Name: memberName}, mc); err == nil &&
			meta.IsStatusConditionTrue(mc.Status.Conditions, flotillav1alpha1.MemberSchedulable) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("member %s is not Schedulable after %s", memberName, timeout)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// hubRSS returns the hub process's resident and peak resident memory.
func (f *benchFleet) hubRSS() memory {
	m, _ := readMemory(f.hub.PID())
	return m
}

func (f *benchFleet) stop() error {
	var errs []error
	if f.hub != nil {
		errs = append(errs, f.hub.Stop())
	}
	return errors.Join(append(errs, f.local.Stop())...)
}
