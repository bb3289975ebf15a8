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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flotilla-dev/flotilla/hack/versions"
)

func TestBinDir(t *testing.T) {
	etcdKwok := "-etcd-" + versions.Pinned(versions.Etcd) + "-kwok-" + versions.Pinned(versions.Kwok)
	t.Setenv(BinDirEnv, "")
	t.Setenv("KUBE_VERSION", "")
	t.Setenv("ETCD_VERSION", "")
	t.Setenv("KWOK_VERSION", "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if got, want := BinDir(), "/xdg/flotilla/bin/k8s-"+versions.Pinned(versions.Kube)+etcdKwok; got != want {
		t.Errorf("BinDir() = %q, want %q", got, want)
	}
	t.Setenv("KUBE_VERSION", "v1.35.0")
	if got, want := BinDir(), "/xdg/flotilla/bin/k8s-v1.35.0"+etcdKwok; got != want {
		t.Errorf("BinDir() = %q, want %q", got, want)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got, want := BinDir(), "/home/u/.cache/flotilla/bin/k8s-v1.35.0"+etcdKwok; got != want {
		t.Errorf("BinDir() = %q, want %q", got, want)
	}
	t.Setenv(BinDirEnv, "/opt/kube")
	if got := BinDir(); got != "/opt/kube" {
		t.Errorf("BinDir() = %q, want /opt/kube", got)
	}
}

// BinDir names the directory hack/kube-binaries.sh builds into, in every environment.
func TestBinDirIsTheScripts(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range [][]string{
		{},
		{"KUBE_VERSION=v1.35.0", "ETCD_VERSION=v3.6.0", "KWOK_VERSION=v0.7.0"},
		{"KUBE_VERSION="},
		{"XDG_CACHE_HOME=/xdg"},
		{BinDirEnv + "=/opt/kube"},
	} {
		name := strings.Join(env, ",")
		if name == "" {
			name = "pins"
		}
		t.Run(name, func(t *testing.T) {
			for _, name := range []string{BinDirEnv, "KUBE_VERSION", "ETCD_VERSION", "KWOK_VERSION", "XDG_CACHE_HOME"} {
				t.Setenv(name, "")
			}
			t.Setenv("HOME", "/home/u")
			for _, kv := range env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			cmd := exec.Command("bash", filepath.Join(root, buildScript), "--print-dir")
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := BinDir(), strings.TrimSpace(string(out)); got != want {
				t.Errorf("BinDir() = %q, %s --print-dir prints %q", got, buildScript, want)
			}
		})
	}
}

func TestBinariesCompleteNeedsStampAndFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("KUBE_VERSION", "")
	t.Setenv("ETCD_VERSION", "")
	t.Setenv("KWOK_VERSION", "")
	t.Setenv("LWS_VERSION", "")
	for _, f := range requiredFiles {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if binariesComplete(dir) {
		t.Error("complete without a stamp")
	}
	stamp := filepath.Join(dir, stampFile)
	// The stamp as hack/kube-binaries.sh writes it.
	content := "kube=" + versions.Pinned(versions.Kube) + " etcd=" + versions.Pinned(versions.Etcd) +
		" kwok=" + versions.Pinned(versions.Kwok) + " lws=" + versions.Pinned(versions.LWS) + "\n"
	if err := os.WriteFile(stamp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if !binariesComplete(dir) {
		t.Error("not complete with stamp and files")
	}
	t.Setenv("KWOK_VERSION", "v0.9.0")
	if binariesComplete(dir) {
		t.Error("complete although the stamp is for another kwok version")
	}
	t.Setenv("KWOK_VERSION", "")
	t.Setenv("LWS_VERSION", "v0.9.0")
	if binariesComplete(dir) {
		t.Error("complete although the stamp is for another LeaderWorkerSet version")
	}
	t.Setenv("LWS_VERSION", "")
	_ = os.Remove(filepath.Join(dir, etcdBin))
	if binariesComplete(dir) {
		t.Error("complete without etcd")
	}
}

func TestRepoRootFindsBuildScript(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, buildScript)); err != nil {
		t.Error(err)
	}
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{"": "flotilla", "Hub_1": "hub-1", "a/b.c": "a-b-c", "--x--": "x", "é": "flotilla"} {
		if got := sanitizeName(in); got != want {
			t.Errorf("sanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}
