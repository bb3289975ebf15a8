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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

// Process is a Flotilla binary running as a child process of the fleet, as its chart's
// ServiceAccount (a kubeconfig holding a TokenRequest token) with its chart's arguments, its
// metrics and pprof endpoints on 127.0.0.1.
type Process struct {
	// Name names it in errors and its log file.
	Name string
	// MetricsURL is its metrics endpoint (http://127.0.0.1:<port>/metrics).
	MetricsURL string
	// PprofURL is the base of its pprof endpoints (http://127.0.0.1:<port>/debug/pprof/).
	PprofURL string
	// LogPath is where its output goes.
	LogPath string

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// PID returns the process's id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop ends the process as the kubelet ends a container: SIGTERM, then SIGKILL after 30 s.
// Calling it again returns at once.
func (p *Process) Stop() error {
	if p.Exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(30 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return fmt.Errorf("%s did not stop within 30 s of SIGTERM and was killed", p.Name)
}

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
	p := &Process{
		Name:       name,
		MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", ports[0]),
		PprofURL:   fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", ports[1]),
		LogPath:    filepath.Join(dir, name+".log"),
		done:       make(chan struct{}),
	}
	args := append(append([]string{}, chartArgs...),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", ports[0]),
		fmt.Sprintf("--pprof-bind-address=127.0.0.1:%d", ports[1]),
		"--health-probe-bind-address=0")
	args = append(args, extraArgs...)
	logFile, err := os.Create(p.LogPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logFile.Close() }() // the child holds its own descriptor
	fmt.Fprintf(logFile, "### %s %s\n", binary, strings.Join(args, " "))
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = append(append(os.Environ(), "KUBECONFIG="+kubeconfig), env...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	select {
	case <-p.done:
		log, _ := os.ReadFile(p.LogPath)
		return nil, fmt.Errorf("%s exited at once (%w): %s", name, p.err, lastLines(string(log), 10))
	case <-time.After(time.Second):
	}
	return p, nil
}

// waitProcessConverting waits until the API server converts kinds through the webhook of a
// process just started, failing early if the process exits.
func waitProcessConverting(p *Process, wait func(context.Context) error) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := wait(ctx); err != nil {
		if p.Exited() {
			log, _ := os.ReadFile(p.LogPath)
			return fmt.Errorf("%s exited (%w): %s", p.Name, p.err, lastLines(string(log), 10))
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

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
