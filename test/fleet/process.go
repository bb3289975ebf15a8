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

package fleet

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/flotilla-dev/flotilla/test/testenv"
)

// Binaries are the hub and agent binaries (cmd/hub, cmd/agent) a fleet runs as child processes
// instead of in its own process: for measurements of each component's CPU and memory (make
// bench). Either may be empty, that component then running in-process.
type Binaries struct {
	// Hub is the path of flotilla-hub (StartHubProcess).
	Hub string
	// Agent is the path of the agent binary, which StartAgent then runs.
	Agent string
}

// Process is a Flotilla binary running as a child process of the fleet (testenv.Process), as
// its chart's ServiceAccount (a kubeconfig holding a TokenRequest token) with its chart's
// arguments, its metrics and pprof endpoints on 127.0.0.1.
type Process struct {
	*testenv.Process
	// MetricsURL is its metrics endpoint (http://127.0.0.1:<port>/metrics).
	MetricsURL string
	// PprofURL is the base of its pprof endpoints (http://127.0.0.1:<port>/debug/pprof/).
	PprofURL string
}

// stopGrace is how long Stop waits after SIGTERM before SIGKILL, as the kubelet does.
const stopGrace = 30 * time.Second

// Stop ends the process as the kubelet ends a container: SIGTERM, then SIGKILL after 30 s.
// Calling it again returns at once.
func (p *Process) Stop() error { return p.Process.Stop(stopGrace) }

// startProcess runs binary with the chart's args (chartArgs) followed by the fleet's (its
// endpoints on 127.0.0.1, the webhook's port and URL), as cfg (written to a kubeconfig in
// dir), with env added, its output in dir/<name>.log. It fails if the process exits within a
// second (bad flags, say), with the log's end.
func startProcess(name, binary, dir string, cfg *rest.Config, chartArgs, extraArgs, env []string) (*Process, error) {
	kubeconfig := filepath.Join(dir, name+".kubeconfig")
	if err := writeKubeconfig(kubeconfig, cfg); err != nil {
		return nil, err
	}
	// FreePort never hands out a port twice.
	var ports [2]int
	for i := range ports {
		port, err := testenv.FreePort()
		if err != nil {
			return nil, err
		}
		ports[i] = port
	}
	args := append(append([]string{}, chartArgs...),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", ports[0]),
		fmt.Sprintf("--pprof-bind-address=127.0.0.1:%d", ports[1]),
		"--health-probe-bind-address=0")
	args = append(args, extraArgs...)
	child, err := testenv.StartProcess(name, binary, args, append([]string{"KUBECONFIG=" + kubeconfig}, env...), dir)
	if err != nil {
		return nil, err
	}
	select {
	case <-child.Done():
		return nil, fmt.Errorf("%s exited at once: %w", name, child.ExitError())
	case <-time.After(time.Second):
	}
	return &Process{
		Process:    child,
		MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", ports[0]),
		PprofURL:   fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", ports[1]),
	}, nil
}

// waitProcessConverting waits until the API server converts kinds through the webhook of a
// process just started, failing early if the process exits.
func waitProcessConverting(p *Process, wait func(context.Context) error) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := wait(ctx); err != nil {
		if p.Exited() {
			return p.ExitError()
		}
		return errors.Join(err, p.Stop())
	}
	return nil
}

// writeKubeconfig writes cfg (a server, its CA and a bearer token) as a kubeconfig file.
func writeKubeconfig(path string, cfg *rest.Config) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["cluster"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData, CertificateAuthority: cfg.CAFile}
	kc.AuthInfos["user"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["context"] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: "user"}
	kc.CurrentContext = "context"
	return clientcmd.WriteToFile(*kc, path)
}
