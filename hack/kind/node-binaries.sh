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

# node-binaries.sh builds the binaries a kind node needs beyond those of hack/kube-binaries.sh
# (kubeadm, kubelet, kube-proxy, CoreDNS, crictl and the pause container) from the Go module
# proxy (and gcc for pause), into a cache directory outside the clone, and prints that
# directory as the last line of stdout. It is the sibling of hack/kube-binaries.sh and works
# the same way: one wrapper module per upstream module, a stamp once everything is built, a
# flock against concurrent runs, atomic renames into the cache (hack/lib/pinned-build.sh, which
# both source).
#
#   hack/kind/node-binaries.sh              build what is missing, print the directory
#   hack/kind/node-binaries.sh --print-dir  print the directory only (no build)
#
# Environment:
#   KUBE_VERSION, COREDNS_VERSION, CRICTL_VERSION, PAUSE_VERSION: default from
#     hack/versions/versions.env (PAUSE_VERSION is the version string compiled into pause; the
#     image is tagged with every tag kubeadm and kind ask for)
#   FLOTILLA_KIND_NODE_BIN_DIR  the cache directory; default
#     ${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/bin/kind-node-k8s-$KUBE_VERSION-coredns-$COREDNS_VERSION-crictl-$CRICTL_VERSION
#   NODE_BINARIES_GOFLAGS  extra flags for go build (e.g. "-p 1" on a small machine)
set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/lib/versions.sh
source "${HACK_DIR}/lib/versions.sh"
# shellcheck source=hack/lib/pinned-build.sh
source "${HACK_DIR}/lib/pinned-build.sh"

PINNED_BUILD_NAME="node-binaries"
BIN_DIR="${FLOTILLA_KIND_NODE_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/bin/kind-node-k8s-${KUBE_VERSION}-coredns-${COREDNS_VERSION}-crictl-${CRICTL_VERSION}}"

BINARIES=(kubeadm kubelet kube-proxy coredns crictl pause)
STAMP_CONTENT="kube=${KUBE_VERSION} coredns=${COREDNS_VERSION} crictl=${CRICTL_VERSION} pause=${PAUSE_VERSION}"

main() {
  pinned_build_start "$@"
  read -r -a PINNED_BUILD_GOFLAGS <<<"${NODE_BINARIES_GOFLAGS:-}"
  [[ -f "${WORK}/go.mod" ]] || (cd "${WORK}" && go mod init flotilla.local/node-binaries-scratch >/dev/null 2>&1)

  # ------------------------------------------------------------ Kubernetes
  # The same wrapper module as hack/kube-binaries.sh: k8s.io/kubernetes plus a replace of each
  # staging module it requires at v0.0.0 by its published tag.
  pinned_build_kube flotilla.local/kind-node-binaries kubeadm kubelet kube-proxy

  # ------------------------------------------------------------ CoreDNS
  if ! have coredns; then
    t=${SECONDS}
    log "building coredns ${COREDNS_VERSION}"
    GOBIN="${STAGING}" go install "${PINNED_BUILD_GOFLAGS[@]}" -trimpath \
      -ldflags="-s -w -X github.com/coredns/coredns/coremain.GitCommit=${COREDNS_VERSION}" \
      "github.com/coredns/coredns@${COREDNS_VERSION}"
    install_file coredns
    log "  coredns built in $((SECONDS - t))s"
  else
    log "reusing coredns"
  fi

  # ------------------------------------------------------------ crictl
  if ! have crictl; then
    t=${SECONDS}
    log "building crictl ${CRICTL_VERSION}"
    GOBIN="${STAGING}" go install "${PINNED_BUILD_GOFLAGS[@]}" -trimpath \
      -ldflags="-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=${CRICTL_VERSION}" \
      "sigs.k8s.io/cri-tools/cmd/crictl@${CRICTL_VERSION}"
    install_file crictl
    log "  crictl built in $((SECONDS - t))s"
  else
    log "reusing crictl"
  fi

  # ------------------------------------------------------------ pause
  # Kubernetes' own pause.c (build/pause/linux in the k8s.io/kubernetes module), static.
  if ! have pause; then
    t=${SECONDS}
    command -v gcc >/dev/null || { log "gcc is not on PATH (apt-get install gcc libc6-dev)"; exit 1; }
    kdir="$(moddir "k8s.io/kubernetes@${KUBE_VERSION}")"
    src="${kdir}/build/pause/linux/pause.c"
    [[ -f "${src}" ]] || { log "missing ${src}"; exit 1; }
    log "building pause ${PAUSE_VERSION} from ${src}"
    gcc -Os -Wall -Werror -static -DVERSION="v${PAUSE_VERSION}-flotilla" -o "${STAGING}/pause" "${src}"
    strip "${STAGING}/pause" 2>/dev/null || true
    install_file pause
    log "  pause built in $((SECONDS - t))s"
  else
    log "reusing pause"
  fi

  "${BIN_DIR}/kubeadm" version -o short >&2
  pinned_build_finish
}

# One line, so that bash has read it whole before main runs: editing this file while it
# runs cannot make bash read on into the new text.
main "$@"; exit $?
