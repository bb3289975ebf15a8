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

# build-node-image.sh provides the kind node image for Kubernetes $KUBE_VERSION and prints its tag
# as the last line of stdout. Where a registry serves kind's published image
# kindest/node:$KUBE_VERSION (it is present, or `docker pull` gets it), that is the image. Otherwise
# it builds one without any container registry: only Debian's packages (debootstrap) and the Go
# module proxy.
#
#   hack/kind/build-node-image.sh              pull or build what is missing, print the tag
#   hack/kind/build-node-image.sh --print-tag  print the tag only (no pull, no build): the
#                                              published image if present, else the offline one
#
# The tag is flotilla/kind-node:$KUBE_VERSION-<stamp>, where the stamp hashes every version
# below and the recipe (this script's functions), so a changed recipe gives a new tag and an
# unchanged one is found by `docker image inspect` in well under a second.
#
# What it does, as kind's own images/base Dockerfile and pkg/build/nodeimage do (kind's files come
# from the sigs.k8s.io/kind module pinned in hack/tools/go.mod):
#   1. binaries: hack/kube-binaries.sh (kube-apiserver, kube-controller-manager, kube-scheduler,
#      kubectl, etcd) and hack/kind/node-binaries.sh (kubeadm, kubelet, kube-proxy, CoreDNS,
#      crictl, pause), both cached under ${XDG_CACHE_HOME:-~/.cache}/flotilla/bin;
#   2. the base image flotilla/kind-base:<stamp>: `debootstrap --variant=minbase` Debian with
#      systemd, containerd, runc, the CNI plugins, iptables, ..., plus kind's images/base/files,
#      with kind's Dockerfile steps replayed in a chroot, then `docker import`ed (debs cached in
#      ${XDG_CACHE_HOME:-~/.cache}/flotilla/kind/debs);
#   3. the component images kubeadm asks for (`kubeadm config images list`) plus kind's sandbox
#      image, written as docker-archive tarballs from tiny trees (static binary, passwd/group,
#      /tmp) without touching the host's Docker images; kube-proxy's also has iptables (legacy and
#      nft, with every xtables extension and its libraries), conntrack, a shell and a wrapper
#      that picks the node's iptables backend;
#   4. the node image: a container of the base image gets kubeadm, kubelet and kubectl in
#      /usr/bin, /kind/version, /kind/manifests, a static ptp + host-local CNI (10.244.0.0/24:
#      single-node clusters, `disableDefaultCNI: true`), and the images imported (pinned) into
#      containerd's k8s.io namespace; then `docker commit`.
#
# Clusters from this image need the config of hack/kind/kindconfig (iptables kube-proxy,
# disableDefaultCNI, failCgroupV1: false). Its containerd has restrict_oom_score_adj = true
# (pod sandboxes fail without it where Docker lacks CAP_SYS_RESOURCE).
#
# Environment:
#   KIND_NODE_IMAGE   use this image instead: it is pulled if absent, printed, and nothing is built
#   FLOTILLA_KIND_OFFLINE=1  never use kind's published image, always the offline build
#   KUBE_VERSION, ETCD_VERSION, COREDNS_VERSION, CRICTL_VERSION, DEBIAN_SUITE: default from
#                     hack/versions/versions.env
#   DEBIAN_MIRROR     default: the first Debian URI of this host's apt sources, else deb.debian.org
#   FLOTILLA_CACHE_DIR default ${XDG_CACHE_HOME:-$HOME/.cache}/flotilla
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# KUBE_VERSION, ETCD_VERSION, COREDNS_VERSION, CRICTL_VERSION, DEBIAN_SUITE, ...
# shellcheck source=hack/lib/versions.sh
source "${REPO_ROOT}/hack/lib/versions.sh"
CACHE_DIR="${FLOTILLA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla}"
KIND_CACHE="${CACHE_DIR}/kind"
NODE_REPO="flotilla/kind-node"
# kind's published node images; their tags are Kubernetes versions.
PUBLISHED_REPO="kindest/node"
BASE_REPO="flotilla/kind-base"
export KUBE_VERSION ETCD_VERSION COREDNS_VERSION CRICTL_VERSION

