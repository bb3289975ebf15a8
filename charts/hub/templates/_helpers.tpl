{{/*
The chart's name, and the name of the hub's objects (<release>-flotilla-hub, or the release name
when it already contains the chart's name), cut to 63 characters.
*/}}
{{- define "flotilla-hub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flotilla-hub.fullname" -}}
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
The name of cluster-scoped objects (the ClusterRole and its binding): the full name and the
release namespace, so that they never collide with another release's (a cluster may be hub and
member at once, with the agent's ClusterRoles named the same way).
*/}}
{{- define "flotilla-hub.clusterName" -}}
{{- printf "%s-%s" (include "flotilla-hub.fullname" .) .Release.Namespace | trunc 200 | trimSuffix "-" }}
{{- end }}

{{- define "flotilla-hub.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "flotilla-hub.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flotilla
{{- end }}

{{- define "flotilla-hub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flotilla-hub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The hub's ServiceAccount. */}}
{{- define "flotilla-hub.serviceAccountName" -}}
{{- default (include "flotilla-hub.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{/* The namespace of the member kubeconfig Secrets; the release namespace by default. */}}
{{- define "flotilla-hub.secretNamespace" -}}
{{- default .Release.Namespace .Values.members.secretNamespace }}
{{- end }}

{{/*
Whether the cluster-api member source is on: "true" or "". It needs read access to Secrets in
every namespace (a Cluster's <name>-kubeconfig Secret lives in the Cluster's namespace).
*/}}
{{- define "flotilla-hub.clusterAPI" -}}
{{- if has "cluster-api" .Values.members.sources }}true{{ end }}
{{- end }}

{{/*
The conversion webhook of the nvidia.com CRDs: its Service, its certificate Secret, and the CRDs
it converts as a flow list (hub/manager.ConvertedCRDs), which the webhook's RBAC is narrowed to.
*/}}
{{- define "flotilla-hub.webhook.serviceName" -}}
{{- printf "%s-webhook" (include "flotilla-hub.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flotilla-hub.webhook.secretName" -}}
{{- printf "%s-webhook-cert" (include "flotilla-hub.fullname" .) | trunc 253 | trimSuffix "-" }}
{{- end }}

{{- define "flotilla-hub.webhook.crdNames" -}}
["dynamocomponentdeployments.nvidia.com", "dynamographdeployments.nvidia.com"]
{{- end }}

{{/*
The ValidatingWebhookConfiguration of graphs: cluster-scoped, so named after the release's
namespace too, as the ClusterRole is.
*/}}
{{- define "flotilla-hub.webhook.validatingConfigurationName" -}}
{{- printf "%s-graphs" (include "flotilla-hub.clusterName" .) | trunc 253 | trimSuffix "-" }}
{{- end }}

{{/* Whether the hub elects a leader: "true" or "". */}}
{{- define "flotilla-hub.leaderElect" -}}
{{- if .Values.leaderElection.enabled }}true{{ end }}
{{- end }}

{{/* Checks of value combinations the templates cannot render sensibly. */}}
{{- define "flotilla-hub.validate" -}}
{{- $m := .Values.members }}
{{- if not $m.sources }}
{{- fail "members.sources must name at least one member source: kubeconfig-secrets, cluster-api" }}
{{- end }}
{{- range $m.sources }}
{{- if not (has . (list "kubeconfig-secrets" "cluster-api")) }}
{{- fail (printf "members.sources: unknown member source %q (known: kubeconfig-secrets, cluster-api)" (toString .)) }}
{{- end }}
{{- end }}
{{- if ne (len $m.sources) (len (uniq $m.sources)) }}
{{- fail "members.sources names a member source twice" }}
{{- end }}
{{- if not $m.agentNamespace }}
{{- fail "members.agentNamespace must not be empty" }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount above 1 needs leaderElection.enabled, or the replicas would all reconcile" }}
{{- end }}
{{- if not (has .Values.webhook.certMode (list "self-signed" "cert-manager")) }}
{{- fail (printf "webhook.certMode %q: want self-signed or cert-manager" (toString .Values.webhook.certMode)) }}
{{- end }}
{{- if or (lt (int .Values.webhook.port) 1024) (gt (int .Values.webhook.port) 65535) }}
{{- fail "webhook.port must be from 1024 to 65535: the hub runs as a non-root user" }}
{{- end }}
{{- if not (has .Values.webhook.validation.failurePolicy (list "Fail" "Ignore")) }}
{{- fail (printf "webhook.validation.failurePolicy %q: want Fail or Ignore" (toString .Values.webhook.validation.failurePolicy)) }}
{{- end }}
{{- if or (lt (int .Values.webhook.validation.timeoutSeconds) 1) (gt (int .Values.webhook.validation.timeoutSeconds) 30) }}
{{- fail "webhook.validation.timeoutSeconds must be from 1 to 30" }}
{{- end }}
{{- if has (int .Values.webhook.port) (list (int .Values.healthProbePort) (int .Values.metrics.port)) }}
{{- fail "webhook.port must differ from healthProbePort and metrics.port" }}
{{- end }}
{{- end }}
