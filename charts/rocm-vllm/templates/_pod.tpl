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
  {{- with (include "rocm-vllm.nodeSelector" $ | fromYaml) }}
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
  {{- if include "rocm-vllm.dra" $ }}
  {{- /* One claim per pod from the release's ResourceClaimTemplate: leader and workers each get their own GPUs. */}}
  resourceClaims:
    - name: gpu
      resourceClaimTemplateName: {{ include "rocm-vllm.gpuClaimName" $ }}
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
  {{- $adapters := include "rocm-vllm.loraDownloads" $ | fromJsonArray }}
  {{- if $.Values.gpu.guaranteed }}
  {{- range $.Values.extraInitContainers }}
  {{- $r := .resources | default dict }}
  {{- $_ := include "rocm-vllm.guaranteedLimits" (dict "requests" ($r.requests | default dict) "limits" (required (printf "ERROR: gpu.guaranteed needs extraInitContainers %s to set resources.limits equal to resources.requests (cpu in whole cores, memory): a pod is Guaranteed only when every container is." .name) $r.limits) "what" (printf "extraInitContainers %s resources" .name)) }}
  {{- if or (ne (toString (get $r.limits "cpu")) (toString (get ($r.requests | default dict) "cpu"))) (ne (toString (get $r.limits "memory")) (toString (get ($r.requests | default dict) "memory"))) }}
  {{- fail (printf "ERROR: gpu.guaranteed needs extraInitContainers %s to set resources.limits equal to resources.requests for cpu and memory." .name) }}
  {{- end }}
  {{- end }}
  {{- end }}
  {{- if or $download $adapters $.Values.extraInitContainers $.Values.nodeCache.enabled }}
  initContainers:
    {{- with $.Values.extraInitContainers }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- if $.Values.nodeCache.enabled }}
    {{- include "rocm-vllm.nodeCacheWait" $ | nindent 4 }}
    {{- end }}
    {{- if or $download $adapters }}
    {{- /* One download path: the model (cache.download) and the LoRA adapters at their pinned revisions
    (lora.adapters) go through the same snapshot_download into the same HF_HOME. */}}
    - name: download-model
      image: {{ include "rocm-vllm.image" $ | quote }}
      imagePullPolicy: {{ $.Values.image.pullPolicy }}
      command:
        - python3
        - -c
        - |
          import json, os
          from huggingface_hub import snapshot_download
          {{- if $download }}
          path = snapshot_download(
              repo_id=os.environ["MODEL_ID"],
              revision=os.environ.get("MODEL_REVISION") or None,
              allow_patterns=json.loads(os.environ["ALLOW_PATTERNS"]) or None,
              ignore_patterns=json.loads(os.environ["IGNORE_PATTERNS"]) or None,
          )
          print(f"model files ready in {path}")
          {{- end }}
          {{- if $adapters }}
          for adapter in json.loads(os.environ["LORA_ADAPTERS"]):
              path = snapshot_download(repo_id=adapter["repo"], revision=adapter["revision"])
              print(f"LoRA adapter {adapter['name']} ready in {path}")
          {{- end }}
      env:
        - name: HOME
          value: /tmp
        {{- if $download }}
        - name: MODEL_ID
          value: {{ $.Values.model.id | quote }}
        - name: MODEL_REVISION
          value: {{ $.Values.model.revision | quote }}
        - name: ALLOW_PATTERNS
          value: {{ $.Values.cache.download.allowPatterns | toJson | quote }}
        - name: IGNORE_PATTERNS
          value: {{ $.Values.cache.download.ignorePatterns | toJson | quote }}
        {{- end }}
        {{- if $adapters }}
        - name: LORA_ADAPTERS
          value: {{ toJson $adapters | quote }}
        {{- end }}
        {{- include "rocm-vllm.hfEnv" $ | trim | nindent 8 }}
      resources:
        {{- include "rocm-vllm.helperResources" (dict "ctx" $ "resources" $.Values.cache.download.resources "what" "cache.download.resources") | nindent 8 }}
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
      {{- $servesApi := include "rocm-vllm.servesApi" (dict "ctx" $ "role" $role) }}
      {{- if $servesApi }}
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
        {{- with (include "rocm-vllm.coldStartEnv" $) }}
        {{- . | trim | nindent 8 }}
        {{- end }}
        {{- range $name, $value := $.Values.vllm.env }}
        - name: {{ $name }}
          value: {{ $value | toString | quote }}
        {{- end }}
        {{- if and $servesApi $.Values.apiKey.secretName }}
        {{- /* vLLM reads VLLM_API_KEY (vllm/envs.py) and then requires "Authorization: Bearer <key>" on /v1 routes. */}}
        - name: VLLM_API_KEY
          valueFrom:
            secretKeyRef:
              name: {{ $.Values.apiKey.secretName | quote }}
              key: {{ $.Values.apiKey.secretKey | quote }}
        {{- end }}
        {{- if and $.Values.lora.enabled $.Values.lora.runtimeUpdating }}
        {{- /* vLLM attaches /v1/load_lora_adapter and /v1/unload_lora_adapter (vllm/envs.py, serve/lora/api_router.py). */}}
        - name: VLLM_ALLOW_RUNTIME_LORA_UPDATING
          value: "true"
        {{- end }}
        {{- with $.Values.vllm.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if and $servesApi (gt (int $.Values.drain.preStopSleepSeconds) 0) }}
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
          {{- if or $.Values.cache.readOnly $.Values.nodeCache.enabled }}
          readOnly: true
          {{- end }}
        {{- if $.Values.compileCache.enabled }}
        - name: compile-cache
          mountPath: {{ $.Values.compileCache.mountPath }}
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
      {{- if $.Values.nodeCache.enabled }}
      {{- /* The node-local copy, filled by the prefill DaemonSet (rocm-vllm.nodeCachePrefillDaemonSet). */}}
      hostPath:
        path: {{ $.Values.nodeCache.hostPath | quote }}
        type: DirectoryOrCreate
      {{- else if $.Values.cache.enabled }}
      persistentVolumeClaim:
        claimName: {{ include "rocm-vllm.cacheClaimName" $ }}
        {{- if $.Values.cache.readOnly }}
        readOnly: true
        {{- end }}
      {{- else }}
      emptyDir: {}
      {{- end }}
    {{- if $.Values.compileCache.enabled }}
    - name: compile-cache
      persistentVolumeClaim:
        claimName: {{ include "rocm-vllm.compileCacheClaimName" $ }}
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
{{- $downloads := or (and .Values.cache.download.enabled (not .Values.cache.offline)) (include "rocm-vllm.loraDownloads" . | fromJsonArray) }}
{{- if and $downloads (not (hasKey $sc "fsGroup")) }}
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
{{- if or .Values.cache.offline .Values.nodeCache.enabled }}
- name: HF_HUB_OFFLINE
  value: "1"
{{- end }}
{{- if or .Values.cache.readOnly .Values.nodeCache.enabled }}
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
{{- if not (kindIs "invalid" .Values.fabric.ibDisable) }}
- name: NCCL_IB_DISABLE
  value: {{ ternary "1" "0" .Values.fabric.ibDisable | quote }}
{{- end }}
{{- /* AMD MoRI (ROCm/mori v1.2.2 names): the mori_* all-to-all backends and the MoRIIO KV connector read them. */}}
{{- $mori := .Values.fabric.mori }}
{{- range $name, $value := dict "MORI_SHMEM_HEAP_SIZE" $mori.shmemHeapSize "MORI_RDMA_DEVICES" $mori.rdmaDevices "MORI_DEVICE_NIC" $mori.deviceNic "MORI_SOCKET_IFNAME" $mori.socketIfname }}
{{- with $value }}
- name: {{ $name }}
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.resources: resources plus the GPU request (gpu.resourceName: gpu.count, unless gpu.enabled is false)
and the fabric's extended resources (e.g. amd.com/nic), set as both request and limit.
*/}}
{{- define "rocm-vllm.resources" -}}
{{- $requests := deepCopy (.Values.resources.requests | default dict) }}
{{- $limits := deepCopy (.Values.resources.limits | default dict) }}
{{- if .Values.gpu.guaranteed }}
{{- $limits = include "rocm-vllm.guaranteedLimits" (dict "requests" $requests "limits" $limits "what" "resources") | fromYaml }}
{{- end }}
{{- /* The memory-backed /dev/shm emptyDir is charged to the container's memory: add it to the request and limit. */}}
{{- /* So is the KV offload buffer (kvOffload.sizeGiB): vLLM allocates it in host memory. */}}
{{- $shmMi := add (include "rocm-vllm.quantityMi" .Values.rocm.shmSize | int) (include "rocm-vllm.kvOffloadMi" . | int) }}
{{- range $bound := list $requests $limits }}
{{- if hasKey $bound "memory" }}
{{- $_ := set $bound "memory" (include "rocm-vllm.quantityFromMi" (add (include "rocm-vllm.quantityMi" (get $bound "memory") | int) $shmMi)) }}
{{- end }}
{{- end }}
{{- if and .Values.gpu.enabled (not (include "rocm-vllm.dra" .)) }}
{{- $gpuResource := include "rocm-vllm.gpuResourceName" . }}
{{- $_ := set $requests $gpuResource (int .Values.gpu.count) }}
{{- $_ := set $limits $gpuResource (int .Values.gpu.count) }}
{{- end }}
{{- range $name, $count := .Values.fabric.resources }}
{{- $_ := set $requests $name $count }}
{{- $_ := set $limits $name $count }}
{{- end }}
{{- $out := dict }}
{{- with $requests }}{{ $_ := set $out "requests" . }}{{ end }}
{{- with $limits }}{{ $_ := set $out "limits" . }}{{ end }}
{{- if include "rocm-vllm.dra" . }}
{{- $_ := set $out "claims" (list (dict "name" "gpu")) }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
rocm-vllm.gpuResourceName: the device plugin's extended resource: amd.com/<gpu.partition> under the "mixed" naming
strategy when a partition is asked for (k8s-device-plugin docs/user-guide/configuration.md), else gpu.resourceName.
*/}}
{{- define "rocm-vllm.gpuResourceName" -}}
{{- if and .Values.gpu.partition (eq .Values.gpu.resourceNamingStrategy "mixed") }}
{{- printf "amd.com/%s" .Values.gpu.partition }}
{{- else }}
{{- .Values.gpu.resourceName }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.guaranteedLimits: the limits that make a container Guaranteed (dict "requests" r "limits" l "what" path):
cpu and memory limits equal to the requests, which must be given, cpu in whole cores (the static CPU manager
pins only integer CPUs); a different limit given for either fails.
*/}}
{{- define "rocm-vllm.guaranteedLimits" -}}
{{- $limits := deepCopy .limits }}
{{- range $name := list "cpu" "memory" }}
{{- if not (hasKey $.requests $name) }}
{{- fail (printf "ERROR: gpu.guaranteed needs %s.requests.%s (Guaranteed QoS sets the limit equal to the request)." $.what $name) }}
{{- end }}
{{- $request := get $.requests $name }}
{{- if and (hasKey $limits $name) (ne (toString (get $limits $name)) (toString $request)) }}
{{- fail (printf "ERROR: gpu.guaranteed needs %s.limits.%s equal to its request %v, not %v: leave the limit out or make them equal." $.what $name $request (get $limits $name)) }}
{{- end }}
{{- $_ := set $limits $name $request }}
{{- end }}
{{- if not (regexMatch "^[1-9][0-9]*$" (toString (get .requests "cpu"))) }}
{{- fail (printf "ERROR: gpu.guaranteed needs %s.requests.cpu in whole cores (for example 16), not %v: the static CPU manager only pins integer CPUs." .what (get .requests "cpu")) }}
{{- end }}
{{- toYaml $limits }}
{{- end }}

