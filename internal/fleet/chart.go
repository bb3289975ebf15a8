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

package fleet

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
)

// Object is one object a chart renders.
type Object = unstructured.Unstructured

// ContainerArgs returns the arguments of the only container of the only rendered Deployment.
func ContainerArgs(objs []*Object) ([]string, error) {
	var deployments []*Object
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			deployments = append(deployments, o)
		}
	}
	if len(deployments) != 1 {
		return nil, fmt.Errorf("%d Deployments rendered, want 1", len(deployments))
	}
	containers, _, err := unstructured.NestedSlice(deployments[0].Object, "spec", "template", "spec", "containers")
	if err != nil {
		return nil, fmt.Errorf("reading the Deployment's containers: %w", err)
	}
	if len(containers) != 1 {
		return nil, fmt.Errorf("the Deployment has %d containers, want 1", len(containers))
	}
	args, _, err := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
	return args, err
}

// AgentOptions parses the rendered agent Deployment's arguments with the agent's own flags, as
// the binary does in a pod of namespace podNamespace, and validates them.
func AgentOptions(objs []*Object, podNamespace string) (agentmanager.Options, error) {
	args, err := ContainerArgs(objs)
	if err != nil {
		return agentmanager.Options{}, err
	}
	opts := agentmanager.NewOptions(func(k string) string {
		if k == agentmanager.NamespaceEnv {
			return podNamespace
		}
		return ""
	})
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts.BindFlags(fs)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return opts, fmt.Errorf("parsing the agent's arguments %q: %w", args, err)
	}
	if fs.NArg() > 0 {
		return opts, errors.New("unexpected agent arguments: " + strings.Join(fs.Args(), " "))
	}
	return opts, opts.Validate()
}

// HubOptions parses the rendered hub Deployment's arguments with the hub's own flags, as the
// binary does in a pod of namespace podNamespace, and validates them.
func HubOptions(objs []*Object, podNamespace string) (hubmanager.Options, error) {
	args, err := ContainerArgs(objs)
	if err != nil {
		return hubmanager.Options{}, err
	}
	return ParseHubArgs(args, podNamespace)
}

// ParseHubArgs parses the hub's arguments with its own flags, as the binary does in a pod of
// namespace podNamespace, and validates them.
func ParseHubArgs(args []string, podNamespace string) (hubmanager.Options, error) {
	opts := hubmanager.NewOptions(func(k string) string {
		if k == hubmanager.NamespaceEnv {
			return podNamespace
		}
		return ""
	})
	fs := flag.NewFlagSet("flotilla-hub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts.BindFlags(fs)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return opts, fmt.Errorf("parsing the hub's arguments %q: %w", args, err)
	}
	if fs.NArg() > 0 {
		return opts, errors.New("unexpected hub arguments: " + strings.Join(fs.Args(), " "))
	}
	return opts, opts.Validate()
}
