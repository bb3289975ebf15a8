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

// Package apiclient holds the flags both manager binaries share about how they talk to their
// own API server: the client-side rate limit (--kube-api-qps, --kube-api-burst) and the pprof
// endpoint (--pprof-bind-address).
//
// The rate limit is set deliberately rather than left to a library's default: client-go's
// (5 QPS, burst 10) would cap a burst of graphs at a few a second, and controller-runtime's
// GetConfig disables the limit altogether. The API server's priority and fairness shares it
// between tenants; the client's limit is the bound of a component that misbehaves (a hot loop),
// high enough never to be the bottleneck of a burst (make bench shows where that lies).
package apiclient

import (
	"errors"
	"flag"
	"fmt"

	"k8s.io/client-go/rest"
)

// Options are a component's API client flags.
type Options struct {
	// QPS is the client-side limit of requests per second to the component's API server.
	QPS float64
	// Burst is how many requests may exceed QPS at once.
	Burst int
	// PprofBindAddress is where net/http/pprof is served; "0" (the default) disables it.
	PprofBindAddress string
}

// Defaults are the flags' defaults for both components.
const (
	DefaultQPS   = 500
	DefaultBurst = 1000
)

// NewOptions returns the defaults.
func NewOptions() Options {
	return Options{QPS: DefaultQPS, Burst: DefaultBurst, PprofBindAddress: "0"}
}

// BindFlags registers --kube-api-qps, --kube-api-burst and --pprof-bind-address on fs, with o's
// current values as defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.Float64Var(&o.QPS, "kube-api-qps", o.QPS, "Client-side limit of requests per second to the API server.")
	fs.IntVar(&o.Burst, "kube-api-burst", o.Burst, "Requests that may exceed --kube-api-qps at once.")
	fs.StringVar(&o.PprofBindAddress, "pprof-bind-address", o.PprofBindAddress,
		`Address of the net/http/pprof endpoints (e.g. 127.0.0.1:6060); "0" disables them.`)
}

// Validate reports every invalid flag, naming it.
func (o *Options) Validate() error {
	var errs []error
	if o.QPS <= 0 {
		errs = append(errs, fmt.Errorf("--kube-api-qps: must be positive, got %v", o.QPS))
	}
	if o.Burst < 1 {
		errs = append(errs, fmt.Errorf("--kube-api-burst: must be at least 1, got %d", o.Burst))
	}
	if o.PprofBindAddress == "" {
		errs = append(errs, errors.New(`--pprof-bind-address: must not be empty ("0" disables it)`))
	}
	return errors.Join(errs...)
}

// Apply returns a copy of cfg with o's rate limit.
func (o *Options) Apply(cfg *rest.Config) *rest.Config {
	out := rest.CopyConfig(cfg)
	out.QPS, out.Burst, out.RateLimiter = float32(o.QPS), o.Burst, nil
	return out
}
