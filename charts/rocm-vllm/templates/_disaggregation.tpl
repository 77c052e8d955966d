{{/*
rocm-vllm.merge: merges (dict "dst" map "src" map) into dst, in place, the way Helm coalesces a values file: maps
merge key by key, anything else (lists included) replaces, and null deletes the key. (sprig's mergeOverwrite cannot
be used: it never overwrites with false, 0, "" or an empty list.) charts/rocm-vllm-stack merges models with it too.
*/}}
{{- define "rocm-vllm.merge" -}}
{{- $dst := .dst }}
{{- range $key, $value := .src }}
{{- if kindIs "invalid" $value }}
{{- $_ := unset $dst $key }}
{{- else if and (kindIs "map" $value) (hasKey $dst $key) (kindIs "map" (get $dst $key)) }}
{{- include "rocm-vllm.merge" (dict "dst" (get $dst $key) "src" $value) }}
{{- else }}
{{- $_ := set $dst $key (deepCopy $value) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.kvRole: the kv_role of a pool, for (dict "ctx" root "role" "prefill"|"decode"): the value in
disaggregation.connector.kvRoles, else the connector's validated default (NixlConnector: kv_producer / kv_both as
llm-d's MI300X P/D guide; MoRIIOConnector: kv_producer / kv_consumer as vLLM's MoRIIO code and llm-d's MI355X guide).
*/}}
{{- define "rocm-vllm.kvRole" -}}
{{- $c := .ctx.Values.disaggregation.connector }}
{{- $given := get $c.kvRoles .role }}
{{- if $given }}{{ $given }}
{{- else if eq .role "prefill" }}kv_producer
{{- else if eq $c.type "MoRIIOConnector" }}kv_consumer
{{- else }}kv_both
{{- end }}
{{- end }}

{{/*
rocm-vllm.kvTransferConfig: the --kv-transfer-config JSON of a pool, for (dict "ctx" root "role" role "port" vLLM's
port in that pool). MoRIIOConnector's kv_connector_extra_config carries the ports as strings, as vLLM's and llm-d's
examples write them; http_port is the pool's vLLM port.
*/}}
{{- define "rocm-vllm.kvTransferConfig" -}}
{{- $c := .ctx.Values.disaggregation.connector }}
{{- $config := dict "kv_connector" $c.type "kv_role" (include "rocm-vllm.kvRole" .) }}
{{- if eq $c.type "MoRIIOConnector" }}
{{- $extra := deepCopy ($c.moriio.extraConfig | default dict) }}
{{- $_ := set $extra "http_port" (toString (int .port)) }}
{{- $_ := set $extra "handshake_port" (toString (int $c.moriio.handshakePort)) }}
{{- $_ := set $extra "notify_port" (toString (int $c.moriio.notifyPort)) }}
{{- $_ := set $config "kv_connector_extra_config" $extra }}
{{- end }}
{{- toJson $config }}
{{- end }}

{{/*
rocm-vllm.kvPorts: the TCP port ranges a pool's vLLM listens on for the KV connector, as JSON [{"port": n,
"endPort": m}] from (dict "ctx" root "values" the pool's values). NixlConnector: the side channel, one port per
data-parallel rank. MoRIIOConnector: handshake and notify ports, offset by DP rank + TP rank.
*/}}
{{- define "rocm-vllm.kvPorts" -}}
{{- $c := .ctx.Values.disaggregation.connector }}
{{- $dp := int .values.vllm.dataParallelSize }}
{{- $ranges := list }}
{{- if eq $c.type "MoRIIOConnector" }}
{{- $span := sub (add $dp (int .values.vllm.tensorParallelSize)) 2 }}
{{- range $base := list $c.moriio.handshakePort $c.moriio.notifyPort }}
{{- $ranges = append $ranges (dict "port" (int $base) "endPort" (add (int $base) $span)) }}
{{- end }}
{{- else }}
{{- $ranges = append $ranges (dict "port" (int $c.nixl.sideChannelPort) "endPort" (add (int $c.nixl.sideChannelPort) (sub $dp 1))) }}
{{- end }}
{{- toJson $ranges }}
{{- end }}

