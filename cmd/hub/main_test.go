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
	"bytes"
	"strings"
	"testing"
)

// The flag parsing itself is cmdline's, tested there; these check what the hub adds to it.
func TestRunRejectsBadFlags(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "flotilla-system")
	expectRefused := func(args []string, want string) {
		t.Helper()
		var stderr bytes.Buffer
		if code := run(args, &stderr); code != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("run(%q): exit code %d, stderr %q; want 2 and %q", args, code, stderr.String(), want)
		}
	}
	expectRefused([]string{"regster"}, `flotilla-hub: unexpected arguments ["regster"] (the only subcommand is register)`)
	expectRefused([]string{"--member-sources=fleet"}, `--member-sources: unknown source "fleet"`)
	expectRefused([]string{"--webhook-cert-mode=vault"}, `--webhook-cert-mode "vault"`)
	t.Setenv("POD_NAMESPACE", "")
	expectRefused([]string{"--member-secret-namespace=fleet"}, "--webhook-cert-secret: its namespace, the hub's, is unknown: set $POD_NAMESPACE")
}

func TestRunHelp(t *testing.T) {
	var stderr bytes.Buffer
	if code := run([]string{"-help"}, &stderr); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	for _, f := range []string{"-member-sources", "-deletion-timeout", "-kubeconfig", "-zap-log-level", "-webhook-port",
		"-webhook-cert-secret", "-webhook-cert-mode", "-webhook-service", "-webhook-url", "-webhook-manage-crds"} {
		if !strings.Contains(stderr.String(), f) {
			t.Errorf("the usage does not list %s", f)
		}
	}
}
