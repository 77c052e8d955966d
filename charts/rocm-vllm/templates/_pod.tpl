{{/*
The pod template shared by the Deployment (role "single") and the LeaderWorkerSet's leader ("leader") and
worker ("worker") templates. It is defined once so the three cannot drift: scheduling, volumes, env,
security context and resources are identical; only the command, the ports and the probes depend on the role.
Usage: include "rocm-vllm.podTemplate" (dict "ctx" $ "role" "single")
*/}}
{{- define "rocm-vllm.podTemplate" -}}
{{- $ := .ctx }}
{{- $role := .role }}
{{- if not (has $role (list "single" "leader" "worker")) }}
{{- fail (printf "ERROR: rocm-vllm.podTemplate: unknown role %q (chart bug)" $role) }}
{{- end -}}
metadata:
  labels:
    {{- /* helm.sh/chart is left out on purpose: a chart-version bump alone must not restart pods that take many minutes to load a model. */}}
    {{- include "rocm-vllm.selectorLabels" $ | nindent 4 }}
    app.kubernetes.io/version: {{ $.Chart.AppVersion | quote }}
    app.kubernetes.io/managed-by: {{ $.Release.Service }}
    app.kubernetes.io/part-of: rocm-vllm
    {{- with $.Values.commonLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with $.Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with (index $.Values "_pool") }}
    {{- if ne $role "worker" }}
    {{- .endpointLabel | nindent 4 }}
    {{- end }}
    {{- end }}
  {{- $annotations := deepCopy ($.Values.podAnnotations | default dict) }}
  {{- with $.Values.fabric.networks }}
  {{- $_ := set $annotations "k8s.v1.cni.cncf.io/networks" . }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "rocm-vllm.serviceAccountName" $ }}
  automountServiceAccountToken: {{ $.Values.serviceAccount.automountServiceAccountToken }}
  {{- /* Service links off: a Service named "vllm" would inject VLLM_PORT=tcp://..., which vLLM reads as its own setting. */}}
  enableServiceLinks: false
  {{- with $.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $.Values.priorityClassName }}
  priorityClassName: {{ . | quote }}
  {{- end }}
  {{- with $.Values.runtimeClassName }}
  runtimeClassName: {{ . | quote }}
  {{- end }}
  {{- with $.Values.schedulerName }}
  schedulerName: {{ . | quote }}
  {{- end }}
  {{- /* Derived from the drain (rocm-vllm.terminationGracePeriodSeconds): preStop pause + --shutdown-timeout + exit. */}}
  terminationGracePeriodSeconds: {{ include "rocm-vllm.terminationGracePeriodSeconds" $ }}
  securityContext:
    {{- include "rocm-vllm.podSecurityContext" $ | nindent 4 }}
  {{- with $.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with (include "rocm-vllm.affinity" $ | fromYaml) }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $.Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- range . }}
    {{- $constraint := deepCopy . }}
    {{- if not (hasKey $constraint "labelSelector") }}
    {{- $_ := set $constraint "labelSelector" (dict "matchLabels" (include "rocm-vllm.selectorLabels" $ | fromYaml)) }}
    {{- end }}
    - {{- toYaml $constraint | nindent 6 }}
    {{- end }}
  {{- end }}
  {{- $download := and $.Values.cache.download.enabled (not $.Values.cache.offline) }}
  {{- if or $download $.Values.extraInitContainers }}
  initContainers:
    {{- with $.Values.extraInitContainers }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- if $download }}
    - name: download-model
      image: {{ include "rocm-vllm.image" $ | quote }}
      imagePullPolicy: {{ $.Values.image.pullPolicy }}
      command:
        - python3
        - -c
        - |
          import json, os
          from huggingface_hub import snapshot_download
          path = snapshot_download(
              repo_id=os.environ["MODEL_ID"],
              revision=os.environ.get("MODEL_REVISION") or None,
              allow_patterns=json.loads(os.environ["ALLOW_PATTERNS"]) or None,
              ignore_patterns=json.loads(os.environ["IGNORE_PATTERNS"]) or None,
          )
          print(f"model files ready in {path}")
      env:
        - name: HOME
          value: /tmp
        - name: MODEL_ID
          value: {{ $.Values.model.id | quote }}
        - name: MODEL_REVISION
          value: {{ $.Values.model.revision | quote }}
        - name: ALLOW_PATTERNS
          value: {{ $.Values.cache.download.allowPatterns | toJson | quote }}
        - name: IGNORE_PATTERNS
          value: {{ $.Values.cache.download.ignorePatterns | toJson | quote }}
        {{- include "rocm-vllm.hfEnv" $ | trim | nindent 8 }}
      resources:
        {{- toYaml $.Values.cache.download.resources | nindent 8 }}
      securityContext:
        {{- include "rocm-vllm.helperSecurityContext" $ | nindent 8 }}
      volumeMounts:
        - name: model-cache
          mountPath: {{ $.Values.cache.mountPath }}
        - name: tmp
          mountPath: /tmp
        {{- with (include "rocm-vllm.hfTokenMount" $ | trim) }}
        {{- . | nindent 8 }}
        {{- end }}
    {{- end }}
  {{- end }}
  containers:
    - name: vllm
      image: {{ include "rocm-vllm.image" $ | quote }}
      imagePullPolicy: {{ $.Values.image.pullPolicy }}
      {{- include "rocm-vllm.containerCommand" (dict "ctx" $ "role" $role) | trim | nindent 6 }}
      {{- if ne $role "worker" }}
      ports:
        - name: http
          containerPort: {{ $.Values.vllm.port }}
          protocol: TCP
      {{- end }}
      env:
        {{- with (include "rocm-vllm.launchEnv" $) }}
        {{- . | trim | nindent 8 }}
        {{- end }}
        {{- include "rocm-vllm.hfEnv" $ | trim | nindent 8 }}
        {{- with (include "rocm-vllm.fabricEnv" $) }}
        {{- . | trim | nindent 8 }}
        {{- end }}
        {{- range $name, $value := $.Values.vllm.env }}
        - name: {{ $name }}
          value: {{ $value | toString | quote }}
        {{- end }}
        {{- if and (ne $role "worker") $.Values.apiKey.secretName }}
        {{- /* vLLM reads VLLM_API_KEY (vllm/envs.py) and then requires "Authorization: Bearer <key>" on /v1 routes. */}}
        - name: VLLM_API_KEY
          valueFrom:
            secretKeyRef:
              name: {{ $.Values.apiKey.secretName | quote }}
              key: {{ $.Values.apiKey.secretKey | quote }}
        {{- end }}
        {{- with $.Values.vllm.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if and (ne $role "worker") (gt (int $.Values.drain.preStopSleepSeconds) 0) }}
      {{- /* Graceful drain: pause until the endpoints controller has taken the pod out of the Service, then the
      kubelet's SIGTERM makes vLLM refuse new requests and finish in-flight ones for up to --shutdown-timeout. */}}
      lifecycle:
        preStop:
          exec:
            command:
              - sleep
              - {{ int $.Values.drain.preStopSleepSeconds | toString | quote }}
      {{- end }}
      resources:
        {{- include "rocm-vllm.resources" $ | nindent 8 }}
      securityContext:
        {{- include "rocm-vllm.containerSecurityContext" $ | nindent 8 }}
      {{- with (include "rocm-vllm.probes" (dict "ctx" $ "role" $role)) }}
      {{- . | trim | nindent 6 }}
      {{- end }}
      volumeMounts:
        - name: dshm
          mountPath: /dev/shm
        - name: model-cache
          mountPath: {{ $.Values.cache.mountPath }}
          {{- if $.Values.cache.readOnly }}
          readOnly: true
          {{- end }}
        {{- with (include "rocm-vllm.hfTokenMount" $ | trim) }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with $.Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    {{- /* The container runtime's default /dev/shm is 64Mi: too small for tensor-parallel shared memory. */}}
    - name: dshm
      emptyDir:
        medium: Memory
        sizeLimit: {{ $.Values.rocm.shmSize }}
    - name: model-cache
      {{- if $.Values.cache.enabled }}
      persistentVolumeClaim:
        claimName: {{ include "rocm-vllm.cacheClaimName" $ }}
        {{- if $.Values.cache.readOnly }}
        readOnly: true
        {{- end }}
      {{- else }}
      emptyDir: {}
      {{- end }}
    {{- /* Scratch space for the read-only helper containers (download, the stack's cache wait). */}}
    - name: tmp
      emptyDir:
        sizeLimit: 1Gi
    {{- with $.Values.model.hfTokenSecret.name }}
    - name: hf-token
      secret:
        secretName: {{ . | quote }}
        defaultMode: 0440
        items:
          - key: {{ $.Values.model.hfTokenSecret.key | quote }}
            path: token
    {{- end }}
    {{- with $.Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/*
rocm-vllm.podSecurityContext: podSecurityContext extras, then the ROCm settings (video/render groups for
/dev/dri, the seccomp profile), which win.
*/}}
{{- define "rocm-vllm.podSecurityContext" -}}
{{- $sc := deepCopy (.Values.podSecurityContext | default dict) }}
{{- with .Values.rocm.supplementalGroups }}
{{- $_ := set $sc "supplementalGroups" . }}
{{- end }}
{{- $_ := set $sc "seccompProfile" .Values.rocm.seccompProfile }}
{{- if and .Values.cache.download.enabled (not .Values.cache.offline) (not (hasKey $sc "fsGroup")) }}
{{- /* The download init container runs as UID/GID 10001: the cache volume must be group-writable for it. */}}
{{- $_ := set $sc "fsGroup" 10001 }}
{{- $_ := set $sc "fsGroupChangePolicy" "OnRootMismatch" }}
{{- end }}
{{- toYaml $sc }}
{{- end }}

{{/*
rocm-vllm.containerSecurityContext: containerSecurityContext extras under a fixed hardening floor: never
privileged, no privilege escalation, every capability dropped; IPC_LOCK added only when fabric.ipcLock
(RDMA memory registration).
*/}}
{{- define "rocm-vllm.containerSecurityContext" -}}
{{- $sc := deepCopy (.Values.containerSecurityContext | default dict) }}
{{- $_ := set $sc "privileged" false }}
{{- $_ := set $sc "allowPrivilegeEscalation" false }}
{{- $caps := dict "drop" (list "ALL") }}
{{- if .Values.fabric.ipcLock }}
{{- $_ := set $caps "add" (list "IPC_LOCK") }}
{{- end }}
{{- $_ := set $sc "capabilities" $caps }}
{{- toYaml $sc }}
{{- end }}

{{/*
rocm-vllm.hfEnv: Hugging Face settings shared by the server and the download init container: HF_HOME on the
cache mount, the token from a Secret (never a plain value), offline mode.
*/}}
{{- define "rocm-vllm.hfEnv" -}}
- name: HF_HOME
  value: {{ .Values.cache.mountPath | quote }}
{{- if .Values.cache.offline }}
- name: HF_HUB_OFFLINE
  value: "1"
{{- end }}
{{- if .Values.cache.readOnly }}
{{- /* transformers writes trust-remote-code modules under HF_HOME/modules by default; the cache is read-only. */}}
- name: HF_MODULES_CACHE
  value: "/tmp/hf_modules"
{{- end }}
{{- if .Values.model.hfTokenSecret.name }}
{{- /* huggingface_hub reads the token file named by HF_TOKEN_PATH (constants.py); no token in the environment. */}}
- name: HF_TOKEN_PATH
  value: /var/run/secrets/huggingface/token
{{- end }}
{{- end }}

{{/*
rocm-vllm.hfTokenMount: the volume mount of the Hugging Face token Secret (model.hfTokenSecret), when set.
*/}}
{{- define "rocm-vllm.hfTokenMount" -}}
{{- if .Values.model.hfTokenSecret.name }}
- name: hf-token
  mountPath: /var/run/secrets/huggingface
  readOnly: true
{{- end }}
{{- end }}

{{/*
rocm-vllm.fabricEnv: RCCL/Gloo settings for the inter-node fabric (RCCL reads the NCCL_* names).
*/}}
{{- define "rocm-vllm.fabricEnv" -}}
{{- with .Values.fabric.socketIfname }}
- name: NCCL_SOCKET_IFNAME
  value: {{ . | quote }}
- name: GLOO_SOCKET_IFNAME
  value: {{ . | quote }}
{{- end }}
{{- with .Values.fabric.ibHca }}
- name: NCCL_IB_HCA
  value: {{ . | quote }}
{{- end }}
{{- if not (kindIs "invalid" .Values.fabric.ibGidIndex) }}
- name: NCCL_IB_GID_INDEX
  value: {{ .Values.fabric.ibGidIndex | toString | quote }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.resources: resources plus the GPU request (gpu.resourceName: gpu.count, unless gpu.enabled is false)
and the fabric's extended resources (e.g. amd.com/nic), set as both request and limit.
*/}}
{{- define "rocm-vllm.resources" -}}
{{- $requests := deepCopy (.Values.resources.requests | default dict) }}
{{- $limits := deepCopy (.Values.resources.limits | default dict) }}
{{- /* The memory-backed /dev/shm emptyDir is charged to the container's memory: add it to the request and limit. */}}
{{- $shmMi := include "rocm-vllm.quantityMi" .Values.rocm.shmSize | int }}
{{- range $bound := list $requests $limits }}
{{- if hasKey $bound "memory" }}
{{- $_ := set $bound "memory" (include "rocm-vllm.quantityFromMi" (add (include "rocm-vllm.quantityMi" (get $bound "memory") | int) $shmMi)) }}
{{- end }}
{{- end }}
{{- if .Values.gpu.enabled }}
{{- $_ := set $requests .Values.gpu.resourceName (int .Values.gpu.count) }}
{{- $_ := set $limits .Values.gpu.resourceName (int .Values.gpu.count) }}
{{- end }}
{{- range $name, $count := .Values.fabric.resources }}
{{- $_ := set $requests $name $count }}
{{- $_ := set $limits $name $count }}
{{- end }}
{{- $out := dict }}
{{- with $requests }}{{ $_ := set $out "requests" . }}{{ end }}
{{- with $limits }}{{ $_ := set $out "limits" . }}{{ end }}
{{- toYaml $out }}
{{- end }}

