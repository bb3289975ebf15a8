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

# build-images.sh builds Flotilla's container images into the local Docker, with no registry:
# static binaries (CGO_ENABLED=0) compiled by `go build` outside Docker, then `docker build` of a
# generated context whose Dockerfile starts FROM scratch (no base image to pull):
#
#   flotilla/hub:$TAG     /flotilla-hub   (cmd/hub)    user 65532:65532
#   flotilla/agent:$TAG   /flotilla-agent (cmd/agent)  user 65532:65532
#   flotilla/kwok:$KWOK_VERSION  /usr/local/bin/kwok from hack/kube-binaries.sh's cache, with
#       the Stage configuration Flotilla's tests use at /etc/kwok/stages.yaml (pass it with
#       --config=/etc/kwok/stages.yaml; kwok refuses to start without stages), user 65532:65532
#   flotilla/lws:$LWS_VERSION    /manager: LeaderWorkerSet's controller manager from
#       hack/kube-binaries.sh's cache (built from the sigs.k8s.io/lws module go.mod pins), where
#       LeaderWorkerSet's own Helm chart (charts/lws of that module) runs it, user 65532:65532
#
# The binary is each image's ENTRYPOINT: the charts (charts/hub, charts/agent) give only args.
# Each image also has /etc/passwd and /etc/group naming the nonroot user and a /tmp.
# Unchanged sources give the same binaries (-trimpath, no VCS stamp) and so Docker's build cache
# gives the same image IDs: a warm run takes seconds.
#
#   hack/kind/build-images.sh            build all four, print their tags (one a line)
#   hack/kind/build-images.sh hub agent  build only these (hub, agent, kwok, lws)
#
# Environment: TAG (dev), IMAGE_REPO_PREFIX (flotilla/), KWOK_VERSION and LWS_VERSION (default from
# hack/versions/versions.env).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=hack/lib/versions.sh
source "${REPO_ROOT}/hack/lib/versions.sh"
TAG="${TAG:-dev}"
PREFIX="${IMAGE_REPO_PREFIX:-flotilla/}"
NONROOT=65532

log() { echo "images: $*" >&2; }
die() { echo "images: error: $*" >&2; exit 1; }

# context DIR: a context with the common files of every image.
context() {
  local dir=$1
  mkdir -p "${dir}/rootfs/etc" "${dir}/rootfs/tmp"
  chmod 1777 "${dir}/rootfs/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n' \
    "${NONROOT}" "${NONROOT}" >"${dir}/rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:%d:\n' "${NONROOT}" >"${dir}/rootfs/etc/group"
}

# docker_build DIR IMAGE ENTRYPOINT TITLE: builds DIR/rootfs into IMAGE.
docker_build() {
  local dir=$1 image=$2 entrypoint=$3 title=$4
  cat >"${dir}/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
USER ${NONROOT}:${NONROOT}
ENTRYPOINT ["${entrypoint}"]
LABEL org.opencontainers.image.title="${title}" org.opencontainers.image.source="https://github.com/flotilla-dev/flotilla"
EOF
  local previous
  previous="$(docker image inspect -f '{{.Id}}' "${image}" 2>/dev/null || true)"
  # The legacy builder prints a deprecation notice where buildx is not installed: drop it.
  docker build -q -t "${image}" "${dir}" 2> >(grep -v -e 'DEPRECATED: The legacy builder' -e 'Install the buildx' \
    -e 'BuildKit' -e 'docs.docker.com/go/buildx' -e '^[[:space:]]*$' >&2) >/dev/null ||
    die "docker build of ${image} failed"
  # The image this one replaces would be left dangling: remove it unless a container uses it.
  if [[ -n "${previous}" && "${previous}" != "$(docker image inspect -f '{{.Id}}' "${image}")" ]]; then
    docker rmi "${previous}" >/dev/null 2>&1 || true
  fi
}

# go_image NAME: flotilla-NAME from ./cmd/NAME.
go_image() {
  local name=$1 t=${SECONDS}
  local dir="${WORK}/${name}"
  context "${dir}"
  (cd "${REPO_ROOT}" && CGO_ENABLED=0 GOWORK=off go build -trimpath -buildvcs=false -ldflags='-s -w' \
    -o "${dir}/rootfs/flotilla-${name}" "./cmd/${name}")
  docker_build "${dir}" "${PREFIX}${name}:${TAG}" "/flotilla-${name}" "flotilla-${name}"
  log "${PREFIX}${name}:${TAG} in $((SECONDS - t))s"
  echo "${PREFIX}${name}:${TAG}"
}

kwok_image() {
  local dir="${WORK}/kwok" bin t=${SECONDS}
  bin="$(KWOK_VERSION="${KWOK_VERSION}" bash "${REPO_ROOT}/hack/kube-binaries.sh" | tail -1)"
  [[ -x "${bin}/kwok" && -s "${bin}/kwok-stages.yaml" ]] || die "no kwok in ${bin}"
  context "${dir}"
  mkdir -p "${dir}/rootfs/usr/local/bin" "${dir}/rootfs/etc/kwok"
  install -m 0755 "${bin}/kwok" "${dir}/rootfs/usr/local/bin/kwok"
  install -m 0644 "${bin}/kwok-stages.yaml" "${dir}/rootfs/etc/kwok/stages.yaml"
  docker_build "${dir}" "${PREFIX}kwok:${KWOK_VERSION}" /usr/local/bin/kwok kwok
  log "${PREFIX}kwok:${KWOK_VERSION} in $((SECONDS - t))s"
  echo "${PREFIX}kwok:${KWOK_VERSION}"
}

lws_image() {
  local dir="${WORK}/lws" bin t=${SECONDS}
  bin="$(LWS_VERSION="${LWS_VERSION}" bash "${REPO_ROOT}/hack/kube-binaries.sh" | tail -1)"
  [[ -x "${bin}/lws-controller-manager" ]] || die "no lws-controller-manager in ${bin}"
  context "${dir}"
  install -m 0755 "${bin}/lws-controller-manager" "${dir}/rootfs/manager"
  docker_build "${dir}" "${PREFIX}lws:${LWS_VERSION}" /manager lws-controller-manager
  log "${PREFIX}lws:${LWS_VERSION} in $((SECONDS - t))s"
  echo "${PREFIX}lws:${LWS_VERSION}"
}

main() {
  local targets=("$@")
  [[ ${#targets[@]} -gt 0 ]] || targets=(hub agent kwok lws)
  command -v docker >/dev/null || die "no docker client: run hack/kind/host-prep.sh"
  docker info >/dev/null 2>&1 || die "Docker does not answer (docker info fails): run hack/kind/host-prep.sh"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-images.XXXXXX")"
  trap 'rm -rf "${WORK}"' EXIT
  local t
  for t in "${targets[@]}"; do
    case "${t}" in
      hub | agent) go_image "${t}" ;;
      kwok) kwok_image ;;
      lws) lws_image ;;
      *) die "unknown image ${t} (want hub, agent, kwok or lws)" ;;
    esac
  done
}

# One line, so that bash has read it whole before main runs: editing this file while it
# runs cannot make bash read on into the new text.
main "$@"; exit $?
