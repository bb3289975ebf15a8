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

package members

import (
	"context"
	"errors"
	"maps"
	"net"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/multicluster-runtime/pkg/multicluster"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, flotillav1alpha1.AddToScheme, nvidiav1beta1.AddToScheme, clusterv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// newTestRegistrar returns a registrar over a fake hub holding objs, with a Provider that is not
// started (Register records registrations without engaging them), and its event recorder.
func newTestRegistrar(t *testing.T, objs ...client.Object) (registrar, *events.FakeRecorder) {
	t.Helper()
	s := testScheme(t)
	recorder := events.NewFakeRecorder(8)
	return registrar{
		client:   fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build(),
		provider: NewProvider(Options{Scheme: s}),
		recorder: recorder,
	}, recorder
}

// member is the name of the member of the registration tests.
const member = "m"

// secretSource is the kubeconfig Secret of member.
func secretSource() flotillav1alpha1.MemberSource {
	return flotillav1alpha1.MemberSource{KubeconfigSecret: &flotillav1alpha1.ObjectReference{Namespace: "flotilla-members", Name: member}}
}

// clusterSource is the Cluster API Cluster of member in namespace ns.
func clusterSource(ns string) flotillav1alpha1.MemberSource {
	return flotillav1alpha1.MemberSource{ClusterAPI: &flotillav1alpha1.ObjectReference{Namespace: ns, Name: member}}
}

// memberSecret is the kubeconfig Secret of member; labelled says whether it carries the
// kubeconfig label.
func memberSecret(labelled bool) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "flotilla-members", Name: member}}
	if labelled {
		s.Labels = map[string]string{flotillav1alpha1.LabelMemberKubeconfig: "true"}
	}
	return s
}

// capiCluster is the Cluster API Cluster of member in namespace ns and, if kubeconfig is set, its
// kubeconfig Secret.
func capiCluster(ns string, kubeconfig []byte) []client.Object {
	objs := []client.Object{&clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: member}}}
	if kubeconfig != nil {
		objs = append(objs, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: member + clusterAPIKubeconfigSuffix},
			Data:       map[string][]byte{clusterAPIKubeconfigKey: kubeconfig},
		})
	}
	return objs
}

