# Flotilla: the multi-cluster operator for NVIDIA Dynamo.
#
# Tools are Go tools pinned in hack/tools/go.mod (a module of their own, so their dependencies stay
# out of the operator's module graph); nothing is downloaded as a binary. The versions of what the
# scripts build (Kubernetes, etcd, kwok, LeaderWorkerSet, CoreDNS, ...) are pinned once, in
# hack/versions/versions.env.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

GO ?= go
TOOL := $(GO) tool -modfile=hack/tools/go.mod
CONTROLLER_GEN := $(TOOL) controller-gen
GOLANGCI_LINT := $(TOOL) golangci-lint
HELM := $(TOOL) helm

# Where Kubernetes test binaries (kube-apiserver, etcd, kwok, ...) are cached, outside the clone.
# hack/kube-binaries.sh builds them from the Go module proxy when absent.
export FLOTILLA_KUBE_BIN_DIR ?=

GO_TEST_FLAGS ?= -timeout 30m

# The version pins (KUBE_VERSION, ETCD_VERSION, KWOK_VERSION, LWS_VERSION, ...): each NAME=VALUE
# line of hack/versions/versions.env, unless the environment or make's command line gives NAME a
# non-empty value, which wins as it does in the scripts. (A plain `include` would override the
# environment's value, and make would pass that to the scripts.) The scripts read the same file.
VERSIONS_ENV := hack/versions/versions.env
VERSION_PINS := $(shell sed -n 's/^\([A-Z][A-Z0-9_]*\)=.*/\1/p' $(VERSIONS_ENV))
$(foreach pin,$(shell sed -n 's/^[A-Z][A-Z0-9_]*=[^[:space:]]*$$/&/p' $(VERSIONS_ENV)),\
  $(if $($(firstword $(subst =, ,$(pin)))),,$(eval $(pin))))

.PHONY: all
all: generate manifests build

##@ Development

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*##/ { printf "  %-18s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST) | \
	  sed $(foreach pin,$(VERSION_PINS),-e 's|$$($(pin))|$($(pin))|g')

.PHONY: generate
generate: ## Generate deepcopy code for the API types.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...

# The agent's RBAC comes from the kubebuilder markers of its packages, in two groups the chart
# grants differently by mode (see hack/agentrbac): the DCD controller's, and the inventory's,
# liveness Lease's and manager's. A run over all of agent/ checks that no package is left out.
AGENT_RBAC_WORKLOADS := ./agent/component/...;./agent/workload/...
AGENT_RBAC_AGENT := ./agent/inventory/...;./agent/liveness/...;./agent/manager/...

# The hub's RBAC comes from the kubebuilder markers of every package under hub/, in one run:
# hack/hubrbac sorts the rules into the groups the hub chart grants differently (member
# kubeconfig Secrets, Cluster API, the hub's own namespace, the rest) by what they are about, so
# markers may move between the hub's packages.
HUB_RBAC := ./hub/...

# The nvidia.com CRDs serve v1alpha1 and v1beta1 and convert through a webhook: the hub's on the
# hub (DGD and DCD), the agent's on a member (DCD). Each chart's copy of a CRD names its
# component's Service in its default namespace (hack/crdfix), without a CA: requests that need a
# conversion fail until the component injects its CA and its release's Service.
HUB_WEBHOOK_SERVICE := flotilla-system/flotilla-hub-webhook
AGENT_WEBHOOK_SERVICE := flotilla-system/flotilla-agent-webhook

# The conversion webhook's certificate rules (internal/webhookcert), one run of their own: both
# charts grant them narrowed to resourceNames (the certificate Secret, the CRDs the component
# converts), which hack/agentrbac and hack/hubrbac render from this input (-webhook).
WEBHOOK_RBAC := ./internal/webhookcert/...

