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
rocm-vllm.autoscaled: "true" when an autoscaler owns the workload's replicas (the chart's HPA, a KEDA ScaledObject,
or the KEDA HTTP add-on's HTTPScaledObject), so the workload leaves replicas out.
*/}}
{{- define "rocm-vllm.autoscaled" -}}
{{- if or .Values.autoscaling.enabled .Values.keda.enabled .Values.keda.httpScaleFromZero.enabled }}true{{- end }}
{{- end }}

{{/*
rocm-vllm.startupBudgetSeconds: the seconds the serving container's startup probe allows before liveness takes over:
probes.startup.initialDelaySeconds + periodSeconds x failureThreshold, with failureThreshold as rocm-vllm.probes
renders it (a Ray group's leader adds multiNode.rayWaitTimeoutSeconds). Read from the same values as the probe, so a
computed start budget moves both. 0 when the startup probe is off.
*/}}
{{- define "rocm-vllm.startupBudgetSeconds" -}}
{{- $p := .Values.probes.startup }}
{{- if $p.enabled }}
{{- $failures := int ($p.failureThreshold | default 3) }}
{{- if and (include "rocm-vllm.multiNode" .) (include "rocm-vllm.rayLaunch" .) }}
{{- $failures = include "rocm-vllm.launchStartupFailureThreshold" (dict "ctx" . "probe" $p) | int }}
{{- end }}
{{- add (int ($p.initialDelaySeconds | default 0)) (mul (int ($p.periodSeconds | default 10)) $failures) }}
{{- else }}0{{- end }}
{{- end }}

{{/*
rocm-vllm.wakeName: the name of the model's wake Service (keda.httpScaleFromZero): an ExternalName Service that
points at the KEDA HTTP add-on's interceptor, so clients address the model by a name of its own (the Host header
the interceptor routes on). <fullname>-wake, at most 63 characters.
*/}}
{{- define "rocm-vllm.wakeName" -}}
{{- printf "%s-wake" (include "rocm-vllm.fullname" . | trunc 58 | trimSuffix "-") }}
{{- end }}

{{/*
rocm-vllm.wakeHosts: the hosts (JSON list) the HTTPScaledObject routes on: every in-cluster spelling of the wake
Service's name, then keda.httpScaleFromZero.hosts. The interceptor drops the port from the Host header before it
matches (kedacore/http-add-on pkg/routing/key.go).
*/}}
{{- define "rocm-vllm.wakeHosts" -}}
{{- $h := .Values.keda.httpScaleFromZero }}
{{- $name := include "rocm-vllm.wakeName" . }}
{{- $ns := .Release.Namespace }}
{{- $hosts := list $name (printf "%s.%s" $name $ns) (printf "%s.%s.svc" $name $ns) (printf "%s.%s.svc.%s" $name $ns $h.interceptor.clusterDomain) }}
{{- toJson (concat $hosts ($h.hosts | default list)) }}
{{- end }}

