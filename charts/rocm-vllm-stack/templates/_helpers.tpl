{{/*
rocm-vllm-stack.name: the chart name, or nameOverride (the router's app.kubernetes.io/name). At most 63 characters.
*/}}
{{- define "rocm-vllm-stack.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
rocm-vllm-stack.routerFullname: the router's object name: fullnameOverride, else <release>-router. Models are named
<release>-<key>, so the model key "router" is refused (rocm-vllm-stack.validate).
*/}}
{{- define "rocm-vllm-stack.routerFullname" -}}
{{- default (printf "%s-router" .Release.Name) .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
rocm-vllm-stack.chart: chart name and version, for the helm.sh/chart label.
*/}}
{{- define "rocm-vllm-stack.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
rocm-vllm-stack.routerSelectorLabels: the router pods' immutable selector labels (never the chart version). The
component "router" keeps them apart from every model's (component "server") and cache's (component "model-cache").
*/}}
{{- define "rocm-vllm-stack.routerSelectorLabels" -}}
app.kubernetes.io/name: {{ include "rocm-vllm-stack.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: router
{{- end }}

{{/*
rocm-vllm-stack.labels: the recommended labels of the router's objects, plus commonLabels.
*/}}
{{- define "rocm-vllm-stack.labels" -}}
helm.sh/chart: {{ include "rocm-vllm-stack.chart" . }}
{{ include "rocm-vllm-stack.routerSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rocm-vllm
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-stack.routerServiceAccountName: the ServiceAccount the router pods run as.
*/}}
{{- define "rocm-vllm-stack.routerServiceAccountName" -}}
{{- if .Values.router.serviceAccount.create }}
{{- default (include "rocm-vllm-stack.routerFullname" .) .Values.router.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.router.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-stack.merge: merges (dict "dst" map "src" map) into dst, in place, the way Helm coalesces a values file
(charts/rocm-vllm's rocm-vllm.merge, which also merges its prefill/decode pools).
*/}}
{{- define "rocm-vllm-stack.merge" -}}
{{- include "rocm-vllm.merge" . }}
{{- end }}

{{/*
rocm-vllm-stack.modelKeys: the enabled models' keys, sorted, as JSON.
*/}}
{{- define "rocm-vllm-stack.modelKeys" -}}
{{- $keys := list }}
{{- range $key := keys .Values.models | sortAlpha }}
{{- if ne (toString (dig "enabled" true (get $.Values.models $key))) "false" }}
{{- $keys = append $keys $key }}
{{- end }}
{{- end }}
{{- toJson $keys }}
{{- end }}

{{/*
rocm-vllm-stack.cacheClaimName: the shared cache claim a model mounts, for (dict "root" $ "key" key "values" merged):
perStack: cache.existingClaim or <release>-models; perModel: the model's cache.existingClaim or <release>-<key>-cache
(charts/rocm-vllm's own claim name for that model).
*/}}
{{- define "rocm-vllm-stack.cacheClaimName" -}}
{{- $root := .root }}
{{- if eq $root.Values.cache.mode "perStack" }}
{{- default (printf "%s-models" ($root.Release.Name | trunc 56 | trimSuffix "-")) $root.Values.cache.existingClaim }}
{{- else }}
{{- default (printf "%s-cache" (printf "%s-%s" $root.Release.Name .key | trunc 57 | trimSuffix "-")) .values.cache.existingClaim }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-stack.cacheMarker: the completion marker charts/rocm-vllm-cache's download Job writes for a model, under the
model's cache mount: <mountPath>/.rocm-vllm-cache/models--<org>--<name>/<revision>.complete.
*/}}
{{- define "rocm-vllm-stack.cacheMarker" -}}
{{- printf "%s/.rocm-vllm-cache/models--%s/%s.complete" (.cache.mountPath | trimSuffix "/") (replace "/" "--" .model.id) (replace "/" "--" (toString .model.revision)) }}
{{- end }}

{{/*
rocm-vllm-stack.loraCacheEntries: a model's LoRA adapters fetched from Hugging Face, as charts/rocm-vllm-cache
models entries ({id, revision}) in JSON, for the model's merged values: the shared cache holds them beside the model
(charts/rocm-vllm loads them from <mountPath>/hub/models--<org>--<name>/snapshots/<revision>).
*/}}
{{- define "rocm-vllm-stack.loraCacheEntries" -}}
{{- $out := list }}
{{- if .lora.enabled }}
{{- range .lora.adapters }}
{{- if .repo }}{{ $out = append $out (dict "id" .repo "revision" (toString .revision)) }}{{ end }}
{{- end }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/*
rocm-vllm-stack.modelContexts: for (dict "root" $ "out" dict), sets out.contexts to one {key, ctx} per enabled model,
in key order. ctx is a root-like context for charts/rocm-vllm's named templates: .Values is the rocm-vllm chart's
defaults (without enabled), then modelDefaults, then the model's own values, then what the stack owns: the names
(<release>-<key>, app.kubernetes.io/name <key>), no per-model helm test, and, with a shared cache, the read-only
cache claim with downloads off and an init container waiting for the download Job's marker.
*/}}
{{- define "rocm-vllm-stack.modelContexts" -}}
{{- $root := .root }}
{{- /* Every template of one render shares its values map: the contexts are built once and kept there. */}}
{{- $memo := index $root.Values "_rocmVllmStackMemo" | default dict }}
{{- if hasKey $memo "models" }}
{{- $_ := set .out "contexts" $memo.models }}
{{- else }}
{{- $base := omit (index $root.Values "rocm-vllm") "enabled" }}
{{- $shared := $root.Values.cache.mode | ne "none" }}
{{- $contexts := list }}
{{- range $key := include "rocm-vllm-stack.modelKeys" $root | fromJsonArray }}
{{- $values := deepCopy $base }}
{{- include "rocm-vllm-stack.merge" (dict "dst" $values "src" $root.Values.modelDefaults) }}
{{- include "rocm-vllm-stack.merge" (dict "dst" $values "src" (omit (get $root.Values.models $key) "enabled")) }}
{{- $labels := merge (deepCopy ($values.commonLabels | default dict)) ($root.Values.commonLabels | default dict) }}
{{- $_ := set $values "commonLabels" $labels }}
{{- $_ := set $values "fullnameOverride" (printf "%s-%s" $root.Release.Name $key) }}
{{- $_ := set $values "nameOverride" $key }}
{{- $_ := set $values.test "enabled" false }}
{{- /* The router (pod discovery) reads the pod label "model" as the endpoint's model label (production-stack
src/vllm_router/service_discovery.py); the model key is a valid label value where a served name may not be. */}}
{{- $_ := set $values "podLabels" (merge (dict "model" $key) ($values.podLabels | default dict)) }}
{{- /* One API key for the stack: every model requires it, and the router sends it on its own calls to them. */}}
{{- if and $root.Values.apiKey.secretName (not $values.apiKey.secretName) }}
{{- $_ := set $values "apiKey" (deepCopy $root.Values.apiKey) }}
{{- end }}
{{- /* inferencePools: the model's pool and picker on, its HTTPRoute from the stack's Gateway, each match narrowed to
requests whose model-name header (written by the Body-Based Router) is the model's served name. */}}
{{- if $root.Values.inferencePools.enabled }}
{{- $pools := $root.Values.inferencePools }}
{{- $_ := set $values.inferencePool "enabled" true }}
{{- $_ := set $values.httpRoute "enabled" true }}
{{- $_ := set $values.httpRoute "gateway" (deepCopy $pools.gateway) }}
{{- $header := dict "type" "Exact" "name" $pools.modelNameHeader "value" (default $values.model.id $values.model.servedModelName) }}
{{- $matches := list }}
{{- range ($values.httpRoute.matches | default (list (dict "path" (dict "type" "PathPrefix" "value" "/")))) }}
{{- $match := deepCopy . }}
{{- $_ := set $match "headers" (append ($match.headers | default list) $header) }}
{{- $matches = append $matches $match }}
{{- end }}
{{- $_ := set $values.httpRoute "matches" $matches }}
{{- end }}
{{- /* A model's API port admits the router even when networkPolicy.clients is narrowed. */}}
{{- if and $root.Values.router.enabled $values.networkPolicy.clients }}
{{- $router := dict "podSelector" (dict "matchLabels" (include "rocm-vllm-stack.routerSelectorLabels" $root | fromYaml)) }}
{{- $_ := set $values.networkPolicy "clients" (append (deepCopy $values.networkPolicy.clients) $router) }}
{{- end }}
{{- if $shared }}
{{- $claim := include "rocm-vllm-stack.cacheClaimName" (dict "root" $root "key" $key "values" $values) }}
{{- $_ := set $values.cache "enabled" true }}
{{- $_ := set $values.cache "existingClaim" $claim }}
{{- $_ := set $values.cache "readOnly" true }}
{{- $_ := set $values.cache "offline" true }}
{{- $_ := set $values.cache.download "enabled" false }}
{{- if $root.Values.cache.waitForDownload }}
{{- $image := include "rocm-vllm.imageRef" $values.image }}
{{- if $root.Values.cache.waitImage.repository }}{{ $image = include "rocm-vllm.imageRef" $root.Values.cache.waitImage }}{{ end }}
{{- $marker := include "rocm-vllm-stack.cacheMarker" (dict "cache" $values.cache "model" $values.model) }}
{{- $command := "until [ -f \"${MARKER}\" ]; do echo \"waiting for ${MARKER} (written by the cache download Job)\"; sleep 10; done; echo \"model cache complete\"" }}
{{- $env := list (dict "name" "MARKER" "value" $marker) }}
{{- $adapterMarkers := list }}
{{- range include "rocm-vllm-stack.loraCacheEntries" $values | fromJsonArray }}
{{- $adapterMarkers = append $adapterMarkers (include "rocm-vllm-stack.cacheMarker" (dict "cache" $values.cache "model" .)) }}
{{- end }}
{{- if $adapterMarkers }}
{{- /* The Job fetches the LoRA adapters after the models: wait for their markers too. */}}
{{- $command = "for m in ${MARKER} ${LORA_MARKERS}; do until [ -f \"${m}\" ]; do echo \"waiting for ${m} (written by the cache download Job)\"; sleep 10; done; done; echo \"model cache complete\"" }}
{{- $env = append $env (dict "name" "LORA_MARKERS" "value" (join " " $adapterMarkers)) }}
{{- end }}
{{- $wait := dict
  "name" "wait-for-model-cache"
  "image" $image
  "imagePullPolicy" $values.image.pullPolicy
  "command" (list "/bin/sh" "-c" $command)
  "env" $env
  "resources" (dict "requests" (dict "cpu" "10m" "memory" "16Mi") "limits" (dict "cpu" "100m" "memory" "64Mi"))
  "securityContext" (include "rocm-vllm.helperSecurityContext" $root | fromYaml)
  "volumeMounts" (list (dict "name" "model-cache" "mountPath" $values.cache.mountPath "readOnly" true) (dict "name" "tmp" "mountPath" "/tmp")) }}
{{- $_ := set $values "extraInitContainers" (prepend ($values.extraInitContainers | default list) $wait) }}
{{- end }}
{{- end }}
{{- /* Files: rocm-vllm's own (its launch scripts), which the stack's .Files does not include. */}}
{{- $ctx := dict "Values" $values "Release" $root.Release "Chart" $root.Chart "Capabilities" $root.Capabilities "Template" $root.Template "Files" (index $root.Subcharts "rocm-vllm").Files }}
{{- $contexts = append $contexts (dict "key" $key "ctx" $ctx) }}
{{- end }}
{{- $_ := set $memo "models" $contexts }}
{{- $_ := set $root.Values "_rocmVllmStackMemo" $memo }}
{{- $_ := set .out "contexts" $contexts }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-stack.renderModels: renders charts/rocm-vllm's named template .template (e.g. "rocm-vllm.service") once per
enabled model, each object its own YAML document. Usage: include "rocm-vllm-stack.renderModels" (dict "root" $ "template" "rocm-vllm.service")
*/}}
{{- define "rocm-vllm-stack.renderModels" -}}
{{- $out := dict }}
{{- include "rocm-vllm-stack.modelContexts" (dict "root" .root "out" $out) }}
{{- range $out.contexts }}
{{- $doc := include $.template .ctx | trim }}
{{- if $doc }}
---
{{ $doc }}
{{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-stack.cacheContexts: for (dict "root" $ "out" dict), sets out.contexts to the root-like contexts of the
shared caches for charts/rocm-vllm-cache's named templates: none (cache.mode none), one for the whole stack
(perStack: every model's id@revision, once) or one per model (perModel). Values: that chart's defaults (without
enabled), then cache.values, then the models, the claim and the names, which the stack owns.
*/}}
{{- define "rocm-vllm-stack.cacheContexts" -}}
{{- $root := .root }}
{{- $contexts := list }}
{{- if ne $root.Values.cache.mode "none" }}
{{- $base := omit (index $root.Values "rocm-vllm-cache") "enabled" }}
{{- include "rocm-vllm-stack.merge" (dict "dst" $base "src" $root.Values.cache.values) }}
{{- $models := dict }}
{{- include "rocm-vllm-stack.modelContexts" (dict "root" $root "out" $models) }}
{{- $groups := list }}
{{- if eq $root.Values.cache.mode "perStack" }}
{{- $entries := list }}
{{- $seen := dict }}
{{- range $models.contexts }}
{{- $m := .ctx.Values.model }}
{{- $id := printf "%s@%s" $m.id (toString $m.revision) }}
{{- if not (hasKey $seen $id) }}
{{- $_ := set $seen $id true }}
{{- $entries = append $entries (dict "id" $m.id "revision" (toString $m.revision)) }}
{{- end }}
{{- end }}
{{- /* Then every model's LoRA adapters fetched from Hugging Face, at their pinned revisions. */}}
{{- range $models.contexts }}
{{- range include "rocm-vllm-stack.loraCacheEntries" .ctx.Values | fromJsonArray }}
{{- $id := printf "%s@%s" .id .revision }}
{{- if not (hasKey $seen $id) }}
{{- $_ := set $seen $id true }}
{{- $entries = append $entries . }}
{{- end }}
{{- end }}
{{- end }}
{{- $claim := include "rocm-vllm-stack.cacheClaimName" (dict "root" $root) }}
{{- $groups = append $groups (dict "name" (printf "%s-cache" ($root.Release.Name | trunc 57 | trimSuffix "-")) "nameLabel" "models" "claim" $claim "existing" $root.Values.cache.existingClaim "size" $root.Values.cache.size "storageClassName" $root.Values.cache.storageClassName "models" $entries) }}
{{- else }}
{{- range $models.contexts }}
{{- $v := .ctx.Values }}
{{- $own := get (get $root.Values.models .key) "cache" | default dict }}
{{- $groups = append $groups (dict "name" $v.cache.existingClaim "nameLabel" .key "claim" $v.cache.existingClaim "existing" ($own.existingClaim | default "") "size" $v.cache.size "storageClassName" (default $root.Values.cache.storageClassName $v.cache.storageClassName) "models" (concat (list (dict "id" $v.model.id "revision" (toString $v.model.revision))) (include "rocm-vllm-stack.loraCacheEntries" $v | fromJsonArray))) }}
{{- end }}
{{- end }}
{{- range $groups }}
{{- $values := deepCopy $base }}
{{- $labels := merge (deepCopy ($values.commonLabels | default dict)) ($root.Values.commonLabels | default dict) }}
{{- $pvc := dict "existingClaim" .existing "name" .claim "size" .size "storageClassName" .storageClassName "accessModes" $root.Values.cache.accessModes "keep" $root.Values.cache.keep }}
{{- include "rocm-vllm-stack.merge" (dict "dst" $values "src" (dict "fullnameOverride" .name "nameOverride" .nameLabel "commonLabels" $labels "models" .models "pvc" $pvc)) }}
{{- $contexts = append $contexts (dict "Values" $values "Release" $root.Release "Chart" $root.Chart "Capabilities" $root.Capabilities "Template" $root.Template) }}
{{- end }}
{{- end }}
{{- $_ := set .out "contexts" $contexts }}
{{- end }}

{{/*
rocm-vllm-stack.renderCaches: renders charts/rocm-vllm-cache's named template .template once per shared cache.
*/}}
{{- define "rocm-vllm-stack.renderCaches" -}}
{{- $out := dict }}
{{- include "rocm-vllm-stack.cacheContexts" (dict "root" .root "out" $out) }}
{{- range $out.contexts }}
{{- $doc := include $.template . | trim }}
{{- if $doc }}
---
{{ $doc }}
{{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm-stack.routerBackends: the router's backends as JSON {"urls": [...], "models": [...], "port": N,
"maxGroupSize": N}. Static discovery: for every enabled model with a Service, in key order, the Service's in-cluster
URL (the Service selects only the group leaders of a multi-node model), or the model's wake URL through the KEDA
HTTP add-on's interceptor when it scales from zero (keda.httpScaleFromZero), and the model's served name, at the
same index, then the same URL once per static LoRA adapter with the adapter's name. Pod discovery: the vLLM port
all models share (--k8s-port) and the largest LeaderWorkerSet group (the router then reads each pod's model and
adapter names from its /v1/models).
*/}}
{{- define "rocm-vllm-stack.routerBackends" -}}
{{- $out := dict }}
{{- include "rocm-vllm-stack.modelContexts" (dict "root" . "out" $out) }}
{{- $urls := list }}
{{- $names := list }}
{{- $port := 0 }}
{{- $group := 1 }}
{{- range $out.contexts }}
{{- $v := .ctx.Values }}
{{- if $v.service.enabled }}
{{- $url := printf "http://%s.%s.svc:%v" $v.fullnameOverride $.Release.Namespace $v.service.port }}
{{- if $v.keda.httpScaleFromZero.enabled }}
{{- $url = include "rocm-vllm.wakeURL" .ctx }}
{{- end }}
{{- $urls = append $urls $url }}
{{- $names = append $names (default $v.model.id $v.model.servedModelName) }}
{{- /* Each static LoRA adapter is one more (URL, name) pair: the router keeps one model name per static
backend and routes a request to the backends whose names hold its model field (production-stack
StaticServiceDiscovery.get_endpoint_info, request.py). */}}
{{- if $v.lora.enabled }}
{{- range $v.lora.adapters }}
{{- $urls = append $urls $url }}
{{- $names = append $names .name }}
{{- end }}
{{- end }}
{{- end }}
{{- $port = int $v.vllm.port }}
{{- $group = max $group (int $v.multiNode.nodesPerReplica) }}
{{- end }}
{{- toJson (dict "urls" $urls "models" $names "port" $port "maxGroupSize" $group) }}
{{- end }}

