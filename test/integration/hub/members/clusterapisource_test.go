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

package members_test

import (
	"context"
	"fmt"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/multicluster-runtime/pkg/multicluster"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/hub/members"
)

const (
	// engageTimeout bounds how long a change of a source object takes to reach the Provider.
	engageTimeout = 15 * time.Second
	// leaveTimeout bounds how long the end of a spec waits for its Clusters to be unregistered:
	// a reconcile engaging a member that never answers takes the client's TLS handshake
	// timeout (10s) before it sees the deletion.
	leaveTimeout = 30 * time.Second
	// quietPeriod is how long something that must not happen is watched for.
	quietPeriod = 2 * time.Second
	poll        = 100 * time.Millisecond
	// holdFinalizer keeps a Cluster in deletion.
	holdFinalizer = "test.flotilla.dev/hold"
)

var _ = Describe("ClusterAPISource", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = newNamespace(ctx)
	})

	It("caches Cluster API's kubeconfig Secrets and no other Secret of the hub", func(ctx SpecContext) {
		By("creating a Cluster API kubeconfig Secret and two other Secrets, one named like a kubeconfig")
		capi := kubeconfigSecret(ns, "capi-cache", []byte("not read"))
		other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-credentials"}, StringData: map[string]string{"password": "x"}}
		lookalike := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "lookalike-kubeconfig"}, StringData: map[string]string{"value": "x"}}
		for _, s := range []*corev1.Secret{capi, other, lookalike} {
			Expect(hub.Create(ctx, s)).To(Succeed())
		}

		By("listing the Secrets of the namespace in the hub's cache: the kubeconfig Secret only")
		Eventually(func(g Gomega) {
			cached := &corev1.SecretList{}
			g.Expect(hubCache.List(ctx, cached, client.InNamespace(ns))).To(Succeed())
			names := []string{}
			for _, s := range cached.Items {
				names = append(names, s.Name)
			}
			g.Expect(names).To(ConsistOf(capi.Name))
		}).WithContext(ctx).WithTimeout(leaveTimeout).WithPolling(poll).Should(Succeed())
		Consistently(func(g Gomega) {
			err := hubCache.Get(ctx, client.ObjectKeyFromObject(other), &corev1.Secret{})
			g.Expect(err).To(HaveOccurred())
		}).WithContext(ctx).WithTimeout(2 * time.Second).WithPolling(poll).Should(Succeed())
	})

	It("engages a Cluster only once its control plane is initialized, with its labels and annotations", func(ctx SpecContext) {
		const name = "capi-init"
		cl := createCluster(ctx, ns, name, userOn(fleet[0], name+"-hub"), func(cl *clusterv1.Cluster) {
			cl.Labels = map[string]string{"env": "prod", "cluster.x-k8s.io/provider": "infrastructure-docker"}
			cl.Annotations = map[string]string{
				flotillav1alpha1.AnnotationAgentNamespace:       "dynamo-agent",
				flotillav1alpha1.AnnotationNamespaceRestriction: "team-a",
			}
		})

		By("leaving it out while the control plane is not initialized, though its Secret exists")
		Consistently(func(g Gomega) {
			_, err := provider.Get(ctx, multicluster.ClusterName(name))
			g.Expect(err).To(MatchError(multicluster.ErrClusterNotFound))
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, &flotillav1alpha1.MemberCluster{})).To(Satisfy(apierrors.IsNotFound))
		}).WithContext(ctx).WithTimeout(quietPeriod).WithPolling(poll).Should(Succeed())

		By("engaging it when status.initialization.controlPlaneInitialized turns true")
		setStatus(ctx, cl, initialized)
		member := expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
			g.Expect(member.GetConfig().Host).To(Equal(fleet[0].host()))
			g.Expect(whoAmI(ctx, member)).To(Equal(name + "-hub"))
		})
		Expect(member.GetClient().Get(ctx, client.ObjectKey{Name: markerNamespace + fleet[0].name}, &corev1.Namespace{})).To(Succeed())
		Expect(engaged.of(name)).To(HaveLen(1))
		Expect(engaged.of(name)[0].cluster).To(BeIdenticalTo(member))
		Expect(engaged.of(name)[0].ctx.Err()).NotTo(HaveOccurred())

		By("registering the annotations' agent namespace and namespace restriction")
		reg, ok := provider.Lookup(name)
		Expect(ok).To(BeTrue())
		Expect(reg.Source).To(Equal(clusterSource(ns, name)))
		Expect(reg.AgentNamespace).To(Equal("dynamo-agent"))
		Expect(reg.NamespaceRestriction).To(Equal("team-a"))

		By("creating its MemberCluster with the Cluster's labels, but those of Cluster API")
		mc := expectMemberCluster(ctx, name, fmt.Sprintf("Cluster API Cluster %s/%s", ns, name))
		Expect(mc.Labels).To(Equal(map[string]string{"env": "prod"}))
	})

	It("engages a Cluster on the ControlPlaneInitialized condition, and keeps it when the condition turns False", func(ctx SpecContext) {
		const name = "capi-condition"
		cl := createCluster(ctx, ns, name, userOn(fleet[0], name+"-hub"), nil)
		setStatus(ctx, cl, controlPlaneInitializedCondition(metav1.ConditionTrue))
		member := expectEngaged(ctx, name, nil)

		setStatus(ctx, cl, controlPlaneInitializedCondition(metav1.ConditionFalse))
		Consistently(func(g Gomega) {
			g.Expect(provider.Get(ctx, multicluster.ClusterName(name))).To(BeIdenticalTo(member))
		}).WithContext(ctx).WithTimeout(quietPeriod).WithPolling(poll).Should(Succeed())
		Expect(engaged.of(name)[0].ctx.Err()).NotTo(HaveOccurred())
	})

	It("engages a member again with the new credentials when its kubeconfig Secret is rotated", func(ctx SpecContext) {
		const name = "capi-rotate"
		cl := createCluster(ctx, ns, name, userOn(fleet[0], name+"-a"), nil)
		setStatus(ctx, cl, initialized)
		first := expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
			g.Expect(whoAmI(ctx, member)).To(Equal(name + "-a"))
		})

		By("rotating the Secret to another user of the same member")
		writeKubeconfig(ctx, ns, name, userOn(fleet[0], name+"-b"))
		second := expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
			g.Expect(member).NotTo(BeIdenticalTo(first))
			g.Expect(whoAmI(ctx, member)).To(Equal(name + "-b"))
		})
		Eventually(engaged.of(name)[0].ctx.Done()).WithTimeout(engageTimeout).Should(BeClosed())
		Expect(engaged.of(name)).To(HaveLen(2))

		By("updating the MemberCluster's labels without engaging again when only the Cluster's labels change")
		patchCluster(ctx, cl, func(cl *clusterv1.Cluster) { cl.Labels = map[string]string{"env": "staging"} })
		Eventually(func(g Gomega) {
			mc := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, mc)).To(Succeed())
			g.Expect(mc.Labels).To(HaveKeyWithValue("env", "staging"))
		}).WithContext(ctx).WithTimeout(engageTimeout).WithPolling(poll).Should(Succeed())
		Expect(provider.Get(ctx, multicluster.ClusterName(name))).To(BeIdenticalTo(second))

		By("rotating the Secret to another member")
		writeKubeconfig(ctx, ns, name, userOn(fleet[1], name+"-c"))
		third := expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
			g.Expect(member.GetConfig().Host).To(Equal(fleet[1].host()))
			g.Expect(whoAmI(ctx, member)).To(Equal(name + "-c"))
		})
		Expect(third.GetClient().Get(ctx, client.ObjectKey{Name: markerNamespace + fleet[1].name}, &corev1.Namespace{})).To(Succeed())
		Eventually(engaged.of(name)[1].ctx.Done()).WithTimeout(engageTimeout).Should(BeClosed())
	})

	It("disengages a member and deletes its MemberCluster when its Cluster is deleted", func(ctx SpecContext) {
		for _, held := range []bool{false, true} {
			name := "capi-delete"
			if held {
				By("deleting a Cluster a finalizer holds")
				name = "capi-delete-held"
			} else {
				By("deleting a Cluster")
			}
			cl := createCluster(ctx, ns, name, userOn(fleet[0], name+"-hub"), func(cl *clusterv1.Cluster) {
				if held {
					cl.Finalizers = []string{holdFinalizer}
				}
			})
			setStatus(ctx, cl, initialized)
			expectEngaged(ctx, name, nil)
			expectMemberCluster(ctx, name, fmt.Sprintf("Cluster API Cluster %s/%s", ns, name))

			Expect(hub.Delete(ctx, cl)).To(Succeed())
			if held {
				Expect(hub.Get(ctx, client.ObjectKeyFromObject(cl), cl)).To(Succeed())
				Expect(cl.DeletionTimestamp).NotTo(BeNil())
			}
			expectGone(ctx, name)
			patchCluster(ctx, cl, func(cl *clusterv1.Cluster) { cl.Finalizers = nil })
		}
	})

	It("disengages a member whose kubeconfig Secret is deleted, and engages it again when the Secret is back", func(ctx SpecContext) {
		const name = "capi-secret"
		kubeconfig := userOn(fleet[0], name+"-hub")
		cl := createCluster(ctx, ns, name, kubeconfig, nil)
		setStatus(ctx, cl, initialized)
		expectEngaged(ctx, name, nil)

		Expect(hub.Delete(ctx, kubeconfigSecret(ns, name, nil))).To(Succeed())
		expectGone(ctx, name)

		Expect(hub.Create(ctx, kubeconfigSecret(ns, name, kubeconfig))).To(Succeed())
		expectEngaged(ctx, name, nil)
		expectMemberCluster(ctx, name, fmt.Sprintf("Cluster API Cluster %s/%s", ns, name))
	})

	It("refuses a Cluster whose name a kubeconfig Secret holds, and takes the name over when the Secret goes", func(ctx SpecContext) {
		const name = "capi-taken"
		secretSource := fmt.Sprintf("kubeconfig Secret %s/%s", memberSecretNamespace, name)
		By("registering the name with a kubeconfig Secret of SecretSource for member-1")
		memberSecret := createMemberSecret(ctx, name, userOn(fleet[0], name+"-secret"))
		expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
			g.Expect(member.GetConfig().Host).To(Equal(fleet[0].host()))
		})
		expectMemberCluster(ctx, name, secretSource)

		By("refusing a Cluster of that name for member-2 with a Warning event")
		cl := createCluster(ctx, ns, name, userOn(fleet[1], name+"-capi"), nil)
		setStatus(ctx, cl, initialized)
		expectRefused(ctx, cl, "Cluster", secretSource)
		Consistently(func(g Gomega) {
			reg, ok := provider.Lookup(name)
			g.Expect(ok).To(BeTrue())
			g.Expect(reg.Source.KubeconfigSecret).NotTo(BeNil())
			member, err := provider.Get(ctx, multicluster.ClusterName(name))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(member.GetConfig().Host).To(Equal(fleet[0].host()))
			mc := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, mc)).To(Succeed())
			g.Expect(mc.Annotations).To(HaveKeyWithValue(members.AnnotationSource, secretSource))
		}).WithContext(ctx).WithTimeout(quietPeriod).WithPolling(poll).Should(Succeed())

		By("handing the name to the Cluster once the Secret is deleted")
		Expect(hub.Delete(ctx, memberSecret)).To(Succeed())
		expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
			g.Expect(member.GetConfig().Host).To(Equal(fleet[1].host()))
			reg, ok := provider.Lookup(name)
			g.Expect(ok).To(BeTrue())
			g.Expect(reg.Source).To(Equal(clusterSource(ns, name)))
		})
		expectMemberCluster(ctx, name, fmt.Sprintf("Cluster API Cluster %s/%s", ns, name))
	})

	It("refuses a kubeconfig Secret whose name a Cluster holds, and takes the name over when the Cluster goes", func(ctx SpecContext) {
		const name = "secret-taken"
		capiSource := fmt.Sprintf("Cluster API Cluster %s/%s", ns, name)
		By("registering the name with a Cluster for member-2")
		cl := createCluster(ctx, ns, name, userOn(fleet[1], name+"-capi"), nil)
		setStatus(ctx, cl, initialized)
		expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
			g.Expect(member.GetConfig().Host).To(Equal(fleet[1].host()))
		})
		expectMemberCluster(ctx, name, capiSource)

		By("refusing a kubeconfig Secret of that name for member-1 with a Warning event")
		memberSecret := createMemberSecret(ctx, name, userOn(fleet[0], name+"-secret"))
		expectRefused(ctx, memberSecret, "Secret", capiSource)
		reg, ok := provider.Lookup(name)
		Expect(ok).To(BeTrue())
		Expect(reg.Source).To(Equal(clusterSource(ns, name)))

		By("handing the name to the Secret once the Cluster is deleted, the Secret unchanged")
		Expect(hub.Delete(ctx, cl)).To(Succeed())
		expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
			g.Expect(member.GetConfig().Host).To(Equal(fleet[0].host()))
			reg, ok := provider.Lookup(name)
			g.Expect(ok).To(BeTrue())
			g.Expect(reg.Source.KubeconfigSecret).NotTo(BeNil())
		})
		expectMemberCluster(ctx, name, fmt.Sprintf("kubeconfig Secret %s/%s", memberSecretNamespace, name))
	})

	It("refuses a Cluster whose name a Cluster of another namespace holds, until that one is deleted", func(ctx SpecContext) {
		const name = "capi-twin"
		first := createCluster(ctx, ns, name, userOn(fleet[0], name+"-first"), nil)
		setStatus(ctx, first, initialized)
		expectEngaged(ctx, name, nil)

		otherNS := newNamespace(ctx)
		second := createCluster(ctx, otherNS, name, userOn(fleet[1], name+"-second"), nil)
		setStatus(ctx, second, initialized)
		expectRefused(ctx, second, "Cluster", fmt.Sprintf("Cluster API Cluster %s/%s", ns, name))
		reg, ok := provider.Lookup(name)
		Expect(ok).To(BeTrue())
		Expect(reg.Source).To(Equal(clusterSource(ns, name)))

		Expect(hub.Delete(ctx, first)).To(Succeed())
		expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
			g.Expect(member.GetConfig().Host).To(Equal(fleet[1].host()))
		})
		expectMemberCluster(ctx, name, fmt.Sprintf("Cluster API Cluster %s/%s", otherNS, name))
	})

	It("applies the indexes added to the Provider to members engaged later", func(ctx SpecContext) {
		const name, holder = "capi-index", "capi-index-agent"
		const field = "spec.holderIdentity"
		Expect(provider.IndexField(ctx, &coordinationv1.Lease{}, field, func(o client.Object) []string {
			return []string{ptr.Deref(o.(*coordinationv1.Lease).Spec.HolderIdentity, "")}
		})).To(Succeed())

		memberClient, err := client.New(fleet[0].env.Config, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		lease := &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Namespace: agentNamespace, Name: flotillav1alpha1.AgentLeaseName},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr.To(holder)},
		}
		Expect(memberClient.Create(ctx, lease)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) { Expect(memberClient.Delete(ctx, lease)).To(Succeed()) })

		cl := createCluster(ctx, ns, name, userOn(fleet[0], name+"-hub"), nil)
		setStatus(ctx, cl, initialized)
		member := expectEngaged(ctx, name, nil)
		Eventually(func(g Gomega) {
			leases := &coordinationv1.LeaseList{}
			g.Expect(member.GetCache().List(ctx, leases, client.InNamespace(agentNamespace), client.MatchingFields{field: holder})).To(Succeed())
			g.Expect(leases.Items).To(HaveLen(1))
		}).WithContext(ctx).WithTimeout(engageTimeout).WithPolling(poll).Should(Succeed())
	})

	It("does not let unreachable members hold up the engagement of others", func(ctx SpecContext) {
		const closedName, silent, reachable, secretMember = "capi-closed", "capi-silent", "capi-reachable", "secret-reachable"
		By("creating a Cluster whose port is closed and one whose server accepts connections but never answers")
		start := time.Now()
		closed := createCluster(ctx, ns, closedName, withServer(userOn(fleet[0], closedName+"-hub"), closedPort()), nil)
		setStatus(ctx, closed, initialized)
		hung := createCluster(ctx, ns, silent, withServer(userOn(fleet[0], silent+"-hub"), silentServer()), nil)
		setStatus(ctx, hung, initialized)

		By("creating a reachable Cluster and a reachable kubeconfig Secret")
		live := createCluster(ctx, ns, reachable, userOn(fleet[1], reachable), nil)
		setStatus(ctx, live, initialized)
		createMemberSecret(ctx, secretMember, userOn(fleet[1], secretMember))

		By("engaging the reachable members within seconds")
		for _, name := range []string{reachable, secretMember} {
			expectEngaged(ctx, name, func(g Gomega, member cluster.Cluster) {
				g.Expect(whoAmI(ctx, member)).To(Equal(name))
			})
		}
		Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))

		By("registering the unreachable members and giving them a MemberCluster, engaged or not")
		for _, name := range []string{closedName, silent} {
			Eventually(func(g Gomega) {
				_, ok := provider.Lookup(name)
				g.Expect(ok).To(BeTrue())
				g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, &flotillav1alpha1.MemberCluster{})).To(Succeed())
			}).WithContext(ctx).WithTimeout(engageTimeout).WithPolling(poll).Should(Succeed())
		}
		if member, err := provider.Get(ctx, multicluster.ClusterName(closedName)); err == nil {
			By("failing fast on the client of the member whose port is closed")
			reqCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, err := whoAmI(reqCtx, member)
			Expect(err).To(HaveOccurred())
			Expect(reqCtx.Err()).NotTo(HaveOccurred())
		}
	})

	It("makes the MemberCluster of an engaged Cluster again when it is deleted", func(ctx SpecContext) {
		const name = "capi-recreate"
		cl := createCluster(ctx, ns, name, userOn(fleet[0], name+"-hub"), func(cl *clusterv1.Cluster) {
			cl.Labels = map[string]string{"env": "prod"}
		})
		setStatus(ctx, cl, initialized)
		member := expectEngaged(ctx, name, nil)
		mc := expectMemberCluster(ctx, name, fmt.Sprintf("Cluster API Cluster %s/%s", ns, name))

		Expect(hub.Delete(ctx, mc)).To(Succeed())
		Eventually(func(g Gomega) {
			again := &flotillav1alpha1.MemberCluster{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, again)).To(Succeed())
			g.Expect(again.UID).NotTo(Equal(mc.UID))
			g.Expect(again.Labels).To(HaveKeyWithValue("env", "prod"))
		}).WithContext(ctx).WithTimeout(engageTimeout).WithPolling(poll).Should(Succeed())
		Expect(provider.Get(ctx, multicluster.ClusterName(name))).To(BeIdenticalTo(member))
	})
})

