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

package crds_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
	"github.com/flotilla-dev/flotilla/test/manifests"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// The resource of graphs in each version, as kubectl names it to ask for one version.
const (
	graphsV1alpha1 = "dynamographdeployments.v1alpha1.nvidia.com"
	graphsV1beta1  = "dynamographdeployments.v1beta1.nvidia.com"
	// deprecated is the start of the warning the API server sends with every v1alpha1 request.
	deprecated = "nvidia.com/v1alpha1 DynamoGraphDeployment is deprecated; use nvidia.com/v1beta1 DynamoGraphDeployment"
	// lastApplied is the annotation client-side kubectl apply keeps: not part of a graph.
	lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
)

// exampleGraphs returns the DynamoGraphDeployments of the YAML files of dir, unchanged.
func exampleGraphs(dir string) []manifests.Document {
	docs, err := manifests.ReadDir(filepath.Join(repoRoot, dir))
	if err != nil {
		Fail(err.Error())
	}
	var graphs []manifests.Document
	for _, d := range docs {
		if d.Object.GetKind() == "DynamoGraphDeployment" {
			graphs = append(graphs, d)
		}
	}
	return graphs
}

var _ = Describe("Example graphs through the hub's conversion webhook, with kubectl", func() {
	for _, set := range []struct {
		dir, version string
		atLeast      int
	}{
		{"examples/v1beta1", "v1beta1", 6},
		{"examples", "v1alpha1", 6},
		{"test/integration/crds/testdata", "v1beta1", 1},
	} {
		graphs := exampleGraphs(set.dir)
		It(fmt.Sprintf("finds the %s example graphs of %s", set.version, set.dir), func() {
			Expect(len(graphs)).To(BeNumerically(">=", set.atLeast))
		})
		for _, doc := range graphs {
			It(fmt.Sprintf("apply %s %s in %s, read back in both versions, and round-trip", filepath.Base(doc.File),
				doc.Object.GetName(), set.version), func(ctx SpecContext) {
				Expect(doc.Object.GetAPIVersion()).To(Equal("nvidia.com/" + set.version))
				expectRoundTrip(ctx, doc.Object)
			})
		}
	}
})

// kubectl runs the test's kubectl as the administrator.
type kubectl struct {
	kubeconfig, namespace, dir string
}

// run runs kubectl with args in the namespace and returns its output; it fails the spec when
// kubectl does, and checks that the API server warned of the deprecated v1alpha1 exactly when
// alpha says a v1alpha1 request was made.
func (k kubectl) run(alpha bool, args ...string) string {
	GinkgoHelper()
	out, warnings, err := run(filepath.Join(testenv.BinDir(), "kubectl"),
		append([]string{"--kubeconfig", k.kubeconfig, "-n", k.namespace}, args...)...)
	Expect(err).NotTo(HaveOccurred(), "kubectl %s:\n%s%s", strings.Join(args, " "), out, warnings)
	if alpha {
		Expect(warnings).To(ContainSubstring("Warning: "+deprecated), "kubectl %s", strings.Join(args, " "))
	} else {
		Expect(warnings).NotTo(ContainSubstring("deprecated"), "kubectl %s", strings.Join(args, " "))
	}
	return out
}

// write writes obj to a file of its own and returns its path.
func (k kubectl) write(obj *unstructured.Unstructured) string {
	GinkgoHelper()
	data, err := yaml.Marshal(obj.Object)
	Expect(err).NotTo(HaveOccurred())
	f, err := os.CreateTemp(k.dir, fmt.Sprintf("%s-%s-*.yaml", obj.GetName(), strings.TrimPrefix(obj.GetAPIVersion(), "nvidia.com/")))
	Expect(err).NotTo(HaveOccurred())
	_, err = f.Write(data)
	Expect(err).NotTo(HaveOccurred())
	Expect(f.Close()).To(Succeed())
	return f.Name()
}

// apply writes obj to a file and runs kubectl apply with flags on it.
func (k kubectl) apply(obj *unstructured.Unstructured, flags ...string) {
	GinkgoHelper()
	k.run(obj.GetAPIVersion() == "nvidia.com/v1alpha1", append(append([]string{"apply"}, flags...), "-f", k.write(obj))...)
}

// get reads the graph name in the version of resource with kubectl get -o yaml.
func (k kubectl) get(resource, name string) *unstructured.Unstructured {
	GinkgoHelper()
	out := k.run(resource == graphsV1alpha1, "get", resource, name, "-o", "yaml")
	obj := &unstructured.Unstructured{}
	Expect(yaml.Unmarshal([]byte(out), &obj.Object)).To(Succeed())
	return obj
}

// refusedAsNewV1beta1 are v1alpha1 examples whose v1beta1 form the v1beta1 schema refuses as a
// new object, with the reason: v1alpha1 accepts an eppConfig on any service, v1beta1 on an epp
// component only. The conversion keeps it (nothing is lost), and writes in v1beta1 that leave it
// unchanged pass (the API server's CRD validation ratcheting), as step 3 checks.
var refusedAsNewV1beta1 = map[string]string{
	"upstream-shapes": "eppConfig may only be set when type is epp",
}

