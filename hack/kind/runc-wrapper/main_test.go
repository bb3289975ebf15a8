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

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestMissingFromBounding(t *testing.T) {
	// The bounding set seen on a VM without CAP_SYS_RESOURCE (bit 24).
	got := missingFromBounding(0x000001fffeffffff)
	if !reflect.DeepEqual(got, map[string]bool{"CAP_SYS_RESOURCE": true}) {
		t.Errorf("missing = %v, want only CAP_SYS_RESOURCE", got)
	}
	if got := missingFromBounding(0x000001ffffffffff); len(got) != 0 {
		t.Errorf("full set: missing = %v, want none", got)
	}
}

func TestMissingCaps(t *testing.T) {
	dir := t.TempDir()
	status := filepath.Join(dir, "status")
	if err := os.WriteFile(status, []byte("Name:\trunc\nCapPrm:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := missingCaps(status)
	if err != nil || !got["CAP_SYS_RESOURCE"] || len(got) != 1 {
		t.Errorf("missingCaps = %v, %v", got, err)
	}
}

var missing = map[string]bool{"CAP_SYS_RESOURCE": true}

func TestAdjustCreate(t *testing.T) {
	bundle := t.TempDir()
	cfg := `{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"args":["/true"],` +
		`"rlimits":[{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":1048576}],` +
		`"capabilities":{"bounding":["CAP_CHOWN","CAP_SYS_RESOURCE"],"effective":["CAP_SYS_RESOURCE","CAP_KILL"],` +
		`"permitted":["CAP_SYS_RESOURCE"],"inheritable":[],"ambient":["CAP_FUTURE_THING"]}},"root":{"path":"rootfs"}}`
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--root", "/var/run/docker/runtime-runc/moby", "--log", "/x/log.json", "--log-format", "json",
		"create", "--bundle", bundle, "--pid-file", "/x/init.pid", "abc"}
	out, err := adjust(args, missing)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, args) {
		t.Errorf("args changed: %v", out)
	}
	raw, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Process struct {
			Rlimits []struct {
				Hard json.Number `json:"hard"`
			} `json:"rlimits"`
			Capabilities map[string][]string `json:"capabilities"`
		} `json:"process"`
		Root struct{ Path string } `json:"root"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"bounding": {"CAP_CHOWN"}, "effective": {"CAP_KILL"}, "permitted": {}, "inheritable": {},
		"ambient": {"CAP_FUTURE_THING"}, // unknown names are kept
	}
	if !reflect.DeepEqual(doc.Process.Capabilities, want) {
		t.Errorf("capabilities = %v, want %v", doc.Process.Capabilities, want)
	}
	if doc.Process.Rlimits[0].Hard != "18446744073709551615" || doc.Root.Path != "rootfs" {
		t.Errorf("other fields changed: %s", raw)
	}
	fi, _ := os.Stat(filepath.Join(bundle, "config.json"))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestAdjustCreateUnchangedIsNotRewritten(t *testing.T) {
	bundle := t.TempDir()
	cfg := `{"process":{"capabilities":{"bounding":["CAP_CHOWN"]}},  "x": 1}`
	p := filepath.Join(bundle, "config.json")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := adjust([]string{"run", "-b=" + bundle, "id"}, missing); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(p); string(raw) != cfg {
		t.Errorf("rewritten: %s", raw)
	}
}

func TestAdjustExec(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "process.json")
	if err := os.WriteFile(p, []byte(`{"args":["sh"],"capabilities":{"bounding":["CAP_SYS_RESOURCE","CAP_NET_ADMIN"]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--root", "/r", "exec", "--process", p, "--cap", "CAP_SYS_RESOURCE", "--cap=sys_resource",
		"--cap", "NET_RAW", "--detach", "id"}
	out, err := adjust(args, missing)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--root", "/r", "exec", "--process", p, "--cap", "NET_RAW", "--detach", "id"}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("args = %v, want %v", out, want)
	}
	raw, _ := os.ReadFile(p)
	if string(raw) != `{"args":["sh"],"capabilities":{"bounding":["CAP_NET_ADMIN"]}}` {
		t.Errorf("process.json = %s", raw)
	}
}

func TestAdjustOtherCommands(t *testing.T) {
	for _, args := range [][]string{
		{"--version"},
		{"--root", "/r", "state", "id"},
		{"--root", "/r", "delete", "--force", "id"},
		{"--log", "create", "features"}, // a flag value that looks like a subcommand
	} {
		out, err := adjust(args, missing)
		if err != nil || !reflect.DeepEqual(out, args) {
			t.Errorf("adjust(%v) = %v, %v", args, out, err)
		}
	}
}