{{/*
rocm-vllm.helperResources: a helper container's resources (dict "ctx" $ "resources" r "what" path), made
Guaranteed with gpu.guaranteed (a pod is Guaranteed only when every container, init containers included, is): a
helper's limits, when they give cpu and memory, become its requests too (the cap it was sized for), else its
requests become its limits.
*/}}
{{- define "rocm-vllm.helperResources" -}}
{{- $resources := deepCopy (.resources | default dict) }}
{{- if .ctx.Values.gpu.guaranteed }}
{{- $limits := $resources.limits | default dict }}
{{- $fromLimits := and (hasKey $limits "cpu") (hasKey $limits "memory") }}
{{- $base := ternary $limits ($resources.requests | default dict) $fromLimits }}
{{- $fixed := include "rocm-vllm.guaranteedLimits" (dict "requests" $base "limits" $base "what" (printf "%s.%s" .what (ternary "limits" "requests" $fromLimits))) | fromYaml }}
{{- $_ := set $resources "requests" $fixed }}
{{- $_ := set $resources "limits" (deepCopy $fixed) }}
{{- end }}
{{- toYaml $resources }}
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
{{- else if .Values.gpu.enabled }}
{{- $device := list }}
{{- if and .Values.gpu.deviceIds .Values.gpu.nodeAffinity }}
{{- $device = list (dict "key" "amd.com/gpu.device-id" "operator" "In" "values" .Values.gpu.deviceIds) }}
{{- end }}
{{- $terms := list }}
{{- if and .Values.gpu.partition (not (include "rocm-vllm.dra" .)) (eq .Values.gpu.resourceNamingStrategy "single") }}
{{- /* Under "single", amd.com/gpu counts partitions and whole GPUs alike: only the node labeller's partition label
tells them apart. Its code writes amd.com/gpu.compute-memory-partition, its docs amd.com/compute-memory-partition:
one term per spelling (terms are ORed). */}}
{{- range $key := list "amd.com/gpu.compute-memory-partition" "amd.com/compute-memory-partition" }}
{{- $terms = append $terms (dict "matchExpressions" (append $device (dict "key" $key "operator" "In" "values" (list $.Values.gpu.partition)))) }}
{{- end }}
{{- else if $device }}
{{- if and (not .Values.gpu.partition) (not (include "rocm-vllm.dra" .)) (eq .Values.gpu.resourceNamingStrategy "single") }}
{{- /* Whole GPUs under "single": keep off nodes whose partition label (either spelling) names a partitioned mode,
where amd.com/gpu counts partitions (a CPX MI300X node offers 64). NotIn also matches nodes without the label. */}}
{{- $partitioned := list }}
{{- range $compute := list "dpx" "qpx" "cpx" }}{{ range $memory := list "nps1" "nps2" "nps4" }}
{{- $partitioned = append $partitioned (printf "%s_%s" $compute $memory) }}
{{- end }}{{ end }}
{{- range $key := list "amd.com/gpu.compute-memory-partition" "amd.com/compute-memory-partition" }}
{{- $device = append $device (dict "key" $key "operator" "NotIn" "values" $partitioned) }}
{{- end }}
{{- end }}
{{- $terms = list (dict "matchExpressions" $device) }}
{{- end }}
{{- with $terms }}
{{- $_ := set $out "nodeAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (dict "nodeSelectorTerms" .)) }}
{{- end }}
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
{{- $args := include "rocm-vllm.modelSourceArgs" . | fromJsonArray }}
{{- /* --shutdown-timeout: on SIGTERM, vLLM stops admitting requests and gives in-flight ones this long to finish. */}}
{{- $shutdown := list "--shutdown-timeout" (toString (int .Values.drain.shutdownTimeoutSeconds)) }}
{{- if .Values.model.trustRemoteCode }}{{ $args = append $args "--trust-remote-code" }}{{ end }}
{{- $args = concat $args (list "--port" (toString (int $v.port))) }}
{{- $args = concat $args (list "--tensor-parallel-size" (toString (int $v.tensorParallelSize))) }}
{{- $args = concat $args (list "--pipeline-parallel-size" (toString (int $v.pipelineParallelSize))) }}
{{- $args = concat $args (list "--data-parallel-size" (toString (int $v.dataParallelSize))) }}
{{- if include "rocm-vllm.dataParallelAcrossNodes" . }}
{{- $args = concat $args (list "--data-parallel-size-local" (include "rocm-vllm.dataParallelSizeLocal" .)) }}
{{- end }}
{{- if $v.enableExpertParallel }}{{ $args = append $args "--enable-expert-parallel" }}{{ end }}
{{- $dpv := .Values.dataParallel }}
{{- with $dpv.all2allBackend }}{{ $args = concat $args (list "--all2all-backend" .) }}{{ end }}
{{- if $dpv.eplb.enabled }}
{{- $args = concat $args (list "--enable-eplb" "--eplb-config" (toJson (dict "num_redundant_experts" (int $dpv.eplb.numRedundantExperts)))) }}
{{- end }}
{{- if not (kindIs "invalid" $v.maxModelLen) }}{{ $args = concat $args (list "--max-model-len" (toString (int $v.maxModelLen))) }}{{ end }}
{{- if not (kindIs "invalid" $v.gpuMemoryUtilization) }}{{ $args = concat $args (list "--gpu-memory-utilization" (toString $v.gpuMemoryUtilization)) }}{{ end }}
{{- if not (kindIs "invalid" $v.maxNumSeqs) }}{{ $args = concat $args (list "--max-num-seqs" (toString (int $v.maxNumSeqs))) }}{{ end }}
{{- with $v.dtype }}{{ $args = concat $args (list "--dtype" .) }}{{ end }}
{{- with $v.quantization }}{{ $args = concat $args (list "--quantization" .) }}{{ end }}
{{- with $v.kvCacheDtype }}{{ $args = concat $args (list "--kv-cache-dtype" .) }}{{ end }}
{{- $args = concat $args (include "rocm-vllm.loraServeArgs" . | fromJsonArray) }}
{{- $args = concat $args (include "rocm-vllm.kvOffloadArgs" . | fromJsonArray) }}
{{- $args = concat $args $shutdown }}
{{- range $v.extraArgs }}{{ $args = append $args (toString .) }}{{ end }}
{{- toJson $args }}
{{- end }}

{{/*
rocm-vllm.loraServeArgs: the LoRA flags of `vllm serve` as a JSON list, empty unless lora.enabled: --enable-lora,
--max-loras, --max-lora-rank, --max-cpu-loras, --lora-dtype and --lora-modules with one JSON item per static
adapter ({"base_model_name", "name", "path"}: LoRAModulePath, vllm/entrypoints/openai/models/protocol.py). The
base model name is the served model name, so GET /v1/models lists each adapter with it as parent.
*/}}
{{- define "rocm-vllm.loraServeArgs" -}}
{{- $l := .Values.lora }}
{{- $args := list }}
{{- if $l.enabled }}
{{- $args = concat $args (list "--enable-lora" "--max-loras" (toString (int $l.maxLoras)) "--max-lora-rank" (toString (int $l.maxLoraRank))) }}
{{- if not (kindIs "invalid" $l.maxCpuLoras) }}{{ $args = concat $args (list "--max-cpu-loras" (toString (int $l.maxCpuLoras))) }}{{ end }}
{{- with $l.dtype }}{{ $args = concat $args (list "--lora-dtype" .) }}{{ end }}
{{- if $l.adapters }}
{{- $args = append $args "--lora-modules" }}
{{- $base := default .Values.model.id .Values.model.servedModelName }}
{{- range $l.adapters }}
{{- $args = append $args (dict "name" .name "path" (include "rocm-vllm.loraAdapterPath" (dict "ctx" $ "adapter" .)) "base_model_name" $base | toJson) }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $args }}
{{- end }}

{{/*
rocm-vllm.loraAdapterPath: where vLLM loads one adapter (dict "ctx" $ "adapter" entry): a repo's pinned snapshot in
the Hugging Face cache under HF_HOME (cache.mountPath): <mountPath>/hub/models--<org>--<name>/snapshots/<revision>
(huggingface_hub's layout, docs/cache.md), or <mountPath>/<path>.
*/}}
{{- define "rocm-vllm.loraAdapterPath" -}}
{{- $root := .ctx.Values.cache.mountPath | trimSuffix "/" }}
{{- if .adapter.repo -}}
{{ printf "%s/hub/models--%s/snapshots/%s" $root (replace "/" "--" .adapter.repo) .adapter.revision }}
{{- else -}}
{{ printf "%s/%s" $root (.adapter.path | trimSuffix "/") }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.loraDownloads: the adapters the download init container fetches, as a JSON list of {name, repo,
revision}: the repo adapters of an enabled lora block, unless the cache is offline or read-only (then it must
already hold them).
*/}}
{{- define "rocm-vllm.loraDownloads" -}}
{{- $out := list }}
{{- if and .Values.lora.enabled (not .Values.cache.offline) (not .Values.cache.readOnly) }}
{{- range .Values.lora.adapters }}
{{- if .repo }}{{ $out = append $out (dict "name" .name "repo" .repo "revision" .revision) }}{{ end }}
{{- end }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/*
rocm-vllm.containerCommand: command and args of the vllm container for a role.
- command set: command/args replace everything, on every pod (stand-ins such as a vLLM simulator).
- single: vllm serve <model> <flags>.
- leader/worker, ray: the chart's launch scripts files/ray-leader.sh and files/ray-worker.sh (rocm-vllm.launchScript)
  run by /bin/sh; the leader gets the vllm serve arguments as its own ($0 is its name), and both read their
  settings from the environment (rocm-vllm.launchEnv).
- leader/worker, data parallel across nodes (mp only): the chart's files/dp-launch.sh, run by /bin/sh with the
  vllm serve arguments (--api-server-count only on pods that serve the API); it adds the leader address, the RPC
  port and, from LWS_WORKER_INDEX, the start rank and --headless (internal) or --data-parallel-hybrid-lb (hybrid).
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
{{- with $.Values.dataParallel.apiServerCount }}{{ $serve = concat $serve (list "--api-server-count" (toString (int .))) }}{{ end }}
command:
  - vllm
  - serve
args:
  {{- toYaml $serve | nindent 2 }}
{{- else if include "rocm-vllm.dataParallelAcrossNodes" $ -}}
{{- /* Every pod runs its node's ranks; files/dp-launch.sh adds the leader address, the RPC port and, by
LWS_WORKER_INDEX, the start rank and --headless or --data-parallel-hybrid-lb (rocm-vllm.launchEnv). */}}
{{- if include "rocm-vllm.servesApi" (dict "ctx" $ "role" $role) }}
{{- with $.Values.dataParallel.apiServerCount }}{{ $serve = concat $serve (list "--api-server-count" (toString (int .))) }}{{ end }}
{{- end }}
command:
  {{- toYaml (list "/bin/sh" "-c" (include "rocm-vllm.launchScript" (dict "ctx" $ "file" "dp-launch.sh"))) | nindent 2 }}
