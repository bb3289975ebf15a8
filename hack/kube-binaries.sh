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
# The cache, stamp and lock handling is hack/lib/pinned-build.sh's, shared with
# hack/kind/node-binaries.sh.
set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=hack/lib/versions.sh
source "${HACK_DIR}/lib/versions.sh"
# shellcheck source=hack/lib/pinned-build.sh
source "${HACK_DIR}/lib/pinned-build.sh"

PINNED_BUILD_NAME="kube-binaries"
BIN_DIR="${FLOTILLA_KUBE_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/bin/k8s-${KUBE_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}}"

STAGES_FILE="kwok-stages.yaml"
LWS_BINARY="lws-controller-manager"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok "${LWS_BINARY}" "${STAGES_FILE}")
STAMP_CONTENT="kube=${KUBE_VERSION} etcd=${ETCD_VERSION} kwok=${KWOK_VERSION} lws=${LWS_VERSION}"

# Everything runs inside main so bash parses the whole script before running any of it
# (editing or checking out this file during a build cannot derail a running build).
main() {
  pinned_build_start "$@"

  # ---------------------------------------------------------------- Kubernetes
  pinned_build_kube --log-staging flotilla.local/kube-binaries \
    kube-apiserver kube-controller-manager kube-scheduler kubectl

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
  pinned_build_finish
}

main "$@"
