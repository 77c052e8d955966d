{{/*
rocm-vllm.networkpolicy: the networkpolicy object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/networkpolicy.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.networkpolicy" -}}
{{- if .Values.networkPolicy.enabled }}
{{- $np := .Values.networkPolicy }}
{{- /*
Ingress to the serving pods, nothing else (egress stays open: model downloads from the Hugging Face Hub, DNS).
1. The API port (named http: single-node pods and group leaders; workers have none) from networkPolicy.clients
   (default: every pod of the release's namespace; [] means from anywhere) and always from the release's helm test pod;
   with keda.httpScaleFromZero also from the interceptor's namespace; with inferencePool.enabled also from the
   endpoint picker (metrics) and the Gateway's proxy pods.
2. networkPolicy.extraIngress rules verbatim (e.g. Prometheus from another namespace).
3. Multi-node: one policy per LeaderWorkerSet group index (up to the most groups the release can scale to) lets the
   members of that group, and only them, reach each other on every port (Ray, torch.distributed, RCCL/Gloo
   bootstrap use dynamic ports). Groups beyond that count (scaled by hand) get no peer traffic: they fail closed.
*/}}
{{- $apiFrom := list }}
{{- if $np.clients }}
{{- $test := merge (dict "app.kubernetes.io/component" "test") (include "rocm-vllm.releaseSelectorLabels" . | fromYaml) }}
{{- $apiFrom = append (deepCopy $np.clients) (dict "podSelector" (dict "matchLabels" $test)) }}
{{- /* keda.httpScaleFromZero: the KEDA HTTP add-on's interceptor forwards the held requests. */}}
{{- with .Values.keda.httpScaleFromZero }}{{ if .enabled }}
{{- $apiFrom = append $apiFrom (dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" .interceptor.namespace))) }}
{{- end }}{{ end }}
{{- if .Values.inferencePool.enabled }}
{{- /* InferencePool routing: the picker scrapes /metrics on the API port, and the Gateway's proxies send each
request to the picked pod directly (not through the Service). */}}
{{- $apiFrom = append $apiFrom (dict "podSelector" (dict "matchLabels" (include "rocm-vllm.endpointPicker.selectorLabels" . | fromYaml))) }}
{{- $apiFrom = concat $apiFrom (include "rocm-vllm.inferencePoolGatewayPeers" . | fromJsonArray) }}
{{- end }}
{{- end }}
{{- $apiPort := include "rocm-vllm.apiTargetPort" . }}
{{- $api := dict "ports" (list (dict "port" (ternary $apiPort (atoi $apiPort) (eq $apiPort "http")) "protocol" "TCP")) }}
{{- with $apiFrom }}{{ $_ := set $api "from" . }}{{ end }}
{{- include "rocm-vllm.component.networkpolicy" (dict
  "ctx" .
  "name" (include "rocm-vllm.fullname" .)
  "labels" (include "rocm-vllm.labels" .)
  "podSelector" (include "rocm-vllm.selectorLabels" .)
  "ingress" (concat (list $api) ($np.extraIngress | default list))) }}
{{- if include "rocm-vllm.multiNode" . }}
{{- $groups := int .Values.replicaCount }}
{{- if .Values.autoscaling.enabled }}{{ $groups = max $groups (int .Values.autoscaling.maxReplicas) }}{{ end }}
{{- if .Values.keda.enabled }}{{ $groups = max $groups (int .Values.keda.maxReplicaCount) }}{{ end }}
{{- if .Values.keda.httpScaleFromZero.enabled }}{{ $groups = max $groups (int .Values.keda.httpScaleFromZero.maxReplicas) }}{{ end }}
{{- range $index := until (int $groups) }}
{{- $members := printf "%s\nleaderworkerset.sigs.k8s.io/group-index: %q" (include "rocm-vllm.selectorLabels" $) (toString $index) }}
---
{{ include "rocm-vllm.component.networkpolicy" (dict
  "ctx" $
  "name" (printf "%s-group-%d" (include "rocm-vllm.fullname" $ | trunc 50 | trimSuffix "-") $index)
  "labels" (include "rocm-vllm.labels" $)
  "podSelector" $members
  "ingress" (list (dict "from" (list (dict "podSelector" (dict "matchLabels" ($members | fromYaml))))))) }}
{{- end }}
{{- end }}
{{- /* 4. The cold-start DaemonSets' pods (image pre-pull, node-cache prefill) listen on no port: no ingress at all. */}}
{{- $daemonSets := dict "image-prepull" .Values.imagePrepull.enabled "node-cache" .Values.nodeCache.enabled }}
{{- range $component := list "image-prepull" "node-cache" }}
{{- if get $daemonSets $component }}
---
{{ include "rocm-vllm.component.networkpolicy" (dict
  "ctx" $
  "name" (printf "%s-%s" (include "rocm-vllm.fullname" $ | trunc 48 | trimSuffix "-") $component)
  "labels" (include "rocm-vllm.labels" $)
  "podSelector" (merge (dict "app.kubernetes.io/component" $component) (include "rocm-vllm.selectorLabels" $ | fromYaml) | toYaml)
  "ingress" list) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
