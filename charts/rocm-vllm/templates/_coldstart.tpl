{{/*
Cold-start options (values objectStorage, nodeCache, compileCache, imagePrepull) and KV offload (kvOffload):
the named templates the pod template, the claims and the DaemonSets use. docs/cache.md explains the tiers.
*/}}

{{/*
rocm-vllm.validateColdStart: combinations of the cold-start values that cannot work, refused with what to change.
*/}}
{{- define "rocm-vllm.validateColdStart" -}}
{{- $os := .Values.objectStorage }}
{{- $nc := .Values.nodeCache }}
{{- $download := and .Values.cache.download.enabled (not .Values.cache.offline) }}
{{- if and $os.enabled (not $os.uri) }}
{{- fail "ERROR: objectStorage.enabled needs objectStorage.uri, the model folder in the bucket (for example s3://models/meta-llama/Llama-3.1-8B-Instruct)." }}
{{- end }}
{{- if and $os.enabled $nc.enabled }}
{{- fail "ERROR: objectStorage.enabled and nodeCache.enabled are both true: the weights stream from the bucket or are read from the node's disk, not both. Set one of them to false." }}
{{- end }}
{{- if and $os.enabled $download }}
{{- fail "ERROR: objectStorage.enabled with cache.download.enabled: vLLM streams the weights from objectStorage.uri, so the Hugging Face download would be wasted. Set cache.download.enabled=false." }}
{{- end }}
{{- if $os.enabled }}
{{- range .Values.vllm.extraArgs }}
{{- if or (eq (toString .) "--load-format") (hasPrefix "--load-format=" (toString .)) (eq (toString .) "--model-loader-extra-config") (hasPrefix "--model-loader-extra-config=" (toString .)) }}
{{- fail (printf "ERROR: vllm.extraArgs has %s, which objectStorage.enabled sets itself (--load-format runai_streamer; objectStorage.concurrency and memoryLimit). Remove it from vllm.extraArgs." (toString .)) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $nc.enabled (not $nc.hostPath) }}
{{- fail "ERROR: nodeCache.enabled needs nodeCache.hostPath, the directory on the nodes' local disk (for example /mnt/nvme/rocm-vllm)." }}
{{- end }}
{{- if and $nc.enabled (eq $nc.prefill.source "claim") (not .Values.cache.enabled) }}
{{- fail "ERROR: nodeCache.prefill.source \"claim\" copies from the shared claim, but cache.enabled is false: set cache.enabled=true with cache.existingClaim=<the filled claim>, or nodeCache.prefill.source=hub." }}
{{- end }}
{{- if and $nc.enabled $download }}
{{- fail "ERROR: nodeCache.enabled with cache.download.enabled: the vLLM pods mount the node's copy read-only and the prefill DaemonSet fills it. Set cache.download.enabled=false." }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.compileCacheKey: what compiled artefacts depend on: the model and its revision, the GPU architecture
(compileCache.gpuArch, else gpu.model) and the image. Replicas with the same key share compiled graphs and kernels.
*/}}
{{- define "rocm-vllm.compileCacheKey" -}}
{{- printf "%s@%s|%s|%s" .Values.model.id .Values.model.revision (default .Values.gpu.model .Values.compileCache.gpuArch) (include "rocm-vllm.image" .) }}
{{- end }}

{{/*
rocm-vllm.compileCacheClaimName: compileCache.existingClaim, else <fullname>-compile-<first 10 hex digits of the
key's sha256>, so a new image, model or GPU architecture gets a new, empty claim instead of stale kernels.
*/}}
{{- define "rocm-vllm.compileCacheClaimName" -}}
{{- if .Values.compileCache.existingClaim }}
{{- .Values.compileCache.existingClaim }}
{{- else }}
{{- printf "%s-compile-%s" (include "rocm-vllm.fullname" . | trunc 52 | trimSuffix "-") (include "rocm-vllm.compileCacheKey" . | sha256sum | trunc 10) }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.compileCachePvc: the compile-cache claim (compileCache.enabled without existingClaim).
*/}}
{{- define "rocm-vllm.compileCachePvc" -}}
{{- if and .Values.compileCache.enabled (not .Values.compileCache.existingClaim) }}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "rocm-vllm.compileCacheClaimName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- merge (dict "app.kubernetes.io/component" "compile-cache") (include "rocm-vllm.labels" . | fromYaml) | toYaml | nindent 4 }}
  annotations:
    rocm-vllm.io/compile-cache-key: {{ include "rocm-vllm.compileCacheKey" . | quote }}
    {{- if .Values.compileCache.keep }}
    helm.sh/resource-policy: keep
    {{- end }}
