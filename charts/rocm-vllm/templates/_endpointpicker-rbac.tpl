{{/*
rocm-vllm.endpointPicker.role: the picker's namespaced Role, read-only (llm-d-router v0.10.0's chart grants the same):
- pods: the pool's endpoints;
- inferencepools (inference.networking.k8s.io): its own pool;
- inferenceobjectives and inferencemodelrewrites (llm-d.ai and the legacy inference.networking.x-k8s.io): the picker
  looks these CRDs up at start and, when a cluster has them, starts watching them (pkg/epp/server/controller_config.go),
  so without read access its cache would not sync;
- leases (coordination.k8s.io) and events, only with leader election (inferencePool.endpointPicker.replicas > 1).
No ClusterRole: --metrics-endpoint-auth=false needs no TokenReview/SubjectAccessReview.
*/}}
{{- define "rocm-vllm.endpointPicker.role" -}}
{{- if .Values.inferencePool.enabled }}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ include "rocm-vllm.endpointPicker.name" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.endpointPicker.labels" . | nindent 4 }}
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["inference.networking.k8s.io"]
    resources: ["inferencepools"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["llm-d.ai", "inference.networking.x-k8s.io"]
    resources: ["inferenceobjectives", "inferencemodelrewrites"]
    verbs: ["get", "list", "watch"]
  {{- if include "rocm-vllm.endpointPicker.leaderElection" . }}
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: [""]
    resources: ["events"]
    verbs: ["create", "patch"]
  {{- end }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.endpointPicker.rolebinding: binds the picker's Role to its ServiceAccount.
*/}}
{{- define "rocm-vllm.endpointPicker.rolebinding" -}}
{{- if .Values.inferencePool.enabled }}
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ include "rocm-vllm.endpointPicker.name" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.endpointPicker.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ include "rocm-vllm.endpointPicker.name" . }}
subjects:
  - kind: ServiceAccount
    name: {{ include "rocm-vllm.endpointPicker.name" . }}
    namespace: {{ .Release.Namespace }}
{{- end }}
{{- end }}