{{/*
rocm-vllm.wakeURL: the in-cluster URL of the model through the interceptor (the wake Service's name on the
interceptor's port), which the stack router uses as a scaled-to-zero model's backend.
*/}}
{{- define "rocm-vllm.wakeURL" -}}
{{- printf "http://%s.%s.svc:%v" (include "rocm-vllm.wakeName" .) .Release.Namespace .Values.keda.httpScaleFromZero.interceptor.port }}
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
{{- $h := .Values.keda.httpScaleFromZero }}
{{- if and $h.enabled (or .Values.autoscaling.enabled .Values.keda.enabled) }}
{{- fail (printf "ERROR: keda.httpScaleFromZero.enabled with %s: the HTTP add-on creates its own ScaledObject (and HPA) for the workload, so two autoscalers would fight over replicas. Set %s=false; the HTTPScaledObject scales between keda.httpScaleFromZero.minReplicas and maxReplicas." (ternary "autoscaling.enabled" "keda.enabled" .Values.autoscaling.enabled) (ternary "autoscaling.enabled" "keda.enabled" .Values.autoscaling.enabled)) }}
{{- end }}
{{- if and $h.enabled (not .Values.service.enabled) }}
{{- fail "ERROR: keda.httpScaleFromZero.enabled needs service.enabled: the interceptor forwards held requests to the chart's Service (scaleTargetRef.service)." }}
{{- end }}
{{- if and $h.enabled (gt (int $h.minReplicas) (int $h.maxReplicas)) }}
{{- fail (printf "ERROR: keda.httpScaleFromZero.minReplicas (%d) is more than maxReplicas (%d): raise maxReplicas or lower minReplicas." (int $h.minReplicas) (int $h.maxReplicas)) }}
{{- end }}
{{- if and $h.enabled (not $h.timeouts.conditionWait) (not (include "rocm-vllm.startupBudgetSeconds" . | int)) }}
{{- fail "ERROR: keda.httpScaleFromZero.timeouts.conditionWait is empty and probes.startup is off, so there is no start budget to hold requests for: enable probes.startup or set timeouts.conditionWait (e.g. \"1800s\")." }}
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
{{- $slo := .Values.keda.slo }}
{{- $prom := .Values.keda.prometheus }}
{{- if and .Values.keda.enabled (not .Values.keda.triggers) $prom.query (kindIs "invalid" $prom.threshold) }}
{{- fail "ERROR: keda.prometheus.query is set without keda.prometheus.threshold: give the query's value per replica that triggers scaling out." }}
{{- end }}
{{- if and .Values.keda.enabled (not .Values.keda.triggers) (not $prom.query) (not (kindIs "invalid" $prom.threshold)) }}
{{- fail "ERROR: keda.prometheus.threshold is set but keda.prometheus.query is empty: the threshold belongs to your own query only. Set the SLO triggers' thresholds instead (keda.slo.queue.threshold, keda.slo.kvCache.threshold, keda.slo.ttft.thresholdSeconds), or give keda.prometheus.query." }}
{{- end }}
{{- if and .Values.keda.enabled (not .Values.keda.triggers) (not .Values.keda.prometheus.query) (not (or $slo.queue.enabled $slo.kvCache.enabled $slo.ttft.enabled)) }}
{{- fail "ERROR: keda.enabled is true but every keda.slo trigger is off and keda.prometheus.query and keda.triggers are empty: a ScaledObject needs a trigger. Enable keda.slo.queue, keda.slo.kvCache or keda.slo.ttft, or give keda.prometheus.query." }}
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
{{- include "rocm-vllm.validateDataParallel" . }}
{{- include "rocm-vllm.validateLora" . }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.service.enabled) }}
{{- fail "ERROR: metrics.serviceMonitor.enabled needs service.enabled (it scrapes through the Service); use metrics.podMonitor instead if you run without a Service." }}
{{- end }}
{{- include "rocm-vllm.validateColdStart" . }}
{{- end }}

{{/*
rocm-vllm.dataParallelAcrossNodes: "true" when the data-parallel ranks of one replica span the pods of a
LeaderWorkerSet group (multiNode.nodesPerReplica > 1 and vllm.dataParallelSize > 1): every pod then runs one
node's ranks through files/dp-launch.sh; else "".
*/}}
{{- define "rocm-vllm.dataParallelAcrossNodes" -}}
{{- if and (include "rocm-vllm.multiNode" .) (gt (int .Values.vllm.dataParallelSize) 1) }}true{{- end }}
{{- end }}

{{/*
rocm-vllm.dataParallelSizeLocal: the data-parallel ranks each pod runs: dataParallel.sizeLocal, or derived
(vllm.dataParallelSize on one node, vllm.dataParallelSize / multiNode.nodesPerReplica across nodes).
*/}}
{{- define "rocm-vllm.dataParallelSizeLocal" -}}
{{- if not (kindIs "invalid" .Values.dataParallel.sizeLocal) }}
{{- int .Values.dataParallel.sizeLocal }}
{{- else if include "rocm-vllm.dataParallelAcrossNodes" . }}
{{- div (int .Values.vllm.dataParallelSize) (int .Values.multiNode.nodesPerReplica) }}
{{- else }}
{{- int .Values.vllm.dataParallelSize }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.servesApi: "true" when the pods of a role run vLLM's API server, for (dict "ctx" $ "role" role):
single-node pods and leaders always; workers only with data parallel across nodes in hybrid load balancing (an
API server per node). Other workers are Ray members or --headless engines with no HTTP server.
*/}}
{{- define "rocm-vllm.servesApi" -}}
{{- if ne .role "worker" }}true
{{- else if and (include "rocm-vllm.dataParallelAcrossNodes" .ctx) (eq .ctx.Values.dataParallel.loadBalancing "hybrid") (not .ctx.Values.command) }}true
{{- end }}
{{- end }}

