{{/*
rocm-vllm.hpa: the hpa object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/hpa.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.hpa" -}}
{{- if .Values.autoscaling.enabled }}
{{- /*
For a LeaderWorkerSet the HPA scales whole groups through the LWS scale subresource; its pod selector
(status.hpaPodSelector) picks the leaders, so Pods metrics come from the pods that serve the API.
*/}}
{{- include "rocm-vllm.component.hpa" (dict
  "ctx" .
  "name" (include "rocm-vllm.fullname" .)
  "labels" (include "rocm-vllm.labels" .)
  "targetRef" (include "rocm-vllm.workloadRef" .)
  "minReplicas" .Values.autoscaling.minReplicas
  "maxReplicas" .Values.autoscaling.maxReplicas
  "metrics" .Values.autoscaling.metrics
  "behavior" .Values.autoscaling.behavior) }}
{{- end }}
{{- end }}
