{{/*
rocm-vllm-cache.downloadScript: the Python the download container runs. It reads everything from the environment
(no value is templated into the code): CACHE_MODELS (JSON list of {id, revision, allowPatterns, ignorePatterns}),
CACHE_SKIP_COMPLETED, CACHE_MAX_WORKERS and HF_HOME. After each model it writes a marker,
HF_HOME/.rocm-vllm-cache/models--<org>--<name>/<revision>.complete, recording the snapshot and the patterns;
a later run skips a model whose marker matches and whose snapshot directory still exists.
*/}}
{{- define "rocm-vllm-cache.downloadScript" -}}
import json, os, time
from pathlib import Path
from huggingface_hub import snapshot_download
home = Path(os.environ["HF_HOME"])
models = json.loads(os.environ["CACHE_MODELS"])
skip_completed = os.environ.get("CACHE_SKIP_COMPLETED") == "1"
workers = int(os.environ.get("CACHE_MAX_WORKERS", "8"))
for number, model in enumerate(models, 1):
    repo_id, revision = model["id"], model["revision"]
    wanted = {"allowPatterns": model["allowPatterns"], "ignorePatterns": model["ignorePatterns"]}
    folder = "models--" + repo_id.replace("/", "--")
    marker = home / ".rocm-vllm-cache" / folder / (revision.replace("/", "--") + ".complete")
    label = f"[{number}/{len(models)}] {repo_id}@{revision}"
    if skip_completed and marker.is_file():
        done = json.loads(marker.read_text())
        patterns = {k: done.get(k) for k in wanted}
        if patterns == wanted and (home / done.get("snapshot", "-")).is_dir():
            print(f"{label}: complete ({marker}), skipped", flush=True)
            continue
    print(f"{label}: downloading into {home}", flush=True)
    started = time.monotonic()
    path = snapshot_download(
        repo_id=repo_id,
        revision=revision,
        allow_patterns=model["allowPatterns"] or None,
        ignore_patterns=model["ignorePatterns"] or None,
        max_workers=workers,
    )
    snapshot = os.path.relpath(path, home)
    marker.parent.mkdir(parents=True, exist_ok=True)
    partial = marker.with_suffix(".partial")
    record = {"id": repo_id, "revision": revision, "commit": Path(path).name, "snapshot": snapshot, **wanted}
    partial.write_text(json.dumps(record, sort_keys=True) + "\n")
    partial.replace(marker)
    print(f"{label}: ready in {path} ({time.monotonic() - started:.0f} s)", flush=True)
print(f"{len(models)} model(s) cached under {home}", flush=True)
{{- end }}