{{/*
rocm-vllm.affinity: node affinity on the GPU model's device ids (gpu.deviceIds, gpu.nodeAffinity) and the pod
anti-affinity preset (podAntiAffinityPreset), each replaced by the matching key of affinity when given.
The anti-affinity term selects every pod of the release, so it spreads both replicas and the members of an
LWS group across nodes.
*/}}
{{- define "rocm-vllm.affinity" -}}
{{- $out := dict }}
{{- $user := .Values.affinity | default dict }}
{{- if $user.nodeAffinity }}
{{- $_ := set $out "nodeAffinity" $user.nodeAffinity }}
{{- else if and .Values.gpu.enabled .Values.gpu.deviceIds .Values.gpu.nodeAffinity }}
{{- $expr := dict "key" "amd.com/gpu.device-id" "operator" "In" "values" .Values.gpu.deviceIds }}
{{- $term := dict "matchExpressions" (list $expr) }}
{{- $_ := set $out "nodeAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (dict "nodeSelectorTerms" (list $term))) }}
{{- end }}
{{- with $user.podAffinity }}
{{- $_ := set $out "podAffinity" . }}
{{- end }}
{{- if $user.podAntiAffinity }}
{{- $_ := set $out "podAntiAffinity" $user.podAntiAffinity }}
{{- else if ne .Values.podAntiAffinityPreset "none" }}
{{- $term := dict "labelSelector" (dict "matchLabels" (include "rocm-vllm.selectorLabels" . | fromYaml)) "topologyKey" .Values.podAntiAffinityTopologyKey }}
{{- if eq .Values.podAntiAffinityPreset "hard" }}
{{- $_ := set $out "podAntiAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (list $term)) }}
{{- else }}
{{- $_ := set $out "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" 100 "podAffinityTerm" $term))) }}
{{- end }}
{{- end }}
{{- if $out }}{{ toYaml $out }}{{ end }}
{{- end }}

{{/*
rocm-vllm.serveArgs: the arguments of `vllm serve` from model.* and vllm.* as a JSON list: the model, then
one flag per setting (an empty or null setting leaves its flag out), then vllm.extraArgs.
Flag names checked against vLLM 0.23.0 (vllm/engine/arg_utils.py, vllm/entrypoints/openai/cli_args.py).
*/}}
{{- define "rocm-vllm.serveArgs" -}}
{{- $v := .Values.vllm }}
{{- $args := list .Values.model.id }}
{{- with .Values.model.servedModelName }}{{ $args = concat $args (list "--served-model-name" .) }}{{ end }}
{{- /* --shutdown-timeout: on SIGTERM, vLLM stops admitting requests and gives in-flight ones this long to finish. */}}
{{- $shutdown := list "--shutdown-timeout" (toString (int .Values.drain.shutdownTimeoutSeconds)) }}
{{- with .Values.model.revision }}{{ $args = concat $args (list "--revision" .) }}{{ end }}
{{- if .Values.model.trustRemoteCode }}{{ $args = append $args "--trust-remote-code" }}{{ end }}
{{- $args = concat $args (list "--port" (toString (int $v.port))) }}
{{- $args = concat $args (list "--tensor-parallel-size" (toString (int $v.tensorParallelSize))) }}
{{- $args = concat $args (list "--pipeline-parallel-size" (toString (int $v.pipelineParallelSize))) }}
{{- $args = concat $args (list "--data-parallel-size" (toString (int $v.dataParallelSize))) }}
{{- if $v.enableExpertParallel }}{{ $args = append $args "--enable-expert-parallel" }}{{ end }}
{{- if not (kindIs "invalid" $v.maxModelLen) }}{{ $args = concat $args (list "--max-model-len" (toString (int $v.maxModelLen))) }}{{ end }}
{{- if not (kindIs "invalid" $v.gpuMemoryUtilization) }}{{ $args = concat $args (list "--gpu-memory-utilization" (toString $v.gpuMemoryUtilization)) }}{{ end }}
{{- if not (kindIs "invalid" $v.maxNumSeqs) }}{{ $args = concat $args (list "--max-num-seqs" (toString (int $v.maxNumSeqs))) }}{{ end }}
{{- with $v.dtype }}{{ $args = concat $args (list "--dtype" .) }}{{ end }}
{{- with $v.quantization }}{{ $args = concat $args (list "--quantization" .) }}{{ end }}
{{- with $v.kvCacheDtype }}{{ $args = concat $args (list "--kv-cache-dtype" .) }}{{ end }}
{{- $args = concat $args $shutdown }}
{{- range $v.extraArgs }}{{ $args = append $args (toString .) }}{{ end }}
{{- toJson $args }}
{{- end }}

{{/*
rocm-vllm.containerCommand: command and args of the vllm container for a role.
- command set: command/args replace everything, on every pod (stand-ins such as a vLLM simulator).
- single: vllm serve <model> <flags>.
- leader/worker, ray: the chart's launch scripts files/ray-leader.sh and files/ray-worker.sh (rocm-vllm.launchScript)
  run by /bin/sh; the leader gets the vllm serve arguments as its own ($0 is its name), and both read their
  settings from the environment (rocm-vllm.launchEnv).
- leader/worker, mp: every pod runs vllm serve --distributed-executor-backend mp with --nnodes/--node-rank/
  --master-addr/--master-port from the LWS environment (LWS_WORKER_INDEX needs LeaderWorkerSet v0.6.0 or newer);
  workers add --headless (no API server).
*/}}
{{- define "rocm-vllm.containerCommand" -}}
{{- $ := .ctx }}
{{- $role := .role }}
{{- $serve := include "rocm-vllm.serveArgs" $ | fromJsonArray }}
{{- $mn := $.Values.multiNode }}
{{- if $.Values.command -}}
command:
  {{- toYaml $.Values.command | nindent 2 }}
{{- with $.Values.args }}
args:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- else if eq $role "single" -}}
command:
  - vllm
  - serve
