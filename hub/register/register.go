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

// Package register registers a member cluster with the hub (DESIGN decision 9): it builds a
// kubeconfig for the member's flotilla-hub identity, which the agent chart creates with a
// long-lived token Secret, and stores it on the hub as a member kubeconfig Secret, labelled
// sigs.k8s.io/multicluster-runtime-kubeconfig=true, which the hub's kubeconfig-secrets member
// source turns into a member. It is the library of the `flotilla-hub register` subcommand (Run).
package register

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

const (
	// DefaultNamespace is the default of Options.HubNamespace and Options.AgentNamespace.
	DefaultNamespace = "flotilla-system"
	// DefaultTokenSecret is the default of Options.TokenSecret: the token Secret the agent
	// chart creates for the flotilla-hub ServiceAccount.
	DefaultTokenSecret = "flotilla-hub-token"
	// DefaultServiceAccount is the default of Options.ServiceAccount: the hub's identity the
	// agent chart creates.
	DefaultServiceAccount = "flotilla-hub"
	// AnnotationTokenExpiry is the annotation, on a member kubeconfig Secret built with
	// Options.TokenDuration, holding when its token expires (RFC 3339).
	AnnotationTokenExpiry = "flotilla.dev/token-expires-at"
	// minTokenDuration is the shortest token the TokenRequest API issues.
	minTokenDuration = 10 * time.Minute
	// FieldOwner is the server-side apply field manager of Apply.
	FieldOwner = "flotilla-register"
	// defaultUser names the kubeconfig's user when the token Secret names no ServiceAccount.
	defaultUser = "flotilla-hub"
	// requestTimeout bounds each request to the member or the hub.
	requestTimeout = 30 * time.Second
)

// How long, and how often, Build waits for Kubernetes' token controller to fill the token
// Secret. Variables so that tests can shorten them.
var (
	tokenWait = 60 * time.Second
	tokenPoll = time.Second
)

// Options describe one member registration.
type Options struct {
	// Name is the member's name: the name of its Secret on the hub and of its MemberCluster. A
	// DNS-1123 label.
	Name string
	// HubNamespace is the namespace of the member kubeconfig Secrets on the hub (the hub chart's
	// members.secretNamespace); DefaultNamespace when empty.
	HubNamespace string
	// AgentNamespace is the namespace of the agent's release on the member, which holds the
	// token Secret, the GPUInventory and the agent's Lease; DefaultNamespace when empty. It is
	// also the namespace of the kubeconfig's context.
	AgentNamespace string
	// TokenSecret is the name of the token Secret (type kubernetes.io/service-account-token) of
	// the hub's identity in AgentNamespace; DefaultTokenSecret when empty. Unused with
	// TokenDuration.
	TokenSecret string
	// TokenDuration, when positive, gives the hub a short-lived token instead of the long-lived
	// one of TokenSecret: Build asks the member's TokenRequest API for a token of ServiceAccount
	// valid that long (the member's API server may shorten it: --service-account-max-token-
	// expiration), and takes the CA from the ConfigMap kube-root-ca.crt of AgentNamespace. The
	// Secret records the expiry in the annotation AnnotationTokenExpiry. Registering again
	// before then rotates it; see docs/security.md.
	TokenDuration time.Duration
	// ServiceAccount is the hub identity's ServiceAccount in AgentNamespace, whose token
	// TokenDuration requests; DefaultServiceAccount when empty.
	ServiceAccount string
	// Server is the URL of the member's API server as the hub reaches it, for example an address
	// inside the hub's network. Empty: the server of the member configuration Build is given.
	Server string
	// NamespaceRestriction is the one namespace of a namespace-restricted member. Empty: Build
	// detects it from the status of the agent's GPUInventory (named "inventory" in
	// AgentNamespace), read with the new kubeconfig; no GPUInventory means none.
	NamespaceRestriction string
	// Labels become labels of the Secret, which the hub copies onto the member's MemberCluster
	// (for example topology.kubernetes.io/region), for graphs' clusterSelector and spreadBy.
	Labels map[string]string
}

// withDefaults returns o with its empty fields defaulted.
func (o Options) withDefaults() Options {
	if o.HubNamespace == "" {
		o.HubNamespace = DefaultNamespace
	}
	if o.AgentNamespace == "" {
		o.AgentNamespace = DefaultNamespace
	}
	if o.TokenSecret == "" {
		o.TokenSecret = DefaultTokenSecret
	}
	if o.ServiceAccount == "" {
		o.ServiceAccount = DefaultServiceAccount
	}
	return o
}

