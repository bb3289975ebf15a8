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

package conversionwebhook

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strconv"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/flotilla-dev/flotilla/internal/webhookcert"
)

// DefaultPort is the default Options.Port (--webhook-port), controller-runtime's.
const DefaultPort = 9443

// Options configure the conversion webhook a component (the hub, the agent) serves, one field
// per --webhook-* flag (BindFlags), but Host and Namespace.
type Options struct {
	// Port is where the webhook server listens (--webhook-port).
	Port int
	// Host is the address the webhook server binds; every address when empty. No flag: tests
	// running components in-process bind 127.0.0.1.
	Host string
	// Namespace is the component's own namespace, which holds CertSecret and Service. No flag:
	// the component sets it (the hub from $POD_NAMESPACE, the agent from --namespace).
	Namespace string
	// CertSecret is the Secret in Namespace holding the webhook's certificates
	// (--webhook-cert-secret), which the chart creates.
	CertSecret string
	// CertMode says who issues them (--webhook-cert-mode): webhookcert.ModeSelfSigned (the
	// component) or webhookcert.ModeCertManager.
	CertMode string
	// Service is the Service in Namespace through which the apiserver reaches the webhook
	// (--webhook-service), port 443.
	Service string
	// URL, when set, is the webhook's URL instead of Service (--webhook-url), for a component
	// running outside the cluster: https://127.0.0.1:<Port>/convert.
	URL string
	// ValidatingWebhookConfigurations are ValidatingWebhookConfigurations (the component's chart
	// creates them) whose webhooks this server serves too: the certificate Rotator points them at
	// it, with its CA bundle, as it does the CRDs. No flag: the component sets it.
	ValidatingWebhookConfigurations []string
	// ManageCRDs says whether the component points the CRDs it converts at its webhook
	// (--webhook-manage-crds); nil leaves it to the component's default (ManagesCRDs).
	ManageCRDs *bool
}

// BindFlags registers the --webhook-* flags on fs, with o's current values as defaults.
// manageCRDsDefault describes the component's default of --webhook-manage-crds, for the help.
func (o *Options) BindFlags(fs *flag.FlagSet, manageCRDsDefault string) {
	fs.IntVar(&o.Port, "webhook-port", o.Port, "Port of the conversion webhook server.")
	o.BindCertFlags(fs)
	fs.Var(optionalBool{&o.ManageCRDs}, "webhook-manage-crds",
		"Point the CRDs this component converts at its webhook (spec.conversion and caBundle); "+manageCRDsDefault+".")
}

// BindCertFlags registers the flags of the webhook's certificate and of how the API server
// reaches it (--webhook-cert-secret, --webhook-cert-mode, --webhook-service, --webhook-url):
// all a one-shot webhookcert.Wire needs.
func (o *Options) BindCertFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.CertSecret, "webhook-cert-secret", o.CertSecret,
		"Secret, in the component's namespace, holding the conversion webhook's certificates (the chart creates it).")
	fs.StringVar(&o.CertMode, "webhook-cert-mode", o.CertMode, fmt.Sprintf(
		"Who issues the conversion webhook's certificates: %q (this component, rotating them) or %q (a cert-manager "+
			"Certificate writing the Secret).", webhookcert.ModeSelfSigned, webhookcert.ModeCertManager))
	fs.StringVar(&o.Service, "webhook-service", o.Service,
		"Service, in the component's namespace, through which the API server reaches the conversion webhook (port 443).")
	fs.StringVar(&o.URL, "webhook-url", o.URL,
		"URL of the conversion webhook instead of --webhook-service, for a component running outside the cluster, "+
			"e.g. https://127.0.0.1:9443/convert.")
}

// ManagesCRDs returns whether the component points its CRDs at its webhook: ManageCRDs, or
// def when the flag was not given.
func (o *Options) ManagesCRDs(def bool) bool {
	if o.ManageCRDs == nil {
		return def
	}
	return *o.ManageCRDs
}

// Validate returns every problem of the options of a webhook server, each naming its flag.
func (o *Options) Validate() error {
	errs := []error{o.ValidateCert()}
	if o.Port < 1 || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("--webhook-port %d is not a port", o.Port))
	} else if o.URL != "" {
		if u, err := url.Parse(o.URL); err == nil && u.Port() != strconv.Itoa(o.Port) {
			errs = append(errs, fmt.Errorf("--webhook-url %q: name --webhook-port (%d) as its port: the API server calls this server directly",
				o.URL, o.Port))
		}
	}
	return errors.Join(errs...)
}

