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

// Package chart_test checks the hub chart (charts/hub): helm lint and helm template with each
// member source, and its RBAC on a real kube-apiserver, where the hub's ServiceAccount is allowed
// exactly what the chart says (SubjectAccessReviews against the API server's RBAC authorizer).
package chart_test

import (
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/fleet"
)

func TestChart(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Hub chart suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	// envtest logs through controller-runtime, which complains at length if no logger is set.
	ctrllog.SetLogger(logr.Discard())
	By("building the helm Go tool, or reusing the build cache (minutes on a cold machine)")
	_, err := charttest.Helm(ctx, "version", "--short")
	Expect(err).NotTo(HaveOccurred())
}, NodeTimeout(25*time.Minute))

// render runs helm template on the hub chart for release in namespace with setArgs.
func render(ctx SpecContext, release, namespace string, setArgs ...string) []*unstructured.Unstructured {
	GinkgoHelper()
	objs, err := charttest.Render(ctx, charttest.HubChart, release, namespace, setArgs...)
	Expect(err).NotTo(HaveOccurred())
	return objs
}

// find returns the object of kind, namespace and name, failing the spec when absent.
func find(objs []*unstructured.Unstructured, kind, namespace, name string) *unstructured.Unstructured {
	GinkgoHelper()
	o := charttest.Find(objs, kind, namespace, name)
	Expect(o).NotTo(BeNil(), "no %s %s/%s rendered", kind, namespace, name)
	return o
}

// grantsOf lists the grants of a rendered ClusterRole or Role as "verb resource.group".
func grantsOf(o *unstructured.Unstructured) []string {
	GinkgoHelper()
	rules, err := charttest.Rules(o)
	Expect(err).NotTo(HaveOccurred())
	return charttest.Grants(rules)
}

// hubOptions parses args (the rendered Deployment's) with the hub's own flags, as the binary
// does in a pod of namespace podNamespace, and validates them.
func hubOptions(args []string, podNamespace string) hubmanager.Options {
	GinkgoHelper()
	opts, err := fleet.ParseHubArgs(args, podNamespace)
	Expect(err).NotTo(HaveOccurred())
	return opts
}
