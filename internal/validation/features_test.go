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

package validation_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/internal/validation"
	"github.com/flotilla-dev/flotilla/test/manifests"
)

// fields lists the fields of errs, sorted.
func fields(t *testing.T, dgd *nvidiav1beta1.DynamoGraphDeployment) []string {
	t.Helper()
	var out []string
	for _, e := range validation.Unsupported(dgd) {
		if e.Detail == "" {
			t.Errorf("%s: refused without saying why", e.Field)
		}
		out = append(out, e.Field)
	}
	slices.Sort(out)
	return out
}

func TestUnsupported(t *testing.T) {
	component := func(name string, mutate func(*nvidiav1beta1.DynamoComponentDeploymentSharedSpec)) nvidiav1beta1.DynamoComponentDeploymentSharedSpec {
		c := nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: name, ComponentType: nvidiav1beta1.ComponentTypeWorker}
		if mutate != nil {
			mutate(&c)
		}
		return c
	}
	override := &nvidiav1beta1.ProviderOverride{APIVersion: "grove.io/v1alpha1"}
	for _, tc := range []struct {
		name  string
		graph func(*nvidiav1beta1.DynamoGraphDeployment)
		want  []string
	}{
		{name: "a plain graph", graph: func(*nvidiav1beta1.DynamoGraphDeployment) {}},
		{
			name: "Grove-only graph fields",
			graph: func(g *nvidiav1beta1.DynamoGraphDeployment) {
				g.Spec.TopologyConstraint = &nvidiav1beta1.SpecTopologyConstraint{ClusterTopologyName: "rack-topology"}
				g.Spec.ProviderOverride = override
				g.Spec.Experimental = &nvidiav1beta1.DynamoGraphDeploymentExperimentalSpec{
					KvTransferPolicy: &nvidiav1beta1.KvTransferPolicy{ClusterTopologyName: "rack-topology", Domain: "rack"},
					ComponentGroups:  []nvidiav1beta1.ComponentGroupSpec{{Name: "pd", Replicas: 1}},
				}
			},
			want: []string{"spec.experimental.componentGroups", "spec.experimental.kvTransferPolicy.clusterTopologyName",
				"spec.providerOverride", "spec.topologyConstraint"},
		},
		{
			name: "a kv-transfer policy by node label",
			graph: func(g *nvidiav1beta1.DynamoGraphDeployment) {
				g.Spec.Experimental = &nvidiav1beta1.DynamoGraphDeploymentExperimentalSpec{
					KvTransferPolicy: &nvidiav1beta1.KvTransferPolicy{LabelKey: "topology.kubernetes.io/zone", Domain: "zone"},
				}
			},
			want: []string{"spec.experimental.kvTransferPolicy"},
		},
		{
			name: "component features Flotilla's agents do not build",
			graph: func(g *nvidiav1beta1.DynamoGraphDeployment) {
				g.Spec.Components = []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{
					component("Worker", func(c *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
						c.MinAvailable = ptr.To[int32](1)
						c.TopologyConstraint = &nvidiav1beta1.TopologyConstraint{PackDomain: "rack"}
						c.ProviderOverride = override
						c.Roles = []nvidiav1beta1.ComponentRoleSpec{{Name: "leader", ProviderOverride: override}, {Name: "worker"}}
						c.EngineGroup = &nvidiav1beta1.ComponentEngineGroupSpec{InitialSize: 1}
						c.Experimental = &nvidiav1beta1.ExperimentalSpec{
							GPUMemoryService: &nvidiav1beta1.GPUMemoryServiceSpec{},
							Failover:         &nvidiav1beta1.FailoverSpec{},
							Checkpoint:       &nvidiav1beta1.ComponentCheckpointConfig{Enabled: true},
							Grove:            &nvidiav1beta1.GroveSpec{},
						}
					}),
					component("Lpu", func(c *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
						c.ComponentType = nvidiav1beta1.ComponentTypeLPX
					}),
					// Roles without an override and a disabled checkpoint are fine.
					component("Multinode", func(c *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) {
						c.Multinode = &nvidiav1beta1.MultinodeSpec{NodeCount: 2}
						c.Roles = []nvidiav1beta1.ComponentRoleSpec{{Name: "leader", Replicas: ptr.To[int32](1)}, {Name: "worker", Replicas: ptr.To[int32](1)}}
						c.Experimental = &nvidiav1beta1.ExperimentalSpec{Checkpoint: &nvidiav1beta1.ComponentCheckpointConfig{}}
						c.SharedMemorySize = ptr.To(resource.MustParse("8Gi"))
					}),
				}
			},
			want: []string{
				"spec.components[Lpu].lpx",
				"spec.components[Worker].engineGroup",
				"spec.components[Worker].experimental.checkpoint.enabled",
				"spec.components[Worker].experimental.failover",
				"spec.components[Worker].experimental.gpuMemoryService",
				"spec.components[Worker].experimental.grove",
				"spec.components[Worker].minAvailable",
				"spec.components[Worker].providerOverride",
				"spec.components[Worker].roles[leader].providerOverride",
				"spec.components[Worker].topologyConstraint",
			},
		},
		{
			name: "a power budget on one copy",
			graph: func(g *nvidiav1beta1.DynamoGraphDeployment) {
				g.Annotations = map[string]string{validation.AnnotationPowerControlMode: "transactional-replica-fence"}
			},
		},
		{
			name: "a power budget split over two copies",
			graph: func(g *nvidiav1beta1.DynamoGraphDeployment) {
				g.Annotations = map[string]string{validation.AnnotationGPUPowerBudget: "4000"}
				g.Spec.Placement = &flotillav1alpha1.PlacementSpec{Copies: 2}
			},
			want: []string{"spec.placement.copies"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &nvidiav1beta1.DynamoGraphDeployment{Spec: nvidiav1beta1.DynamoGraphDeploymentSpec{
				Components: []nvidiav1beta1.DynamoComponentDeploymentSharedSpec{component("Worker", nil)},
			}}
			tc.graph(g)
			if diff := cmp.Diff(tc.want, fields(t, g)); diff != "" {
				t.Errorf("refused fields (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUnsupportedExamples says which of the example graphs, upstream's in either version, Flotilla
// refuses, and why.
func TestUnsupportedExamples(t *testing.T) {
	refused, invalid := map[string][]string{}, map[string][]string{}
	for _, dir := range []string{"examples", filepath.Join("examples", "v1beta1")} {
		docs, err := manifests.ReadDir(filepath.Join("..", "..", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range docs {
			if doc.Object.GetKind() != "DynamoGraphDeployment" {
				continue
			}
			hub := &nvidiav1beta1.DynamoGraphDeployment{}
			switch doc.Object.GetAPIVersion() {
			case nvidiav1beta1.GroupVersion.String():
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object.Object, hub); err != nil {
					t.Fatalf("%s: %v", doc.File, err)
				}
			default:
				alpha := &nvidiav1alpha1.DynamoGraphDeployment{}
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object.Object, alpha); err != nil {
					t.Fatalf("%s: %v", doc.File, err)
				}
				if err := alpha.ConvertTo(hub); err != nil {
					t.Fatalf("%s: %v", doc.File, err)
				}
			}
			if got := fields(t, hub); len(got) > 0 {
				refused[filepath.Base(doc.File)+"/"+hub.Name] = got
			}
			if errs, _ := validation.Graph(hub); len(errs) > 0 {
				for _, e := range errs {
					invalid[filepath.Base(doc.File)+"/"+hub.Name] = append(invalid[filepath.Base(doc.File)+"/"+hub.Name], e.Field)
				}
			}
		}
	}
	want := map[string][]string{
		"upstream-v1alpha1-newest.yaml/llm-serving-mn": {"spec.components[agg].experimental.failover"},
		"upstream-v1alpha1-newest.yaml/vllm-agg-failover": {
			"spec.components[VllmWorker].experimental.failover", "spec.components[VllmWorker].experimental.gpuMemoryService",
		},
		"upstream-v1alpha1-newest.yaml/vllm-disagg-topology": {
			"spec.components[Frontend].minAvailable",
			"spec.components[VllmDecodeWorker].experimental.checkpoint.enabled",
			"spec.components[VllmDecodeWorker].experimental.gpuMemoryService",
			"spec.components[VllmDecodeWorker].minAvailable",
			"spec.components[VllmDecodeWorker].roles[worker].providerOverride",
			"spec.components[VllmDecodeWorker].topologyConstraint",
			"spec.components[VllmPrefillWorker].providerOverride",
			"spec.experimental.componentGroups",
			"spec.experimental.kvTransferPolicy.clusterTopologyName",
			"spec.providerOverride", "spec.topologyConstraint",
		},
		"vllm-agg-failover.yaml/vllm-agg-failover": {
			"spec.components[VllmWorker].experimental.failover", "spec.components[VllmWorker].experimental.gpuMemoryService",
		},
		"vllm-agg-snapshot-tp8.yaml/vllm-agg-snapshot-tp8": {"spec.components[VllmDecodeWorker].experimental.checkpoint.enabled"},
	}
	// upstream-shapes.yaml's DecodeWorker claims its GPUs through DRA, which placement refuses.
	wantInvalid := map[string][]string{"upstream-shapes.yaml/upstream-shapes": {
		"spec.components[DecodeWorker].podTemplate.spec.resourceClaims",
		"spec.components[DecodeWorker].podTemplate.spec.containers[0].resources.claims",
	}}
	if diff := cmp.Diff(wantInvalid, invalid); diff != "" {
		t.Errorf("invalid examples (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, refused); diff != "" {
		t.Errorf("refused examples (-want +got):\n%s\n(every refusal must be deliberate and listed in docs/hub.md)", diff)
	}
}