{{/*
rocm-vllm.disaggSidecar: llm-d's disaggregation sidecar as a native sidecar container (an init container with
restartPolicy Always: it starts before vLLM and stops after it), for (dict "ctx" root "values" decode values).
It serves the pool's API port (the root's vllm.port) and forwards to vLLM on sidecar.modelServerPort. The sidecar's
--data-parallel-size is left out: it opens one more listening port per rank for vLLM's external-LB mode (an API server
per rank, pkg/sidecar/proxy/data_parallel.go), while the chart's data parallel ranks share one API server. Flags from
llm-d-router v0.10.0 pkg/sidecar/proxy/options.go; with MoRIIOConnector the sidecar's MoRI-IO mode
(--kv-connector stays nixlv2, as llm-d's MI355X guide) gets the pod IP and the connector's ports.
*/}}
{{- define "rocm-vllm.disaggSidecar" -}}
{{- $d := .ctx.Values.disaggregation }}
{{- $s := $d.sidecar }}
{{- $args := list (printf "--port=%d" (int .ctx.Values.vllm.port)) (printf "--model-server-port=%d" (int $s.modelServerPort)) "--kv-connector=nixlv2" (printf "--secure-proxy=%t" $s.secureProxy) }}
{{- if eq $d.connector.type "MoRIIOConnector" }}
{{- $m := $d.connector.moriio }}
{{- $args = concat $args (list "--moriio-write-mode" "--moriio-local-pod-ip=$(POD_IP)" (printf "--moriio-tp-size=%d" (int .values.vllm.tensorParallelSize)) (printf "--moriio-dp-size=%d" (int .values.vllm.dataParallelSize)) (printf "--moriio-decode-handshake-port=%d" (int $m.handshakePort)) (printf "--moriio-decode-notify-port=%d" (int $m.notifyPort)) (printf "--moriio-prefill-handshake-port=%d" (int $m.handshakePort)) (printf "--moriio-prefill-notify-port=%d" (int $m.notifyPort))) }}
{{- end }}
{{- $args = concat $args ($s.extraArgs | default list) }}
{{- $container := dict
  "name" "disagg-sidecar"
  "image" (include "rocm-vllm.imageRef" $s.image)
  "imagePullPolicy" $s.image.pullPolicy
  "restartPolicy" "Always"
  "args" $args
  "env" (list (dict "name" "POD_IP" "valueFrom" (dict "fieldRef" (dict "fieldPath" "status.podIP"))))
  "ports" (list (dict "name" "sidecar" "containerPort" (int .ctx.Values.vllm.port) "protocol" "TCP"))
  "readinessProbe" (dict "tcpSocket" (dict "port" "sidecar") "periodSeconds" 10)
  "resources" $s.resources
  "securityContext" (include "rocm-vllm.helperSecurityContext" .ctx | fromYaml) }}
{{- toJson $container }}
{{- end }}

