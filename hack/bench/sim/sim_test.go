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

package sim_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/flotilla-dev/flotilla/agent/liveness"
	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/agent/workload"
	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/hack/bench/sim"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/hub/register"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

const (
	members        = 3
	nodesPerMember = 2
	regionLabel    = "topology.kubernetes.io/region"
	// waitTimeout bounds each wait for the hub.
	waitTimeout = time.Minute
)

// TestSimulatedMembers starts a hub API server with the hub running in-process as its chart's
// ServiceAccount, and one member API server with three simulated members; it checks that the
// hub finds them Schedulable with their declared GPUs, and that a two-service graph placed on
// one of them becomes successful, its DCDs Available in that member's namespace alone.
func TestSimulatedMembers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	hubLog := &testenv.SyncBuffer{}
	hubmanager.SetLogger(zap.New(zap.WriteTo(hubLog), zap.UseDevMode(true)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("hub and simulator log:\n%s", hubLog.String())
		}
	})

	local, memberEnv := startAPIServers(ctx, t)
	if err := local.InstallHubChart(ctx, "--set", "members.probeInterval=2s"); err != nil {
		t.Fatalf("installing the hub chart: %v", err)
	}
	_, stopHub, err := local.StartHub(nil, nil, hubmanager.Settings{})
	if err != nil {
		t.Fatalf("starting the hub: %v", err)
	}
	t.Cleanup(func() {
		if err := stopHub(); err != nil {
			t.Errorf("stopping the hub: %v", err)
		}
	})
	t.Logf("hub up after %s", time.Since(began).Round(time.Millisecond))

	s, err := sim.Start(ctx, memberEnv.Config, local.HubClient, sim.Options{
		Members:        members,
		NodesPerMember: nodesPerMember,
		Labels:         func(i int) map[string]string { return map[string]string{regionLabel: fmt.Sprintf("region-%d", i)} },
		Logf:           t.Logf,
	})
	if err != nil {
		t.Fatalf("starting the simulator: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stopping the simulator: %v", err)
		}
	})
	names := s.Names()
	if want := []string{"sim-000", "sim-001", "sim-002"}; !slices.Equal(names, want) {
		t.Fatalf("Names() = %v, want %v", names, want)
	}
	memberClient := newMemberClient(t, memberEnv)
	checkLeases(ctx, t, memberClient, names)
	checkHubIdentity(ctx, t, local.HubClient, names)

	waitFor(ctx, t, "every simulated member Schedulable", func() error { return schedulable(ctx, local.HubClient, names) })
	t.Logf("%d members Schedulable after %s", members, time.Since(began).Round(time.Millisecond))

	graph := newGraph("team-a", "llm")
	if err := local.HubClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: graph.Namespace}}); err != nil {
		t.Fatalf("creating the graph's namespace: %v", err)
	}
	if err := local.HubClient.Create(ctx, graph); err != nil {
		t.Fatalf("creating the graph: %v", err)
	}
	got := &nvidiav1alpha1.DynamoGraphDeployment{}
	waitFor(ctx, t, "the graph successful", func() error {
		if err := local.HubClient.Get(ctx, client.ObjectKeyFromObject(graph), got); err != nil {
			return err
		}
		ready := meta.FindStatusCondition(got.Status.Conditions, nvidiav1alpha1.ConditionReady)
		if got.Status.State != nvidiav1alpha1.StateSuccessful || ready == nil || ready.Status != metav1.ConditionTrue {
			return fmt.Errorf("state %q, Ready %+v", got.Status.State, ready)
		}
		return nil
	})
	t.Logf("graph successful after %s", time.Since(began).Round(time.Millisecond))

	pl := got.Status.ClusterPlacement
	if pl == nil || len(pl.Copies) != 1 {
		t.Fatalf("clusterPlacement = %+v, want one copy", pl)
	}
	placed := pl.Copies[0]
	if !slices.Contains(names, placed.Cluster) || placed.Namespace != placed.Cluster || placed.State != flotillav1alpha1.CopyReady {
		t.Fatalf("the copy is %+v, want it Ready on a simulated member in the member's namespace", placed)
	}
	checkMemberDCDs(ctx, t, memberClient, names, placed.Cluster, graph.Name)
	t.Logf("done after %s", time.Since(began).Round(time.Millisecond))
}

