{{/*
rocm-vllm.networkpolicy: the networkpolicy object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/networkpolicy.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.networkpolicy" -}}
{{- if .Values.networkPolicy.enabled }}
{{- $np := .Values.networkPolicy }}
{{- /*
Ingress only: egress stays open (model downloads from the Hugging Face Hub, Ray/RCCL between group members).
1. The release's pods reach each other on every port: LWS group members (Ray, torch.distributed, RCCL
   bootstrap) and the helm test pod.
2. The API port is open to networkPolicy.clients, or to everyone when that list is empty.
3. networkPolicy.extraIngress rules are added verbatim (e.g. for Prometheus in another namespace).
*/}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "rocm-vllm.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "rocm-vllm.releaseSelectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector:
            matchLabels:
              {{- include "rocm-vllm.releaseSelectorLabels" . | nindent 14 }}
    - ports:
        - port: http
          protocol: TCP
      {{- with $np.clients }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- with $np.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
{{- end }}
