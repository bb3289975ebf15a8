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
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
)

// LeaderWorkerSetStartTimeout bounds StartLeaderWorkerSet.
const LeaderWorkerSetStartTimeout = 2 * time.Minute

// lwsPodLabel is the label LeaderWorkerSet puts on the pods it owns; its pod webhooks select
// only those (as LeaderWorkerSet's own Helm chart does), so no other pod depends on them.
const lwsPodLabel = "leaderworkerset.sigs.k8s.io/name"

// LeaderWorkerSetModuleDir returns the directory of the sigs.k8s.io/lws module the agent is
// built with (go.mod pins its version) in the module cache: its CRDs, webhook manifests and
// Helm chart.
func LeaderWorkerSetModuleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/lws").Output()
	if err != nil {
		return "", fmt.Errorf("finding the sigs.k8s.io/lws module: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// LeaderWorkerSetCRDs returns the directory holding LeaderWorkerSet's CRD, as released in the
// sigs.k8s.io/lws module the agent is built with.
func LeaderWorkerSetCRDs() (string, error) {
	dir, err := LeaderWorkerSetModuleDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "config", "crd", "bases"), nil
}

// StartLeaderWorkerSet installs LeaderWorkerSet on the cluster as its release does, with the
// pieces that make it work for real: its CRD, its controller manager (built by
// hack/kube-binaries.sh from the sigs.k8s.io/lws module at LWSVersion(), run as a process of
// the cluster with the admin kubeconfig and stopped with it), and its mutating and validating
// webhooks for LeaderWorkerSets and their pods, served on 127.0.0.1 with a certificate made here
// (the release's own certificate rotation needs an in-cluster Service). It returns once the
// controller answers its readiness probe and its webhooks are registered and served.
func (c *Cluster) StartLeaderWorkerSet(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, LeaderWorkerSetStartTimeout)
	defer cancel()
	begin := time.Now()
	moduleDir, err := LeaderWorkerSetModuleDir()
	if err != nil {
		return err
	}
	if err := InstallCRDs(c.RESTConfig(), filepath.Join(moduleDir, "config", "crd", "bases")); err != nil {
		return fmt.Errorf("installing the LeaderWorkerSet CRD: %w", err)
	}

	dir := filepath.Join(c.dir, "lws")
	certDir := filepath.Join(dir, "certs")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return err
	}
	ca, err := newCA("lws-webhook-ca")
	if err != nil {
		return err
	}
	serving, err := signLeaf(ca, "lws-webhook", nil, x509.ExtKeyUsageServerAuth,
		[]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(certDir, "tls.crt"), serving.certPEM, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(certDir, "tls.key"), serving.keyPEM, 0o600); err != nil {
		return err
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	webhookPort, healthPort := ports[0], ports[1]
	configPath := filepath.Join(dir, "config.yaml")
	config := fmt.Sprintf(`apiVersion: config.lws.x-k8s.io/v1alpha1
kind: Configuration
leaderElection:
  leaderElect: false
internalCertManagement:
  enable: false
webhook:
  host: 127.0.0.1
  port: %d
  certDir: %s
metrics:
  bindAddress: "0"
health:
  healthProbeBindAddress: 127.0.0.1:%d
`, webhookPort, certDir, healthPort)
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return err
	}
	comp, err := c.launch(lwsBin, "--config="+configPath, "--kubeconfig="+c.kubeconfigPath)
	if err != nil {
		return err
	}
	watch := []*Process{comp}
	if err := waitFor(ctx, "LeaderWorkerSet controller /readyz", watch, httpOK(healthClient(nil, nil),
		fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort), func(b string) bool { return strings.TrimSpace(b) == "ok" })); err != nil {
		return err
	}

	webhookBase := "https://127.0.0.1:" + strconv.Itoa(webhookPort)
	mutating, validating, err := lwsWebhooks(filepath.Join(moduleDir, "config", "webhook", "manifests.yaml"), webhookBase, ca.certPEM)
	if err != nil {
		return err
	}
	// The controller registers its webhook handlers once its manager runs; a path answers
	// something other than 404 from then on.
	served := healthClient(ca.certPEM, nil)
	for _, w := range mutating.Webhooks {
		if err := waitFor(ctx, "LeaderWorkerSet webhook "+*w.ClientConfig.URL, watch, webhookServed(served, *w.ClientConfig.URL)); err != nil {
			return err
		}
	}
	for _, w := range validating.Webhooks {
		if err := waitFor(ctx, "LeaderWorkerSet webhook "+*w.ClientConfig.URL, watch, webhookServed(served, *w.ClientConfig.URL)); err != nil {
			return err
		}
	}
	cs, err := kubernetes.NewForConfig(c.restConfig)
	if err != nil {
		return err
	}
	if _, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, mutating, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("registering LeaderWorkerSet's mutating webhooks: %w", err)
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, validating, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("registering LeaderWorkerSet's validating webhooks: %w", err)
	}
	c.logf("cluster %s: LeaderWorkerSet %s controller and webhooks up in %s", c.name, LWSVersion(), since(begin))
	return nil
}