// startAPIServers starts, side by side, the hub API server (a fleet without members) and the
// shared member API server with the agent chart's CRDs.
func startAPIServers(ctx context.Context, t *testing.T) (*fleet.Fleet, *envtest.Environment) {
	t.Helper()
	var (
		local               *fleet.Fleet
		memberEnv           *envtest.Environment
		hubErr, memberErr   error
		wg                  sync.WaitGroup
		hubBegan, memberEnd = time.Now(), time.Time{}
	)
	wg.Go(func() { local, hubErr = fleet.Start(ctx, fleet.Options{Logf: t.Logf}) })
	wg.Go(func() {
		defer func() { memberEnd = time.Now() }()
		crds, err := charttest.Path(filepath.Join(charttest.AgentChart, "crds"))
		if err != nil {
			memberErr = err
			return
		}
		memberEnv, memberErr = testenv.StartEnvtest(ctx, crds)
	})
	wg.Wait()
	if local != nil {
		t.Cleanup(func() {
			if err := local.Stop(); err != nil {
				t.Errorf("stopping the hub API server: %v", err)
			}
		})
	}
	if memberEnv != nil {
		t.Cleanup(func() {
			if err := memberEnv.Stop(); err != nil {
				t.Errorf("stopping the member API server: %v", err)
			}
		})
	}
	if err := errors.Join(hubErr, memberErr); err != nil {
		t.Fatalf("starting the API servers: %v", err)
	}
	t.Logf("API servers up after %s (member's after %s)", time.Since(hubBegan).Round(time.Millisecond),
		memberEnd.Sub(hubBegan).Round(time.Millisecond))
	return local, memberEnv
}

// newMemberClient returns an administrator's client of the member API server.
func newMemberClient(t *testing.T, env *envtest.Environment) client.Client {
	t.Helper()
	scheme, err := agentmanager.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkLeases checks that each member's agent Lease is as the agent writes it: held, with the
// agent's default duration, renewed, and stamped with when the inventory was last confirmed.
func checkLeases(ctx context.Context, t *testing.T, c client.Client, names []string) {
	t.Helper()
	for _, name := range names {
		lease := &coordinationv1.Lease{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: name, Name: flotillav1alpha1.AgentLeaseName}, lease); err != nil {
			t.Fatalf("member %s's Lease: %v", name, err)
		}
		synced, err := time.Parse(time.RFC3339, lease.Annotations[flotillav1alpha1.AnnotationInventorySynced])
		if err != nil || lease.Spec.RenewTime == nil || ptr.Deref(lease.Spec.LeaseDurationSeconds, 0) != int32(liveness.DefaultLeaseDuration/time.Second) ||
			ptr.Deref(lease.Spec.HolderIdentity, "") == "" || time.Since(synced) > time.Minute {
			t.Fatalf("member %s's Lease is not an agent's fresh Lease: %+v, annotations %v", name, lease.Spec, lease.Annotations)
		}
	}
}

// checkHubIdentity checks that the hub reaches each member as the agent chart's flotilla-hub
// ServiceAccount of the member's namespace, which may read that member's DCDs and not another's.
func checkHubIdentity(ctx context.Context, t *testing.T, hub client.Client, names []string) {
	t.Helper()
	scheme, err := agentmanager.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		secret := &corev1.Secret{}
		if err := hub.Get(ctx, client.ObjectKey{Namespace: fleet.HubNamespace, Name: name}, secret); err != nil {
			t.Fatalf("member %s's kubeconfig Secret on the hub: %v", name, err)
		}
		if secret.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction] != name ||
			secret.Annotations[flotillav1alpha1.AnnotationAgentNamespace] != name {
			t.Errorf("member %s's Secret has annotations %v, want its namespace as agent namespace and restriction", name, secret.Annotations)
		}
		cfg, err := clientcmd.RESTConfigFromKubeConfig(secret.Data[flotillav1alpha1.KubeconfigSecretKey])
		if err != nil {
			t.Fatalf("member %s's kubeconfig: %v", name, err)
		}
		user, err := charttest.Username(ctx, cfg)
		if err != nil {
			t.Fatalf("member %s's kubeconfig: %v", name, err)
		}
		if want := "system:serviceaccount:" + name + ":" + register.DefaultServiceAccount; user != want {
			t.Errorf("member %s's kubeconfig authenticates as %q, want %q", name, user, want)
		}
		c, err := client.New(cfg, client.Options{Scheme: scheme})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.List(ctx, &nvidiav1beta1.DynamoComponentDeploymentList{}, client.InNamespace(name)); err != nil {
			t.Errorf("member %s's identity cannot list its DCDs: %v", name, err)
		}
		other := names[(i+1)%len(names)]
		if err := c.List(ctx, &nvidiav1beta1.DynamoComponentDeploymentList{}, client.InNamespace(other)); !apierrors.IsForbidden(err) {
			t.Errorf("member %s's identity lists the DCDs of member %s: %v, want Forbidden", name, other, err)
		}
	}
}

