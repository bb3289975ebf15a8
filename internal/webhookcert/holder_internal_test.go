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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestHolder(t *testing.T) {
	clock := clocktesting.NewFakePassiveClock(time.Now())
	h := &Holder{clock: clock}
	if _, err := h.GetCertificate(nil); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("GetCertificate before a load: %v, want ErrNoCertificate", err)
	}
	if err := h.Checker(nil); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("Checker before a load: %v, want ErrNoCertificate", err)
	}

	ca, err := newCA("test-ca", clock.Now(), 30*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ips := []net.IP{net.IPv4(127, 0, 0, 1).To4()}
	first, err := newServingCert(ca, nil, ips, clock.Now(), 9*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	second, err := newServingCert(ca, nil, ips, clock.Now(), 9*time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := h.Load(first.certPEM, second.keyPEM); err == nil {
		t.Error("loaded a certificate with another's key")
	}
	if h.Certificate() != nil {
		t.Error("a failed load left a certificate")
	}
	if changed, err := h.Load(first.certPEM, first.keyPEM); err != nil || !changed {
		t.Fatalf("first load: changed %v, %v; want changed", changed, err)
	}
	if changed, err := h.Load(first.certPEM, first.keyPEM); err != nil || changed {
		t.Errorf("same load again: changed %v, %v; want unchanged", changed, err)
	}
	if err := h.Checker(nil); err != nil {
		t.Errorf("Checker with a certificate: %v", err)
	}

	// A TLS server configured by TLSOpt serves each handshake the certificate loaded last.
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	h.TLSOpt(cfg)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_ = conn.(*tls.Conn).Handshake()
			_ = conn.Close()
		}
	}()
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	servedSerial := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		defer func() { _ = conn.Close() }()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	if got, want := servedSerial(), first.cert.SerialNumber.String(); got != want {
		t.Errorf("served serial %s, want the first certificate's %s", got, want)
	}
	if changed, err := h.Load(second.certPEM, second.keyPEM); err != nil || !changed {
		t.Fatalf("second load: changed %v, %v; want changed", changed, err)
	}
	if got, want := servedSerial(), second.cert.SerialNumber.String(); got != want {
		t.Errorf("served serial %s after a new load, want the second certificate's %s", got, want)
	}

	clock.SetTime(second.cert.NotAfter.Add(time.Second))
	if err := h.Checker(nil); err == nil {
		t.Error("Checker passes with an expired certificate")
	}
}
