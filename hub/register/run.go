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
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/yaml"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// usage is printed above the flags of -help.
const usage = `Usage: flotilla-hub register --member-kubeconfig FILE --name NAME [flags]

Registers a member cluster with the hub: reads the token Secret of the hub's identity
(flotilla-hub), which the agent chart creates on the member, builds a kubeconfig for it and
stores it on the hub as the Secret <hub-namespace>/<name>, labelled
sigs.k8s.io/multicluster-runtime-kubeconfig=true, which the hub's kubeconfig-secrets member
source turns into the member <name>. Running it again updates the registration.

Flags:
`

// flags are the command line of Run.
type flags struct {
	opts                            Options
	memberKubeconfig, memberContext string
	hubKubeconfig, hubContext       string
	dryRun                          bool
	labels                          labelFlag
}

// bind defines the flags on fs.
func (f *flags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.memberKubeconfig, "member-kubeconfig", "", "kubeconfig of the member cluster, with the rights to read "+
		"Secrets in the agent's namespace (required)")
	fs.StringVar(&f.memberContext, "member-context", "", "context of --member-kubeconfig to use; its current context when empty")
	fs.StringVar(&f.hubKubeconfig, "hub-kubeconfig", "", "kubeconfig of the hub cluster; $KUBECONFIG, the in-cluster "+
		"configuration or ~/.kube/config when empty")
	fs.StringVar(&f.hubContext, "hub-context", "", "context of the hub's kubeconfig to use; its current context when empty")
	fs.StringVar(&f.opts.Name, "name", "", "name of the member: of its Secret on the hub and its MemberCluster, a "+
		"DNS-1123 label (required)")
	fs.StringVar(&f.opts.HubNamespace, "hub-namespace", DefaultNamespace, "namespace of the member kubeconfig Secrets on "+
		"the hub (the hub chart's members.secretNamespace); created when absent")
	fs.StringVar(&f.opts.AgentNamespace, "agent-namespace", DefaultNamespace, "namespace of the agent's release on the member, "+
		"holding the token Secret and the GPUInventory")
	fs.StringVar(&f.opts.TokenSecret, "token-secret", DefaultTokenSecret, "name of the hub identity's token Secret on the member")
	fs.DurationVar(&f.opts.TokenDuration, "token-duration", 0, "give the hub a short-lived token of --service-account, valid "+
		"this long (10m or more), from the member's TokenRequest API, instead of the long-lived token of --token-secret; "+
		"run the registration again before it expires to rotate it (docs/security.md)")
	fs.StringVar(&f.opts.ServiceAccount, "service-account", DefaultServiceAccount, "the hub identity's ServiceAccount on the "+
		"member, whose token --token-duration requests")
	fs.StringVar(&f.opts.Server, "server", "", "https URL of the member's API server as the hub reaches it (e.g. an "+
		"address inside the hub's network); the member kubeconfig's server when empty")
	fs.StringVar(&f.opts.NamespaceRestriction, "namespace-restriction", "", "the one namespace of a namespace-restricted "+
		"member; detected from the agent's GPUInventory when empty")
	fs.Var(&f.labels, "label", "label key=value of the member, copied onto its MemberCluster (e.g. "+
		"topology.kubernetes.io/region=us-east); repeatable")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the Secret as YAML on standard output instead of applying it to the hub. "+
		"CAUTION: the output contains the member's credential (the hub identity's token): do not share or commit it")
}

