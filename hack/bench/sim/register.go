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
	"fmt"
	"maps"
	"strings"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flotilla-dev/flotilla/hub/register"
)

// registerWorkers bounds the members registered at once.
const registerWorkers = 4

// register registers the member on the hub as `flotilla-hub register --token-duration` does:
// a TokenRequest token of the chart's flotilla-hub ServiceAccount, the member's namespace as
// its agent namespace and namespace restriction, and its labels. The kubeconfig names the
// server as serverURL returns it.
func (s *Simulator) register(ctx context.Context, hub client.Client, m *member) error {
	server, err := serverURL(s.config)
	if err != nil {
		return err
	}
	secret, err := register.Build(ctx, s.config, register.Options{
		Name:                 m.name,
		Server:               server,
		HubNamespace:         s.opts.HubNamespace,
		AgentNamespace:       m.namespace,
		NamespaceRestriction: m.namespace,
		TokenDuration:        s.opts.TokenDuration,
		Labels:               maps.Clone(m.labels),
	})
	if err != nil {
		return fmt.Errorf("sim: registering member %s: %w", m.name, err)
	}
	if err := register.Apply(ctx, hub, secret); err != nil {
		return fmt.Errorf("sim: registering member %s: %w", m.name, err)
	}
	return nil
}

// serverURL is the URL of the API server of cfg without a trailing slash. register.Build
// otherwise writes it as rest.DefaultServerUrlFor returns it, which keeps the trailing slash of
// a configuration such as envtest's ("https://127.0.0.1:port/"); the hub probes a member at
// <server>+"/readyz", so it would ask for //readyz, which the API server forbids the hub's
// identity, and report the member Refused.
func serverURL(cfg *rest.Config) (string, error) {
	u, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return "", fmt.Errorf("sim: the member configuration's server: %w", err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u.String(), nil
}
