{{/*
rocm-vllm.httpscaledobject: the KEDA HTTP add-on HTTPScaledObject (http.keda.sh/v1alpha1) of one model, from a
root-like context. templates/httpscaledobject.yaml renders it for this release; charts/rocm-vllm-stack renders it
once per model. The add-on's interceptor holds each request that arrives while the workload has no ready replica,
counts it, scales the workload from zero and forwards the request once an endpoint is ready (kedacore/http-add-on
v0.15.0, interceptor/middleware/endpoint_resolver.go); the add-on's own ScaledObject scales it back to zero after
scaledownPeriod without traffic. Requests reach the interceptor through the wake Service (rocm-vllm.wakeService).
*/}}
{{- define "rocm-vllm.httpscaledobject" -}}
{{- $h := .Values.keda.httpScaleFromZero }}
{{- if $h.enabled }}
{{- $budget := include "rocm-vllm.startupBudgetSeconds" . | int }}
apiVersion: http.keda.sh/v1alpha1
kind: HTTPScaledObject
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
  annotations:
    {{- /* The start budget the hold timeout was derived from, for operators reading the object. */}}
    rocm-vllm/start-budget-seconds: {{ $budget | toString | quote }}
spec:
  hosts:
    {{- include "rocm-vllm.wakeHosts" . | fromJsonArray | toYaml | nindent 4 }}
  {{- with $h.pathPrefixes }}
  pathPrefixes:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  scaleTargetRef:
    {{- /* A multi-node model scales whole LeaderWorkerSet groups through the LWS scale subresource. */}}
    {{- include "rocm-vllm.workloadRef" . | nindent 4 }}
    service: {{ include "rocm-vllm.fullname" . }}
    port: {{ .Values.service.port }}
  replicas:
    min: {{ $h.minReplicas }}
    max: {{ $h.maxReplicas }}
  scaledownPeriod: {{ $h.scaledownPeriod }}
  scalingMetric:
    {{- if eq $h.scalingMetric.type "requestRate" }}
    requestRate:
      targetValue: {{ $h.scalingMetric.targetValue }}
      window: {{ $h.scalingMetric.window | quote }}
      granularity: {{ $h.scalingMetric.granularity | quote }}
    {{- else }}
    concurrency:
      targetValue: {{ $h.scalingMetric.targetValue }}
    {{- end }}
  timeouts:
    {{- /* Hold a cold request for the model's start budget plus the allowance for scheduling and image pull. */}}
    conditionWait: {{ default (printf "%ds" (add $budget (int $h.timeouts.startAllowanceSeconds))) $h.timeouts.conditionWait | quote }}
    responseHeader: {{ $h.timeouts.responseHeader | quote }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.wakeService: the wake Service of one model (keda.httpScaleFromZero): an ExternalName Service named
rocm-vllm.wakeName whose DNS name is the interceptor's, so http://<wake name>.<namespace>.svc:<interceptor port>
reaches the interceptor with a Host header the model's HTTPScaledObject routes on.
*/}}
{{- define "rocm-vllm.wakeService" -}}
{{- $h := .Values.keda.httpScaleFromZero }}
{{- if $h.enabled }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "rocm-vllm.wakeName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
spec:
  type: ExternalName
  externalName: {{ printf "%s.%s.svc.%s" $h.interceptor.service $h.interceptor.namespace $h.interceptor.clusterDomain | quote }}
  ports:
    - name: http
      port: {{ $h.interceptor.port }}
      protocol: TCP
{{- end }}
{{- end }}
