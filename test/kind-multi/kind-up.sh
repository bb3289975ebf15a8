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

# kind-up.sh brings up Flotilla's multi-cluster kind topology (`make kind-up`):
#
#   flotilla-hub   the hub chart (members from kubeconfig Secrets and Cluster API Clusters), with
#                  Cluster API's Cluster CRD
#   flotilla-east  the agent chart in cluster mode (flotilla-system), KWOK with 2 fake
#                  NVIDIA-H100-80GB-HBM3 x 8 nodes; registered as gpu-east with
#                  `flotilla-hub register` (kubeconfig Secret), region us-east
#   flotilla-west  the agent chart namespace-restricted to team-west (readNodes), KWOK with 2
#                  fake NVIDIA-L40S x 8 nodes; registered as gpu-west through a Cluster API
#                  Cluster fleet/gpu-west + Secret gpu-west-kubeconfig, region us-west
#
# The hub reaches members at https://<cluster>-control-plane:6443 (the kind network). Then it
# waits until both MemberClusters are Joined, AgentReady and Schedulable, applies a one-service
# CPU-only graph (check-graph.yaml) in namespace demo, waits for it to be successful, deletes it,
# and prints timings and the node containers' memory.
#
# State (kind configs, kubeconfigs, logs) under $FLOTILLA_KIND_STATE (default
# ~/.cache/flotilla/kind-state), never ~/.kube/config. `make kind-down` (kind-down.sh) removes it
# all. Needs `make kind-image images` first (the Make target does it).
#
# Environment: FLOTILLA_KIND_STATE, TAG (dev), KWOK_TAG and LWS_TAG (default KWOK_VERSION and
# LWS_VERSION, from the environment or hack/versions/versions.env, the tags build-images.sh gives
# flotilla/kwok and flotilla/lws), KIND_NODE_IMAGE and FLOTILLA_KIND_OFFLINE (the node image is the
# one build-node-image.sh --print-tag names; with any other image than Flotilla's offline one,
# kind's own CNI is used), PARALLEL (0: create the clusters one after the other, which is faster
# on 2 cores: 81 s against 99-154 s for three at once; 1: at once, for machines with more cores),
# SKIP_CHECK (0; 1 skips the check graph).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=hack/lib/versions.sh
source "${REPO_ROOT}/hack/lib/versions.sh"
HERE="${REPO_ROOT}/test/kind-multi"
STATE="${FLOTILLA_KIND_STATE:-${HOME}/.cache/flotilla/kind-state}"
TAG="${TAG:-dev}"
KWOK_TAG="${KWOK_TAG:-${KWOK_VERSION}}"
LWS_TAG="${LWS_TAG:-${LWS_VERSION}}"
HUB=flotilla-hub
EAST=flotilla-east
WEST=flotilla-west

log() { echo "kind-up: $(date +%H:%M:%S) $*" >&2; }
die() { echo "kind-up: error: $*" >&2; exit 1; }

kind() { go tool -modfile="${REPO_ROOT}/hack/tools/go.mod" kind "$@"; }
helm() { go tool -modfile="${REPO_ROOT}/hack/tools/go.mod" helm "$@"; }
kc() { echo "${STATE}/$1.kubeconfig"; }
# k CLUSTER kubectl-args...
k() { local c=$1; shift; "${KUBE_BIN}/kubectl" --kubeconfig "$(kc "${c}")" "$@"; }

# create_cluster NAME: one single-node cluster from the node image; its output goes to a log.
create_cluster() {
  local name=$1
  if kind get clusters 2>/dev/null | grep -qx "${name}"; then
    log "cluster ${name} exists: reusing it"
    kind get kubeconfig --name "${name}" >"$(kc "${name}")"
    return 0
  fi
  go run ./hack/kind/cluster-config -name "${name}" -image "${NODE_IMAGE}" \
    -o "${STATE}/${name}.yaml"
  kind create cluster --name "${name}" --config "${STATE}/${name}.yaml" --kubeconfig "$(kc "${name}")" \
    --wait 0s >"${STATE}/logs/create-${name}.log" 2>&1
}

# wait_cluster NAME: node Ready and CoreDNS available (pod networking works).
wait_cluster() {
  local name=$1
  k "${name}" wait --for=condition=Ready node --all --timeout=180s >/dev/null
  k "${name}" -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null
}