spec:
  accessModes:
    {{- toYaml (.Values.compileCache.accessModes | default (list "ReadWriteMany")) | nindent 4 }}
  {{- with .Values.compileCache.storageClassName }}
  storageClassName: {{ . | quote }}
  {{- end }}
  resources:
    requests:
      storage: {{ .Values.compileCache.size }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.coldStartEnv: the vllm container's variables for the compile cache (vLLM 0.23.0 envs.py VLLM_CACHE_ROOT;
Triton's TRITON_CACHE_DIR; AITER's AITER_JIT_DIR, aiter/jit/core.py; MoRI's MORI_JIT_CACHE_DIR) and for object
storage (AWS SDK variables the Run:ai streamer reads; RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING from vLLM's doc).
*/}}
{{- define "rocm-vllm.coldStartEnv" -}}
{{- if .Values.compileCache.enabled }}
{{- $root := .Values.compileCache.mountPath | trimSuffix "/" }}
- name: VLLM_CACHE_ROOT
  value: {{ printf "%s/vllm" $root | quote }}
- name: TRITON_CACHE_DIR
  value: {{ printf "%s/triton" $root | quote }}
- name: AITER_JIT_DIR
  value: {{ printf "%s/aiter" $root | quote }}
- name: MORI_JIT_CACHE_DIR
  value: {{ printf "%s/mori" $root | quote }}
{{- end }}
{{- with .Values.objectStorage }}
{{- if .enabled }}
{{- if .pathStyle }}
- name: RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING
  value: "0"
{{- end }}
{{- with .endpoint }}
- name: AWS_ENDPOINT_URL
  value: {{ . | quote }}
{{- /* vLLM copies AWS_ENDPOINT_URL into RUNAI_STREAMER_S3_ENDPOINT only when --model-loader-extra-config is given
(model_loader/runai_streamer_loader.py): set it directly so the streamer sees the endpoint either way. */}}
- name: RUNAI_STREAMER_S3_ENDPOINT
  value: {{ . | quote }}
- name: AWS_EC2_METADATA_DISABLED
  value: "true"
{{- end }}
{{- with .credentialsSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $.Values.objectStorage.accessKeyIdKey | quote }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $.Values.objectStorage.secretAccessKeyKey | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.modelSourceArgs: the serve arguments that say where the weights come from, as a JSON list: with
objectStorage the bucket path, --served-model-name and --load-format runai_streamer (and the streamer's limits);
otherwise model.id with --served-model-name and --revision as given.
*/}}
{{- define "rocm-vllm.modelSourceArgs" -}}
{{- $os := .Values.objectStorage }}
{{- if $os.enabled }}
{{- $args := list $os.uri "--served-model-name" (include "rocm-vllm.servedModelName" .) "--load-format" "runai_streamer" }}
{{- $extra := dict }}
{{- if not (kindIs "invalid" $os.concurrency) }}{{ $_ := set $extra "concurrency" (int $os.concurrency) }}{{ end }}
{{- if not (kindIs "invalid" $os.memoryLimit) }}{{ $_ := set $extra "memory_limit" (int64 $os.memoryLimit) }}{{ end }}
{{- with $extra }}{{ $args = concat $args (list "--model-loader-extra-config" (toJson .)) }}{{ end }}
{{- toJson $args }}
{{- else }}
{{- $args := list .Values.model.id }}
{{- with .Values.model.servedModelName }}{{ $args = concat $args (list "--served-model-name" .) }}{{ end }}
{{- with .Values.model.revision }}{{ $args = concat $args (list "--revision" .) }}{{ end }}
{{- toJson $args }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.kvOffloadArgs: --kv-offloading-size and --kv-offloading-backend (vLLM 0.23.0 config/cache.py) when
kvOffload.sizeGiB is set, as a JSON list.
*/}}
{{- define "rocm-vllm.kvOffloadArgs" -}}
{{- $kv := .Values.kvOffload }}
{{- if kindIs "invalid" $kv.sizeGiB }}[]{{ else }}
{{- toJson (list "--kv-offloading-size" (toString $kv.sizeGiB) "--kv-offloading-backend" $kv.backend) }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.kvOffloadMi: the KV offload buffer in MiB (0 when off), added to the vllm container's memory request.
*/}}
{{- define "rocm-vllm.kvOffloadMi" -}}
{{- if kindIs "invalid" .Values.kvOffload.sizeGiB }}0{{ else }}{{ mulf (float64 .Values.kvOffload.sizeGiB) 1024.0 | ceil | int }}{{ end }}
{{- end }}