.PHONY: manifests
manifests: ## Generate the CRDs into charts/hub/crds and charts/agent/crds, and the charts' RBAC rules.
	out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	$(CONTROLLER_GEN) crd:generateEmbeddedObjectMeta=true paths=./api/... output:crd:artifacts:config=$$out && \
	rm -f charts/hub/crds/*.yaml charts/agent/crds/*.yaml && \
	$(GO) run ./hack/crdfix -webhook-service $(HUB_WEBHOOK_SERVICE) -out charts/hub/crds \
	  $$out/nvidia.com_dynamographdeployments.yaml $$out/nvidia.com_dynamocomponentdeployments.yaml \
	  $$out/flotilla.dev_memberclusters.yaml && \
	$(GO) run ./hack/crdfix -webhook-service $(AGENT_WEBHOOK_SERVICE) -out charts/agent/crds \
	  $$out/nvidia.com_dynamocomponentdeployments.yaml $$out/flotilla.dev_gpuinventories.yaml && \
	$(CONTROLLER_GEN) rbac:roleName=flotilla-webhook 'paths=$(WEBHOOK_RBAC)' output:rbac:artifacts:config=$$out/rbac-webhook && \
	$(CONTROLLER_GEN) rbac:roleName=flotilla-agent 'paths=$(AGENT_RBAC_WORKLOADS)' output:rbac:artifacts:config=$$out/rbac-workloads && \
	$(CONTROLLER_GEN) rbac:roleName=flotilla-agent 'paths=$(AGENT_RBAC_AGENT)' output:rbac:artifacts:config=$$out/rbac-agent && \
	$(CONTROLLER_GEN) rbac:roleName=flotilla-agent paths=./agent/... output:rbac:artifacts:config=$$out/rbac-all && \
	$(GO) run ./hack/agentrbac -workloads $$out/rbac-workloads/role.yaml -agent $$out/rbac-agent/role.yaml \
	  -all $$out/rbac-all/role.yaml -webhook $$out/rbac-webhook/role.yaml -out charts/agent/templates/_rbac_rules.tpl && \
	$(CONTROLLER_GEN) rbac:roleName=flotilla-hub 'paths=$(HUB_RBAC)' output:rbac:artifacts:config=$$out/rbac-hub && \
	$(GO) run ./hack/hubrbac -rbac $$out/rbac-hub/role.yaml -webhook $$out/rbac-webhook/role.yaml \
	  -out charts/hub/templates/_rbac_rules.tpl

# The Cluster API Cluster CRD the hub's integration tests install, generated from the Cluster API
# types the hub reads (sigs.k8s.io/cluster-api/api in go.mod), so that tests and code agree.
CAPI_CRD := test/integration/hub/testdata/cluster.x-k8s.io_clusters.yaml

.PHONY: capi-crd
capi-crd: ## Generate the Cluster API Cluster CRD for the hub's integration tests from sigs.k8s.io/cluster-api/api.
	out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	$(CONTROLLER_GEN) crd paths=sigs.k8s.io/cluster-api/api/core/v1beta2 output:crd:artifacts:config=$$out && \
	mkdir -p $$(dirname $(CAPI_CRD)) && cp $$out/cluster.x-k8s.io_clusters.yaml $(CAPI_CRD)

.PHONY: docs
docs: ## Generate the API reference (docs/api-reference.md) from the Go types.
	$(TOOL) crd-ref-docs --source-path=./api --config=hack/crd-ref-docs.yaml --renderer=markdown \
	  --output-path=docs/api-reference.md --log-level=ERROR

.PHONY: verify-generated
verify-generated: generate manifests docs capi-crd ## Fail if generated files differ from what is committed.
	@if [ -n "$$(git status --porcelain -- api charts docs $(CAPI_CRD))" ]; then \
	  echo "Generated files are out of date; run 'make generate manifests docs capi-crd' and commit:"; \
	  git status --porcelain -- api charts docs $(CAPI_CRD); git diff -- api charts docs $(CAPI_CRD) | head -50; exit 1; fi

.PHONY: fmt
fmt: ## Run gofmt.
	gofmt -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet (including the kind suite, build tag kindmulti).
	$(GO) vet -tags kindmulti ./...

.PHONY: lint
lint: ## Run golangci-lint (including the kind suite, build tag kindmulti).
	$(GOLANGCI_LINT) run --build-tags kindmulti ./...

.PHONY: chart-lint
chart-lint: ## Lint the charts (helm lint --strict): the agent's in both modes, the hub's with each member source, both with cert-manager.
	$(HELM) lint --strict charts/agent
	$(HELM) lint --strict charts/agent --set namespaceRestriction.enabled=true --set namespaceRestriction.readNodes=true
	$(HELM) lint --strict charts/agent --set namespaceRestriction.enabled=true \
	  --set-json 'namespaceRestriction.declaredCapacity=[{"product":"NVIDIA-H100-80GB-HBM3","gpusPerNode":8,"nodes":1}]'
	$(HELM) lint --strict charts/agent --set namespaceRestriction.enabled=true --set namespaceRestriction.readNodes=true \
	  --set webhook.certMode=cert-manager --set webhook.manageCRDs=false
	$(HELM) lint --strict charts/hub
	$(HELM) lint --strict charts/hub --set 'members.sources={kubeconfig-secrets,cluster-api}'
	$(HELM) lint --strict charts/hub --set webhook.certMode=cert-manager

.PHONY: build
build: ## Build the hub and agent binaries into bin/.
	$(GO) build -o bin/ ./cmd/...

##@ Test

.PHONY: kube-binaries
kube-binaries: ## Build (or reuse from the cache) kube-apiserver, controller-manager, scheduler and kubectl $(KUBE_VERSION), etcd $(ETCD_VERSION), kwok $(KWOK_VERSION) and LeaderWorkerSet $(LWS_VERSION).
	bash hack/kube-binaries.sh

.PHONY: test-tools
test-tools: ## Build (or reuse) the Go tools the tests run, e.g. helm for the chart tests.
	$(HELM) version --short >/dev/null

.PHONY: test
test: kube-binaries test-tools ## Run unit, integration (real apiserver + etcd) and harness tests.
	$(GO) test $(GO_TEST_FLAGS) ./...

.PHONY: test-e2e
test-e2e: kube-binaries ## Run end-to-end tests on local clusters (apiserver, etcd, controller-manager, scheduler, KWOK GPU nodes).
	$(GO) test $(GO_TEST_FLAGS) -v ./test/harness/...

.PHONY: bench
bench: kube-binaries ## Measure the fleet (raw Deployments vs DCDs vs graphs on the hub, N = 1, 10, 100) and write docs/performance.md; about 10 minutes.
	$(GO) run ./hack/bench -out docs/performance.md $(BENCH_FLAGS)

##@ kind (clusters in Docker, no registry needed)

# The node image (hack/kind/build-node-image.sh): kind's published kindest/node:$(KUBE_VERSION)
# where a registry serves it, else built offline (Debian packages + Go module proxy, cached under
# ~/.cache/flotilla). KIND_NODE_IMAGE names another image instead; FLOTILLA_KIND_OFFLINE=1 always
# builds the offline one.
export KIND_NODE_IMAGE ?=
export FLOTILLA_KIND_OFFLINE ?=
KIND := $(TOOL) kind

.PHONY: host-prep
host-prep: ## Prepare this host for kind: Docker from Debian, dockerd, the runtime wrapper only where needed, inotify limits.
	bash hack/kind/host-prep.sh

.PHONY: kind-image
kind-image: host-prep ## Pull kind's node image for Kubernetes $(KUBE_VERSION), or build it offline where no registry serves it (reused when present); prints its tag.
	bash hack/kind/build-node-image.sh

.PHONY: images
images: host-prep ## Build flotilla/hub:dev, flotilla/agent:dev, flotilla/kwok:$(KWOK_VERSION) and flotilla/lws:$(LWS_VERSION) (FROM scratch, static binaries).
	bash hack/kind/build-images.sh

.PHONY: kind-smoke
kind-smoke: kind-image images ## Create one kind cluster from the node image, run pods, load flotilla/agent:dev, delete it.
	bash hack/kind/smoke.sh

.PHONY: kind-up
kind-up: kind-image images ## Create the kind topology: hub + members flotilla-east, flotilla-west (charts, KWOK GPU nodes, registered), then apply and delete a check graph; state in FLOTILLA_KIND_STATE (~/.cache/flotilla/kind-state).
	$(GO) run ./hack/kind/topology up $(KIND_UP_FLAGS)

.PHONY: test-kind
test-kind: kind-image images kube-binaries ## Run the kind smoke suite (test/kind-multi) on the topology of kind-up, creating and deleting it when it is not up.
	$(GO) test -tags kindmulti -count=1 -timeout 60m ./test/kind-multi/ -v -ginkgo.v -ginkgo.timeout=55m

.PHONY: kind-down
kind-down: ## Delete the kind topology's clusters and its state directory (safe to run twice).
	$(GO) run ./hack/kind/topology down

##@ Demo

.PHONY: demo
demo: ## Start a local fleet (hub + two members with fake GPU nodes) and run the example graphs on it.
	@echo "==> make demo: a first run on a fresh machine builds, from the Go module proxy, the Kubernetes"
	@echo "    binaries (10-30 min on 2 cores), helm and the demo (a few minutes each); later runs reuse"
	@echo "    them from ~/.cache/flotilla and the Go build cache and start in about a minute."
	@echo "==> [1/4] Kubernetes $(KUBE_VERSION) binaries: kube-apiserver, controller-manager, scheduler, kubectl, etcd, kwok"
	@start=$$(date +%s); bash hack/kube-binaries.sh >/dev/null && echo "    ready in $$(( $$(date +%s) - start )) s"
	@echo "==> [2/4] helm, pinned in hack/tools/go.mod (the demo renders the charts with it)"
	@start=$$(date +%s); $(HELM) version --short >/dev/null && echo "    ready in $$(( $$(date +%s) - start )) s"
	@echo "==> [3/4] The demo and the Flotilla packages it runs (go build ./hack/demo)"
	@start=$$(date +%s); $(GO) build -o bin/demo ./hack/demo && echo "    ready in $$(( $$(date +%s) - start )) s"
	@echo "==> [4/4] Running the demo"
	./bin/demo
