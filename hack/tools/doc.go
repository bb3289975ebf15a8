// Package tools pins Flotilla's developer tools (controller-gen, helm, golangci-lint, gotestsum,
// crd-ref-docs, helm-docs) as Go tool directives in a module of their own, so that their
// dependencies (helm v4 pulls k8s.io/* v0.37) never enter the operator's module graph.
//
// Run a tool with: go tool -modfile=hack/tools/go.mod <name>
package tools
