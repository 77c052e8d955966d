{{/*
rocm-vllm.dashboards: one ConfigMap per Grafana dashboard in files/dashboards/ (written by scripts/generate_dashboards.py),
labelled for Grafana's dashboard sidecar, from a root-like context (.Values, .Release, .Chart, .Files).
templates/configmap-dashboards.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
The dashboards are the same for every release (they select namespace and model with dashboard variables), so the
sidecar writes one file per key whichever release's ConfigMap it reads.
*/}}
{{- define "rocm-vllm.dashboards" -}}
{{- if .Values.metrics.dashboards.enabled }}
{{- $d := .Values.metrics.dashboards }}
{{- $files := .Files.Glob "files/dashboards/*.json" }}
{{- if not $files }}
{{- fail "ERROR: metrics.dashboards.enabled but the chart has no files/dashboards/*.json (chart bug)" }}
{{- end }}
{{- range $path, $_ := $files }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ printf "%s-dashboard-%s" (include "rocm-vllm.fullname" $ | trunc 40 | trimSuffix "-") (base $path | trimSuffix ".json") }}
  namespace: {{ default $.Release.Namespace $d.namespace }}
  labels:
    {{- include "rocm-vllm.labels" $ | nindent 4 }}
    {{- with $d.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $d.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
data:
  {{ base $path }}: |-
    {{- $.Files.Get $path | trim | nindent 4 }}
{{- end }}
{{- end }}
{{- end }}
