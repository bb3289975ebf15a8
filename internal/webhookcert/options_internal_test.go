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

package webhookcert

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func TestOptions(t *testing.T) {
	valid := func() Options {
		return Options{
			Secret:  types.NamespacedName{Namespace: "flotilla-system", Name: "flotilla-webhook-cert"},
			CRDs:    []string{"dynamographdeployments.nvidia.com"},
			Service: &ServiceReference{Namespace: "flotilla-system", Name: "flotilla-webhook"},
		}
	}
	for _, tc := range []struct {
		name    string
		mutate  func(*Options)
		wantErr string
	}{
		{name: "defaults", mutate: func(*Options) {}},
		{name: "URL instead of Service", mutate: func(o *Options) { o.Service, o.URL = nil, "https://127.0.0.1:9443/convert" }},
		{name: "cert-manager mode ignores lifetimes", mutate: func(o *Options) {
			o.Mode, o.ServingCertLifetime, o.CheckInterval = ModeCertManager, time.Second, time.Hour
		}},
		{name: "test lifetimes", mutate: func(o *Options) {
			o.CALifetime, o.ServingCertLifetime, o.CAActivationDelay, o.CheckInterval = 45*time.Second, 20*time.Second, 3*time.Second, time.Second
		}},
		{name: "unknown mode", mutate: func(o *Options) { o.Mode = "vault" }, wantErr: "Mode"},
		{name: "no Secret name", mutate: func(o *Options) { o.Secret.Name = "" }, wantErr: "Secret"},
		{name: "neither Service nor URL", mutate: func(o *Options) { o.Service = nil }, wantErr: "exactly one"},
		{name: "both Service and URL", mutate: func(o *Options) { o.URL = "https://127.0.0.1/convert" }, wantErr: "exactly one"},
		{name: "Service without name", mutate: func(o *Options) { o.Service.Name = "" }, wantErr: "Service"},
		{name: "Service port out of range", mutate: func(o *Options) { o.Service.Port = 70000 }, wantErr: "Port"},
		{name: "http URL", mutate: func(o *Options) { o.Service, o.URL = nil, "http://127.0.0.1:9443/convert" }, wantErr: "https"},
		{name: "URL with query", mutate: func(o *Options) { o.Service, o.URL = nil, "https://127.0.0.1:9443/convert?x=1" }, wantErr: "query"},
		{name: "invalid CRD name", mutate: func(o *Options) { o.CRDs = []string{"Widgets"} }, wantErr: "CRDs"},
		{name: "negative duration", mutate: func(o *Options) { o.CheckInterval = -time.Second }, wantErr: "negative"},
		{name: "serving lifetime under six intervals", mutate: func(o *Options) {
			o.ServingCertLifetime, o.CheckInterval = 5*time.Minute, time.Minute
		}, wantErr: "six CheckIntervals"},
		{name: "CA shorter than serving certificates", mutate: func(o *Options) {
			o.CALifetime, o.ServingCertLifetime = time.Hour, 2*time.Hour
		}, wantErr: "CALifetime"},
		{name: "activation delay under two intervals", mutate: func(o *Options) {
			o.CAActivationDelay, o.CheckInterval = time.Minute, time.Minute
		}, wantErr: "two CheckIntervals"},
		{name: "activation delay over a third of the CA lifetime", mutate: func(o *Options) {
			o.CALifetime, o.ServingCertLifetime, o.CAActivationDelay = 30*time.Minute, 10*time.Minute, 9*time.Minute
		}, wantErr: "a third of CALifetime"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := valid()
			tc.mutate(&o)
			_, err := o.withDefaults()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}

	o, err := valid().withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Mode != ModeSelfSigned || o.Path != DefaultPath || o.Service.Port != DefaultServicePort ||
		o.CALifetime != DefaultCALifetime || o.ServingCertLifetime != DefaultServingCertLifetime ||
		o.CheckInterval != DefaultCheckInterval || o.CAActivationDelay != DefaultCAActivationDelay || o.Clock == nil {
		t.Errorf("defaults not set: %+v", o)
	}
}

func TestSubjectNames(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		wantDNS []string
		wantIPs []string
	}{
		{
			name:    "Service",
			opts:    Options{Service: &ServiceReference{Namespace: "ns", Name: "svc"}, DNSNames: []string{"svc"}},
			wantDNS: []string{"svc", "svc.ns", "svc.ns.svc", "svc.ns.svc.cluster.local"},
		},
		{
			name:    "URL with an IP address, and extra names",
			opts:    Options{URL: "https://127.0.0.1:9443/convert", DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("::1"), net.ParseIP("127.0.0.1")}},
			wantDNS: []string{"localhost"},
			wantIPs: []string{"::1", "127.0.0.1"}, // by their bytes
		},
		{
			name:    "URL with a host name",
			opts:    Options{URL: "https://webhook.example.com/convert"},
			wantDNS: []string{"webhook.example.com"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dnsNames, ips := tc.opts.subjectNames()
			var gotIPs []string
			for _, ip := range ips {
				gotIPs = append(gotIPs, ip.String())
			}
			if !slices.Equal(dnsNames, tc.wantDNS) || !slices.Equal(gotIPs, tc.wantIPs) {
				t.Errorf("names %v %v, want %v %v", dnsNames, gotIPs, tc.wantDNS, tc.wantIPs)
			}
		})
	}
}

func TestConversion(t *testing.T) {
	bundle := []byte("bundle")
	svc, err := Options{
		Secret:  types.NamespacedName{Namespace: "ns", Name: "cert"},
		Service: &ServiceReference{Namespace: "ns", Name: "svc"},
	}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	c := svc.Conversion(bundle)
	cc := c.Webhook.ClientConfig
	if c.Strategy != "Webhook" || !slices.Equal(c.Webhook.ConversionReviewVersions, []string{"v1"}) || cc.URL != nil ||
		cc.Service == nil || cc.Service.Namespace != "ns" || cc.Service.Name != "svc" ||
		ptr.Deref(cc.Service.Path, "") != "/convert" || ptr.Deref(cc.Service.Port, 0) != 443 || string(cc.CABundle) != "bundle" {
		t.Errorf("service conversion %+v, clientConfig %+v", c, cc)
	}
	url := Options{URL: "https://127.0.0.1:9443/convert"}.Conversion(bundle).Webhook.ClientConfig
	if url.Service != nil || ptr.Deref(url.URL, "") != "https://127.0.0.1:9443/convert" {
		t.Errorf("url clientConfig %+v", url)
	}
}
