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

package register

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	"github.com/flotilla-dev/flotilla/test/testenv"
)

func init() {
	// envtest logs through controller-runtime, which complains at length if no logger is set.
	ctrllog.SetLogger(logr.Discard())
}

const (
	agentNS      = "flotilla-system"
	restrictedNS = "team-a"
	hubSA        = "flotilla-hub"
)

// memberEnv is a member cluster as the agent chart leaves it, on a real kube-apiserver: the
// hub's ServiceAccount in the agent's namespace with the chart's read access to the
// GPUInventory and Lease there. envtest runs no token controller, so tokens come from the
// TokenRequest API.
type memberEnv struct {
	env   *envtest.Environment
	admin client.Client
	cs    kubernetes.Interface
}

func startEnv(t *testing.T, crdDir string) *envtest.Environment {
	t.Helper()
	env, err := testenv.StartEnvtest(t.Context(), crdDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping envtest: %v", err)
		}
	})
	return env
}

func startMember(t *testing.T) *memberEnv {
	t.Helper()
	env := startEnv(t, filepath.Join("..", "..", "charts", "agent", "crds"))
	scheme, err := newScheme()
	if err != nil {
		t.Fatal(err)
	}
	admin, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	m := &memberEnv{env: env, admin: admin, cs: cs}
	for _, ns := range []string{agentNS, restrictedNS} {
		m.create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	m.create(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: agentNS, Name: hubSA}})
	// The hub's reads in the agent's namespace, as charts/agent/templates/_hub_rules.tpl grants.
	m.create(t, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: agentNS, Name: "flotilla-agent-hub"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"flotilla.dev"}, Resources: []string{"gpuinventories"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "list", "watch"}},
		},
	})
	m.create(t, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: agentNS, Name: "flotilla-agent-hub"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "flotilla-agent-hub"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: agentNS, Name: hubSA}},
	})
	return m
}

