{{/*
rocm-vllm-cache.pvc: the cache PersistentVolumeClaim (and the cross-value checks), from a root-like context (.Values, .Release, .Chart).
templates/pvc.yaml renders it for this release; charts/rocm-vllm-stack renders it once per shared cache.
*/}}
{{- define "rocm-vllm-cache.pvc" -}}
{{- include "rocm-vllm-cache.validate" . }}
{{- if not .Values.pvc.existingClaim }}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "rocm-vllm-cache.claimName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm-cache.labels" . | nindent 4 }}
  {{- $annotations := deepCopy (.Values.pvc.annotations | default dict) }}
  {{- if .Values.pvc.keep }}
  {{- /* Keep downloaded weights (often hundreds of GB) across helm uninstall. */}}
  {{- $_ := set $annotations "helm.sh/resource-policy" "keep" }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  accessModes:
    {{- toYaml .Values.pvc.accessModes | nindent 4 }}
  {{- with .Values.pvc.storageClassName }}
  storageClassName: {{ . | quote }}
  {{- end }}
  {{- with .Values.pvc.volumeName }}
  volumeName: {{ . | quote }}
  {{- end }}
  {{- with .Values.pvc.dataSource }}
  dataSource:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  resources:
    requests:
      storage: {{ .Values.pvc.size | quote }}
{{- end }}
{{- end }}
