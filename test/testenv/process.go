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

// component is one control-plane process, its output going to <logDir>/<name>.log.
type component struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once the process has exited and been reaped
	waitErr error         // valid after done is closed
}

// startComponent starts bin with args in its own process group, output appended to a log file.
func startComponent(name, bin string, args []string, logDir string) (*component, error) {
	logPath := filepath.Join(logDir, name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	// The child gets its own copy of the descriptor; ours is not needed after Start.
	defer logFile.Close()
	fmt.Fprintf(logFile, "### %s %s\n", bin, strings.Join(args, " "))

	cmd := exec.Command(bin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &component{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// pid returns the process id (also its process-group id).
func (c *component) pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has exited.
func (c *component) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// signalGroup sends sig to the component's process group, if the process is still running.
func (c *component) signalGroup(sig syscall.Signal) {
	if c.exited() {
		return
	}
	if err := syscall.Kill(-c.pid(), sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = c.cmd.Process.Signal(sig)
	}
}

// exitError describes an exited component with the tail of its log.
func (c *component) exitError() error {
	tail := tailFile(c.logPath, 30)
	if c.waitErr == nil {
		return fmt.Errorf("%s exited with status 0; last lines of %s:\n%s", c.name, c.logPath, tail)
	}
	return fmt.Errorf("%s exited (%w); last lines of %s:\n%s", c.name, c.waitErr, c.logPath, tail)
}

// logTail returns the last n lines of the component's log.
func (c *component) logTail(n int) string { return tailFile(c.logPath, n) }

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
func stopComponents(stages [][]*component, grace time.Duration) (killed []string, err error) {
	deadline := time.Now().Add(grace)
	var all []*component
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
		if !c.exited() {
			killed = append(killed, c.name)
			c.signalGroup(syscall.SIGKILL)
		}
	}
	if !waitExited(all, 10*time.Second) {
		var stuck []string
		for _, c := range all {
			if !c.exited() {
				stuck = append(stuck, fmt.Sprintf("%s (pid %d)", c.name, c.pid()))
			}
		}
		return killed, fmt.Errorf("processes did not exit even after SIGKILL: %s", strings.Join(stuck, ", "))
	}
	return killed, nil
}

// waitExited waits up to d for every component in comps to exit and reports whether they did.
func waitExited(comps []*component, d time.Duration) bool {
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
