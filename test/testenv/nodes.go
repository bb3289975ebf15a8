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

package testenv

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Names used on fake GPU nodes.
const (
	// LabelGPUProduct is the GPU model label set by NVIDIA's GPU feature discovery.
	LabelGPUProduct = "nvidia.com/gpu.product"
	// LabelGPUCount is the number of GPUs on the node, as GPU feature discovery labels it.
	LabelGPUCount = "nvidia.com/gpu.count"
	// ResourceGPU is the extended resource advertised by NVIDIA's device plugin.
	ResourceGPU corev1.ResourceName = "nvidia.com/gpu"
	// KwokNodeAnnotation marks a node as managed by this cluster's kwok (value "fake"); it is
	// also the key of the NoSchedule taint those nodes carry.
	KwokNodeAnnotation = "kwok.x-k8s.io/node"

	// NodeReadyTimeout bounds how long AddGPUNodes waits for kwok to make the nodes Ready.
	NodeReadyTimeout = time.Minute
)

// DefaultNodePods is the pod capacity of a fake node whose GPUNodeSpec.Pods is zero.
const DefaultNodePods = 110

// Defaults for GPUNodeSpec quantities left zero.
var (
	// DefaultNodeCPU is the CPU capacity of a fake node whose GPUNodeSpec.CPU is zero.
	DefaultNodeCPU = resource.MustParse("64")
	// DefaultNodeMemory is the memory capacity of a fake node whose GPUNodeSpec.Memory is zero.
	DefaultNodeMemory = resource.MustParse("512Gi")
)

// KwokTaint is the taint every fake node carries, so only pods that tolerate it
// (KwokToleration) land on fake nodes.
func KwokTaint() corev1.Taint {
	return corev1.Taint{Key: KwokNodeAnnotation, Value: "fake", Effect: corev1.TaintEffectNoSchedule}
}

// KwokToleration tolerates KwokTaint; add it to pods meant to run on fake nodes.
func KwokToleration() corev1.Toleration {
	return corev1.Toleration{Key: KwokNodeAnnotation, Operator: corev1.TolerationOpEqual, Value: "fake",
		Effect: corev1.TaintEffectNoSchedule}
}

// GPUNodeSpec describes one fake GPU node for Cluster.AddGPUNodes.
type GPUNodeSpec struct {
	// Name of the Node (required).
	Name string
	// Product is the GPU model, e.g. "NVIDIA-H100-80GB-HBM3" (label nvidia.com/gpu.product).
	Product string
	// GPUs is the number of GPUs: label nvidia.com/gpu.count and the nvidia.com/gpu
	// capacity and allocatable.
	GPUs int
	// CPU capacity; DefaultNodeCPU when zero.
	CPU resource.Quantity
	// Memory capacity; DefaultNodeMemory when zero.
	Memory resource.Quantity
	// Pods is the pod capacity; DefaultNodePods when zero.
	Pods int
	// Labels are added to (and may override) the generated labels.
	Labels map[string]string
	// Taints are added to the kwok taint.
	Taints []corev1.Taint
}

// node renders the Node object, status included.
func (s GPUNodeSpec) node() (*corev1.Node, error) {
	if s.Name == "" {
		return nil, errors.New("GPUNodeSpec.Name is required")
	}
	if s.GPUs < 0 {
		return nil, fmt.Errorf("node %s: negative GPU count %d", s.Name, s.GPUs)
	}
	cpu, mem, pods := s.CPU, s.Memory, s.Pods
	if cpu.IsZero() {
		cpu = DefaultNodeCPU
	}
	if mem.IsZero() {
		mem = DefaultNodeMemory
	}
	if pods == 0 {
		pods = DefaultNodePods
	}
	labels := map[string]string{
		"kubernetes.io/hostname": s.Name,
		"kubernetes.io/os":       "linux",
		"kubernetes.io/arch":     "amd64",
		"type":                   "kwok",
		LabelGPUCount:            strconv.Itoa(s.GPUs),
	}
	if s.Product != "" {
		labels[LabelGPUProduct] = s.Product
	}
	for k, v := range s.Labels {
		labels[k] = v
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    cpu,
		corev1.ResourceMemory: mem,
		corev1.ResourcePods:   *resource.NewQuantity(int64(pods), resource.DecimalSI),
		ResourceGPU:           *resource.NewQuantity(int64(s.GPUs), resource.DecimalSI),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        s.Name,
			Labels:      labels,
			Annotations: map[string]string{KwokNodeAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
		},
		Spec: corev1.NodeSpec{Taints: append([]corev1.Taint{KwokTaint()}, s.Taints...)},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity.DeepCopy(),
			Phase:       corev1.NodeRunning,
		},
	}, nil
}

// AddGPUNodes creates one fake node per spec, managed by the cluster's kwok, with its
// capacity and allocatable set in the Node status, and waits until all of them are Ready.
func (c *Cluster) AddGPUNodes(ctx context.Context, specs []GPUNodeSpec) error {
	cs, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		return err
	}
	if err := CreateGPUNodes(ctx, cs, specs); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, NodeReadyTimeout)
	defer cancel()
	return waitFor(ctx, fmt.Sprintf("%d fake node(s) Ready", len(specs)), c.components(), NodesReady(cs, specs))
}

// CreateGPUNodes creates one fake node per spec on the API server of cs, with its capacity and
// allocatable set in the Node status; a node that exists already is kept, its status set again.
// Any cluster whose kwok manages nodes annotated KwokNodeAnnotation makes them Ready (see
// NodesReady): an envtest Cluster's or a kind cluster's.
func CreateGPUNodes(ctx context.Context, cs kubernetes.Interface, specs []GPUNodeSpec) error {
	for _, spec := range specs {
		want, err := spec.node()
		if err != nil {
			return err
		}
		got, err := cs.CoreV1().Nodes().Create(ctx, want, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			got, err = cs.CoreV1().Nodes().Get(ctx, spec.Name, metav1.GetOptions{})
		}
		if err != nil {
			return fmt.Errorf("creating node %s: %w", spec.Name, err)
		}
		// The API keeps status on create today; if a future one drops it, set it explicitly.
		if q, ok := got.Status.Allocatable[ResourceGPU]; !ok || q.Value() != int64(spec.GPUs) {
			got.Status.Capacity = want.Status.Capacity
			got.Status.Allocatable = want.Status.Allocatable
			if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("setting status of node %s: %w", spec.Name, err)
			}
		}
	}
	return nil
}

// NodesReady is a condition for WaitFor: every node of specs is Ready.
func NodesReady(cs kubernetes.Interface, specs []GPUNodeSpec) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		for _, spec := range specs {
			n, err := cs.CoreV1().Nodes().Get(ctx, spec.Name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if !NodeReady(n) {
				return false, fmt.Errorf("node %s not Ready yet", spec.Name)
			}
		}
		return true, nil
	}
}

// NodeReady tells whether the node's Ready condition is True.
func NodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}