// schedulable returns nil once the MemberCluster of every name is Schedulable with its declared
// GPUs, its namespace restriction and its label, else what is missing.
func schedulable(ctx context.Context, hub client.Client, names []string) error {
	for i, name := range names {
		mc := &flotillav1alpha1.MemberCluster{}
		if err := hub.Get(ctx, client.ObjectKey{Name: name}, mc); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.MemberSchedulable)
		if cond == nil || cond.Status != metav1.ConditionTrue {
			return fmt.Errorf("MemberCluster %s: Schedulable %+v", name, cond)
		}
		if want := int64(nodesPerMember * sim.DefaultGPUsPerNode); mc.Status.GPUsTotal != want || mc.Status.GPUsFree != want {
			return fmt.Errorf("MemberCluster %s: %d/%d GPUs free, want %d/%d", name, mc.Status.GPUsFree, mc.Status.GPUsTotal, want, want)
		}
		if len(mc.Status.GPUs) != 1 || mc.Status.GPUs[0].Product != sim.DefaultProduct {
			return fmt.Errorf("MemberCluster %s: GPU pools %+v, want one of %s", name, mc.Status.GPUs, sim.DefaultProduct)
		}
		if mc.Status.NamespaceRestriction != name {
			return fmt.Errorf("MemberCluster %s: namespace restriction %q, want %q", name, mc.Status.NamespaceRestriction, name)
		}
		if want := fmt.Sprintf("region-%d", i); mc.Labels[regionLabel] != want {
			return fmt.Errorf("MemberCluster %s: labels %v, want %s=%s", name, mc.Labels, regionLabel, want)
		}
	}
	return nil
}

// checkMemberDCDs checks that the graph's two DCDs are on member alone, in its namespace, with
// the status the agent writes for available Deployments.
func checkMemberDCDs(ctx context.Context, t *testing.T, c client.Client, names []string, member, graph string) {
	t.Helper()
	for _, ns := range names {
		list := &nvidiav1beta1.DynamoComponentDeploymentList{}
		if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{nvidiav1beta1.LabelGraphName: graph}); err != nil {
			t.Fatalf("listing the DCDs of namespace %s: %v", ns, err)
		}
		if ns != member {
			if len(list.Items) != 0 {
				t.Errorf("namespace %s holds %d DCDs of the graph placed on %s", ns, len(list.Items), member)
			}
			continue
		}
		var components []string
		for i := range list.Items {
			dcd := &list.Items[i]
			components = append(components, dcd.Spec.ComponentName)
			available := meta.FindStatusCondition(dcd.Status.Conditions, nvidiav1beta1.ConditionAvailable)
			st := dcd.Status.Component
			if available == nil || available.Status != metav1.ConditionTrue || available.Reason != workload.ReasonDeploymentReady ||
				dcd.Status.ObservedGeneration != dcd.Generation || st == nil || st.ComponentKind != nvidiav1beta1.ComponentKind(workload.KindDeployment) ||
				ptr.Deref(st.AvailableReplicas, 0) != 1 {
				t.Errorf("DCD %s/%s: status %+v, want Available with one available Deployment replica", ns, dcd.Name, dcd.Status)
			}
		}
		slices.Sort(components)
		if want := []string{"Frontend", "VllmDecodeWorker"}; !slices.Equal(components, want) {
			t.Errorf("the DCDs in %s are of components %v, want %v", ns, components, want)
		}
	}
}

// newGraph returns a graph of a CPU frontend and a one-GPU vLLM worker.
func newGraph(namespace, name string) *nvidiav1alpha1.DynamoGraphDeployment {
	svc := func(componentType, gpus string) *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec {
		s := &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
			ComponentType: componentType,
			Replicas:      ptr.To[int32](1),
			ExtraPodSpec: &nvidiav1alpha1.ExtraPodSpec{
				MainContainer: &corev1.Container{Image: "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1"},
			},
		}
		if gpus != "" {
			s.Resources = &nvidiav1alpha1.Resources{Limits: &nvidiav1alpha1.ResourceItem{GPU: gpus}}
		}
		return s
	}
	return &nvidiav1alpha1.DynamoGraphDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: nvidiav1alpha1.DynamoGraphDeploymentSpec{
			BackendFramework: "vllm",
			Services: map[string]*nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{
				"Frontend":         svc(nvidiav1alpha1.ComponentTypeFrontend, ""),
				"VllmDecodeWorker": svc(nvidiav1alpha1.ComponentTypeWorker, "1"),
			},
		},
	}
}

// waitFor polls check until it returns nil, failing the test with its last error after
// waitTimeout.
func waitFor(ctx context.Context, t *testing.T, what string, check func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v (last: %v)", what, err, last)
	}
}