// newNamespace creates a namespace with a fresh name on the hub.
func newNamespace(ctx context.Context) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "fleet-"}}
	Expect(hub.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// createCluster creates a Cluster API Cluster on the hub, and its kubeconfig Secret unless
// kubeconfig is nil; mutate, if set, adjusts the Cluster first. Both are deleted at the end of
// the spec, which waits for the Cluster's registration to go.
func createCluster(ctx context.Context, ns, name string, kubeconfig []byte, mutate func(*clusterv1.Cluster)) *clusterv1.Cluster {
	GinkgoHelper()
	if kubeconfig != nil {
		Expect(hub.Create(ctx, kubeconfigSecret(ns, name, kubeconfig))).To(Succeed())
	}
	cl := &clusterv1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       clusterv1.ClusterSpec{ControlPlaneEndpoint: clusterv1.APIEndpoint{Host: "127.0.0.1", Port: 6443}},
	}
	if mutate != nil {
		mutate(cl)
	}
	Expect(hub.Create(ctx, cl)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) {
		patchCluster(ctx, cl, func(cl *clusterv1.Cluster) { cl.Finalizers = nil })
		Expect(client.IgnoreNotFound(hub.Delete(ctx, cl))).To(Succeed())
		Expect(client.IgnoreNotFound(hub.Delete(ctx, kubeconfigSecret(ns, name, nil)))).To(Succeed())
		Eventually(func(g Gomega) {
			reg, ok := provider.Lookup(name)
			g.Expect(ok && members.SameSource(reg.Source, clusterSource(ns, name))).To(BeFalse())
		}).WithContext(ctx).WithTimeout(leaveTimeout).WithPolling(poll).Should(Succeed())
	})
	return cl
}

