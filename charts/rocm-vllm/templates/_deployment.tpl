{{/*
rocm-vllm.deployment: the deployment object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/deployment.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.deployment" -}}
{{- include "rocm-vllm.validate" . }}
{{- if not (include "rocm-vllm.multiNode" .) }}
{{- /* An autoscaler owns replicas: leaving the field out stops every helm upgrade from resetting it. */}}
{{- $replicas := ternary nil .Values.replicaCount (include "rocm-vllm.autoscaled" . | eq "true") }}
{{- include "rocm-vllm.component.deployment" (dict
  "ctx" .
  "name" (include "rocm-vllm.fullname" .)
  "labels" (include "rocm-vllm.labels" .)
  "annotations" .Values.annotations
  "replicas" $replicas
  "revisionHistoryLimit" .Values.revisionHistoryLimit
  "strategy" .Values.strategy
  "selectorLabels" (include "rocm-vllm.selectorLabels" .)
  "podTemplate" (include "rocm-vllm.podTemplate" (dict "ctx" . "role" "single"))) }}
{{- end }}
{{- end }}
