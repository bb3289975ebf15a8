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

# host-prep.sh makes this host able to run kind clusters, changing only what is missing, and
# prints every change it makes (nothing printed but "nothing to change" on a ready host):
#
#   1. installs docker.io, iptables, debootstrap, jq and gcc from Debian when absent (apt-get);
#   2. starts dockerd detached (setsid --fork; log in ${XDG_CACHE_HOME:-~/.cache}/flotilla/dockerd.log)
#      when `docker info` fails and dockerd is installed but not running;
#   3. checks whether `docker run --privileged` (what kind issues) works with plain runc; only
#      where it fails with "unable to apply caps" (a capability bounding set without some
#      capability, e.g. CAP_SYS_RESOURCE in some VMs) it builds hack/kind/runc-wrapper and makes
#      it Docker's default runtime in /etc/docker/daemon.json (dockerd reloads it on SIGHUP).
#      A host where --privileged already works is never touched;
#   4. raises the inotify limits a kind node needs (fs.inotify.max_user_instances=8192,
#      fs.inotify.max_user_watches=524288) when lower.
#
# It exits non-zero with a message saying why when Docker cannot be made to work.
#
# Environment: FLOTILLA_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/flotilla).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${FLOTILLA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla}"
DOCKERD_LOG="${CACHE_DIR}/dockerd.log"
WRAPPER_NAME="flotilla-runc"
WRAPPER_PATH="/usr/local/libexec/flotilla/runc-wrapper"
DAEMON_JSON="/etc/docker/daemon.json"
CHECK_IMAGE="flotilla/privileged-check:v1"
INOTIFY_INSTANCES=8192
INOTIFY_WATCHES=524288

