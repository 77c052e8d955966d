{{/*
rocm-vllm.deployment: the deployment object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/deployment.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.deployment" -}}
{{- include "rocm-vllm.validate" . }}
{{- if not (include "rocm-vllm.multiNode" .) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
  {{- with .Values.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- /* An autoscaler owns replicas: leaving the field out stops every helm upgrade from resetting it. */}}
  {{- if not (or .Values.autoscaling.enabled .Values.keda.enabled) }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: {{ .Values.revisionHistoryLimit }}
  {{- with .Values.strategy }}
  strategy:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "rocm-vllm.selectorLabels" . | nindent 6 }}
  template:
    {{- include "rocm-vllm.podTemplate" (dict "ctx" . "role" "single") | nindent 4 }}
{{- end }}
{{- end }}
