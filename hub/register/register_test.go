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
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

func TestKubeconfig(t *testing.T) {
	data, err := Kubeconfig("gpu-east", "https://gpu-east.example.com:6443", []byte("CA PEM"), "flotilla-hub", "tok3n", "team-a")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "gpu-east" || len(cfg.Contexts) != 1 || len(cfg.Clusters) != 1 || len(cfg.AuthInfos) != 1 {
		t.Fatalf("want one cluster, user and context, current; got %+v", cfg)
	}
	ctx := cfg.Contexts["gpu-east"]
	if ctx.Cluster != "gpu-east" || ctx.AuthInfo != "flotilla-hub" || ctx.Namespace != "team-a" {
		t.Errorf("context: got %+v", ctx)
	}
	cluster := cfg.Clusters["gpu-east"]
	if cluster.Server != "https://gpu-east.example.com:6443" || string(cluster.CertificateAuthorityData) != "CA PEM" ||
		cluster.InsecureSkipTLSVerify {
		t.Errorf("cluster: got %+v", cluster)
	}
	user := cfg.AuthInfos["flotilla-hub"]
	if user.Token != "tok3n" || user.TokenFile != "" || len(user.ClientCertificateData) > 0 {
		t.Errorf("user: got %+v", user)
	}
	rc, err := clientcmd.RESTConfigFromKubeConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Host != "https://gpu-east.example.com:6443" || rc.BearerToken != "tok3n" || string(rc.CAData) != "CA PEM" {
		t.Errorf("rest config: got host %q token %q CA %q", rc.Host, rc.BearerToken, rc.CAData)
	}
}

func TestNewSecret(t *testing.T) {
	labels := map[string]string{"topology.kubernetes.io/region": "us-east"}
	s := NewSecret(Options{Name: "gpu-east", Labels: labels}, []byte("KUBECONFIG"), "team-a")
	want := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "gpu-east", Namespace: "flotilla-system",
			Labels: map[string]string{
				"sigs.k8s.io/multicluster-runtime-kubeconfig": "true", "topology.kubernetes.io/region": "us-east",
			},
			Annotations: map[string]string{
				"flotilla.dev/agent-namespace": "flotilla-system", "flotilla.dev/namespace-restriction": "team-a",
			},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{"kubeconfig": []byte("KUBECONFIG")},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("Secret (-want +got):\n%s", diff)
	}
	if len(labels) != 1 {
		t.Errorf("NewSecret changed the caller's labels: %v", labels)
	}

	s = NewSecret(Options{Name: "gpu-west", HubNamespace: "fleet", AgentNamespace: "dynamo"}, []byte("K"), "")
	if s.Namespace != "fleet" || s.Annotations[flotillav1alpha1.AnnotationAgentNamespace] != "dynamo" {
		t.Errorf("namespaces: got %s, annotations %v", s.Namespace, s.Annotations)
	}
	if _, ok := s.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction]; ok {
		t.Errorf("a cluster-mode member has a namespace restriction annotation: %v", s.Annotations)
	}
	if diff := cmp.Diff(map[string]string{flotillav1alpha1.LabelMemberKubeconfig: "true"}, s.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
}

