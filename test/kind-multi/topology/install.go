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

package topology

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/flotilla-dev/flotilla/internal/ssa"
	"github.com/flotilla-dev/flotilla/test/charttest"
	"github.com/flotilla-dev/flotilla/test/manifests"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

// fieldOwner is the field manager of what Up applies itself.
const fieldOwner = "flotilla-kind-topology"

// Files of the repository Up installs.
const (
	// clusterCRDFile is Cluster API's Cluster CRD, as the integration tests install it.
	clusterCRDFile = "test/integration/hub/testdata/cluster.x-k8s.io_clusters.yaml"
	// kwokFile is KWOK's controller, with image kwokImagePlaceholder.
	kwokFile = "test/kind-multi/kwok.yaml"
	// kwokImagePlaceholder is the image kwokFile names, replaced with flotilla/kwok:<KwokTag>.
	kwokImagePlaceholder = "flotilla/kwok:KWOK_TAG"
)

// installHub installs Cluster API's Cluster CRD and the hub chart, with both member sources,
// and waits until the hub's Deployment is Available.
func installHub(ctx context.Context, hub *Cluster, tag string) error {
	if err := applyFile(ctx, hub, clusterCRDFile, nil); err != nil {
		return err
	}
	if err := wait(ctx, "Cluster API's Cluster CRD Established on "+hub.Name,
		crdEstablished(hub, "clusters.cluster.x-k8s.io")); err != nil {
		return err
	}
	if err := helmInstall(ctx, hub, "flotilla-hub", "charts/hub", SystemNamespace,
		"image.tag="+tag, "members.sources={kubeconfig-secrets,cluster-api}"); err != nil {
		return err
	}
	return wait(ctx, "the hub Available", deploymentsAvailable(hub, SystemNamespace))
}

// installLeaderWorkerSet installs LeaderWorkerSet's own chart, from the sigs.k8s.io/lws module
// go.mod pins, with its controller from flotilla/lws:<tag> (built from that module), and waits
// until it is Available. It goes in before the agent, which then finds leaderworkerset.x-k8s.io
// at start and runs multinode components as LeaderWorkerSets.
func installLeaderWorkerSet(ctx context.Context, c *Cluster, tag string) error {
	dir, err := testenv.LeaderWorkerSetModuleDir()
	if err != nil {
		return err
	}
	if err := helmInstall(ctx, c, "lws", filepath.Join(dir, "charts", "lws"), "lws-system",
		"image.manager.repository=flotilla/lws", "image.manager.tag="+tag, "image.manager.pullPolicy=IfNotPresent",
		"resources.requests.cpu=100m", "resources.requests.memory=128Mi"); err != nil {
		return err
	}
	return wait(ctx, "LeaderWorkerSet's controller Available on "+c.Name, deploymentsAvailable(c, "lws-system"))
}

// installMembers installs the agent chart on both members (gpu-west's restricted to
// WestNamespace, reading Nodes), KWOK and the fake GPU nodes, and waits until the agents are
// Available and the CRDs convert through their webhooks: the DCD CRD of each member through
// its agent (east's agent patches it itself; west's, which holds Roles only, through the chart's
// hook Job), the hub's graph CRDs through the hub.
func installMembers(ctx context.Context, t *Topology, o Options) error {
	members := []struct {
		c         *Cluster
		member    string
		namespace string
		product   string
		extra     []string
	}{
		{t.East, EastMember, SystemNamespace, EastProduct, nil},
		{t.West, WestMember, WestNamespace, WestProduct,
			[]string{"namespaceRestriction.enabled=true", "namespaceRestriction.readNodes=true"}},
	}
	for _, m := range members {
		set := append([]string{"image.tag=" + o.Tag, "clusterName=" + m.member,
			"ignoreTaintKeys={" + testenv.KwokNodeAnnotation + "}"}, m.extra...)
		if err := helmInstall(ctx, m.c, "flotilla-agent", "charts/agent", m.namespace, set...); err != nil {
			return err
		}
	}
	for _, m := range members {
		if err := startKwok(ctx, m.c, o.KwokTag); err != nil {
			return err
		}
		if err := addGPUNodes(ctx, m.c, m.member+"-"+productShortName(m.product), m.product); err != nil {
			return err
		}
	}
	for _, m := range members {
		if err := wait(ctx, "the agent Available on "+m.c.Name, deploymentsAvailable(m.c, m.namespace)); err != nil {
			return err
		}
	}
	for _, w := range []struct {
		c       *Cluster
		crd     string
		service string
	}{
		{t.East, "dynamocomponentdeployments.nvidia.com", SystemNamespace + "/flotilla-agent-webhook"},
		{t.West, "dynamocomponentdeployments.nvidia.com", WestNamespace + "/flotilla-agent-webhook"},
		{t.Hub, "dynamographdeployments.nvidia.com", SystemNamespace + "/flotilla-hub-webhook"},
		{t.Hub, "dynamocomponentdeployments.nvidia.com", SystemNamespace + "/flotilla-hub-webhook"},
	} {
		if err := wait(ctx, fmt.Sprintf("%s on %s converting through %s", w.crd, w.c.Name, w.service),
			crdConverts(w.c, w.crd, w.service)); err != nil {
			return err
		}
	}
	return nil
}

