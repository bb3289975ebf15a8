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

func TestRunRejectsBadFlags(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "flotilla-system")
	for name, tc := range map[string]struct {
		args []string
		want []string
	}{
		"unknown flag":         {[]string{"--restricted-namespace=a"}, []string{"flag provided but not defined: -restricted-namespace"}},
		"positional arguments": {[]string{"team-a"}, []string{`unexpected arguments ["team-a"] (the only subcommand is wire-conversion)`}},
		"invalid combination": {[]string{"--inventory-source=declared", "--zap-log-level=debug"},
			[]string{"invalid flags", "--inventory-source=declared needs a non-empty --declared-capacity"}},
		"bad zap flag": {[]string{"--zap-encoder=xml"}, []string{"-zap-encoder"}},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(tc.args, &stderr); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not contain %q", stderr.String(), w)
				}
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	var stderr bytes.Buffer
	if code := run([]string{"-help"}, &stderr); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	for _, f := range []string{"-watch-namespace", "-declared-capacity", "-ignore-taint-key", "-kubeconfig", "-zap-log-level",
		"-webhook-port", "-webhook-cert-secret", "-webhook-cert-mode", "-webhook-service", "-webhook-url", "-webhook-manage-crds"} {
		if !strings.Contains(stderr.String(), f) {
			t.Errorf("the usage does not list %s", f)
		}
	}
}