args:
  {{- toYaml (prepend $serve "dp-launch") | nindent 2 }}
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
{{- if include "rocm-vllm.dataParallelAcrossNodes" . }}{{ int .Values.vllm.port }}
{{- else if eq .Values.multiNode.launchMode "ray" }}{{ int .Values.multiNode.rayPort }}{{ else }}{{ int .Values.multiNode.masterPort }}{{ end }}
{{- end }}

{{/*
rocm-vllm.probes: probes for a role. Pods that serve the API (rocm-vllm.servesApi: single-node pods, leaders,
and hybrid data-parallel workers) get HTTP probes on /health. Other workers serve no HTTP (Ray workers run only
`ray start --block`; mp and internal-LB data-parallel workers run vllm serve --headless), so an HTTP probe would
kill them; they get exec probes checking that the leader's port is reachable (Ray head, torch.distributed master,
or with data parallel the leader's API port: the DP handshake port closes once the engines are up).
*/}}
{{- define "rocm-vllm.probes" -}}
{{- $ := .ctx }}
{{- /* Ray launch: the startup probes also allow the group wait (rocm-vllm.launchStartupFailureThreshold). */}}
{{- $rayGroup := and (ne .role "single") (include "rocm-vllm.rayLaunch" $) }}
{{- if not (include "rocm-vllm.servesApi" (dict "ctx" $ "role" .role)) }}
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
