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
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

const widgetsCRD = "widgets.test.flotilla.dev"

// emptySecret is the Secret as the chart creates it.
func emptySecret(o Options) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: o.Secret.Namespace, Name: o.Secret.Name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: {}, corev1.TLSPrivateKeyKey: {}},
	}
}

// widgets returns the CRD widgetsCRD with conversion strategy None.
func widgets() *apiextensionsv1.CustomResourceDefinition {
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: widgetsCRD},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Conversion: &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter},
		},
	}
}

// writes counts the writes through a fake client, by kind.
type writes struct{ secrets, crds atomic.Int32 }

func (w *writes) count(obj client.Object) {
	switch obj.(type) {
	case *corev1.Secret:
		w.secrets.Add(1)
	case *apiextensionsv1.CustomResourceDefinition:
		w.crds.Add(1)
	}
}

// newFakeClient returns a fake client holding objs that counts writes into w; funcs may
// intercept more.
func newFakeClient(t *testing.T, w *writes, funcs interceptor.Funcs, objs ...client.Object) client.WithWatch {
	t.Helper()
	scheme, err := Scheme()
	if err != nil {
		t.Fatal(err)
	}
	patch, update, create := funcs.Patch, funcs.Update, funcs.Create
	funcs.Patch = func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
		if patch != nil {
			if err := patch(ctx, c, obj, p, opts...); err != nil {
				return err
			}
		}
		w.count(obj)
		return c.Patch(ctx, obj, p, opts...)
	}
	funcs.Update = func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
		if update != nil {
			if err := update(ctx, c, obj, opts...); err != nil {
				return err
			}
		}
		w.count(obj)
		return c.Update(ctx, obj, opts...)
	}
	funcs.Create = func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
		if create != nil {
			if err := create(ctx, c, obj, opts...); err != nil {
				return err
			}
		}
		w.count(obj)
		return c.Create(ctx, obj, opts...)
	}
	return interceptor.NewClient(fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build(), funcs)
}

// newTestRotator returns a Rotator for o on c, its clock a fake one at t0.
func newTestRotator(t *testing.T, o Options, c client.Client) (*Rotator, *clocktesting.FakePassiveClock) {
	t.Helper()
	clock := clocktesting.NewFakePassiveClock(t0)
	o.Clock = clock
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	r.client = c
	return r, clock
}

func getSecret(t *testing.T, c client.Client, o Options) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{}
	if err := c.Get(context.Background(), o.Secret, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func getWidgetsCRD(t *testing.T, c client.Client) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := c.Get(context.Background(), client.ObjectKey{Name: widgetsCRD}, crd); err != nil {
		t.Fatal(err)
	}
	return crd
}

