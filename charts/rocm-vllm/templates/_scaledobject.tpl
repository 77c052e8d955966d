{{/*
rocm-vllm.scaledobject: the scaledobject object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/scaledobject.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.scaledobject" -}}
{{- if .Values.keda.enabled }}
{{- /* KEDA creates and owns an HPA for this ScaledObject; the chart's own HPA must stay off (validated). */}}
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    {{- include "rocm-vllm.workloadRef" . | nindent 4 }}
  pollingInterval: {{ .Values.keda.pollingInterval }}
  cooldownPeriod: {{ .Values.keda.cooldownPeriod }}
  minReplicaCount: {{ .Values.keda.minReplicaCount }}
  maxReplicaCount: {{ .Values.keda.maxReplicaCount }}
  {{- with .Values.keda.fallback }}
  fallback:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.keda.advanced }}
  advanced:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  triggers:
    {{- if .Values.keda.triggers }}
    {{- toYaml .Values.keda.triggers | nindent 4 }}
    {{- else }}
    {{- $p := .Values.keda.prometheus }}
    - type: prometheus
      metadata:
        serverAddress: {{ $p.serverAddress | quote }}
        query: {{ default (printf "sum(vllm:num_requests_waiting{namespace=%q,model_name=%q})" .Release.Namespace (include "rocm-vllm.servedModelName" .)) $p.query | quote }}
        threshold: {{ $p.threshold | toString | quote }}
        {{- if not (kindIs "invalid" $p.activationThreshold) }}
        activationThreshold: {{ $p.activationThreshold | toString | quote }}
        {{- end }}
      {{- with $p.authenticationRef }}
      authenticationRef:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
{{- end }}
{{- end }}
