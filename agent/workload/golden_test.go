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

package workload_test

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/flotilla-dev/flotilla/agent/workload"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// update rewrites the golden files of TestGoldenObjects instead of comparing with them.
var update = flag.Bool("update", false, "rewrite the golden files of TestGoldenObjects")

// goldenDir holds the inputs and golden outputs of TestGoldenObjects.
var goldenDir = filepath.Join("testdata", "golden")

// goldenUpstream names the upstream sources and tests (ai-dynamo/dynamo, deploy/operator/) whose
// expectations a golden file was checked against, by case.
var goldenUpstream = map[string][]string{
	"vllm-singlenode-deployment": {
		"internal/dynamo/component_common.go: getCommonContainer; component_worker.go: WorkerDefaults.GetBaseContainer (env, ports, probes)",
		"internal/dynamo/component_worker_test.go: TestWorkerDefaultsCanaryHealthCheckVersionGate (runtime < 1.4.0)",
		"internal/dynamo/graph.go: GenerateBasePodSpec, applyDefaultSecurityContext (fsGroup, shared memory, merge of the main container)",
		"internal/controller/dynamocomponentdeployment_controller.go: generateDeployment (labels, annotations, selector, strategy)",
		"internal/dynamo/backend_vllm_test.go: TestVLLMBackend_UpdateContainer (see agent/workload/launch/doc.go)",
	},
	"vllm-multinode-statefulset": {
		"internal/dynamo/lws.go: LWSMultinodeDeployer (the StatefulSets reproduce LeaderWorkerSet's names and variables)",
		"internal/controller/dynamocomponentdeployment_controller_test.go: TestDynamoComponentDeploymentReconciler_generateLeaderWorkerSet (leader and worker templates)",
		"internal/dynamo/graph.go: GenerateBasePodSpec, applyDefaultSecurityContext",
		"internal/dynamo/backend_vllm_test.go: TestVLLMBackend_UpdateContainer (see agent/workload/launch/doc.go)",
	},
	"vllm-multinode-leaderworkerset": {
		"internal/controller/dynamocomponentdeployment_controller.go: generateLeaderWorkerSet (name <dcd>-0, labels, no annotations, replicas, size, startupPolicy)",
		"internal/controller/dynamocomponentdeployment_controller_test.go: TestDynamoComponentDeploymentReconciler_generateLeaderWorkerSet (leader and worker templates)",
		"internal/dynamo/lws.go: LWSMultinodeDeployer (leader address, node rank, worker host names)",
		"internal/dynamo/backend_vllm_test.go: TestVLLMBackend_UpdateContainer (see agent/workload/launch/doc.go)",
	},
	"sglang-singlenode-deployment": {
		"internal/dynamo/component_common.go: getCommonContainer; component_worker.go: WorkerDefaults.GetBaseContainer (env, ports, probes)",
		"internal/dynamo/component_worker_test.go: TestWorkerDefaultsCanaryHealthCheckVersionGate (runtime < 1.4.0)",
		"internal/dynamo/graph.go: GenerateBasePodSpec, applyDefaultSecurityContext (fsGroup, shared memory, merge of the main container)",
		"internal/controller/dynamocomponentdeployment_controller.go: generateDeployment (labels, annotations, selector, strategy)",
		"internal/dynamo/backend_sglang_test.go: TestSGLangBackend_PythonCommandInjection, TestSGLangBackend_DirectFlagInjection (see agent/workload/launch/doc.go)",
	},
	"sglang-multinode-statefulset": {
		"internal/dynamo/lws.go: LWSMultinodeDeployer (the StatefulSets reproduce LeaderWorkerSet's names and variables)",
		"internal/controller/dynamocomponentdeployment_controller_test.go: TestDynamoComponentDeploymentReconciler_generateLeaderWorkerSet (leader and worker templates)",
		"internal/dynamo/graph.go: GenerateBasePodSpec, applyDefaultSecurityContext",
		"internal/dynamo/backend_sglang_test.go: TestSGLangBackend_PythonCommandInjection, TestSGLangBackend_DirectFlagInjection (see agent/workload/launch/doc.go)",
	},
	"sglang-multinode-leaderworkerset": {
		"internal/controller/dynamocomponentdeployment_controller.go: generateLeaderWorkerSet (name <dcd>-0, labels, no annotations, replicas, size, startupPolicy)",
		"internal/controller/dynamocomponentdeployment_controller_test.go: TestDynamoComponentDeploymentReconciler_generateLeaderWorkerSet (leader and worker templates)",
		"internal/dynamo/lws.go: LWSMultinodeDeployer (leader address, node rank, worker host names)",
		"internal/dynamo/backend_sglang_test.go: TestSGLangBackend_PythonCommandInjection, TestSGLangBackend_DirectFlagInjection (see agent/workload/launch/doc.go)",
	},
	"trtllm-singlenode-deployment": {
		"internal/dynamo/component_common.go: getCommonContainer; component_worker.go: WorkerDefaults.GetBaseContainer (env, ports, probes)",
		"internal/dynamo/component_worker_test.go: TestWorkerDefaultsCanaryHealthCheckVersionGate (runtime < 1.4.0)",
		"internal/dynamo/graph.go: GenerateBasePodSpec, applyDefaultSecurityContext (fsGroup, shared memory, merge of the main container)",
		"internal/controller/dynamocomponentdeployment_controller.go: generateDeployment (labels, annotations, selector, strategy)",
		"internal/dynamo/backend_trtllm_test.go: TestTRTLLMBackend_UpdateContainer (see agent/workload/launch/doc.go)",
	},
	"trtllm-multinode-statefulset": {
		"internal/dynamo/lws.go: LWSMultinodeDeployer (the StatefulSets reproduce LeaderWorkerSet's names and variables)",
		"internal/controller/dynamocomponentdeployment_controller_test.go: TestDynamoComponentDeploymentReconciler_generateLeaderWorkerSet (leader and worker templates)",
		"internal/dynamo/graph.go: GenerateBasePodSpec, applyDefaultSecurityContext",
		"internal/dynamo/backend_trtllm_test.go: TestTRTLLMBackend_UpdateContainer (see agent/workload/launch/doc.go)",
	},
	"trtllm-multinode-leaderworkerset": {
		"internal/controller/dynamocomponentdeployment_controller.go: generateLeaderWorkerSet (name <dcd>-0, labels, no annotations, replicas, size, startupPolicy)",
		"internal/controller/dynamocomponentdeployment_controller_test.go: TestDynamoComponentDeploymentReconciler_generateLeaderWorkerSet (leader and worker templates)",
		"internal/dynamo/lws.go: LWSMultinodeDeployer (leader address, node rank, worker host names)",
		"internal/dynamo/backend_trtllm_test.go: TestTRTLLMBackend_UpdateContainer (see agent/workload/launch/doc.go)",
	},
}