func TestRotatorSelfSigned(t *testing.T) {
	ctx := context.Background()
	o := testOptions()
	w := &writes{}
	c := newFakeClient(t, w, interceptor.Funcs{}, emptySecret(o), widgets())
	r, clock := newTestRotator(t, o, c)

	// expectServed checks that the CRD trusts ca.crt, and r serves tls.crt.
	expectServed := func(t *testing.T) *corev1.Secret {
		t.Helper()
		s := getSecret(t, c, o)
		if got, want := getWidgetsCRD(t, c).Spec.Conversion, r.opts.Conversion(s.Data[CACertKey]); !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("CRD conversion %+v, want %+v", got, want)
		}
		if cert := r.Holder().Certificate(); cert == nil || !derIn(cert.Certificate[0], s.Data[corev1.TLSCertKey]) {
			t.Error("the Rotator does not serve the Secret's tls.crt")
		}
		return s
	}

	if err := r.Check(ctx); err != nil {
		t.Fatalf("first check: %v", err)
	}
	first := expectServed(t)
	if n := len(secretData(first.Data).cas(t)); n != 1 {
		t.Errorf("%d CAs after the first check, want 1", n)
	}
	if w.secrets.Load() != 1 || w.crds.Load() != 1 {
		t.Errorf("first check wrote the Secret %d times and the CRD %d times, want once each", w.secrets.Load(), w.crds.Load())
	}

	t.Run("a check with nothing due writes nothing", func(t *testing.T) {
		secrets, crds := w.secrets.Load(), w.crds.Load()
		crdVersion := getWidgetsCRD(t, c).ResourceVersion
		clock.SetTime(t0.Add(time.Hour))
		if err := r.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if w.secrets.Load() != secrets || w.crds.Load() != crds {
			t.Errorf("wrote %d Secrets and %d CRDs", w.secrets.Load()-secrets, w.crds.Load()-crds)
		}
		if s := getSecret(t, c, o); s.ResourceVersion != first.ResourceVersion {
			t.Errorf("Secret resourceVersion %s, want %s", s.ResourceVersion, first.ResourceVersion)
		}
		if v := getWidgetsCRD(t, c).ResourceVersion; v != crdVersion {
			t.Errorf("CRD resourceVersion %s, want %s", v, crdVersion)
		}
	})

	t.Run("a due serving certificate is renewed and served; the CRD keeps its caBundle", func(t *testing.T) {
		crdVersion := getWidgetsCRD(t, c).ResourceVersion
		clock.SetTime(t0.Add(6*time.Hour + time.Minute))
		if err := r.Check(ctx); err != nil {
			t.Fatal(err)
		}
		s := expectServed(t)
		if bytes.Equal(s.Data[corev1.TLSCertKey], first.Data[corev1.TLSCertKey]) {
			t.Error("the serving certificate was not renewed")
		}
		if v := getWidgetsCRD(t, c).ResourceVersion; v != crdVersion {
			t.Error("the CRD was written though its caBundle did not change")
		}
	})

	t.Run("a due CA is rotated; the CRD trusts both CAs and the old serving certificate is kept", func(t *testing.T) {
		clock.SetTime(t0.Add(18 * time.Hour))
		if err := r.Check(ctx); err != nil {
			t.Fatal(err)
		}
		before := getSecret(t, c, o)
		clock.SetTime(t0.Add(20*time.Hour + time.Minute))
		if err := r.Check(ctx); err != nil {
			t.Fatal(err)
		}
		s := expectServed(t)
		if n := len(secretData(s.Data).cas(t)); n != 2 {
			t.Errorf("%d CAs in ca.crt, want 2", n)
		}
		if !bytes.Equal(s.Data[corev1.TLSCertKey], before.Data[corev1.TLSCertKey]) {
			t.Error("the serving certificate was renewed before the new CA was activated")
		}
	})
}

// derIn reports whether the first certificate of pemData is der.
func derIn(der, pemData []byte) bool {
	certs, err := parseCerts(pemData)
	return err == nil && bytes.Equal(certs[0].Raw, der)
}

func TestRotatorSecretMissing(t *testing.T) {
	ctx := context.Background()
	o := testOptions()

	t.Run("not allowed to create it", func(t *testing.T) {
		forbid := interceptor.Funcs{Create: func(_ context.Context, _ client.WithWatch, obj client.Object, _ ...client.CreateOption) error {
			return apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, obj.GetName(), errors.New("RBAC: no create"))
		}}
		c := newFakeClient(t, &writes{}, forbid, widgets())
		r, _ := newTestRotator(t, o, c)
		err := r.Check(ctx)
		if !errors.Is(err, ErrSecretMissing) || !apierrors.IsForbidden(err) {
			t.Fatalf("error %v, want ErrSecretMissing and the apiserver's Forbidden", err)
		}
		if !strings.Contains(err.Error(), o.Secret.String()) {
			t.Errorf("error %q does not name the Secret", err)
		}
		if r.Holder().Certificate() != nil || r.Holder().Checker(nil) == nil {
			t.Error("ready without a certificate")
		}
	})
	t.Run("allowed to create it", func(t *testing.T) {
		c := newFakeClient(t, &writes{}, interceptor.Funcs{}, widgets())
		r, _ := newTestRotator(t, o, c)
		if err := r.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if s := getSecret(t, c, o); s.Type != corev1.SecretTypeTLS || len(s.Data[CAKeyKey]) == 0 {
			t.Errorf("created Secret of type %s without certificates", s.Type)
		}
		if r.Holder().Checker(nil) != nil {
			t.Error("not ready after the Secret was created and filled")
		}
	})
}

