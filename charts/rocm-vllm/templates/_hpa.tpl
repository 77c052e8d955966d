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
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    {{- include "rocm-vllm.workloadRef" . | nindent 4 }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    {{- toYaml .Values.autoscaling.metrics | nindent 4 }}
  {{- with .Values.autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
