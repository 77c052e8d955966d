{{/*
rocm-vllm.prometheusrule: the PrometheusRule (monitoring.coreos.com/v1) of one model, from a root-like context (.Values,
.Release, .Chart, .Capabilities). templates/prometheusrule.yaml renders it for this release; charts/rocm-vllm-stack
renders it once per model. vLLM alerts select namespace and model_name (vLLM's own label: the served model name);
pod and GPU alerts select the release's pods by name (the exporter labels a GPU with the pod using it). Metric names:
generator/rocm_vllm/data/observability-metrics.yaml (with their sources).
*/}}
{{- define "rocm-vllm.prometheusrule" -}}
{{- if .Values.metrics.prometheusRule.enabled }}
{{- $pr := .Values.metrics.prometheusRule }}
{{- $vllm := printf "namespace=%q, model_name=%q" .Release.Namespace (include "rocm-vllm.servedModelName" .) }}
{{- $workload := include "rocm-vllm.fullname" . }}
{{- if include "rocm-vllm.multiNode" . }}{{ $workload = include "rocm-vllm.lwsName" . }}{{ end }}
{{- $pods := printf "namespace=%q, pod=~%q" .Release.Namespace (printf "%s-.+" $workload) }}
{{- $model := include "rocm-vllm.servedModelName" . }}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ default .Release.Namespace $pr.namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
    {{- with $pr.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  groups:
    - name: {{ include "rocm-vllm.fullname" . }}.rules
      rules:
        - alert: VllmKvCacheNearFull
          expr: {{ printf "max by (pod) (vllm:kv_cache_usage_perc{%s}) > %v" $vllm $pr.kvCacheFull.threshold | quote }}
          for: {{ index $pr.kvCacheFull "for" }}
          labels:
            severity: warning
          annotations:
            summary: {{ printf "KV cache of %s near full" $model | quote }}
            description: "Pod {{`{{ $labels.pod }}`}} has its KV cache {{`{{ $value | humanizePercentage }}`}} full: requests get preempted or queue. Add replicas or lower max-num-seqs."
        - alert: VllmRequestsQueueing
          expr: {{ printf "sum by (pod) (vllm:num_requests_waiting{%s}) > %v" $vllm $pr.requestsQueueing.threshold | quote }}
          for: {{ index $pr.requestsQueueing "for" }}
          labels:
            severity: warning
          annotations:
            summary: {{ printf "Requests queueing for %s" $model | quote }}
            description: "Pod {{`{{ $labels.pod }}`}} has {{`{{ $value }}`}} requests waiting: the model is saturated."
        - alert: VllmErrorRate
          expr: {{ printf "sum(rate(vllm:request_success_total{%s, finished_reason=\"error\"}[%s])) / sum(rate(vllm:request_success_total{%s}[%s])) > %v" $vllm $pr.errorRate.window $vllm $pr.errorRate.window $pr.errorRate.threshold | quote }}
          for: {{ index $pr.errorRate "for" }}
          labels:
            severity: critical
          annotations:
            summary: {{ printf "Requests to %s finishing with errors" $model | quote }}
            description: "{{`{{ $value | humanizePercentage }}`}} of finished requests ended with reason error (returned as 500)."
        - alert: VllmPodRestarting
          expr: {{ printf "increase(kube_pod_container_status_restarts_total{%s}[%s]) > %v" $pods $pr.podRestarts.window $pr.podRestarts.threshold | quote }}
          for: {{ index $pr.podRestarts "for" }}
          labels:
            severity: warning
          annotations:
            summary: {{ printf "Pods of %s restarting" $model | quote }}
            description: "Container {{`{{ $labels.container }}`}} of pod {{`{{ $labels.pod }}`}} restarted {{`{{ $value }}`}} times."
        - alert: AmdGpuUnhealthy
          expr: {{ printf "min by (hostname, gpu_id, pod) (gpu_health{%s}) < 1" $pods | quote }}
          for: {{ index $pr.gpuUnhealthy "for" }}
          labels:
            severity: critical
          annotations:
            summary: {{ printf "AMD GPU used by %s unhealthy" $model | quote }}
            description: "GPU {{`{{ $labels.gpu_id }}`}} on {{`{{ $labels.hostname }}`}} (pod {{`{{ $labels.pod }}`}}) reports gpu_health 0."
        - alert: AmdGpuEccUncorrectable
          expr: {{ printf "max by (hostname, gpu_id, pod) (gpu_ecc_uncorrect_total{%s}) > 0" $pods | quote }}
          for: {{ index $pr.gpuEccUncorrectable "for" }}
          labels:
            severity: critical
          annotations:
            summary: {{ printf "Uncorrectable ECC errors on an AMD GPU used by %s" $model | quote }}
            description: "GPU {{`{{ $labels.gpu_id }}`}} on {{`{{ $labels.hostname }}`}} counts {{`{{ $value }}`}} uncorrectable ECC errors: drain the node and reset or replace the GPU."
{{- end }}
{{- end }}