{{/*
rocm-vllm-cache.podTemplate: the download Job's pod template. Defined apart from the Job so its hash can name the
Job (a Job's template is immutable). The pod requests no GPU; gpuNodes only tolerates the GPU taint and picks nodes.
*/}}
{{- define "rocm-vllm-cache.podTemplate" -}}
metadata:
  labels:
    {{- /* helm.sh/chart is left out: it would change the hash (and the Job) on a chart bump alone. */}}
    {{- include "rocm-vllm-cache.selectorLabels" . | nindent 4 }}
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    app.kubernetes.io/part-of: rocm-vllm
    {{- with .Values.commonLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  restartPolicy: Never
  serviceAccountName: {{ include "rocm-vllm-cache.serviceAccountName" . }}
  automountServiceAccountToken: false
  enableServiceLinks: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . | quote }}
  {{- end }}
  securityContext:
    {{- /* The download runs as UID/GID 10001 (never root): fsGroup makes the claim group-writable for it. */}}
    {{- $psc := merge (deepCopy (.Values.podSecurityContext | default dict)) (dict "fsGroup" 10001 "fsGroupChangePolicy" "OnRootMismatch") }}
    {{- $_ := set $psc "runAsNonRoot" true }}
    {{- $_ := set $psc "seccompProfile" (dict "type" "RuntimeDefault") }}
    {{- toYaml $psc | nindent 4 }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- $tolerations := list }}
  {{- if ne .Values.gpuNodes "none" }}
  {{- /* The taint GPU node pools usually carry; tolerating it does not request a GPU. */}}
  {{- $tolerations = append $tolerations (dict "key" "amd.com/gpu" "operator" "Exists" "effect" "NoSchedule") }}
  {{- end }}
  {{- $tolerations = concat $tolerations .Values.tolerations }}
  {{- with $tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- $affinity := deepCopy (.Values.affinity | default dict) }}
  {{- if not (hasKey $affinity "nodeAffinity") }}
  {{- with (include "rocm-vllm-cache.gpuNodeAffinity" . | fromYaml) }}
  {{- $_ := set $affinity "nodeAffinity" . }}
  {{- end }}
  {{- end }}
  {{- with $affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: download
      image: {{ include "rocm-vllm-cache.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      command:
        - python3
        - -c
        - |
          {{- include "rocm-vllm-cache.downloadScript" . | nindent 10 }}
      env:
        - name: HF_HOME
          value: {{ .Values.mountPath | quote }}
        - name: HOME
          value: /tmp
        - name: CACHE_MODELS
          value: {{ include "rocm-vllm-cache.models" . | quote }}
        - name: CACHE_SKIP_COMPLETED
          value: {{ .Values.download.skipCompleted | ternary "1" "0" | quote }}
        - name: CACHE_MAX_WORKERS
          value: {{ .Values.download.maxWorkers | int | toString | quote }}
        {{- if .Values.download.highPerformance }}
        - name: HF_XET_HIGH_PERFORMANCE
          value: "1"
        {{- end }}
        {{- with .Values.download.endpoint }}
        - name: HF_ENDPOINT
          value: {{ . | quote }}
        {{- end }}
        {{- if .Values.download.hfTokenSecret.name }}
        {{- /* huggingface_hub reads the token file named by HF_TOKEN_PATH (constants.py): no token in the environment. */}}
        - name: HF_TOKEN_PATH
          value: /var/run/secrets/huggingface/token
        {{- end }}
        {{- range $name, $value := .Values.download.env }}
        - name: {{ $name }}
          value: {{ $value | toString | quote }}
        {{- end }}
        {{- with .Values.download.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- $csc := deepCopy (.Values.containerSecurityContext | default dict) }}
        {{- $floor := dict "privileged" false "allowPrivilegeEscalation" false "capabilities" (dict "drop" (list "ALL")) "readOnlyRootFilesystem" true "runAsNonRoot" true "runAsUser" 10001 "runAsGroup" 10001 "seccompProfile" (dict "type" "RuntimeDefault") }}
        {{- toYaml (merge $floor $csc) | nindent 8 }}
      volumeMounts:
        - name: model-cache
          mountPath: {{ .Values.mountPath }}
        - name: tmp
          mountPath: /tmp
        {{- if .Values.download.hfTokenSecret.name }}
        - name: hf-token
          mountPath: /var/run/secrets/huggingface
          readOnly: true
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: model-cache
      persistentVolumeClaim:
        claimName: {{ include "rocm-vllm-cache.claimName" . }}
    - name: tmp
      emptyDir: {}
    {{- with .Values.download.hfTokenSecret.name }}
    - name: hf-token
      secret:
        secretName: {{ . | quote }}
        defaultMode: 0440
        optional: {{ $.Values.download.hfTokenSecret.optional }}
        items:
          - key: {{ $.Values.download.hfTokenSecret.key | quote }}
            path: token
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/*
rocm-vllm-cache.jobName: <fullname>-download-<first 8 hex digits of the pod template's sha256>. A changed template
gives a new Job (helm deletes the old one) instead of an immutable-field error; at most 63 characters.
*/}}
{{- define "rocm-vllm-cache.jobName" -}}
{{- $hash := include "rocm-vllm-cache.podTemplate" . | sha256sum | trunc 8 }}
{{- printf "%s-download-%s" (include "rocm-vllm-cache.fullname" . | trunc 44 | trimSuffix "-") $hash }}
{{- end }}
