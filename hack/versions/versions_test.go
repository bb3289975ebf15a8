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

package versions

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository root, from this package's directory (go test's working directory).
var repoRoot = filepath.Join("..", "..")

// goModVersion returns the version the go.mod at path requires of module, and fails the test if
// it requires none or replaces the module (a replace would make that version meaningless).
func goModVersion(t *testing.T, path, module string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	q := regexp.QuoteMeta(module)
	if regexp.MustCompile(`(?m)^\s*(replace\s+)?` + q + `(\s+v\S+)?\s+=>`).Match(data) {
		t.Fatalf("%s replaces %s", path, module)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + q + `\s+(v\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s does not require %s", path, module)
	}
	return string(m[1])
}

func TestTheFileParses(t *testing.T) {
	if len(Names()) == 0 {
		t.Fatal("versions.env pins nothing")
	}
	for _, n := range []string{Kube, Etcd, Kwok, LWS} {
		if !slices.Contains(Names(), n) {
			t.Errorf("versions.env does not pin %s", n)
		}
	}
}

func TestParseRefusesWhatTheScriptsRefuse(t *testing.T) {
	for _, text := range []string{
		"KUBE_VERSION = v1.36.3\n",
		"KUBE_VERSION=\"v1.36.3\"\n",
		"KUBE_VERSION=v1.36.3 # comment\n",
		"KUBE_VERSION=\n",
		"export KUBE_VERSION=v1.36.3\n",
		"kube_version=v1.36.3\n",
		"KUBE_VERSION=v1.36.3\nKUBE_VERSION=v1.36.4\n",
	} {
		if _, _, err := Parse(text); err == nil {
			t.Errorf("Parse(%q) accepted it", text)
		}
	}
	pins, names, err := Parse("# c\n\n  # indented comment\nA_1=v1.2.3+x\nB=bookworm\n")
	if err != nil || !slices.Equal(names, []string{"A_1", "B"}) || pins["A_1"] != "v1.2.3+x" || pins["B"] != "bookworm" {
		t.Errorf("Parse: %v %v %v", pins, names, err)
	}
}

func TestGetPrefersANonEmptyEnvironment(t *testing.T) {
	t.Setenv(Kube, "")
	if got := Get(Kube); got != Pinned(Kube) {
		t.Errorf("Get(%s) with the variable empty = %q, want the pin %q", Kube, got, Pinned(Kube))
	}
	t.Setenv(Kube, "v1.2.3")
	if got := Get(Kube); got != "v1.2.3" {
		t.Errorf("Get(%s) = %q, want the environment's v1.2.3", Kube, got)
	}
}

// The LeaderWorkerSet controller the tests and the kind topology run is the release whose API the
// agent is built with, and whose chart the kind topology (test/kind-multi/topology) installs.
func TestLeaderWorkerSetIsGoModsVersion(t *testing.T) {
	if got := goModVersion(t, filepath.Join(repoRoot, "go.mod"), "sigs.k8s.io/lws"); got != Pinned(LWS) {
		t.Errorf("go.mod requires sigs.k8s.io/lws %s, versions.env pins %s=%s: make them equal", got, LWS, Pinned(LWS))
	}
}

// The control plane the tests run is the minor release of the client libraries the operator is
// built with (k8s.io/api v0.X.Y goes with Kubernetes v1.X).
func TestKubernetesIsGoModsMinor(t *testing.T) {
	api := goModVersion(t, filepath.Join(repoRoot, "go.mod"), "k8s.io/api")
	minor := func(v, prefix string) string {
		rest, ok := strings.CutPrefix(v, prefix)
		if !ok {
			t.Fatalf("%s does not start with %s", v, prefix)
		}
		return strings.SplitN(rest, ".", 2)[0]
	}
	if a, k := minor(api, "v0."), minor(Pinned(Kube), "v1."); a != k {
		t.Errorf("go.mod requires k8s.io/api %s (Kubernetes 1.%s), versions.env pins %s=%s", api, a, Kube, Pinned(Kube))
	}
}

// hack/lib/versions.sh, which every script sources, reads the same pins, and lets a non-empty
// environment variable win.
func TestTheShellLoaderAgrees(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	script := `source hack/lib/versions.sh; for n in "$@"; do echo "$n=${!n}"; done`
	run := func(env ...string) map[string]string {
		cmd := exec.Command("bash", append([]string{"-euc", script, "bash"}, Names()...)...)
		cmd.Dir = repoRoot
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash: %v", err)
		}
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			k, v, _ := strings.Cut(line, "=")
			got[k] = v
		}
		return got
	}
	got := run(Kube + "=") // empty: the pin, as with ${KUBE_VERSION:-...}
	for _, n := range Names() {
		if got[n] != Pinned(n) {
			t.Errorf("hack/lib/versions.sh sets %s=%q, versions.env pins %q", n, got[n], Pinned(n))
		}
	}
	if got := run(Etcd + "=v9.9.9")[Etcd]; got != "v9.9.9" {
		t.Errorf("with %s=v9.9.9 in the environment hack/lib/versions.sh sets %q", Etcd, got)
	}
}

// The Makefile reads the same pins (its help texts and targets use them).
func TestTheMakefileAgrees(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	var vars []string
	for _, n := range Names() {
		vars = append(vars, n+"=$("+n+")")
	}
	cmd := exec.Command("make", "-s", "--no-print-directory", "--eval", "print-pins: ; @echo '"+strings.Join(vars, " ")+"'", "print-pins")
	cmd.Dir = repoRoot
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make: %v", err)
	}
	for _, kv := range strings.Fields(string(out)) {
		k, v, _ := strings.Cut(kv, "=")
		if v != Pinned(k) {
			t.Errorf("the Makefile has %s=%q, versions.env pins %q", k, v, Pinned(k))
		}
	}
	if n := len(strings.Fields(string(out))); n != len(Names()) {
		t.Errorf("the Makefile printed %d pins, versions.env has %d: %s", n, len(Names()), out)
	}
}

// No script or Makefile spells a pinned value out again: they read versions.env.
func TestNoScriptRepeatsAPin(t *testing.T) {
	var values []*regexp.Regexp
	for _, n := range Names() {
		// The value as a word of its own (not part of a longer version).
		values = append(values, regexp.MustCompile(`(^|[^0-9A-Za-z.])`+regexp.QuoteMeta(Pinned(n))+`($|[^0-9A-Za-z])`))
	}
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || path == filepath.Join(repoRoot, "hack", "versions") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".sh") && d.Name() != "Makefile" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, re := range values {
				if re.MatchString(line) {
					t.Errorf("%s:%d repeats a version of hack/versions/versions.env: %s", path, i+1, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
