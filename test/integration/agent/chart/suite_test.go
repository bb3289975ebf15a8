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

// Package chart_test checks the agent chart (charts/agent): helm lint and helm template in both
// modes, and, on a full local cluster, the agent running in-process as the chart's
// ServiceAccount with a real token and only the RBAC the chart renders, in namespace-restricted
// and in cluster mode, and the hub identity the chart creates, allowed exactly what DESIGN
// decision 9 lists.
package chart_test

import (
	"context"
	"flag"
	"io"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

var (
	// chartDir is the agent chart.
	chartDir string

	// agentLogs receives everything the agents, controller-runtime and klog log, as JSON lines.
	agentLogs = &testenv.SyncBuffer{}
)

// helm runs the helm Go tool of hack/tools in the repository and returns its standard output.
var helm = charttest.Helm

func TestChart(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Agent chart suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	var err error
	chartDir, err = charttest.Path(charttest.AgentChart)
	Expect(err).NotTo(HaveOccurred())

	// The agents log as the binary does (structured JSON, through agentmanager.SetLogger, which
	// also routes klog and so client-go's reflector errors), to a buffer the specs search.
	agentmanager.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(agentLogs, GinkgoWriter))))

	By("building the helm Go tool, or reusing the build cache (minutes on a cold machine)")
	_, err = helm(ctx, "version", "--short")
	Expect(err).NotTo(HaveOccurred())
}, NodeTimeout(25*time.Minute))

// render runs helm template for release in namespace with the --set/--set-json arguments given
// and returns the rendered objects in helm's install order.
func render(ctx context.Context, release, namespace string, setArgs ...string) []*unstructured.Unstructured {
	GinkgoHelper()
	objs, err := charttest.Render(ctx, chartDir, release, namespace, setArgs...)
	Expect(err).NotTo(HaveOccurred())
	return objs
}

// ofKind returns the objects of one kind.
var ofKind = charttest.OfKind

// kinds counts the objects by kind.
var kinds = charttest.Kinds

// find returns the object of kind, namespace and name, failing the spec when absent.
func find(objs []*unstructured.Unstructured, kind, namespace, name string) *unstructured.Unstructured {
	GinkgoHelper()
	o := charttest.Find(objs, kind, namespace, name)
	Expect(o).NotTo(BeNil(), "no %s %s/%s rendered", kind, namespace, name)
	return o
}

// agentArgs returns the arguments of the agent container of the rendered Deployment.
func agentArgs(objs []*unstructured.Unstructured) []string {
	GinkgoHelper()
	deployments := ofKind(objs, "Deployment")
	Expect(deployments).To(HaveLen(1))
	containers, _, err := unstructured.NestedSlice(deployments[0].Object, "spec", "template", "spec", "containers")
	Expect(err).NotTo(HaveOccurred())
	Expect(containers).To(HaveLen(1))
	args, _, err := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
	Expect(err).NotTo(HaveOccurred())
	return args
}

// agentOptions parses the rendered Deployment's arguments with the agent's own flags, as the
// binary does in a pod of namespace podNamespace, and validates them.
func agentOptions(objs []*unstructured.Unstructured, podNamespace string) agentmanager.Options {
	GinkgoHelper()
	opts := agentmanager.NewOptions(func(k string) string {
		if k == agentmanager.NamespaceEnv {
			return podNamespace
		}
		return ""
	})
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(GinkgoWriter)
	opts.BindFlags(fs)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	Expect(fs.Parse(agentArgs(objs))).To(Succeed())
	Expect(fs.Args()).To(BeEmpty())
	Expect(opts.Validate()).To(Succeed())
	return opts
}
