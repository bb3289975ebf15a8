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

package apiclient_test

import (
	"flag"
	"io"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/flotilla-dev/flotilla/internal/apiclient"
)

func TestFlags(t *testing.T) {
	for name, tc := range map[string]struct {
		args    []string
		want    apiclient.Options
		wantErr []string
	}{
		"defaults": {want: apiclient.Options{QPS: apiclient.DefaultQPS, Burst: apiclient.DefaultBurst, PprofBindAddress: "0"}},
		"set": {
			args: []string{"--kube-api-qps=50", "--kube-api-burst=60", "--pprof-bind-address=127.0.0.1:6060"},
			want: apiclient.Options{QPS: 50, Burst: 60, PprofBindAddress: "127.0.0.1:6060"},
		},
		"invalid": {
			args:    []string{"--kube-api-qps=0", "--kube-api-burst=0", "--pprof-bind-address="},
			wantErr: []string{"--kube-api-qps: must be positive", "--kube-api-burst: must be at least 1", "--pprof-bind-address: must not be empty"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			o := apiclient.NewOptions()
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			o.BindFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := o.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if o != tc.want {
					t.Fatalf("got %+v, want %+v", o, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted invalid flags")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestApplyCopies(t *testing.T) {
	base := &rest.Config{Host: "https://example", QPS: -1}
	o := apiclient.Options{QPS: 7, Burst: 9}
	got := o.Apply(base)
	if got.QPS != 7 || got.Burst != 9 || got.Host != base.Host {
		t.Fatalf("Apply gave QPS %v burst %d host %q", got.QPS, got.Burst, got.Host)
	}
	if base.QPS != -1 {
		t.Fatal("Apply changed its argument")
	}
}
