{{/*
rocm-vllm.serviceaccount: the serviceaccount object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/serviceaccount.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.serviceaccount" -}}
{{- if .Values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "rocm-vllm.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- /* vLLM never calls the Kubernetes API: no token is mounted. */}}
automountServiceAccountToken: false
{{- end }}
{{- end }}
