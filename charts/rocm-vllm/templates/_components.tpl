{{/*
Object templates shared by every component of both serving charts: the model's objects (rocm-vllm.deployment,
rocm-vllm.service, ...) and the stack router's (charts/rocm-vllm-stack router-*.yaml) are all rendered by these, so
a hardening fix to a Deployment, Service, ServiceAccount, PodDisruptionBudget, HPA or NetworkPolicy lands once.
Each takes a dict: "ctx" (a root-like context, for .Release), "name", "labels" (YAML text), and the fields below.
*/}}

{{/*
rocm-vllm.component.deployment: an apps/v1 Deployment. Fields: annotations (map), replicas (omitted when null: an
autoscaler owns it), revisionHistoryLimit, strategy (map), selectorLabels (YAML text), podTemplate (YAML text of
{metadata, spec}).
*/}}
{{- define "rocm-vllm.component.deployment" -}}
{{- include "rocm-vllm.component.require" (dict "template" "deployment" "args" . "keys" (list "ctx" "name" "labels" "selectorLabels" "podTemplate")) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- if not (kindIs "invalid" .replicas) }}
  replicas: {{ .replicas }}
  {{- end }}
  {{- if not (kindIs "invalid" .revisionHistoryLimit) }}
  revisionHistoryLimit: {{ .revisionHistoryLimit }}
  {{- end }}
  {{- with .strategy }}
  strategy:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  selector:
    matchLabels:
      {{- .selectorLabels | nindent 6 }}
  template:
    {{- .podTemplate | nindent 4 }}
{{- end }}

{{/*
rocm-vllm.component.service: a v1 Service with one port named http to the pods' port targetPort (default: the port
named http). Fields: annotations (map), type, port, targetPort, nodePort (NodePort only; null lets Kubernetes
choose), trafficDistribution, selector (YAML text).
*/}}
{{- define "rocm-vllm.component.service" -}}
{{- include "rocm-vllm.component.require" (dict "template" "service" "args" . "keys" (list "ctx" "name" "labels" "type" "port" "selector")) }}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .type }}
  {{- with .trafficDistribution }}
  trafficDistribution: {{ . }}
  {{- end }}
  ports:
    - name: http
      port: {{ .port }}
      targetPort: {{ .targetPort | default "http" }}
      protocol: TCP
      {{- if and (eq .type "NodePort") .nodePort }}
      nodePort: {{ .nodePort }}
      {{- end }}
  selector:
    {{- .selector | nindent 4 }}
{{- end }}

{{/*
rocm-vllm.component.serviceaccount: a v1 ServiceAccount that never mounts an API token (none of the components
calls the Kubernetes API). Fields: annotations (map).
*/}}
{{- define "rocm-vllm.component.serviceaccount" -}}
{{- include "rocm-vllm.component.require" (dict "template" "serviceaccount" "args" . "keys" (list "ctx" "name" "labels")) }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end }}

{{/*
rocm-vllm.component.poddisruptionbudget: a policy/v1 PodDisruptionBudget. Fields: maxUnavailable,
unhealthyPodEvictionPolicy ("" unset), selectorLabels (YAML text).
*/}}
{{- define "rocm-vllm.component.poddisruptionbudget" -}}
{{- include "rocm-vllm.component.require" (dict "template" "poddisruptionbudget" "args" . "keys" (list "ctx" "name" "labels" "maxUnavailable" "selectorLabels")) }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
spec:
  maxUnavailable: {{ .maxUnavailable }}
  {{- with .unhealthyPodEvictionPolicy }}
  unhealthyPodEvictionPolicy: {{ . }}
  {{- end }}
  selector:
    matchLabels:
      {{- .selectorLabels | nindent 6 }}
{{- end }}

{{/*
rocm-vllm.component.hpa: an autoscaling/v2 HorizontalPodAutoscaler. Fields: targetRef (YAML text: apiVersion, kind,
name), minReplicas, maxReplicas, metrics (list), behavior (map).
*/}}
{{- define "rocm-vllm.component.hpa" -}}
{{- include "rocm-vllm.component.require" (dict "template" "hpa" "args" . "keys" (list "ctx" "name" "labels" "targetRef" "minReplicas" "maxReplicas" "metrics")) }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
spec:
  scaleTargetRef:
    {{- .targetRef | nindent 4 }}
  minReplicas: {{ .minReplicas }}
  maxReplicas: {{ .maxReplicas }}
  metrics:
    {{- toYaml .metrics | nindent 4 }}
  {{- with .behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/*
rocm-vllm.component.networkpolicy: a networking.k8s.io/v1 NetworkPolicy for ingress. Fields: podSelector (YAML
text of matchLabels), ingress (list of NetworkPolicyIngressRule). Egress is not restricted (see the chart README).
*/}}
{{- define "rocm-vllm.component.networkpolicy" -}}
{{- include "rocm-vllm.component.require" (dict "template" "networkpolicy" "args" . "keys" (list "ctx" "name" "labels" "podSelector" "ingress")) }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- .podSelector | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    {{- toYaml .ingress | nindent 4 }}
{{- end }}

{{/*
rocm-vllm.component.require: fails when a component template is called without one of its arguments (a chart bug).
*/}}
{{- define "rocm-vllm.component.require" -}}
{{- range .keys }}
{{- if not (hasKey $.args .) }}
{{- fail (printf "ERROR: rocm-vllm.component.%s: argument %q missing (chart bug)" $.template .) }}
{{- end }}
{{- end }}
{{- end }}
