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

// Command runc-wrapper is an OCI runtime for Docker on hosts whose capability bounding set lacks
// capabilities that a privileged container asks for (seen: a VM without CAP_SYS_RESOURCE, where
// `docker run --privileged`, and so kind, fails with "unable to apply caps: operation not
// permitted"). It removes every capability absent from its own bounding set from the bundle's
// config.json (`runc create|run --bundle`) and from the process JSON of `runc exec --process`
// (and drops such `--cap` flags), then execs the real runc with the same arguments. Nothing else
// changes: the container gets every capability the host can give.
//
// hack/kind/host-prep.sh builds it and makes it Docker's default runtime only where the
// restriction is detected. The real runc is -X main.runtimePath (default /usr/sbin/runc, else
// the first runc on PATH that is not this program); FLOTILLA_RUNC overrides both.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// runtimePath is the real runc; set with -ldflags "-X main.runtimePath=...".
var runtimePath = "/usr/sbin/runc"

// capNames are Linux capabilities by number (linux/capability.h), as OCI names them.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// globalFlagsWithValue are runc's global flags that take a separate value.
var globalFlagsWithValue = map[string]bool{
	"--root": true, "--log": true, "--log-format": true, "--criu": true, "--rootless": true,
}

func main() {
	args := os.Args[1:]
	missing, err := missingCaps("/proc/self/status")
	if err == nil && len(missing) > 0 {
		args, err = adjust(args, missing)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "runc-wrapper: %v\n", err)
		os.Exit(1)
	}
	runc, err := realRuntime()
	if err != nil {
		fmt.Fprintf(os.Stderr, "runc-wrapper: %v\n", err)
		os.Exit(1)
	}
	argv := append([]string{"runc"}, args...)
	if err := syscall.Exec(runc, argv, os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "runc-wrapper: exec %s: %v\n", runc, err)
		os.Exit(1)
	}
}

// realRuntime finds the runc to exec: $FLOTILLA_RUNC, runtimePath, else the first runc on PATH
// that is not this program.
func realRuntime() (string, error) {
	if p := os.Getenv("FLOTILLA_RUNC"); p != "" {
		return p, nil
	}
	if fi, err := os.Stat(runtimePath); err == nil && !fi.IsDir() && !isSelf(runtimePath) {
		return runtimePath, nil
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, "runc")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 && !isSelf(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no runc found (tried %s and PATH)", runtimePath)
}

func isSelf(p string) bool {
	self, err := os.Executable()
	if err != nil {
		return false
	}
	a, errA := os.Stat(self)
	b, errB := os.Stat(p)
	return errA == nil && errB == nil && os.SameFile(a, b)
}

// missingCaps returns the names of the capabilities this process's bounding set lacks, read
// from the CapBnd line of a /proc/<pid>/status file.
func missingCaps(statusFile string) (map[string]bool, error) {
	f, err := os.Open(statusFile)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if !strings.HasPrefix(line, "CapBnd:") {
			continue
		}
		bnd, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(line, "CapBnd:")), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("parse CapBnd in %s: %w", statusFile, err)
		}
		return missingFromBounding(bnd), nil
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("no CapBnd in %s", statusFile)
}

// missingFromBounding returns the known capabilities that a bounding set lacks.
func missingFromBounding(bnd uint64) map[string]bool {
	missing := map[string]bool{}
	for i, name := range capNames {
		if bnd&(1<<uint(i)) == 0 {
			missing[name] = true
		}
	}
	return missing
}

// adjust rewrites the OCI JSON that a runc invocation reads so that it asks for none of the
// missing capabilities, and returns the arguments to pass on (without --cap flags for them).
func adjust(args []string, missing map[string]bool) ([]string, error) {
	sub, rest := subcommand(args)
	if sub < 0 {
		return args, nil
	}
	switch args[sub] {
	case "create", "run":
		bundle := flagValue(rest, "--bundle", "-b")
		if bundle == "" {
			bundle = "."
		}
		if err := rewrite(filepath.Join(bundle, "config.json"), missing, true); err != nil {
			return nil, err
		}
	case "exec":
		if p := flagValue(rest, "--process", "-p"); p != "" {
			if err := rewrite(p, missing, false); err != nil {
				return nil, err
			}
		}
		out := append([]string{}, args[:sub+1]...)
		for i := 0; i < len(rest); i++ {
			a := rest[i]
			if (a == "--cap" || a == "-c") && i+1 < len(rest) && missing[capName(rest[i+1])] {
				i++
				continue
			}
			if v, ok := strings.CutPrefix(a, "--cap="); ok && missing[capName(v)] {
				continue
			}
			out = append(out, a)
		}
		return out, nil
	}
	return args, nil
}

// subcommand returns the index of runc's subcommand in args (-1 if none) and the arguments after it.
func subcommand(args []string) (int, []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return -1, nil
		}
		if strings.HasPrefix(a, "-") {
			if !strings.Contains(a, "=") && globalFlagsWithValue[a] {
				i++
			}
			continue
		}
		return i, args[i+1:]
	}
	return -1, nil
}

// flagValue returns the value of a flag given as "--long v", "--long=v", "-s v" or "-s=v".
func flagValue(args []string, long, short string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		for _, name := range []string{long, short, "-" + long} {
			if a == name && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, name+"="); ok {
				return v
			}
		}
	}
	return ""
}

func capName(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(s, "CAP_") {
		s = "CAP_" + s
	}
	return s
}

// rewrite removes the missing capabilities from an OCI config.json (inProcess: under
// "process") or a process JSON, keeping everything else as it is. It writes only on a change.
func rewrite(path string, missing map[string]bool, inProcess bool) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, changed, err := filterJSON(raw, missing, inProcess)
	if err != nil || !changed {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp := path + ".runc-wrapper.tmp"
	if err := os.WriteFile(tmp, out, fi.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// filterJSON is rewrite on bytes.
func filterJSON(raw []byte, missing map[string]bool, inProcess bool) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep large integers (rlimits, ids) exactly
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, false, err
	}
	proc := doc
	if inProcess {
		p, ok := doc["process"].(map[string]any)
		if !ok {
			return raw, false, nil
		}
		proc = p
	}
	caps, ok := proc["capabilities"].(map[string]any)
	if !ok {
		return raw, false, nil
	}
	changed := false
	for set, v := range caps {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		kept := make([]any, 0, len(list))
		for _, c := range list {
			if s, ok := c.(string); ok && missing[s] {
				changed = true
				continue
			}
			kept = append(kept, c)
		}
		caps[set] = kept
	}
	if !changed {
		return raw, false, nil
	}
	out, err := json.Marshal(doc)
	return out, true, err
}