args:
  {{- toYaml $serve | nindent 2 }}
{{- else if eq $mn.launchMode "mp" -}}
{{- $dist := list "--distributed-executor-backend" "mp" "--nnodes" "$(LWS_GROUP_SIZE)" "--node-rank" "$(LWS_WORKER_INDEX)" "--master-addr" "$(LWS_LEADER_ADDRESS)" "--master-port" (toString (int $mn.masterPort)) }}
{{- if eq $role "worker" }}{{ $dist = append $dist "--headless" }}{{ end }}
command:
  - vllm
  - serve
args:
  {{- toYaml (concat $serve $dist) | nindent 2 }}
{{- else if eq $role "leader" -}}
command:
  {{- toYaml (list "/bin/sh" "-c" (include "rocm-vllm.launchScript" (dict "ctx" $ "file" "ray-leader.sh"))) | nindent 2 }}
args:
  {{- toYaml (prepend $serve "ray-leader") | nindent 2 }}
{{- else -}}
command:
  {{- toYaml (list "/bin/sh" "-c" (include "rocm-vllm.launchScript" (dict "ctx" $ "file" "ray-worker.sh"))) | nindent 2 }}
args:
  - ray-worker
{{- end }}
{{- end }}

{{/*
rocm-vllm.leaderPort: the leader port a worker depends on: the Ray head (ray) or torch.distributed's master (mp).
*/}}
{{- define "rocm-vllm.leaderPort" -}}
{{- if eq .Values.multiNode.launchMode "ray" }}{{ int .Values.multiNode.rayPort }}{{ else }}{{ int .Values.multiNode.masterPort }}{{ end }}
{{- end }}

