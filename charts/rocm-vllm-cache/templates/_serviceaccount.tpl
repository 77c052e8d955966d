{{/*
rocm-vllm-cache.serviceaccount: the download pod's ServiceAccount, from a root-like context (.Values, .Release, .Chart).
templates/serviceaccount.yaml renders it for this release; charts/rocm-vllm-stack renders it once per shared cache.
*/}}
{{- define "rocm-vllm-cache.serviceaccount" -}}
{{- if and .Values.download.enabled .Values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "rocm-vllm-cache.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm-cache.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- /* Downloading talks to the Hugging Face Hub, never to the Kubernetes API: no token is mounted. */}}
automountServiceAccountToken: false
{{- end }}
{{- end }}
