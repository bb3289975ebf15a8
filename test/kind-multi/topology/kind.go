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
	"io"
	"os"
	"os/exec"
	"strings"

	"sigs.k8s.io/kind/pkg/cluster"
	kindcmd "sigs.k8s.io/kind/pkg/cmd"
	loadimage "sigs.k8s.io/kind/pkg/cmd/kind/load/docker-image"
	kindlog "sigs.k8s.io/kind/pkg/log"

	"github.com/flotilla-dev/flotilla/hack/kind/kindconfig"
	"github.com/flotilla-dev/flotilla/test/charttest"
)

// offlineImageRepo is the repository of the node images hack/kind/build-node-image.sh builds:
// their clusters bring no CNI of kind's own (kindconfig.Options.OfflineImage).
const offlineImageRepo = "flotilla/kind-node"

// kind is kind's Go library, as the kind CLI uses it, logging to a writer.
type kind struct {
	*cluster.Provider
	logger kindlog.Logger
}

// newKind returns kind's provider for the host's container runtime (Docker here), logging to w.
func newKind(w io.Writer) kind {
	logger := writerLogger{w}
	return kind{Provider: cluster.NewProvider(cluster.ProviderWithLogger(logger)), logger: logger}
}

// createCluster creates the one-node cluster name from image, with its kubeconfig at
// kubeconfig, unless it exists: then it only writes the kubeconfig. kind's output goes to the
// log of k; it does not wait for the node to be Ready (see waitClusterReady).
func (k kind) createCluster(name, image, kubeconfig string) (created bool, err error) {
	existing, err := k.List()
	if err != nil {
		return false, fmt.Errorf("listing kind clusters: %w", err)
	}
	for _, e := range existing {
		if e == name {
			cfg, err := k.KubeConfig(name, false)
			if err != nil {
				return false, fmt.Errorf("kubeconfig of %s: %w", name, err)
			}
			return false, os.WriteFile(kubeconfig, []byte(cfg), 0o600)
		}
	}
	config, err := kindconfig.Render(kindconfig.Options{
		Name: name, Image: image, OfflineImage: strings.HasPrefix(image, offlineImageRepo+":"),
	})
	if err != nil {
		return false, err
	}
	err = k.Create(name, cluster.CreateWithRawConfig(config), cluster.CreateWithKubeconfigPath(kubeconfig),
		cluster.CreateWithDisplayUsage(false), cluster.CreateWithDisplaySalutation(false))
	if err != nil {
		return false, fmt.Errorf("kind create cluster %s: %w", name, err)
	}
	return true, nil
}

// loadImages loads the host's Docker images into the cluster's node, as `kind load docker-image`
// does (it is that command): an image the node has already, with the same ID, is skipped.
func (k kind) loadImages(ctx context.Context, name string, images ...string) error {
	cmd := loadimage.NewCommand(k.logger, kindcmd.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	cmd.SetArgs(append([]string{"--name", name}, images...))
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.ExecuteContext(ctx); err != nil {
		return fmt.Errorf("kind load docker-image %s into %s: %w", strings.Join(images, " "), name, err)
	}
	return nil
}

// NodeImage returns the kind node image `hack/kind/build-node-image.sh --print-tag` names (the
// last line it prints), without building or pulling it.
func NodeImage(ctx context.Context) (string, error) {
	path, err := charttest.Path("hack/kind/build-node-image.sh")
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, "bash", path, "--print-tag").Output()
	if err != nil {
		return "", fmt.Errorf("%s --print-tag: %w", path, err)
	}
	lines := strings.Fields(string(out))
	if len(lines) == 0 {
		return "", fmt.Errorf("%s --print-tag printed no tag", path)
	}
	return lines[len(lines)-1], nil
}

// checkImages fails naming the first of images the host's Docker does not have.
func checkImages(ctx context.Context, images ...string) error {
	if out, err := exec.CommandContext(ctx, "docker", "info").CombinedOutput(); err != nil {
		return fmt.Errorf("docker does not answer (run make host-prep): docker info: %w\n%s", err, out)
	}
	for _, image := range images {
		if err := exec.CommandContext(ctx, "docker", "image", "inspect", image).Run(); err != nil {
			return fmt.Errorf("no image %s in Docker: run make kind-image images", image)
		}
	}
	return nil
}

// writerLogger is kind's logger writing what the kind CLI prints by default to a writer.
type writerLogger struct{ w io.Writer }

func (l writerLogger) Warn(message string) { fmt.Fprintln(l.w, message) }
func (l writerLogger) Warnf(format string, args ...interface{}) {
	fmt.Fprintf(l.w, format+"\n", args...)
}
func (l writerLogger) Error(message string) { fmt.Fprintln(l.w, message) }
func (l writerLogger) Errorf(format string, args ...interface{}) {
	fmt.Fprintf(l.w, format+"\n", args...)
}

// V logs what the kind CLI logs by default: level 0.
func (l writerLogger) V(level kindlog.Level) kindlog.InfoLogger {
	if level > 0 {
		return kindlog.NoopInfoLogger{}
	}
	return l
}
func (l writerLogger) Info(message string) { fmt.Fprintln(l.w, message) }
func (l writerLogger) Infof(format string, args ...interface{}) {
	fmt.Fprintf(l.w, format+"\n", args...)
}
func (l writerLogger) Enabled() bool { return true }
