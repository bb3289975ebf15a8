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
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/clock"
)

// Mode says who issues the webhook's certificates.
type Mode string

// Modes of Options.Mode.
const (
	// ModeSelfSigned: the Rotator issues a self-signed CA and a serving certificate signed by
	// it, stores both in the Secret and rotates them before they expire.
	ModeSelfSigned Mode = "self-signed"
	// ModeCertManager: cert-manager writes the Secret (tls.crt, tls.key and ca.crt); the Rotator
	// only reads it, serves its certificate and injects its ca.crt into the CRDs.
	ModeCertManager Mode = "cert-manager"
)

// Defaults of Options.
const (
	// DefaultCALifetime is the default Options.CALifetime.
	DefaultCALifetime = 10 * 365 * 24 * time.Hour
	// DefaultServingCertLifetime is the default Options.ServingCertLifetime.
	DefaultServingCertLifetime = 365 * 24 * time.Hour
	// DefaultCheckInterval is the default Options.CheckInterval.
	DefaultCheckInterval = time.Minute
	// DefaultCAActivationDelay is the default Options.CAActivationDelay.
	DefaultCAActivationDelay = 5 * time.Minute
	// DefaultPath is the default Options.Path, where controller-runtime serves conversions.
	DefaultPath = "/convert"
	// DefaultServicePort is the default ServiceReference.Port.
	DefaultServicePort int32 = 443
	// CAWarningInterval is how often a Rotator with Options.KeepCA logs that the CA is due.
	CAWarningInterval = time.Hour
)

// ServiceReference is the Service in front of the webhook server.
type ServiceReference struct {
	// Namespace is the Service's namespace. Required.
	Namespace string
	// Name is the Service's name. Required.
	Name string
	// Port is the Service's port that reaches the webhook server; DefaultServicePort when zero.
	Port int32
}

// DNSNames returns the names the Service is reached by inside the cluster, which the serving
// certificate must hold: <name>, <name>.<namespace>, <name>.<namespace>.svc and
// <name>.<namespace>.svc.cluster.local.
func (s ServiceReference) DNSNames() []string {
	return []string{
		s.Name,
		s.Name + "." + s.Namespace,
		s.Name + "." + s.Namespace + ".svc",
		s.Name + "." + s.Namespace + ".svc.cluster.local",
	}
}

