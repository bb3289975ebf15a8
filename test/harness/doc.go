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

// Package harness holds the smoke test of Flotilla's test harness (test/testenv): a full
// local cluster with fake GPU nodes, on which real scheduling against fake capacity happens.
// It runs under plain `go test ./...`; on a machine without the cached binaries the first run
// builds them (about ten minutes on two cores: use -timeout 30m).
package harness
