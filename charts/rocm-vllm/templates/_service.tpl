{{/*
rocm-vllm.service: the service object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/service.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.service" -}}
{{- if .Values.service.enabled }}
{{- /* The pods that serve the API: group leaders, or every pod with hybrid data-parallel load balancing. */}}
{{- $selector := include "rocm-vllm.servingPodSelectorLabels" . }}
{{- include "rocm-vllm.component.service" (dict
  "ctx" .
  "name" (include "rocm-vllm.fullname" .)
  "labels" (include "rocm-vllm.labels" .)
  "annotations" .Values.service.annotations
  "type" .Values.service.type
  "port" .Values.service.port
  "targetPort" (include "rocm-vllm.apiTargetPort" .)
  "nodePort" .Values.service.nodePort
  "trafficDistribution" .Values.service.trafficDistribution
  "selector" $selector) }}
{{- end }}
{{- end }}
