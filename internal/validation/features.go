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

package validation

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Annotations of a graph that enable Dynamo's GPU power budget (a DynamoGraphPowerBudget that
// Dynamo's graph controller creates for the graph on its cluster).
const (
	AnnotationPowerControlMode = "dynamo.nvidia.com/power-control-mode"
	AnnotationGPUPowerBudget   = "dynamo.nvidia.com/gpu-power-budget"
	AnnotationPowerMinEndpoint = "dynamo.nvidia.com/power-min-endpoint"
)

// Why Flotilla refuses a feature, for the messages of Unsupported.
const (
	// noGrove: Dynamo runs these only through Grove (PodCliqueSets, ClusterTopology), and its own
	// admission forbids them off Grove.
	noGrove = "needs Grove (PodCliqueSets scheduled on a grove.io ClusterTopology), which Dynamo's own admission " +
		"requires for it; Flotilla's agents build Deployments and StatefulSets, as Dynamo does without Grove"
	// noGMS: the GPU memory service allocates GPUs through DRA.
	noGMS = "the GPU memory service takes the component's GPUs through a Dynamic Resource Allocation " +
		"ResourceClaimTemplate, which Flotilla cannot place (it counts device-plugin GPUs on members' nodes)"
	// noSnapshot: checkpoint and restore need Dynamo's snapshot controllers on the cluster.
	noSnapshot = "checkpoint and restore need Dynamo's snapshot machinery (DynamoCheckpoint, PodSnapshot, its " +
		"snapshot Jobs and pod admission webhook) on the cluster that runs the pods; Flotilla's agents do not run it"
)

// Unsupported lists the fields of a graph that Flotilla cannot run as Dynamo would on its
// members, each naming the field and saying why. A graph that sets one is refused rather than
// run without it: nothing a user wrote is silently dropped. Components are checked in name order.
func Unsupported(dgd *nvidiav1beta1.DynamoGraphDeployment) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if dgd.Spec.TopologyConstraint != nil {
		errs = append(errs, field.Forbidden(spec.Child("topologyConstraint"), noGrove))
	}
	if dgd.Spec.ProviderOverride != nil {
		errs = append(errs, field.Forbidden(spec.Child("providerOverride"), "overrides a Grove PodCliqueSet: "+noGrove))
	}
	if x := dgd.Spec.Experimental; x != nil {
		if p := x.KvTransferPolicy; p != nil {
			path := spec.Child("experimental", "kvTransferPolicy")
			if p.ClusterTopologyName != "" {
				errs = append(errs, field.Forbidden(path.Child("clusterTopologyName"), noGrove))
			} else {
				errs = append(errs, field.Forbidden(path, "needs Dynamo's topology label controller on the member, which copies "+
					"node labels onto the pods it schedules; Flotilla's agents do not run it"))
			}
		}
		if len(x.ComponentGroups) > 0 {
			errs = append(errs, field.Forbidden(spec.Child("experimental", "componentGroups"),
				"Dynamo renders each component group as one Grove PodCliqueScalingGroup: "+noGrove))
		}
	}
	if powerBudget(dgd) && dgd.Spec.Placement != nil && dgd.Spec.Placement.Copies > 1 {
		errs = append(errs, field.Forbidden(spec.Child("placement", "copies"), fmt.Sprintf(
			"is %d, but the graph sets a GPU power budget (annotation %s), which cannot be split across copies: set it to 1",
			dgd.Spec.Placement.Copies, AnnotationPowerControlMode)))
	}

	components := slices.Clone(dgd.Spec.Components)
	slices.SortFunc(components, func(a, b nvidiav1beta1.DynamoComponentDeploymentSharedSpec) int {
		return strings.Compare(a.ComponentName, b.ComponentName)
	})
	for i := range components {
		errs = append(errs, UnsupportedInComponent(spec.Child("components").Key(components[i].ComponentName), &components[i])...)
	}
	return errs
}

// UnsupportedInComponent is Unsupported for one component, at path: the graph's component, or
// the spec of a DynamoComponentDeployment (whose fields are the component's).
func UnsupportedInComponent(path *field.Path, c *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) field.ErrorList {
	var errs field.ErrorList
	if c.MinAvailable != nil {
		errs = append(errs, field.Forbidden(path.Child("minAvailable"),
			"is currently supported only for Grove-backed DynamoGraphDeployment components: "+noGrove))
	}
	if c.TopologyConstraint != nil {
		errs = append(errs, field.Forbidden(path.Child("topologyConstraint"), noGrove))
	}
	if c.ProviderOverride != nil {
		errs = append(errs, field.Forbidden(path.Child("providerOverride"), "overrides a Grove PodClique: "+noGrove))
	}
	for _, role := range c.Roles {
		if role.ProviderOverride != nil {
			errs = append(errs, field.Forbidden(path.Child("roles").Key(role.Name).Child("providerOverride"), "overrides a Grove PodClique: "+noGrove))
		}
	}
	if c.EngineGroup != nil {
		errs = append(errs, field.Forbidden(path.Child("engineGroup"), "is not enabled in Dynamo yet (its admission refuses it too)"))
	}
	if c.ComponentType == nvidiav1beta1.ComponentTypeLPX || c.LPX != nil {
		errs = append(errs, field.Forbidden(path.Child("lpx"), "an LPX component is run by Dynamo's LPX integration "+
			"(LPXGraphDeployment) on its cluster; Flotilla's agents do not build it"))
	}
	if x := c.Experimental; x != nil {
		xp := path.Child("experimental")
		if x.GPUMemoryService != nil {
			errs = append(errs, field.Forbidden(xp.Child("gpuMemoryService"), noGMS))
		}
		if x.Failover != nil {
			errs = append(errs, field.Forbidden(xp.Child("failover"), "needs the GPU memory service: "+noGMS))
		}
		if x.Checkpoint != nil && x.Checkpoint.Enabled {
			errs = append(errs, field.Forbidden(xp.Child("checkpoint", "enabled"), noSnapshot))
		}
		if x.Grove != nil {
			errs = append(errs, field.Forbidden(xp.Child("grove"), noGrove))
		}
	}
	return errs
}

// powerBudget reports whether the graph asks for Dynamo's GPU power budget.
func powerBudget(dgd *nvidiav1beta1.DynamoGraphDeployment) bool {
	for _, key := range []string{AnnotationPowerControlMode, AnnotationGPUPowerBudget, AnnotationPowerMinEndpoint} {
		if _, ok := dgd.Annotations[key]; ok {
			return true
		}
	}
	return false
}
