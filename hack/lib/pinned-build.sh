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

# hack/lib/pinned-build.sh, sourced by hack/kube-binaries.sh and hack/kind/node-binaries.sh: what
# both do to build pinned binaries from the Go module proxy into a cache directory outside the
# clone. The cache is complete when its stamp file (.stamp) holds the expected versions and every
# expected file is there and non-empty; a flock on the cache directory serialises concurrent
# runs; binaries are built into a staging directory beside the cache (same filesystem) and renamed
# into place, so an interrupted run never leaves a half-written file.
#
# The sourcing script sets, before it calls pinned_build_start:
#   PINNED_BUILD_NAME     the prefix of its log lines and the name of its temporary directory
#   BIN_DIR               the cache directory
#   STAMP_CONTENT         what the stamp holds once everything is built (the versions)
#   BINARIES              the files (in BIN_DIR) a complete cache has
#   PINNED_BUILD_GOFLAGS  (array, optional) extra flags for the go builds of pinned_build_kube
# Then, in its main:
#   pinned_build_start "$@"   handles --print-dir, returns at once (exit 0, printing BIN_DIR)
#                             when the cache is complete, else takes the lock and sets up WORK
#                             (a scratch directory) and STAGING; logs the cache dir and versions
#   ... its own builds, with have, install_file, moddir and pinned_build_kube ...
#   pinned_build_finish       writes the stamp and prints BIN_DIR as the last line of stdout

# shellcheck shell=bash
# The variables above are the sourcing script's, and it runs with set -euo pipefail (a failed cd
# stops it).
# shellcheck disable=SC2154,SC2164

PINNED_BUILD_GOFLAGS=()

log() { echo "${PINNED_BUILD_NAME}: $*" >&2; }

# pinned_build_complete: the cache holds a finished build of the expected versions.
pinned_build_complete() {
  [[ -f "${BIN_DIR}/.stamp" ]] || return 1
  [[ "$(cat "${BIN_DIR}/.stamp")" == "${STAMP_CONTENT}" ]] || return 1
  local f
  for f in "${BINARIES[@]}"; do
    [[ -s "${BIN_DIR}/${f}" ]] || return 1
  done
}

