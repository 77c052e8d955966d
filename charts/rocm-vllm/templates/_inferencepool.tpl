{{/*
rocm-vllm.inferencePoolSelector: the InferencePool's matchLabels (YAML text): the model's serving pods (with
disaggregation, the API pods of both pools, told apart by the picker's prefill-filter and decode-filter through
llm-d.ai/role; rocm-vllm.podTemplate labels them); otherwise the pods rocm-vllm.servingPodSelectorLabels picks:
multi-node, the LeaderWorkerSet group leaders (worker-index "0"), or every pod of a group with data parallel across
nodes in hybrid load balancing (an API server per node).
*/}}
{{- define "rocm-vllm.inferencePoolSelector" -}}
{{- if .Values.disaggregation.enabled -}}
app.kubernetes.io/instance: {{ .Release.Name }}
{{ include "rocm-vllm.poolEndpointLabel" . }}
{{- else -}}
{{ include "rocm-vllm.servingPodSelectorLabels" . }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.inferencePoolTargetPorts: the InferencePool's targetPorts (YAML list): vLLM's API port, where the picker
also scrapes /metrics. Each port is one endpoint (podIP:port); the CRD takes 1 to 8.
*/}}
{{- define "rocm-vllm.inferencePoolTargetPorts" -}}
- number: {{ int .Values.vllm.port }}
{{- end }}

{{/*
rocm-vllm.inferencepool: the model's InferencePool (inference.networking.k8s.io/v1, GAIE v1.6.0's CRD), its picker
named by endpointPickerRef. Renders nothing unless inferencePool.enabled.
*/}}
{{- define "rocm-vllm.inferencepool" -}}
{{- if .Values.inferencePool.enabled }}
{{- $ports := include "rocm-vllm.endpointPicker.ports" . | fromYaml }}
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "rocm-vllm.inferencePoolSelector" . | nindent 6 }}
  targetPorts:
    {{- include "rocm-vllm.inferencePoolTargetPorts" . | nindent 4 }}
  endpointPickerRef:
    kind: Service
    name: {{ include "rocm-vllm.endpointPicker.name" . }}
    port:
      number: {{ $ports.grpc }}
    failureMode: {{ .Values.inferencePool.failureMode }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.httpRouteParentRefs: the HTTPRoute's parentRefs (JSON list): httpRoute.gateway (when named) then
httpRoute.parentRefs.
*/}}
{{- define "rocm-vllm.httpRouteParentRefs" -}}
{{- $refs := list }}
{{- with .Values.httpRoute.gateway.name }}
{{- $ref := dict "name" . }}
{{- with $.Values.httpRoute.gateway.namespace }}{{ $_ := set $ref "namespace" . }}{{ end }}
{{- $refs = append $refs $ref }}
{{- end }}
{{- toJson (concat $refs (.Values.httpRoute.parentRefs | default list)) }}
{{- end }}

{{/*
rocm-vllm.inferencePoolGatewayPeers: the NetworkPolicyPeers of the Gateway's proxy pods (JSON list):
inferencePool.gatewayClients, else every pod of each namespace the Gateways of httpRoute.gateway/parentRefs live in
(the release's namespace for a parent that names none, or when none is named). Read even with httpRoute.enabled false:
a canary release is reached through another release's route.
*/}}
{{- define "rocm-vllm.inferencePoolGatewayPeers" -}}
{{- if .Values.inferencePool.gatewayClients }}
{{- toJson .Values.inferencePool.gatewayClients }}
{{- else }}
{{- $namespaces := list }}
{{- range (include "rocm-vllm.httpRouteParentRefs" . | fromJsonArray) }}
{{- $namespaces = append $namespaces (.namespace | default $.Release.Namespace) }}
{{- end }}
{{- if not $namespaces }}{{ $namespaces = list .Release.Namespace }}{{ end }}
{{- $peers := list }}
{{- range (uniq $namespaces | sortAlpha) }}
{{- $peers = append $peers (dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" .)) "podSelector" (dict)) }}
{{- end }}
{{- toJson $peers }}
{{- end }}
{{- end }}
