{{/*
rocm-vllm-cache.name: the chart name, or nameOverride. Truncated to 63 characters (DNS label).
*/}}
{{- define "rocm-vllm-cache.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
rocm-vllm-cache.fullname: the release-qualified name of every object (fullnameOverride wins).
Truncated to 63 characters; the release name alone is used when it already contains the chart name.
*/}}
{{- define "rocm-vllm-cache.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-cache.chart: chart name and version, for the helm.sh/chart label.
*/}}
{{- define "rocm-vllm-cache.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
rocm-vllm-cache.selectorLabels: the immutable subset of the labels (never the chart version).
*/}}
{{- define "rocm-vllm-cache.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rocm-vllm-cache.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: model-cache
{{- end }}

{{/*
rocm-vllm-cache.labels: the recommended labels carried by every object, plus commonLabels.
*/}}
{{- define "rocm-vllm-cache.labels" -}}
helm.sh/chart: {{ include "rocm-vllm-cache.chart" . }}
{{ include "rocm-vllm-cache.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rocm-vllm
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-cache.claimName: the PersistentVolumeClaim holding the cache: pvc.existingClaim, else pvc.name, else
the release fullname.
*/}}
{{- define "rocm-vllm-cache.claimName" -}}
{{- if .Values.pvc.existingClaim }}
{{- .Values.pvc.existingClaim }}
{{- else }}
{{- default (include "rocm-vllm-cache.fullname" .) .Values.pvc.name }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-cache.serviceAccountName: the ServiceAccount the download pod runs as.
*/}}
{{- define "rocm-vllm-cache.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rocm-vllm-cache.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-cache.image: repository:tag of the download image.
*/}}
{{- define "rocm-vllm-cache.image" -}}
{{- .Values.image.repository }}{{ with .Values.image.tag }}:{{ . }}{{ end }}{{ with .Values.image.digest }}@{{ . }}{{ end }}
{{- end }}

{{/*
rocm-vllm-cache.models: the models as JSON, each with its effective patterns (its own allowPatterns /
ignorePatterns, else download.*). This is all the download script reads about the models.
*/}}
{{- define "rocm-vllm-cache.models" -}}
{{- $out := list }}
{{- range .Values.models }}
{{- $allow := $.Values.download.allowPatterns }}
{{- if hasKey . "allowPatterns" }}{{ $allow = get . "allowPatterns" }}{{ end }}
{{- $ignore := $.Values.download.ignorePatterns }}
{{- if hasKey . "ignorePatterns" }}{{ $ignore = get . "ignorePatterns" }}{{ end }}
{{- $out = append $out (dict "id" .id "revision" (toString .revision) "allowPatterns" ($allow | default list) "ignorePatterns" ($ignore | default list)) }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/*
rocm-vllm-cache.gpuNodeAffinity: the node affinity of the gpuNodes preset ("prefer" or "require"), as YAML; empty
for "none". A node is an AMD GPU node when it carries feature.node.kubernetes.io/amd-gpu=true (AMD GPU Operator's
node feature discovery rule) or any amd.com/gpu.device-id label (ROCm node labeller): the two terms are ORed.
*/}}
{{- define "rocm-vllm-cache.gpuNodeAffinity" -}}
{{- $terms := list
  (dict "matchExpressions" (list (dict "key" "feature.node.kubernetes.io/amd-gpu" "operator" "In" "values" (list "true"))))
  (dict "matchExpressions" (list (dict "key" "amd.com/gpu.device-id" "operator" "Exists")))
}}
{{- if eq .Values.gpuNodes "require" }}
requiredDuringSchedulingIgnoredDuringExecution:
  nodeSelectorTerms:
    {{- toYaml $terms | nindent 4 }}
{{- else if eq .Values.gpuNodes "prefer" }}
preferredDuringSchedulingIgnoredDuringExecution:
  {{- range $terms }}
  - weight: 50
    preference:
      {{- toYaml . | nindent 6 }}
  {{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-cache.validate: checks across values that the schema cannot express. Each failure says what to change.
*/}}
{{- define "rocm-vllm-cache.validate" -}}
{{- if eq .Values.image.tag "latest" }}
{{- fail "ERROR: image.tag \"latest\" is not allowed: pin a published tag (see values.yaml image.tag)." }}
{{- end }}
{{- if and (not .Values.download.enabled) .Values.pvc.existingClaim }}
{{- fail (printf "ERROR: download.enabled is false and pvc.existingClaim is %q: this release would create nothing. Enable the download to fill that claim, or leave pvc.existingClaim empty to create a claim only." .Values.pvc.existingClaim) }}
{{- end }}
{{- $seen := dict }}
{{- range .Values.models }}
{{- $key := printf "%s@%s" .id (toString .revision) }}
{{- if hasKey $seen $key }}
{{- fail (printf "ERROR: models lists %s twice: remove the duplicate entry." $key) }}
{{- end }}
{{- $_ := set $seen $key true }}
{{- end }}
{{- range $section, $list := .Values.resources }}
{{- range $name, $_ := $list }}
{{- if contains "gpu" (lower $name) }}
{{- fail (printf "ERROR: resources.%s requests %q: the download Job needs no GPU, and holding one would keep it from vLLM. Remove it; use gpuNodes to run on GPU nodes without a GPU." $section $name) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
