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
# flock against concurrent runs, atomic renames into the cache.
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
BIN_DIR="${FLOTILLA_KIND_NODE_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/bin/kind-node-k8s-${KUBE_VERSION}-coredns-${COREDNS_VERSION}-crictl-${CRICTL_VERSION}}"

STAMP="${BIN_DIR}/.stamp"
BINARIES=(kubeadm kubelet kube-proxy coredns crictl pause)
STAMP_CONTENT="kube=${KUBE_VERSION} coredns=${COREDNS_VERSION} crictl=${CRICTL_VERSION} pause=${PAUSE_VERSION}"

main() {
  if [[ "${1:-}" == "--print-dir" ]]; then
    echo "${BIN_DIR}"
    exit 0
  fi
  if [[ $# -gt 0 ]]; then
    echo "usage: $0 [--print-dir]" >&2
    exit 2
  fi

  log() { echo "node-binaries: $*" >&2; }

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
  if complete; then
    echo "${BIN_DIR}"
    exit 0
  fi
  rm -rf "${BIN_DIR}"/.tmp.* 2>/dev/null || true

  command -v go >/dev/null || { log "go is not on PATH"; exit 1; }

  WORK="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-node-binaries.XXXXXX")"
  STAGING="$(mktemp -d "${BIN_DIR}/.tmp.XXXXXX")"
  cleanup() { rm -rf "${WORK}" "${STAGING}"; }
  trap cleanup EXIT

  export CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false GO111MODULE=on
  read -r -a extra_goflags <<<"${NODE_BINARIES_GOFLAGS:-}"
  TOTAL_START=${SECONDS}
  log "cache dir: ${BIN_DIR}"
  log "versions:  ${STAMP_CONTENT}"

  have() { [[ -s "${BIN_DIR}/$1" ]]; }
  install_file() {
    chmod 0755 "${STAGING}/$1" 2>/dev/null || true
    mv -f "${STAGING}/$1" "${BIN_DIR}/$1"
  }
  # moddir MODULE@VERSION: downloads a module and prints its directory in the module cache.
  moddir() {
    (cd "${WORK}" && go mod download -json "$1") | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
  }
  [[ -f "${WORK}/go.mod" ]] || (cd "${WORK}" && go mod init flotilla.local/node-binaries-scratch >/dev/null 2>&1)

  # ------------------------------------------------------------ Kubernetes
  # The same wrapper module as hack/kube-binaries.sh: k8s.io/kubernetes plus a replace of each
  # staging module it requires at v0.0.0 by its published tag.
  KUBE_CMDS=(kubeadm kubelet kube-proxy)
  need_kube=()
  for b in "${KUBE_CMDS[@]}"; do have "$b" || need_kube+=("$b"); done
  if [[ ${#need_kube[@]} -gt 0 ]]; then
    staging_version="v0.${KUBE_VERSION#v1.}"
    minor="${KUBE_VERSION#v1.}"
    minor="${minor%%.*}"
    mod="${WORK}/kube"
    mkdir -p "${mod}"
    t=${SECONDS}
    log "resolving k8s.io/kubernetes@${KUBE_VERSION} (staging modules at ${staging_version})"
    (
      cd "${mod}"
      go mod init flotilla.local/kind-node-binaries >/dev/null 2>&1
      gomod="$(go mod download -json "k8s.io/kubernetes@${KUBE_VERSION}" |
        sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
      [[ -f "${gomod}" ]] || { log "cannot find go.mod of k8s.io/kubernetes@${KUBE_VERSION}"; exit 1; }
      mapfile -t staging < <(grep -E '^[[:space:]]+k8s\.io/[a-z0-9-]+ v0\.0\.0([[:space:]]*//.*)?$' "${gomod}" |
        awk '{print $1}' | sort -u)
      [[ ${#staging[@]} -gt 0 ]] || { log "no v0.0.0 staging modules found in ${gomod}"; exit 1; }
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
      (cd "${mod}" && go build "${extra_goflags[@]}" -trimpath -ldflags="${ldflags}" -o "${STAGING}/${b}" "k8s.io/kubernetes/cmd/${b}")
      install_file "${b}"
      log "  ${b} built in $((SECONDS - t))s"
    done
  else
    log "reusing kubeadm, kubelet, kube-proxy"
  fi

  # ------------------------------------------------------------ CoreDNS
  if ! have coredns; then
    t=${SECONDS}
    log "building coredns ${COREDNS_VERSION}"
    GOBIN="${STAGING}" go install "${extra_goflags[@]}" -trimpath \
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
    GOBIN="${STAGING}" go install "${extra_goflags[@]}" -trimpath \
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
  echo "${STAMP_CONTENT}" >"${STAGING}/.stamp"
  mv -f "${STAGING}/.stamp" "${STAMP}"
  log "done in $((SECONDS - TOTAL_START))s: ${BIN_DIR}"
  echo "${BIN_DIR}"
}

# One line, so that bash has read it whole before main runs: editing this file while it
# runs cannot make bash read on into the new text.
main "$@"; exit $?