{{/*
rocm-vllm.poolContexts: for (dict "root" root-like context "out" dict), sets out.contexts to the prefill and decode
pools' root-like contexts ({role, ctx}), built once per render. A pool's .Values: the release's values, then the
pool's overlay (rocm-vllm.merge), then what disaggregation owns: the names (<fullname>-<role>, app.kubernetes.io/name
<name>-<role>, so each pool has its own selector), the llm-d.ai/role pod label the EPP's prefill-filter and
decode-filter read, the release's ServiceAccount and cache claim, --kv-transfer-config, the connector's environment,
and on decode pods vLLM on sidecar.modelServerPort behind the sidecar.
*/}}
{{- define "rocm-vllm.poolContexts" -}}
{{- $root := .root }}
{{- $memo := index $root.Values "_rocmVllmPoolMemo" | default dict }}
{{- if hasKey $memo "pools" }}
{{- $_ := set .out "contexts" $memo.pools }}
{{- else }}
{{- $d := $root.Values.disaggregation }}
{{- $base := omit $root.Values "disaggregation" "_rocmVllmPoolMemo" "_rocmVllmStackMemo" }}
{{- $fullname := include "rocm-vllm.fullname" $root | trunc 55 | trimSuffix "-" }}
{{- $name := include "rocm-vllm.name" $root | trunc 55 | trimSuffix "-" }}
{{- $contexts := list }}
{{- range $role := list "prefill" "decode" }}
{{- $values := deepCopy $base }}
{{- include "rocm-vllm.merge" (dict "dst" $values "src" (get $d $role | default dict)) }}
{{- $_ := set $values "disaggregation" (dict "enabled" false) }}
{{- $_ := set $values "fullnameOverride" (printf "%s-%s" $fullname $role) }}
{{- $_ := set $values "nameOverride" (printf "%s-%s" $name $role) }}
{{- $_ := set $values "podLabels" (merge (dict "llm-d.ai/role" $role) ($values.podLabels | default dict)) }}
{{- $_ := set $values.serviceAccount "create" false }}
{{- $_ := set $values.serviceAccount "name" (include "rocm-vllm.serviceAccountName" $root) }}
{{- if $values.cache.enabled }}{{ $_ := set $values.cache "existingClaim" (include "rocm-vllm.cacheClaimName" $root) }}{{ end }}
{{- $env := list }}
{{- if eq $d.connector.type "NixlConnector" }}
{{- $env = append $env (dict "name" "VLLM_NIXL_SIDE_CHANNEL_HOST" "valueFrom" (dict "fieldRef" (dict "fieldPath" "status.podIP"))) }}
{{- $env = append $env (dict "name" "VLLM_NIXL_SIDE_CHANNEL_PORT" "value" (toString (int $d.connector.nixl.sideChannelPort))) }}
{{- end }}
{{- $_ := set $values.vllm "extraEnv" (concat $env ($values.vllm.extraEnv | default list)) }}
{{- if eq $role "decode" }}
{{- $_ := set $values.vllm "port" (int $d.sidecar.modelServerPort) }}
{{- /* A stand-in command (the kind suite's simulator) passing --port <vllm.port> moves behind the sidecar too. */}}
{{- if $values.command }}
{{- $args := list }}
{{- range $i, $arg := $values.args | default list }}
{{- if and (gt $i 0) (eq (toString (index $values.args (sub $i 1))) "--port") (eq (toString $arg) (toString (int $root.Values.vllm.port))) }}
{{- $args = append $args (toString (int $d.sidecar.modelServerPort)) }}
{{- else }}
{{- $args = append $args $arg }}
{{- end }}
{{- end }}
{{- $_ := set $values "args" $args }}
{{- end }}
{{- $sidecar := include "rocm-vllm.disaggSidecar" (dict "ctx" $root "values" $values) | fromJson }}
{{- $_ := set $values "extraInitContainers" (prepend ($values.extraInitContainers | default list) $sidecar) }}
{{- $_ := set $values "_pool" (dict "role" $role "servingPort" (int $root.Values.vllm.port) "releaseName" (include "rocm-vllm.name" $root) "endpointLabel" (include "rocm-vllm.poolEndpointLabel" $root)) }}
{{- else }}
{{- /* Clients reach the model through the decode pods: no route, ingress or helm test on the prefill pool. */}}
{{- $_ := set $values.ingress "enabled" false }}
{{- $_ := set $values.httpRoute "enabled" false }}
{{- $_ := set $values.test "enabled" false }}
{{- $_ := set $values "_pool" (dict "role" $role "releaseName" (include "rocm-vllm.name" $root) "endpointLabel" (include "rocm-vllm.poolEndpointLabel" $root)) }}
{{- end }}
{{- $kv := include "rocm-vllm.kvTransferConfig" (dict "ctx" $root "role" $role "port" $values.vllm.port) }}
{{- $_ := set $values.vllm "extraArgs" (concat ($values.vllm.extraArgs | default list) (list "--kv-transfer-config" $kv)) }}
{{- $ctx := dict "Values" $values "Release" $root.Release "Chart" $root.Chart "Capabilities" $root.Capabilities "Template" $root.Template "Files" $root.Files }}
{{- $contexts = append $contexts (dict "role" $role "ctx" $ctx) }}
{{- end }}
{{- $_ := set $memo "pools" $contexts }}
{{- $_ := set $root.Values "_rocmVllmPoolMemo" $memo }}
{{- $_ := set .out "contexts" $contexts }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.renderPools: renders the named template .template from the root-like context .root, or, with
disaggregation.enabled, once per pool (each object its own YAML document). Every workload-shaped template goes
through it, so the pools use the same Deployment, LeaderWorkerSet, HPA, ScaledObject, PDB, Service and
NetworkPolicy templates as a single release. Usage: include "rocm-vllm.renderPools" (dict "root" $ "template" "rocm-vllm.service")
*/}}
{{- define "rocm-vllm.renderPools" -}}
{{- if not .root.Values.disaggregation.enabled }}
{{- include .template .root }}
{{- else }}
{{- include "rocm-vllm.validateDisaggregation" .root }}
{{- $out := dict }}
{{- include "rocm-vllm.poolContexts" (dict "root" .root "out" $out) }}
{{- range $out.contexts }}
{{- $doc := include $.template .ctx | trim }}
{{- if $doc }}
---
{{ $doc }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.apiTargetPort: the pod port clients reach: "http" (vLLM), or on a decode pool the sidecar's port number
(a Service resolves named ports only on regular containers; the sidecar is an init container).
*/}}
{{- define "rocm-vllm.apiTargetPort" -}}
{{- $pool := index .Values "_pool" | default dict }}
{{- if $pool.servingPort }}{{ $pool.servingPort }}{{ else }}http{{ end }}
{{- end }}

