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
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// CRDEstablishTimeout bounds waiting for installed CRDs to be served. envtest's default, ten
// seconds, is too short for the nvidia.com CRDs, two versions of an embedded pod spec each, on a
// busy two-core machine.
const CRDEstablishTimeout = 2 * time.Minute

// InstallCRDs installs the CRDs of paths (files or directories; a missing one is an error) on the
// API server of cfg as they are written, and waits up to CRDEstablishTimeout until they are
// served. Their spec.conversion is kept: envtest's own CRD installation would point a conversion
// webhook at envtest's local webhook server, or drop it (strategy None) for kinds its scheme
// cannot convert, silently losing fields between versions.
func InstallCRDs(cfg *rest.Config, paths ...string) error {
	_, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{
		Paths: paths, ErrorIfPathMissing: true, MaxTime: CRDEstablishTimeout,
	})
	return err
}

// StartEnvtest starts a controller-runtime envtest Environment (etcd and kube-apiserver from
// BinDir, built by EnsureBinaries if needed) with the CRDs found in crdDirs installed as
// InstallCRDs installs them; a missing directory is an error. The returned Environment is
// started: use env.Config to build clients and call env.Stop when done. It is also stopped if
// the test binary gets SIGINT or SIGTERM.
func StartEnvtest(ctx context.Context, crdDirs ...string) (*envtest.Environment, error) {
	return startEnvtest(ctx, "", crdDirs)
}

// StartAuditedEnvtest is StartEnvtest with kube-apiserver logging every request of a
// ServiceAccount to auditLog (ReadAuditLog reads it).
func StartAuditedEnvtest(ctx context.Context, auditLog string, crdDirs ...string) (*envtest.Environment, error) {
	return startEnvtest(ctx, auditLog, crdDirs)
}

func startEnvtest(ctx context.Context, auditLog string, crdDirs []string) (*envtest.Environment, error) {
	for _, dir := range crdDirs {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("the CRD path %s: %w", dir, err)
		}
	}
	binDir, err := EnsureBinaries(ctx)
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{BinaryAssetsDirectory: binDir}
	// Pin the paths: envtest would otherwise prefer $KUBEBUILDER_ASSETS over BinaryAssetsDirectory.
	env.ControlPlane.GetAPIServer().Path = filepath.Join(binDir, kubeAPIBin)
	env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(binDir, etcdBin)}
	env.ControlPlane.KubectlPath = filepath.Join(binDir, kubectlBin)
	if auditLog != "" {
		args, err := auditArgs(filepath.Join(filepath.Dir(auditLog), "policy-"+filepath.Base(auditLog)), auditLog)
		if err != nil {
			return nil, err
		}
		for k, v := range args {
			env.ControlPlane.GetAPIServer().Configure().Set(k, v)
		}
	}
	track(env)
	if _, err := env.Start(); err != nil {
		_ = env.Stop()
		untrack(env)
		return nil, fmt.Errorf("starting envtest with binaries from %s: %w", binDir, err)
	}
	if len(crdDirs) > 0 {
		if err := InstallCRDs(env.Config, crdDirs...); err != nil {
			_ = env.Stop()
			untrack(env)
			return nil, fmt.Errorf("unable to install CRDs onto control plane: %w", err)
		}
	}
	return env, nil
}
