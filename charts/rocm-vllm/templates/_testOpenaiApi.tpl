{{/*
rocm-vllm.testOpenaiApi: the testOpenaiApi object(s) of one model, from a root-like context (.Values, .Release, .Chart,
.Capabilities). templates/tests/test-openai-api.yaml renders it for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.testOpenaiApi" -}}
{{- if and .Values.test.enabled .Values.service.enabled }}
{{- /* helm test: the OpenAI API answers on the Service and lists the served model. */}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ printf "%s-test-openai-api" (include "rocm-vllm.fullname" . | trunc 45 | trimSuffix "-") }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- /* component "test": the Service, PDB and monitors (component "server") never select this pod. */}}
    {{- $labels := include "rocm-vllm.labels" . | fromYaml }}
    {{- $_ := set $labels "app.kubernetes.io/component" "test" }}
    {{- toYaml $labels | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: curl
      image: {{ include "rocm-vllm.imageRef" .Values.test.image | quote }}
      imagePullPolicy: {{ .Values.test.image.pullPolicy }}
      env:
        - name: BASE_URL
          value: {{ printf "http://%s.%s.svc:%v" (include "rocm-vllm.fullname" .) .Release.Namespace .Values.service.port | quote }}
        - name: MODEL_NAME
          value: {{ include "rocm-vllm.servedModelName" . | quote }}

      command:
        - /bin/sh
        - -c
        - |
          set -eu
          set -- --silent --show-error --fail --retry 5 --retry-connrefused --retry-delay 5 --max-time 30
          if [ -f /var/run/secrets/api-key/key ]; then
            set -- "$@" --header "Authorization: Bearer $(cat /var/run/secrets/api-key/key)"
          fi
          body=$(curl "$@" "${BASE_URL}/v1/models")
          echo "${body}"
          if printf '%s' "${body}" | tr -d ' \n' | grep -F -q "\"id\":\"${MODEL_NAME}\""; then
            echo "OK: ${MODEL_NAME} is served"
          else
            echo "FAIL: ${MODEL_NAME} is not listed by ${BASE_URL}/v1/models" >&2
            exit 1
          fi
      securityContext:
        {{- include "rocm-vllm.helperSecurityContext" . | nindent 8 }}
      resources:
        requests:
          cpu: 10m
          memory: 16Mi
        limits:
          cpu: 100m
          memory: 64Mi
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- if .Values.apiKey.secretName }}
        - name: api-key
          mountPath: /var/run/secrets/api-key
          readOnly: true
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 16Mi
    {{- with .Values.apiKey.secretName }}
    {{- /* The API key as a file (not an environment variable), read only by the curl command line. */}}
    - name: api-key
      secret:
        secretName: {{ . | quote }}
        defaultMode: 0440
        items:
          - key: {{ $.Values.apiKey.secretKey | quote }}
            path: key
    {{- end }}
{{- end }}
{{- end }}
