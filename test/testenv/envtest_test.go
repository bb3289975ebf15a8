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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

func init() {
	// envtest logs through controller-runtime, which complains at length if no logger is set.
	ctrllog.SetLogger(logr.Discard())
}

// TestStartEnvtestListsNamespaces is the integration smoke test: a real etcd and kube-apiserver
// from BinDir, no CRDs. It may build the binaries first.
func TestStartEnvtestListsNamespaces(t *testing.T) {
	env, err := StartEnvtest(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping envtest: %v", err)
		}
	})
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cs.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ns := range list.Items {
		names = append(names, ns.Name)
	}
	for _, want := range []string{"default", "kube-system"} {
		if !slices.Contains(names, want) {
			t.Errorf("namespace %q missing from %v", want, names)
		}
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	kube, _, _ := binaryVersions()
	if v.GitVersion != kube {
		t.Errorf("apiserver reports version %q, want %q", v.GitVersion, kube)
	}
}

func TestStartEnvtestRejectsMissingCRDDir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-crds")
	env, err := StartEnvtest(t.Context(), missing)
	if err == nil {
		_ = env.Stop()
		t.Fatal("StartEnvtest accepted a missing CRD directory")
	}
	if !strings.Contains(err.Error(), "no-such-crds") {
		t.Errorf("error does not name the missing directory: %v", err)
	}
}

// gadgetsCRD serves two versions and converts through a webhook by URL.
const gadgetsCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.test.flotilla.dev
spec:
  group: test.flotilla.dev
  names: {kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget}
  scope: Namespaced
  conversion:
    strategy: Webhook
    webhook:
      clientConfig: {url: "https://127.0.0.1:1/convert"}
      conversionReviewVersions: [v1]
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
  - name: v2
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`

// TestStartEnvtestKeepsConversion checks that CRDs are installed as written: envtest's own
// installation would set a CRD's conversion to strategy None for a kind its scheme does not know.
func TestStartEnvtestKeepsConversion(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gadgets.yaml"), []byte(gadgetsCRD), 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := StartEnvtest(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	cs, err := apiextensionsclient.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	crd, err := cs.ApiextensionsV1().CustomResourceDefinitions().Get(t.Context(), "gadgets.test.flotilla.dev", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	conv := crd.Spec.Conversion
	if conv.Strategy != apiextensionsv1.WebhookConverter || conv.Webhook.ClientConfig.URL == nil ||
		*conv.Webhook.ClientConfig.URL != "https://127.0.0.1:1/convert" {
		t.Errorf("spec.conversion = %+v, want the CRD's own webhook", conv)
	}
}