# Debian packages of the base image: kind's list (images/base/Dockerfile) with Debian's
# containerd, runc and CNI plugins in place of kind's own builds, and without the storage
# clients (nfs-common, open-iscsi) and fuse-overlayfs that Flotilla's clusters do not use.
BASE_PACKAGES=(
  systemd dbus
  conntrack iptables nftables iproute2 ethtool util-linux mount kmod
  libseccomp2 pigz
  bash ca-certificates curl jq procps socat
  containerd runc containernetworking-plugins
)

log() { echo "kind-image: $*" >&2; }
die() { echo "kind-image: error: $*" >&2; exit 1; }

# kind_version prints the version of sigs.k8s.io/kind that hack/tools/go.mod pins.
kind_version() {
  awk '$1 == "sigs.k8s.io/kind" && $2 ~ /^v/ { print $2; exit }' "${REPO_ROOT}/hack/tools/go.mod"
}

# stamp_of TEXT...: a short hash of its arguments.
stamp_of() { printf '%s\n' "$@" | sha256sum | cut -c1-12; }

# ------------------------------------------------------------------------------ base image

# build_base ROOTFS KIND_DIR: debootstraps ROOTFS and applies kind's base image steps.
build_base() {
  local rootfs=$1 kind_files=$2/images/base/files mirror
  mirror="${DEBIAN_MIRROR:-$(debian_mirror)}"
  command -v debootstrap >/dev/null || die "debootstrap is missing: run hack/kind/host-prep.sh"
  mkdir -p "${KIND_CACHE}/debs"
  log "debootstrap ${DEBIAN_SUITE} from ${mirror} (debs cached in ${KIND_CACHE}/debs)"
  debootstrap --variant=minbase --cache-dir="${KIND_CACHE}/debs" \
    --include="$(IFS=,; echo "${BASE_PACKAGES[*]}")" "${DEBIAN_SUITE}" "${rootfs}" "${mirror}" \
    >"${WORK}/debootstrap.log" 2>&1 || {
    tail -30 "${WORK}/debootstrap.log" >&2
    tail -30 "${rootfs}/debootstrap/debootstrap.log" >&2 2>/dev/null || true
    die "debootstrap failed"
  }

  log "applying kind's base image files and steps"
  install -m 0755 "${kind_files}"/usr/local/bin/* "${rootfs}/usr/local/bin/"
  mkdir -p "${rootfs}/kind/bin" "${rootfs}/LICENSES"
  cp -r "${kind_files}/kind/." "${rootfs}/kind/"
  find "${rootfs}/kind" -type f -exec chmod 0644 {} +
  chmod 0755 "${rootfs}/kind/bin" "${rootfs}"/kind/bin/*
  install -m 0644 "${kind_files}"/LICENSES/* "${rootfs}/LICENSES/"
  install -m 0644 "${kind_files}/etc/crictl.yaml" "${rootfs}/etc/"
  mkdir -p "${rootfs}/etc/containerd" "${rootfs}/etc/default" "${rootfs}/etc/sysctl.d" \
    "${rootfs}/etc/systemd/system/kubelet.service.d"
  install -m 0644 "${kind_files}"/etc/containerd/* "${rootfs}/etc/containerd/"
  install -m 0644 "${kind_files}"/etc/default/* "${rootfs}/etc/default/"
  install -m 0644 "${kind_files}"/etc/sysctl.d/* "${rootfs}/etc/sysctl.d/"
  find "${kind_files}/etc/systemd/system" -maxdepth 1 -type f -exec install -m 0644 {} "${rootfs}/etc/systemd/system/" \;
  install -m 0644 "${kind_files}"/etc/systemd/system/kubelet.service.d/* "${rootfs}/etc/systemd/system/kubelet.service.d/"
  # Without CAP_SYS_RESOURCE (see host-prep.sh) runc cannot lower oom_score_adj below
  # containerd's: pod sandboxes then fail with "can't get final child's PID from pipe: EOF".
  sed -i 's/^\([[:space:]]*restrict_oom_score_adj[[:space:]]*=[[:space:]]*\)false/\1true/' \
    "${rootfs}/etc/containerd/config.toml"
  grep -q 'restrict_oom_score_adj = true' "${rootfs}/etc/containerd/config.toml" ||
    die "kind's containerd config has no restrict_oom_score_adj to set"

  # Debian installs containerd in /usr/bin; kind's unit starts /usr/local/bin/containerd.
  ln -sf /usr/bin/containerd "${rootfs}/usr/local/bin/containerd"
  # kind's CNI plugins live in /opt/cni/bin; Debian's in /usr/lib/cni.
  mkdir -p "${rootfs}/opt/cni/bin"
  local p
  for p in host-local loopback ptp portmap; do
    [[ -x "${rootfs}/usr/lib/cni/${p}" ]] || die "Debian's CNI plugins lack ${p}"
    cp -a "${rootfs}/usr/lib/cni/${p}" "${rootfs}/opt/cni/bin/${p}"
  done

  # kind's RUN steps.
  chroot "${rootfs}" /bin/bash -euc '
    find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete
    rm -f /lib/systemd/system/multi-user.target.wants/*
    rm -f /etc/systemd/system/*.wants/*
    rm -f /lib/systemd/system/local-fs.target.wants/*
    rm -f /lib/systemd/system/sockets.target.wants/*udev*
    rm -f /lib/systemd/system/sockets.target.wants/*initctl*
    rm -f /lib/systemd/system/basic.target.wants/*
    echo "ReadKMsg=no" >> /etc/systemd/journald.conf
    ln -sf /lib/systemd/systemd /sbin/init
    systemctl enable kubelet.service containerd.service undo-mount-hacks.service 2>/dev/null
    systemctl mask systemd-binfmt.service 2>/dev/null
    mkdir -p /etc/kubernetes/manifests
    ctr oci spec \
      | jq ".hooks.createContainer[.hooks.createContainer| length] |= . + {\"path\": \"/kind/bin/mount-product-files.sh\"}" \
      | jq "del(.process.rlimits)" > /etc/containerd/cri-base.json
    containerd --version >/dev/null
    runc --version >/dev/null
  ' >&2

  # clean-install's cleanup, and what debootstrap leaves from the build host.
  rm -rf "${rootfs:?}"/var/cache/apt/archives/*.deb "${rootfs:?}"/var/lib/apt/lists/* \
    "${rootfs:?}"/var/cache/debconf/*-old "${rootfs:?}"/var/log/* "${rootfs:?}"/tmp/* "${rootfs:?}"/var/tmp/* \
    "${rootfs:?}"/usr/share/doc/* "${rootfs:?}"/usr/share/man/* "${rootfs:?}"/usr/share/local/* \
    "${rootfs:?}"/debootstrap "${rootfs:?}"/dev/*
  : >"${rootfs}/etc/resolv.conf"
  : >"${rootfs}/etc/hostname"
}

# debian_mirror prints the first Debian archive URI of this host's apt sources.
debian_mirror() {
  local uri
  uri="$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)"
  [[ -n "${uri}" ]] || uri="$(sed -n 's/^deb[[:space:]]\+\(http[^[:space:]]*\/debian\)[[:space:]].*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)"
  echo "${uri:-http://deb.debian.org/debian}"
}

ensure_base() {
  local tag=$1 kind_dir=$2
  if docker image inspect "${tag}" >/dev/null 2>&1; then
    log "reusing ${tag}"
    return 0
  fi
  [[ ${EUID} -eq 0 ]] || die "building the base image needs root (debootstrap, chroot)"
  local t=${SECONDS} rootfs="${WORK}/rootfs"
  build_base "${rootfs}" "${kind_dir}"
  log "importing ${tag}"
  tar -C "${rootfs}" --numeric-owner -c . |
    docker import -c 'ENV container=docker' -c 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' - "${tag}" >/dev/null
  rm -rf "${rootfs}"
  log "  base image built in $((SECONDS - t))s"
}

# ------------------------------------------------------------------------------ component images

# image_archive OUT TREE ENTRYPOINT_JSON TAG...: writes a docker-archive tarball (docker save's
# format, which `ctr images import` and `docker load` read) of one image whose only layer is TREE.
image_archive() {
  local out=$1 tree=$2 entrypoint=$3
  shift 3
  local d diff cfg arch
  arch="$(go env GOARCH)"
  d="$(mktemp -d "${WORK}/archive.XXXXXX")"
  chmod 0755 "${tree}"
  tar -C "${tree}" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "${d}/layer.tar" .
  diff="$(sha256sum "${d}/layer.tar" | cut -d' ' -f1)"
  mkdir "${d}/${diff}"
  mv "${d}/layer.tar" "${d}/${diff}/layer.tar"
  jq -n --arg diff "sha256:${diff}" --argjson ep "${entrypoint}" --arg arch "${arch}" '{
      architecture: $arch, os: "linux", created: "1970-01-01T00:00:00Z",
      config: {Entrypoint: $ep, Env: ["PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"], WorkingDir: "/"},
      rootfs: {type: "layers", diff_ids: [$diff]},
      history: [{created: "1970-01-01T00:00:00Z", created_by: "hack/kind/build-node-image.sh"}]
    }' >"${d}/config.json"
  cfg="$(sha256sum "${d}/config.json" | cut -d' ' -f1)"
  mv "${d}/config.json" "${d}/${cfg}.json"
  jq -n --arg cfg "${cfg}.json" --arg layer "${diff}/layer.tar" \
    '[{Config: $cfg, RepoTags: $ARGS.positional, Layers: [$layer]}]' --args "$@" >"${d}/manifest.json"
  tar -C "${d}" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "${out}" manifest.json "${cfg}.json" "${diff}"
  rm -rf "${d}"
}

# minimal_tree DIR: the files every component image has besides its binary.
minimal_tree() {
  local dir=$1
  mkdir -p "${dir}/etc" "${dir}/tmp" "${dir}/usr/local/bin" "${dir}/var/run"
  chmod 1777 "${dir}/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"${dir}/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"${dir}/etc/group"
  printf 'hosts: files dns\n' >"${dir}/etc/nsswitch.conf"
}

# IPTABLES_WRAPPER picks the iptables backend the node uses, the way kind's entrypoint and
# kubernetes-sigs/iptables-wrappers do (the backend with more rules wins, legacy on a tie),
# points the iptables commands at it, and runs the command it was called as.
IPTABLES_WRAPPER='#!/bin/sh
set -e
legacy=$( (xtables-legacy-multi iptables-save || true; xtables-legacy-multi ip6tables-save || true) 2>/dev/null | grep -c "^-" || true)
nft=$( (xtables-nft-multi iptables-save || true; xtables-nft-multi ip6tables-save || true) 2>/dev/null | grep -c "^-" || true)
if [ "${legacy}" -ge "${nft}" ]; then mode=legacy; else mode=nft; fi
for cmd in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  ln -sf "xtables-${mode}-multi" "/usr/sbin/${cmd}"
done
exec "/usr/sbin/${0##*/}" "$@"
'

