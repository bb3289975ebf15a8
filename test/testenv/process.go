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

package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Process is a child process of a test (a control-plane component, or a Flotilla binary), in
// its own process group, its output going to <logDir>/<name>.log.
type Process struct {
	// Name names it in errors and is the base name of its log.
	Name string
	// LogPath is its log file.
	LogPath string

	cmd     *exec.Cmd
	done    chan struct{} // closed once the process has exited and been reaped
	waitErr error         // valid after done is closed
}

// StartProcess starts bin with args in its own process group, with env added to this process's
// environment, its output appended to <logDir>/<name>.log.
func StartProcess(name, bin string, args, env []string, logDir string) (*Process, error) {
	logPath := filepath.Join(logDir, name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	// The child gets its own copy of the descriptor; ours is not needed after Start.
	defer logFile.Close()
	fmt.Fprintf(logFile, "### %s %s\n", bin, strings.Join(args, " "))

	cmd := exec.Command(bin, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Process{Name: name, cmd: cmd, LogPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID returns the process id (also its process-group id).
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop ends the process as the kubelet ends a container: SIGTERM to its group, then SIGKILL
// after grace, which is an error. Calling it again returns at once.
func (p *Process) Stop(grace time.Duration) error {
	if p.Exited() {
		return nil
	}
	p.signalGroup(syscall.SIGTERM)
	if waitExited([]*Process{p}, grace) {
		return nil
	}
	p.signalGroup(syscall.SIGKILL)
	<-p.done
	return fmt.Errorf("%s did not stop within %s of SIGTERM and was killed", p.Name, grace)
}

// signalGroup sends sig to the process group, if the process is still running.
func (p *Process) signalGroup(sig syscall.Signal) {
	if p.Exited() {
		return
	}
	if err := syscall.Kill(-p.PID(), sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Signal(sig)
	}
}

// ExitError describes an exited process with the tail of its log.
func (p *Process) ExitError() error {
	tail := tailFile(p.LogPath, 30)
	if p.waitErr == nil {
		return fmt.Errorf("%s exited with status 0; last lines of %s:\n%s", p.Name, p.LogPath, tail)
	}
	return fmt.Errorf("%s exited (%w); last lines of %s:\n%s", p.Name, p.waitErr, p.LogPath, tail)
}

// LogTail returns the last n lines of the process's log.
func (p *Process) LogTail(n int) string { return tailFile(p.LogPath, n) }

// tailFile returns the last n lines of the file at path (at most the last 64 KiB of it).
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	defer f.Close()
	const maxBytes = 64 << 10
	var off int64
	if fi, err := f.Stat(); err == nil && fi.Size() > maxBytes {
		off = fi.Size() - maxBytes
	}
	buf := make([]byte, maxBytes)
	m, _ := f.ReadAt(buf, off)
	lines := strings.Split(strings.TrimRight(string(buf[:m]), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// nudgeAfter is how long a stage of stopComponents waits before repeating SIGTERM. The
// Kubernetes components exit at once on a second signal; kube-apiserver otherwise waits for
// clients to close their watches (up to a minute) before it exits.
const nudgeAfter = 3 * time.Second

// stopComponents stops components stage by stage, so that clients go before the apiserver and
// the apiserver before etcd: each stage gets SIGTERM (repeated after nudgeAfter), and the next
// stage starts once it has exited or grace, counted from the start, is used up. Whatever is left
// then is SIGKILLed. It returns the components that needed SIGKILL, and an error naming any
// that could not be reaped even then.
func stopComponents(stages [][]*Process, grace time.Duration) (killed []string, err error) {
	deadline := time.Now().Add(grace)
	var all []*Process
	for _, stage := range stages {
		all = append(all, stage...)
		for _, c := range stage {
			c.signalGroup(syscall.SIGTERM)
		}
		if !waitExited(stage, min(nudgeAfter, time.Until(deadline))) {
			for _, c := range stage {
				c.signalGroup(syscall.SIGTERM)
			}
			waitExited(stage, time.Until(deadline))
		}
	}
	for _, c := range all {
		if !c.Exited() {
			killed = append(killed, c.Name)
			c.signalGroup(syscall.SIGKILL)
		}
	}
	if !waitExited(all, 10*time.Second) {
		var stuck []string
		for _, c := range all {
			if !c.Exited() {
				stuck = append(stuck, fmt.Sprintf("%s (pid %d)", c.Name, c.PID()))
			}
		}
		return killed, fmt.Errorf("processes did not exit even after SIGKILL: %s", strings.Join(stuck, ", "))
	}
	return killed, nil
}

// waitExited waits up to d for every component in comps to exit and reports whether they did.
func waitExited(comps []*Process, d time.Duration) bool {
	timeout := time.NewTimer(max(d, 0))
	defer timeout.Stop()
	for _, c := range comps {
		select {
		case <-c.done:
		case <-timeout.C:
			return false
		}
	}
	return true
}