{{/*
rocm-vllm-stack.routerPodSelector: the label selector of the pods the router discovers (router.serviceDiscovery pod):
the stack's serving pods (component server; the router is component router, the caches model-cache) and, when a model
runs LeaderWorkerSet groups, only group leaders: worker-index notin (1 … largest group - 1) keeps single-node pods,
which carry no worker-index label, and leaders (worker-index 0), whose API server is the group's only one.
*/}}
{{- define "rocm-vllm-stack.routerPodSelector" -}}
{{- $backends := include "rocm-vllm-stack.routerBackends" . | fromJson }}
{{- $selector := printf "app.kubernetes.io/instance=%s,app.kubernetes.io/component=server" .Release.Name }}
{{- $group := int $backends.maxGroupSize }}
{{- if gt $group 1 }}
{{- $workers := list }}
{{- range $i := untilStep 1 $group 1 }}{{ $workers = append $workers (toString $i) }}{{ end }}
{{- $selector = printf "%s,leaderworkerset.sigs.k8s.io/worker-index notin (%s)" $selector (join "," $workers) }}
{{- end }}
{{- $selector }}
{{- end }}

{{/*
rocm-vllm-stack.validate: checks across models the schema cannot express. Each failure says what to change.
*/}}
{{- define "rocm-vllm-stack.validate" -}}
{{- if (index .Values "rocm-vllm").enabled }}
{{- fail "ERROR: rocm-vllm.enabled is true: the embedded single-model chart would render its own default model. Keep it false; put each model under models.<key>." }}
{{- end }}
{{- if (index .Values "rocm-vllm-cache").enabled }}
{{- fail "ERROR: rocm-vllm-cache.enabled is true: the embedded cache chart would render its own default cache. Keep it false; configure caches with cache.*." }}
{{- end }}
{{- $out := dict }}
{{- include "rocm-vllm-stack.modelContexts" (dict "root" . "out" $out) }}
{{- if not $out.contexts }}
{{- fail "ERROR: models has no enabled model: add at least one under models.<key> (charts/rocm-vllm values)." }}
{{- end }}
{{- range $out.contexts }}
{{- if .ctx.Values.disaggregation.enabled }}
{{- fail (printf "ERROR: models.%s.disaggregation.enabled: prefill/decode pools are not supported in a stack yet. Deploy the model with charts/rocm-vllm (one release per disaggregated model), or set disaggregation.enabled=false." .key) }}
{{- end }}
{{- end }}
{{- $served := dict }}
{{- range $out.contexts }}
{{- $v := .ctx.Values }}
{{- if eq .key "router" }}
{{- fail "ERROR: models.router: the key \"router\" is taken by the router's objects (<release>-router); rename the model." }}
{{- end }}
{{- $name := $v.fullnameOverride }}
{{- if gt (len $name) 63 }}
{{- fail (printf "ERROR: models.%s: the object name %q is %d characters, more than 63; shorten the model key or the release name." .key $name (len $name)) }}
{{- end }}
{{- if and (gt (int $v.multiNode.nodesPerReplica) 1) (gt (len $name) 44) }}
{{- fail (printf "ERROR: models.%s: the object name %q is %d characters; a multi-node model's LeaderWorkerSet name (<name>-lws, with group and worker indexes appended to its pods) allows 44. Shorten the model key or the release name." .key $name (len $name)) }}
{{- end }}
{{- $servedName := default $v.model.id $v.model.servedModelName }}
{{- if contains "," $servedName }}
{{- fail (printf "ERROR: models.%s: served model name %q contains a comma, which the router's --static-models list cannot carry; set model.servedModelName." .key $servedName) }}
{{- end }}
{{- if hasKey $served $servedName }}
{{- fail (printf "ERROR: models.%s and models.%s both serve the model name %q: the router routes by name, so each must be unique. Set model.servedModelName on one of them." (get $served $servedName) .key $servedName) }}
{{- end }}
{{- $_ := set $served $servedName .key }}
{{- end }}
{{- if and .Values.router.enabled (eq .Values.router.serviceDiscovery "pod") }}
{{- $ports := dict }}
{{- range $out.contexts }}
{{- $v := .ctx.Values }}
{{- if $v.keda.httpScaleFromZero.enabled }}
{{- fail (printf "ERROR: models.%s: the model scales from zero (keda.httpScaleFromZero) but router.serviceDiscovery is pod: the router discovers pods, and a model scaled to zero has none, so its requests would never reach the KEDA interceptor that wakes it. Set router.serviceDiscovery=static (in a stack file: router.values.serviceDiscovery; the router then calls that model through its wake Service)." .key) }}
{{- end }}
{{- $_ := set $ports (toString (int $v.vllm.port)) .key }}
{{- end }}
{{- if gt (len $ports) 1 }}
{{- fail (printf "ERROR: router.serviceDiscovery is pod, which reaches every pod on one port (--k8s-port), but the models use vllm.port %s: give every model the same vllm.port, or set router.serviceDiscovery=static." (keys $ports | sortAlpha | join ", ")) }}
{{- end }}
{{- end }}
{{- /* LoRA adapters are served (and routed) by name too: after every model's name, each adapter's. */}}
{{- range $out.contexts }}
{{- $key := .key }}
{{- if .ctx.Values.lora.enabled }}
{{- range .ctx.Values.lora.adapters }}
{{- if hasKey $served .name }}
{{- fail (printf "ERROR: models.%s: LoRA adapter %q has the name models.%s already serves: the router routes by name, so every model and adapter name must be unique. Rename the adapter." $key .name (get $served .name)) }}
{{- end }}
{{- $_ := set $served .name $key }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.router.enabled (eq .Values.router.routingLogic "session") (not .Values.router.sessionKey) }}
{{- fail "ERROR: router.routingLogic is session but router.sessionKey is empty: name the request header that identifies a session (e.g. x-user-id)." }}
{{- end }}
{{- if and .Values.inferencePools.enabled (not .Values.inferencePools.gateway.name) }}
{{- fail "ERROR: inferencePools.enabled is true but inferencePools.gateway.name is empty: name the Gateway (one that implements InferencePool and runs the Body-Based Router) every model's HTTPRoute attaches to." }}
{{- end }}
{{- if and .Values.router.httpRoute.enabled (not .Values.router.httpRoute.parentRefs) }}
{{- fail "ERROR: router.httpRoute.enabled is true but router.httpRoute.parentRefs is empty: name the Gateway to attach to." }}
{{- end }}
{{- end }}