# COLLECT_IPTABLES runs in a container of the base image and copies iptables (both backends,
# every extension), conntrack, sh, grep and ln with their shared libraries into /out.
COLLECT_IPTABLES='set -euo pipefail
out=/out
mkdir -p $out/usr/bin $out/usr/sbin $out/usr/lib $out/usr/lib64 $out/etc
ln -s usr/bin $out/bin; ln -s usr/sbin $out/sbin; ln -s usr/lib $out/lib; ln -s usr/lib64 $out/lib64
copy() { local f=$1 d; d="$(realpath "$(dirname "$f")")/$(basename "$f")"; mkdir -p "$out$(dirname "$d")"; cp -L "$f" "$out$d"; }
elves=(/usr/sbin/xtables-legacy-multi /usr/sbin/xtables-nft-multi /usr/sbin/conntrack /usr/bin/dash /usr/bin/grep /usr/bin/ln)
ext_dir=$(dirname "$(ls -d /usr/lib/*/xtables/libxt_statistic.so)")
elves+=("$ext_dir"/*.so)
for f in "${elves[@]}"; do copy "$f"; done
for f in "${elves[@]}"; do ldd "$f" 2>/dev/null || true; done | grep -o "/[^ ]*" | sort -u | while read -r lib; do copy "$lib"; done
ln -s dash $out/usr/bin/sh
for l in /usr/sbin/iptables-legacy* /usr/sbin/ip6tables-legacy* /usr/sbin/iptables-nft* /usr/sbin/ip6tables-nft*; do
  cp -a "$l" "$out/usr/sbin/"
done
cp /etc/protocols /etc/services /etc/ethertypes $out/etc/ 2>/dev/null || true
'

# build_component_images OUTDIR KUBE_BIN NODE_BIN BASE_TAG: one docker-archive per image kubeadm
# lists for $KUBE_VERSION plus kind's sandbox image, tagged as they ask.
build_component_images() {
  local outdir=$1 kube_bin=$2 node_bin=$3 base_tag=$4 kind_dir=$5
  local images sandbox
  mapfile -t images < <("${node_bin}/kubeadm" config images list --kubernetes-version "${KUBE_VERSION}" 2>/dev/null)
  [[ ${#images[@]} -gt 0 ]] || die "kubeadm config images list printed nothing"
  sandbox="$(sed -n 's/^[[:space:]]*sandbox_image[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' "${kind_dir}/images/base/files/etc/containerd/config.toml")"
  [[ -n "${sandbox}" ]] || die "no sandbox_image in kind's containerd config"
  local pause_tags=("${sandbox}") img name tree
  for img in "${images[@]}"; do
    name="${img%:*}"
    name="${name##*/}"
    tree="${WORK}/tree-${name}"
    rm -rf "${tree}"
    minimal_tree "${tree}"
    case "${name}" in
      kube-apiserver | kube-controller-manager | kube-scheduler)
        install -m 0755 "${kube_bin}/${name}" "${tree}/usr/local/bin/${name}"
        image_archive "${outdir}/${name}.tar" "${tree}" "[\"/usr/local/bin/${name}\"]" "${img}"
        ;;
      etcd)
        # kubeadm's DefaultEtcdVersion tag; the binary is $ETCD_VERSION (same minor).
        install -m 0755 "${kube_bin}/etcd" "${tree}/usr/local/bin/etcd"
        mkdir -p "${tree}/var/lib/etcd" "${tree}/var/etcd"
        image_archive "${outdir}/etcd.tar" "${tree}" '["/usr/local/bin/etcd"]' "${img}"
        ;;
      coredns)
        [[ "${img##*:}" == "${COREDNS_VERSION}" ]] ||
          log "  note: kubeadm asks for ${img}; the binary is CoreDNS ${COREDNS_VERSION}"
        install -m 0755 "${node_bin}/coredns" "${tree}/coredns"
        image_archive "${outdir}/coredns.tar" "${tree}" '["/coredns"]' "${img}"
        ;;
      pause)
        [[ " ${pause_tags[*]} " == *" ${img} "* ]] || pause_tags+=("${img}")
        continue
        ;;
      kube-proxy)
        collect_iptables "${tree}" "${base_tag}"
        install -m 0755 "${node_bin}/kube-proxy" "${tree}/usr/local/bin/kube-proxy"
        printf '%s' "${IPTABLES_WRAPPER}" >"${tree}/usr/sbin/iptables-wrapper"
        chmod 0755 "${tree}/usr/sbin/iptables-wrapper"
        local c
        for c in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
          ln -sf iptables-wrapper "${tree}/usr/sbin/${c}"
        done
        image_archive "${outdir}/kube-proxy.tar" "${tree}" '["/usr/local/bin/kube-proxy"]' "${img}"
        ;;
      *)
        die "kubeadm asks for ${img}, which this script does not know how to build"
        ;;
    esac
    rm -rf "${tree}"
    log "  ${img}"
  done
  tree="${WORK}/tree-pause"
  rm -rf "${tree}"
  minimal_tree "${tree}"
  install -m 0755 "${node_bin}/pause" "${tree}/pause"
  image_archive "${outdir}/pause.tar" "${tree}" '["/pause"]' "${pause_tags[@]}"
  rm -rf "${tree}"
  log "  ${pause_tags[*]}"
}

