package crds_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/flotilla-dev/flotilla/test/manifests"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

var _ = Describe("Flotilla's CRDs", func() {
	It("are installed and established", func(ctx SpecContext) {
		for _, name := range []string{
			"dynamographdeployments.nvidia.com",
			"dynamocomponentdeployments.nvidia.com",
			"memberclusters.flotilla.dev",
			"gpuinventories.flotilla.dev",
		} {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, crd)).To(Succeed())
			Expect(crd.Status.Conditions).To(ContainElement(And(
				HaveField("Type", apiextensionsv1.Established),
				HaveField("Status", apiextensionsv1.ConditionTrue),
			)), "CRD %s is not established", name)
		}
	})

	It("accept every example graph unchanged", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		docs, err := manifests.ReadDir(filepath.Join(repoRoot, "examples"))
		Expect(err).NotTo(HaveOccurred())
		graphs := 0
		for _, doc := range docs {
			obj := doc.Object.DeepCopy()
			obj.SetNamespace(ns)
			By(fmt.Sprintf("creating %s %s from %s with strict field validation", obj.GetKind(), obj.GetName(), filepath.Base(doc.File)))
			Expect(k8sClient.Create(ctx, obj, client.FieldValidation(metav1.FieldValidationStrict))).To(Succeed())
			if obj.GetKind() != "DynamoGraphDeployment" {
				continue
			}
			graphs++
			stored := &unstructured.Unstructured{}
			stored.SetGroupVersionKind(obj.GroupVersionKind())
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), stored)).To(Succeed())
			Expect(contains(stored.Object["spec"], doc.Object.Object["spec"], "spec")).To(Succeed(),
				"the apiserver changed or dropped part of %s", obj.GetName())
		}
		Expect(graphs).To(BeNumerically(">=", 6))
	})

	It("apply with kubectl and print the graph columns", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		kubeconfig := adminKubeconfig()
		kubectl := filepath.Join(testenv.BinDir(), "kubectl")

		By("running kubectl apply -f examples/: v1alpha1 graphs, which the API server warns are deprecated")
		out, warnings, err := run(kubectl, "--kubeconfig", kubeconfig, "-n", ns, "apply", "-f", filepath.Join(repoRoot, "examples"))
		Expect(err).NotTo(HaveOccurred(), warnings)
		Expect(out).To(ContainSubstring("dynamographdeployment.nvidia.com/vllm-agg created"))
		Expect(warnings).To(ContainSubstring("Warning: " + deprecated))

		By("running kubectl get dgd, which reads the preferred version v1beta1 without a warning")
		out, warnings, err = run(kubectl, "--kubeconfig", kubeconfig, "-n", ns, "get", "dgd")
		Expect(err).NotTo(HaveOccurred(), warnings)
		Expect(warnings).To(BeEmpty())
		header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
		Expect(header).To(Equal([]string{"NAME", "STATE", "READY", "SERVICES", "COPIES", "CLUSTERS", "AGE"}))
		Expect(out).To(ContainSubstring("vllm-disagg"))

		By("running kubectl get on v1alpha1 graphs, with the same columns and a warning")
		out, warnings, err = run(kubectl, "--kubeconfig", kubeconfig, "-n", ns, "get", graphsV1alpha1)
		Expect(err).NotTo(HaveOccurred(), warnings)
		Expect(warnings).To(ContainSubstring("Warning: " + deprecated))
		Expect(strings.Fields(strings.SplitN(out, "\n", 2)[0])).To(Equal(header))
		Expect(out).To(ContainSubstring("vllm-disagg"))

		By("running kubectl get dcd and membercluster")
		_, warnings, err = run(kubectl, "--kubeconfig", kubeconfig, "-n", ns, "get", "dcd")
		Expect(err).NotTo(HaveOccurred(), warnings)
		Expect(warnings).NotTo(ContainSubstring("deprecated"))
		_, warnings, err = run(kubectl, "--kubeconfig", kubeconfig, "get", "membercluster")
		Expect(err).NotTo(HaveOccurred(), warnings)
	})
})

// contains checks that every field of want is present in got with the same value: the apiserver
// may add defaults (placement.copies) but must not drop or change what the user wrote. A null in
// want means "unset" and matches an absent or null field.
func contains(got, want any, path string) error {
	switch w := want.(type) {
	case nil:
		if got != nil {
			return fmt.Errorf("%s: want unset, got %v", path, got)
		}
		return nil
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %T", path, got)
		}
		for k, wv := range w {
			if err := contains(g[k], wv, path+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok {
			if len(w) == 0 && got == nil {
				return nil
			}
			return fmt.Errorf("%s: want a list, got %T", path, got)
		}
		if len(g) != len(w) {
			return fmt.Errorf("%s: want %d items, got %d", path, len(w), len(g))
		}
		for i := range w {
			if err := contains(g[i], w[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	default:
		if !reflect.DeepEqual(asFloat(got), asFloat(want)) {
			return fmt.Errorf("%s: want %#v, got %#v", path, want, got)
		}
		return nil
	}
}

// asFloat turns JSON numbers of any Go type into float64, so that a YAML 1 equals a stored 1.
func asFloat(v any) any {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case int:
		return float64(n)
	case int32:
		return float64(n)
	}
	return v
}

// newNamespace creates a namespace with a generated name for one spec.
func newNamespace(ctx SpecContext) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "crds-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// adminKubeconfig writes a kubeconfig for a system:masters user of the test apiserver.
func adminKubeconfig() string {
	GinkgoHelper()
	user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	data, err := user.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
	Expect(os.WriteFile(path, data, 0o600)).To(Succeed())
	return path
}

// run runs a command and returns its standard output and its standard error (where kubectl
// prints the apiserver's warnings, such as a deprecated API version).
func run(name string, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}
