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

package inventory

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// Label names of the inventory gauges.
const (
	metricLabelResource = "resource_name"
	metricLabelProduct  = "product"
)

var (
	gpusTotal = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "flotilla_agent_gpus_total",
		Help: "Allocatable GPUs on schedulable nodes, by GPU resource name and product.",
	}, []string{metricLabelResource, metricLabelProduct})
	gpusFree = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "flotilla_agent_gpus_free",
		Help: "GPUs on schedulable nodes that no scheduled pod requests, by GPU resource name and product.",
	}, []string{metricLabelResource, metricLabelProduct})
	gpuNodesUnschedulable = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "flotilla_agent_gpu_nodes_unschedulable",
		Help: "GPU nodes left out of the inventory because they are cordoned, not ready or tainted, by GPU resource name and product.",
	}, []string{metricLabelResource, metricLabelProduct})
)

func init() {
	ctrlmetrics.Registry.MustRegister(gpusTotal, gpusFree, gpuNodesUnschedulable)
}

// gaugeSet is the label sets a Writer has set on the inventory gauges, so that it can delete
// those of pools that are gone.
type gaugeSet map[[2]string]bool

// update sets the gauges to pools and deletes the series of pools set before and gone now.
func (g gaugeSet) update(pools []flotillav1alpha1.GPUPool) gaugeSet {
	next := gaugeSet{}
	for _, p := range pools {
		labels := prometheus.Labels{metricLabelResource: p.ResourceName, metricLabelProduct: p.Product}
		gpusTotal.With(labels).Set(float64(p.Total))
		gpusFree.With(labels).Set(float64(p.Free))
		gpuNodesUnschedulable.With(labels).Set(float64(p.UnschedulableNodes))
		next[[2]string{p.ResourceName, p.Product}] = true
	}
	for k := range g {
		if !next[k] {
			labels := prometheus.Labels{metricLabelResource: k[0], metricLabelProduct: k[1]}
			gpusTotal.Delete(labels)
			gpusFree.Delete(labels)
			gpuNodesUnschedulable.Delete(labels)
		}
	}
	return next
}