# gpu_nodes PREFIX PRODUCT COUNT GPUS: fake GPU Nodes as test/testenv/nodes.go builds them.
gpu_nodes() {
  local prefix=$1 product=$2 count=$3 gpus=$4 i
  for ((i = 0; i < count; i++)); do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: ${prefix}-${i}
  labels:
    kubernetes.io/hostname: ${prefix}-${i}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
    nvidia.com/gpu.count: "${gpus}"
    nvidia.com/gpu.product: ${product}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
spec:
  taints:
  - {key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule}
status:
  capacity: &cap {cpu: "64", memory: 512Gi, pods: "110", nvidia.com/gpu: "${gpus}"}
  allocatable: *cap
  phase: Running
EOF
  done
}

# member_kwok CLUSTER PREFIX PRODUCT: KWOK and 2 fake nodes of PRODUCT x 8 GPUs, Ready.
member_kwok() {
  local c=$1 prefix=$2 product=$3 n
  grep -q 'image: flotilla/kwok:KWOK_TAG' "${HERE}/kwok.yaml" || die "kwok.yaml has no image flotilla/kwok:KWOK_TAG to tag"
  sed "s|image: flotilla/kwok:KWOK_TAG|image: flotilla/kwok:${KWOK_TAG}|" "${HERE}/kwok.yaml" | k "${c}" apply -f - >/dev/null
  k "${c}" -n kwok-system rollout status deployment/kwok-controller --timeout=120s >/dev/null
  gpu_nodes "${prefix}" "${product}" 2 8 | k "${c}" apply -f - >/dev/null
  for n in "${prefix}-0" "${prefix}-1"; do
    # The API keeps a Node's status on create; set capacity again in case it did not.
    k "${c}" patch node "${n}" --subresource=status --type=merge -p \
      '{"status":{"capacity":{"cpu":"64","memory":"512Gi","pods":"110","nvidia.com/gpu":"8"},"allocatable":{"cpu":"64","memory":"512Gi","pods":"110","nvidia.com/gpu":"8"}}}' >/dev/null
  done
  k "${c}" wait --for=condition=Ready node -l type=kwok --timeout=120s >/dev/null
}

# wait_established CLUSTER CRD: the CRD is Established. kubectl wait fails at once instead of
# waiting while a CRD just created has no status.conditions yet, so it is retried for a minute.
wait_established() {
  local c=$1 crd=$2 deadline=$((SECONDS + 60))
  until k "${c}" wait --for=condition=Established "crd/${crd}" --timeout=10s >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "the CRD ${crd} on ${c} is not Established after 60s"
    sleep 1
  done
}