# collect_iptables TREE BASE_TAG: kube-proxy's iptables from the base image, cached per base image.
collect_iptables() {
  local tree=$1 base_tag=$2 cached
  cached="${KIND_CACHE}/iptables-${base_tag##*:}-$(stamp_of "${COLLECT_IPTABLES}").tar"
  if [[ ! -s "${cached}" ]]; then
    local out="${WORK}/iptables-out" cid
    rm -rf "${out}"
    mkdir -p "${out}"
    cid="$(docker create --network=none --entrypoint /bin/bash "${base_tag}" -c "${COLLECT_IPTABLES}")"
    CONTAINERS+=("${cid}")
    docker start -a "${cid}" >&2 || die "collecting iptables from ${base_tag} failed"
    docker cp "${cid}:/out/." "${out}/"
    docker rm -f "${cid}" >/dev/null
    tar -C "${out}" --numeric-owner -cf "${cached}.tmp" .
    mv -f "${cached}.tmp" "${cached}"
    rm -rf "${out}"
  fi
  tar -C "${tree}" -xf "${cached}"
}

# ------------------------------------------------------------------------------ node image

# The CNI of the offline image: one node, pods in 10.244.0.0/24 on point-to-point links.
CNI_CONFLIST='{
  "cniVersion": "0.4.0",
  "name": "flotilla-ptp",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": true,
      "mtu": 1500,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "10.244.0.0/24"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
