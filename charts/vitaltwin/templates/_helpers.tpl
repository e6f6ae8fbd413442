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

{{/* The labels of one component's objects: the release's, and the component's name. Context: dict root, component. */}}
{{- define "vitaltwin.componentLabels" -}}
{{ include "vitaltwin.labels" .root }}
app.kubernetes.io/name: {{ .component }}
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

{{/* The in-cluster gRPC address of a service of this release, e.g. "https://vitaltwin-twin-state:8080". Context: dict root, name (its key under services). */}}
{{- define "vitaltwin.grpcAddress" -}}
{{- $entry := get .root.Values.services .name | default dict -}}
{{- if not $entry.enabled -}}
{{- fail (printf "a service calls services.%s, which is not enabled in this release" .name) -}}
{{- end -}}
{{- $ports := mergeOverwrite (deepCopy .root.Values.serviceDefaults.ports) ($entry.ports | default dict) -}}
{{- printf "%s://%s:%v" (include "vitaltwin.grpcScheme" .root) (include "vitaltwin.componentName" (dict "root" .root "component" (kebabcase .name))) $ports.grpc -}}
{{- end -}}

{{/* Where the dashboard's pods mount the Data Protection key ring they share. */}}
{{- define "vitaltwin.dashboardKeyRingPath" -}}
/var/lib/vitaltwin/keys
{{- end -}}

{{- define "vitaltwin.dashboardKeyRingClaim" -}}
{{- .Values.dashboard.keyRing.existingClaim | default (include "vitaltwin.componentName" (dict "root" . "component" "dashboard-keys")) -}}
{{- end -}}

{{/*
The dashboard's own settings: sign-in at the hospital's provider, never the one-machine local issuer (the mode is
set here, after every other variable, so that no value can change it); the shared key ring; the proxies believed.
*/}}
{{- define "vitaltwin.dashboardEnv" -}}
{{- $signIn := .Values.dashboard.signIn -}}
{{- with $signIn.authority | default .Values.auth.authority }}
- name: Dashboard__SignIn__Authority
  value: {{ . | quote }}
{{- end }}
- name: Dashboard__SignIn__ClientId
  value: {{ $signIn.clientId | quote }}
{{- range $index, $scope := $signIn.scopes }}
- name: Dashboard__SignIn__Scopes__{{ $index }}
  value: {{ $scope | quote }}
{{- end }}
{{- with $signIn.clientSecret.secretName }}
- name: Dashboard__SignIn__ClientSecret
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $signIn.clientSecret.key }}
{{- end }}
- name: Dashboard__Hosting__KeysDirectory
  value: {{ include "vitaltwin.dashboardKeyRingPath" . | quote }}
{{- range $index, $proxy := .Values.dashboard.trustedProxies }}
- name: Dashboard__Hosting__TrustedProxies__{{ $index }}
  value: {{ $proxy | quote }}
{{- end }}
- name: Dashboard__SignIn__Mode
  value: OpenIdConnect
{{- end -}}

{{/* "https", or "http" with grpc.tls.insecurePlaintext. */}}
{{- define "vitaltwin.grpcScheme" -}}
{{- ternary "http" "https" (.Values.grpc.tls.insecurePlaintext | default false) -}}
{{- end -}}

{{/* Where a pod finds its server certificate, the release's CA and the Gateway's client CAs. */}}
{{- define "vitaltwin.tlsPath" -}}
/etc/vitaltwin/tls
{{- end -}}

{{- define "vitaltwin.caPath" -}}
/etc/vitaltwin/ca
{{- end -}}

{{/*
Every pod of the release trusts the release's CA besides the system's: .NET on Linux reads the roots from the
directories SSL_CERT_DIR lists (":"-separated), so the dashboard's and the simulator's gRPC clients need no setting
of their own. Context: the chart's top context.
*/}}
{{- define "vitaltwin.caTrustEnv" -}}
{{- if not .Values.grpc.tls.insecurePlaintext }}
- name: SSL_CERT_DIR
  value: {{ printf "/etc/ssl/certs:%s" (include "vitaltwin.caPath" .) | quote }}
{{- end }}
{{- end -}}

{{- define "vitaltwin.caTrustVolumeMount" -}}
{{- if not .Values.grpc.tls.insecurePlaintext }}
- name: release-ca
  mountPath: {{ include "vitaltwin.caPath" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "vitaltwin.caTrustVolume" -}}
{{- if not .Values.grpc.tls.insecurePlaintext }}
{{- $ca := .Values.grpc.tls.ca }}
- name: release-ca
  secret:
    secretName: {{ $ca.secretName | default .Values.grpc.tls.secretName }}
    items:
      - key: {{ $ca.key }}
        path: ca.crt
{{- end }}
{{- end -}}

{{/*
The Gateway's device doors and client certificate CAs. Context: dict root, svc (the Gateway's merged settings).
*/}}
{{- define "vitaltwin.gatewayEnv" -}}
{{- $root := .root -}}
{{- $tls := not $root.Values.grpc.tls.insecurePlaintext -}}
{{- $doors := $root.Values.gateway.doors -}}
{{- $scheme := ternary "https" "http" $tls -}}
{{- $cas := $root.Values.gateway.deviceAuthentication -}}
{{- if and $cas.clientCa.secretName (eq $cas.clientCa.secretName $cas.systemCa.secretName) (eq $cas.clientCa.key $cas.systemCa.key) -}}
{{- fail "gateway.deviceAuthentication: clientCa and systemCa name the same CA bundle, so a device certificate would pass for a sending system's" -}}
{{- end -}}
{{- if and $tls $doors.fhir.enabled }}
- name: Kestrel__Endpoints__Grpc__Protocols
  value: Http1AndHttp2
{{- end }}
{{- if $doors.mqtt.enabled }}
- name: Kestrel__Endpoints__Mqtt__Url
  value: {{ printf "%s://+:%v" $scheme $doors.mqtt.port | quote }}
{{- else }}
- name: Gateway__Mqtt__Enabled
  value: "false"
{{- end }}
{{- if $doors.hl7.enabled }}
- name: Gateway__Hl7__Enabled
  value: "true"
- name: Kestrel__Endpoints__Hl7__Url
  value: {{ printf "%s://+:%v" $scheme $doors.hl7.port | quote }}
{{- end }}
{{- with $root.Values.gateway.deviceAuthentication.clientCa.secretName }}
- name: Gateway__DeviceAuthentication__ClientCaPath
  value: /etc/vitaltwin/device-ca/ca.crt
{{- end }}
{{- with $root.Values.gateway.deviceAuthentication.systemCa.secretName }}
- name: Gateway__DeviceAuthentication__SystemCaPath
  value: /etc/vitaltwin/system-ca/ca.crt
{{- end }}
{{- end -}}

{{/* The Gateway's device doors besides gRPC that are on, as a list of dicts: name, port. Context: the chart's top context. */}}
{{- define "vitaltwin.gatewayDoors" -}}
{{- $doors := list -}}
{{- if .Values.gateway.doors.mqtt.enabled -}}
{{- $doors = append $doors (dict "name" "mqtt" "port" .Values.gateway.doors.mqtt.port) -}}
{{- end -}}
{{- if .Values.gateway.doors.hl7.enabled -}}
{{- $doors = append $doors (dict "name" "hl7" "port" .Values.gateway.doors.hl7.port) -}}
{{- end -}}
{{- toYaml (dict "doors" $doors) -}}
{{- end -}}