{{/*
rocm-vllm.servingPodSelectorLabels: the labels that select the pods serving API traffic, for Services,
PodMonitors and other selectors of serving endpoints (an InferencePool, a router's discovery). Single-node: every
pod of the release. Multi-node: the group leaders (LeaderWorkerSet labels them worker-index "0"), except data
parallel across nodes with hybrid load balancing, where every pod of every group runs an API server.
*/}}
{{- define "rocm-vllm.servingPodSelectorLabels" -}}
{{- include "rocm-vllm.selectorLabels" . }}
{{- if and (include "rocm-vllm.multiNode" .) (not (include "rocm-vllm.servesApi" (dict "ctx" . "role" "worker"))) }}
leaderworkerset.sigs.k8s.io/worker-index: "0"
{{- end }}
{{- end }}

{{/*
rocm-vllm.validateDataParallel: the data-parallel values the schema cannot relate. Each failure says what to change.
*/}}
{{- define "rocm-vllm.validateDataParallel" -}}
{{- $dp := int .Values.vllm.dataParallelSize }}
{{- $local := include "rocm-vllm.dataParallelSizeLocal" . | int }}
{{- $nodes := int .Values.multiNode.nodesPerReplica }}
{{- if gt $local $dp }}
{{- fail (printf "ERROR: dataParallel.sizeLocal %d exceeds vllm.dataParallelSize %d (vLLM refuses it): set sizeLocal to at most the total, or null to derive it." $local $dp) }}
{{- end }}
{{- if and (not (include "rocm-vllm.multiNode" .)) (ne $local $dp) }}
{{- fail (printf "ERROR: dataParallel.sizeLocal %d differs from vllm.dataParallelSize %d on one node (multiNode.nodesPerReplica 1), where the pod runs every rank: set sizeLocal null." $local $dp) }}
{{- end }}
{{- if include "rocm-vllm.dataParallelAcrossNodes" . }}
{{- if ne .Values.multiNode.launchMode "mp" }}
{{- fail (printf "ERROR: vllm.dataParallelSize %d across %d nodes needs multiNode.launchMode \"mp\": every pod runs its node's ranks with vllm serve and the chart's launch script; the Ray launch runs one vllm serve on the leader for tensor/pipeline ranks only. Set multiNode.launchMode=mp." $dp $nodes) }}
{{- end }}
{{- if ne (mul $local $nodes) $dp }}
{{- fail (printf "ERROR: data parallel across nodes: each of the %d pods runs dataParallel.sizeLocal %d ranks, %d in all, but vllm.dataParallelSize is %d. Make vllm.dataParallelSize = sizeLocal x multiNode.nodesPerReplica (or sizeLocal null to derive it from a divisible total)." $nodes $local (mul $local $nodes) $dp) }}
{{- end }}
{{- if and .Values.gpu.enabled (ne (mul $local (int .Values.vllm.tensorParallelSize) (int .Values.vllm.pipelineParallelSize)) (int .Values.gpu.count)) }}
{{- fail (printf "ERROR: data parallel across nodes: each pod runs dataParallel.sizeLocal %d x vllm.tensorParallelSize %d x vllm.pipelineParallelSize %d = %d GPUs but requests gpu.count %d. Make the product equal gpu.count." $local (int .Values.vllm.tensorParallelSize) (int .Values.vllm.pipelineParallelSize) (mul $local (int .Values.vllm.tensorParallelSize) (int .Values.vllm.pipelineParallelSize)) (int .Values.gpu.count)) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.validateLora: the lora block's rules that the schema cannot express (vLLM refuses most of these at
start-up; failing the install says so earlier). Each failure says what to change.
*/}}
{{- define "rocm-vllm.validateLora" -}}
{{- $l := .Values.lora }}
{{- if and (not $l.enabled) (or $l.adapters $l.runtimeUpdating) }}
{{- fail "ERROR: lora.adapters or lora.runtimeUpdating is set but lora.enabled is false: set lora.enabled=true (vLLM serves adapters only with --enable-lora)." }}
{{- end }}
{{- if $l.enabled }}
{{- if and (not (kindIs "invalid" $l.maxCpuLoras)) (lt (int $l.maxCpuLoras) (int $l.maxLoras)) }}
{{- fail (printf "ERROR: lora.maxCpuLoras %d is below lora.maxLoras %d; vLLM refuses it (max_cpu_loras must be >= max_loras, vllm/config/lora.py): raise maxCpuLoras or set it to null." (int $l.maxCpuLoras) (int $l.maxLoras)) }}
{{- end }}
{{- $served := default .Values.model.id .Values.model.servedModelName }}
{{- $seen := dict }}
{{- range $i, $a := $l.adapters }}
{{- if eq (not $a.repo) (not $a.path) }}
{{- fail (printf "ERROR: lora.adapters[%d] (%s) needs exactly one of repo (with revision) or path: a Hugging Face repository at a pinned commit, or a directory in the model cache." $i $a.name) }}
{{- end }}
{{- if and $a.path (not $.Values.cache.enabled) }}
{{- fail (printf "ERROR: lora.adapters[%d] (%s) has path %q inside the model cache, but cache.enabled is false (an empty volume): set cache.enabled=true with the claim holding it, or give repo and revision." $i $a.name $a.path) }}
{{- end }}
{{- if hasKey $seen $a.name }}
{{- fail (printf "ERROR: lora.adapters[%d] and lora.adapters[%d] are both named %q: vLLM serves each adapter under its own name; rename one." (get $seen $a.name) $i $a.name) }}
{{- end }}
{{- $_ := set $seen $a.name $i }}
{{- if eq $a.name $served }}
{{- fail (printf "ERROR: lora.adapters[%d] is named %q, the served model name: requests for it would be ambiguous; rename the adapter." $i $a.name) }}
{{- end }}
{{- if and $a.baseModel (ne $a.baseModel $.Values.model.id) }}
{{- fail (printf "ERROR: lora.adapters[%d] (%s) was trained on %s, but model.id is %s: an adapter only fits the model it was trained on; serve it with that model or remove it." $i $a.name $a.baseModel $.Values.model.id) }}
{{- end }}
{{- if and $a.rank (gt (int $a.rank) (int $l.maxLoraRank)) }}
{{- fail (printf "ERROR: lora.adapters[%d] (%s) has rank %d, above lora.maxLoraRank %d; vLLM refuses to load it: raise maxLoraRank to at least %d (one of 1, 8, 16, 32, 64, 128, 256, 320, 512)." $i $a.name (int $a.rank) (int $l.maxLoraRank) (int $a.rank)) }}
{{- end }}
{{- end }}
{{- if $l.runtimeUpdating }}
{{- $count := include "rocm-vllm.apiServerCount" . | int }}
{{- if gt $count 1 }}
{{- fail (printf "ERROR: lora.runtimeUpdating with %d API server processes: vLLM refuses VLLM_ALLOW_RUNTIME_LORA_UPDATING with --api-server-count > 1 (vllm/entrypoints/cli/serve.py; the count defaults to vllm.dataParallelSize). Pass --api-server-count 1 in vllm.extraArgs or set lora.runtimeUpdating=false." $count) }}
{{- end }}
{{- end }}
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

