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

// Package charttest renders Flotilla's Helm charts (charts/agent, charts/hub) with the helm Go
// tool of hack/tools and installs what they render on a real API server, for tests: the agent
// chart's and the hub chart's suites, and tests that run a component in-process as the
// ServiceAccount its chart creates, with only the RBAC the chart renders:
//
//	objs, err := charttest.Render(ctx, charttest.HubChart, "flotilla-hub", "flotilla-system")
//	err = charttest.Install(ctx, admin, charttest.RBAC(objs))
//	cfg, err := charttest.ServiceAccountConfig(ctx, adminConfig, "flotilla-system", "flotilla-hub")
//
// helm is built by the go command on first use (minutes on a cold build cache): call Helm once
// with a long timeout before timing anything.
package charttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flotilla-dev/flotilla/test/manifests"
)

// The charts, relative to the repository root.
const (
	// AgentChart is the agent's chart.
	AgentChart = "charts/agent"
	// HubChart is the hub's chart.
	HubChart = "charts/hub"
)

// module is the path of Flotilla's Go module, which marks the repository root.
const module = "github.com/flotilla-dev/flotilla"

var repoRoot = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && slices.Contains(strings.Split(string(data), "\n"), "module "+module) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of module %s above the working directory", module)
		}
		dir = parent
	}
})

// RepoRoot returns the absolute path of the repository: the nearest directory above the
// working directory (a test's package directory) with the go.mod of Flotilla's module.
func RepoRoot() (string, error) { return repoRoot() }

// Path returns p (a chart such as HubChart) as an absolute path in the repository; an
// absolute p is returned as is.
func Path(p string) (string, error) {
	if filepath.IsAbs(p) {
		return p, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, p), nil
}

// Helm runs the helm Go tool of hack/tools in the repository root and returns its standard
// output; on failure the error holds both outputs.
func Helm(ctx context.Context, args ...string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", append([]string{"tool", "-modfile=" + filepath.Join(root, "hack", "tools", "go.mod"), "helm"}, args...)...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// Render runs helm template for chart (AgentChart, HubChart, or a path) as release in
// namespace with the given --set/--set-json/-f arguments, and returns the rendered objects in
// helm's install order. Rendering no object is an error.
func Render(ctx context.Context, chart, release, namespace string, setArgs ...string) ([]*unstructured.Unstructured, error) {
	dir, err := Path(chart)
	if err != nil {
		return nil, err
	}
	out, err := Helm(ctx, append([]string{"template", release, dir, "--namespace", namespace}, setArgs...)...)
	if err != nil {
		return nil, err
	}
	objs, err := manifests.Decode([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("decoding what helm template rendered: %w", err)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("helm template rendered no object for %s", chart)
	}
	return objs, nil
}

// OfKind returns the objects of one kind.
func OfKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// Kinds counts the objects by kind.
func Kinds(objs []*unstructured.Unstructured) map[string]int {
	n := map[string]int{}
	for _, o := range objs {
		n[o.GetKind()]++
	}
	return n
}

// Find returns the object of kind, namespace ("" for cluster-scoped) and name, or nil.
func Find(objs []*unstructured.Unstructured, kind, namespace, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetNamespace() == namespace && o.GetName() == name {
			return o
		}
	}
	return nil
}

// rbacKinds are the kinds RBAC returns.
var rbacKinds = map[string]bool{
	"ServiceAccount": true, "ClusterRole": true, "ClusterRoleBinding": true, "Role": true, "RoleBinding": true,
}

// HookAnnotation marks the objects of a Helm hook, which helm creates around an install or
// upgrade (a Job and what it runs as, say), not with the release.
const HookAnnotation = "helm.sh/hook"

// IsHook reports whether o is a Helm hook's object.
func IsHook(o *unstructured.Unstructured) bool {
	_, ok := o.GetAnnotations()[HookAnnotation]
	return ok
}

// RBAC returns the ServiceAccounts, ClusterRoles, Roles and their bindings among objs, hooks'
// aside: what a test needs to run a component in-process with exactly the chart's permissions.
// RBAC(Hooks(objs)) is what a hook runs as.
func RBAC(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if rbacKinds[o.GetKind()] && !IsHook(o) {
			out = append(out, o)
		}
	}
	return out
}

// Hooks returns the objects of Helm hooks among objs (see HookAnnotation), as released objects.
func Hooks(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if IsHook(o) {
			h := o.DeepCopy()
			annotations := h.GetAnnotations()
			delete(annotations, HookAnnotation)
			h.SetAnnotations(annotations)
			out = append(out, h)
		}
	}
	return out
}

// Rules returns the rules of a rendered ClusterRole or Role.
func Rules(o *unstructured.Unstructured) ([]rbacv1.PolicyRule, error) {
	if o.GetKind() != "ClusterRole" && o.GetKind() != "Role" {
		return nil, fmt.Errorf("%s %s is no ClusterRole nor Role", o.GetKind(), o.GetName())
	}
	role := &rbacv1.ClusterRole{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, role); err != nil {
		return nil, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
	}
	return role.Rules, nil
}