{{/*
rocm-vllm.poolFacts: what must agree between the pools, as JSON: model, revision, dtype, quantization, KV cache
dtype, max-model-len and --block-size (from vllm.extraArgs, "" when left to vLLM).
*/}}
{{- define "rocm-vllm.poolFacts" -}}
{{- $v := .Values }}
{{- $block := "" }}
{{- $args := $v.vllm.extraArgs | default list }}
{{- range $i, $arg := $args }}
{{- if eq (toString $arg) "--block-size" }}{{ $block = toString (index $args (add1 $i)) }}{{ end }}
{{- if hasPrefix "--block-size=" (toString $arg) }}{{ $block = trimPrefix "--block-size=" (toString $arg) }}{{ end }}
{{- end }}
{{- toJson (dict "model.id" $v.model.id "model.revision" (toString $v.model.revision) "vllm.dtype" (toString $v.vllm.dtype) "vllm.quantization" (toString $v.vllm.quantization) "vllm.kvCacheDtype" (toString $v.vllm.kvCacheDtype) "vllm.maxModelLen" (toString $v.vllm.maxModelLen) "--block-size" $block) }}
{{- end }}

{{/*
rocm-vllm.validateDisaggregation: checks across the two pools that the schema cannot express. Each failure says
what to change.
*/}}
{{- define "rocm-vllm.validateDisaggregation" -}}
{{- $out := dict }}
{{- include "rocm-vllm.poolContexts" (dict "root" . "out" $out) }}
{{- $prefill := (index $out.contexts 0).ctx }}
{{- $decode := (index $out.contexts 1).ctx }}
{{- $p := include "rocm-vllm.poolFacts" $prefill | fromJson }}
{{- $dc := include "rocm-vllm.poolFacts" $decode | fromJson }}
{{- range $key := keys $p | sortAlpha }}
{{- if ne (get $p $key) (get $dc $key) }}
{{- fail (printf "ERROR: disaggregation: the prefill pool's %s is %q but the decode pool's is %q: the decode pool can only use KV blocks computed for the same weights and layout. Set it once at the top level, not in disaggregation.prefill or disaggregation.decode." $key (get $p $key) (get $dc $key)) }}
{{- end }}
{{- end }}
{{- if .Values.inferencePool.enabled }}
{{- include "rocm-vllm.validateEndpointPickerConfig" (dict "config" .Values.disaggregation.endpointPickerConfig "path" "disaggregation.endpointPickerConfig") }}
{{- end }}
{{- range $out.contexts }}
{{- if .ctx.Values.keda.httpScaleFromZero.enabled }}
{{- fail (printf "ERROR: disaggregation with keda.httpScaleFromZero (the %s pool): the KEDA HTTP add-on holds requests for one workload behind one Service, while a disaggregated request crosses both pools through the endpoint picker. Set keda.httpScaleFromZero.enabled=false; scale each pool with autoscaling or keda (per pool in disaggregation.prefill/decode)." .role) }}
{{- end }}
{{- end }}
{{- if eq (int $decode.Values.vllm.port) (int .Values.vllm.port) }}
{{- fail (printf "ERROR: disaggregation.sidecar.modelServerPort %d equals vllm.port: the sidecar serves vllm.port on decode pods and vLLM must listen elsewhere. Choose another port (llm-d uses 8200)." (int .Values.disaggregation.sidecar.modelServerPort)) }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.kvNetworkpolicy: for each pool whose networkPolicy.enabled is true, a NetworkPolicy admitting, from the other pool's
pods only, the KV connector's TCP ports (rocm-vllm.kvPorts), and on the prefill pool also its API port from the
decode pods (the sidecar sends the prefill leg there). RDMA traffic on secondary networks is not subject to
NetworkPolicies.
*/}}
{{- define "rocm-vllm.kvNetworkpolicy" -}}
{{- if .Values.disaggregation.enabled }}
{{- $out := dict }}
{{- include "rocm-vllm.poolContexts" (dict "root" . "out" $out) }}
{{- $selectors := dict }}
{{- range $out.contexts }}{{ $_ := set $selectors .role (include "rocm-vllm.selectorLabels" .ctx | fromYaml) }}{{ end }}
{{- range $pool := $out.contexts }}
{{- /* A pool's own overlay may turn its policies on or off: its KV policy follows its API policy. */}}
{{- if $pool.ctx.Values.networkPolicy.enabled }}
{{- $other := ternary "decode" "prefill" (eq $pool.role "prefill") }}
{{- $ports := list }}
{{- range include "rocm-vllm.kvPorts" (dict "ctx" $ "values" $pool.ctx.Values) | fromJsonArray }}
{{- $port := dict "port" (int .port) "protocol" "TCP" }}
{{- if gt (int .endPort) (int .port) }}{{ $_ := set $port "endPort" (int .endPort) }}{{ end }}
{{- $ports = append $ports $port }}
{{- end }}
{{- if eq $pool.role "prefill" }}
{{- $ports = append $ports (dict "port" "http" "protocol" "TCP") }}
{{- end }}
---
{{ include "rocm-vllm.component.networkpolicy" (dict
  "ctx" $
  "name" (printf "%s-kv" (include "rocm-vllm.fullname" $pool.ctx | trunc 60 | trimSuffix "-"))
  "labels" (include "rocm-vllm.labels" $pool.ctx)
  "podSelector" (include "rocm-vllm.selectorLabels" $pool.ctx)
  "ingress" (list (dict "from" (list (dict "podSelector" (dict "matchLabels" (get $selectors $other)))) "ports" $ports))) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.poolEndpointLabel: the label (YAML text) on the pods of both pools that serve the API (single-node pods and
LeaderWorkerSet leaders): what the InferencePool selects in prefill/decode mode. Its value is the release's fullname.
*/}}
{{- define "rocm-vllm.poolEndpointLabel" -}}
rocm-vllm/pd-endpoint: {{ include "rocm-vllm.fullname" . | quote }}
{{- end }}