// Validate reports what is wrong with o (its defaults applied), naming the option.
func (o Options) Validate() error {
	o = o.withDefaults()
	var errs []error
	check := func(field, value string, problems []string) {
		for _, p := range problems {
			errs = append(errs, fmt.Errorf("%s %q: %s", field, value, p))
		}
	}
	if o.Name == "" {
		errs = append(errs, errors.New("name: the member's name is required"))
	} else {
		check("name", o.Name, validation.IsDNS1123Label(o.Name))
	}
	check("hub namespace", o.HubNamespace, validation.IsDNS1123Label(o.HubNamespace))
	check("agent namespace", o.AgentNamespace, validation.IsDNS1123Label(o.AgentNamespace))
	check("token Secret", o.TokenSecret, validation.IsDNS1123Subdomain(o.TokenSecret))
	check("service account", o.ServiceAccount, validation.IsDNS1123Subdomain(o.ServiceAccount))
	if o.TokenDuration != 0 && o.TokenDuration < minTokenDuration {
		errs = append(errs, fmt.Errorf("token duration %s: the TokenRequest API issues tokens of %s or more", o.TokenDuration, minTokenDuration))
	}
	if o.NamespaceRestriction != "" {
		check("namespace restriction", o.NamespaceRestriction, validation.IsDNS1123Label(o.NamespaceRestriction))
	}
	if o.Server != "" {
		if u, err := url.Parse(o.Server); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("server %q: want an https:// URL of the member's API server", o.Server))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o.Labels)) {
		if k == flotillav1alpha1.LabelMemberKubeconfig {
			errs = append(errs, fmt.Errorf("label %q: set by registration itself", k))
			continue
		}
		check("label key", k, validation.IsQualifiedName(k))
		check("label value", o.Labels[k], validation.IsValidLabelValue(o.Labels[k]))
	}
	return errors.Join(errs...)
}

// Build reads the hub identity's token Secret on the member (member is an administrator's
// configuration for it), waiting up to a minute for Kubernetes' token controller to fill it,
// builds a kubeconfig for that identity, detects the member's namespace restriction unless
// o names it, and returns the member kubeconfig Secret to store on the hub (see Apply).
func Build(ctx context.Context, member *rest.Config, o Options) (*corev1.Secret, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	scheme, err := newScheme()
	if err != nil {
		return nil, err
	}
	memberClient, err := client.New(withTimeout(member), client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("connecting to the member: %w", err)
	}
	cred, err := credential(ctx, memberClient, o)
	if err != nil {
		return nil, err
	}
	server := o.Server
	if server == "" {
		u, _, err := rest.DefaultServerUrlFor(member)
		if err != nil {
			return nil, fmt.Errorf("the member configuration's server: %w", err)
		}
		server = u.String()
	}
	kubeconfig, err := Kubeconfig(o.Name, server, cred.ca, cred.user, cred.token, o.AgentNamespace)
	if err != nil {
		return nil, err
	}

	restriction := o.NamespaceRestriction
	if restriction == "" {
		identity, err := identityConfig(member, kubeconfig, cred.token, o.Server != "")
		if err != nil {
			return nil, err
		}
		if restriction, err = detectRestriction(ctx, identity, scheme, o); err != nil {
			return nil, err
		}
	}
	secret := NewSecret(o, kubeconfig, restriction)
	if !cred.expires.IsZero() {
		secret.Annotations[AnnotationTokenExpiry] = cred.expires.UTC().Format(time.RFC3339)
	}
	return secret, nil
}

// memberCredential is the hub identity's credential on a member.
type memberCredential struct {
	user, token string
	ca          []byte
	// expires is when token expires; zero for a long-lived token.
	expires time.Time
}

