{{/*
The endpoint picker (EPP) of a model's InferencePool: llm-d's router endpoint picker
(ghcr.io/llm-d/llm-d-router-endpoint-picker, github.com/llm-d/llm-d-router; flags from pkg/epp/server/options.go,
RBAC from config/charts/routerlib and llm-d-router-gateway at v0.10.0). The Gateway calls it over Envoy's ext-proc
gRPC (port 9002) for every request; it watches the pool's pods, scrapes their vLLM /metrics and answers with the pod
to use. Each object is one named template taking a root-like context (.Values, .Release, .Chart, .Capabilities) and
renders nothing unless inferencePool.enabled: templates/endpointpicker-*.yaml render them for this release, and other
modes (e.g. prefill/decode) reuse them with their own inferencePool.endpointPicker.config.
*/}}

{{/*
rocm-vllm.endpointPicker.name: the picker's Deployment, Service, ServiceAccount, Role, RoleBinding and ConfigMap.
*/}}
{{- define "rocm-vllm.endpointPicker.name" -}}
{{- printf "%s-epp" (include "rocm-vllm.fullname" . | trunc 59 | trimSuffix "-") }}
{{- end }}

{{/*
rocm-vllm.endpointPicker.selectorLabels: the picker pods' immutable labels (component endpoint-picker, so neither
the model's Service nor its InferencePool ever selects them). From a prefill/decode pool's context they name the
release's picker (app.kubernetes.io/name is the release's, not the pool's).
*/}}
{{- define "rocm-vllm.endpointPicker.selectorLabels" -}}
app.kubernetes.io/name: {{ (index .Values "_pool" | default dict).releaseName | default (include "rocm-vllm.name" .) }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: endpoint-picker
{{- end }}

{{/*
rocm-vllm.endpointPicker.labels: the picker objects' labels (rocm-vllm.labels with the picker's component).
*/}}
{{- define "rocm-vllm.endpointPicker.labels" -}}
helm.sh/chart: {{ include "rocm-vllm.chart" . }}
{{ include "rocm-vllm.endpointPicker.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rocm-vllm
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.endpointPicker.leaderElection: "true" when the picker runs several replicas (they elect a leader).
*/}}
{{- define "rocm-vllm.endpointPicker.leaderElection" -}}
{{- if gt (int .Values.inferencePool.endpointPicker.replicas) 1 }}true{{- end }}
{{- end }}

{{/*
rocm-vllm.endpointPicker.ports: the picker's ports (options.go defaults): ext-proc gRPC, gRPC health, metrics.
*/}}
{{- define "rocm-vllm.endpointPicker.ports" -}}
grpc: 9002
grpcHealth: 9003
metrics: 9090
{{- end }}

{{/*
rocm-vllm.endpointPicker.configText: the EndpointPickerConfig file, from inferencePool.endpointPicker.config, or in
prefill/decode mode (disaggregation.enabled) from disaggregation.endpointPickerConfig.
*/}}
{{- define "rocm-vllm.endpointPicker.configText" -}}
{{- if .Values.disaggregation.enabled }}
{{- toYaml .Values.disaggregation.endpointPickerConfig }}
{{- else }}
{{- toYaml .Values.inferencePool.endpointPicker.config }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.endpointPicker.args: the picker's command-line flags (one per line, as YAML list items).
*/}}
{{- define "rocm-vllm.endpointPicker.args" -}}
{{- $epp := .Values.inferencePool.endpointPicker }}
{{- $ports := include "rocm-vllm.endpointPicker.ports" . | fromYaml -}}
- --pool-name={{ include "rocm-vllm.fullname" . }}
- --pool-namespace={{ .Release.Namespace }}
- --pool-group=inference.networking.k8s.io
- --config-file=/config/config.yaml
- --grpc-port={{ $ports.grpc }}
- --grpc-health-port={{ $ports.grpcHealth }}
- --metrics-port={{ $ports.metrics }}
- --secure-serving={{ $epp.secureServing }}
{{- /* Metrics without TokenReview/SubjectAccessReview (no ClusterRole); the NetworkPolicy limits who scrapes. */}}
- --metrics-endpoint-auth=false
- --enable-pprof=false
- --tracing=false
- --v={{ int $epp.logVerbosity }}
{{- if include "rocm-vllm.endpointPicker.leaderElection" . }}
- --ha-enable-leader-election
{{- end }}
{{- range $epp.extraArgs }}
- {{ . | toString | quote }}
{{- end }}
{{- end }}