pinned_build_start() {
  if [[ "${1:-}" == "--print-dir" ]]; then
    echo "${BIN_DIR}"
    exit 0
  fi
  if [[ $# -gt 0 ]]; then
    echo "usage: $0 [--print-dir]" >&2
    exit 2
  fi

  if pinned_build_complete; then
    echo "${BIN_DIR}"
    exit 0
  fi

  mkdir -p "${BIN_DIR}"
  exec 9>"${BIN_DIR}/.lock"
  if ! flock -n 9; then
    log "another build holds ${BIN_DIR}/.lock; waiting for it"
    flock 9
  fi
  # Someone else may have finished the build while we waited.
  if pinned_build_complete; then
    echo "${BIN_DIR}"
    exit 0
  fi

  # Leftovers of a build that was killed (we hold the lock, so nobody else is building).
  rm -rf "${BIN_DIR}"/.tmp.* 2>/dev/null || true

  command -v go >/dev/null || { log "go is not on PATH"; exit 1; }

  WORK="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-${PINNED_BUILD_NAME}.XXXXXX")"
  STAGING="$(mktemp -d "${BIN_DIR}/.tmp.XXXXXX")" # same filesystem as BIN_DIR: mv is atomic
  trap pinned_build_cleanup EXIT

  export CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false GO111MODULE=on
  TOTAL_START=${SECONDS}

  log "cache dir: ${BIN_DIR}"
  log "versions:  ${STAMP_CONTENT}"
}

# shellcheck disable=SC2317 # run by the EXIT trap
pinned_build_cleanup() { rm -rf "${WORK}" "${STAGING}"; }

# have NAME: the cache holds NAME (non-empty).
have() { [[ -s "${BIN_DIR}/$1" ]]; }

# install_file NAME: moves ${STAGING}/NAME into the cache atomically.
install_file() {
  chmod 0755 "${STAGING}/$1" 2>/dev/null || true
  mv -f "${STAGING}/$1" "${BIN_DIR}/$1"
}

# moddir MODULE@VERSION: downloads a module and prints its directory in the module cache.
# ${WORK} must hold a go.mod.
moddir() {
  (cd "${WORK}" && go mod download -json "$1") | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

# pinned_build_kube [--log-staging] MODULE CMD...: builds each k8s.io/kubernetes/cmd/CMD at
# ${KUBE_VERSION} that the cache lacks, in a wrapper module named MODULE that requires
# k8s.io/kubernetes and replaces each staging module it requires at v0.0.0 by its published tag.
# --log-staging also logs which staging modules those are.
pinned_build_kube() {
  local log_staging=false
  if [[ "$1" == "--log-staging" ]]; then
    log_staging=true
    shift
  fi
  local module=$1
  shift
  local cmds=("$@") need=() b list
  for b in "${cmds[@]}"; do have "$b" || need+=("$b"); done
  if [[ ${#need[@]} -eq 0 ]]; then
    printf -v list '%s, ' "${cmds[@]}"
    log "reusing ${list%, }"
    return 0
  fi
  local staging_version="v0.${KUBE_VERSION#v1.}" # v1.X.Y -> v0.X.Y
  local minor="${KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  local mod="${WORK}/kube" t=${SECONDS}
  mkdir -p "${mod}"
  log "resolving k8s.io/kubernetes@${KUBE_VERSION} (staging modules at ${staging_version})"
  (
    cd "${mod}"
    go mod init "${module}" >/dev/null 2>&1
    gomod="$(go mod download -json "k8s.io/kubernetes@${KUBE_VERSION}" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [[ -f "${gomod}" ]] || { log "cannot find go.mod of k8s.io/kubernetes@${KUBE_VERSION}"; exit 1; }
    # Every staging module k8s.io/kubernetes requires at v0.0.0 (it replaces them with
    # ./staging/src/... in its own build) must be pinned to its published tag here.
    mapfile -t staging < <(grep -E '^[[:space:]]+k8s\.io/[a-z0-9-]+ v0\.0\.0([[:space:]]*//.*)?$' "${gomod}" |
      awk '{print $1}' | sort -u)
    [[ ${#staging[@]} -gt 0 ]] || { log "no v0.0.0 staging modules found in ${gomod}"; exit 1; }
    if ${log_staging}; then log "  ${#staging[@]} staging modules: ${staging[*]}"; fi
    args=()
    for m in "${staging[@]}"; do args+=("-replace=${m}=${m}@${staging_version}"); done
    go mod edit -require="k8s.io/kubernetes@${KUBE_VERSION}" "${args[@]}"
    pkgs=()
    for b in "${need[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/${b}@${KUBE_VERSION}"); done
    go get "${pkgs[@]}"
  )
  log "  resolved in $((SECONDS - t))s"
  local ldflags="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${p}.gitVersion=${KUBE_VERSION} -X ${p}.gitMajor=1 -X ${p}.gitMinor=${minor}"
    ldflags+=" -X ${p}.gitTreeState=clean"
  done
  for b in "${need[@]}"; do
    t=${SECONDS}
    log "building ${b} ${KUBE_VERSION}"
    (cd "${mod}" && go build "${PINNED_BUILD_GOFLAGS[@]}" -trimpath -ldflags="${ldflags}" -o "${STAGING}/${b}" "k8s.io/kubernetes/cmd/${b}")
    install_file "${b}"
    log "  ${b} built in $((SECONDS - t))s"
  done
}

# pinned_build_finish: stamps the cache as complete, logs the total time and prints BIN_DIR as
# the last line of stdout.
pinned_build_finish() {
  echo "${STAMP_CONTENT}" >"${STAGING}/.stamp"
  mv -f "${STAGING}/.stamp" "${BIN_DIR}/.stamp"
  log "done in $((SECONDS - TOTAL_START))s: ${BIN_DIR}"
  echo "${BIN_DIR}"
}