{{/*
rocm-vllm.probes: probes for a role. Single-node pods and leaders serve the API: HTTP probes on /health.
Workers serve no HTTP (Ray workers run only `ray start --block`; mp workers run vllm serve --headless), so an
HTTP probe would kill them; they get exec probes checking that the leader's Ray/master port is reachable.
*/}}
{{- define "rocm-vllm.probes" -}}
{{- $ := .ctx }}
{{- /* Ray launch: the startup probes also allow the group wait (rocm-vllm.launchStartupFailureThreshold). */}}
{{- $rayGroup := and (ne .role "single") (include "rocm-vllm.rayLaunch" $) }}
{{- if eq .role "worker" }}
{{- range $kind := list "startup" "readiness" "liveness" }}
{{- $p := get $.Values.probes.worker $kind }}
{{- if $p.enabled }}
{{- $settings := omit $p "enabled" }}
{{- if and $rayGroup (eq $kind "startup") }}
{{- $_ := set $settings "failureThreshold" (include "rocm-vllm.launchStartupFailureThreshold" (dict "ctx" $ "probe" $p) | int) }}
{{- end }}
{{ $kind }}Probe:
  exec:
    command:
      - python3
      - -c
      - {{ printf "import os, socket; socket.create_connection((os.environ[\"LWS_LEADER_ADDRESS\"], %s), 5).close()" (include "rocm-vllm.leaderPort" $) | quote }}
  {{- toYaml $settings | nindent 2 }}
{{- end }}
{{- end }}
{{- else }}
{{- range $kind := list "startup" "readiness" "liveness" }}
{{- $p := get $.Values.probes $kind }}
{{- if $p.enabled }}
{{- $settings := omit $p "enabled" "path" }}
{{- if and $rayGroup (eq $kind "startup") }}
{{- $_ := set $settings "failureThreshold" (include "rocm-vllm.launchStartupFailureThreshold" (dict "ctx" $ "probe" $p) | int) }}
{{- end }}
{{ $kind }}Probe:
  httpGet:
    path: {{ $p.path }}
    port: http
  {{- toYaml $settings | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
