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
	"context"
	"fmt"
	"math"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// Wire checks once, as a Rotator for opts with cfg's credentials and no manager: it writes the
// certificates that are due into the Secret (issuing the CA and the serving certificate of an
// empty one, renewing a CA that is due) and points opts.CRDs at the webhook with the Secret's
// CA bundle. It is what a one-shot job runs for a component that may not patch the CRDs
// itself, which then serves with Options.KeepCA and no CRDs: the agent chart's wire-conversion
// hook of a namespace-restricted agent. A failed check is retried, backing off from one second
// to opts.CheckInterval, until one succeeds or ctx is done; the error is then the last check's.
func Wire(ctx context.Context, cfg *rest.Config, opts Options) error {
	scheme, err := Scheme()
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("webhookcert: creating a client: %w", err)
	}
	return wire(ctx, c, opts)
}

// wire is Wire with a client.
func wire(ctx context.Context, c client.Client, opts Options) error {
	r, err := New(opts)
	if err != nil {
		return err
	}
	r.client = c
	r.log = logf.FromContext(ctx).WithName("webhookcert")
	backoff := wait.Backoff{Duration: min(firstRetry, r.opts.CheckInterval), Factor: 2, Jitter: 0.1,
		Steps: math.MaxInt32, Cap: r.opts.CheckInterval}
	var last error
	for {
		if last = r.Check(ctx); last == nil {
			r.log.Info("Wired the conversion webhook", "secret", r.opts.Secret, "crds", r.opts.CRDs)
			return nil
		}
		next := backoff.Step()
		r.log.Error(last, "Wiring the conversion webhook failed; retrying", "after", next.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return fmt.Errorf("webhookcert: wiring the conversion webhook: %w (gave up: %w)", last, ctx.Err())
		case <-time.After(next):
		}
	}
}
