{{/*
The chart's name, and the name of the agent's objects (<release>-flotilla-agent, or the release
name when it already contains the chart's name), cut to 63 characters.
*/}}
{{- define "flotilla-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flotilla-agent.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The name of cluster-scoped objects (ClusterRoles and their bindings): the full name and the
release namespace, so that agents installed in several namespaces of one cluster (one per
namespace in namespace-restricted mode) do not collide.
*/}}
{{- define "flotilla-agent.clusterName" -}}
{{- printf "%s-%s" (include "flotilla-agent.fullname" .) .Release.Namespace | trunc 200 | trimSuffix "-" }}
{{- end }}

{{- define "flotilla-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "flotilla-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flotilla
{{- end }}

{{- define "flotilla-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flotilla-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The agent's ServiceAccount. */}}
{{- define "flotilla-agent.serviceAccountName" -}}
{{- default (include "flotilla-agent.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{/* Whether the agent is namespace-restricted: "true" or "". */}}
{{- define "flotilla-agent.restricted" -}}
{{- if .Values.namespaceRestriction.enabled }}true{{ end }}
{{- end }}

{{/* The one namespace a namespace-restricted agent acts in; the release namespace by default. */}}
{{- define "flotilla-agent.targetNamespace" -}}
{{- default .Release.Namespace .Values.namespaceRestriction.targetNamespace }}
{{- end }}

{{/*
Where the GPU inventory comes from: "nodes", except for a namespace-restricted agent that may not
read Nodes (namespaceRestriction.readNodes false), which publishes its declared capacity.
*/}}
{{- define "flotilla-agent.inventorySource" -}}
{{- if and .Values.namespaceRestriction.enabled (not .Values.namespaceRestriction.readNodes) }}declared{{ else }}nodes{{ end }}
{{- end }}

{{/*
The conversion webhook of the DCD CRD: its Service, its certificate Secret, and the CRD it
converts as a flow list (agent/manager.ConvertedCRD), which the webhook's RBAC is narrowed to.
*/}}
{{- define "flotilla-agent.webhook.serviceName" -}}
{{- printf "%s-webhook" (include "flotilla-agent.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flotilla-agent.webhook.secretName" -}}
{{- printf "%s-webhook-cert" (include "flotilla-agent.fullname" .) | trunc 253 | trimSuffix "-" }}
{{- end }}

{{- define "flotilla-agent.webhook.crdNames" -}}
["dynamocomponentdeployments.nvidia.com"]
{{- end }}

{{/*
Whether the agent itself points the DCD CRD at its webhook: with webhook.manageCRDs, in cluster
mode only (a Role cannot patch a CRD): "true" or "".
*/}}
{{- define "flotilla-agent.webhook.agentManagesCRD" -}}
{{- if and .Values.webhook.manageCRDs (not .Values.namespaceRestriction.enabled) }}true{{ end }}
{{- end }}

{{/*
Whether the wire-conversion hook points the DCD CRD at the webhook of a namespace-restricted
agent: with webhook.manageCRDs in namespace-restricted mode: "true" or "".
*/}}
{{- define "flotilla-agent.webhook.hook" -}}
{{- if and .Values.webhook.manageCRDs .Values.namespaceRestriction.enabled }}true{{ end }}
{{- end }}

{{/*
The annotations of a wire-conversion hook object: after every install and upgrade, deleted once
the hook succeeded (and before it runs again), created in order of (dict "weight" ...).
*/}}
{{- define "flotilla-agent.wireConversion.hook" -}}
helm.sh/hook: post-install,post-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{/* The agent's image. */}}
{{- define "flotilla-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* Whether the agent elects a leader: never in namespace-restricted mode, as Dynamo's operator. */}}
{{- define "flotilla-agent.leaderElect" -}}
{{- if and .Values.leaderElection.enabled (not .Values.namespaceRestriction.enabled) }}true{{ end }}
{{- end }}

{{/* Checks of value combinations the templates cannot render sensibly. */}}
{{- define "flotilla-agent.validate" -}}
{{- $nr := .Values.namespaceRestriction }}
{{- if $nr.enabled }}
{{- if and $nr.readNodes $nr.declaredCapacity }}
{{- fail "namespaceRestriction: set either readNodes (inventory from Nodes, with a read-only ClusterRole) or declaredCapacity, not both" }}
{{- end }}
{{- if and (not $nr.readNodes) (not $nr.declaredCapacity) }}
{{- fail "namespaceRestriction.enabled without readNodes needs namespaceRestriction.declaredCapacity: a list of {product, gpusPerNode, nodes[, resourceName]}" }}
{{- end }}
{{- if gt (int .Values.replicaCount) 1 }}
{{- fail "namespaceRestriction.enabled runs one replica without leader election: replicaCount must be 1" }}
{{- end }}
{{- else }}
{{- if $nr.declaredCapacity }}
{{- fail "namespaceRestriction.declaredCapacity is used only with namespaceRestriction.enabled (cluster mode reads Nodes)" }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount above 1 needs leaderElection.enabled, or the replicas would all reconcile" }}
{{- end }}
{{- end }}
{{- range $nr.declaredCapacity }}
{{- if not (and .product .gpusPerNode (hasKey . "nodes")) }}
{{- fail (printf "namespaceRestriction.declaredCapacity entry %s: product, gpusPerNode and nodes are required" (toJson .)) }}
{{- end }}
{{- end }}
{{- if and .Values.hubAccess.create (not .Values.hubAccess.serviceAccountName) }}
{{- fail "hubAccess.serviceAccountName must not be empty" }}
{{- end }}
{{- if not (has .Values.webhook.certMode (list "self-signed" "cert-manager")) }}
{{- fail (printf "webhook.certMode %q: want self-signed or cert-manager" (toString .Values.webhook.certMode)) }}
{{- end }}
{{- if or (lt (int .Values.webhook.port) 1024) (gt (int .Values.webhook.port) 65535) }}
{{- fail "webhook.port must be from 1024 to 65535: the agent runs as a non-root user" }}
{{- end }}
{{- if has (int .Values.webhook.port) (list (int .Values.healthProbePort) (int .Values.metrics.port)) }}
{{- fail "webhook.port must differ from healthProbePort and metrics.port" }}
{{- end }}
{{- end }}
