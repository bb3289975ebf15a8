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

package cmdline

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

// testFlags is a binary's own flags: one string flag that must not be "bad".
type testFlags struct{ mode string }

func (f *testFlags) BindFlags(fs *flag.FlagSet) { fs.StringVar(&f.mode, "mode", "a", "the mode") }

func (f *testFlags) Validate() error {
	if f.mode == "bad" {
		return errors.New("--mode=bad is not a mode")
	}
	return nil
}

func TestParse(t *testing.T) {
	for name, tc := range map[string]struct {
		args     []string
		argsHint string
		wantOK   bool
		wantCode int
		want     []string
	}{
		"own and logging flags": {args: []string{"--mode=b", "--zap-log-level=debug", "--zap-devel"}, wantOK: true},
		"help":                  {args: []string{"-help"}, wantCode: 0, want: []string{"-mode", "-zap-log-level"}},
		"unknown flag":          {args: []string{"--nope"}, wantCode: ExitBadFlags, want: []string{"flag provided but not defined: -nope"}},
		"bad logging flag":      {args: []string{"--zap-encoder=xml"}, wantCode: ExitBadFlags, want: []string{"-zap-encoder"}},
		"left-over arguments":   {args: []string{"x"}, wantCode: ExitBadFlags, want: []string{`bin: unexpected arguments ["x"]` + "\n"}},
		"left-over arguments, with a hint": {args: []string{"x"}, argsHint: "the only subcommand is y", wantCode: ExitBadFlags,
			want: []string{`bin: unexpected arguments ["x"] (the only subcommand is y)`}},
		"invalid": {args: []string{"--mode=bad"}, wantCode: ExitBadFlags, want: []string{"bin: invalid flags:\n--mode=bad is not a mode"}},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			flags := &testFlags{}
			_, code, ok := Parse("bin", tc.args, &stderr, flags, tc.argsHint)
			if ok != tc.wantOK || code != tc.wantCode {
				t.Errorf("Parse: ok %v, code %d; want ok %v, code %d (stderr %q)", ok, code, tc.wantOK, tc.wantCode, stderr.String())
			}
			if tc.wantOK && flags.mode != "b" {
				t.Errorf("--mode parsed as %q, want b", flags.mode)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not contain %q", stderr.String(), w)
				}
			}
		})
	}
}
