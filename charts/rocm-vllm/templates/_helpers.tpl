{{/*
rocm-vllm.name: the chart name, or nameOverride. Truncated to 63 characters (DNS label).
*/}}
{{- define "rocm-vllm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
rocm-vllm.fullname: the release-qualified name of every object (fullnameOverride wins).
Truncated to 63 characters; the release name alone is used when it already contains the chart name.
*/}}
{{- define "rocm-vllm.fullname" -}}
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
rocm-vllm.lwsName: the LeaderWorkerSet's name. It differs from the API Service's name because the LWS
controller creates a headless Service named after the LWS (it resolves LWS_LEADER_ADDRESS); and it is kept
to 48 characters because pod and StatefulSet names append the group and worker indexes.
*/}}
{{- define "rocm-vllm.lwsName" -}}
{{- printf "%s-lws" (include "rocm-vllm.fullname" . | trunc 44 | trimSuffix "-") }}
{{- end }}

{{/*
rocm-vllm.chart: chart name and version, for the helm.sh/chart label.
*/}}
{{- define "rocm-vllm.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
rocm-vllm.selectorLabels: the immutable subset of the labels used by selectors (never the chart version).
*/}}
{{- define "rocm-vllm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rocm-vllm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/*
rocm-vllm.labels: the recommended labels carried by every object, plus commonLabels.
*/}}
{{- define "rocm-vllm.labels" -}}
helm.sh/chart: {{ include "rocm-vllm.chart" . }}
{{ include "rocm-vllm.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rocm-vllm
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.releaseSelectorLabels: selects every pod of the release whatever its component (group members,
the helm test pod); used by the NetworkPolicy.
*/}}
{{- define "rocm-vllm.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "rocm-vllm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
rocm-vllm.serviceAccountName: the ServiceAccount the pods run as.
*/}}
{{- define "rocm-vllm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rocm-vllm.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.multiNode: "true" when one replica spans several nodes (a LeaderWorkerSet group), else "".
*/}}
{{- define "rocm-vllm.multiNode" -}}
{{- if gt (int .Values.multiNode.nodesPerReplica) 1 }}true{{- end }}
{{- end }}

{{/*
rocm-vllm.workloadRef: apiVersion, kind and name of the workload (the HPA's and ScaledObject's target).
*/}}
{{- define "rocm-vllm.workloadRef" -}}
{{- if include "rocm-vllm.multiNode" . -}}
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
name: {{ include "rocm-vllm.lwsName" . }}
{{- else -}}
apiVersion: apps/v1
kind: Deployment
name: {{ include "rocm-vllm.fullname" . }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.servedModelName: the model name clients send (vllm.* --served-model-name, else the model id).
*/}}
{{- define "rocm-vllm.servedModelName" -}}
{{- default .Values.model.id .Values.model.servedModelName }}
{{- end }}

{{/*
rocm-vllm.image: the vLLM image reference (rocm-vllm.imageRef of image.*).
*/}}
{{- define "rocm-vllm.image" -}}
{{- include "rocm-vllm.imageRef" .Values.image }}
{{- end }}

{{/*
rocm-vllm.imageRef: an image reference from a map with repository, tag and optional digest: repository:tag,
repository:tag@digest, or repository@digest when tag is empty. Shared by every image of the three charts.
Usage: include "rocm-vllm.imageRef" .Values.image
*/}}
{{- define "rocm-vllm.imageRef" -}}
{{- $digest := .digest | default "" }}
{{- if and (not .tag) (not $digest) }}
{{- fail (printf "ERROR: image %q has neither a tag nor a digest: set one (a pinned tag, or digest sha256:...)." .repository) }}
{{- end }}
{{- .repository }}{{ with .tag }}:{{ . }}{{ end }}{{ with $digest }}@{{ . }}{{ end }}
{{- end }}

