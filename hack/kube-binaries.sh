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

# kube-binaries.sh builds the Kubernetes control-plane binaries Flotilla's tests run
# (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok, and
# LeaderWorkerSet's controller manager) from the Go module proxy only, into a cache directory outside the clone, and prints that directory
# as the last line of stdout.
#
#   hack/kube-binaries.sh              build what is missing, print the directory
#   hack/kube-binaries.sh --print-dir  print the directory only (no build)
#
# Environment:
#   KUBE_VERSION, ETCD_VERSION, KWOK_VERSION, LWS_VERSION: default from hack/versions/versions.env
#     (LWS_VERSION there is the sigs.k8s.io/lws version go.mod pins)
#   FLOTILLA_KUBE_BIN_DIR  the cache directory; default
#     ${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/bin/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION
#
# Idempotent: a binary already in the cache is reused, and once everything has been built a
# stamp file (.stamp) makes later runs return at once. Binaries are built into a temporary
# directory and renamed into place, so an interrupted run never leaves a half-written file.
# A flock on the cache directory serialises concurrent runs (parallel `go test` packages).
set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=hack/lib/versions.sh
source "${HACK_DIR}/lib/versions.sh"
BIN_DIR="${FLOTILLA_KUBE_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/bin/k8s-${KUBE_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}}"

STAMP="${BIN_DIR}/.stamp"
STAGES_FILE="kwok-stages.yaml"
LWS_BINARY="lws-controller-manager"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok "${LWS_BINARY}" "${STAGES_FILE}")
STAMP_CONTENT="kube=${KUBE_VERSION} etcd=${ETCD_VERSION} kwok=${KWOK_VERSION} lws=${LWS_VERSION}"

