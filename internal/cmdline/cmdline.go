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

// Package cmdline parses the command lines of Flotilla's two manager binaries, the hub and the
// agent, the same way: the binary's own flags, controller-runtime's --kubeconfig and zap's
// logging flags, with the exit codes the charts and the binaries' tests rely on.
package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// ExitBadFlags is the exit code of a binary whose command line does not parse or validate.
const ExitBadFlags = 2

// Flags are a binary's own flags: bound on its flag set, validated once parsed.
type Flags interface {
	BindFlags(fs *flag.FlagSet)
	Validate() error
}

// Parse parses the command line of the binary called name: flags' own flags, controller-runtime's
// --kubeconfig (registered on the global flag set) and zap's logging flags (structured JSON by
// default; --zap-devel for human-readable logs). It returns the logger the logging flags ask for.
//
// When the binary should exit instead, ok is false and code is the exit code: 0 after -help,
// ExitBadFlags when a flag does not parse, arguments are left over or flags fails validation,
// with the reason on stderr. argsHint, when not empty, ends the message about left-over
// arguments (e.g. which subcommands there are).
func Parse(name string, args []string, stderr io.Writer, flags Flags, argsHint string) (logger logr.Logger, code int, ok bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if f := flag.CommandLine.Lookup("kubeconfig"); f != nil {
		fs.Var(f.Value, f.Name, f.Usage)
	}
	flags.BindFlags(fs)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return logr.Discard(), 0, false
		}
		return logr.Discard(), ExitBadFlags, false
	}
	if fs.NArg() > 0 {
		if argsHint != "" {
			argsHint = " (" + argsHint + ")"
		}
		fmt.Fprintf(stderr, "%s: unexpected arguments %q%s\n", name, fs.Args(), argsHint)
		return logr.Discard(), ExitBadFlags, false
	}
	if err := flags.Validate(); err != nil {
		fmt.Fprintf(stderr, "%s: invalid flags:\n%v\n", name, err)
		return logr.Discard(), ExitBadFlags, false
	}
	return zap.New(zap.UseFlagOptions(&zapOpts)), 0, true
}
