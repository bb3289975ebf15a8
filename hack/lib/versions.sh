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

# hack/lib/versions.sh, sourced by the scripts that need a pinned version: sets each NAME of
# hack/versions/versions.env that the environment leaves unset or empty to its VALUE there, as
# the scripts' former "${NAME:-default}" did. A variable the environment sets is left alone (and
# stays exported); one set here is a plain shell variable, not exported.
#
# Plain `source hack/versions/versions.env` would read the same values, but would override the
# environment's: hence this loader, which also refuses a line it does not understand.

# shellcheck shell=bash

flotilla_load_versions() {
  local file line n=0
  file="$(cd "$(dirname "${BASH_SOURCE[0]}")/../versions" && pwd)/versions.env"
  [[ -f "${file}" ]] || { echo "versions.sh: ${file} is missing" >&2; return 1; }
  while IFS= read -r line || [[ -n "${line}" ]]; do
    n=$((n + 1))
    [[ "${line}" =~ ^[[:space:]]*(#.*)?$ ]] && continue
    if [[ ! "${line}" =~ ^([A-Z][A-Z0-9_]*)=([A-Za-z0-9._+-]+)$ ]]; then
      echo "versions.sh: ${file}:${n}: not NAME=VALUE: ${line}" >&2
      return 1
    fi
    [[ -n "${!BASH_REMATCH[1]:-}" ]] || printf -v "${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
  done <"${file}"
}
flotilla_load_versions || return 1