func (m *memberEnv) create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := m.admin.Create(t.Context(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// token returns a token of the hub's ServiceAccount from the TokenRequest API.
func (m *memberEnv) token(t *testing.T) string {
	t.Helper()
	tr, err := m.cs.CoreV1().ServiceAccounts(agentNS).CreateToken(t.Context(), hubSA, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

// tokenSecret returns the agent chart's token Secret in namespace, filled with data.
func tokenSecret(namespace string, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: DefaultTokenSecret,
			Annotations: map[string]string{corev1.ServiceAccountNameKey: hubSA}},
		Type: corev1.SecretTypeServiceAccountToken,
		Data: data,
	}
}

// setInventory creates or updates the agent's GPUInventory with a namespace restriction.
func (m *memberEnv) setInventory(t *testing.T, restriction string) {
	t.Helper()
	ctx := t.Context()
	inv := &flotillav1alpha1.GPUInventory{ObjectMeta: metav1.ObjectMeta{Namespace: agentNS, Name: flotillav1alpha1.InventoryName}}
	if err := m.admin.Get(ctx, client.ObjectKeyFromObject(inv), inv); apierrors.IsNotFound(err) {
		m.create(t, inv)
	} else if err != nil {
		t.Fatal(err)
	}
	inv.Status.Source = flotillav1alpha1.InventoryDeclared
	inv.Status.NamespaceRestriction = restriction
	if err := m.admin.Status().Update(ctx, inv); err != nil {
		t.Fatal(err)
	}
}

// kubeconfigFile writes an administrator's kubeconfig of env and returns its path.
func kubeconfigFile(t *testing.T, env *envtest.Environment, name string) string {
	t.Helper()
	user, err := env.AddUser(envtest.User{Name: "admin-" + name, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func expectError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want an error containing %q", err, want)
	}
}

// TestRegisterOnRealAPIServers registers a member envtest with a hub envtest: Build waits for
// the token, detects the namespace restriction with the new identity, and builds a kubeconfig
// that authenticates as the hub's ServiceAccount; Apply stores it idempotently; Run does both
// from kubeconfig files.
func TestRegisterOnRealAPIServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	member := startMember(t)
	hubEnv := startEnv(t, filepath.Join("..", "..", "charts", "hub", "crds"))
	scheme, err := newScheme()
	if err != nil {
		t.Fatal(err)
	}
	hub, err := client.New(hubEnv.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	token := member.token(t)
	ca := member.env.Config.CAData
	if len(ca) == 0 {
		t.Fatal("envtest's configuration has no CA data")
	}
	oldPoll := tokenPoll
	tokenPoll = 100 * time.Millisecond
	t.Cleanup(func() { tokenPoll = oldPoll })

	var secret *corev1.Secret

	t.Run("waits for the token controller, then detects the restriction", func(t *testing.T) {
		t.Log("creating the token Secret empty, as the chart does, and filling it a moment later")
		member.create(t, tokenSecret(agentNS, nil))
		member.setInventory(t, restrictedNS)
		go func() {
			time.Sleep(time.Second)
			s := tokenSecret(agentNS, map[string][]byte{"token": []byte(token), "ca.crt": ca})
			if err := member.admin.Update(context.Background(), s); err != nil {
				t.Errorf("filling the token Secret: %v", err)
			}
		}()
		start := time.Now()
		secret, err = Build(ctx, member.env.Config, Options{
			Name: "gpu-east", Labels: map[string]string{"topology.kubernetes.io/region": "us-east"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited < time.Second {
			t.Errorf("Build returned after %s, before the token was there", waited)
		}
		if secret.Name != "gpu-east" || secret.Namespace != DefaultNamespace {
			t.Errorf("Secret %s/%s", secret.Namespace, secret.Name)
		}
		wantAnn := map[string]string{flotillav1alpha1.AnnotationAgentNamespace: agentNS,
			flotillav1alpha1.AnnotationNamespaceRestriction: restrictedNS}
		for k, v := range wantAnn {
			if secret.Annotations[k] != v {
				t.Errorf("annotation %s: got %q, want %q", k, secret.Annotations[k], v)
			}
		}
		if secret.Labels[flotillav1alpha1.LabelMemberKubeconfig] != "true" || secret.Labels["topology.kubernetes.io/region"] != "us-east" {
			t.Errorf("labels %v", secret.Labels)
		}
	})
	if secret == nil {
		t.FailNow()
	}

	t.Run("the kubeconfig authenticates as the hub's ServiceAccount, with its rights only", func(t *testing.T) {
		cfg, err := clientcmd.RESTConfigFromKubeConfig(secret.Data[flotillav1alpha1.KubeconfigSecretKey])
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Host != member.env.Config.Host && cfg.Host != "https://"+member.env.Config.Host {
			t.Errorf("server %q, want the member's %q", cfg.Host, member.env.Config.Host)
		}
		if len(cfg.CertData) > 0 || len(cfg.KeyData) > 0 || cfg.Insecure {
			t.Error("the kubeconfig carries a client certificate or skips TLS verification")
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := review.Status.UserInfo.Username, "system:serviceaccount:flotilla-system:flotilla-hub"; got != want {
			t.Errorf("authenticated as %q, want %q", got, want)
		}
		c, err := client.New(cfg, client.Options{Scheme: scheme})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Get(ctx, client.ObjectKey{Namespace: agentNS, Name: flotillav1alpha1.InventoryName}, &flotillav1alpha1.GPUInventory{}); err != nil {
			t.Errorf("reading the GPUInventory with the default namespace of the context: %v", err)
		}
		if err := c.List(ctx, &corev1.SecretList{}, client.InNamespace(agentNS)); !apierrors.IsForbidden(err) {
			t.Errorf("listing Secrets: got %v, want Forbidden", err)
		}
		raw, err := clientcmd.Load(secret.Data[flotillav1alpha1.KubeconfigSecretKey])
		if err != nil {
			t.Fatal(err)
		}
		if ns := raw.Contexts[raw.CurrentContext].Namespace; ns != agentNS {
			t.Errorf("context namespace %q, want %q", ns, agentNS)
		}
		if _, ok := raw.AuthInfos[hubSA]; !ok {
			t.Errorf("no user named after the ServiceAccount: %v", raw.AuthInfos)
		}
	})

	t.Run("a short-lived token from the TokenRequest API instead of the token Secret", func(t *testing.T) {
		t.Log("publishing the cluster's CA as the controller-manager does (envtest runs none)")
		member.create(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: agentNS, Name: "kube-root-ca.crt"},
			Data: map[string]string{"ca.crt": string(ca)}})
		before := time.Now()
		short, err := Build(ctx, member.env.Config, Options{Name: "gpu-east", TokenDuration: time.Hour, TokenSecret: "no-such-secret"})
		if err != nil {
			t.Fatal(err)
		}
		expires, err := time.Parse(time.RFC3339, short.Annotations[AnnotationTokenExpiry])
		if err != nil {
			t.Fatalf("annotation %s: %v", AnnotationTokenExpiry, err)
		}
		if lo, hi := before.Add(time.Hour-time.Minute), before.Add(time.Hour+time.Minute); expires.Before(lo) || expires.After(hi) {
			t.Errorf("the token expires at %s, want an hour from %s", expires, before)
		}
		cfg, err := clientcmd.RESTConfigFromKubeConfig(short.Data[flotillav1alpha1.KubeconfigSecretKey])
		if err != nil {
			t.Fatal(err)
		}
		if cfg.BearerToken == token {
			t.Error("the kubeconfig holds the long-lived token")
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := review.Status.UserInfo.Username, "system:serviceaccount:flotilla-system:flotilla-hub"; got != want {
			t.Errorf("authenticated as %q, want %q", got, want)
		}
		if short.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction] != restrictedNS {
			t.Errorf("the restriction was not detected with the short-lived token: %v", short.Annotations)
		}
		if _, err := Build(ctx, member.env.Config, Options{Name: "gpu-east", TokenDuration: 5 * time.Minute}); err == nil ||
			!strings.Contains(err.Error(), "token duration 5m0s") {
			t.Errorf("a five-minute token: got %v, want an error naming the token duration", err)
		}
	})

	t.Run("applies the Secret on the hub idempotently, creating its namespace", func(t *testing.T) {
		for i := range 2 {
			if err := Apply(ctx, hub, secret); err != nil {
				t.Fatalf("apply %d: %v", i, err)
			}
		}
		got := &corev1.Secret{}
		if err := hub.Get(ctx, client.ObjectKeyFromObject(secret), got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data["kubeconfig"], secret.Data["kubeconfig"]) || got.Type != corev1.SecretTypeOpaque {
			t.Errorf("stored Secret differs: type %s", got.Type)
		}
		if got.Labels["topology.kubernetes.io/region"] != "us-east" ||
			got.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction] != restrictedNS {
			t.Errorf("labels %v, annotations %v", got.Labels, got.Annotations)
		}
		if len(got.ManagedFields) != 1 || got.ManagedFields[0].Manager != FieldOwner ||
			got.ManagedFields[0].Operation != metav1.ManagedFieldsOperationApply {
			t.Errorf("managed fields %+v, want one apply entry of %s", got.ManagedFields, FieldOwner)
		}
		rv := got.ResourceVersion

		t.Log("applying it a third time: nothing changes")
		if err := Apply(ctx, hub, secret); err != nil {
			t.Fatal(err)
		}
		if err := hub.Get(ctx, client.ObjectKeyFromObject(secret), got); err != nil {
			t.Fatal(err)
		}
		if got.ResourceVersion != rv {
			t.Errorf("an identical apply wrote the Secret (resourceVersion %s -> %s)", rv, got.ResourceVersion)
		}

		t.Log("registering again without the label and the restriction: both are removed, others' labels stay")
		patch := client.MergeFrom(got.DeepCopy())
		got.Labels["added-by-admin"] = "yes"
		if err := hub.Patch(ctx, got, patch, client.FieldOwner("kubectl-edit")); err != nil {
			t.Fatal(err)
		}
		again := NewSecret(Options{Name: "gpu-east"}, secret.Data["kubeconfig"], "")
		if err := Apply(ctx, hub, again); err != nil {
			t.Fatal(err)
		}
		if err := hub.Get(ctx, client.ObjectKeyFromObject(secret), got); err != nil {
			t.Fatal(err)
		}
		if _, ok := got.Labels["topology.kubernetes.io/region"]; ok {
			t.Errorf("a label the registration dropped stayed: %v", got.Labels)
		}
		if _, ok := got.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction]; ok {
			t.Errorf("an annotation the registration dropped stayed: %v", got.Annotations)
		}
		if got.Labels["added-by-admin"] != "yes" {
			t.Errorf("another manager's label was removed: %v", got.Labels)
		}

		t.Log("applying into a namespace that does not exist yet")
		other := NewSecret(Options{Name: "gpu-east", HubNamespace: "fleet"}, secret.Data["kubeconfig"], "")
		if err := Apply(ctx, hub, other); err != nil {
			t.Fatal(err)
		}
		if err := hub.Get(ctx, client.ObjectKey{Name: "fleet"}, &corev1.Namespace{}); err != nil {
			t.Errorf("namespace fleet: %v", err)
		}
	})

	t.Run("takes the restriction given, and none without a GPUInventory", func(t *testing.T) {
		s, err := Build(ctx, member.env.Config, Options{Name: "gpu-east", NamespaceRestriction: "given"})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction]; got != "given" {
			t.Errorf("restriction %q, want the one given", got)
		}
		member.setInventory(t, "")
		s, err = Build(ctx, member.env.Config, Options{Name: "gpu-east"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction]; ok {
			t.Errorf("a cluster-mode inventory gave a restriction: %v", s.Annotations)
		}
		if err := member.admin.Delete(ctx, &flotillav1alpha1.GPUInventory{ObjectMeta: metav1.ObjectMeta{
			Namespace: agentNS, Name: flotillav1alpha1.InventoryName}}); err != nil {
			t.Fatal(err)
		}
		s, err = Build(ctx, member.env.Config, Options{Name: "gpu-east"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction]; ok {
			t.Errorf("no inventory gave a restriction: %v", s.Annotations)
		}
		member.setInventory(t, restrictedNS)
	})

	t.Run("writes the server given, and still detects through the member configuration's", func(t *testing.T) {
		s, err := Build(ctx, member.env.Config, Options{Name: "gpu-east", Server: "https://gpu-east.hub-network.example:6443"})
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := clientcmd.RESTConfigFromKubeConfig(s.Data["kubeconfig"])
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Host != "https://gpu-east.hub-network.example:6443" {
			t.Errorf("server %q", cfg.Host)
		}
		if got := s.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction]; got != restrictedNS {
			t.Errorf("restriction %q, want %q", got, restrictedNS)
		}
	})

	t.Run("says what is wrong", func(t *testing.T) {
		_, err := Build(ctx, member.env.Config, Options{Name: "gpu-east", AgentNamespace: "nowhere"})
		expectError(t, err, "token Secret nowhere/flotilla-hub-token not found on the member")

		t.Log("a token Secret in a namespace where the hub identity may not read the GPUInventory")
		member.create(t, tokenSecret(restrictedNS, map[string][]byte{"token": []byte(token), "ca.crt": ca}))
		_, err = Build(ctx, member.env.Config, Options{Name: "gpu-east", AgentNamespace: restrictedNS})
		expectError(t, err, "the hub identity may not read GPUInventory team-a/inventory on the member")

		t.Log("a token the member does not accept")
		bad := tokenSecret(restrictedNS, map[string][]byte{"token": []byte("not-a-token"), "ca.crt": ca})
		if err := member.admin.Update(ctx, bad); err != nil {
			t.Fatal(err)
		}
		_, err = Build(ctx, member.env.Config, Options{Name: "gpu-east", AgentNamespace: restrictedNS})
		expectError(t, err, "the member does not accept the token of Secret team-a/flotilla-hub-token")

		t.Log("an unreachable member")
		down := rest.CopyConfig(member.env.Config)
		down.Host = "https://127.0.0.1:1"
		_, err = Build(ctx, down, Options{Name: "gpu-east"})
		expectError(t, err, "token Secret flotilla-system/flotilla-hub-token")
	})

	t.Run("register runs from kubeconfig files", func(t *testing.T) {
		memberFile := kubeconfigFile(t, member.env, "member")
		hubFile := kubeconfigFile(t, hubEnv, "hub")
		var stdout, stderr bytes.Buffer
		code := Run([]string{"--member-kubeconfig", memberFile, "--hub-kubeconfig", hubFile, "--name", "gpu-west",
			"--hub-namespace", "fleet", "--label", "env=prod", "--label", "topology.kubernetes.io/region=us-west"}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("exit code %d; stderr:\n%s", code, stderr.String())
		}
		if want := "Registered member gpu-west (restricted to namespace team-a, agent in flotilla-system): Secret fleet/gpu-west on the hub.\n"; stdout.String() != want {
			t.Errorf("stdout %q, want %q", stdout.String(), want)
		}
		got := &corev1.Secret{}
		if err := hub.Get(ctx, client.ObjectKey{Namespace: "fleet", Name: "gpu-west"}, got); err != nil {
			t.Fatal(err)
		}
		if got.Labels["env"] != "prod" || got.Labels["topology.kubernetes.io/region"] != "us-west" {
			t.Errorf("labels %v", got.Labels)
		}

		t.Log("printing it with --dry-run instead")
		stdout.Reset()
		stderr.Reset()
		code = Run([]string{"--member-kubeconfig", memberFile, "--name", "gpu-dry", "--dry-run"}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("exit code %d; stderr:\n%s", code, stderr.String())
		}
		printed := &corev1.Secret{}
		if err := yaml.UnmarshalStrict(stdout.Bytes(), printed); err != nil {
			t.Fatalf("%v\n%s", err, stdout.String())
		}
		if printed.Kind != "Secret" || printed.Name != "gpu-dry" || len(printed.Data["kubeconfig"]) == 0 {
			t.Errorf("printed %+v", printed)
		}
		if err := hub.Get(ctx, client.ObjectKey{Namespace: DefaultNamespace, Name: "gpu-dry"}, &corev1.Secret{}); !apierrors.IsNotFound(err) {
			t.Errorf("--dry-run wrote to the hub: %v", err)
		}

		t.Log("failing with exit code 1 when the member has no token Secret there")
		stdout.Reset()
		stderr.Reset()
		code = Run([]string{"--member-kubeconfig", memberFile, "--hub-kubeconfig", hubFile, "--name", "gpu-x",
			"--agent-namespace", "nowhere"}, &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "not found on the member") {
			t.Errorf("exit code %d, stderr:\n%s", code, stderr.String())
		}
	})
}