// credential returns the hub identity's credential: a short-lived token from the TokenRequest
// API with Options.TokenDuration, else the long-lived token of Options.TokenSecret.
func credential(ctx context.Context, c client.Client, o Options) (memberCredential, error) {
	if o.TokenDuration <= 0 {
		token, err := waitForToken(ctx, c, o)
		if err != nil {
			return memberCredential{}, err
		}
		user := token.Annotations[corev1.ServiceAccountNameKey]
		if user == "" {
			user = defaultUser
		}
		return memberCredential{user: user, token: string(token.Data[corev1.ServiceAccountTokenKey]),
			ca: token.Data[corev1.ServiceAccountRootCAKey]}, nil
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: o.AgentNamespace, Name: o.ServiceAccount}}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: ptr.To(int64(o.TokenDuration / time.Second)),
	}}
	if err := c.SubResource("token").Create(ctx, sa, req); err != nil {
		return memberCredential{}, fmt.Errorf("requesting a token of ServiceAccount %s/%s on the member (is the agent chart "+
			"installed in namespace %s with hubAccess.create=true?): %w", o.AgentNamespace, o.ServiceAccount, o.AgentNamespace, err)
	}
	roots := &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: o.AgentNamespace, Name: rootCAConfigMap}, roots); err != nil {
		return memberCredential{}, fmt.Errorf("reading the member's CA from ConfigMap %s/%s: %w", o.AgentNamespace, rootCAConfigMap, err)
	}
	if roots.Data[corev1.ServiceAccountRootCAKey] == "" {
		return memberCredential{}, fmt.Errorf("ConfigMap %s/%s on the member has no %s", o.AgentNamespace, rootCAConfigMap, corev1.ServiceAccountRootCAKey)
	}
	return memberCredential{user: o.ServiceAccount, token: req.Status.Token, ca: []byte(roots.Data[corev1.ServiceAccountRootCAKey]),
		expires: req.Status.ExpirationTimestamp.Time}, nil
}

// rootCAConfigMap is the ConfigMap Kubernetes publishes the cluster's CA in, in every namespace.
const rootCAConfigMap = "kube-root-ca.crt"

// Kubeconfig returns a self-contained kubeconfig with one cluster (server, CA data), one user
// (the bearer token) and one context, current, named name and defaulting to namespace.
func Kubeconfig(name, server string, caData []byte, user, token, namespace string) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caData}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user, Namespace: namespace}
	cfg.CurrentContext = name
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return out, nil
}

// NewSecret returns the member kubeconfig Secret of o (its defaults applied) holding kubeconfig,
// annotated with the agent's namespace and, when not empty, the namespace restriction.
func NewSecret(o Options, kubeconfig []byte, restriction string) *corev1.Secret {
	o = o.withDefaults()
	labels := maps.Clone(o.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[flotillav1alpha1.LabelMemberKubeconfig] = "true"
	annotations := map[string]string{flotillav1alpha1.AnnotationAgentNamespace: o.AgentNamespace}
	if restriction != "" {
		annotations[flotillav1alpha1.AnnotationNamespaceRestriction] = restriction
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name: o.Name, Namespace: o.HubNamespace, Labels: labels, Annotations: annotations,
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{flotillav1alpha1.KubeconfigSecretKey: kubeconfig},
	}
}

// Apply stores s on the hub with server-side apply as FieldOwner, forcing ownership (a new
// registration replaces the previous one), and creates its namespace first when absent. Fields
// an earlier Apply set and s no longer has (a removed label) are removed.
func Apply(ctx context.Context, hub client.Client, s *corev1.Secret) error {
	if s.Name == "" || s.Namespace == "" {
		return errors.New("the Secret needs a name and a namespace")
	}
	ns := &corev1.Namespace{}
	err := hub.Get(ctx, client.ObjectKey{Name: s.Namespace}, ns)
	if apierrors.IsNotFound(err) {
		ns.Name = s.Namespace
		if err := hub.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s on the hub: %w", s.Namespace, err)
		}
	}
	// Any other error reading the namespace (one may be allowed Secrets in it, not to read
	// Namespaces) is left to the apply to report.
	typ := s.Type
	if typ == "" {
		typ = corev1.SecretTypeOpaque
	}
	ac := corev1ac.Secret(s.Name, s.Namespace).WithType(typ).WithData(s.Data)
	if len(s.Labels) > 0 {
		ac.WithLabels(s.Labels)
	}
	if len(s.Annotations) > 0 {
		ac.WithAnnotations(s.Annotations)
	}
	if err := hub.Apply(ctx, ac, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("applying Secret %s/%s on the hub: %w", s.Namespace, s.Name, err)
	}
	return nil
}

// newScheme returns the kinds register reads and writes: the built-in ones and flotilla.dev's.
func newScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, flotillav1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