{{/*
rocm-vllm.apiServerCount: the API server processes vLLM 0.23.0 starts in a serving pod
(vllm/entrypoints/cli/serve.py): dataParallel.apiServerCount or an explicit --api-server-count/-asc in
vllm.extraArgs, else 1 with an external data-parallel load balancer (--data-parallel-rank/-dpn,
--data-parallel-external-lb, --data-parallel-multi-port-external-lb), else the pod's local ranks in hybrid load
balancing, else vllm.dataParallelSize.
*/}}
{{- define "rocm-vllm.apiServerCount" -}}
{{- $count := int .Values.vllm.dataParallelSize }}
{{- if and (include "rocm-vllm.dataParallelAcrossNodes" .) (eq .Values.dataParallel.loadBalancing "hybrid") }}
{{- $count = include "rocm-vllm.dataParallelSizeLocal" . | int }}
{{- end }}
{{- $explicit := "" }}
{{- $args := .Values.vllm.extraArgs }}
{{- range $i, $arg := $args }}
{{- $a := toString $arg }}
{{- $name := regexReplaceAll "=.*$" $a "" }}
{{- if has $name (list "--data-parallel-rank" "-dpn" "--data-parallel-external-lb" "--data-parallel-multi-port-external-lb") }}
{{- $count = 1 }}
{{- end }}
{{- if has $name (list "--api-server-count" "-asc") }}
{{- if contains "=" $a }}{{ $explicit = regexReplaceAll "^[^=]*=" $a "" }}{{ else if lt (add1 $i) (len $args) }}{{ $explicit = toString (index $args (add1 $i)) }}{{ end }}
{{- end }}
{{- end }}
{{- if not (kindIs "invalid" .Values.dataParallel.apiServerCount) }}{{ $explicit = toString (int .Values.dataParallel.apiServerCount) }}{{ end }}
{{- if regexMatch "^[0-9]+$" $explicit }}{{ $count = int $explicit }}{{ end }}
{{- $count }}
{{- end }}
