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

package testenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const pollInterval = 100 * time.Millisecond

// WaitFor polls cond until it returns true or ctx ends; the error then names what and cond's
// last error. It is waitFor without components to watch, for clusters of other kinds (kind's).
func WaitFor(ctx context.Context, what string, cond func(context.Context) (bool, error)) error {
	return waitFor(ctx, what, nil, cond)
}

// waitFor polls cond until it returns true, ctx ends, or one of the watched components exits
// (then the error carries the tail of that component's log). cond's last error is reported
// on timeout.
func waitFor(ctx context.Context, what string, watch []*Process, cond func(context.Context) (bool, error)) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	var lastErr error
	for {
		for _, c := range watch {
			if c.Exited() {
				return fmt.Errorf("waiting for %s: %w", what, c.ExitError())
			}
		}
		ok, err := cond(ctx)
		if ok {
			return nil
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			msg := fmt.Sprintf("timed out waiting for %s", what)
			if lastErr != nil {
				msg += fmt.Sprintf(" (last error: %v)", lastErr)
			}
			for _, c := range watch {
				msg += fmt.Sprintf("\n--- last lines of %s:\n%s", c.LogPath, c.LogTail(15))
			}
			return fmt.Errorf("%s: %w", msg, ctx.Err())
		case <-t.C:
		}
	}
}

// httpOK returns a condition that GETs url with client and accepts a 200 whose body
// satisfies bodyOK (nil accepts any body).
func httpOK(client *http.Client, url string, bodyOK func(string) bool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
		}
		if bodyOK != nil && !bodyOK(string(body)) {
			return false, fmt.Errorf("GET %s: unexpected body %q", url, body)
		}
		return true, nil
	}
}

// healthClient returns an HTTP client for health probes. With a CA it verifies the server and
// presents the client certificate; without one it skips verification (the controller-manager
// and scheduler serve self-signed certificates, and their /healthz is open to anyone).
func healthClient(caPEM []byte, cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caPEM == nil {
		cfg.InsecureSkipVerify = true //nolint:gosec // loopback health probe of a self-signed test server
	} else {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caPEM)
		cfg.RootCAs = pool
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true},
	}
}