// withTimeout returns a copy of cfg whose requests time out after requestTimeout, unless cfg
// sets a timeout of its own.
func withTimeout(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	if cfg.Timeout == 0 {
		cfg.Timeout = requestTimeout
	}
	return cfg
}

// waitForToken reads the token Secret until it holds a token and the cluster's CA.
func waitForToken(ctx context.Context, c client.Client, o Options) (*corev1.Secret, error) {
	key := client.ObjectKey{Namespace: o.AgentNamespace, Name: o.TokenSecret}
	secret := &corev1.Secret{}
	var missing string
	err := wait.PollUntilContextTimeout(ctx, tokenPoll, tokenWait, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, key, secret); apierrors.IsNotFound(err) {
			return false, fmt.Errorf("token Secret %s not found on the member: is the agent chart installed in namespace %s "+
				"with hubAccess.create=true (else pass the agent's namespace and token Secret)?", key, o.AgentNamespace)
		} else if err != nil {
			return false, fmt.Errorf("reading token Secret %s on the member: %w", key, err)
		}
		if secret.Type != corev1.SecretTypeServiceAccountToken {
			return false, fmt.Errorf("secret %s on the member is of type %q, not %s: name the hub identity's token Secret",
				key, secret.Type, corev1.SecretTypeServiceAccountToken)
		}
		switch {
		case len(secret.Data[corev1.ServiceAccountTokenKey]) == 0:
			missing = "token"
		case len(secret.Data[corev1.ServiceAccountRootCAKey]) == 0:
			missing = corev1.ServiceAccountRootCAKey
		default:
			return true, nil
		}
		return false, nil
	})
	if err == nil {
		return secret, nil
	}
	if wait.Interrupted(err) {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("waiting for token Secret %s on the member: %w", key, ctx.Err())
		}
		return nil, fmt.Errorf("token Secret %s on the member has no %s yet (waited %s): is the agent chart installed with "+
			"hubAccess.create=true, and does its ServiceAccount %q exist for Kubernetes' token controller to fill the Secret?",
			key, missing, tokenWait, secret.Annotations[corev1.ServiceAccountNameKey])
	}
	return nil, err
}

// identityConfig returns the configuration with which Build reads the member as the hub's
// identity: the new kubeconfig itself, or, when the kubeconfig names a server of the hub's own
// (which this process may not reach), the member configuration's server and TLS settings with
// the identity's token instead of the member configuration's credentials.
func identityConfig(member *rest.Config, kubeconfig []byte, token string, serverOverridden bool) (*rest.Config, error) {
	if serverOverridden {
		cfg := rest.AnonymousClientConfig(member)
		cfg.BearerToken = token
		return withTimeout(cfg), nil
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("reading back the kubeconfig: %w", err)
	}
	return withTimeout(cfg), nil
}

// detectRestriction reads the agent's GPUInventory as the hub's identity and returns the
// namespace restriction it reports; "" when there is no GPUInventory (yet).
func detectRestriction(ctx context.Context, identity *rest.Config, scheme *runtime.Scheme, o Options) (string, error) {
	c, err := client.New(identity, client.Options{Scheme: scheme})
	if err != nil {
		return "", fmt.Errorf("connecting to the member with the new kubeconfig (as the hub will): %w", err)
	}
	key := client.ObjectKey{Namespace: o.AgentNamespace, Name: flotillav1alpha1.InventoryName}
	inv := &flotillav1alpha1.GPUInventory{}
	err = c.Get(ctx, key, inv)
	switch {
	case err == nil:
		return inv.Status.NamespaceRestriction, nil
	case apierrors.IsNotFound(err):
		return "", nil
	case meta.IsNoMatchError(err):
		return "", errors.New("the member has no GPUInventory kind (flotilla.dev/v1alpha1): is the agent chart installed?")
	case apierrors.IsUnauthorized(err):
		return "", fmt.Errorf("the member does not accept the token of Secret %s/%s: %w", o.AgentNamespace, o.TokenSecret, err)
	case apierrors.IsForbidden(err):
		return "", fmt.Errorf("the hub identity may not read GPUInventory %s on the member: is %s the agent's release "+
			"namespace? (%w)", key, o.AgentNamespace, err)
	default:
		hint := ""
		if o.Server == "" {
			hint = " (if the hub reaches the member at another address, set the server)"
		}
		return "", fmt.Errorf("reading GPUInventory %s on the member with the new kubeconfig%s: %w", key, hint, err)
	}
}
