{{/*
rocm-vllm.pvc: the pvc object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/pvc.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.pvc" -}}
{{- if and .Values.cache.enabled (not .Values.cache.existingClaim) }}
{{- $multiNode := include "rocm-vllm.multiNode" . }}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "rocm-vllm.cacheClaimName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
  {{- $annotations := deepCopy (.Values.cache.annotations | default dict) }}
  {{- if .Values.cache.keep }}
  {{- /* Keep downloaded weights (often hundreds of GB) across helm uninstall. */}}
  {{- $_ := set $annotations "helm.sh/resource-policy" "keep" }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  accessModes:
    {{- if .Values.cache.accessModes }}
    {{- toYaml .Values.cache.accessModes | nindent 4 }}
    {{- else if or $multiNode (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled .Values.keda.enabled }}
    {{- /* Pods on several nodes mount the same claim. */}}
    - ReadWriteMany
    {{- else }}
    - ReadWriteOnce
    {{- end }}
  {{- with .Values.cache.storageClassName }}
  storageClassName: {{ . | quote }}
  {{- end }}
  resources:
    requests:
      storage: {{ .Values.cache.size }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.claims: every claim of one model: the model cache (rocm-vllm.pvc) and the compile cache
(rocm-vllm.compileCachePvc).
*/}}
{{- define "rocm-vllm.claims" -}}
{{- $model := include "rocm-vllm.pvc" . | trim }}
{{- $compile := include "rocm-vllm.compileCachePvc" . | trim }}
{{- $model }}
{{- if and $model $compile }}
---
{{- end }}
{{- if $compile }}
{{ $compile }}
{{- end }}
{{- end }}
