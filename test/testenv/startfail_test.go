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
	"path/filepath"
	"strings"
	"testing"
)

// fakeBinDir makes a complete-looking binary cache whose etcd prints msg and exits 3.
func fakeBinDir(t *testing.T, msg string) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range requiredFiles {
		script := "#!/bin/sh\nsleep 60\n"
		if f == etcdBin {
			script = fmt.Sprintf("#!/bin/sh\necho 'starting'\necho '%s' >&2\nexit 3\n", msg)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	stamp := stampContent() + "\n"
	if err := os.WriteFile(filepath.Join(dir, stampFile), []byte(stamp), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(BinDirEnv, dir)
}

func TestStartClusterFailureCarriesLogTail(t *testing.T) {
	fakeBinDir(t, "fatal: the disk is on fire")
	logDir := t.TempDir()
	c, err := StartCluster(t.Context(), Options{Name: "broken", LogDir: logDir})
	if err == nil {
		_ = c.Stop()
		t.Fatal("StartCluster succeeded with a failing etcd")
	}
	t.Log(err)
	for _, want := range []string{"etcd exited", "exit status 3", "the disk is on fire"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if errors.Is(err, errPortInUse) {
		t.Errorf("an unrelated failure is reported as a port clash: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(logDir, "etcd.log")); statErr != nil {
		t.Errorf("the etcd log was not kept in Options.LogDir: %v", statErr)
	}
	liveMu.Lock()
	defer liveMu.Unlock()
	for s := range live {
		if _, ok := s.(*Cluster); ok {
			t.Errorf("cluster %s still tracked after a failed start", s.(*Cluster).Name())
		}
	}
}

func TestStartClusterRetriesOnPortClash(t *testing.T) {
	fakeBinDir(t, "listen tcp 127.0.0.1:2379: bind: address already in use")
	logs := []string{}
	_, err := StartCluster(t.Context(), Options{Name: "clash", Logf: func(f string, a ...any) {
		logs = append(logs, fmt.Sprintf(f, a...))
	}})
	if !errors.Is(err, errPortInUse) {
		t.Fatalf("want a port clash error, got %v", err)
	}
	retries := 0
	for _, l := range logs {
		if strings.Contains(l, "retrying with fresh ports") {
			retries++
		}
	}
	if retries != startTries-1 {
		t.Errorf("%d retries, want %d; log:\n%s", retries, startTries-1, strings.Join(logs, ""))
	}
}