// TestRotatorOpaqueSecret fills a Secret created as an Opaque Secret without data, the form a
// chart can create without Helm resetting its data at every upgrade.
func TestRotatorOpaqueSecret(t *testing.T) {
	o := testOptions()
	opaque := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: o.Secret.Namespace, Name: o.Secret.Name}}
	c := newFakeClient(t, &writes{}, interceptor.Funcs{}, opaque, widgets())
	r, _ := newTestRotator(t, o, c)
	if err := r.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := getSecret(t, c, o)
	for _, k := range []string{CACertKey, CAKeyKey, corev1.TLSCertKey, corev1.TLSPrivateKeyKey} {
		if len(s.Data[k]) == 0 {
			t.Errorf("%s not written", k)
		}
	}
	if r.Holder().Certificate() == nil {
		t.Error("no certificate served")
	}
}

func TestRotatorMissingCRD(t *testing.T) {
	o := testOptions()
	o.CRDs = []string{"gadgets.test.flotilla.dev", widgetsCRD}
	c := newFakeClient(t, &writes{}, interceptor.Funcs{}, emptySecret(o), widgets())
	r, _ := newTestRotator(t, o, c)
	err := r.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "gadgets.test.flotilla.dev does not exist") {
		t.Errorf("error %v, want one saying gadgets.test.flotilla.dev does not exist", err)
	}
	if r.Holder().Certificate() == nil {
		t.Error("a missing CRD kept the certificate from being served")
	}
	if getWidgetsCRD(t, c).Spec.Conversion.Strategy != apiextensionsv1.WebhookConverter {
		t.Error("a missing CRD kept the others from being set")
	}
}

// TestRotatorConcurrentReplicas has replica b write the certificates between replica a's read
// of the Secret and a's write: a's write conflicts, a reads b's certificates, and both serve
// the same one.
func TestRotatorConcurrentReplicas(t *testing.T) {
	ctx := context.Background()
	o := testOptions()
	w := &writes{}
	var b *Rotator
	var conflicts atomic.Int32
	race := interceptor.Funcs{Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
		if _, ok := obj.(*corev1.Secret); ok && conflicts.Add(1) == 1 {
			if err := b.Check(ctx); err != nil {
				t.Errorf("replica b: %v", err)
			}
		}
		return c.Patch(ctx, obj, p, opts...)
	}}
	shared := newFakeClient(t, w, interceptor.Funcs{}, emptySecret(o), widgets())
	a, _ := newTestRotator(t, o, interceptor.NewClient(shared, race))
	b, _ = newTestRotator(t, o, shared)

	if err := a.Check(ctx); err != nil {
		t.Fatalf("replica a: %v", err)
	}
	// a's own patch, b's patch inside it; a's conflicted, so the Secret holds b's certificates.
	if got := w.secrets.Load(); got != 2 {
		t.Errorf("%d Secret writes attempted, want 2 (b's, then a's conflicting one)", got)
	}
	s := getSecret(t, shared, o)
	for name, r := range map[string]*Rotator{"a": a, "b": b} {
		if cert := r.Holder().Certificate(); cert == nil || !derIn(cert.Certificate[0], s.Data[corev1.TLSCertKey]) {
			t.Errorf("replica %s does not serve the certificate in the Secret", name)
		}
	}
}

