{{/*
rocm-vllm.podmonitor: the podmonitor object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/podmonitor.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.podmonitor" -}}
{{- if .Values.metrics.podMonitor.enabled }}
{{- $pm := .Values.metrics.podMonitor }}
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ default .Release.Namespace $pm.namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
    {{- with $pm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  namespaceSelector:
    matchNames:
      - {{ .Release.Namespace }}
  selector:
    matchLabels:
      {{- /* Only pods that serve the API serve /metrics (headless and Ray workers run no HTTP server). */}}
      {{- include "rocm-vllm.servingPodSelectorLabels" . | nindent 6 }}
  podMetricsEndpoints:
    - port: http
      path: /metrics
      {{- with $pm.interval }}
      interval: {{ . }}
      {{- end }}
      {{- with $pm.scrapeTimeout }}
      scrapeTimeout: {{ . }}
      {{- end }}
      {{- with $pm.relabelings }}
      relabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $pm.metricRelabelings }}
      metricRelabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
{{- end }}