{{/*
rocm-vllm.quantityMi: a Kubernetes quantity (e.g. 16Gi, 500M, 1073741824) in MiB, rounded up.
*/}}
{{- define "rocm-vllm.quantityMi" -}}
{{- $q := toString . }}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $q }}
{{- $unit := trimPrefix $number $q }}
{{- $perUnit := dict "" (divf 1 1048576) "Ki" (divf 1 1024) "Mi" 1.0 "Gi" 1024.0 "Ti" 1048576.0 "k" (divf 1000 1048576) "M" (divf 1000000 1048576) "G" (divf 1000000000 1048576) "T" (divf 1000000000000 1048576) }}
{{- if or (not $number) (not (hasKey $perUnit $unit)) }}
{{- fail (printf "ERROR: %q is not a memory quantity the chart can add up: use a number with Ki, Mi, Gi, Ti, k, M, G or T." $q) }}
{{- end }}
{{- mulf (float64 $number) (get $perUnit $unit) | ceil | int }}
{{- end }}

{{/*
rocm-vllm.quantityFromMi: MiB as a quantity string, in Gi when whole.
*/}}
{{- define "rocm-vllm.quantityFromMi" -}}
{{- $mi := int . }}
{{- if eq (mod $mi 1024) 0 }}{{ printf "%dGi" (div $mi 1024) }}{{ else }}{{ printf "%dMi" $mi }}{{ end }}
{{- end }}

{{/*
rocm-vllm.helperSecurityContext: the securityContext of every container that is not vLLM itself (init containers,
the stack router, test pods, the cache chart's download): non-root with UID/GID 10001, read-only root filesystem
(a /tmp emptyDir is mounted for scratch files), no privilege escalation, every capability dropped, the runtime's
seccomp profile. Fixed, not a value: these containers need none of it.
*/}}
{{- define "rocm-vllm.helperSecurityContext" -}}
allowPrivilegeEscalation: false
capabilities:
  drop:
    - ALL
privileged: false
readOnlyRootFilesystem: true
runAsGroup: 10001
runAsNonRoot: true
runAsUser: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
rocm-vllm.terminationGracePeriodSeconds: the pods' grace period, derived from the drain: the preStop pause, then
vLLM's --shutdown-timeout for in-flight requests, then 15 s for the process to exit after the drain.
*/}}
{{- define "rocm-vllm.terminationGracePeriodSeconds" -}}
{{- add (int .Values.drain.preStopSleepSeconds) (int .Values.drain.shutdownTimeoutSeconds) 15 }}
{{- end }}

{{/*
rocm-vllm.cacheClaimName: the PersistentVolumeClaim holding the model cache.
*/}}
{{- define "rocm-vllm.cacheClaimName" -}}
{{- default (printf "%s-cache" (include "rocm-vllm.fullname" . | trunc 57 | trimSuffix "-")) .Values.cache.existingClaim }}
{{- end }}

