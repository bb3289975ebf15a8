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

// Package versions gives Go code the version pins of versions.env (hack/versions/versions.env),
// which it embeds: the one file where the scripts (through hack/lib/versions.sh), the Makefile
// and Go code find the versions of Kubernetes, etcd, kwok, LeaderWorkerSet, ... they build and
// run. As in the scripts, a variable set to a non-empty value in the environment wins (Get).
package versions

import (
	_ "embed"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Names of pins Go code reads.
const (
	// Kube is the Kubernetes version of the control-plane binaries the tests run.
	Kube = "KUBE_VERSION"
	// Etcd is the etcd version the tests run.
	Etcd = "ETCD_VERSION"
	// Kwok is the kwok version the tests run.
	Kwok = "KWOK_VERSION"
	// LWS is the LeaderWorkerSet release whose controller manager the tests run: the
	// sigs.k8s.io/lws version go.mod pins.
	LWS = "LWS_VERSION"
)

//go:embed versions.env
var file string

var pins, names = mustParse(file)

var (
	pinLine     = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)=([A-Za-z0-9._+-]+)$`)
	ignoredLine = regexp.MustCompile(`^[ \t]*(#.*)?$`)
)

// Parse reads versions.env's format, as hack/lib/versions.sh does: NAME=VALUE lines (VALUE of
// letters, digits and ._+-), blank lines and comment lines starting with #. It returns the pins
// and their names in the file's order; a line of another form or a name given twice is an error.
func Parse(text string) (map[string]string, []string, error) {
	pins := map[string]string{}
	var names []string
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if ignoredLine.MatchString(line) {
			continue
		}
		m := pinLine.FindStringSubmatch(line)
		if m == nil {
			return nil, nil, fmt.Errorf("versions.env:%d: not NAME=VALUE: %q", i+1, line)
		}
		if _, dup := pins[m[1]]; dup {
			return nil, nil, fmt.Errorf("versions.env:%d: %s is pinned twice", i+1, m[1])
		}
		pins[m[1]] = m[2]
		names = append(names, m[1])
	}
	return pins, names, nil
}

func mustParse(text string) (map[string]string, []string) {
	pins, names, err := Parse(text)
	if err != nil {
		panic(err)
	}
	return pins, names
}

// Names returns the names versions.env pins, in its order.
func Names() []string {
	return append([]string(nil), names...)
}

// Pinned returns the value versions.env pins for name. It panics if name is not pinned there.
func Pinned(name string) string {
	v, ok := pins[name]
	if !ok {
		panic(fmt.Sprintf("versions: %s is not pinned in hack/versions/versions.env", name))
	}
	return v
}

// Get returns the environment variable name when it is set and not empty, else Pinned(name):
// the rule of the scripts and the Makefile.
func Get(name string) string {
	pinned := Pinned(name)
	if v := os.Getenv(name); v != "" {
		return v
	}
	return pinned
}
