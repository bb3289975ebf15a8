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

package topology

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// WaitTimeout bounds each of Up's waits: the clusters share the host's cores with whatever
// else runs there, so it is generous.
const WaitTimeout = 3 * time.Minute

// membersTimeout bounds the wait for the members to join after registration.
const membersTimeout = 5 * time.Minute

// wait polls cond for up to WaitTimeout; the error names what it waited for.
func wait(ctx context.Context, what string, cond func(context.Context) (bool, error)) error {
	return waitFor(ctx, WaitTimeout, what, cond)
}

func waitFor(ctx context.Context, timeout time.Duration, what string, cond func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return testenv.WaitFor(ctx, what, cond)
}

// waitClusterReady waits until the cluster's node is Ready and CoreDNS Available: pod
// networking works.
func waitClusterReady(ctx context.Context, c *Cluster) error {
	return wait(ctx, c.Name+"'s node Ready and CoreDNS Available", func(ctx context.Context) (bool, error) {
		nodes := &corev1.NodeList{}
		if err := c.List(ctx, nodes); err != nil {
			return false, err
		}
		if len(nodes.Items) == 0 {
			return false, errors.New("no node yet")
		}
		for _, n := range nodes.Items {
			if !testenv.NodeReady(&n) {
				return false, fmt.Errorf("node %s not Ready", n.Name)
			}
		}
		return deploymentsAvailable(c, "kube-system")(ctx)
	})
}

// deploymentsAvailable holds when namespace of c has Deployments and all of them are Available.
func deploymentsAvailable(c *Cluster, namespace string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		list := &appsv1.DeploymentList{}
		if err := c.List(ctx, list, client.InNamespace(namespace)); err != nil {
			return false, err
		}
		if len(list.Items) == 0 {
			return false, fmt.Errorf("no Deployment in %s yet", namespace)
		}
		for _, d := range list.Items {
			available := false
			for _, cond := range d.Status.Conditions {
				available = available || cond.Type == appsv1.DeploymentAvailable && cond.Status == corev1.ConditionTrue
			}
			if !available {
				return false, fmt.Errorf("deployment %s/%s not Available (%d of %d replicas ready)",
					namespace, d.Name, d.Status.ReadyReplicas, d.Status.Replicas)
			}
		}
		return true, nil
	}
}

// crdEstablished holds when the CRD is Established.
func crdEstablished(c *Cluster, name string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
			return false, err
		}
		for _, cond := range crd.Status.Conditions {
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, errors.New("not Established yet")
	}
}

// crdConverts holds when the CRD converts through the webhook Service "namespace/name", with a
// CA bundle: as the hub, an agent or the agent chart's wire-conversion hook sets it.
func crdConverts(c *Cluster, name, service string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
			return false, err
		}
		conv := crd.Spec.Conversion
		if conv == nil || conv.Strategy != apiextensionsv1.WebhookConverter || conv.Webhook == nil ||
			conv.Webhook.ClientConfig == nil || conv.Webhook.ClientConfig.Service == nil {
			return false, errors.New("no conversion webhook Service yet")
		}
		cc := conv.Webhook.ClientConfig
		if got := cc.Service.Namespace + "/" + cc.Service.Name; got != service {
			return false, fmt.Errorf("converts through %s", got)
		}
		if len(cc.CABundle) == 0 {
			return false, errors.New("no CA bundle yet")
		}
		return true, nil
	}
}

// WaitMembersReady waits until the hub reports both members Joined, AgentReady and Schedulable.
func (t *Topology) WaitMembersReady(ctx context.Context) error {
	return waitFor(ctx, membersTimeout, "members "+EastMember+" and "+WestMember+" Joined, AgentReady and Schedulable",
		func(ctx context.Context) (bool, error) {
			for _, name := range []string{EastMember, WestMember} {
				mc := &flotillav1alpha1.MemberCluster{}
				if err := t.Hub.Get(ctx, client.ObjectKey{Name: name}, mc); err != nil {
					return false, err
				}
				for _, cond := range []string{flotillav1alpha1.MemberJoined, flotillav1alpha1.MemberAgentReady, flotillav1alpha1.MemberSchedulable} {
					c := meta.FindStatusCondition(mc.Status.Conditions, cond)
					if c == nil {
						return false, fmt.Errorf("member %s has no %s condition yet", name, cond)
					}
					if c.Status != metav1.ConditionTrue {
						return false, fmt.Errorf("member %s: %s is %s: %s: %s", name, cond, c.Status, c.Reason, c.Message)
					}
				}
			}
			return true, nil
		})
}

// withLogs returns err with the last lines of the hub's and the agents' logs, for a failure
// they may explain.
func (t *Topology) withLogs(ctx context.Context, err error) error {
	var b strings.Builder
	for _, p := range []struct {
		c         *Cluster
		namespace string
		prefix    string
	}{{t.Hub, SystemNamespace, "flotilla-hub"}, {t.East, SystemNamespace, "flotilla-agent"}, {t.West, WestNamespace, "flotilla-agent"}} {
		fmt.Fprintf(&b, "\n--- %s log on %s\n%s", p.prefix, p.c.Name, logTail(ctx, p.c, p.namespace, p.prefix, 40))
	}
	return fmt.Errorf("%w%s", err, b.String())
}

// logTail returns the last lines of the logs of the pods of namespace whose name starts with
// prefix, or why it cannot.
func logTail(ctx context.Context, c *Cluster, namespace, prefix string, lines int64) string {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err.Error()
	}
	pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	var b bytes.Buffer
	for _, p := range pods.Items {
		if !strings.HasPrefix(p.Name, prefix) {
			continue
		}
		fmt.Fprintf(&b, "(pod %s)\n", p.Name)
		stream, err := cs.CoreV1().Pods(namespace).GetLogs(p.Name, &corev1.PodLogOptions{TailLines: &lines}).Stream(ctx)
		if err != nil {
			fmt.Fprintln(&b, err)
			continue
		}
		_, _ = io.Copy(&b, stream)
		_ = stream.Close()
	}
	return b.String()
}
