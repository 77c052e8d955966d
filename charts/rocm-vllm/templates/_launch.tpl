{{/*
rocm-vllm.rayLaunch: "true" when the pods run the chart's Ray launch scripts (files/ray-leader.sh and
files/ray-worker.sh): a multi-node replica in ray launch mode whose command is not replaced; else "".
*/}}
{{- define "rocm-vllm.rayLaunch" -}}
{{- if and (include "rocm-vllm.multiNode" .) (eq .Values.multiNode.launchMode "ray") (not .Values.command) }}true{{ end }}
{{- end }}

{{/*
rocm-vllm.launchScript: the text of one launch script under files/, for (dict "ctx" $ "file" "ray-leader.sh").
A parent chart that renders this chart's templates with a context of its own must put this chart's Files in it
(charts/rocm-vllm-stack passes (index .Subcharts "rocm-vllm").Files).
*/}}
{{- define "rocm-vllm.launchScript" -}}
{{- $files := .ctx.Files }}
{{- if not $files }}
{{- fail (printf "ERROR: rocm-vllm.launchScript: the context has no .Files to read files/%s from (chart bug: a parent chart must pass the rocm-vllm subchart's Files)" .file) }}
{{- end }}
{{- $script := $files.Get (printf "files/%s" .file) }}
{{- if not $script }}
{{- fail (printf "ERROR: rocm-vllm.launchScript: files/%s is missing from the rocm-vllm chart (chart bug)" .file) }}
{{- end }}
{{- $script }}
{{- end }}

{{/*
rocm-vllm.launchEnv: the launch scripts' settings as EnvVars, the same on the leader and the workers (ray launch
and data parallel across nodes; LeaderWorkerSet itself adds LWS_LEADER_ADDRESS, LWS_GROUP_SIZE and LWS_WORKER_INDEX).
*/}}
{{- define "rocm-vllm.launchEnv" -}}
{{- /* Data-parallel layout: kept when command replaces the serving command, so a stand-in pod (the kind suite's
simulator) still carries the group's rank settings next to LeaderWorkerSet's LWS_* env. */}}
{{- if include "rocm-vllm.dataParallelAcrossNodes" . }}
- name: ROCM_VLLM_DP_SIZE_LOCAL
  value: {{ include "rocm-vllm.dataParallelSizeLocal" . | quote }}
- name: ROCM_VLLM_DP_RPC_PORT
  value: {{ int .Values.dataParallel.rpcPort | quote }}
- name: ROCM_VLLM_DP_LOAD_BALANCING
  value: {{ .Values.dataParallel.loadBalancing | quote }}
{{- end }}
{{- if include "rocm-vllm.rayLaunch" . }}
- name: ROCM_VLLM_RAY_PORT
  value: {{ int .Values.multiNode.rayPort | quote }}
- name: ROCM_VLLM_GROUP_WAIT_SECONDS
  value: {{ int .Values.multiNode.rayWaitTimeoutSeconds | quote }}
- name: ROCM_VLLM_GPUS_PER_NODE
  value: {{ ternary (int .Values.gpu.count) 0 .Values.gpu.enabled | quote }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.launchStartupFailureThreshold: the failureThreshold of a Ray group member's startup probe, for
(dict "ctx" $ "probe" probeValues): the probe's own failures (on the leader, the model load budget
periodSeconds × failureThreshold) plus multiNode.rayWaitTimeoutSeconds rounded up to whole periods. The launch
scripts count their wait from the container's start, so their own deadline, and its message, comes first.
*/}}
{{- define "rocm-vllm.launchStartupFailureThreshold" -}}
{{- $period := int (.probe.periodSeconds | default 10) }}
{{- $failures := int (.probe.failureThreshold | default 3) }}
{{- $wait := int .ctx.Values.multiNode.rayWaitTimeoutSeconds }}
{{- add $failures (div (add $wait $period -1) $period) }}
{{- end }}