# wait_members: both MemberClusters Joined, AgentReady and Schedulable.
wait_members() {
  local deadline=$((SECONDS + 300)) m cond ok
  while :; do
    ok=1
    for m in gpu-east gpu-west; do
      for cond in Joined AgentReady Schedulable; do
        [[ "$(k "${HUB}" get membercluster "${m}" -o jsonpath="{.status.conditions[?(@.type==\"${cond}\")].status}" 2>/dev/null)" == True ]] || ok=0
      done
    done
    [[ ${ok} == 1 ]] && return 0
    if ((SECONDS > deadline)); then
      k "${HUB}" get membercluster -o yaml >&2 || true
      dump_logs
      die "the members did not become Joined/AgentReady/Schedulable in 300s"
    fi
    sleep 3
  done
}

# dump_logs: the tails of the hub's and the agents' logs, on failure.
dump_logs() {
  echo "--- hub log" >&2
  k "${HUB}" -n flotilla-system logs deploy/flotilla-hub --tail=40 >&2 || true
  echo "--- gpu-east agent log" >&2
  k "${EAST}" -n flotilla-system logs deploy/flotilla-agent --tail=40 >&2 || true
  echo "--- gpu-west agent log" >&2
  k "${WEST}" -n team-west logs deploy/flotilla-agent --tail=40 >&2 || true
}

check_graph() {
  k "${HUB}" create namespace demo --dry-run=client -o yaml | k "${HUB}" apply -f - >/dev/null
  local t=${SECONDS} deadline=$((SECONDS + 180)) state
  k "${HUB}" apply -f "${HERE}/check-graph.yaml" >/dev/null
  while :; do
    state="$(k "${HUB}" -n demo get dgd kind-check -o jsonpath='{.status.state}' 2>/dev/null || true)"
    [[ "${state}" == successful ]] && break
    if ((SECONDS > deadline)); then
      k "${HUB}" -n demo get dgd,dcd -o yaml >&2 || true
      k "${EAST}" get deploy,pods -A -o wide >&2 || true
      dump_logs
      die "check graph kind-check not successful after 180s (state ${state:-none})"
    fi
    sleep 2
  done
  log "check graph kind-check successful in $((SECONDS - t))s:"
  k "${HUB}" -n demo get dgd,dcd -o wide >&2
  local m
  for m in "${EAST}" "${WEST}"; do
    k "${m}" get deploy,pods -A -l nvidia.com/dynamo-graph-deployment-name -o wide 2>/dev/null |
      sed "s/^/  ${m}: /" >&2 || true
  done
  t=${SECONDS}
  k "${HUB}" -n demo delete dgd kind-check --timeout=120s >/dev/null
  # Gone on the members too: the agent deletes the Deployment with the DCD.
  for m in "${EAST}" "${WEST}"; do
    deadline=$((SECONDS + 60))
    while [[ -n "$(k "${m}" get deploy -A -l nvidia.com/dynamo-graph-deployment-name=kind-check -o name 2>/dev/null)$(
      k "${m}" get dcd -A -o name 2>/dev/null)" ]]; do
      ((SECONDS < deadline)) || { dump_logs; die "kind-check's objects are still on ${m} 60s after deletion"; }
      sleep 2
    done
  done
  log "check graph deleted, on the hub and the members, in $((SECONDS - t))s"
}

# wait_conversion CLUSTER CRD NAMESPACE/SERVICE: waits until the CRD's conversion webhook is the
# Service with a CA bundle, as the hub, an agent or the wire-conversion hook sets it.
wait_conversion() {
  local c=$1 crd=$2 want=$3 got deadline=$((SECONDS + 120))
  while :; do
    got="$(k "${c}" get crd "${crd}" -o jsonpath='{.spec.conversion.strategy} {.spec.conversion.webhook.clientConfig.service.namespace}/{.spec.conversion.webhook.clientConfig.service.name} {.spec.conversion.webhook.clientConfig.caBundle}' 2>/dev/null || true)"
    [[ "${got}" =~ ^Webhook\ ${want}\ .+ ]] && return 0
    ((SECONDS < deadline)) || { dump_logs; die "${c}: ${crd} does not convert through ${want} with a CA bundle: ${got:0:120}"; }
    sleep 2
  done
}

main() {
  cd "${REPO_ROOT}"
  local t0=${SECONDS} t
  docker info >/dev/null 2>&1 || die "Docker does not answer (docker info failed): run make host-prep"
  NODE_IMAGE="$(bash hack/kind/build-node-image.sh --print-tag)"
  local img
  for img in "${NODE_IMAGE}" "flotilla/hub:${TAG}" "flotilla/agent:${TAG}" "flotilla/kwok:${KWOK_TAG}" "flotilla/lws:${LWS_TAG}"; do
    docker image inspect "${img}" >/dev/null 2>&1 || die "no image ${img}: run make kind-image images"
  done
  KUBE_BIN="$(bash hack/kube-binaries.sh | tail -1)"
  mkdir -p "${STATE}/logs"
  kind version >/dev/null # build kind and helm before timing
  helm version >/dev/null
  go build -o "${STATE}/flotilla-hub" ./cmd/hub

  # 1. Clusters.
  t=${SECONDS}
  local c failed=()
  if [[ "${PARALLEL:-0}" == 1 ]]; then
    log "creating ${HUB}, ${EAST}, ${WEST} in parallel from ${NODE_IMAGE}"
    local -A pids=()
    for c in "${HUB}" "${EAST}" "${WEST}"; do
      create_cluster "${c}" &
      pids[${c}]=$!
    done
    for c in "${HUB}" "${EAST}" "${WEST}"; do
      wait "${pids[${c}]}" || failed+=("${c}")
    done
    for c in "${failed[@]}"; do # one retry each, alone
      log "creating ${c} failed in parallel (log below); retrying alone"
      tail -20 "${STATE}/logs/create-${c}.log" >&2 || true
      kind delete cluster --name "${c}" --kubeconfig "$(kc "${c}")" >/dev/null 2>&1 || true
      create_cluster "${c}" || { tail -40 "${STATE}/logs/create-${c}.log" >&2; die "kind create cluster ${c} failed"; }
    done
  else
    for c in "${HUB}" "${EAST}" "${WEST}"; do
      log "creating ${c} from ${NODE_IMAGE}"
      create_cluster "${c}" || { tail -40 "${STATE}/logs/create-${c}.log" >&2; die "kind create cluster ${c} failed"; }
    done
  fi
  local t_create=$((SECONDS - t))
  log "clusters created in ${t_create}s"
  for c in "${HUB}" "${EAST}" "${WEST}"; do wait_cluster "${c}"; done
  local t_ready=$((SECONDS - t))
  log "nodes Ready and CoreDNS available after ${t_ready}s"

  # 2. Images.
  t=${SECONDS}
  kind load docker-image "flotilla/hub:${TAG}" --name "${HUB}" >/dev/null
  for c in "${EAST}" "${WEST}"; do
    kind load docker-image "flotilla/agent:${TAG}" "flotilla/kwok:${KWOK_TAG}" --name "${c}" >/dev/null
  done
  kind load docker-image "flotilla/lws:${LWS_TAG}" --name "${EAST}" >/dev/null
  log "images loaded in $((SECONDS - t))s"

  # 3. Hub.
  t=${SECONDS}
  k "${HUB}" apply --server-side -f test/integration/hub/testdata/cluster.x-k8s.io_clusters.yaml >/dev/null
  wait_established "${HUB}" clusters.cluster.x-k8s.io
  helm upgrade --install flotilla-hub charts/hub --kubeconfig "$(kc "${HUB}")" -n flotilla-system \
    --create-namespace --set image.tag="${TAG}" --set 'members.sources={kubeconfig-secrets,cluster-api}' >/dev/null
  k "${HUB}" -n flotilla-system wait --for=condition=Available deployment --all --timeout=180s >/dev/null || {
    k "${HUB}" -n flotilla-system get pods -o wide >&2
    k "${HUB}" -n flotilla-system logs deploy/flotilla-hub --tail=40 >&2 || true
    die "the hub Deployment is not Available"
  }
  log "hub installed and Available in $((SECONDS - t))s"

  # 4. Members: LeaderWorkerSet on east, agent chart, KWOK, fake GPU nodes.
  t=${SECONDS}
  # LeaderWorkerSet's own chart, from the sigs.k8s.io/lws module go.mod pins, with its controller
  # from flotilla/lws (built from the same module). Installed before east's agent, which then
  # finds leaderworkerset.x-k8s.io at start and runs multinode components as LeaderWorkerSets;
  # west has none and runs them as StatefulSets.
  local lws_chart
  lws_chart="$(go list -m -f '{{.Dir}}' sigs.k8s.io/lws)/charts/lws"
  helm upgrade --install lws "${lws_chart}" --kubeconfig "$(kc "${EAST}")" -n lws-system --create-namespace \
    --set image.manager.repository=flotilla/lws --set image.manager.tag="${LWS_TAG}" \
    --set image.manager.pullPolicy=IfNotPresent \
    --set resources.requests.cpu=100m --set resources.requests.memory=128Mi >/dev/null
  k "${EAST}" -n lws-system wait --for=condition=Available deployment --all --timeout=180s >/dev/null || {
    k "${EAST}" -n lws-system get pods -o wide >&2
    k "${EAST}" -n lws-system logs deploy/lws-controller-manager --tail=40 >&2 || true
    die "LeaderWorkerSet's controller is not Available on ${EAST}"
  }
  log "LeaderWorkerSet ${LWS_TAG} Available on ${EAST} in $((SECONDS - t))s"
  helm upgrade --install flotilla-agent charts/agent --kubeconfig "$(kc "${EAST}")" -n flotilla-system \
    --create-namespace --set image.tag="${TAG}" --set clusterName=gpu-east \
    --set 'ignoreTaintKeys={kwok.x-k8s.io/node}' >/dev/null
  helm upgrade --install flotilla-agent charts/agent --kubeconfig "$(kc "${WEST}")" -n team-west \
    --create-namespace --set image.tag="${TAG}" --set clusterName=gpu-west \
    --set 'ignoreTaintKeys={kwok.x-k8s.io/node}' \
    --set namespaceRestriction.enabled=true --set namespaceRestriction.readNodes=true >/dev/null
  member_kwok "${EAST}" gpu-east-h100 NVIDIA-H100-80GB-HBM3
  member_kwok "${WEST}" gpu-west-l40s NVIDIA-L40S
  k "${EAST}" -n flotilla-system wait --for=condition=Available deployment --all --timeout=180s >/dev/null
  k "${WEST}" -n team-west wait --for=condition=Available deployment --all --timeout=180s >/dev/null
  # The DCD CRD converts through each member's agent: east's patched it itself, west's
  # (namespace-restricted, Roles only) through the chart's wire-conversion hook Job, which helm
  # ran and deleted. The hub's DGD and DCD CRDs through the hub's webhook.
  wait_conversion "${EAST}" dynamocomponentdeployments.nvidia.com flotilla-system/flotilla-agent-webhook
  wait_conversion "${WEST}" dynamocomponentdeployments.nvidia.com team-west/flotilla-agent-webhook
  wait_conversion "${HUB}" dynamographdeployments.nvidia.com flotilla-system/flotilla-hub-webhook
  wait_conversion "${HUB}" dynamocomponentdeployments.nvidia.com flotilla-system/flotilla-hub-webhook
  log "agents, KWOK and fake GPU nodes ready, conversion webhooks wired, in $((SECONDS - t))s"

  # 5. Registration. east: `flotilla-hub register` (kubeconfig Secret flotilla-system/gpu-east).
  t=${SECONDS}
  "${STATE}/flotilla-hub" register --member-kubeconfig "$(kc "${EAST}")" --hub-kubeconfig "$(kc "${HUB}")" \
    --name gpu-east --server "https://${EAST}-control-plane:6443" \
    --label topology.kubernetes.io/region=us-east >&2
  # west: a Cluster API Cluster fleet/gpu-west and its Secret gpu-west-kubeconfig, holding the
  # flotilla-hub identity's kubeconfig as register builds it (--dry-run prints it in a Secret).
  "${STATE}/flotilla-hub" register --dry-run --member-kubeconfig "$(kc "${WEST}")" --name gpu-west \
    --server "https://${WEST}-control-plane:6443" --agent-namespace team-west \
    --namespace-restriction team-west >"${STATE}/gpu-west-register.yaml"
  local west_kubeconfig="${STATE}/gpu-west-hub-identity.kubeconfig"
  # kubectl reads the Secret without sending it anywhere (--dry-run=client).
  k "${HUB}" create --dry-run=client -f "${STATE}/gpu-west-register.yaml" -o jsonpath='{.data.kubeconfig}' |
    base64 -d >"${west_kubeconfig}"
  grep -q "server: https://${WEST}-control-plane:6443" "${west_kubeconfig}" ||
    die "no kubeconfig for ${WEST} in register --dry-run's output"
  k "${HUB}" create namespace fleet --dry-run=client -o yaml | k "${HUB}" apply -f - >/dev/null
  # Labelled as Cluster API labels it: the hub caches only Secrets with that label.
  k "${HUB}" -n fleet create secret generic gpu-west-kubeconfig --from-file=value="${west_kubeconfig}" \
    --dry-run=client -o yaml | k "${HUB}" label --local -f - cluster.x-k8s.io/cluster-name=gpu-west -o yaml |
    k "${HUB}" apply -f - >/dev/null
  k "${HUB}" apply -f - >/dev/null <<EOF
apiVersion: cluster.x-k8s.io/v1beta2
kind: Cluster
metadata:
  name: gpu-west
  namespace: fleet
  labels:
    topology.kubernetes.io/region: us-west
  annotations:
    flotilla.dev/agent-namespace: team-west
    flotilla.dev/namespace-restriction: team-west
spec:
  controlPlaneEndpoint: {host: ${WEST}-control-plane, port: 6443}
EOF
  k "${HUB}" -n fleet patch cluster gpu-west --subresource=status --type=merge \
    -p '{"status":{"initialization":{"controlPlaneInitialized":true}}}' >/dev/null
  wait_members
  log "members Joined, AgentReady and Schedulable $((SECONDS - t))s after registration:"
  k "${HUB}" get membercluster -o wide >&2

  # 6. Check graph.
  [[ "${SKIP_CHECK:-0}" == 1 ]] || check_graph

  log "kind-up done in $((SECONDS - t0))s (clusters created in ${t_create}s, Ready after ${t_ready}s)"
  log "kubeconfigs: $(kc "${HUB}") $(kc "${EAST}") $(kc "${WEST}")"
  docker stats --no-stream --format 'table {{.Name}}\t{{.MemUsage}}\t{{.CPUPerc}}' \
    "${HUB}-control-plane" "${EAST}-control-plane" "${WEST}-control-plane" >&2
}

# One line, so that bash has read it whole before main runs.
main "$@"; exit $?
