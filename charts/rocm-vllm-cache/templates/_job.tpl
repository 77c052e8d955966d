{{/*
rocm-vllm-cache.job: the download Job, from a root-like context (.Values, .Release, .Chart).
templates/job.yaml renders it for this release; charts/rocm-vllm-stack renders it once per shared cache.
*/}}
{{- define "rocm-vllm-cache.job" -}}
{{- if .Values.download.enabled }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "rocm-vllm-cache.jobName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm-cache.labels" . | nindent 4 }}
  {{- with .Values.job.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  backoffLimit: {{ .Values.job.backoffLimit }}
  {{- if not (kindIs "invalid" .Values.job.activeDeadlineSeconds) }}
  activeDeadlineSeconds: {{ int .Values.job.activeDeadlineSeconds }}
  {{- end }}
  {{- if not (kindIs "invalid" .Values.job.ttlSecondsAfterFinished) }}
  ttlSecondsAfterFinished: {{ int .Values.job.ttlSecondsAfterFinished }}
  {{- end }}
  template:
    {{- include "rocm-vllm-cache.podTemplate" . | nindent 4 }}
{{- end }}
{{- end }}