{{/*
rocm-vllm.validate: checks across values that the schema cannot express. Each failure says what to change.
Included once, from the workload templates.
*/}}
{{- define "rocm-vllm.validate" -}}
{{- if and .Values.autoscaling.enabled .Values.keda.enabled }}
{{- fail "ERROR: autoscaling.enabled and keda.enabled are both true: a KEDA ScaledObject creates its own HPA, so two autoscalers would fight over replicas. Set one of them to false." }}
{{- end }}
{{- if not (has .Values.multiNode.launchMode (list "ray" "mp")) }}
{{- fail (printf "ERROR: multiNode.launchMode %q is unknown: set it to \"ray\" (Ray cluster, leader runs vllm serve) or \"mp\" (vLLM multiprocessing: every pod runs vllm serve, workers --headless)." .Values.multiNode.launchMode) }}
{{- end }}
{{- if eq .Values.image.tag "latest" }}
{{- fail "ERROR: image.tag \"latest\" is not allowed: pin a published tag whose vLLM version matches the chart (see values.yaml image.tag)." }}
{{- end }}
{{- if include "rocm-vllm.multiNode" . }}
{{- if not (.Capabilities.APIVersions.Has "leaderworkerset.x-k8s.io/v1") }}
{{- fail (printf "ERROR: multiNode.nodesPerReplica is %d, which needs a LeaderWorkerSet, but the API leaderworkerset.x-k8s.io/v1 is not available in this cluster. Install the LeaderWorkerSet controller and CRDs first (https://github.com/kubernetes-sigs/lws), or set multiNode.nodesPerReplica to 1. To render offline, run: helm template ... --api-versions leaderworkerset.x-k8s.io/v1" (int .Values.multiNode.nodesPerReplica)) }}
{{- end }}
{{- end }}
{{- if and .Values.gpu.enabled .Values.gpu.model .Values.gpu.nodeAffinity (not .Values.gpu.deviceIds) }}
{{- fail (printf "ERROR: gpu.model %q has no gpu.deviceIds, so no node affinity would keep its pods on %s nodes: set gpu.deviceIds to its PCI device ids (rocm-vllm catalog --format json lists them; generated values carry them), or set gpu.nodeAffinity=false." .Values.gpu.model .Values.gpu.model) }}
{{- end }}
{{- if and .Values.keda.enabled (not .Values.keda.prometheus.serverAddress) (not .Values.keda.triggers) }}
{{- fail "ERROR: keda.enabled is true but keda.prometheus.serverAddress is empty: set it to your Prometheus URL (e.g. http://prometheus-operated.monitoring.svc:9090), or give keda.triggers." }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.service.enabled) }}
{{- fail "ERROR: ingress.enabled needs service.enabled: the Ingress routes to the chart's Service." }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.service.enabled) (not .Values.inferencePool.enabled) }}
{{- fail "ERROR: httpRoute.enabled needs service.enabled: the HTTPRoute routes to the chart's Service (or set inferencePool.enabled to route to an InferencePool)." }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) (not .Values.httpRoute.gateway.name) }}
{{- fail "ERROR: httpRoute.enabled is true but names no Gateway: set httpRoute.gateway.name (and .namespace) or httpRoute.parentRefs, e.g. parentRefs: [{name: my-gateway, namespace: gateway-system}]." }}
{{- end }}
{{- if and .Values.httpRoute.gateway.namespace (not .Values.httpRoute.gateway.name) }}
{{- fail (printf "ERROR: httpRoute.gateway.namespace is %q but httpRoute.gateway.name is empty: name the Gateway too." .Values.httpRoute.gateway.namespace) }}
{{- end }}
{{- include "rocm-vllm.validateInferencePool" . }}
{{- if and .Values.cache.readOnly (not .Values.cache.enabled) }}
{{- fail "ERROR: cache.readOnly needs cache.enabled: a read-only emptyDir holds no model. Set cache.enabled=true with cache.existingClaim=<the filled claim>, or cache.readOnly=false." }}
{{- end }}
{{- if and .Values.cache.readOnly .Values.cache.download.enabled (not .Values.cache.offline) }}
{{- fail "ERROR: cache.readOnly and cache.download.enabled: the download init container cannot write to a read-only cache. Set cache.download.enabled=false (the cache is filled elsewhere, e.g. by the rocm-vllm-cache chart) or cache.readOnly=false." }}
{{- end }}
{{- if include "rocm-vllm.multiNode" . }}
{{- $rollout := include "rocm-vllm.lwsRollingUpdate" . | fromYaml }}
{{- if and (eq (toString $rollout.maxUnavailable) "0") (eq (toString $rollout.maxSurge) "0") }}
{{- fail "ERROR: multiNode.rolloutStrategy has maxUnavailable 0 and maxSurge 0: the LeaderWorkerSet could never replace a group. Set maxSurge 1 (a spare group of nodes keeps the release serving) or maxUnavailable 1." }}
{{- end }}
{{- end }}
{{- if and (include "rocm-vllm.multiNode" .) .Values.podDisruptionBudget.enabled }}
{{- $mu := .Values.podDisruptionBudget.maxUnavailable }}
{{- if or (kindIs "string" $mu) (gt (int $mu) 1) }}
{{- fail (printf "ERROR: podDisruptionBudget.maxUnavailable is %v, but a multi-node release's budget counts pods, and each pod evicted can break a different group: set it to 1 (at most one group broken at a time; the budget is held while the group reloads) or 0 (no voluntary evictions)." $mu) }}
{{- end }}
{{- if eq .Values.multiNode.restartPolicy "None" }}
{{- fail "ERROR: podDisruptionBudget.enabled with multiNode.restartPolicy None: an evicted pod comes back alone and turns ready while its group may still be broken, so the budget could not keep drains to one group at a time. Use RecreateGroupOnPodRestart (the default) or set podDisruptionBudget.enabled=false." }}
{{- end }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.service.enabled) }}
{{- fail "ERROR: metrics.serviceMonitor.enabled needs service.enabled (it scrapes through the Service); use metrics.podMonitor instead if you run without a Service." }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.validateInferencePool: the InferencePool mode's checks (part of rocm-vllm.validate): its API must be
installed, and inferencePool.endpointPicker.config must be an EndpointPickerConfig whose scheduling profiles refer
only to plugins it declares (the picker would otherwise exit at start, in a crash loop the Gateway sees as 5xx).
*/}}
{{- define "rocm-vllm.validateInferencePool" -}}
{{- if .Values.inferencePool.enabled }}
{{- if not (.Capabilities.APIVersions.Has "inference.networking.k8s.io/v1") }}
{{- fail "ERROR: inferencePool.enabled needs the InferencePool API (inference.networking.k8s.io/v1), which this cluster does not serve. Install the Gateway API Inference Extension's CRDs (v1.6.0: https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases) and a Gateway that implements them, or set inferencePool.enabled=false. To render offline, run: helm template ... --api-versions inference.networking.k8s.io/v1" }}
{{- end }}
{{- include "rocm-vllm.validateEndpointPickerConfig" (dict "config" .Values.inferencePool.endpointPicker.config "path" "inferencePool.endpointPicker.config") }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.validateEndpointPickerConfig: (dict "config" map "path" its value path) must be an EndpointPickerConfig whose
scheduling profiles refer only to plugins it declares. Used for inferencePool.endpointPicker.config and, in
prefill/decode mode, disaggregation.endpointPickerConfig.
*/}}
{{- define "rocm-vllm.validateEndpointPickerConfig" -}}
{{- $config := .config }}
{{- if or (ne (toString $config.apiVersion) "llm-d.ai/v1alpha1") (ne (toString $config.kind) "EndpointPickerConfig") }}
{{- fail (printf "ERROR: %s has apiVersion %q and kind %q: the picker (llm-d-router v0.10.0) reads apiVersion llm-d.ai/v1alpha1, kind EndpointPickerConfig." .path (toString $config.apiVersion) (toString $config.kind)) }}
{{- end }}
{{- $names := list }}
{{- range $i, $plugin := $config.plugins | default list }}
{{- if not $plugin.type }}
{{- fail (printf "ERROR: %s.plugins[%d] has no type: every plugin names its type (e.g. queue-scorer)." $.path $i) }}
{{- end }}
{{- $names = append $names ($plugin.name | default $plugin.type) }}
{{- end }}
{{- range $profile := $config.schedulingProfiles | default list }}
{{- range $ref := $profile.plugins | default list }}
{{- if not (has $ref.pluginRef $names) }}
{{- fail (printf "ERROR: %s.schedulingProfiles %q refers to plugin %q, which its plugins do not declare (declared: %s): add it to plugins or fix the pluginRef." $.path (toString $profile.name) (toString $ref.pluginRef) (join ", " $names)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