{{/*
rocm-vllm.nodeSelector: nodeSelector, plus nodeCache.nodeSelector when the node-local cache is on.
*/}}
{{- define "rocm-vllm.nodeSelector" -}}
{{- $out := deepCopy (.Values.nodeSelector | default dict) }}
{{- if .Values.nodeCache.enabled }}
{{- $out = merge $out (.Values.nodeCache.nodeSelector | default dict) }}
{{- end }}
{{- with $out }}{{ toYaml . }}{{ end }}
{{- end }}

{{/*
rocm-vllm.nodeCacheEnv: what files/node-cache.py reads, for the prefill and the wait container.
*/}}
{{- define "rocm-vllm.nodeCacheEnv" -}}
- name: HOME
  value: /tmp
- name: NODE_CACHE
  value: /node-cache
- name: MODEL_ID
  value: {{ .Values.model.id | quote }}
- name: MODEL_REVISION
  value: {{ .Values.model.revision | quote }}
{{- end }}

{{/*
rocm-vllm.nodeCacheWait: the vLLM pod's init container that waits for its node's copy of the model.
*/}}
{{- define "rocm-vllm.nodeCacheWait" -}}
- name: wait-node-cache
  image: {{ include "rocm-vllm.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command:
    - python3
    - -c
    - {{ include "rocm-vllm.launchScript" (dict "ctx" . "file" "node-cache.py") | quote }}
    - wait
  env:
    {{- include "rocm-vllm.nodeCacheEnv" . | nindent 4 }}
    - name: WAIT_TIMEOUT_SECONDS
      value: {{ int .Values.nodeCache.prefill.waitTimeoutSeconds | quote }}
  resources:
    requests:
      cpu: 10m
      memory: 64Mi
    limits:
      cpu: 100m
      memory: 256Mi
  securityContext:
    {{- include "rocm-vllm.helperSecurityContext" . | nindent 4 }}
  volumeMounts:
    - name: model-cache
      mountPath: /node-cache
      readOnly: true
    - name: tmp
      mountPath: /tmp
{{- end }}

{{/*
rocm-vllm.daemonSetScheduling: where the release's DaemonSets run: the GPU nodes the vLLM pods target (nodeSelector,
the GPU node affinity, tolerations), without the pods' anti-affinity.
*/}}
{{- define "rocm-vllm.daemonSetScheduling" -}}
{{- with (include "rocm-vllm.nodeSelector" . | fromYaml) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (include "rocm-vllm.affinity" . | fromYaml).nodeAffinity }}
affinity:
  nodeAffinity:
    {{- toYaml . | nindent 4 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.pauseContainer: the container that keeps a DaemonSet's pod alive once its init container is done.
*/}}
{{- define "rocm-vllm.pauseContainer" -}}
- name: pause
  image: {{ include "rocm-vllm.imageRef" .Values.imagePrepull.pauseImage | quote }}
  imagePullPolicy: IfNotPresent
  resources:
    {{- toYaml .Values.imagePrepull.resources | nindent 4 }}
  securityContext:
    {{- include "rocm-vllm.helperSecurityContext" . | nindent 4 }}
{{- end }}

{{/*
rocm-vllm.imagePrepullDaemonSet: pulls the vLLM image onto every node the release targets: an init container of
that image exits at once (the kubelet pulls the image to run it), then the pause container holds the pod.
*/}}
{{- define "rocm-vllm.imagePrepullDaemonSet" -}}
{{- $labels := merge (dict "app.kubernetes.io/component" "image-prepull") (include "rocm-vllm.selectorLabels" . | fromYaml) }}
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ printf "%s-prepull" (include "rocm-vllm.fullname" . | trunc 55 | trimSuffix "-") }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- merge (dict "app.kubernetes.io/component" "image-prepull") (include "rocm-vllm.labels" . | fromYaml) | toYaml | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- toYaml $labels | nindent 6 }}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 10%
  template:
    metadata:
      labels:
        {{- toYaml $labels | nindent 8 }}
        app.kubernetes.io/managed-by: {{ .Release.Service }}
        app.kubernetes.io/part-of: rocm-vllm
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: 5
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . | quote }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      {{- include "rocm-vllm.daemonSetScheduling" . | nindent 6 }}
      initContainers:
        - name: pull
          image: {{ include "rocm-vllm.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command: ["true"]
          resources:
            {{- toYaml .Values.imagePrepull.resources | nindent 12 }}
          securityContext:
            {{- include "rocm-vllm.helperSecurityContext" . | nindent 12 }}
      containers:
        {{- include "rocm-vllm.pauseContainer" . | nindent 8 }}
{{- end }}

{{/*
rocm-vllm.nodeCachePrefillDaemonSet: fills each targeted node's nodeCache.hostPath with the model (files/node-cache.py
prefill) from the shared claim or the Hub, once per node; the pause container then holds the pod so the DaemonSet
covers nodes that join later. The prefill writes a hostPath directory, so it runs as root (no capabilities, no
privilege escalation, read-only root filesystem).
*/}}
{{- define "rocm-vllm.nodeCachePrefillDaemonSet" -}}
{{- $labels := merge (dict "app.kubernetes.io/component" "node-cache") (include "rocm-vllm.selectorLabels" . | fromYaml) }}
{{- $fromClaim := eq .Values.nodeCache.prefill.source "claim" }}
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ printf "%s-node-cache" (include "rocm-vllm.fullname" . | trunc 52 | trimSuffix "-") }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- merge (dict "app.kubernetes.io/component" "node-cache") (include "rocm-vllm.labels" . | fromYaml) | toYaml | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- toYaml $labels | nindent 6 }}
  template:
    metadata:
      labels:
        {{- toYaml $labels | nindent 8 }}
        app.kubernetes.io/managed-by: {{ .Release.Service }}
        app.kubernetes.io/part-of: rocm-vllm
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: 5
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      {{- include "rocm-vllm.daemonSetScheduling" . | nindent 6 }}
      initContainers:
        - name: prefill
          image: {{ include "rocm-vllm.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command:
            - python3
            - -c
            - {{ include "rocm-vllm.launchScript" (dict "ctx" . "file" "node-cache.py") | quote }}
            - prefill
          env:
            {{- include "rocm-vllm.nodeCacheEnv" . | nindent 12 }}
            - name: SOURCE
              value: {{ .Values.nodeCache.prefill.source | quote }}
            {{- if $fromClaim }}
            - name: SHARED_CACHE
              value: /shared-cache
            {{- else }}
            {{- with .Values.model.hfTokenSecret.name }}
            - name: HF_TOKEN_PATH
              value: /var/run/secrets/huggingface/token
            {{- end }}
            {{- end }}
          resources:
            {{- toYaml .Values.nodeCache.prefill.resources | nindent 12 }}
          securityContext:
            runAsUser: 0
            runAsNonRoot: false
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: node-cache
              mountPath: /node-cache
            - name: tmp
              mountPath: /tmp
            {{- if $fromClaim }}
            - name: shared-cache
              mountPath: /shared-cache
              readOnly: true
            {{- else }}
            {{- with (include "rocm-vllm.hfTokenMount" . | trim) }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- end }}
      containers:
        {{- include "rocm-vllm.pauseContainer" . | nindent 8 }}
      volumes:
        - name: node-cache
          hostPath:
            path: {{ .Values.nodeCache.hostPath | quote }}
            type: DirectoryOrCreate
        - name: tmp
          emptyDir:
            sizeLimit: 1Gi
        {{- if $fromClaim }}
        - name: shared-cache
          persistentVolumeClaim:
            claimName: {{ include "rocm-vllm.cacheClaimName" . }}
            readOnly: true
        {{- else }}
        {{- with .Values.model.hfTokenSecret.name }}
        - name: hf-token
          secret:
            secretName: {{ . | quote }}
            defaultMode: 0440
            items:
              - key: {{ $.Values.model.hfTokenSecret.key | quote }}
                path: token
        {{- end }}
        {{- end }}
{{- end }}

{{/*
rocm-vllm.daemonSets: the DaemonSets of one model (image pre-pull, node-cache prefill), from a root-like context.
templates/daemonset.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.daemonSets" -}}
{{- $docs := list }}
{{- if .Values.imagePrepull.enabled }}{{ $docs = append $docs (include "rocm-vllm.imagePrepullDaemonSet" . | trim) }}{{ end }}
{{- if .Values.nodeCache.enabled }}{{ $docs = append $docs (include "rocm-vllm.nodeCachePrefillDaemonSet" . | trim) }}{{ end }}
{{- join "\n---\n" $docs }}
{{- end }}
