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

// Package topology brings up and tears down Flotilla's multi-cluster kind topology: the fleet
// `make kind-up` leaves running and the kind suite (test/kind-multi) runs on.
//
//	flotilla-hub   the hub chart, members from kubeconfig Secrets and Cluster API Clusters (with
//	               Cluster API's Cluster CRD)
//	flotilla-east  LeaderWorkerSet, the agent chart in cluster mode (flotilla-system), KWOK with
//	               2 fake NVIDIA-H100-80GB-HBM3 x 8 nodes; registered as gpu-east by a kubeconfig
//	               Secret that hub/register builds, as `flotilla-hub register` does; us-east
//	flotilla-west  the agent chart restricted to namespace team-west (readNodes), KWOK with 2
//	               fake NVIDIA-L40S x 8 nodes; registered as gpu-west by a Cluster API Cluster
//	               fleet/gpu-west and its Secret gpu-west-kubeconfig; us-west
//
// Up creates the clusters with kind's Go library from Flotilla's node image (hack/kind), loads
// Flotilla's images into them, installs the charts with the helm of hack/tools, makes the fake
// GPU nodes with test/testenv's node builder, registers the members and waits until the hub
// reports both Joined, AgentReady and Schedulable. The hub reaches the members at
// https://<cluster>-control-plane:6443, on kind's Docker network.
//
// Everything Up writes (kind configurations, kubeconfigs, logs) goes to a state directory,
// never to ~/.kube/config; Down deletes the clusters and that directory.
package topology

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	lwsv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	"github.com/flotilla-dev/flotilla/hack/versions"
)

// The topology's kind clusters, the member names the hub knows them by, and their GPUs.
const (
	// HubCluster is the kind cluster of the hub.
	HubCluster = "flotilla-hub"
	// EastCluster is the kind cluster of member EastMember.
	EastCluster = "flotilla-east"
	// WestCluster is the kind cluster of member WestMember.
	WestCluster = "flotilla-west"
	// EastMember is the member registered by a kubeconfig Secret, in cluster mode.
	EastMember = "gpu-east"
	// WestMember is the member registered by a Cluster API Cluster, namespace-restricted.
	WestMember = "gpu-west"

	// SystemNamespace holds the hub's release and gpu-east's agent.
	SystemNamespace = "flotilla-system"
	// WestNamespace is gpu-west's namespace restriction; its agent runs there too.
	WestNamespace = "team-west"
	// ClusterNamespace holds gpu-west's Cluster API Cluster and its kubeconfig Secret on the hub.
	ClusterNamespace = "fleet"

	// EastProduct is the GPU of gpu-east's fake nodes.
	EastProduct = "NVIDIA-H100-80GB-HBM3"
	// WestProduct is the GPU of gpu-west's fake nodes.
	WestProduct = "NVIDIA-L40S"
	// NodesPerMember is how many fake GPU nodes each member has.
	NodesPerMember = 2
	// GPUsPerNode is how many GPUs each fake node has.
	GPUsPerNode = 8
)

// Cluster is one kind cluster of the topology, as its administrator sees it.
type Cluster struct {
	// Name is the kind cluster's name; its one node's container is Name-control-plane.
	Name string
	// Kubeconfig is the path of the administrator's kubeconfig, in the state directory.
	Kubeconfig string
	// Config is the REST configuration Kubeconfig holds.
	Config *rest.Config
	// Client is a client of the cluster with Scheme's kinds.
	client.Client
}

// Node is the name of the cluster's node container (kind's one control-plane node).
func (c *Cluster) Node() string { return c.Name + "-control-plane" }

// Topology is the three clusters, connected.
type Topology struct {
	// State is the state directory: kind configurations, kubeconfigs and logs.
	State string
	// Hub, East and West are the clusters HubCluster, EastCluster and WestCluster.
	Hub, East, West *Cluster
}

// Clusters returns the hub and the members, in that order.
func (t *Topology) Clusters() []*Cluster { return []*Cluster{t.Hub, t.East, t.West} }

// Options configure Up.
type Options struct {
	// State is the state directory; DefaultState() when empty.
	State string
	// NodeImage is the kind node image (`hack/kind/build-node-image.sh --print-tag`); required.
	NodeImage string
	// Tag is the tag of the images flotilla/hub and flotilla/agent; "dev" when empty.
	Tag string
	// KwokTag and LWSTag are the tags of flotilla/kwok and flotilla/lws (hack/kind/build-
	// images.sh); KWOK_VERSION and LWS_VERSION (hack/versions) when empty.
	KwokTag, LWSTag string
	// Parallel creates the three clusters at once rather than one after the other. On 2 cores
	// one after the other is faster (81 s against 99-154 s).
	Parallel bool
	// Log receives Up's progress; os.Stderr when nil.
	Log io.Writer
}