// kubeconfigSecret is Cluster API's kubeconfig Secret of Cluster ns/name.
func kubeconfigSecret(ns, name string, kubeconfig []byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name + "-kubeconfig",
			Labels: map[string]string{clusterv1.ClusterNameLabel: name},
		},
		Type: "cluster.x-k8s.io/secret",
		Data: map[string][]byte{"value": kubeconfig},
	}
}

// writeKubeconfig replaces the kubeconfig in the Secret of Cluster ns/name.
func writeKubeconfig(ctx context.Context, ns, name string, kubeconfig []byte) {
	GinkgoHelper()
	secret := kubeconfigSecret(ns, name, nil)
	Eventually(func(g Gomega) {
		g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(secret), secret)).To(Succeed())
		secret.Data = map[string][]byte{"value": kubeconfig}
		g.Expect(hub.Update(ctx, secret)).To(Succeed())
	}).WithContext(ctx).WithTimeout(engageTimeout).Should(Succeed())
}

// patchCluster changes a Cluster's metadata or spec, if it still exists.
func patchCluster(ctx context.Context, cl *clusterv1.Cluster, mutate func(*clusterv1.Cluster)) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		err := hub.Get(ctx, client.ObjectKeyFromObject(cl), cl)
		if apierrors.IsNotFound(err) {
			return
		}
		g.Expect(err).NotTo(HaveOccurred())
		mutate(cl)
		g.Expect(client.IgnoreNotFound(hub.Update(ctx, cl))).To(Succeed())
	}).WithContext(ctx).WithTimeout(engageTimeout).Should(Succeed())
}