'

# kind applies this only without disableDefaultCNI; the CNI above is already in place.
DEFAULT_CNI_MANIFEST='# Flotilla offline kind node image: the CNI is a static ptp + host-local conflist baked into
# /etc/cni/net.d (kindnetd needs a registry); clusters should set networking.disableDefaultCNI.
apiVersion: v1
kind: ConfigMap
metadata:
  name: flotilla-static-cni
  namespace: kube-system
data:
  cni: /etc/cni/net.d/10-flotilla-ptp.conflist
'

# kind's fallback StorageClass (local-path-provisioner's images need a registry).
DEFAULT_STORAGE_MANIFEST='apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  namespace: kube-system
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/host-path
'

IMPORT_IMAGES='set -euo pipefail
nohup containerd >/tmp/containerd.log 2>&1 &
for i in $(seq 1 100); do
  [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && break
  sleep 0.2
done
ctr version >/dev/null || { cat /tmp/containerd.log; exit 1; }
for f in /kind/images/*.tar; do
  ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack "$f" >/dev/null
done
ctr --namespace=k8s.io images list -q | grep -v "^sha256:"
pkill containerd
for i in $(seq 1 100); do pgrep -x containerd >/dev/null || break; sleep 0.1; done
rm -rf /kind/images /tmp/* /run/containerd
'

build_node() {
  local tag=$1 base_tag=$2 kube_bin=$3 node_bin=$4 kind_dir=$5
  local layer="${WORK}/node-layer" cid
  rm -rf "${layer}"
  mkdir -p "${layer}/usr/bin" "${layer}/kind/manifests" "${layer}/kind/images" "${layer}/etc/cni/net.d"
  log "building component images"
  build_component_images "${layer}/kind/images" "${kube_bin}" "${node_bin}" "${base_tag}" "${kind_dir}"
  install -m 0755 "${node_bin}/kubeadm" "${node_bin}/kubelet" "${kube_bin}/kubectl" "${layer}/usr/bin/"
  install -m 0755 "${node_bin}/crictl" -D "${layer}/usr/local/bin/crictl"
  printf '%s' "${KUBE_VERSION}" >"${layer}/kind/version"
  printf '%s' "${DEFAULT_CNI_MANIFEST}" >"${layer}/kind/manifests/default-cni.yaml"
  printf '%s' "${DEFAULT_STORAGE_MANIFEST}" >"${layer}/kind/manifests/default-storage.yaml"
  printf '%s' "${CNI_CONFLIST}" >"${layer}/etc/cni/net.d/10-flotilla-ptp.conflist"
  find "${layer}" -type d -exec chmod 0755 {} +
  find "${layer}/kind" "${layer}/etc" -type f -exec chmod 0644 {} +

  log "assembling ${tag}"
  cid="$(docker run -d --network=none --security-opt seccomp=unconfined --entrypoint=sleep \
    --name "flotilla-kind-build-$$" "${base_tag}" infinity)"
  CONTAINERS+=("${cid}")
  # Only the files: directory entries would overwrite the modes of /usr, /etc, ...
  (cd "${layer}" && find . -not -type d -print0 | tar --null --owner=0 --group=0 --numeric-owner -T - -cf -) |
    docker cp - "${cid}:/"
  docker exec "${cid}" bash -c "${IMPORT_IMAGES}" | sed 's/^/kind-image:   imported /' >&2
  docker exec "${cid}" kubeadm version -o short >/dev/null
  # Docker 20.10's commit (like its import) takes no STOPSIGNAL: a one-line build sets it.
  docker commit \
    --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
    --change 'ENV container=docker' \
    "${cid}" "${tag}-unsigned" >/dev/null
  docker rm -f "${cid}" >/dev/null
  printf 'FROM %s\nSTOPSIGNAL SIGRTMIN+3\n' "${tag}-unsigned" |
    docker build -q -t "${tag}" - 2>/dev/null >/dev/null || die "setting STOPSIGNAL on ${tag} failed"
  docker rmi "${tag}-unsigned" >/dev/null
  rm -rf "${layer}"
}

# prune NODE_TAG BASE_TAG: removes the other node and base images this script built (older
# recipes or versions; each is about 1 GB) and stale iptables trees. An image still used by a
# container stays.
prune() {
  local keep_node=$1 keep_base=$2 img
  while read -r img; do
    [[ "${img}" == "${keep_node}" || "${img}" == "${keep_base}" ]] && continue
    if docker rmi "${img}" >/dev/null 2>&1; then
      log "removed the stale image ${img}"
    fi
  done < <(docker images --format '{{.Repository}}:{{.Tag}}' "${NODE_REPO}"; docker images --format '{{.Repository}}:{{.Tag}}' "${BASE_REPO}")
  find "${KIND_CACHE}" -maxdepth 1 -name 'iptables-*.tar' ! -name "iptables-${keep_base##*:}-*" -delete 2>/dev/null || true
}

# ------------------------------------------------------------------------------ main

main() {
  local print_only=false
  case "${1:-}" in
    --print-tag) print_only=true ;;
    "") ;;
    *) echo "usage: $0 [--print-tag]" >&2; exit 2 ;;
  esac

  if [[ -n "${KIND_NODE_IMAGE:-}" ]]; then
    if ! ${print_only} && ! docker image inspect "${KIND_NODE_IMAGE}" >/dev/null 2>&1; then
      log "pulling ${KIND_NODE_IMAGE}"
      docker pull "${KIND_NODE_IMAGE}" >&2 || die "cannot pull ${KIND_NODE_IMAGE}; unset KIND_NODE_IMAGE to build the offline image"
    fi
    echo "${KIND_NODE_IMAGE}"
    exit 0
  fi

  local kind_version
  kind_version="$(kind_version)"
  [[ -n "${kind_version}" ]] || die "sigs.k8s.io/kind is not in hack/tools/go.mod"
  # The recipe: versions, packages and every function and text this script builds with.
  local base_stamp node_stamp
  base_stamp="$(stamp_of "${DEBIAN_SUITE}" "${BASE_PACKAGES[*]}" "kind=${kind_version}" "$(declare -f build_base)")"
  node_stamp="$(stamp_of "${base_stamp}" "kube=${KUBE_VERSION}" "etcd=${ETCD_VERSION}" "coredns=${COREDNS_VERSION}" \
    "crictl=${CRICTL_VERSION}" "$(declare -f image_archive minimal_tree build_component_images collect_iptables build_node)" \
    "${IPTABLES_WRAPPER}" "${COLLECT_IPTABLES}" "${CNI_CONFLIST}" "${DEFAULT_CNI_MANIFEST}" "${DEFAULT_STORAGE_MANIFEST}" \
    "${IMPORT_IMAGES}")"
  local base_tag="${BASE_REPO}:${DEBIAN_SUITE}-kind-${kind_version}-${base_stamp}"
  local tag="${NODE_REPO}:${KUBE_VERSION}-${node_stamp}"
  local published="${PUBLISHED_REPO}:${KUBE_VERSION}" use_published=true
  [[ "${FLOTILLA_KIND_OFFLINE:-0}" == 1 ]] && use_published=false
  if ${print_only}; then
    if ${use_published} && docker image inspect "${published}" >/dev/null 2>&1; then
      echo "${published}"
    else
      echo "${tag}"
    fi
    exit 0
  fi

  command -v docker >/dev/null || die "no docker client: run hack/kind/host-prep.sh"
  docker info >/dev/null 2>&1 || die "Docker does not answer (docker info fails): run hack/kind/host-prep.sh"
  if ${use_published}; then
    if docker image inspect "${published}" >/dev/null 2>&1; then
      log "using kind's published ${published}"
      echo "${published}"
      exit 0
    fi
    local pull_err
    if pull_err="$(timeout 600 docker pull "${published}" 2>&1 >/dev/null)"; then
      log "pulled kind's published ${published}"
      echo "${published}"
      exit 0
    fi
    log "kind's published ${published} cannot be pulled here (${pull_err##*$'\n'}): using the offline build"
  fi
  if docker image inspect "${tag}" >/dev/null 2>&1; then
    log "reusing ${tag}"
    echo "${tag}"
    exit 0
  fi

  mkdir -p "${KIND_CACHE}"
  exec 9>"${KIND_CACHE}/.lock"
  if ! flock -n 9; then
    log "another build holds ${KIND_CACHE}/.lock; waiting for it"
    flock 9
  fi
  if docker image inspect "${tag}" >/dev/null 2>&1; then
    echo "${tag}"
    exit 0
  fi

  local start=${SECONDS} t
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-kind-image.XXXXXX")"
  CONTAINERS=()
  cleanup() {
    local c
    for c in "${CONTAINERS[@]}"; do docker rm -f "${c}" >/dev/null 2>&1 || true; done
    rm -rf "${WORK}"
  }
  trap cleanup EXIT

  local kube_bin node_bin kind_dir
  kind_dir="$(cd "${REPO_ROOT}/hack/tools" && GOWORK=off go mod download -json "sigs.k8s.io/kind@${kind_version}" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -d "${kind_dir}/images/base/files" ]] || die "cannot find kind's images/base/files in sigs.k8s.io/kind@${kind_version}"

  ensure_base "${base_tag}" "${kind_dir}"
  t=${SECONDS}
  kube_bin="$(bash "${REPO_ROOT}/hack/kube-binaries.sh" | tail -1)"
  node_bin="$(bash "${REPO_ROOT}/hack/kind/node-binaries.sh" | tail -1)"
  log "binaries ready in $((SECONDS - t))s: ${kube_bin}, ${node_bin}"
  t=${SECONDS}
  build_node "${tag}" "${base_tag}" "${kube_bin}" "${node_bin}" "${kind_dir}"
  log "  node image built in $((SECONDS - t))s"
  log "done in $((SECONDS - start))s: ${tag} ($(docker image inspect -f '{{.Size}}' "${tag}" | awk '{printf "%.0f MB", $1/1e6}'))"
  prune "${tag}" "${base_tag}"
  echo "${tag}"
}

# One line, so that bash has read it whole before main runs: editing this file while it
# runs cannot make bash read on into the new text.
main "$@"; exit $?
