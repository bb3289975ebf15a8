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
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// preflightTimeout bounds the checks made before a member is engaged.
const preflightTimeout = 10 * time.Second

// preflight checks, before a member is engaged, that the hub's identity there may list what
// the member's cache watches (clusterOptions), each call bounded by preflightTimeout. Engaging
// starts the manager's watches on the member and waits for them to sync, holding its
// controllers' locks: a member that cannot be listed (unreachable, or registered without the
// namespace restriction its identity has) would hold every other member's engagement up.
func (p *Provider) preflight(ctx context.Context, cfg *rest.Config, reg Registration) error {
	// memberKinds maps what is listed, with no discovery: a member that accepts connections but
	// never answers holds each call up to preflightTimeout only.
	c, err := client.New(cfg, client.Options{Scheme: p.opts.Scheme, Mapper: memberKinds})
	if err != nil {
		return err
	}
	dcdScope := "in all namespaces"
	dcdOpts := []client.ListOption{client.Limit(1), client.MatchingLabelsSelector{Selector: hubWrittenSelector()}}
	if reg.NamespaceRestriction != "" {
		dcdScope = "in namespace " + reg.NamespaceRestriction
		dcdOpts = append(dcdOpts, client.InNamespace(reg.NamespaceRestriction))
	}
	for _, check := range []struct {
		what string
		list client.ObjectList
		opts []client.ListOption
	}{
		{"list GPUInventories in namespace " + reg.AgentNamespace, &flotillav1alpha1.GPUInventoryList{},
			[]client.ListOption{client.Limit(1), client.InNamespace(reg.AgentNamespace)}},
		{"list Leases in namespace " + reg.AgentNamespace, &coordinationv1.LeaseList{},
			[]client.ListOption{client.Limit(1), client.InNamespace(reg.AgentNamespace)}},
		{"list DynamoComponentDeployments " + dcdScope, &nvidiav1beta1.DynamoComponentDeploymentList{}, dcdOpts},
	} {
		callCtx, cancel := context.WithTimeout(ctx, preflightTimeout)
		err := c.List(callCtx, check.list, check.opts...)
		cancel()
		if err != nil {
			return fmt.Errorf("member %s: the hub cannot %s (check the agent namespace %q and namespace restriction %q of the registration): %w",
				reg.Name, check.what, reg.AgentNamespace, reg.NamespaceRestriction, err)
		}
	}
	return nil
}