// productShortName is the last word of a GPU product, lower-cased: "h100" of
// NVIDIA-H100-80GB-HBM3, for node names.
func productShortName(product string) string {
	words := strings.Split(strings.ToLower(product), "-")
	if len(words) > 1 {
		return words[1]
	}
	return words[0]
}

// startKwok applies KWOK's controller with image flotilla/kwok:<tag> and waits until it is
// Available.
func startKwok(ctx context.Context, c *Cluster, tag string) error {
	err := applyFile(ctx, c, kwokFile, func(u *unstructured.Unstructured) error { return setKwokImage(u, tag) })
	if err != nil {
		return err
	}
	return wait(ctx, "KWOK Available on "+c.Name, deploymentsAvailable(c, "kwok-system"))
}

// setKwokImage sets the image of KWOK's Deployment in kwokFile, kwokImagePlaceholder, to
// flotilla/kwok:<tag>; it leaves other objects alone.
func setKwokImage(u *unstructured.Unstructured, tag string) error {
	if u.GetKind() != "Deployment" {
		return nil
	}
	containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	for _, container := range containers {
		if m, ok := container.(map[string]any); ok && m["image"] == kwokImagePlaceholder {
			m["image"] = "flotilla/kwok:" + tag
			return unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers")
		}
	}
	return fmt.Errorf("%s: Deployment %s has no container of image %s to set", kwokFile, u.GetName(), kwokImagePlaceholder)
}

// addGPUNodes adds NodesPerMember fake nodes of GPUsPerNode GPUs of product, <prefix>-0, ...,
// and waits until KWOK makes them Ready.
func addGPUNodes(ctx context.Context, c *Cluster, prefix, product string) error {
	specs := make([]testenv.GPUNodeSpec, NodesPerMember)
	for i := range specs {
		specs[i] = testenv.GPUNodeSpec{Name: fmt.Sprintf("%s-%d", prefix, i), Product: product, GPUs: GPUsPerNode}
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	if err := testenv.CreateGPUNodes(ctx, cs, specs); err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	return wait(ctx, fmt.Sprintf("%d fake %s nodes Ready on %s", len(specs), product, c.Name), testenv.NodesReady(cs, specs))
}

// helmInstall runs `helm upgrade --install` of chart (a path, relative to the repository's root
// or absolute) as release in namespace of c, creating the namespace, with --set values.
func helmInstall(ctx context.Context, c *Cluster, release, chart, namespace string, set ...string) error {
	args := []string{"upgrade", "--install", release, chart, "--kubeconfig", c.Kubeconfig,
		"-n", namespace, "--create-namespace"}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	if _, err := charttest.Helm(ctx, args...); err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	return nil
}

// applyFile server-side applies every object of a YAML file of the repository on c, in order,
// each first changed by edit when edit is not nil.
func applyFile(ctx context.Context, c *Cluster, file string, edit func(*unstructured.Unstructured) error) error {
	path, err := charttest.Path(file)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	objs, err := manifests.Decode(data)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, o := range objs {
		if edit != nil {
			if err := edit(o); err != nil {
				return err
			}
		}
		if err := ssa.Apply(ctx, c.Client, o, fieldOwner); err != nil {
			return fmt.Errorf("applying %s %s of %s on %s: %w", o.GetKind(), o.GetName(), file, c.Name, err)
		}
	}
	return nil
}