// Run runs `flotilla-hub register` with args (the arguments after "register") and returns the
// process's exit code: 0 on success (and for -help), 2 for bad flags, explained on stderr, 1
// when the registration fails. With --dry-run the Secret is printed on stdout; otherwise stdout
// gets one line saying what was registered.
func Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flotilla-hub register", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	var f flags
	f.bind(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := f.validate(fs); err != nil {
		fmt.Fprintf(stderr, "flotilla-hub register: %v\nRun flotilla-hub register -help for the flags.\n", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := f.run(ctx, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "flotilla-hub register: %v\n", err)
		return 1
	}
	return 0
}

// validate checks the parsed flags.
func (f *flags) validate(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var errs []error
	if f.memberKubeconfig == "" {
		errs = append(errs, errors.New("--member-kubeconfig is required"))
	}
	if f.opts.Name == "" {
		errs = append(errs, errors.New("--name is required"))
	}
	if f.dryRun && (f.hubKubeconfig != "" || f.hubContext != "") {
		errs = append(errs, errors.New("--dry-run applies nothing to the hub: drop --hub-kubeconfig and --hub-context"))
	}
	f.opts.Labels = f.labels.m
	if len(errs) == 0 {
		if err := f.opts.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// run builds the registration and applies or prints it.
func (f *flags) run(ctx context.Context, stdout, stderr io.Writer) error {
	member, err := loadKubeconfig(f.memberKubeconfig, f.memberContext)
	if err != nil {
		return fmt.Errorf("loading the member's kubeconfig: %w", err)
	}
	// Load the hub's configuration before touching the member, to fail early.
	var hub client.Client
	if !f.dryRun {
		var hubCfg *rest.Config
		if f.hubKubeconfig != "" {
			hubCfg, err = loadKubeconfig(f.hubKubeconfig, f.hubContext)
		} else {
			hubCfg, err = config.GetConfigWithContext(f.hubContext)
		}
		if err != nil {
			return fmt.Errorf("loading the hub's configuration: %w", err)
		}
		scheme, err := newScheme()
		if err != nil {
			return err
		}
		if hub, err = client.New(withTimeout(hubCfg), client.Options{Scheme: scheme}); err != nil {
			return fmt.Errorf("connecting to the hub: %w", err)
		}
	}

	secret, err := Build(ctx, member, f.opts)
	if err != nil {
		return err
	}
	restriction := secret.Annotations[flotillav1alpha1.AnnotationNamespaceRestriction]
	if f.opts.NamespaceRestriction == "" && restriction == "" {
		fmt.Fprintf(stderr, "Note: registering %s as a cluster-mode member: its GPUInventory reports no namespace "+
			"restriction, or does not exist yet. For a namespace-restricted agent, pass --namespace-restriction.\n", f.opts.Name)
	}
	if f.dryRun {
		out, err := secretYAML(secret)
		if err != nil {
			return err
		}
		_, err = stdout.Write(out)
		return err
	}
	if err := Apply(ctx, hub, secret); err != nil {
		return err
	}
	mode := "cluster mode"
	if restriction != "" {
		mode = "restricted to namespace " + restriction
	}
	fmt.Fprintf(stdout, "Registered member %s (%s, agent in %s): Secret %s/%s on the hub.\n",
		secret.Name, mode, secret.Annotations[flotillav1alpha1.AnnotationAgentNamespace], secret.Namespace, secret.Name)
	return nil
}

// loadKubeconfig loads the kubeconfig at path, with context (its current one when empty).
func loadKubeconfig(path, context string) (*rest.Config, error) {
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: path},
		&clientcmd.ConfigOverrides{CurrentContext: context},
	).ClientConfig()
}

// secretYAML renders s as a YAML manifest that kubectl apply accepts.
func secretYAML(s runtime.Object) ([]byte, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(s)
	if err != nil {
		return nil, err
	}
	unstructured.RemoveNestedField(m, "metadata", "creationTimestamp")
	return yaml.Marshal(m)
}

// labelFlag collects repeated --label key=value flags.
type labelFlag struct{ m map[string]string }

func (l *labelFlag) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, 0, len(l.m))
	for _, k := range slices.Sorted(maps.Keys(l.m)) {
		parts = append(parts, k+"="+l.m[k])
	}
	return strings.Join(parts, ",")
}

func (l *labelFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	if l.m == nil {
		l.m = map[string]string{}
	}
	if old, dup := l.m[k]; dup && old != val {
		return fmt.Errorf("label %q given twice (%q and %q)", k, old, val)
	}
	l.m[k] = val
	return nil
}