// Options configure a Rotator. Production and tests set the same fields: tests only shorten
// the lifetimes and intervals.
type Options struct {
	// Mode is ModeSelfSigned (the default when empty) or ModeCertManager.
	Mode Mode
	// Secret is the Secret, in the component's namespace, that holds the certificates. Required.
	// The chart creates it (with ModeSelfSigned an Opaque Secret without data: Helm would reset
	// data keys its manifest lists at every upgrade; with ModeCertManager as a Certificate's
	// secretName); the Rotator only reads and patches it.
	Secret types.NamespacedName
	// CRDs are the names of the CustomResourceDefinitions whose spec.conversion the Rotator sets
	// to this webhook (for example dynamographdeployments.nvidia.com). A CRD that does not exist
	// yet is retried at every check.
	CRDs []string
	// ValidatingWebhookConfigurations are the names of ValidatingWebhookConfigurations whose every
	// webhook the Rotator points at this server, as it points the CRDs: clientConfig Service (or
	// URL's scheme and host) with the webhook's own path, and caBundle the Secret's ca.crt. The
	// component's chart creates them; one that does not exist yet is retried at every check.
	ValidatingWebhookConfigurations []string
	// Service, when set, is the Service the apiserver reaches the webhook through: the CRDs get
	// a service clientConfig, and the serving certificate the Service's DNSNames. Exactly one of
	// Service and URL is required.
	Service *ServiceReference
	// Path is the webhook's path behind Service; DefaultPath when empty. Unused with URL.
	Path string
	// URL, when set, is the webhook's full URL, https://<host>:<port><path>, for a webhook
	// running outside the cluster (local runs, tests: https://127.0.0.1:9443/convert). The CRDs
	// get a url clientConfig, and the serving certificate the URL's host as IP address or DNS
	// name.
	URL string
	// DNSNames and IPAddresses are further names of the serving certificate.
	DNSNames    []string
	IPAddresses []net.IP

	// CALifetime is the validity of a new CA (ModeSelfSigned); DefaultCALifetime when zero. A
	// new CA is issued when less than a third of the current one's lifetime is left.
	CALifetime time.Duration
	// ServingCertLifetime is the validity of a new serving certificate (ModeSelfSigned), never
	// beyond its CA's; DefaultServingCertLifetime when zero. A new one is issued when less than
	// a third of the current one's lifetime is left. It must be at least six CheckIntervals, so
	// that every replica loads the next certificate well before the current one expires.
	ServingCertLifetime time.Duration
	// CAActivationDelay is how long a new CA is only trusted (it is in the CRDs' caBundle) before
	// it signs serving certificates, so that every apiserver trusts it before any replica serves
	// a certificate it signed; DefaultCAActivationDelay when zero. It must be at least two
	// CheckIntervals, and CAActivationDelay plus two CheckIntervals at most a third of
	// CALifetime.
	CAActivationDelay time.Duration
	// CheckInterval is how often the Secret is read again, certificates renewed if due and the
	// CRDs checked; DefaultCheckInterval when zero.
	CheckInterval time.Duration
	// KeepCA, with ModeSelfSigned, makes the Rotator leave the CA to whoever sets the CRDs'
	// caBundle: it issues a CA only into a Secret that holds none, never renews or replaces one,
	// and signs serving certificates with the Secret's CA (the first of ca.crt, with ca.key). A
	// component that does not set the CRDs' conversion itself (CRDs empty) sets it, since a new
	// CA may sign only once the caBundle trusts it: a namespace-restricted agent, whose CRD a
	// Helm hook wires with a Rotator of its own (Wire), which renews the CA at every upgrade once
	// it is due. When the CA is due (less than a third of its lifetime left), checks log that it
	// must be renewed, at most once per CAWarningInterval; a Secret whose CA is unusable (expired,
	// or without its key) is an error of every check.
	KeepCA bool

	// Clock tells the time; the real clock when nil. Unit tests set a fake clock.
	Clock clock.PassiveClock
}

// withDefaults returns o with its defaults set, or an error naming the first invalid field.
func (o Options) withDefaults() (Options, error) {
	o.Mode = cmp.Or(o.Mode, ModeSelfSigned)
	o.Path = cmp.Or(o.Path, DefaultPath)
	o.CALifetime = cmp.Or(o.CALifetime, DefaultCALifetime)
	o.ServingCertLifetime = cmp.Or(o.ServingCertLifetime, DefaultServingCertLifetime)
	o.CAActivationDelay = cmp.Or(o.CAActivationDelay, DefaultCAActivationDelay)
	o.CheckInterval = cmp.Or(o.CheckInterval, DefaultCheckInterval)
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Service != nil {
		s := *o.Service
		s.Port = cmp.Or(s.Port, DefaultServicePort)
		o.Service = &s
	}
	o.CRDs = slices.Clone(o.CRDs)
	return o, o.validate()
}