// lwsWebhooks reads LeaderWorkerSet's webhook configurations from the release's manifests and
// points them at base (URL instead of the in-cluster Service, caBundle set), limiting the pod
// webhooks to LeaderWorkerSet's pods as its Helm chart does.
func lwsWebhooks(manifests, base string, caPEM []byte) (*admissionregistrationv1.MutatingWebhookConfiguration, *admissionregistrationv1.ValidatingWebhookConfiguration, error) {
	data, err := os.ReadFile(manifests)
	if err != nil {
		return nil, nil, err
	}
	var mutating *admissionregistrationv1.MutatingWebhookConfiguration
	var validating *admissionregistrationv1.ValidatingWebhookConfiguration
	clientConfig := func(cc *admissionregistrationv1.WebhookClientConfig) {
		url := base + *cc.Service.Path
		*cc = admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM}
	}
	podsOnly := func(rules []admissionregistrationv1.RuleWithOperations) *metav1.LabelSelector {
		for _, r := range rules {
			if len(r.APIGroups) == 1 && r.APIGroups[0] == "" {
				return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: lwsPodLabel, Operator: metav1.LabelSelectorOpExists},
				}}
			}
		}
		return nil
	}
	docs := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", manifests, err)
		}
		var obj metav1.TypeMeta
		if err := utilyaml.Unmarshal(doc, &obj); err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", manifests, err)
		}
		switch obj.Kind {
		case "MutatingWebhookConfiguration":
			mutating = &admissionregistrationv1.MutatingWebhookConfiguration{}
			if err := utilyaml.Unmarshal(doc, mutating); err != nil {
				return nil, nil, err
			}
			mutating.Name = "lws-mutating-webhook-configuration"
			for i := range mutating.Webhooks {
				clientConfig(&mutating.Webhooks[i].ClientConfig)
				mutating.Webhooks[i].ObjectSelector = podsOnly(mutating.Webhooks[i].Rules)
			}
		case "ValidatingWebhookConfiguration":
			validating = &admissionregistrationv1.ValidatingWebhookConfiguration{}
			if err := utilyaml.Unmarshal(doc, validating); err != nil {
				return nil, nil, err
			}
			validating.Name = "lws-validating-webhook-configuration"
			for i := range validating.Webhooks {
				clientConfig(&validating.Webhooks[i].ClientConfig)
				validating.Webhooks[i].ObjectSelector = podsOnly(validating.Webhooks[i].Rules)
			}
		}
	}
	if mutating == nil || validating == nil || len(mutating.Webhooks) == 0 || len(validating.Webhooks) == 0 {
		return nil, nil, fmt.Errorf("%s lacks LeaderWorkerSet's mutating or validating webhooks", manifests)
	}
	return mutating, validating, nil
}

// webhookServed reports whether the webhook server answers url with a handler (anything but 404).
func webhookServed(client *http.Client, url string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
		if err != nil {
			return false, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return false, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode != http.StatusNotFound, nil
	}
}
