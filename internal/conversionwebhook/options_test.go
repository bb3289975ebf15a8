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

package conversionwebhook_test

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/flotilla-dev/flotilla/internal/conversionwebhook"
	"github.com/flotilla-dev/flotilla/internal/webhookcert"
)

// defaults are a component's defaults, as the hub and the agent set them.
func defaults() conversionwebhook.Options {
	return conversionwebhook.Options{Port: conversionwebhook.DefaultPort, Namespace: "flotilla-system",
		CertSecret: "flotilla-hub-webhook-cert", CertMode: string(webhookcert.ModeSelfSigned), Service: "flotilla-hub-webhook"}
}

func parse(t *testing.T, args ...string) conversionwebhook.Options {
	t.Helper()
	o := defaults()
	fs := flag.NewFlagSet("component", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.BindFlags(fs, "default true")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestManagesCRDs(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		def, want bool
	}{
		{nil, true, true},
		{nil, false, false},
		{[]string{"--webhook-manage-crds"}, false, true},
		{[]string{"--webhook-manage-crds=false"}, true, false},
		{[]string{"--webhook-manage-crds=true"}, false, true},
	} {
		o := parse(t, tc.args...)
		if got := o.ManagesCRDs(tc.def); got != tc.want {
			t.Errorf("%q with default %v: got %v, want %v", tc.args, tc.def, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want []string // substrings of the error; none: valid
	}{
		"defaults":        {},
		"URL":             {args: []string{"--webhook-url=https://127.0.0.1:9443/convert"}},
		"URL, other port": {args: []string{"--webhook-port=10443", "--webhook-url=https://localhost:10443/convert"}},
		"cert-manager":    {args: []string{"--webhook-cert-mode=cert-manager"}},
		"everything wrong": {args: []string{"--webhook-port=70000", "--webhook-cert-secret=", "--webhook-cert-mode=vault",
			"--webhook-service="},
			want: []string{"--webhook-port 70000 is not a port", "--webhook-cert-secret must not be empty", `--webhook-cert-mode "vault"`,
				"--webhook-service or --webhook-url is required"}},
		"URL elsewhere": {args: []string{"--webhook-url=https://127.0.0.1:8443/convert"}, want: []string{"name --webhook-port (9443)"}},
		"URL without port": {args: []string{"--webhook-url=https://webhook.example/convert"},
			want: []string{"name --webhook-port (9443)"}},
		"URL with a query": {args: []string{"--webhook-url=https://127.0.0.1:9443/convert?x=1"}, want: []string{"no user, query"}},
		"URL in http":      {args: []string{"--webhook-url=http://127.0.0.1:9443/convert"}, want: []string{"want https://"}},
	} {
		t.Run(name, func(t *testing.T) {
			o := parse(t, tc.args...)
			err := o.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v does not contain %q", err, w)
				}
			}
		})
	}
}

func TestRotatorOptions(t *testing.T) {
	crds := []string{"widgets.test.flotilla.dev"}
	o := defaults()
	managing := o.RotatorOptions(true, crds)
	if managing.KeepCA || !slices.Equal(managing.CRDs, crds) || managing.Secret.String() != "flotilla-system/flotilla-hub-webhook-cert" ||
		managing.Service == nil || managing.Service.Namespace != "flotilla-system" || managing.Service.Name != "flotilla-hub-webhook" ||
		managing.Path != conversionwebhook.Path {
		t.Errorf("managing the CRDs: %+v", managing)
	}
	notManaging := o.RotatorOptions(false, crds)
	if !notManaging.KeepCA || len(notManaging.CRDs) > 0 {
		t.Errorf("not managing the CRDs: %+v: want KeepCA and no CRDs", notManaging)
	}
	o.URL = "https://127.0.0.1:9443/convert"
	if ro := o.RotatorOptions(true, crds); ro.Service != nil || ro.URL != o.URL {
		t.Errorf("with --webhook-url: %+v", ro)
	}
	for _, manage := range []bool{true, false} {
		if _, err := webhookcert.New(o.RotatorOptions(manage, crds)); err != nil {
			t.Errorf("webhookcert refuses the options (manage %v): %v", manage, err)
		}
	}
}

func TestNew(t *testing.T) {
	o := defaults()
	o.Namespace = ""
	if _, err := conversionwebhook.New(o, true, nil, &WidgetV1{}); err == nil || !strings.Contains(err.Error(), "Namespace") {
		t.Errorf("no namespace: got %v", err)
	}
	o = defaults()
	o.CertMode = "vault"
	if _, err := conversionwebhook.New(o, true, nil, &WidgetV1{}); err == nil {
		t.Error("invalid options were accepted")
	}

	w, err := conversionwebhook.New(defaults(), true, []string{"widgets.test.flotilla.dev"}, &WidgetV2{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetupWithManager(newManager(t)); err == nil || !strings.Contains(err.Error(), "WebhookServer") {
		t.Errorf("a manager with another webhook server: got %v", err)
	}
	mgr, err := ctrl.NewManager(&rest.Config{Host: "https://127.0.0.1:1"}, ctrl.Options{
		Scheme: newManager(t).GetScheme(), Metrics: metricsserver.Options{BindAddress: "0"}, WebhookServer: w.Server,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	if mux := mgr.GetWebhookServer().WebhookMux(); mux == nil || !strings.Contains(muxPattern(mux), conversionwebhook.Path) {
		t.Error("the conversion handler is not registered")
	}
}

// muxPattern returns the pattern mux serves a POST to Path with.
func muxPattern(mux *http.ServeMux) string {
	_, pattern := mux.Handler(httptest.NewRequest(http.MethodPost, conversionwebhook.Path, nil))
	return pattern
}