# Everything runs inside main so bash parses the whole script before running any of it
# (editing or checking out this file during a build cannot derail a running build).
main() {
  if [[ "${1:-}" == "--print-dir" ]]; then
    echo "${BIN_DIR}"
    exit 0
  fi
  if [[ $# -gt 0 ]]; then
    echo "usage: $0 [--print-dir]" >&2
    exit 2
  fi

  log() { echo "kube-binaries: $*" >&2; }

  complete() {
    [[ -f "${STAMP}" ]] || return 1
    [[ "$(cat "${STAMP}")" == "${STAMP_CONTENT}" ]] || return 1
    local f
    for f in "${BINARIES[@]}"; do
      [[ -s "${BIN_DIR}/${f}" ]] || return 1
    done
  }

  if complete; then
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
  if complete; then
    echo "${BIN_DIR}"
    exit 0
  fi

  # Leftovers of a build that was killed (we hold the lock, so nobody else is building).
  rm -rf "${BIN_DIR}"/.tmp.* 2>/dev/null || true

  command -v go >/dev/null || { log "go is not on PATH"; exit 1; }

  WORK="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-kube-binaries.XXXXXX")"
  STAGING="$(mktemp -d "${BIN_DIR}/.tmp.XXXXXX")" # same filesystem as BIN_DIR: mv is atomic
  cleanup() { rm -rf "${WORK}" "${STAGING}"; }
  trap cleanup EXIT

  export CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false GO111MODULE=on
  TOTAL_START=${SECONDS}

  log "cache dir: ${BIN_DIR}"
  log "versions:  ${STAMP_CONTENT}"

  have() { [[ -s "${BIN_DIR}/$1" ]]; }

  # install NAME: moves ${STAGING}/NAME into the cache atomically.
  install_file() {
    chmod 0755 "${STAGING}/$1" 2>/dev/null || true
    mv -f "${STAGING}/$1" "${BIN_DIR}/$1"
  }

  # moddir MODULE@VERSION: downloads a module and prints its directory in the module cache.
  moddir() {
    (cd "${WORK}" && go mod download -json "$1") | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
  }

  # ---------------------------------------------------------------- Kubernetes
  KUBE_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  need_kube=()
  for b in "${KUBE_CMDS[@]}"; do have "$b" || need_kube+=("$b"); done
  if [[ ${#need_kube[@]} -gt 0 ]]; then
    staging_version="v0.${KUBE_VERSION#v1.}" # v1.X.Y -> v0.X.Y
    minor="${KUBE_VERSION#v1.}"
    minor="${minor%%.*}"
    mod="${WORK}/kube"
    mkdir -p "${mod}"
    t=${SECONDS}
    log "resolving k8s.io/kubernetes@${KUBE_VERSION} (staging modules at ${staging_version})"
    (
      cd "${mod}"
      go mod init flotilla.local/kube-binaries >/dev/null 2>&1
      gomod="$(go mod download -json "k8s.io/kubernetes@${KUBE_VERSION}" |
        sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
      [[ -f "${gomod}" ]] || { log "cannot find go.mod of k8s.io/kubernetes@${KUBE_VERSION}"; exit 1; }
      # Every staging module k8s.io/kubernetes requires at v0.0.0 (it replaces them with
      # ./staging/src/... in its own build) must be pinned to its published tag here.
      mapfile -t staging < <(grep -E '^[[:space:]]+k8s\.io/[a-z0-9-]+ v0\.0\.0([[:space:]]*//.*)?$' "${gomod}" |
        awk '{print $1}' | sort -u)
      [[ ${#staging[@]} -gt 0 ]] || { log "no v0.0.0 staging modules found in ${gomod}"; exit 1; }
      log "  ${#staging[@]} staging modules: ${staging[*]}"
      args=()
      for m in "${staging[@]}"; do args+=("-replace=${m}=${m}@${staging_version}"); done
      go mod edit -require="k8s.io/kubernetes@${KUBE_VERSION}" "${args[@]}"
      pkgs=()
      for b in "${need_kube[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/${b}@${KUBE_VERSION}"); done
      go get "${pkgs[@]}"
    )
    log "  resolved in $((SECONDS - t))s"
    ldflags="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X ${p}.gitVersion=${KUBE_VERSION} -X ${p}.gitMajor=1 -X ${p}.gitMinor=${minor}"
      ldflags+=" -X ${p}.gitTreeState=clean"
    done
    for b in "${need_kube[@]}"; do
      t=${SECONDS}
      log "building ${b} ${KUBE_VERSION}"
      (cd "${mod}" && go build -trimpath -ldflags="${ldflags}" -o "${STAGING}/${b}" "k8s.io/kubernetes/cmd/${b}")
      install_file "${b}"
      log "  ${b} built in $((SECONDS - t))s"
    done
  else
    log "reusing kube-apiserver, kube-controller-manager, kube-scheduler, kubectl"
  fi

  # ---------------------------------------------------------------- etcd
  if ! have etcd; then
    t=${SECONDS}
    log "building etcd ${ETCD_VERSION}"
    mod="${WORK}/etcd"
    mkdir -p "${mod}"
    (
      cd "${mod}"
      go mod init flotilla.local/etcd-binary >/dev/null 2>&1
      # The etcd server module has replace directives, so `go install ...@version` refuses it:
      # build it from a wrapper module instead.
      go get "go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
      go build -trimpath -ldflags="-s -w" -o "${STAGING}/etcd" go.etcd.io/etcd/server/v3
    )
    install_file etcd
    log "  etcd built in $((SECONDS - t))s"
  else
    log "reusing etcd"
  fi

  # ---------------------------------------------------------------- kwok
  if ! have kwok; then
    t=${SECONDS}
    log "building kwok ${KWOK_VERSION}"
    GOBIN="${STAGING}" go install -trimpath -ldflags="-s -w" "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
    install_file kwok
    log "  kwok built in $((SECONDS - t))s"
  else
    log "reusing kwok"
  fi

  # ---------------------------------------------------------------- LeaderWorkerSet
  # The binary says its version (set below with -X), so a cache built for another LWS_VERSION
  # is rebuilt rather than reused.
  if ! { have "${LWS_BINARY}" && "${BIN_DIR}/${LWS_BINARY}" --version 2>/dev/null | grep -qx "Version: ${LWS_VERSION}"; }; then
    t=${SECONDS}
    log "building ${LWS_BINARY} ${LWS_VERSION}"
    mod="${WORK}/lws"
    mkdir -p "${mod}"
    (
      cd "${mod}"
      go mod init flotilla.local/lws-binary >/dev/null 2>&1
      go get "sigs.k8s.io/lws/cmd@${LWS_VERSION}"
      go build -trimpath -ldflags="-s -w -X sigs.k8s.io/lws/pkg/version.GitVersion=${LWS_VERSION}" \
        -o "${STAGING}/${LWS_BINARY}" sigs.k8s.io/lws/cmd
    )
    install_file "${LWS_BINARY}"
    log "  ${LWS_BINARY} built in $((SECONDS - t))s"
  else
    log "reusing ${LWS_BINARY}"
  fi

  if ! have "${STAGES_FILE}"; then
    log "collecting kwok ${KWOK_VERSION} stages"
    (cd "${WORK}" && go mod init flotilla.local/kwok-stages >/dev/null 2>&1)
    kwok_dir="$(moddir "sigs.k8s.io/kwok@${KWOK_VERSION}")"
    [[ -d "${kwok_dir}" ]] || { log "cannot find sigs.k8s.io/kwok@${KWOK_VERSION} in the module cache"; exit 1; }
    stages=(
      kustomize/stage/node/fast/node-initialize.yaml
      kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
      kustomize/stage/pod/fast/pod-ready.yaml
      kustomize/stage/pod/fast/pod-complete.yaml
      kustomize/stage/pod/fast/pod-delete.yaml
    )
    out="${STAGING}/${STAGES_FILE}"
    : >"${out}"
    for s in "${stages[@]}"; do
      [[ -f "${kwok_dir}/${s}" ]] || { log "missing ${s} in ${kwok_dir}"; exit 1; }
      {
        echo "---"
        echo "# from sigs.k8s.io/kwok@${KWOK_VERSION}/${s}"
        sed -e '1{/^---[[:space:]]*$/d;}' "${kwok_dir}/${s}"
      } >>"${out}"
    done
    chmod 0644 "${out}"
    mv -f "${out}" "${BIN_DIR}/${STAGES_FILE}"
  fi

  "${BIN_DIR}/kube-apiserver" --version >&2
  echo "${STAMP_CONTENT}" >"${STAGING}/.stamp"
  mv -f "${STAGING}/.stamp" "${STAMP}"
  log "done in $((SECONDS - TOTAL_START))s: ${BIN_DIR}"
  echo "${BIN_DIR}"
}

main "$@"
