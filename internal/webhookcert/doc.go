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

// Package webhookcert provides the TLS certificate of Flotilla's CRD conversion webhook and
// points the CRDs at it: a Rotator, added to a controller-runtime manager on every replica,
// keeps a certificate in one Secret of the component's namespace, serves it from memory through
// the manager's webhook server, and sets the spec.conversion (strategy Webhook, caBundle) of the
// CRDs it is given.
//
// # Modes
//
// With ModeSelfSigned (the default) Flotilla issues its own certificates, ECDSA P-256: a
// self-signed CA (Options.CALifetime, ten years by default) and a serving certificate signed by
// it (Options.ServingCertLifetime, one year by default, never beyond its CA) for the webhook's
// Service DNS names (<svc>, <svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local) or, for a
// webhook outside the cluster, the host of its URL. The Secret holds:
//
//   - ca.crt: the CA bundle, PEM: the CA that signs first, then earlier CAs not expired yet;
//   - ca.key: the key of the first CA;
//   - tls.crt, tls.key: the serving certificate and its key.
//
// With ModeCertManager cert-manager writes tls.crt, tls.key and ca.crt (a Certificate whose
// secretName is the Secret, from a CA or self-signed issuer); the Rotator never issues anything,
// it reads the Secret every check, serves its certificate and injects its ca.crt.
//
// # Rotation
//
// Every Options.CheckInterval (one minute by default) each replica reads the Secret and, with
// ModeSelfSigned, writes what is due:
//
//   - a new serving certificate when less than a third of its lifetime is left, when its names
//     differ from the options, when the bundle no longer trusts it, or when it was signed by an
//     earlier CA while the current one has been trusted for Options.CAActivationDelay;
//   - a new CA when less than a third of its lifetime is left. It is put first in ca.crt and the
//     old one stays after it, so that the CRDs' caBundle trusts both: certificates the old CA
//     signed keep working until the old CA expires, when it is dropped. The new CA signs serving
//     certificates only after CAActivationDelay, so that every apiserver trusts it first.
//
// With Options.KeepCA the Rotator issues the first CA of an empty Secret but never renews or
// replaces a CA: it only renews serving certificates, signed by the Secret's CA, and logs when the
// CA is due. A component that may not patch the CRDs sets it (a new CA must reach the CRDs'
// caBundle before it signs); Wire, run once by whoever may (the agent chart's wire-conversion
// hook, at every install and upgrade), renews the CA and sets the caBundle.
//
// The CRDs are patched before a new certificate is served. Writes to the Secret are merge
// patches carrying the resourceVersion read, so when several replicas find the same thing due,
// one write wins and the others read it and find nothing left to do; a replica that has not
// read the new certificate yet keeps serving the previous one, which the bundle still trusts.
// Tests shorten the lifetimes and intervals through the same Options.
//
// # Serving
//
// The Holder hands the current certificate to each TLS handshake (tls.Config.GetCertificate),
// so a rotated certificate is served from the next connection on, without a restart or files.
// Give Rotator.TLSOpt to controller-runtime's webhook server:
//
//	rot, err := webhookcert.New(webhookcert.Options{...})
//	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
//		WebhookServer: webhook.NewServer(webhook.Options{Port: 9443, TLSOpts: []func(*tls.Config){rot.TLSOpt}}),
//	})
//	err = rot.SetupWithManager(mgr) // the Rotator, and the readiness check ReadyzCheckName
//
// The readiness check fails until a certificate is loaded, and if the loaded one expires.
// SetupWithManager adds the Rotator to the manager's group of webhook servers, which starts
// before the caches: a cache's initial list of objects stored in another version than the one
// it reads goes through the conversion webhook, and so waits for the certificate.
//
// # CRDs
//
// Each CRD of Options.CRDs gets spec.conversion = strategy Webhook, conversionReviewVersions
// [v1], clientConfig service {namespace, name, path (/convert), port} or url, and caBundle the
// Secret's ca.crt: a JSON merge patch of spec.conversion, with the resourceVersion read, sent
// only when something differs. A CRD that does not exist yet is an error of that check, which is
// retried; it does not keep the certificate from being served.
//
// # RBAC
//
// The markers below say what a Rotator needs. flotilla-system stands for the component's own
// namespace. Both rules are meant to be narrowed by the charts to resourceNames: the Secret
// Options.Secret (which the chart creates: no create is needed, and none is granted, so a
// missing Secret is reported as ErrSecretMissing), and the CRDs of Options.CRDs. Reads are
// uncached, so no list or watch is needed.
//
// +kubebuilder:rbac:groups="",namespace=flotilla-system,resources=secrets,verbs=get;patch
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get;patch
package webhookcert
