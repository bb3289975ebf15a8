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
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv selects the role of a re-executed test binary in the tests below.
const helperEnv = "FLOTILLA_TESTENV_HELPER"

// TestMain runs the tests, or, when the test binary is re-executed with FLOTILLA_TESTENV_HELPER
// set, plays the helper process of TestClusterProcessesDieWithTheTestBinary.
func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		runHelperProcess(mode)
		return
	}
	os.Exit(m.Run())
}

// runHelperProcess starts a cluster, prints its PIDs and directory, then leaves without calling
// Stop, either by SIGTERM to itself ("sigterm") or by os.Exit ("exit").
func runHelperProcess(mode string) {
	c, err := StartCluster(context.Background(), Options{Name: "helper-" + mode})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	var pids []string
	for _, pid := range c.PIDs() {
		pids = append(pids, strconv.Itoa(pid))
	}
	fmt.Println("DIR", c.Dir())
	fmt.Println("PIDS", strings.Join(pids, " "))
	switch mode {
	case "sigterm":
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		time.Sleep(time.Minute) // the signal handler stops the cluster and re-raises SIGTERM
		fmt.Println("ERROR still alive a minute after SIGTERM")
		os.Exit(3)
	case "exit":
		os.Exit(4) // no Stop, no handler: only Pdeathsig kills the processes
	}
}

// TestClusterProcessesDieWithTheTestBinary checks the two backstops behind Cluster.Stop: the
// SIGTERM handler (which also removes the cluster directory) and Pdeathsig.
func TestClusterProcessesDieWithTheTestBinary(t *testing.T) {
	if _, err := EnsureBinaries(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode       string
		dirRemoved bool
		check      func(*os.ProcessState) error
	}{
		{"sigterm", true, func(ps *os.ProcessState) error {
			if ws, ok := ps.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
				return fmt.Errorf("child ended with %v, want killed by SIGTERM", ps)
			}
			return nil
		}},
		{"exit", false, func(ps *os.ProcessState) error {
			if ps.ExitCode() != 4 {
				return fmt.Errorf("child ended with %v, want exit status 4", ps)
			}
			return nil
		}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0])
			cmd.Env = append(os.Environ(), helperEnv+"="+tc.mode)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var pids []int
			var dir string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "DIR "):
					dir = strings.TrimPrefix(line, "DIR ")
				case strings.HasPrefix(line, "PIDS "):
					for _, f := range strings.Fields(strings.TrimPrefix(line, "PIDS ")) {
						pid, _ := strconv.Atoi(f)
						pids = append(pids, pid)
					}
				case strings.HasPrefix(line, "ERROR"):
					t.Error(line)
				}
			}
			waitErr := cmd.Wait()
			var exitErr *exec.ExitError
			if waitErr != nil && !errors.As(waitErr, &exitErr) {
				t.Fatal(waitErr)
			}
			if err := tc.check(cmd.ProcessState); err != nil {
				t.Error(err)
			}
			if len(pids) != 5 {
				t.Fatalf("child reported pids %v, want 5", pids)
			}
			if !tc.dirRemoved {
				t.Cleanup(func() { _ = os.RemoveAll(dir) })
			}
			// The handler has stopped everything before the child died; Pdeathsig's SIGKILL is
			// delivered asynchronously, so allow it a moment.
			deadline := time.Now().Add(10 * time.Second)
			for _, pid := range pids {
				for !processGone(pid) {
					if time.Now().After(deadline) {
						_ = syscall.Kill(pid, syscall.SIGKILL)
						t.Fatalf("pid %d outlived the test binary", pid)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			if _, err := os.Stat(dir); tc.dirRemoved && !os.IsNotExist(err) {
				t.Errorf("cluster directory %s survived the signal handler", dir)
			}
		})
	}
}

// processGone reports whether pid no longer runs (ESRCH) or is a zombie.
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return os.IsNotExist(err)
	}
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}
