#!/usr/bin/env bash
# Copyright 2026 The Flotilla Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# kind-down.sh tears down what kind-up.sh made (`make kind-down`): the kind clusters flotilla-hub,
# flotilla-east and flotilla-west, and the state directory $FLOTILLA_KIND_STATE (default
# ~/.cache/flotilla/kind-state). Safe to run again: absent clusters are skipped.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${FLOTILLA_KIND_STATE:-${HOME}/.cache/flotilla/kind-state}"

kind() { go tool -modfile="${REPO_ROOT}/hack/tools/go.mod" kind "$@"; }

existing="$(kind get clusters 2>/dev/null || true)"
for c in flotilla-hub flotilla-east flotilla-west; do
  if grep -qx "${c}" <<<"${existing}"; then
    echo "kind-down: deleting cluster ${c}" >&2
    # --kubeconfig: kind must not touch ~/.kube/config; the file may be gone already.
    kind delete cluster --name "${c}" --kubeconfig "${STATE}/${c}.kubeconfig"
  fi
done
if [[ -d "${STATE}" ]]; then
  echo "kind-down: removing ${STATE}" >&2
  rm -rf "${STATE}"
fi
