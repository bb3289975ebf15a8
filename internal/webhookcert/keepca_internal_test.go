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
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// keepCAOptions are testOptions for a component that does not set the CRDs' conversion.
func keepCAOptions() Options {
	o := testOptions()
	o.KeepCA, o.CRDs = true, nil
	return o
}

// TestPlanKeepCA runs the histories of TestPlan through a planner that keeps the CA: it issues
// the first one, signs serving certificates with it, and never renews, replaces or trims it.
func TestPlanKeepCA(t *testing.T) {
	full := mustPlanner(t, testOptions())
	keep := mustPlanner(t, keepCAOptions())
	at := t0.Add
	issued, _, _ := applyPlan(t, keep, nil, t0)
	if n := len(issued.cas(t)); n != 1 {
		t.Fatalf("an empty Secret got %d CAs, want its first one", n)
	}
	// A CA rotated by a full Rotator (the wire-conversion hook), and its old CA then expired.
	renewed18h, _, _ := applyPlan(t, full, issued, at(18*time.Hour))
	rotated20h, _, _ := applyPlan(t, full, renewed18h, at(20*time.Hour+time.Second))
	resigned, _, _ := applyPlan(t, full, rotated20h, at(20*time.Hour+11*time.Minute+time.Second))
	renewed27h, _, _ := applyPlan(t, full, resigned, at(27*time.Hour))

	for _, tc := range []struct {
		name       string
		data       secretData
		at         time.Duration
		newServing bool
		err        string
	}{
		{name: "a Secret just issued is left alone", data: issued},
		{name: "a due serving certificate is renewed by the same CA", data: issued, at: 6*time.Hour + time.Second, newServing: true},
		{name: "a due CA is kept, and signs the serving certificate due with it", data: issued, at: 20*time.Hour + time.Second,
			newServing: true},
		{name: "a CA rotated elsewhere signs once activated; ca.crt keeps both", data: rotated20h,
			at: 20*time.Hour + 11*time.Minute + time.Second, newServing: true},
		{name: "an expired CA in ca.crt is not removed", data: renewed27h, at: 30*time.Hour + time.Second},
		{name: "an expired CA is an error", data: issued, at: 30*time.Hour + time.Second, err: "no valid CA"},
		{name: "a CA without its key is an error", data: secretData{CACertKey: issued[CACertKey]}, err: "no valid CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, reasons, err := keep.plan(tc.data, at(tc.at))
			if tc.err != "" {
				if !errors.Is(err, ErrCAUnusable) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want %v containing %q", err, ErrCAUnusable, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (next != nil) != tc.newServing {
				t.Fatalf("plan changes %v (%q), want %v", next != nil, reasons, tc.newServing)
			}
			if next == nil {
				return
			}
			if !bytes.Equal(next[CACertKey], tc.data[CACertKey]) || !bytes.Equal(next[CAKeyKey], tc.data[CAKeyKey]) {
				t.Error("ca.crt or ca.key changed")
			}
			out := secretData(next)
			if out.serving(t).CheckSignatureFrom(out.cas(t)[0]) != nil {
				t.Error("the serving certificate is not signed by the Secret's first CA")
			}
		})
	}
}

// logLines records what a logger writes.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) sink(prefix, args string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, prefix+" "+args)
}

func (l *logLines) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

func TestRotatorKeepCAWarnsWhenCADue(t *testing.T) {
	ctx := context.Background()
	o := keepCAOptions()
	c := newFakeClient(t, &writes{}, interceptor.Funcs{}, emptySecret(o))
	r, clock := newTestRotator(t, o, c)
	logs := &logLines{}
	r.log = funcr.New(logs.sink, funcr.Options{})
	const warning = "run helm upgrade"
	for _, step := range []struct {
		at       time.Duration
		warnings int
	}{
		{0, 0},                             // the first CA, issued
		{19 * time.Hour, 0},                // not due yet
		{20*time.Hour + time.Minute, 1},    // due: said once
		{20*time.Hour + 30*time.Minute, 1}, // not again within CAWarningInterval
		{21*time.Hour + 2*time.Minute, 2},  // and again after it
		{21*time.Hour + 3*time.Minute, 2},  // still kept: the serving certificate still signed by it
		{29*time.Hour + 59*time.Minute, 3}, // until it ends
	} {
		clock.SetTime(t0.Add(step.at))
		if err := r.Check(ctx); err != nil {
			t.Fatalf("check at %s: %v", step.at, err)
		}
		if got := logs.count(warning); got != step.warnings {
			t.Errorf("at %s: %d warnings, want %d", step.at, got, step.warnings)
		}
	}
	if n := len(secretData(getSecret(t, c, o).Data).cas(t)); n != 1 {
		t.Errorf("%d CAs in ca.crt, want the first one only", n)
	}
	clock.SetTime(t0.Add(30*time.Hour + time.Minute))
	if err := r.Check(ctx); !errors.Is(err, ErrCAUnusable) {
		t.Errorf("a check after the CA expired: got %v, want %v", err, ErrCAUnusable)
	}
}

func TestWire(t *testing.T) {
	o := testOptions()
	c := newFakeClient(t, &writes{}, interceptor.Funcs{}, emptySecret(o), widgets())
	ctx := logf.IntoContext(context.Background(), funcr.New((&logLines{}).sink, funcr.Options{}))
	if err := wire(ctx, c, o); err != nil {
		t.Fatal(err)
	}
	s := getSecret(t, c, o)
	if len(secretData(s.Data).cas(t)) != 1 {
		t.Error("no CA issued")
	}
	conv := getWidgetsCRD(t, c).Spec.Conversion
	if conv.Strategy != apiextensionsv1.WebhookConverter || !bytes.Equal(conv.Webhook.ClientConfig.CABundle, s.Data[CACertKey]) {
		t.Errorf("the CRD's conversion %+v does not trust the Secret's CA", conv)
	}

	t.Run("retries until the Secret appears", func(t *testing.T) {
		var mu sync.Mutex
		gets := 0
		late := interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Secret); ok {
				mu.Lock()
				gets++
				n := gets
				mu.Unlock()
				if n <= 2 {
					return apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, key.Name)
				}
			}
			return c.Get(ctx, key, obj, opts...)
		}, Create: func(_ context.Context, _ client.WithWatch, obj client.Object, _ ...client.CreateOption) error {
			return apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, obj.GetName(), errors.New("RBAC: no create"))
		}}
		o := testOptions()
		o.CheckInterval = 50 * time.Millisecond
		o.CAActivationDelay = 2 * o.CheckInterval
		if err := wire(ctx, newFakeClient(t, &writes{}, late, emptySecret(o), widgets()), o); err != nil {
			t.Fatal(err)
		}
		if gets < 3 {
			t.Errorf("%d reads of the Secret, want the two that failed and one more", gets)
		}
	})

	t.Run("gives up with the last error when the context ends", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		forbidden := interceptor.Funcs{Create: func(_ context.Context, _ client.WithWatch, obj client.Object, _ ...client.CreateOption) error {
			return apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, obj.GetName(), errors.New("RBAC: no create"))
		}}
		err := wire(ctx, newFakeClient(t, &writes{}, forbidden, widgets()), testOptions())
		if !errors.Is(err, ErrSecretMissing) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want %v and %v", err, ErrSecretMissing, context.DeadlineExceeded)
		}
	})
}