// ValidateCert returns every problem of the flags BindCertFlags binds, each naming its flag.
func (o *Options) ValidateCert() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if o.CertSecret == "" {
		add("--webhook-cert-secret must not be empty")
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(o.CertSecret) {
			add("--webhook-cert-secret %q: %s", o.CertSecret, msg)
		}
	}
	if m := webhookcert.Mode(o.CertMode); m != webhookcert.ModeSelfSigned && m != webhookcert.ModeCertManager {
		add("--webhook-cert-mode %q: want %q or %q", o.CertMode, webhookcert.ModeSelfSigned, webhookcert.ModeCertManager)
	}
	if o.URL == "" {
		if o.Service == "" {
			add("--webhook-service or --webhook-url is required")
		} else {
			for _, msg := range validation.IsDNS1035Label(o.Service) {
				add("--webhook-service %q: %s", o.Service, msg)
			}
		}
	} else if err := validateURL(o.URL); err != nil {
		add("--webhook-url %q: %w", o.URL, err)
	}
	return errors.Join(errs...)
}

// validateURL checks that raw is a URL the API server accepts for a webhook: https, with a
// host, and no user, query or fragment.
func validateURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return err
	case u.Scheme != "https" || u.Hostname() == "":
		return errors.New("want https://<host>:<port>/<path>")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return errors.New("must have no user, query or fragment")
	}
	return nil
}

// Webhook is a component's conversion webhook: the Rotator keeping its certificate, and the
// webhook server serving it. Pass Server as the manager's WebhookServer, then call
// SetupWithManager.
type Webhook struct {
	// Rotator keeps the certificate (package webhookcert).
	Rotator *webhookcert.Rotator
	// Server is the webhook server, serving the Rotator's certificate.
	Server webhook.Server
	objs   []runtime.Object
}

// New returns the conversion webhook of o for the kinds of objs (one object of each kind, any
// version). With manageCRDs it points the CRDs named crds at itself; without, it sets no CRD
// and keeps the CA of its Secret (webhookcert.Options.KeepCA), since whoever sets the CRDs'
// caBundle must renew the CA.
func New(o Options, manageCRDs bool, crds []string, objs ...runtime.Object) (*Webhook, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Namespace == "" {
		return nil, errors.New("conversionwebhook: Options.Namespace, the component's namespace, is required")
	}
	rot, err := webhookcert.New(o.RotatorOptions(manageCRDs, crds))
	if err != nil {
		return nil, err
	}
	srv := webhook.NewServer(webhook.Options{Host: o.Host, Port: o.Port, TLSOpts: []func(*tls.Config){rot.TLSOpt}})
	return &Webhook{Rotator: rot, Server: srv, objs: objs}, nil
}

// RotatorOptions returns the options of the webhook's certificate Rotator: see New.
func (o *Options) RotatorOptions(manageCRDs bool, crds []string) webhookcert.Options {
	ro := webhookcert.Options{
		Mode:   webhookcert.Mode(o.CertMode),
		Secret: types.NamespacedName{Namespace: o.Namespace, Name: o.CertSecret},
		Path:   Path,
		KeepCA: !manageCRDs,

		ValidatingWebhookConfigurations: o.ValidatingWebhookConfigurations,
	}
	if manageCRDs {
		ro.CRDs = crds
	}
	if o.URL != "" {
		ro.URL = o.URL
	} else {
		ro.Service = &webhookcert.ServiceReference{Namespace: o.Namespace, Name: o.Service}
	}
	return ro
}

// SetupWithManager makes mgr, whose WebhookServer must be w.Server, serve the conversion of
// w's kinds (Register), and adds the Rotator with its readiness check and a readiness check
// that the webhook server has started.
func (w *Webhook) SetupWithManager(mgr manager.Manager) error {
	if mgr.GetWebhookServer() != w.Server {
		return errors.New("conversionwebhook: the manager's WebhookServer is not the Webhook's Server")
	}
	if err := Register(mgr, w.objs...); err != nil {
		return err
	}
	if err := w.Rotator.SetupWithManager(mgr); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("conversion-webhook", w.Server.StartedChecker()); err != nil {
		return fmt.Errorf("conversionwebhook: adding the readiness check: %w", err)
	}
	return nil
}

// optionalBool is a boolean flag that remembers whether it was given: a nil *bool until then.
type optionalBool struct{ p **bool }

func (b optionalBool) IsBoolFlag() bool { return true }

func (b optionalBool) String() string {
	if b.p == nil || *b.p == nil {
		return ""
	}
	return strconv.FormatBool(**b.p)
}

func (b optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*b.p = &v
	return nil
}
