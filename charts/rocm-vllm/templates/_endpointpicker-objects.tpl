{{/*
The endpoint picker's objects, one named template per kind (see _endpointpicker.tpl). Each renders nothing unless
inferencePool.enabled.
*/}}

{{/*
rocm-vllm.endpointPicker.deployment: the picker's Deployment. Non-root, read-only root filesystem, a /tmp emptyDir,
the chart's helper securityContext; gRPC probes on the health port (service "readiness" is only SERVING on the
elected leader once the pool's pods are synced; "liveness" on any running replica, cmd/epp/runner/health.go). The
ConfigMap's hash rolls the pods when the configuration changes (the picker reads it at start only).
*/}}
{{- define "rocm-vllm.endpointPicker.deployment" -}}
{{- if .Values.inferencePool.enabled }}
{{- $epp := .Values.inferencePool.endpointPicker }}
{{- $podTemplate := include "rocm-vllm.endpointPicker.podTemplate" . }}
{{- include "rocm-vllm.component.deployment" (dict
  "ctx" .
  "name" (include "rocm-vllm.endpointPicker.name" .)
  "labels" (include "rocm-vllm.endpointPicker.labels" .)
  "replicas" (int $epp.replicas)
  "revisionHistoryLimit" .Values.revisionHistoryLimit
  "strategy" (dict "type" "Recreate")
  "selectorLabels" (include "rocm-vllm.endpointPicker.selectorLabels" .)
  "podTemplate" $podTemplate) }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.endpointPicker.podTemplate: the picker Deployment's pod template ({metadata, spec}) as YAML text. The
strategy is Recreate (as llm-d's chart): one active picker holds the prefix-cache index, and with leader election a
rolling update could never replace the leader.
*/}}
{{- define "rocm-vllm.endpointPicker.podTemplate" -}}
{{- $epp := .Values.inferencePool.endpointPicker }}
{{- $ports := include "rocm-vllm.endpointPicker.ports" . | fromYaml -}}
metadata:
  labels:
    {{- include "rocm-vllm.endpointPicker.selectorLabels" . | nindent 4 }}
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    app.kubernetes.io/part-of: rocm-vllm
    {{- with .Values.commonLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    rocm-vllm/config-sha256: {{ include "rocm-vllm.endpointPicker.configText" . | sha256sum | trunc 16 | quote }}
    {{- with $epp.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "rocm-vllm.endpointPicker.name" . }}
  {{- /* The picker watches pods and its InferencePool: it needs its API token (the Role limits it). */}}
  automountServiceAccountToken: true
  enableServiceLinks: false
  {{- with $epp.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- /* --drain-timeout (30 s by default) for in-flight ext-proc streams, then 15 s to exit. */}}
  terminationGracePeriodSeconds: 45
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  {{- with $epp.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $epp.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: epp
      image: {{ include "rocm-vllm.imageRef" $epp.image | quote }}
      imagePullPolicy: {{ $epp.image.pullPolicy }}
      args:
        {{- include "rocm-vllm.endpointPicker.args" . | nindent 8 }}
      env:
        - name: NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: HOME
          value: /tmp
      ports:
        - name: grpc
          containerPort: {{ $ports.grpc }}
          protocol: TCP
        - name: grpc-health
          containerPort: {{ $ports.grpcHealth }}
          protocol: TCP
        - name: metrics
          containerPort: {{ $ports.metrics }}
          protocol: TCP
      livenessProbe:
        grpc:
          port: {{ $ports.grpcHealth }}
          service: liveness
        initialDelaySeconds: 5
        periodSeconds: 10
        timeoutSeconds: 5
      readinessProbe:
        grpc:
          port: {{ $ports.grpcHealth }}
          service: readiness
        periodSeconds: 2
        timeoutSeconds: 5
      resources:
        {{- toYaml $epp.resources | nindent 8 }}
      securityContext:
        {{- include "rocm-vllm.helperSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /config
          readOnly: true
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: config
      configMap:
        name: {{ include "rocm-vllm.endpointPicker.name" . }}
    - name: tmp
      emptyDir:
        sizeLimit: 256Mi
{{- end }}

{{/*
rocm-vllm.endpointPicker.service: the picker's Service, named by the InferencePool's endpointPickerRef: ext-proc gRPC
(h2c: the Gateway speaks HTTP/2 to it) and metrics.
*/}}
{{- define "rocm-vllm.endpointPicker.service" -}}
{{- if .Values.inferencePool.enabled }}
{{- $ports := include "rocm-vllm.endpointPicker.ports" . | fromYaml }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "rocm-vllm.endpointPicker.name" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.endpointPicker.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  ports:
    - name: grpc-ext-proc
      port: {{ $ports.grpc }}
      targetPort: grpc
      protocol: TCP
      appProtocol: kubernetes.io/h2c
    - name: http-metrics
      port: {{ $ports.metrics }}
      targetPort: metrics
      protocol: TCP
  selector:
    {{- include "rocm-vllm.endpointPicker.selectorLabels" . | nindent 4 }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.endpointPicker.serviceaccount: the picker's ServiceAccount (its token is mounted by the pod spec only).
*/}}
{{- define "rocm-vllm.endpointPicker.serviceaccount" -}}
{{- if .Values.inferencePool.enabled }}
{{- include "rocm-vllm.component.serviceaccount" (dict
  "ctx" .
  "name" (include "rocm-vllm.endpointPicker.name" .)
  "labels" (include "rocm-vllm.endpointPicker.labels" .)) }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.endpointPicker.configmap: the picker's EndpointPickerConfig (config.yaml, read with --config-file).
*/}}
{{- define "rocm-vllm.endpointPicker.configmap" -}}
{{- if .Values.inferencePool.enabled }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "rocm-vllm.endpointPicker.name" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.endpointPicker.labels" . | nindent 4 }}
data:
  config.yaml: |
    {{- include "rocm-vllm.endpointPicker.configText" . | nindent 4 }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.endpointPicker.networkpolicy: ingress to the picker pods (with networkPolicy.enabled): the ext-proc port
from the Gateway's proxy pods (rocm-vllm.inferencePoolGatewayPeers), the metrics port from networkPolicy.clients
(everyone when []). The health port is only probed by the kubelet.
*/}}
{{- define "rocm-vllm.endpointPicker.networkpolicy" -}}
{{- if and .Values.inferencePool.enabled .Values.networkPolicy.enabled }}
{{- $ports := include "rocm-vllm.endpointPicker.ports" . | fromYaml }}
{{- $grpc := dict "ports" (list (dict "port" "grpc" "protocol" "TCP")) "from" (include "rocm-vllm.inferencePoolGatewayPeers" . | fromJsonArray) }}
{{- $metrics := dict "ports" (list (dict "port" "metrics" "protocol" "TCP")) }}
{{- with .Values.networkPolicy.clients }}{{ $_ := set $metrics "from" (deepCopy .) }}{{ end }}
{{- include "rocm-vllm.component.networkpolicy" (dict
  "ctx" .
  "name" (include "rocm-vllm.endpointPicker.name" .)
  "labels" (include "rocm-vllm.endpointPicker.labels" .)
  "podSelector" (include "rocm-vllm.endpointPicker.selectorLabels" .)
  "ingress" (list $grpc $metrics)) }}
{{- end }}
{{- end }}
