{{/*
rocm-vllm.serviceaccount: the serviceaccount object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/serviceaccount.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.serviceaccount" -}}
{{- if .Values.serviceAccount.create }}
{{- /* vLLM never calls the Kubernetes API: no token is mounted. */}}
{{- include "rocm-vllm.component.serviceaccount" (dict
  "ctx" .
  "name" (include "rocm-vllm.serviceAccountName" .)
  "labels" (include "rocm-vllm.labels" .)
  "annotations" .Values.serviceAccount.annotations) }}
{{- end }}
{{- end }}