func (o Options) withDefaults() Options {
	if o.State == "" {
		o.State = DefaultState()
	}
	if o.Tag == "" {
		o.Tag = "dev"
	}
	if o.KwokTag == "" {
		o.KwokTag = versions.Get("KWOK_VERSION")
	}
	if o.LWSTag == "" {
		o.LWSTag = versions.Get("LWS_VERSION")
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	return o
}

// DefaultState is $FLOTILLA_KIND_STATE, or ~/.cache/flotilla/kind-state.
func DefaultState() string {
	if s := os.Getenv("FLOTILLA_KIND_STATE"); s != "" {
		return s
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "flotilla", "kind-state")
}

// Scheme holds the kinds the topology's clients read and write: Kubernetes', CRDs,
// flotilla.dev's, nvidia.com's v1alpha1, LeaderWorkerSet and Cluster API's Cluster.
var Scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, flotillav1alpha1.AddToScheme,
		nvidiav1alpha1.AddToScheme, lwsv1.AddToScheme, clusterv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}()

func kubeconfigPath(state, name string) string { return filepath.Join(state, name+".kubeconfig") }

// IsUp tells whether the three clusters exist and their kubeconfigs are in state.
func IsUp(state string) (bool, error) {
	existing, err := newKind(io.Discard).List()
	if err != nil {
		return false, fmt.Errorf("listing kind clusters: %w", err)
	}
	for _, name := range []string{HubCluster, EastCluster, WestCluster} {
		if !slices.Contains(existing, name) {
			return false, nil
		}
		if _, err := os.Stat(kubeconfigPath(state, name)); err != nil {
			return false, nil
		}
	}
	return true, nil
}

// Connect returns the topology whose kubeconfigs are in state.
func Connect(state string) (*Topology, error) {
	t := &Topology{State: state}
	var err error
	if t.Hub, err = connect(state, HubCluster); err != nil {
		return nil, err
	}
	if t.East, err = connect(state, EastCluster); err != nil {
		return nil, err
	}
	if t.West, err = connect(state, WestCluster); err != nil {
		return nil, err
	}
	return t, nil
}

func connect(state, name string) (*Cluster, error) {
	path := kubeconfigPath(state, name)
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of %s: %w", name, err)
	}
	// Each of the API server's warnings (a deprecated version read) is logged once.
	cfg.WarningHandlerWithContext = ctrllog.NewKubeAPIWarningLogger(ctrllog.KubeAPIWarningLoggerOptions{Deduplicate: true})
	c, err := client.New(cfg, client.Options{Scheme: Scheme})
	if err != nil {
		return nil, fmt.Errorf("client of %s: %w", name, err)
	}
	return &Cluster{Name: name, Kubeconfig: path, Config: cfg, Client: c}, nil
}

// Down deletes the three clusters (those that exist) and the state directory. Running it
// again does nothing, as does running it where Docker does not answer.
func Down(state string, log io.Writer) error {
	k := newKind(log)
	existing, err := k.List()
	if err != nil {
		// No container runtime answers: no cluster of kind's runs either.
		fmt.Fprintf(log, "kind-down: no cluster listed (%v)\n", err)
	}
	var errs []error
	for _, name := range []string{HubCluster, EastCluster, WestCluster} {
		if !slices.Contains(existing, name) {
			continue
		}
		fmt.Fprintf(log, "kind-down: deleting cluster %s\n", name)
		// The explicit kubeconfig keeps kind away from ~/.kube/config; the file may be gone.
		if err := k.Delete(name, kubeconfigPath(state, name)); err != nil {
			errs = append(errs, fmt.Errorf("deleting cluster %s: %w", name, err))
		}
	}
	if _, err := os.Stat(state); err == nil {
		fmt.Fprintf(log, "kind-down: removing %s\n", state)
		errs = append(errs, os.RemoveAll(state))
	}
	return errors.Join(errs...)
}

// CollectLogs writes `kind export logs` of each of the three clusters that exist under
// dir/<cluster>: also those of a topology that failed to come up.
func CollectLogs(dir string) error {
	k := newKind(io.Discard)
	existing, err := k.List()
	if err != nil {
		return fmt.Errorf("listing kind clusters: %w", err)
	}
	var errs []error
	for _, name := range []string{HubCluster, EastCluster, WestCluster} {
		if !slices.Contains(existing, name) {
			continue
		}
		if err := k.CollectLogs(name, filepath.Join(dir, name)); err != nil {
			errs = append(errs, fmt.Errorf("logs of %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