// validate reports the first invalid field of o, defaults set.
func (o Options) validate() error {
	switch {
	case o.Mode != ModeSelfSigned && o.Mode != ModeCertManager:
		return fmt.Errorf("webhookcert: Options.Mode %q is neither %q nor %q", o.Mode, ModeSelfSigned, ModeCertManager)
	case o.Secret.Namespace == "" || o.Secret.Name == "":
		return errors.New("webhookcert: Options.Secret needs a namespace and a name")
	case (o.Service == nil) == (o.URL == ""):
		return errors.New("webhookcert: exactly one of Options.Service and Options.URL is required")
	}
	for _, name := range o.CRDs {
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			return fmt.Errorf("webhookcert: Options.CRDs: %q: %v", name, errs)
		}
	}
	if o.Service != nil {
		if o.Service.Namespace == "" || o.Service.Name == "" {
			return errors.New("webhookcert: Options.Service needs a namespace and a name")
		}
		if o.Service.Port < 1 || o.Service.Port > 65535 {
			return fmt.Errorf("webhookcert: Options.Service.Port %d is not a port", o.Service.Port)
		}
	} else if _, err := urlHost(o.URL); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"CALifetime", o.CALifetime}, {"ServingCertLifetime", o.ServingCertLifetime},
		{"CAActivationDelay", o.CAActivationDelay}, {"CheckInterval", o.CheckInterval}} {
		if d.v < 0 {
			return fmt.Errorf("webhookcert: Options.%s must not be negative", d.name)
		}
	}
	if o.Mode == ModeCertManager {
		return nil
	}
	switch {
	case o.ServingCertLifetime < 6*o.CheckInterval:
		return fmt.Errorf("webhookcert: Options.ServingCertLifetime (%s) must be at least six CheckIntervals (%s)",
			o.ServingCertLifetime, o.CheckInterval)
	case o.CALifetime < o.ServingCertLifetime:
		return fmt.Errorf("webhookcert: Options.CALifetime (%s) must be at least ServingCertLifetime (%s)",
			o.CALifetime, o.ServingCertLifetime)
	case o.CAActivationDelay < 2*o.CheckInterval:
		return fmt.Errorf("webhookcert: Options.CAActivationDelay (%s) must be at least two CheckIntervals (%s)",
			o.CAActivationDelay, o.CheckInterval)
	case 3*(o.CAActivationDelay+2*o.CheckInterval) > o.CALifetime:
		return fmt.Errorf("webhookcert: Options.CAActivationDelay (%s) plus two CheckIntervals (%s) must be at most a third of CALifetime (%s)",
			o.CAActivationDelay, o.CheckInterval, o.CALifetime)
	}
	return nil
}

// urlHost returns the host of a webhook URL, which must be https with a host and no query,
// fragment or user (as the apiserver requires).
func urlHost(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("webhookcert: Options.URL: %w", err)
	case u.Scheme != "https" || u.Hostname() == "":
		return "", fmt.Errorf("webhookcert: Options.URL %q must be https://<host>[:<port>][/<path>]", raw)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("webhookcert: Options.URL %q must have no user, query or fragment", raw)
	}
	return u.Hostname(), nil
}

// subjectNames returns the DNS names and IP addresses the serving certificate must hold,
// sorted and without duplicates.
func (o Options) subjectNames() (dnsNames []string, ips []net.IP) {
	dnsNames = slices.Clone(o.DNSNames)
	ips = slices.Clone(o.IPAddresses)
	if o.Service != nil {
		dnsNames = append(dnsNames, o.Service.DNSNames()...)
	}
	if o.URL != "" {
		host, _ := urlHost(o.URL) // validated
		if ip := net.ParseIP(host); ip != nil {
			ips = append(ips, ip)
		} else {
			dnsNames = append(dnsNames, host)
		}
	}
	return sortedNames(dnsNames, ips)
}

// sortedNames sorts and deduplicates DNS names and IP addresses (IPv4 in their 4-byte form),
// the form in which certificates' names are compared.
func sortedNames(dnsNames []string, ips []net.IP) ([]string, []net.IP) {
	slices.Sort(dnsNames)
	dnsNames = slices.Compact(dnsNames)
	norm := make([]net.IP, 0, len(ips))
	for _, ip := range ips {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		norm = append(norm, ip)
	}
	slices.SortFunc(norm, slices.Compare)
	norm = slices.CompactFunc(norm, net.IP.Equal)
	if len(dnsNames) == 0 {
		dnsNames = nil
	}
	if len(norm) == 0 {
		norm = nil
	}
	return dnsNames, norm
}
