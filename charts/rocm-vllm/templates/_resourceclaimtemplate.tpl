{{/*
rocm-vllm.dra: "true" when the pods claim their GPUs through Dynamic Resource Allocation (gpu.allocation "dra").
*/}}
{{- define "rocm-vllm.dra" -}}
{{- if and .Values.gpu.enabled (eq .Values.gpu.allocation "dra") }}true{{ end }}
{{- end }}

{{/*
rocm-vllm.draApiVersion: the resource.k8s.io version the cluster serves, from its Kubernetes version: v1 from
1.34, v1beta2 on 1.33, v1beta1 on 1.32. Gated on the version, not on .Capabilities.APIVersions: Helm's offline
default list holds every version its client library knows, whatever the cluster runs. Older clusters fail.
*/}}
{{- define "rocm-vllm.draApiVersion" -}}
{{- $version := .Capabilities.KubeVersion.Version }}
{{- if semverCompare ">=1.34.0-0" $version }}resource.k8s.io/v1
{{- else if semverCompare ">=1.33.0-0" $version }}resource.k8s.io/v1beta2
{{- else if semverCompare ">=1.32.0-0" $version }}resource.k8s.io/v1beta1
{{- else }}
{{- fail (printf "ERROR: gpu.allocation=dra needs Kubernetes 1.32 or newer (resource.k8s.io ResourceClaimTemplate with structured parameters, which the AMD DRA driver gpu.amd.com uses); this cluster is %s: set gpu.allocation=devicePlugin." $version) }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.gpuClaimName: the ResourceClaimTemplate's name (each pod gets its own claim made from it).
*/}}
{{- define "rocm-vllm.gpuClaimName" -}}
{{- printf "%s-gpu" (include "rocm-vllm.fullname" . | trunc 59 | trimSuffix "-") }}
{{- end }}

{{/*
rocm-vllm.draGpuSelectors: the CEL expressions every claimed GPU satisfies, as a JSON list: whole GPUs (type amdgpu)
or the partition profile (gpu.partition), the product names, the NUMA node, then gpu.dra.selectors. Attribute
names are the AMD DRA driver's (docs/driver-attributes.md: type, productName, partitionProfile, numaNode). String
literals are written as JSON strings, which CEL reads the same way.
*/}}
{{- define "rocm-vllm.draGpuSelectors" -}}
{{- $dra := .Values.gpu.dra }}
{{- $attr := printf "device.attributes[%s]" (toJson .Values.gpu.dra.deviceClassName) }}
{{- $cel := list }}
{{- if .Values.gpu.partition }}
{{- $cel = append $cel (printf "%s.partitionProfile == %s" $attr (toJson .Values.gpu.partition)) }}
{{- else }}
{{- /* A partitioned GPU publishes devices of type amdgpu-partition: never count those as whole GPUs. */}}
{{- $cel = append $cel (printf "%s.type == \"amdgpu\"" $attr) }}
{{- end }}
{{- with $dra.productNames }}
{{- $cel = append $cel (printf "%s.productName in %s" $attr (toJson .)) }}
{{- end }}
{{- if not (kindIs "invalid" $dra.numaNode) }}
{{- $cel = append $cel (printf "%s.numaNode == %d" $attr (int $dra.numaNode)) }}
{{- end }}
{{- range $dra.selectors }}
{{- $cel = append $cel . }}
{{- end }}
{{- toJson $cel }}
{{- end }}

{{/*
rocm-vllm.draRequest: one device request (dict "apiVersion" v "name" n "class" c "count" k "cel" list) in the
shape of the API version: v1beta1 puts deviceClassName/count/selectors on the request, v1beta2 and v1 under
"exactly" (checked against the Kubernetes 1.32, 1.33 and 1.37 OpenAPI schemas).
*/}}
{{- define "rocm-vllm.draRequest" -}}
{{- $exact := dict "deviceClassName" .class "allocationMode" "ExactCount" "count" (int .count) }}
{{- with .cel }}
{{- $selectors := list }}
{{- range . }}{{ $selectors = append $selectors (dict "cel" (dict "expression" .)) }}{{ end }}
{{- $_ := set $exact "selectors" $selectors }}
{{- end }}
{{- if eq .apiVersion "resource.k8s.io/v1beta1" }}
{{- toYaml (merge (dict "name" .name) $exact) }}
{{- else }}
{{- toYaml (dict "name" .name "exactly" $exact) }}
{{- end }}
{{- end }}

{{/*
rocm-vllm.resourceClaimTemplate: the ResourceClaimTemplate every pod of the release claims its GPUs (and NICs, with
gpu.dra.nic.deviceClassName) from, when gpu.allocation is "dra". templates/resourceclaimtemplate.yaml renders it
for this release; charts/rocm-vllm-stack renders it once per model.
*/}}
{{- define "rocm-vllm.resourceClaimTemplate" -}}
{{- if include "rocm-vllm.dra" . }}
{{- $apiVersion := include "rocm-vllm.draApiVersion" . }}
{{- $dra := .Values.gpu.dra }}
{{- $requests := list (include "rocm-vllm.draRequest" (dict "apiVersion" $apiVersion "name" "gpu" "class" $dra.deviceClassName "count" .Values.gpu.count "cel" (include "rocm-vllm.draGpuSelectors" . | fromJsonArray)) | fromYaml) }}
{{- if $dra.nic.deviceClassName }}
{{- $requests = append $requests (include "rocm-vllm.draRequest" (dict "apiVersion" $apiVersion "name" "nic" "class" $dra.nic.deviceClassName "count" $dra.nic.count "cel" list) | fromYaml) }}
{{- if and $dra.matchAttribute (hasPrefix (printf "%s/" $dra.deviceClassName) $dra.matchAttribute) }}
{{- fail (printf "ERROR: gpu.dra.matchAttribute %q is an attribute of the GPU driver only, so no NIC of gpu.dra.nic.deviceClassName %q can match it: use an attribute both drivers publish, such as resource.kubernetes.io/pcieRoot, or set gpu.dra.matchAttribute=\"\"." $dra.matchAttribute $dra.nic.deviceClassName) }}
{{- end }}
{{- end }}
apiVersion: {{ $apiVersion }}
kind: ResourceClaimTemplate
metadata:
  name: {{ include "rocm-vllm.gpuClaimName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "rocm-vllm.labels" . | nindent 4 }}
spec:
  spec:
    devices:
      requests:
        {{- toYaml $requests | nindent 8 }}
      {{- with $dra.matchAttribute }}
      constraints:
        - requests:
            {{- range $requests }}
            - {{ .name }}
            {{- end }}
          matchAttribute: {{ . | quote }}
      {{- end }}
{{- end }}
{{- end }}
