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
    {{- $match := printf "namespace=%q,model_name=%q" .Release.Namespace (include "rocm-vllm.servedModelName" .) }}
    {{- $triggers := list }}
    {{- if $p.query }}
    {{- $triggers = append $triggers (dict "name" "query" "query" $p.query "threshold" $p.threshold "activation" true) }}
    {{- else }}
    {{- /*
    The SLO triggers on vLLM 0.23.0's own metrics (v1/metrics/loggers.py; labels model_name and engine; namespace is
    the scrape target's). Queue and KV cache are sums over the model's pods against a per-replica target
    (AverageValue: replicas = ceil(sum / threshold)); the TTFT percentile is one value for the model (metricType
    Value: replicas grow in proportion to percentile / target). KEDA scales out on whichever asks for most.
    */}}
    {{- $slo := .Values.keda.slo }}
    {{- if $slo.queue.enabled }}
    {{- $triggers = append $triggers (dict "name" "queue" "query" (printf "sum(vllm:num_requests_waiting{%s})" $match) "threshold" $slo.queue.threshold "activation" true) }}
    {{- end }}
    {{- if $slo.kvCache.enabled }}
    {{- $triggers = append $triggers (dict "name" "kv-cache" "query" (printf "sum(vllm:kv_cache_usage_perc{%s})" $match) "threshold" $slo.kvCache.threshold) }}
    {{- end }}
    {{- if $slo.ttft.enabled }}
    {{- $triggers = append $triggers (dict "name" "ttft" "query" (printf "histogram_quantile(%v, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{%s}[%s])))" $slo.ttft.quantile $match $slo.ttft.window) "threshold" $slo.ttft.thresholdSeconds "metricType" "Value") }}
    {{- end }}
    {{- end }}
    {{- range $triggers }}
    - type: prometheus
      name: {{ .name }}
      {{- with .metricType }}
      metricType: {{ . }}
      {{- end }}
      metadata:
        serverAddress: {{ $p.serverAddress | quote }}
        query: {{ .query | quote }}
        threshold: {{ .threshold | toString | quote }}
        {{- if and .activation (not (kindIs "invalid" $p.activationThreshold)) }}
        activationThreshold: {{ $p.activationThreshold | toString | quote }}
        {{- end }}
      {{- with $p.authenticationRef }}
      authenticationRef:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- end }}
{{- end }}
{{- end }}
