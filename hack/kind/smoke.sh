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

# smoke.sh proves the kind node image and Flotilla's images: it creates one kind cluster from
# `make kind-image`'s image with hack/kind/kindconfig's configuration, waits until the node and
# every kube-system pod are Ready (CoreDNS Ready means pod networking works), runs a pod, loads
# flotilla/agent:$TAG with `kind load docker-image` and runs it as the chart does (non-root,
# --help), then deletes the cluster, also on failure (KEEP=1 keeps it).
#
# Kubeconfig and config go under $FLOTILLA_KIND_STATE/smoke (the kind topology's state directory,
# default ~/.cache/flotilla/kind-state), never ~/.kube/config. Prints the timings.
#
# Environment: CLUSTER (flotilla-smoke), TAG (dev), KEEP (0). The node image is the one
# hack/kind/build-node-image.sh --print-tag names (KIND_NODE_IMAGE, FLOTILLA_KIND_OFFLINE); with
# any other image than Flotilla's offline one, kind's own CNI is used.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER="${CLUSTER:-flotilla-smoke}"
TAG="${TAG:-dev}"
STATE_DIR="${FLOTILLA_KIND_STATE:-${HOME}/.cache/flotilla/kind-state}/smoke"
KUBECONFIG_FILE="${STATE_DIR}/${CLUSTER}.kubeconfig"

log() { echo "kind-smoke: $*" >&2; }
die() { echo "kind-smoke: error: $*" >&2; exit 1; }

main() {
  cd "${REPO_ROOT}"
  local image
  image="$(bash hack/kind/build-node-image.sh --print-tag)"
  docker image inspect "${image}" >/dev/null 2>&1 || die "no image ${image}: run make kind-image"
  docker image inspect "flotilla/agent:${TAG}" >/dev/null 2>&1 || die "no image flotilla/agent:${TAG}: run make images"
  local kube_bin
  kube_bin="$(bash hack/kube-binaries.sh | tail -1)"
  kind() { go tool -modfile=hack/tools/go.mod kind "$@"; }
  kubectl() { "${kube_bin}/kubectl" --kubeconfig "${KUBECONFIG_FILE}" "$@"; }
  go tool -modfile=hack/tools/go.mod kind version >/dev/null # build it before timing

  mkdir -p "${STATE_DIR}"
  go run ./hack/kind/cluster-config -name "${CLUSTER}" -image "${image}" \
    -o "${STATE_DIR}/${CLUSTER}.yaml"
  if [[ "${KEEP:-0}" != 1 ]]; then
    trap 'log "deleting cluster ${CLUSTER}"; kind delete cluster --name "${CLUSTER}" --kubeconfig "${KUBECONFIG_FILE}" >&2 || true' EXIT
  fi

  local t0=${SECONDS} t
  log "creating cluster ${CLUSTER} from ${image}"
  kind create cluster --name "${CLUSTER}" --config "${STATE_DIR}/${CLUSTER}.yaml" \
    --kubeconfig "${KUBECONFIG_FILE}" --retain >&2 || {
    kind export logs "${STATE_DIR}/${CLUSTER}-logs" --name "${CLUSTER}" >&2 || true
    die "kind create cluster failed; logs in ${STATE_DIR}/${CLUSTER}-logs"
  }
  log "  created in $((SECONDS - t0))s"
  t=${SECONDS}
  kubectl wait --for=condition=Ready node --all --timeout=120s >&2
  log "  node Ready after $((SECONDS - t0))s"
  if ! kubectl -n kube-system rollout status daemonset/kube-proxy --timeout=180s >&2 ||
    ! kubectl -n kube-system rollout status deployment/coredns --timeout=180s >&2 ||
    ! kubectl -n kube-system wait --for=condition=Ready pod --all --timeout=180s >&2; then
    kubectl get pods -A -o wide >&2
    die "kube-system pods not Ready"
  fi
  log "  all kube-system pods Ready after $((SECONDS - t0))s"
  kubectl get pods -A -o wide >&2

  # Services through kube-proxy's iptables rules, from the node: the API server's ClusterIP, and
  # CoreDNS's metrics port through the kube-dns ClusterIP (a pod behind the static CNI).
  local node="${CLUSTER}-control-plane" dns_ip
  dns_ip="$(kubectl -n kube-system get service kube-dns -o jsonpath='{.spec.clusterIP}')"
  # kube-proxy programs a Service's rules shortly after its endpoints are ready: retry for 60 s.
  local tries=0
  until docker exec "${node}" curl -sfk --max-time 5 https://10.96.0.1/livez >/dev/null; do
    tries=$((tries + 1))
    [[ ${tries} -lt 30 ]] || die "the kubernetes Service (10.96.0.1) does not answer from the node"
    sleep 2
  done
  tries=0
  until docker exec "${node}" curl -sf --max-time 5 "http://${dns_ip}:9153/metrics" | grep -q '^coredns_build_info'; do
    tries=$((tries + 1))
    [[ ${tries} -lt 30 ]] || die "CoreDNS does not answer through the kube-dns Service (${dns_ip})"
    sleep 2
  done
  log "  ClusterIP Services work (kubernetes, kube-dns ${dns_ip})"

  # A pod from an image in the node image.
  kubectl run smoke-pause --image=registry.k8s.io/pause:3.10 --image-pull-policy=Never --restart=Never >&2
  kubectl wait --for=condition=Ready pod/smoke-pause --timeout=60s >&2
  log "  pod smoke-pause Running ($(kubectl get pod smoke-pause -o jsonpath='{.status.podIP}'))"

  # Flotilla's agent image, loaded as the topology will load it, run as the chart runs it.
  t=${SECONDS}
  kind load docker-image "flotilla/agent:${TAG}" --name "${CLUSTER}" >&2
  log "  kind load docker-image flotilla/agent:${TAG} in $((SECONDS - t))s"
  kubectl apply -f - >&2 <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: smoke-agent
spec:
  restartPolicy: Never
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: agent
    image: flotilla/agent:${TAG}
    imagePullPolicy: Never
    args: ["--help"]
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
EOF
  kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/smoke-agent --timeout=60s >&2 || {
    kubectl describe pod smoke-agent >&2
    die "flotilla/agent:${TAG} did not run to completion"
  }
  log "  flotilla/agent:${TAG} ran as a pod: $(kubectl logs smoke-agent 2>&1 | head -1)"
  log "passed in $((SECONDS - t0))s"
}

# One line, so that bash has read it whole before main runs: editing this file while it
# runs cannot make bash read on into the new text.
main "$@"; exit $?
