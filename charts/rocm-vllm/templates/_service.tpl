{{/*
rocm-vllm.service: the service object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/service.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.service" -}}
{{- if .Values.service.enabled }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
  {{- with .Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .Values.service.type }}
  {{- with .Values.service.trafficDistribution }}
  trafficDistribution: {{ . }}
  {{- end }}
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
      {{- if and (eq .Values.service.type "NodePort") .Values.service.nodePort }}
      nodePort: {{ .Values.service.nodePort }}
      {{- end }}
  selector:
    {{- include "rocm-vllm.selectorLabels" . | nindent 4 }}
    {{- if include "rocm-vllm.multiNode" . }}
    {{- /* Only group leaders serve the API; the LWS controller labels them worker-index "0". */}}
    leaderworkerset.sigs.k8s.io/worker-index: "0"
    {{- end }}
{{- end }}
{{- end }}
