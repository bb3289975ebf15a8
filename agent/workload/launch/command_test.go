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

package launch

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

// TestShellQuoteForBashC translates upstream's TestShellQuoteForBashC
// (deploy/operator/internal/dynamo/backend_trtllm_test.go at 015d780ba9c3).
func TestShellQuoteForBashC(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Simple flag - no quoting needed", "--model-path", "--model-path"},
		{"Simple path - no quoting needed", "/usr/bin/python3", "/usr/bin/python3"},
		{"Empty string - no quoting needed", "", ""},
		{"JSON override-engine-args (primary use case)", `{"load_format": "DUMMY", "tensor_parallel_size": 8}`, `"{\"load_format\": \"DUMMY\", \"tensor_parallel_size\": 8}"`},
		{"String with dollar sign is escaped", "$HOME/path", `"\$HOME/path"`},
		{"String with backtick is escaped", "hello `world`", "\"hello \\`world\\`\""},
		{"Backslash is escaped first to avoid double-escaping", `path\to\file`, `"path\\to\\file"`},
		{"Single quote breaks out of outer bash -c context", "it's", `"it'"'"'s"`},
		// Ours: the other characters that trigger quoting, and bytes that are not UTF-8.
		{"braces, brackets and bang", "a{b}[c]!", `"a{b}[c]!"`},
		{"tab and newline", "a\tb\nc", "\"a\tb\nc\""},
		{"invalid UTF-8 kept byte for byte", "a \xff", "\"a \xff\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := shellQuoteForBashC(tc.in); got != tc.want {
				t.Errorf("shellQuoteForBashC(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestIsPythonCommand translates upstream's TestIsPythonCommand
// (deploy/operator/internal/dynamo/backend_sglang_test.go at 015d780ba9c3).
func TestIsPythonCommand(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want bool
	}{
		{"python", true},
		{"python3", true},
		{"python2", true},
		{"python3.11", true},
		{"python2.7", true},
		{"python3.12.1", true},
		{"/usr/bin/python", true},
		{"/usr/bin/python3", true},
		{"/usr/bin/python3.8", true},
		{"/usr/bin/python2.7", true},
		{"/opt/python/bin/python3.11", true},
		{"/usr/local/bin/python3.12.1", true},
		{"/home/user/.pyenv/shims/python3.9", true},
		{"./python3", true},
		{"../bin/python", true},
		{"bin/python3.10", true},
		{"java", false},
		{"sh", false},
		{"node", false},
		{"python-config", false},
		{"/usr/bin/python-config", false},
		{"", false},
		{"python ", false},
		{"/usr/bin/python ", false},
		{"pythonx", false},
		{"/usr/bin/pythonx", false},
		{"/usr/bin/", false},
		{"python/", false},
		{"/usr/bin/python/", false},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			if got := isPythonCommand(tc.cmd); got != tc.want {
				t.Errorf("isPythonCommand(%q) = %v, want %v", tc.cmd, got, tc.want)
			}
		})
	}
}

// TestInjectFlagsDoesNotWriteThroughSharedArgs: the caller's args slice is not written through,
// even when it has spare capacity or is shared with another container.
func TestInjectFlagsDoesNotWriteThroughSharedArgs(t *testing.T) {
	shared := make([]string, 2, 8)
	copy(shared, []string{"-m", "dynamo.sglang"})
	c := &corev1.Container{Command: []string{"python3"}, Args: shared}
	if !injectFlags(c, "--a 1", false, BackendSGLang) {
		t.Fatal("not injected")
	}
	if diff := cmp.Diff([]string{"-m", "dynamo.sglang", "--a", "1"}, c.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if got := shared[:cap(shared)][2]; got != "" {
		t.Errorf("shared backing array written: %q", got)
	}

	script := []string{"python -m dynamo.sglang"}
	c = &corev1.Container{Command: []string{"sh", "-c"}, Args: script}
	injectFlags(c, "--a 1", false, BackendSGLang)
	if script[0] != "python -m dynamo.sglang" {
		t.Errorf("shared script written: %q", script[0])
	}
}