// expectRoundTrip follows one example graph, written in its own version, through the API
// server and the hub's conversion webhook:
//
//  1. kubectl apply --server-side creates it; kubectl get -o yaml reads it back in v1alpha1
//     and v1beta1, and the read-back in its own version holds all it says;
//  2. the v1alpha1 read-back is a valid v1alpha1 manifest: kubectl apply --validate=strict
//     writes it back, and the graph read in v1beta1 is what it was;
//  3. the v1beta1 read-back, written back with kubectl apply --server-side --validate=strict,
//     leaves the graph read in v1alpha1 what it was;
//  4. the read-back in the other version, applied as the graph anew, reads back in the graph's
//     own version as the first read-back did.
//
// Graphs compare semantically: quantities by value, metadata by labels and annotations.
func expectRoundTrip(ctx SpecContext, example *unstructured.Unstructured) {
	GinkgoHelper()
	k := kubectl{kubeconfig: adminKubeconfig(), namespace: newNamespace(ctx), dir: GinkgoT().TempDir()}
	name := example.GetName()
	ownAlpha := example.GetAPIVersion() == "nvidia.com/v1alpha1"
	own, other := graphsV1beta1, graphsV1alpha1
	if ownAlpha {
		own, other = other, own
	}

	By("1. applying it with kubectl apply --server-side and reading it back in both versions")
	k.apply(example, "--server-side")
	alpha, beta := k.get(graphsV1alpha1, name), k.get(graphsV1beta1, name)
	ownRead, otherRead := beta, alpha
	if ownAlpha {
		ownRead, otherRead = alpha, beta
	}
	Expect(contains(ownRead.Object["spec"], example.Object["spec"], "spec")).To(Succeed(),
		"the read-back in %s lost or changed part of the graph", example.GetAPIVersion())

	By("2. writing the v1alpha1 read-back back with kubectl apply --validate=strict, and reading v1beta1")
	k.apply(manifest(alpha), "--validate=strict")
	expectSameGraph(beta, k.get(graphsV1beta1, name), "the graph written in v1alpha1 and read in v1beta1")

	By("3. writing the v1beta1 read-back back with kubectl apply --server-side --validate=strict, and reading v1alpha1")
	k.apply(manifest(beta), "--server-side", "--force-conflicts", "--validate=strict")
	expectSameGraph(alpha, k.get(graphsV1alpha1, name), "the graph written in v1beta1 and read in v1alpha1")

	By("4. applying the read-back in the other version as the graph anew, and reading it in its own version")
	k.run(false, "delete", graphsV1beta1, name, "--wait")
	if reason, refused := refusedAsNewV1beta1[name]; refused && ownAlpha {
		out, warnings, err := run(filepath.Join(testenv.BinDir(), "kubectl"), "--kubeconfig", k.kubeconfig, "-n", k.namespace,
			"create", "--validate=strict", "-f", k.write(manifest(otherRead)))
		Expect(err).To(HaveOccurred(), out)
		Expect(warnings).To(ContainSubstring(reason))
		return
	}
	k.apply(manifest(otherRead), "--server-side", "--validate=strict")
	expectSameGraph(ownRead, k.get(own, name), fmt.Sprintf("the graph written anew in %s and read in %s", other, own))
}

// manifest returns the graph obj as one would apply it: without status and without the
// metadata the API server keeps.
func manifest(obj *unstructured.Unstructured) *unstructured.Unstructured {
	m := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": obj.GetAPIVersion(),
		"kind":       obj.GetKind(),
		"metadata":   map[string]any{"name": obj.GetName()},
		"spec":       obj.Object["spec"],
	}}
	m.SetLabels(obj.GetLabels())
	annotations := obj.GetAnnotations()
	delete(annotations, lastApplied)
	m.SetAnnotations(annotations)
	return m
}

// expectSameGraph checks that got is the graph want semantically: the same spec, labels and
// annotations (kubectl's own aside), in the same version.
func expectSameGraph(want, got *unstructured.Unstructured, what string) {
	GinkgoHelper()
	Expect(got.GetAPIVersion()).To(Equal(want.GetAPIVersion()))
	Expect(nonEmpty(got.GetLabels())).To(Equal(nonEmpty(want.GetLabels())), "%s: labels", what)
	wantAnnotations, gotAnnotations := nonEmpty(want.GetAnnotations()), nonEmpty(got.GetAnnotations())
	delete(wantAnnotations, lastApplied)
	delete(gotAnnotations, lastApplied)
	Expect(gotAnnotations).To(Equal(wantAnnotations), "%s: annotations", what)
	var wantSpec, gotSpec any
	switch got.GetAPIVersion() {
	case "nvidia.com/v1alpha1":
		wantSpec, gotSpec = &nvidiav1alpha1.DynamoGraphDeploymentSpec{}, &nvidiav1alpha1.DynamoGraphDeploymentSpec{}
	default:
		wantSpec, gotSpec = &nvidiav1beta1.DynamoGraphDeploymentSpec{}, &nvidiav1beta1.DynamoGraphDeploymentSpec{}
	}
	decodeSpec(want, wantSpec)
	decodeSpec(got, gotSpec)
	Expect(equality.Semantic.DeepEqual(wantSpec, gotSpec)).To(BeTrue(), "%s: spec differs (-want +got):\n%s",
		what, cmp.Diff(want.Object["spec"], got.Object["spec"]))
}

// nonEmpty returns m, or an empty map for nil: no labels and empty labels are the same.
func nonEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// decodeSpec decodes obj's spec into the Go type spec points to, refusing unknown fields.
func decodeSpec(obj *unstructured.Unstructured, spec any) {
	GinkgoHelper()
	data, err := yaml.Marshal(obj.Object["spec"])
	Expect(err).NotTo(HaveOccurred())
	Expect(yaml.UnmarshalStrict(data, spec)).To(Succeed(), "%s %s", obj.GetAPIVersion(), obj.GetName())
}
