{{/*
rocm-vllm.poddisruptionbudget: the poddisruptionbudget object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/poddisruptionbudget.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.poddisruptionbudget" -}}
{{- if .Values.podDisruptionBudget.enabled }}
{{- /*
One budget over every pod of the release. For a LeaderWorkerSet, maxUnavailable counts groups: evicting any
pod of a group restarts the whole group (restartPolicy RecreateGroupOnPodRestart), and the recreated group's
pods are not ready until the model is loaded again, so they use up the budget: at most maxUnavailable groups
are ever disrupted at once. With restartPolicy None, a single pod eviction breaks its group without using the
budget of its siblings, so prefer the default restart policy when relying on this budget.
*/}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  {{- with .Values.podDisruptionBudget.unhealthyPodEvictionPolicy }}
  unhealthyPodEvictionPolicy: {{ . }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "rocm-vllm.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}
