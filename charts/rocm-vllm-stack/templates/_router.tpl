{{/*
rocm-vllm-stack.routerPodTemplate: the router Deployment's pod template ({metadata, spec}) as YAML text, for
rocm-vllm.component.deployment. The router is not vLLM: it runs non-root with a read-only root filesystem, a /tmp
emptyDir and charts/rocm-vllm's helper securityContext. Usage: include "rocm-vllm-stack.routerPodTemplate"
(dict "ctx" $ "backends" (include "rocm-vllm-stack.routerBackends" $ | fromJson))
*/}}
{{- define "rocm-vllm-stack.routerPodTemplate" -}}
{{- $ := .ctx }}
{{- $r := $.Values.router }}
{{- $backends := .backends }}
metadata:
  labels:
    {{- include "rocm-vllm-stack.routerSelectorLabels" $ | nindent 4 }}
    app.kubernetes.io/managed-by: {{ $.Release.Service }}
    app.kubernetes.io/part-of: rocm-vllm
    {{- with $.Values.commonLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with $r.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    {{- /* A changed model list rolls the router: its backends (or its pod selector) are command-line arguments. */}}
    rocm-vllm/backends-sha256: {{ toJson $backends | sha256sum | trunc 16 | quote }}
    {{- with $r.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "rocm-vllm-stack.routerServiceAccountName" $ }}
  {{- /* Pod discovery watches pods through the Kubernetes API; static discovery never calls it. */}}
  automountServiceAccountToken: {{ eq $r.serviceDiscovery "pod" }}
  enableServiceLinks: false
  {{- with $r.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $r.priorityClassName }}
  priorityClassName: {{ . | quote }}
  {{- end }}
  securityContext:
    {{- $psc := deepCopy ($r.podSecurityContext | default dict) }}
    {{- $_ := set $psc "seccompProfile" (dict "type" "RuntimeDefault") }}
    {{- $_ := set $psc "runAsNonRoot" true }}
    {{- toYaml $psc | nindent 4 }}
  {{- with $r.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $r.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  affinity:
    {{- if $r.affinity }}
    {{- toYaml $r.affinity | nindent 4 }}
    {{- else }}
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
                {{- include "rocm-vllm-stack.routerSelectorLabels" $ | nindent 16 }}
    {{- end }}
  containers:
    - name: router
      image: {{ include "rocm-vllm.imageRef" $r.image | quote }}
      imagePullPolicy: {{ $r.image.pullPolicy }}
      {{- /* The image's entrypoint is vllm-router; flags from src/vllm_router/parsers/parser.py. */}}
      args:
        - --host
        - 0.0.0.0
        - --port
        - {{ $r.port | int | toString | quote }}
        {{- if eq $r.serviceDiscovery "pod" }}
        {{- /* Every ready serving pod of the stack is an endpoint; its models come from its /v1/models. */}}
        - --service-discovery
        - k8s
        - --k8s-service-discovery-type
        - pod-ip
        - --k8s-namespace
        - {{ $.Release.Namespace | quote }}
        - --k8s-label-selector
        - {{ include "rocm-vllm-stack.routerPodSelector" $ | quote }}
        - --k8s-port
        - {{ $backends.port | int | toString | quote }}
        {{- else }}
        - --service-discovery
        - static
        - --static-backends
        - {{ join "," $backends.urls | quote }}
        - --static-models
        - {{ join "," $backends.models | quote }}
        {{- end }}
        - --routing-logic
        - {{ $r.routingLogic | quote }}
        {{- with $r.sessionKey }}
        - --session-key
        - {{ . | quote }}
        {{- end }}
        - --engine-stats-interval
        - {{ $r.engineStatsInterval | int | toString | quote }}
        - --request-stats-window
        - {{ $r.requestStatsWindow | int | toString | quote }}
        {{- range $r.extraArgs }}
        - {{ . | toString | quote }}
        {{- end }}
      env:
        - name: HOME
          value: /tmp
        {{- with $.Values.apiKey.secretName }}
        {{- /* The router reads VLLM_API_KEY (src/vllm_router: service_discovery.py, request.py) for its own
        calls to the models; clients' requests are forwarded with their own Authorization header. */}}
        - name: VLLM_API_KEY
          valueFrom:
            secretKeyRef:
              name: {{ . | quote }}
              key: {{ $.Values.apiKey.secretKey | quote }}
        {{- end }}
        {{- range $name, $value := $r.env }}
        - name: {{ $name }}
          value: {{ $value | toString | quote }}
        {{- end }}
      ports:
        - name: http
          containerPort: {{ $r.port }}
          protocol: TCP
      {{- range $kind := list "startup" "readiness" "liveness" }}
      {{- $p := get $r.probes $kind }}
      {{ $kind }}Probe:
        httpGet:
          path: /health
          port: http
        periodSeconds: {{ $p.periodSeconds }}
        failureThreshold: {{ $p.failureThreshold }}
        timeoutSeconds: 5
      {{- end }}
      resources:
        {{- toYaml $r.resources | nindent 8 }}
      securityContext:
        {{- $csc := deepCopy ($r.containerSecurityContext | default dict) }}
        {{- $csc = merge (include "rocm-vllm.helperSecurityContext" $ | fromYaml) $csc }}
        {{- toYaml $csc | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 256Mi
{{- end }}
