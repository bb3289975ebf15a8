{{- /*
The hub's rules on a member (DESIGN decision 9), written by hand: the hub has no markers here.
*/ -}}

{{- /* Manage the DCDs the hub places (their status, which the agent writes, comes with them). */ -}}
{{- define "flotilla-agent.rules.hubDCDs" -}}
- apiGroups: ["nvidia.com"]
  resources: ["dynamocomponentdeployments"]
  verbs: ["create", "delete", "get", "list", "patch", "watch"]
{{- end -}}

{{- /* Read the agent's GPUInventory and its liveness Lease. */ -}}
{{- define "flotilla-agent.rules.hubReads" -}}
- apiGroups: ["flotilla.dev"]
  resources: ["gpuinventories"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["list", "watch"]
{{- end -}}