func TestRotatorCertManager(t *testing.T) {
	ctx := context.Background()
	o := testOptions()
	o.Mode = ModeCertManager
	ca, err := newCA("cert-manager-ca", t0, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPlanner(t, o)
	serving, err := newServingCert(ca, p.dnsNames, p.ips, t0, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	issued := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: o.Secret.Namespace, Name: o.Secret.Name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{CACertKey: ca.certPEM, corev1.TLSCertKey: serving.certPEM, corev1.TLSPrivateKeyKey: serving.keyPEM},
	}

	t.Run("waits for cert-manager to write the Secret", func(t *testing.T) {
		w := &writes{}
		r, _ := newTestRotator(t, o, newFakeClient(t, w, interceptor.Funcs{}, widgets()))
		if err := r.Check(ctx); !errors.Is(err, ErrSecretMissing) || !strings.Contains(err.Error(), "cert-manager") {
			t.Errorf("error %v, want ErrSecretMissing mentioning cert-manager", err)
		}
		if w.secrets.Load() != 0 {
			t.Error("created the Secret cert-manager writes")
		}
	})
	t.Run("serves cert-manager's certificate and injects its CA, writing no Secret", func(t *testing.T) {
		w := &writes{}
		c := newFakeClient(t, w, interceptor.Funcs{}, issued.DeepCopy(), widgets())
		r, _ := newTestRotator(t, o, c)
		if err := r.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if cert := r.Holder().Certificate(); cert == nil || !cert.Leaf.Equal(serving.cert) {
			t.Error("cert-manager's certificate is not served")
		}
		if got := getWidgetsCRD(t, c).Spec.Conversion.Webhook.ClientConfig.CABundle; string(got) != string(ca.certPEM) {
			t.Error("the CRD's caBundle is not cert-manager's ca.crt")
		}
		// Long after, nothing is renewed: that is cert-manager's job.
		r.opts.Clock.(*clocktesting.FakePassiveClock).SetTime(t0.Add(29 * 24 * time.Hour))
		if err := r.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if w.secrets.Load() != 0 {
			t.Errorf("wrote the Secret %d times", w.secrets.Load())
		}
	})
	t.Run("refuses a Secret without ca.crt", func(t *testing.T) {
		noCA := issued.DeepCopy()
		delete(noCA.Data, CACertKey)
		r, _ := newTestRotator(t, o, newFakeClient(t, &writes{}, interceptor.Funcs{}, noCA, widgets()))
		if err := r.Check(ctx); err == nil || !strings.Contains(err.Error(), CACertKey) {
			t.Errorf("error %v, want one about %s", err, CACertKey)
		}
		if r.Holder().Certificate() != nil {
			t.Error("served a certificate whose CA is unknown")
		}
	})
}

func TestRotatorStart(t *testing.T) {
	o := testOptions()
	o.CALifetime, o.ServingCertLifetime, o.CAActivationDelay, o.CheckInterval = time.Hour, 10*time.Minute, time.Minute, 100*time.Millisecond
	// The Secret appears only after the first checks failed: the Rotator retries until it
	// serves, then Start returns when its context ends.
	var gets atomic.Int32
	late := interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		if _, ok := obj.(*corev1.Secret); ok && gets.Add(1) <= 2 {
			return apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, key.Name)
		}
		return c.Get(ctx, key, obj, opts...)
	}, Create: func(_ context.Context, _ client.WithWatch, obj client.Object, _ ...client.CreateOption) error {
		return apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, obj.GetName(), errors.New("RBAC: no create"))
	}}
	c := newFakeClient(t, &writes{}, late, emptySecret(o), widgets())
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	r.client = c
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Start(ctx) }()
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return r.Holder().Checker(nil) == nil, nil
	}); err != nil {
		t.Fatalf("not ready: %v", err)
	}
	if n := gets.Load(); n < 3 {
		t.Errorf("%d reads of the Secret, want the two that failed and one more", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Start returned %v", err)
	}
	if r.NeedLeaderElection() {
		t.Error("the Rotator needs leader election; every replica must serve")
	}
}