// setStatus changes a Cluster's status through the status subresource, as Cluster API does.
func setStatus(ctx context.Context, cl *clusterv1.Cluster, mutate func(*clusterv1.ClusterStatus)) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(cl), cl)).To(Succeed())
		mutate(&cl.Status)
		g.Expect(hub.Status().Update(ctx, cl)).To(Succeed())
	}).WithContext(ctx).WithTimeout(engageTimeout).Should(Succeed())
}

// initialized sets the contract field saying the control plane is initialized.
func initialized(st *clusterv1.ClusterStatus) {
	st.Initialization.ControlPlaneInitialized = ptr.To(true)
}

// controlPlaneInitializedCondition sets the ControlPlaneInitialized condition to status.
func controlPlaneInitializedCondition(status metav1.ConditionStatus) func(*clusterv1.ClusterStatus) {
	return func(st *clusterv1.ClusterStatus) {
		reason := clusterv1.ClusterControlPlaneInitializedReason
		if status != metav1.ConditionTrue {
			reason = "NotInitialized"
		}
		st.Conditions = []metav1.Condition{{
			Type: clusterv1.ClusterControlPlaneInitializedCondition, Status: status, Reason: reason,
			LastTransitionTime: metav1.Now(),
		}}
	}
}

func clusterSource(ns, name string) flotillav1alpha1.MemberSource {
	return flotillav1alpha1.MemberSource{ClusterAPI: &flotillav1alpha1.ObjectReference{Namespace: ns, Name: name}}
}