// Grants lists rules as "verb resource.group" strings ("verb resource" for the core group),
// one per granted (group, resource, verb), for comparisons in tests. A rule narrowed to
// resourceNames grants "verb resource.group name" for each of its names.
func Grants(rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rules {
		names := []string{""}
		if len(r.ResourceNames) > 0 {
			names = r.ResourceNames
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				if g != "" {
					res += "." + g
				}
				for _, v := range r.Verbs {
					for _, name := range names {
						out = append(out, strings.TrimSpace(v+" "+res+" "+name))
					}
				}
			}
		}
	}
	return out
}

// CheckNoWildcards returns an error naming every rule of every ClusterRole and Role among objs
// that uses "*" in any field, or saying that objs hold no rule at all.
func CheckNoWildcards(objs []*unstructured.Unstructured) error {
	var found []string
	checked := 0
	for _, o := range objs {
		if o.GetKind() != "ClusterRole" && o.GetKind() != "Role" {
			continue
		}
		rules, err := Rules(o)
		if err != nil {
			return err
		}
		for _, r := range rules {
			checked++
			for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs, r.ResourceNames, r.NonResourceURLs} {
				if slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, "*") }) {
					found = append(found, fmt.Sprintf("%s %s/%s: %v", o.GetKind(), o.GetNamespace(), o.GetName(), r))
					break
				}
			}
		}
	}
	if checked == 0 {
		return errors.New("no ClusterRole or Role rules rendered")
	}
	if len(found) > 0 {
		return fmt.Errorf("wildcard rules:\n%s", strings.Join(found, "\n"))
	}
	return nil
}

// Install creates objs on the API server of c, as helm install would, in order, except
// Deployments and Jobs (tests run the components, and hooks, in-process instead) and hooks'
// objects (Hooks returns them without their hook annotation, for Install), creating the
// namespaces of namespaced objects first when absent. An object that exists already is an error.
func Install(ctx context.Context, c client.Client, objs []*unstructured.Unstructured) error {
	objs = slices.DeleteFunc(slices.Clone(objs), func(o *unstructured.Unstructured) bool {
		return IsHook(o) || o.GetKind() == "Deployment" || o.GetKind() == "Job"
	})
	seen := map[string]bool{}
	for _, o := range objs {
		ns := o.GetNamespace()
		if ns == "" || seen[ns] {
			continue
		}
		seen[ns] = true
		err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", ns, err)
		}
	}
	for _, o := range objs {
		if err := c.Create(ctx, o.DeepCopy()); err != nil {
			return fmt.Errorf("creating %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
	return nil
}

// TokenConfig returns a configuration for the API server of base that authenticates with
// token only: base's TLS settings without its credentials.
func TokenConfig(base *rest.Config, token string) *rest.Config {
	cfg := rest.AnonymousClientConfig(base)
	cfg.BearerToken = token
	return cfg
}

// Username returns the name the API server authenticates cfg as (a SelfSubjectReview).
func Username(ctx context.Context, cfg *rest.Config) (string, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("reviewing who the API server takes the configuration for: %w", err)
	}
	return review.Status.UserInfo.Username, nil
}

// ServiceAccountConfig requests an hour-long token for the ServiceAccount namespace/name with
// the TokenRequest API (which envtest's API server serves too), checks that the API server
// authenticates it as that ServiceAccount, and returns a configuration using it. admin must
// be allowed to create tokens.
func ServiceAccountConfig(ctx context.Context, admin *rest.Config, namespace, name string) (*rest.Config, error) {
	cs, err := kubernetes.NewForConfig(admin)
	if err != nil {
		return nil, err
	}
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(time.Hour / time.Second))},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("requesting a token of ServiceAccount %s/%s: %w", namespace, name, err)
	}
	cfg := TokenConfig(admin, tr.Status.Token)
	user, err := Username(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if want := "system:serviceaccount:" + namespace + ":" + name; user != want {
		return nil, fmt.Errorf("the token of ServiceAccount %s/%s authenticates as %q, want %q", namespace, name, user, want)
	}
	return cfg, nil
}

// InstallChartRBAC renders chart as release in namespace with setArgs, creates its
// ServiceAccounts, ClusterRoles, Roles and bindings (and their namespaces) with c, and returns
// everything rendered (to read the Deployment's arguments, for example). With
// ServiceAccountConfig a test then acts as the chart's ServiceAccount with exactly its rights.
func InstallChartRBAC(ctx context.Context, c client.Client, chart, release, namespace string, setArgs ...string) ([]*unstructured.Unstructured, error) {
	objs, err := Render(ctx, chart, release, namespace, setArgs...)
	if err != nil {
		return nil, err
	}
	if err := Install(ctx, c, RBAC(objs)); err != nil {
		return nil, err
	}
	return objs, nil
}