// goldenCase is one input of TestGoldenObjects.
type goldenCase struct {
	name string
	opts workload.Options
}

// goldenCases returns the cases of TestGoldenObjects: each backend as a single-node Deployment
// and as a two-node component on either multinode runtime.
func goldenCases() []goldenCase {
	var cases []goldenCase
	for _, backend := range []string{workload.BackendVLLM, workload.BackendSGLang, workload.BackendTRTLLM} {
		cases = append(cases,
			goldenCase{backend + "-singlenode-deployment", workload.Options{}},
			goldenCase{backend + "-multinode-statefulset", workload.Options{MultinodeRuntime: workload.RuntimeStatefulSet}},
			goldenCase{backend + "-multinode-leaderworkerset", workload.Options{MultinodeRuntime: workload.RuntimeLeaderWorkerSet}},
		)
	}
	return cases
}

// TestGoldenObjects builds the input DCD of each case (testdata/golden/<case>.input.yaml) and
// compares the objects with testdata/golden/<case>.yaml; -update rewrites the latter. Each golden
// file names the upstream tests it was checked against; the differences are documented in
// doc.go and launch/doc.go.
func TestGoldenObjects(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			input := filepath.Join(goldenDir, tc.name+".input.yaml")
			data, err := os.ReadFile(input)
			if err != nil {
				t.Fatal(err)
			}
			dcd := &nvidiav1beta1.DynamoComponentDeployment{}
			if err := yaml.UnmarshalStrict(data, dcd); err != nil {
				t.Fatalf("%s: %v", input, err)
			}
			res, err := workload.Build(dcd, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := renderGolden(tc, res)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(goldenDir, tc.name+".yaml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./agent/workload -run TestGoldenObjects -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from what Build returns; check the change and rerun with -update. Diff (-file +built):\n%s",
					path, lineDiff(string(want), string(got)))
			}
		})
	}
}

// renderGolden returns the golden file of tc: a header naming the input, the options, the
// Result's fields that are not objects and the upstream tests checked, then every object
// (Objects and ModelService) as YAML documents sorted by kind, then name.
func renderGolden(tc goldenCase, res *workload.Result) ([]byte, error) {
	objs := res.Objects()
	if res.ModelService != nil {
		objs = append(objs, res.ModelService)
	}
	slices.SortStableFunc(objs, func(a, b workload.Object) int {
		return cmp.Or(
			cmp.Compare(a.GetObjectKind().GroupVersionKind().Kind, b.GetObjectKind().GroupVersionKind().Kind),
			cmp.Compare(a.GetName(), b.GetName()))
	})
	var buf bytes.Buffer
	runtime := tc.opts.MultinodeRuntime
	if runtime == "" {
		runtime = "default (" + workload.RuntimeStatefulSet + ")"
	}
	fmt.Fprintf(&buf, "# Code generated by TestGoldenObjects (agent/workload/golden_test.go); DO NOT EDIT.\n")
	fmt.Fprintf(&buf, "# Regenerate with: go test ./agent/workload -run TestGoldenObjects -update\n#\n")
	fmt.Fprintf(&buf, "# Input: %s.input.yaml, built by workload.Build with Options.MultinodeRuntime %s.\n", tc.name, runtime)
	fmt.Fprintf(&buf, "# Result.SSHKeySecret: %s\n", cmp.Or(res.SSHKeySecret, "none"))
	if len(res.Notes) == 0 {
		fmt.Fprintf(&buf, "# Result.Notes: none\n")
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&buf, "# Result.Notes: %s\n", n)
	}
	fmt.Fprintf(&buf, "#\n# Checked field by field against the expectations of ai-dynamo/dynamo, deploy/operator/:\n")
	for _, ref := range goldenUpstream[tc.name] {
		fmt.Fprintf(&buf, "#   - %s\n", ref)
	}
	fmt.Fprintf(&buf, "# The differences kept on purpose are listed in agent/workload/doc.go and agent/workload/launch/doc.go.\n")
	for _, obj := range objs {
		out, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
		}
		buf.WriteString("---\n")
		buf.Write(out)
	}
	return buf.Bytes(), nil
}

// lineDiff returns a line diff of want and got (longest common subsequence): the lines of want
// missing from got (-) and those of got missing from want (+), each with its line number.
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&out, "%4d + %s\n", j+1, b[j])
			j++
		default:
			fmt.Fprintf(&out, "%4d - %s\n", i+1, a[i])
			i++
		}
	}
	return out.String()
}