// expectEngaged waits for the member name to be engaged and pass check, and returns its cluster.
func expectEngaged(ctx context.Context, name string, check func(Gomega, cluster.Cluster)) cluster.Cluster {
	GinkgoHelper()
	var got cluster.Cluster
	Eventually(func(g Gomega) {
		member, err := provider.Get(ctx, multicluster.ClusterName(name))
		g.Expect(err).NotTo(HaveOccurred())
		if check != nil {
			check(g, member)
		}
		got = member
	}).WithContext(ctx).WithTimeout(engageTimeout).WithPolling(poll).Should(Succeed())
	return got
}

// expectGone waits for the member name to be disengaged, unregistered and its MemberCluster
// deleted, and checks that its last engagement was cancelled.
func expectGone(ctx context.Context, name string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		_, err := provider.Get(ctx, multicluster.ClusterName(name))
		g.Expect(err).To(MatchError(multicluster.ErrClusterNotFound))
		_, ok := provider.Lookup(name)
		g.Expect(ok).To(BeFalse())
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, &flotillav1alpha1.MemberCluster{})).To(Satisfy(apierrors.IsNotFound))
	}).WithContext(ctx).WithTimeout(engageTimeout).WithPolling(poll).Should(Succeed())
	all := engaged.of(name)
	Expect(all).NotTo(BeEmpty())
	Eventually(all[len(all)-1].ctx.Done()).WithTimeout(engageTimeout).Should(BeClosed())
}

