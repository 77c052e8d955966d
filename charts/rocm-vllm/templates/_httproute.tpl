{{/*
rocm-vllm.httproute: the httproute object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/httproute.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
The backend is the model's Service or, with inferencePool.enabled, its InferencePool (the Gateway then asks the
endpoint picker for the pod); httpRoute.extraBackends add other releases' backends of the same kind, weighted
(rocm-vllm.httpRouteBackendRefs).
*/}}
{{- define "rocm-vllm.httproute" -}}
{{- if .Values.httpRoute.enabled }}
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
  {{- with .Values.httpRoute.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  parentRefs:
    {{- include "rocm-vllm.httpRouteParentRefs" . | fromJsonArray | toYaml | nindent 4 }}
  {{- with .Values.httpRoute.hostnames }}
  hostnames:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  rules:
    - {{- with .Values.httpRoute.matches }}
      matches:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.httpRoute.timeouts }}
      timeouts:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      backendRefs:
        {{- include "rocm-vllm.httpRouteBackendRefs" . | fromJsonArray | toYaml | nindent 8 }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.httpRouteBackendKind: the kind of backend the release routes to: InferencePool or Service.
*/}}
{{- define "rocm-vllm.httpRouteBackendKind" -}}
{{- if .Values.inferencePool.enabled }}InferencePool{{ else }}Service{{ end }}
{{- end }}

{{/*
rocm-vllm.httpRouteBackendRefs: the rule's backendRefs (JSON list): this release's backend, then
httpRoute.extraBackends. Weights are written only when extraBackends split the traffic. Fails on a split that cannot
work: no weight for this release, an extra backend of the other kind, a port on an InferencePool, or every weight 0.
*/}}
{{- define "rocm-vllm.httpRouteBackendRefs" -}}
{{- $kind := include "rocm-vllm.httpRouteBackendKind" . }}
{{- $extra := .Values.httpRoute.extraBackends | default list }}
{{- $self := dict "name" (include "rocm-vllm.fullname" .) }}
{{- if eq $kind "InferencePool" }}
{{- $self = dict "group" "inference.networking.k8s.io" "kind" "InferencePool" "name" (include "rocm-vllm.fullname" .) }}
{{- else }}
{{- $_ := set $self "port" (int .Values.service.port) }}
{{- end }}
{{- $refs := list }}
{{- if $extra }}
{{- if kindIs "invalid" .Values.httpRoute.weight }}
{{- fail "ERROR: httpRoute.extraBackends is set but httpRoute.weight is not: give this release's weight too (e.g. weight: 90 with a canary at 10), so the split is what you mean." }}
{{- end }}
{{- $_ := set $self "weight" (int .Values.httpRoute.weight) }}
{{- $refs = append $refs $self }}
{{- $total := int .Values.httpRoute.weight }}
{{- range $i, $backend := $extra }}
{{- $backendKind := $backend.kind | default $kind }}
{{- if ne $backendKind $kind }}
{{- fail (printf "ERROR: httpRoute.extraBackends[%d] (%s) has kind %s, but this release routes to its %s (inferencePool.enabled is %v): split traffic between backends of the same kind, i.e. releases in the same routing mode." $i $backend.name $backendKind $kind $.Values.inferencePool.enabled) }}
{{- end }}
{{- $ref := dict "name" $backend.name "weight" (int $backend.weight) }}
{{- if eq $kind "InferencePool" }}
{{- if hasKey $backend "port" }}
{{- fail (printf "ERROR: httpRoute.extraBackends[%d] (%s) has a port, but an InferencePool backend takes none (the pool's targetPorts decide): remove port." $i $backend.name) }}
{{- end }}
{{- $_ := set $ref "group" "inference.networking.k8s.io" }}
{{- $_ := set $ref "kind" "InferencePool" }}
{{- else }}
{{- $_ := set $ref "port" (int ($backend.port | default $.Values.service.port)) }}
{{- end }}
{{- $refs = append $refs $ref }}
{{- $total = add $total (int $backend.weight) }}
{{- end }}
{{- if eq (int $total) 0 }}
{{- fail "ERROR: httpRoute.weight and every httpRoute.extraBackends weight are 0, so the route would send nothing anywhere: give at least one backend a weight above 0." }}
{{- end }}
{{- else }}
{{- $refs = list $self }}
{{- end }}
{{- toJson $refs }}
{{- end }}
