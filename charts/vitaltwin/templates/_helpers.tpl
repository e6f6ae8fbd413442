{{/* Release-wide names and labels. */}}
{{- define "vitaltwin.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vitaltwin.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: vitaltwin
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The name of a component of this release, e.g. "vitaltwin-twin-state". Context: dict root, component. */}}
{{- define "vitaltwin.componentName" -}}
{{- printf "%s-%s" (include "vitaltwin.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select one component's pods. Context: dict root, component. */}}
{{- define "vitaltwin.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* An image reference. Context: dict root, image (repository, tag). */}}
{{- define "vitaltwin.image" -}}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
A subchart's Service name, as the bitnami and influxdata charts name it: the release name when it already
contains the chart's name, otherwise "<release>-<chart>". Context: dict root, chart.
*/}}
{{- define "vitaltwin.dependencyName" -}}
{{- if contains .chart .root.Release.Name -}}
{{- .root.Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .root.Release.Name .chart | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vitaltwin.kafkaBootstrapServers" -}}
{{- if .Values.messaging.bootstrapServers -}}
{{- .Values.messaging.bootstrapServers -}}
{{- else if .Values.kafka.enabled -}}
{{- printf "%s:9092" (include "vitaltwin.dependencyName" (dict "root" . "chart" "kafka")) -}}
{{- else -}}
{{- fail "messaging.bootstrapServers is required (host:port,...) unless kafka.enabled=true installs Kafka with this release." -}}
{{- end -}}
{{- end -}}

{{- define "vitaltwin.influxUrl" -}}
{{- if .Values.history.influx.url -}}
{{- .Values.history.influx.url -}}
{{- else if .Values.influxdb2.enabled -}}
{{- printf "http://%s" (include "vitaltwin.dependencyName" (dict "root" . "chart" "influxdb2")) -}}
{{- end -}}
{{- end -}}

{{/* The Pod and container security settings every VitalTwin pod shares: the "restricted" Pod Security Standard. */}}
{{- define "vitaltwin.restrictedContainerSecurity" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end -}}
