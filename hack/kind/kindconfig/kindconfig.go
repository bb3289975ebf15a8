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

// Package kindconfig renders kind (sigs.k8s.io/kind, config v1alpha4) cluster configurations for
// Flotilla's kind clusters: one control-plane node running the node image that `make
// kind-image` builds (hack/kind/build-node-image.sh), or kind's published one.
//
// The offline node image has no kindnetd (it cannot be had without a registry): it bakes a
// static ptp + host-local CNI for 10.244.0.0/24 into /etc/cni/net.d, so its clusters must say
// disableDefaultCNI and have a single node. Every cluster uses iptables kube-proxy (some
// kernels have no IPVS, and nftables mode is not needed) and lets kubelet v1.36 run on cgroup v1
// hosts (failCgroupV1: false; harmless on cgroup v2).
//
// It has no dependency on the kind module: the fields it writes are kind's v1alpha4 ones.
package kindconfig

import (
	"fmt"
	"net"
	"regexp"

	"sigs.k8s.io/yaml"
)

// PodSubnet is the pod network of every cluster; the offline image's static CNI hands out
// addresses from its first /24 (the only node's pod CIDR).
const PodSubnet = "10.244.0.0/16"

// ServiceSubnet is kind's default service network.
const ServiceSubnet = "10.96.0.0/16"

// Options describe one kind cluster.
type Options struct {
	// Name is the cluster's name (kind's --name; its node container is <Name>-control-plane).
	Name string
	// Image is the node image; empty leaves it to `kind create cluster --image` or kind's default.
	Image string
	// OfflineImage says the image is Flotilla's offline one (static CNI, no kindnetd): the
	// default CNI is disabled. False for kind's published images, which bring kindnetd.
	OfflineImage bool
	// APIServerAddress is the host address the API server is published on; 127.0.0.1 when empty.
	APIServerAddress string
	// APIServerPort is the host port the API server is published on; 0 picks a free one.
	APIServerPort int32
	// Labels are added to the node.
	Labels map[string]string
	// ExtraPortMappings publish node container ports on the host.
	ExtraPortMappings []PortMapping
	// ExtraMounts bind host paths into the node container.
	ExtraMounts []Mount
	// KubeadmConfigPatches are appended to the cluster's (strategic-merge patches, as kind takes them).
	KubeadmConfigPatches []string
}

// PortMapping publishes a node container port on the host (kind's extraPortMappings).
type PortMapping struct {
	ContainerPort int32  `json:"containerPort"`
	HostPort      int32  `json:"hostPort,omitempty"`
	ListenAddress string `json:"listenAddress,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
}

// Mount binds a host path into the node container (kind's extraMounts).
type Mount struct {
	HostPath      string `json:"hostPath"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly,omitempty"`
}

// KubeletCgroupV1Patch lets kubelet v1.36 start on a cgroup v1 host (it refuses by default).
const KubeletCgroupV1Patch = `kind: KubeletConfiguration
failCgroupV1: false
`

// The subset of kind's v1alpha4 Cluster that Flotilla writes.
type cluster struct {
	Kind                 string     `json:"kind"`
	APIVersion           string     `json:"apiVersion"`
	Name                 string     `json:"name,omitempty"`
	Nodes                []node     `json:"nodes"`
	Networking           networking `json:"networking"`
	KubeadmConfigPatches []string   `json:"kubeadmConfigPatches,omitempty"`
}

type node struct {
	Role              string            `json:"role"`
	Image             string            `json:"image,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	ExtraPortMappings []PortMapping     `json:"extraPortMappings,omitempty"`
	ExtraMounts       []Mount           `json:"extraMounts,omitempty"`
}

type networking struct {
	APIServerAddress  string `json:"apiServerAddress,omitempty"`
	APIServerPort     int32  `json:"apiServerPort,omitempty"`
	PodSubnet         string `json:"podSubnet"`
	ServiceSubnet     string `json:"serviceSubnet"`
	DisableDefaultCNI bool   `json:"disableDefaultCNI,omitempty"`
	KubeProxyMode     string `json:"kubeProxyMode"`
}

// kind's cluster names become container and network names: DNS-label-like.
var nameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Render returns the kind cluster configuration for o as YAML.
func Render(o Options) ([]byte, error) {
	if o.Name != "" && (!nameRE.MatchString(o.Name) || len(o.Name) > 50) {
		return nil, fmt.Errorf("cluster name %q: want lower-case letters, digits and '-', at most 50", o.Name)
	}
	addr := o.APIServerAddress
	if addr == "" {
		addr = "127.0.0.1"
	}
	if net.ParseIP(addr) == nil {
		return nil, fmt.Errorf("API server address %q is not an IP address", addr)
	}
	if o.APIServerPort < 0 || o.APIServerPort > 65535 {
		return nil, fmt.Errorf("API server port %d out of range", o.APIServerPort)
	}
	c := cluster{
		Kind:       "Cluster",
		APIVersion: "kind.x-k8s.io/v1alpha4",
		Name:       o.Name,
		Nodes: []node{{
			Role:              "control-plane",
			Image:             o.Image,
			Labels:            o.Labels,
			ExtraPortMappings: o.ExtraPortMappings,
			ExtraMounts:       o.ExtraMounts,
		}},
		Networking: networking{
			APIServerAddress:  addr,
			APIServerPort:     o.APIServerPort,
			PodSubnet:         PodSubnet,
			ServiceSubnet:     ServiceSubnet,
			DisableDefaultCNI: o.OfflineImage,
			KubeProxyMode:     "iptables",
		},
		KubeadmConfigPatches: append([]string{KubeletCgroupV1Patch}, o.KubeadmConfigPatches...),
	}
	return yaml.Marshal(c)
}
