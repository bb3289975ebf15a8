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

// Package testenv gives Flotilla's tests real Kubernetes control planes, built from the Go module
// proxy by hack/kube-binaries.sh and run as plain processes on 127.0.0.1 (no root, no containers).
//
// Two shapes are offered:
//
//   - StartEnvtest: a controller-runtime envtest Environment (etcd + kube-apiserver) with CRDs
//     installed, for integration tests of controllers and webhooks.
//   - StartCluster: a full local cluster (etcd, kube-apiserver, kube-controller-manager,
//     kube-scheduler and kwok) in which Deployments roll out and pods are scheduled onto fake
//     GPU nodes added with Cluster.AddGPUNodes, for end-to-end tests.
//
// The binaries live in a cache directory outside the clone (see BinDir). EnsureBinaries builds
// them on first use, which takes about ten minutes on two cores: run tests with a generous
// -timeout (for example go test -timeout 30m) on a cold machine, or run hack/kube-binaries.sh first.
//
// Every process started by StartCluster is stopped by Cluster.Stop, by a SIGINT/SIGTERM handler
// that stops all live clusters, and, as a last resort on Linux, by the kernel when the test
// binary dies (Pdeathsig).
package testenv
