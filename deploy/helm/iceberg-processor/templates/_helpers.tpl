{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "iceberg-processor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: the release name, prefixed by the chart name unless it already contains it. */}}
{{- define "iceberg-processor.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "iceberg-processor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: stable across upgrades (a Deployment's selector is immutable). */}}
{{- define "iceberg-processor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "iceberg-processor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "iceberg-processor.labels" -}}
helm.sh/chart: {{ include "iceberg-processor.chart" . }}
{{ include "iceberg-processor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "iceberg-processor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "iceberg-processor.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "iceberg-processor.configMapName" -}}
{{- if .Values.config.existingConfigMap -}}
{{- .Values.config.existingConfigMap -}}
{{- else -}}
{{- include "iceberg-processor.fullname" . -}}
{{- end -}}
{{- end -}}

{{/* The config file: every key under .Values.config except the chart's own two. */}}
{{- define "iceberg-processor.configYaml" -}}
{{- omit .Values.config "existingConfigMap" "path" | toYaml -}}
{{- end -}}