main() {
  changed=0
  log() { echo "host-prep: $*" >&2; }
  change() { changed=1; echo "host-prep: $*"; }
  die() { echo "host-prep: error: $*" >&2; exit 1; }

  # as_root runs a command as root: directly when we are root, else through sudo.
  as_root() {
    if [[ ${EUID} -eq 0 ]]; then
      "$@"
    elif command -v sudo >/dev/null; then
      sudo "$@"
    else
      die "need root for: $* (run as root or install sudo)"
    fi
  }

  # ---------------------------------------------------------------- packages
  export PATH="${PATH}:/usr/sbin:/sbin"
  missing=()
  if ! command -v dockerd >/dev/null && ! { command -v docker >/dev/null && docker info >/dev/null 2>&1; }; then
    missing+=(docker.io)
  fi
  command -v iptables >/dev/null || missing+=(iptables)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v jq >/dev/null || missing+=(jq)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev) # the pause binary of the node image is C
  if [[ ${#missing[@]} -gt 0 ]]; then
    command -v apt-get >/dev/null ||
      die "missing ${missing[*]} and no apt-get to install them: install them yourself (Docker; debootstrap, jq and gcc build the offline node image)"
    log "installing ${missing[*]} from Debian"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    change "installed ${missing[*]}"
  fi

  # ---------------------------------------------------------------- dockerd
  command -v docker >/dev/null || die "no docker client on PATH"
  if ! docker info >/dev/null 2>&1; then
    command -v dockerd >/dev/null || die "docker info fails and there is no dockerd to start"
    if pgrep -x dockerd >/dev/null; then
      log "dockerd is running but docker info fails; waiting for it"
    else
      mkdir -p "${CACHE_DIR}"
      log "starting dockerd (log: ${DOCKERD_LOG})"
      # setsid --fork: dockerd leaves this script's session and process tree at once.
      as_root setsid --fork dockerd >>"${DOCKERD_LOG}" 2>&1 </dev/null
      change "started dockerd detached (log: ${DOCKERD_LOG})"
    fi
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
    docker info >/dev/null 2>&1 ||
      die "Docker does not answer after 30s; see ${DOCKERD_LOG} (tail: $(tail -3 "${DOCKERD_LOG}" 2>/dev/null | tr '\n' ' '))"
  fi

  # ---------------------------------------------------------------- inotify
  raise_sysctl() {
    local key=$1 want=$2 have
    have="$(sysctl -n "${key}" 2>/dev/null || echo 0)"
    if [[ "${have}" -lt "${want}" ]]; then
      as_root sysctl -q -w "${key}=${want}" >/dev/null || die "cannot set ${key}=${want}"
      change "${key} ${have} -> ${want}"
    fi
  }
  raise_sysctl fs.inotify.max_user_instances "${INOTIFY_INSTANCES}"
  raise_sysctl fs.inotify.max_user_watches "${INOTIFY_WATCHES}"

  # ---------------------------------------------------------------- privileged containers
  ensure_check_image
  local out
  if out="$(docker run --rm --runtime=runc --privileged --network=none "${CHECK_IMAGE}" 2>&1)"; then
    log "docker run --privileged works with plain runc: runtime left as it is"
  elif grep -q "unable to apply caps" <<<"${out}"; then
    log "docker run --privileged fails with plain runc (unable to apply caps): bounding set $(grep CapBnd /proc/self/status | awk '{print $2}')"
    install_wrapper
    out="$(docker run --rm --privileged --network=none "${CHECK_IMAGE}" 2>&1)" ||
      die "docker run --privileged still fails with the runtime wrapper: ${out}"
    log "docker run --privileged works with ${WRAPPER_NAME}"
  else
    die "docker run --privileged fails for another reason than capabilities: ${out}"
  fi

  if [[ ${changed} -eq 0 ]]; then
    echo "host-prep: nothing to change"
  fi
}

# ensure_check_image imports a one-file image whose entrypoint is a static Go program that exits 0.
ensure_check_image() {
  docker image inspect "${CHECK_IMAGE}" >/dev/null 2>&1 && return 0
  command -v go >/dev/null || die "go is not on PATH (needed to build ${CHECK_IMAGE})"
  local tmp
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-check.XXXXXX")"
  mkdir -p "${tmp}/src" "${tmp}/root"
  printf 'module flotilla.local/check\n\ngo 1.22\n' >"${tmp}/src/go.mod"
  printf 'package main\n\nfunc main() {}\n' >"${tmp}/src/main.go"
  (cd "${tmp}/src" && CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false go build -trimpath -ldflags='-s -w' -o "${tmp}/root/true" .)
  tar -C "${tmp}/root" -c . | docker import -c 'ENTRYPOINT ["/true"]' - "${CHECK_IMAGE}" >/dev/null
  rm -rf "${tmp}"
  log "imported ${CHECK_IMAGE}"
}

# install_wrapper builds the runtime wrapper, installs it if it differs from the installed one,
# and makes it Docker's default runtime.
install_wrapper() {
  command -v go >/dev/null || die "go is not on PATH (needed to build the runtime wrapper)"
  local runc tmp
  runc="$(command -v runc || true)"
  [[ -n "${runc}" ]] || die "no runc on PATH"
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-runc-wrapper.XXXXXX")"
  (cd "${REPO_ROOT}" && CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false go build -trimpath \
    -ldflags="-s -w -X main.runtimePath=${runc}" -o "${tmp}/runc-wrapper" ./hack/kind/runc-wrapper)
  if ! cmp -s "${tmp}/runc-wrapper" "${WRAPPER_PATH}" 2>/dev/null; then
    as_root mkdir -p "$(dirname "${WRAPPER_PATH}")"
    as_root install -m 0755 "${tmp}/runc-wrapper" "${WRAPPER_PATH}.new"
    as_root mv -f "${WRAPPER_PATH}.new" "${WRAPPER_PATH}"
    change "installed the OCI runtime wrapper ${WRAPPER_PATH} (execs ${runc})"
  fi
  rm -rf "${tmp}"

  local current desired
  current="$(as_root cat "${DAEMON_JSON}" 2>/dev/null || true)"
  [[ -n "${current//[[:space:]]/}" ]] || current='{}'
  desired="$(jq --arg name "${WRAPPER_NAME}" --arg path "${WRAPPER_PATH}" \
    '.runtimes[$name] = {path: $path} | .["default-runtime"] = $name' <<<"${current}")" ||
    die "cannot parse ${DAEMON_JSON}"
  if [[ "$(jq -S . <<<"${current}")" != "$(jq -S . <<<"${desired}")" ]]; then
    as_root mkdir -p "$(dirname "${DAEMON_JSON}")"
    if [[ -f "${DAEMON_JSON}" ]] && ! as_root test -f "${DAEMON_JSON}.flotilla-orig"; then
      as_root cp "${DAEMON_JSON}" "${DAEMON_JSON}.flotilla-orig"
    fi
    as_root tee "${DAEMON_JSON}" <<<"${desired}" >/dev/null
    change "made ${WRAPPER_NAME} Docker's default runtime in ${DAEMON_JSON}"
    reload_dockerd
  fi
}

reload_dockerd() {
  local pid
  pid="$(cat /var/run/docker.pid 2>/dev/null || pgrep -xo dockerd || true)"
  [[ -n "${pid}" ]] || die "cannot find dockerd's pid to reload ${DAEMON_JSON}"
  as_root kill -HUP "${pid}"
  for _ in $(seq 1 20); do
    [[ "$(docker info --format '{{.DefaultRuntime}}' 2>/dev/null)" == "${WRAPPER_NAME}" ]] && break
    sleep 0.5
  done
  [[ "$(docker info --format '{{.DefaultRuntime}}' 2>/dev/null)" == "${WRAPPER_NAME}" ]] ||
    die "dockerd did not take ${WRAPPER_NAME} as its default runtime after SIGHUP"
  change "reloaded dockerd (pid ${pid})"
}

# One line, so that bash has read it whole before main runs: editing this file while it
# runs cannot make bash read on into the new text.
main "$@"; exit $?