// memberCluster returns the MemberCluster of member on the hub, or nil if there is none.
func memberCluster(t *testing.T, c client.Client) *flotillav1alpha1.MemberCluster {
	t.Helper()
	mc := &flotillav1alpha1.MemberCluster{}
	err := c.Get(context.Background(), client.ObjectKey{Name: member}, mc)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

// noEvent fails t if recorder holds an event.
func noEvent(t *testing.T, recorder *events.FakeRecorder) {
	t.Helper()
	select {
	case e := <-recorder.Events:
		t.Errorf("unexpected event %q", e)
	default:
	}
}

func TestRegisterAppliesTheMemberClusterOfARegisteredMember(t *testing.T) {
	r, recorder := newTestRegistrar(t)
	reg := Registration{
		Name: member, Source: secretSource(), Kubeconfig: testKubeconfig(t, "https://127.0.0.1:1"),
		Labels: map[string]string{"env": "prod", flotillav1alpha1.LabelMemberKubeconfig: "true"},
	}
	res, err := r.register(context.Background(), memberSecret(true), reg)
	if err != nil || res != (reconcile.Result{}) {
		t.Fatalf("register = %v, %v; want no requeue and no error", res, err)
	}
	if got, ok := r.provider.Lookup(member); !ok || !SameSource(got.Source, reg.Source) {
		t.Errorf("Lookup = %v, %v; want the registration of %s", got, ok, DescribeSource(reg.Source))
	}
	mc := memberCluster(t, r.client)
	if mc == nil {
		t.Fatal("no MemberCluster")
	}
	if !maps.Equal(mc.Labels, map[string]string{"env": "prod"}) {
		t.Errorf("MemberCluster labels = %v; want the source's labels but the kubeconfig marker", mc.Labels)
	}
	if got := mc.Annotations[AnnotationSource]; got != DescribeSource(reg.Source) {
		t.Errorf("MemberCluster source = %q; want %q", got, DescribeSource(reg.Source))
	}
	noEvent(t, recorder)
}

func TestRegisterRefusesANameHeldByAnotherSource(t *testing.T) {
	kubeconfig := testKubeconfig(t, "https://127.0.0.1:1")
	for _, tc := range []struct {
		name string
		// holder holds the name; hub is what the hub holds of the holder's source object.
		holder  flotillav1alpha1.MemberSource
		hub     []client.Object
		leaving bool
	}{
		{name: "Cluster alive", holder: clusterSource("fleet"), hub: capiCluster("fleet", kubeconfig)},
		{name: "Cluster deleted", holder: clusterSource("fleet"), leaving: true},
		{name: "Cluster being deleted", holder: clusterSource("fleet"), leaving: true, hub: func() []client.Object {
			objs := capiCluster("fleet", kubeconfig)
			objs[0].SetFinalizers([]string{"test.flotilla.dev/hold"})
			objs[0].SetDeletionTimestamp(&metav1.Time{Time: time.Now()})
			return objs
		}()},
		{name: "Cluster without its kubeconfig Secret", holder: clusterSource("fleet"), hub: capiCluster("fleet", nil), leaving: true},
		{name: "kubeconfig Secret alive", holder: secretSource(), hub: []client.Object{memberSecret(true)}},
		{name: "kubeconfig Secret deleted", holder: secretSource(), leaving: true},
		{name: "kubeconfig Secret unlabelled", holder: secretSource(), hub: []client.Object{memberSecret(false)}, leaving: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, recorder := newTestRegistrar(t, tc.hub...)
			ctx := context.Background()
			held := Registration{Name: member, Source: tc.holder, Kubeconfig: kubeconfig}
			if err := r.provider.Register(held); err != nil {
				t.Fatal(err)
			}
			if err := ApplyMemberCluster(ctx, r.client, held); err != nil {
				t.Fatal(err)
			}

			// The refused source is of the other kind than the holder, or another Cluster.
			refused := Registration{Name: member, Source: clusterSource("other"), Kubeconfig: kubeconfig,
				Labels: map[string]string{"refused": "true"}}
			if tc.holder.ClusterAPI != nil {
				refused.Source = secretSource()
			}
			res, err := r.register(ctx, memberSecret(true), refused)
			if err != nil {
				t.Fatalf("register: %v", err)
			}
			if tc.leaving {
				if res.RequeueAfter != takeOverRetry {
					t.Errorf("register = %v; want a retry after %v, the holder leaving", res, takeOverRetry)
				}
				noEvent(t, recorder)
			} else {
				if res != (reconcile.Result{}) {
					t.Errorf("register = %v; want no retry", res)
				}
				select {
				case e := <-recorder.Events:
					want := "Warning MemberNotRegistered " + ErrNameTaken.Error() + ": " + DescribeSource(tc.holder)
					if e != want {
						t.Errorf("event %q; want %q", e, want)
					}
				default:
					t.Error("no event says why the member is not registered")
				}
			}
			if got, _ := r.provider.Lookup(member); !SameSource(got.Source, tc.holder) {
				t.Errorf("the name went to %s", DescribeSource(got.Source))
			}
			mc := memberCluster(t, r.client)
			if mc == nil || mc.Annotations[AnnotationSource] != DescribeSource(tc.holder) || mc.Labels["refused"] != "" {
				t.Errorf("the refused source wrote the holder's MemberCluster: %+v", mc)
			}
		})
	}
}

