{{/*
rocm-vllm.poddisruptionbudget: the poddisruptionbudget object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/poddisruptionbudget.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.poddisruptionbudget" -}}
{{- if .Values.podDisruptionBudget.enabled }}
{{- /*
One budget over every serving pod of the release (leaders and workers alike). Single-node: maxUnavailable pods.
Multi-node: the budget still counts pods, so it must be 1 or 0 (rocm-vllm.validate refuses a percentage or a
number above 1: each evicted pod could belong to a different group). A drain can then evict one pod; its group is recreated
(RecreateGroupOnPodRestart) and every pod of it stays unready while the model loads, which holds the budget, so no
pod of another group can be evicted until that group serves again: at most one group is broken at a time, however
many nodes are drained in parallel.
*/}}
{{- include "rocm-vllm.component.poddisruptionbudget" (dict
  "ctx" .
  "name" (include "rocm-vllm.fullname" .)
  "labels" (include "rocm-vllm.labels" .)
  "maxUnavailable" .Values.podDisruptionBudget.maxUnavailable
  "unhealthyPodEvictionPolicy" .Values.podDisruptionBudget.unhealthyPodEvictionPolicy
  "selectorLabels" (include "rocm-vllm.selectorLabels" .)) }}
{{- end }}
{{- end }}
