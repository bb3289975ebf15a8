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

package manager

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-logr/logr"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	"github.com/flotilla-dev/flotilla/agent/workload"
)

// MultinodeRuntimeAuto is --multinode-runtime's default: LeaderWorkerSet where the member serves
// it, StatefulSets otherwise.
const MultinodeRuntimeAuto = "auto"

// servesLeaderWorkerSet reports whether the API server of cfg serves leaderworkerset.x-k8s.io/v1
// leaderworkersets, through discovery (which every authenticated identity may read).
func servesLeaderWorkerSet(cfg *rest.Config) (bool, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return false, err
	}
	list, err := dc.ServerResourcesForGroupVersion(lwsv1.GroupVersion.String())
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("discovering %s: %w", lwsv1.GroupVersion, err)
	}
	return slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == "leaderworkersets" }), nil
}

// ResolveMultinodeRuntime resolves --multinode-runtime against what the member serves: auto picks
// LeaderWorkerSet when served, as Dynamo's operator detects it at start; LeaderWorkerSet
// requires it (an error otherwise, as upstream refuses an explicitly enabled LWS it cannot find);
// StatefulSet never uses it. Unlike upstream, Volcano is not required: Dynamo's native
// LeaderWorkerSet path builds no PodGroup.
func ResolveMultinodeRuntime(cfg *rest.Config, requested string) (workload.MultinodeRuntime, error) {
	if requested == MultinodeRuntimeAuto {
		served, err := servesLeaderWorkerSet(cfg)
		if err != nil {
			return "", err
		}
		if served {
			return workload.RuntimeLeaderWorkerSet, nil
		}
		return workload.RuntimeStatefulSet, nil
	}
	r, err := workload.ParseMultinodeRuntime(requested)
	if err != nil {
		return "", err
	}
	if r == workload.RuntimeLeaderWorkerSet {
		served, err := servesLeaderWorkerSet(cfg)
		if err != nil {
			return "", err
		}
		if !served {
			return "", fmt.Errorf("--multinode-runtime=%s, but the cluster does not serve %s leaderworkersets", r, lwsv1.GroupVersion)
		}
	}
	return r, nil
}

// DefaultMultinodeRuntimeRecheck is how often an agent with --multinode-runtime=auto checks
// whether the member started or stopped serving LeaderWorkerSet.
const DefaultMultinodeRuntimeRecheck = time.Minute

// ErrMultinodeRuntimeChanged is returned by RuntimeWatcher when what the member serves no longer
// matches the runtime the agent started with: the agent exits, and its restart (by its
// Deployment) takes the new runtime up.
var ErrMultinodeRuntimeChanged = errors.New("the cluster's multinode runtime changed")

// RuntimeWatcher is a manager Runnable that resolves --multinode-runtime=auto every Interval
// and, when the answer differs from Current (LeaderWorkerSet installed or removed since the agent
// started), stops the manager with ErrMultinodeRuntimeChanged. Discovery errors are logged and
// retried at the next interval.
type RuntimeWatcher struct {
	// Config reaches the member's API server.
	Config *rest.Config
	// Current is the runtime the agent runs with.
	Current workload.MultinodeRuntime
	// Interval is the time between two checks (DefaultMultinodeRuntimeRecheck if zero).
	Interval time.Duration
	// Log receives the discovery errors and the change.
	Log logr.Logger
}

// Start checks every Interval until ctx is done or the runtime changed.
func (w *RuntimeWatcher) Start(ctx context.Context) error {
	interval := w.Interval
	if interval <= 0 {
		interval = DefaultMultinodeRuntimeRecheck
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		now, err := ResolveMultinodeRuntime(w.Config, MultinodeRuntimeAuto)
		if err != nil {
			w.Log.Error(err, "Checking the cluster's multinode runtime failed; retrying", "interval", interval)
			continue
		}
		if now != w.Current {
			w.Log.Info("The cluster's multinode runtime changed; stopping so that the restarted agent uses it",
				"was", w.Current, "now", now)
			return fmt.Errorf("%w: from %s to %s", ErrMultinodeRuntimeChanged, w.Current, now)
		}
	}
}

// NeedLeaderElection is false: every replica watches, so a standby does not keep an old runtime.
func (w *RuntimeWatcher) NeedLeaderElection() bool { return false }