func TestRegisterRefusesAnInvalidKubeconfigWithoutAMemberCluster(t *testing.T) {
	r, recorder := newTestRegistrar(t)
	res, err := r.register(context.Background(), memberSecret(true),
		Registration{Name: member, Source: secretSource(), Kubeconfig: []byte("not a kubeconfig")})
	if err != nil || res != (reconcile.Result{}) {
		t.Fatalf("register = %v, %v; want no requeue and no error", res, err)
	}
	select {
	case e := <-recorder.Events:
		if !strings.Contains(e, ErrInvalidKubeconfig.Error()) {
			t.Errorf("event %q; want it to say %q", e, ErrInvalidKubeconfig)
		}
	default:
		t.Error("no event says why the member is not registered")
	}
	if _, ok := r.provider.Lookup(member); ok {
		t.Error("the member is registered")
	}
	if mc := memberCluster(t, r.client); mc != nil {
		t.Errorf("a MemberCluster was made for a member that is not registered: %+v", mc)
	}
}

// nopAware is a manager that engages nothing.
type nopAware struct{}

func (nopAware) Engage(context.Context, multicluster.ClusterName, cluster.Cluster) error { return nil }

func TestRegisterAppliesTheMemberClusterOfAMemberThatCannotBeEngaged(t *testing.T) {
	r, _ := newTestRegistrar(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = r.provider.Start(ctx, nopAware{}) }()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	reg := Registration{Name: member, Source: secretSource(), Kubeconfig: testKubeconfig(t, "https://"+closed)}
	// Before the Provider starts, Register only records the registration.
	deadline := time.Now().Add(waitTimeout)
	for err == nil && time.Now().Before(deadline) {
		_, err = r.register(ctx, memberSecret(true), reg)
	}
	if err == nil {
		t.Fatal("register engaged a member whose port is closed")
	}
	if errors.Is(err, ErrNameTaken) || errors.Is(err, ErrInvalidKubeconfig) {
		t.Fatalf("register refused the member: %v", err)
	}
	if r.provider.EngageError(member) == nil {
		t.Error("EngageError does not say why the member is not engaged")
	}
	if mc := memberCluster(t, r.client); mc == nil || mc.Annotations[AnnotationSource] != DescribeSource(reg.Source) {
		t.Errorf("MemberCluster %+v; want the member's, though it is not engaged", mc)
	}
}

func TestSecretSourceTakesOverTheNameOfALeavingCluster(t *testing.T) {
	secret := memberSecret(true)
	secret.Data = map[string][]byte{flotillav1alpha1.KubeconfigSecretKey: testKubeconfig(t, "https://127.0.0.1:1")}
	r, _ := newTestRegistrar(t, secret)
	// A Cluster of the name holds it, and is gone from the hub.
	if err := r.provider.Register(Registration{Name: member, Source: clusterSource("fleet"),
		Kubeconfig: testKubeconfig(t, "https://127.0.0.1:2")}); err != nil {
		t.Fatal(err)
	}
	s := &SecretSource{Client: r.client, Provider: r.provider, Namespace: secret.Namespace}
	res, err := s.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Namespace: secret.Namespace, Name: member}})
	if err != nil || res.RequeueAfter != takeOverRetry {
		t.Errorf("Reconcile = %v, %v; want a retry after %v", res, err, takeOverRetry)
	}

	r.provider.Unregister(member, clusterSource("fleet"))
	res, err = s.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Namespace: secret.Namespace, Name: member}})
	if err != nil || res != (reconcile.Result{}) {
		t.Errorf("Reconcile = %v, %v; want the member registered", res, err)
	}
	if got, ok := r.provider.Lookup(member); !ok || !SameSource(got.Source, secretSource()) {
		t.Errorf("Lookup = %v, %v; want the Secret's registration", got, ok)
	}
	if mc := memberCluster(t, r.client); mc == nil || mc.Annotations[AnnotationSource] != DescribeSource(secretSource()) {
		t.Errorf("MemberCluster %+v; want the Secret's", mc)
	}
}