// expectMemberCluster waits for the MemberCluster name with the source annotation source.
func expectMemberCluster(ctx context.Context, name, source string) *flotillav1alpha1.MemberCluster {
	GinkgoHelper()
	mc := &flotillav1alpha1.MemberCluster{}
	Eventually(func(g Gomega) {
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, mc)).To(Succeed())
		g.Expect(mc.Annotations).To(HaveKeyWithValue(members.AnnotationSource, source))
	}).WithContext(ctx).WithTimeout(engageTimeout).WithPolling(poll).Should(Succeed())
	return mc
}

// expectRefused waits for a Warning event on cl saying the name is held by holder.
func expectRefused(ctx context.Context, obj client.Object, kind, holder string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		list := &eventsv1.EventList{}
		g.Expect(hub.List(ctx, list, client.InNamespace(obj.GetNamespace()))).To(Succeed())
		var notes []string
		for _, e := range list.Items {
			if e.Regarding.Kind == kind && e.Regarding.Name == obj.GetName() && e.Regarding.UID == obj.GetUID() &&
				e.Type == corev1.EventTypeWarning && e.Reason == "MemberNotRegistered" {
				notes = append(notes, e.Note)
			}
		}
		g.Expect(notes).To(ContainElement(ContainSubstring(members.ErrNameTaken.Error() + ": " + holder)))
	}).WithContext(ctx).WithTimeout(engageTimeout).WithPolling(poll).Should(Succeed())
}

// whoAmI returns the user a member's client authenticates as.
func whoAmI(ctx context.Context, member cluster.Cluster) (string, error) {
	review := &authenticationv1.SelfSubjectReview{}
	if err := member.GetClient().Create(ctx, review); err != nil {
		return "", err
	}
	return review.Status.UserInfo.Username, nil
}

// withServer returns kubeconfig pointed at the server address addr.
func withServer(kubeconfig []byte, addr string) []byte {
	GinkgoHelper()
	cfg, err := clientcmd.Load(kubeconfig)
	Expect(err).NotTo(HaveOccurred())
	for _, c := range cfg.Clusters {
		c.Server = "https://" + addr
	}
	out, err := clientcmd.Write(*cfg)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// closedPort returns an address of 127.0.0.1 nothing listens on.
func closedPort() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	addr := l.Addr().String()
	Expect(l.Close()).To(Succeed())
	return addr
}

// silentServer returns the address of a server that accepts connections and never answers,
// until the end of the spec.
func silentServer() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	DeferCleanup(func() {
		Expect(l.Close()).To(Succeed())
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}
