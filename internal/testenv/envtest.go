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
	"context"
	"fmt"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// StartEnvtest starts a controller-runtime envtest Environment (etcd and kube-apiserver from
// BinDir, built by EnsureBinaries if needed) with the CRDs found in crdDirs installed; a missing
// directory is an error. The returned Environment is started: use env.Config to build clients
// and call env.Stop when done. It is also stopped if the test binary gets SIGINT or SIGTERM.
func StartEnvtest(ctx context.Context, crdDirs ...string) (*envtest.Environment, error) {
	binDir, err := EnsureBinaries(ctx)
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: binDir,
		CRDDirectoryPaths:     crdDirs,
		ErrorIfCRDPathMissing: true,
	}
	// Pin the paths: envtest would otherwise prefer $KUBEBUILDER_ASSETS over BinaryAssetsDirectory.
	env.ControlPlane.GetAPIServer().Path = filepath.Join(binDir, kubeAPIBin)
	env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(binDir, etcdBin)}
	env.ControlPlane.KubectlPath = filepath.Join(binDir, kubectlBin)
	track(env)
	if _, err := env.Start(); err != nil {
		_ = env.Stop()
		untrack(env)
		return nil, fmt.Errorf("starting envtest with binaries from %s: %w", binDir, err)
	}
	return env, nil
}
