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
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/flotilla-dev/flotilla/hack/versions"
)

// LWSVersion returns the LeaderWorkerSet release whose controller manager the tests run: the
// sigs.k8s.io/lws version go.mod pins, whose API the agent is built with, unless LWS_VERSION
// says otherwise.
func LWSVersion() string { return versions.Get(versions.LWS) }

// BinDirEnv names the environment variable that overrides the binary cache directory.
const BinDirEnv = "FLOTILLA_KUBE_BIN_DIR"

// KwokStagesFile is the name, inside BinDir, of the kwok Stage YAMLs passed to kwok --config.
const KwokStagesFile = "kwok-stages.yaml"

const (
	stampFile    = ".stamp"
	buildScript  = "hack/kube-binaries.sh"
	kubeAPIBin   = "kube-apiserver"
	kubeCMBin    = "kube-controller-manager"
	kubeSchedBin = "kube-scheduler"
	kubectlBin   = "kubectl"
	etcdBin      = "etcd"
	kwokBin      = "kwok"
	lwsBin       = "lws-controller-manager"
)

var requiredFiles = []string{kubeAPIBin, kubeCMBin, kubeSchedBin, kubectlBin, etcdBin, kwokBin, lwsBin, KwokStagesFile}

// ensureMu serialises EnsureBinaries within one test binary; the script's flock serialises
// concurrent test binaries.
var ensureMu sync.Mutex

// binaryVersions returns the versions of the binaries in the cache directory's name:
// hack/versions/versions.env's, or those the environment sets (KUBE_VERSION, ETCD_VERSION,
// KWOK_VERSION), as hack/kube-binaries.sh reads them.
func binaryVersions() (kube, etcd, kwok string) {
	return versions.Get(versions.Kube), versions.Get(versions.Etcd), versions.Get(versions.Kwok)
}

// BinDir returns the directory holding the control-plane binaries, with the same rules as
// hack/kube-binaries.sh: $FLOTILLA_KUBE_BIN_DIR if set, else
// ${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/bin/k8s-<kube>-etcd-<etcd>-kwok-<kwok>.
// It does not check that the binaries exist; see EnsureBinaries.
func BinDir() string {
	if d := os.Getenv(BinDirEnv); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		cache = filepath.Join(home, ".cache")
	}
	kube, etcd, kwok := binaryVersions()
	return filepath.Join(cache, "flotilla", "bin", fmt.Sprintf("k8s-%s-etcd-%s-kwok-%s", kube, etcd, kwok))
}

// stampContent is what hack/kube-binaries.sh writes into the stamp file once it has built every
// binary for the configured versions.
func stampContent() string {
	kube, etcd, kwok := binaryVersions()
	return fmt.Sprintf("kube=%s etcd=%s kwok=%s lws=%s", kube, etcd, kwok, LWSVersion())
}

// binariesComplete reports whether dir holds a finished build for the configured versions.
func binariesComplete(dir string) bool {
	stamp, err := os.ReadFile(filepath.Join(dir, stampFile))
	if err != nil || strings.TrimSpace(string(stamp)) != stampContent() {
		return false
	}
	for _, f := range requiredFiles {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			return false
		}
	}
	return true
}

// EnsureBinaries returns BinDir after making sure it holds a complete build. When the build
// stamp is missing it runs hack/kube-binaries.sh (found by walking up from the working
// directory to the repository root) and streams its output to stderr. A cold build takes
// about ten minutes on two cores; a warm call returns at once.
func EnsureBinaries(ctx context.Context) (string, error) {
	ensureMu.Lock()
	defer ensureMu.Unlock()

	dir := BinDir()
	if binariesComplete(dir) {
		return dir, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", fmt.Errorf("kube binaries are missing from %s and the build script cannot be found: %w", dir, err)
	}
	script := filepath.Join(root, buildScript)
	fmt.Fprintf(os.Stderr, "testenv: kube binaries missing from %s; running %s (about 10 min when cold)\n", dir, script)

	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), BinDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// On cancellation kill the whole group (bash and the go builds it runs).
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("running %s: %w", script, err)
	}
	last := <-streamLines(stdout, os.Stderr) // read everything before Wait closes the pipe
	if err := cmd.Wait(); err != nil {
		return "", fmt.Errorf("%s failed (see its output above): %w", script, err)
	}
	if got := strings.TrimSpace(last); got != "" && filepath.Clean(got) != filepath.Clean(dir) {
		return "", fmt.Errorf("%s built into %q, expected %q", script, got, dir)
	}
	if !binariesComplete(dir) {
		return "", fmt.Errorf("%s succeeded but %s is still incomplete (missing %s or a binary)", script, dir, stampFile)
	}
	return dir, nil
}

// streamLines copies r to w line by line and delivers the last line once r is exhausted.
func streamLines(r io.Reader, w io.Writer) <-chan string {
	last := make(chan string, 1)
	go func() {
		var line string
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line = sc.Text()
			fmt.Fprintln(w, line)
		}
		last <- line
	}()
	return last
}

// repoRoot finds the repository root: the nearest directory, walking up from the working
// directory (and then from this source file), that has a go.mod and hack/kube-binaries.sh.
func repoRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, start := range starts {
		for d := start; ; d = filepath.Dir(d) {
			if isFile(filepath.Join(d, "go.mod")) && isFile(filepath.Join(d, buildScript)) {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", errors.New("no directory with go.mod and " + buildScript + " above the working directory")
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