func TestSecretYAML(t *testing.T) {
	s := NewSecret(Options{Name: "gpu-east"}, []byte("KUBECONFIG"), "")
	out, err := secretYAML(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"apiVersion: v1\n", "kind: Secret\n", "  name: gpu-east\n", "type: Opaque\n",
		"  kubeconfig: S1VCRUNPTkZJRw==\n", "    sigs.k8s.io/multicluster-runtime-kubeconfig: \"true\"\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the YAML lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "creationTimestamp") || strings.Contains(string(out), "status") {
		t.Errorf("the YAML has empty server-set fields:\n%s", out)
	}
	back := &corev1.Secret{}
	if err := yaml.UnmarshalStrict(out, back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		o    Options
		want string // "" for valid
	}{
		"minimal":       {Options{Name: "gpu-east"}, ""},
		"full":          {Options{Name: "gpu-east", HubNamespace: "fleet", AgentNamespace: "team-a", TokenSecret: "hub.token", Server: "https://10.0.0.1:6443", NamespaceRestriction: "team-a", Labels: map[string]string{"env": "prod", "topology.kubernetes.io/region": "us-east"}}, ""},
		"no name":       {Options{}, "name is required"},
		"name":          {Options{Name: "GPU_East"}, `name "GPU_East"`},
		"hub namespace": {Options{Name: "a", HubNamespace: "Fleet"}, `hub namespace "Fleet"`},
		"agent ns":      {Options{Name: "a", AgentNamespace: "a.b"}, `agent namespace "a.b"`},
		"token secret":  {Options{Name: "a", TokenSecret: "x/y"}, `token Secret "x/y"`},
		"restriction":   {Options{Name: "a", NamespaceRestriction: "team_a"}, `namespace restriction "team_a"`},
		"http server":   {Options{Name: "a", Server: "http://10.0.0.1:6443"}, "want an https:// URL"},
		"bare server":   {Options{Name: "a", Server: "10.0.0.1:6443"}, "want an https:// URL"},
		"label key":     {Options{Name: "a", Labels: map[string]string{"-bad": "x"}}, `label key "-bad"`},
		"label value":   {Options{Name: "a", Labels: map[string]string{"env": "not ok"}}, `label value "not ok"`},
		"reserved":      {Options{Name: "a", Labels: map[string]string{flotillav1alpha1.LabelMemberKubeconfig: "false"}}, "set by registration itself"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.o.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// shortTokenWait makes waitForToken give up quickly for the test.
func shortTokenWait(t *testing.T, wait time.Duration) {
	t.Helper()
	oldWait, oldPoll := tokenWait, tokenPoll
	tokenWait, tokenPoll = wait, 20*time.Millisecond
	t.Cleanup(func() { tokenWait, tokenPoll = oldWait, oldPoll })
}

func TestWaitForToken(t *testing.T) {
	shortTokenWait(t, 300*time.Millisecond)
	scheme, err := newScheme()
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Name: "gpu-east"}.withDefaults()
	tokenSecret := func(typ corev1.SecretType, data map[string][]byte) *corev1.Secret {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: "flotilla-system", Name: "flotilla-hub-token",
				Annotations: map[string]string{corev1.ServiceAccountNameKey: "flotilla-hub"}},
			Type: typ, Data: data,
		}
	}
	full := map[string][]byte{"token": []byte("t"), "ca.crt": []byte("ca")}
	for name, tc := range map[string]struct {
		secret *corev1.Secret
		want   string // "" for success
	}{
		"filled":     {tokenSecret(corev1.SecretTypeServiceAccountToken, full), ""},
		"missing":    {nil, "token Secret flotilla-system/flotilla-hub-token not found on the member: is the agent chart installed"},
		"wrong type": {tokenSecret(corev1.SecretTypeOpaque, full), `is of type "Opaque", not kubernetes.io/service-account-token`},
		"no token": {tokenSecret(corev1.SecretTypeServiceAccountToken, nil),
			"token Secret flotilla-system/flotilla-hub-token on the member has no token yet (waited 300ms): is the agent chart installed with hubAccess.create=true"},
		"no CA": {tokenSecret(corev1.SecretTypeServiceAccountToken, map[string][]byte{"token": []byte("t")}),
			"has no ca.crt yet"},
	} {
		t.Run(name, func(t *testing.T) {
			b := fake.NewClientBuilder().WithScheme(scheme)
			if tc.secret != nil {
				b = b.WithObjects(tc.secret)
			}
			got, err := waitForToken(t.Context(), b.Build(), o)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want == "" && string(got.Data["token"]) != "t":
				t.Errorf("got %+v", got)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		shortTokenWait(t, time.Minute)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(tokenSecret(corev1.SecretTypeServiceAccountToken, nil)).Build()
		start := time.Now()
		_, err := waitForToken(ctx, c, o)
		if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
			t.Errorf("got %v, want the context's error", err)
		}
		if time.Since(start) > 10*time.Second {
			t.Error("waitForToken ignored the context")
		}
	})
}

func TestRunRejectsBadFlags(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no member":     {[]string{"--name", "a"}, "--member-kubeconfig is required"},
		"no name":       {[]string{"--member-kubeconfig", "m"}, "--name is required"},
		"bad name":      {[]string{"--member-kubeconfig", "m", "--name", "A_B"}, `name "A_B"`},
		"bad label":     {[]string{"--member-kubeconfig", "m", "--name", "a", "--label", "region"}, "want key=value"},
		"twice":         {[]string{"--member-kubeconfig", "m", "--name", "a", "--label", "a=1", "--label", "a=2"}, "given twice"},
		"unknown flag":  {[]string{"--member", "m"}, "flag provided but not defined: -member"},
		"extra args":    {[]string{"--member-kubeconfig", "m", "--name", "a", "more"}, `unexpected arguments ["more"]`},
		"dry-run hub":   {[]string{"--member-kubeconfig", "m", "--name", "a", "--dry-run", "--hub-kubeconfig", "h"}, "drop --hub-kubeconfig"},
		"server scheme": {[]string{"--member-kubeconfig", "m", "--name", "a", "--server", "gpu:6443"}, "https:// URL"},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Run(tc.args, &stdout, &stderr); code != 2 {
				t.Errorf("exit code %d, want 2; stderr:\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr.String())
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout: %s", stdout.String())
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"-help"}, &stdout, &stderr); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	for _, want := range []string{"Usage: flotilla-hub register", "-member-kubeconfig", "-dry-run", "credential", "repeatable"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestRunFailsOnUnreadableKubeconfig(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Run([]string{"--member-kubeconfig", t.TempDir() + "/missing", "--name", "a", "--dry-run"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "loading the member's kubeconfig") {
		t.Errorf("exit code %d, stderr:\n%s", code, stderr.String())
	}
}
