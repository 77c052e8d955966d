{{/*
rocm-vllm.leaderworkerset: the leaderworkerset object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/leaderworkerset.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.leaderworkerset" -}}
{{- if include "rocm-vllm.multiNode" . }}
{{- /* rocm-vllm.validate (included by deployment.yaml) fails first when the LeaderWorkerSet API is missing. */}}
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata:
  name: {{ include "rocm-vllm.lwsName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
  {{- $annotations := deepCopy (.Values.annotations | default dict) }}
  {{- with .Values.multiNode.exclusiveTopology }}
  {{- $_ := set $annotations "leaderworkerset.sigs.k8s.io/exclusive-topology" . }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- /* replicas counts groups of nodesPerReplica pods; an autoscaler owns it when enabled. */}}
  {{- if not (include "rocm-vllm.autoscaled" .) }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  startupPolicy: {{ .Values.multiNode.startupPolicy }}
  rolloutStrategy:
    type: RollingUpdate
    rollingUpdateConfiguration:
      {{- include "rocm-vllm.lwsRollingUpdate" . | trim | nindent 6 }}
  networkConfig:
    subdomainPolicy: {{ .Values.multiNode.subdomainPolicy }}
  leaderWorkerTemplate:
    size: {{ .Values.multiNode.nodesPerReplica }}
    restartPolicy: {{ .Values.multiNode.restartPolicy }}
    leaderTemplate:
      {{- include "rocm-vllm.podTemplate" (dict "ctx" . "role" "leader") | nindent 6 }}
    workerTemplate:
      {{- include "rocm-vllm.podTemplate" (dict "ctx" . "role" "worker") | nindent 6 }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.lwsRollingUpdate: maxUnavailable and maxSurge of the LeaderWorkerSet rollout, in groups. null (the
default) means: with one group (replicaCount 1, no autoscaler) surge a new group and remove the old one only once
the new one is ready (maxUnavailable 0, maxSurge 1), so the release keeps serving through an upgrade at the cost
of a spare group of nodes during the rollout; with more groups replace one at a time (1, 0), so no spare nodes
are needed and the other groups keep serving. Explicit values are used verbatim.
*/}}
{{- define "rocm-vllm.lwsRollingUpdate" -}}
{{- $r := .Values.multiNode.rolloutStrategy }}
{{- $oneGroup := and (eq (int .Values.replicaCount) 1) (not (include "rocm-vllm.autoscaled" .)) }}
maxUnavailable: {{ if kindIs "invalid" $r.maxUnavailable }}{{ ternary 0 1 $oneGroup }}{{ else }}{{ $r.maxUnavailable }}{{ end }}
maxSurge: {{ if kindIs "invalid" $r.maxSurge }}{{ ternary 1 0 $oneGroup }}{{ else }}{{ $r.maxSurge }}{{ end }}
{{- end }}
