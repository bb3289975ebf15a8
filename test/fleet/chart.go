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
	"bytes"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/internal/cmdline"
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
	return podArgs(deployments[0])
}

// jobArgs returns the arguments of the only container of a rendered Job.
func jobArgs(job *Object) ([]string, error) { return podArgs(job) }

// podArgs returns the arguments of the only container of the pod template of a Deployment or
// Job.
func podArgs(o *Object) ([]string, error) {
	containers, _, err := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	if err != nil {
		return nil, fmt.Errorf("reading the %s's containers: %w", o.GetKind(), err)
	}
	if len(containers) != 1 {
		return nil, fmt.Errorf("the %s has %d containers, want 1", o.GetKind(), len(containers))
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
	return opts, parseArgs("agent", args, &opts)
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
	return opts, parseArgs("flotilla-hub", args, &opts)
}

// parseArgs parses a binary's arguments exactly as the binary does (cmdline.Parse) and returns
// what the binary would print when it refuses them.
func parseArgs(name string, args []string, flags cmdline.Flags) error {
	var stderr bytes.Buffer
	if _, _, ok := cmdline.Parse(name, args, &stderr, flags, ""); !ok {
		return fmt.Errorf("%s refuses its arguments %q: %s", name, args, strings.TrimSpace(stderr.String()))
	}
	return nil
}
