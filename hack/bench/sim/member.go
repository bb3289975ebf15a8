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

package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flotilla-dev/flotilla/agent/inventory"
	"github.com/flotilla-dev/flotilla/agent/liveness"
	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/agent/workload"
	"github.com/flotilla-dev/flotilla/pkg/policy"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/fleet"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// setUpWorkers bounds the members set up at once: each renders the agent chart with helm, a
// process of its own that takes about half a second of CPU.
const setUpWorkers = 2

// The agent chart's release, and the label of what it gives the hub's identity.
const (
	agentRelease        = "flotilla-agent"
	componentLabel      = "app.kubernetes.io/component"
	hubAccessComponent  = "hub-access"
	rootCAConfigMap     = "kube-root-ca.crt"
	leaseIdentitySuffix = "-agent"
)

// member is one simulated member: its agent's configuration, as the agent chart renders it,
// and the agent's own inventory Writer and Lease Renewer.
type member struct {
	name      string
	namespace string
	labels    map[string]string
	// agent is the agent's configuration, parsed from the rendered Deployment's arguments.
	agent agentmanager.Options
	// workload and policy are how the agent builds and judges DCDs.
	workload workload.Options
	policy   *policy.Policy
	writer   *inventory.Writer
	renewer  *liveness.Renewer
}

// setUpMember creates member i's namespace, installs what the agent chart gives the hub's
// identity there, publishes the cluster's CA for register.Build, and builds the member's
// inventory Writer and Lease Renewer from the rendered agent's arguments.
func (s *Simulator) setUpMember(ctx context.Context, i int) (*member, error) {
	name := s.opts.memberName(i)
	m := &member{name: name, namespace: name}
	if s.opts.Labels != nil {
		m.labels = maps.Clone(s.opts.Labels(i))
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: m.namespace}}
	if err := s.client.Create(ctx, ns); err != nil {
		return nil, fmt.Errorf("sim: creating namespace %s: %w", m.namespace, err)
	}
	objs, err := s.renderAgentChart(ctx, m)
	if err != nil {
		return nil, err
	}
	if err := charttest.Install(ctx, s.client, hubAccess(objs)); err != nil {
		return nil, fmt.Errorf("sim: member %s: installing the hub's identity: %w", name, err)
	}
	if err := s.publishRootCA(ctx, m.namespace); err != nil {
		return nil, err
	}
	if m.agent, err = fleet.AgentOptions(objs, m.namespace); err != nil {
		return nil, fmt.Errorf("sim: member %s: %w", name, err)
	}
	if m.agent.InventorySource != agentmanager.InventorySourceDeclared || m.agent.WatchNamespace != m.namespace {
		return nil, fmt.Errorf("sim: member %s: the rendered agent publishes %s inventory in namespace restriction %q, want declared capacity in %q",
			name, m.agent.InventorySource, m.agent.WatchNamespace, m.namespace)
	}
	return m, s.buildAgent(m)
}

// renderAgentChart renders the agent chart in the member's namespace, namespace-restricted to
// it with the declared capacity, with what test/fleet passes (the cluster's name, the
// ignored kwok taint) and Options.AgentValues.
func (s *Simulator) renderAgentChart(ctx context.Context, m *member) ([]*unstructured.Unstructured, error) {
	capacity, err := json.Marshal([]inventory.DeclaredCapacity{{
		Product: s.opts.Product, GPUsPerNode: s.opts.GPUsPerNode, Nodes: s.opts.NodesPerMember,
	}})
	if err != nil {
		return nil, err
	}
	args := []string{
		"--set", "clusterName=" + m.name,
		"--set", "ignoreTaintKeys={" + testenv.KwokNodeAnnotation + "}",
		"--set", "namespaceRestriction.enabled=true",
		"--set-json", "namespaceRestriction.declaredCapacity=" + string(capacity),
	}
	objs, err := charttest.Render(ctx, charttest.AgentChart, agentRelease, m.namespace, append(args, s.opts.AgentValues...)...)
	if err != nil {
		return nil, fmt.Errorf("sim: member %s: rendering the agent chart: %w", m.name, err)
	}
	return objs, nil
}

// hubAccess returns what the agent chart gives the hub's identity: the released objects
// labelled app.kubernetes.io/component=hub-access (the flotilla-hub ServiceAccount, its token
// Secret, Role and RoleBinding).
func hubAccess(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetLabels()[componentLabel] == hubAccessComponent && !charttest.IsHook(o) {
			out = append(out, o)
		}
	}
	return out
}

// publishRootCA creates the ConfigMap kube-root-ca.crt in namespace with the CA of the
// Simulator's configuration, unless it exists: kube-controller-manager publishes it in every
// namespace, but an API server without one (envtest) has none, and register.Build reads the
// member's CA from it when it requests a token.
func (s *Simulator) publishRootCA(ctx context.Context, namespace string) error {
	ca := s.config.CAData
	if len(ca) == 0 && s.config.CAFile != "" {
		var err error
		if ca, err = os.ReadFile(s.config.CAFile); err != nil {
			return fmt.Errorf("sim: reading the member API server's CA: %w", err)
		}
	}
	if len(ca) == 0 {
		return fmt.Errorf("sim: the member configuration of %s holds no CA for the hub to trust", s.config.Host)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: rootCAConfigMap},
		Data:       map[string]string{corev1.ServiceAccountRootCAKey: string(ca)},
	}
	if err := s.client.Create(ctx, cm); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("sim: publishing the CA in namespace %s: %w", namespace, err)
	}
	return nil
}
