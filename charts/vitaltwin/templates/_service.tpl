{{/*
One VitalTwin service: ServiceAccount, ConfigMap, Deployment, Service, and where asked PodDisruptionBudget,
HorizontalPodAutoscaler and NetworkPolicy. Every service is rendered by this one template.
Context: dict root (the chart's top context), name (the key under .Values.services), svc (serviceDefaults with
that entry merged over them). A service serves either a gRPC API on its grpc port, with health on its http port
(serves: grpc), or a web application and its health on the http port alone (serves: web).
*/}}
{{- define "vitaltwin.service" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $component := kebabcase .name -}}
{{- $fullname := include "vitaltwin.componentName" (dict "root" $root "component" $component) -}}
{{- $labels := include "vitaltwin.componentLabels" (dict "root" $root "component" $component) -}}
{{- $selector := include "vitaltwin.selectorLabels" (dict "root" $root "component" $component) -}}
{{- $web := eq $svc.serves "web" -}}
{{- $name := .name -}}
{{- $dashboard := eq $name "dashboard" -}}
{{- $gateway := eq $name "gateway" -}}
{{- /* The gRPC port over TLS; the HTTP port (health, a web application's pages) stays plain. */ -}}
{{- $tls := and (not $web) (not $root.Values.grpc.tls.insecurePlaintext) -}}
{{- $doors := ternary ((include "vitaltwin.gatewayDoors" $root | fromYaml).doors) list $gateway -}}
{{- /* A web application (the dashboard) reads no topic, so it has no Kafka principal. */ -}}
{{- $kafkaCredentials := and (not $web) (hasPrefix "Sasl" $root.Values.messaging.security.protocol) (ne $root.Values.messaging.security.saslMechanism "OAuthBearer") $root.Values.messaging.security.credentialsSecretPrefix -}}
{{- if $svc.holdsPartitions }}
{{- $partitions := int $root.Values.messaging.topics.partitions }}
{{- $most := ternary (int $svc.autoscaling.maxReplicas) (int $svc.replicas) $svc.autoscaling.enabled }}
{{- if gt $most $partitions }}
{{- fail (printf "services.%s: %d replicas would share %d partitions (messaging.topics.partitions), and those beyond it would hold nothing: keep partitions >= replicas" .name $most $partitions) }}
{{- end }}
{{- end }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $fullname }}
  labels:
    {{- $labels | nindent 4 }}
  {{- with $svc.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ $svc.serviceAccount.automountToken }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $fullname }}
  labels:
    {{- $labels | nindent 4 }}
data:
  {{- range $key, $value := $svc.config }}
  {{ $key }}: {{ $value | toString | quote }}
  {{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
  template:
    metadata:
      labels:
        {{- $labels | nindent 8 }}
        {{- with $svc.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- /* A changed setting rolls the pods: environment variables are read only at start. */}}
        checksum/config: {{ printf "%s%s" (include (print $root.Template.BasePath "/config.yaml") $root) (toYaml $svc.config) | sha256sum }}
        {{- if $svc.dapr.enabled }}
        dapr.io/enabled: "true"
        dapr.io/app-id: {{ $svc.dapr.appId | default $fullname | quote }}
        dapr.io/log-level: {{ $svc.dapr.logLevel | quote }}
        dapr.io/sidecar-seccomp-profile-type: RuntimeDefault
        {{- with $svc.dapr.config }}
        dapr.io/config: {{ . | quote }}
        {{- end }}
        {{- with $svc.dapr.apiTokenSecret }}
        dapr.io/api-token-secret: {{ . | quote }}
        {{- end }}
        {{- end }}
        {{- with $svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $fullname }}
      automountServiceAccountToken: {{ $svc.serviceAccount.automountToken }}
      terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $svc.podSecurityContext | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $component }}
          image: {{ include "vitaltwin.image" (dict "root" $root "image" $svc.image) | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            {{- if not $web }}
            - name: grpc
              containerPort: {{ $svc.ports.grpc }}
              protocol: TCP
            {{- end }}
            {{- range $doors }}
            - name: {{ .name }}
              containerPort: {{ .port }}
              protocol: TCP
            {{- end }}
            - name: http
              containerPort: {{ $svc.ports.http }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "vitaltwin.fullname" $root }}-shared
            - configMapRef:
                name: {{ $fullname }}
          env:
            {{- if not $web }}
            - name: Kestrel__Endpoints__Grpc__Url
              value: {{ printf "%s://+:%v" (ternary "https" "http" $tls) $svc.ports.grpc | quote }}
            {{- end }}
            {{- if $tls }}
            # Every https endpoint (gRPC, and the Gateway's MQTT and HL7 doors) serves this certificate.
            - name: Kestrel__Certificates__Default__Path
              value: {{ printf "%s/tls.crt" (include "vitaltwin.tlsPath" $root) | quote }}
            - name: Kestrel__Certificates__Default__KeyPath
              value: {{ printf "%s/tls.key" (include "vitaltwin.tlsPath" $root) | quote }}
            {{- if $svc.networkPolicy.relayBetweenReplicas }}
            # A replica relays to another at its pod IP, which no certificate names: it checks the Service's name.
            - name: Routing__PeerServerName
              value: {{ $fullname | quote }}
            - name: Routing__PeerCaPath
              value: {{ printf "%s/ca.crt" (include "vitaltwin.caPath" $root) | quote }}
            {{- end }}
            {{- end }}
            {{- include "vitaltwin.caTrustEnv" $root | trim | nindent 12 }}
            {{- if $gateway }}
            {{- include "vitaltwin.gatewayEnv" (dict "root" $root "svc" $svc) | trim | nindent 12 }}
            {{- end }}
            {{- if $kafkaCredentials }}
            # This service's own Kafka principal: the brokers' ACLs hold it to its topics.
            - name: Kafka__Security__SaslUsername
              valueFrom:
                secretKeyRef:
                  name: {{ printf "%s%s" $kafkaCredentials $component }}
                  key: username
            - name: Kafka__Security__SaslPassword
              valueFrom:
                secretKeyRef:
                  name: {{ printf "%s%s" $kafkaCredentials $component }}
                  key: password
            {{- end }}
            - name: Kestrel__Endpoints__Http__Url
              value: {{ printf "http://+:%v" $svc.ports.http | quote }}
            - name: OTEL_SERVICE_NAME
              value: {{ printf "vitaltwin-%s" $component | quote }}
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            # The address a replica advertises to the others, which relay calls for the patients it holds.
            - name: POD_IP
              valueFrom:
                fieldRef:
                  fieldPath: status.podIP
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: {{ printf "service.namespace=%s,k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)%s" $root.Release.Name (ternary (printf ",%s" $root.Values.telemetry.resourceAttributes) "" (ne $root.Values.telemetry.resourceAttributes "")) | quote }}
            {{- if $svc.dapr.apiTokenSecret }}
            - name: DAPR_API_TOKEN
              valueFrom:
                secretKeyRef:
                  name: {{ $svc.dapr.apiTokenSecret }}
                  key: token
            {{- end }}
            {{- range $svc.secretEnv }}
            - name: {{ .name }}
              valueFrom:
                secretKeyRef:
                  name: {{ .secretName }}
                  key: {{ .key }}
                  optional: {{ .optional | default false }}
            {{- end }}
            {{- range $variable, $callee := $svc.calls }}
            - name: {{ $variable }}
              value: {{ include "vitaltwin.grpcAddress" (dict "root" $root "name" $callee) | quote }}
            {{- end }}
            {{- if $dashboard }}
            {{- include "vitaltwin.dashboardEnv" $root | trim | nindent 12 }}
            {{- end }}
          startupProbe:
            {{- if or $web $tls }}
            httpGet:
              path: /alive
              port: http
            {{- else }}
            grpc:
              port: {{ $svc.ports.grpc }}
            {{- end }}
            {{- toYaml $svc.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet:
              path: /alive
              port: http
            {{- toYaml $svc.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /health
              port: http
            {{- toYaml $svc.probes.readiness | nindent 12 }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- toYaml $svc.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if $dashboard }}
            - name: key-ring
              mountPath: {{ include "vitaltwin.dashboardKeyRingPath" $root }}
            {{- end }}
            {{- if $tls }}
            - name: tls
              mountPath: {{ include "vitaltwin.tlsPath" $root }}
              readOnly: true
            {{- end }}
            {{- include "vitaltwin.caTrustVolumeMount" $root | trim | nindent 12 }}
            {{- if $gateway }}
            {{- with $root.Values.gateway.deviceAuthentication.clientCa.secretName }}
            - name: device-ca
              mountPath: /etc/vitaltwin/device-ca
              readOnly: true
            {{- end }}
            {{- with $root.Values.gateway.deviceAuthentication.systemCa.secretName }}
            - name: system-ca
              mountPath: /etc/vitaltwin/system-ca
              readOnly: true
            {{- end }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $svc.tmpSizeLimit }}
        {{- if $tls }}
        - name: tls
          secret:
            secretName: {{ $svc.tls.secretName | default $root.Values.grpc.tls.secretName }}
            # Readable by the pod's group (fsGroup) alone: the private key.
            defaultMode: 0440
            items:
              - key: tls.crt
                path: tls.crt
              - key: tls.key
                path: tls.key
        {{- end }}
        {{- include "vitaltwin.caTrustVolume" $root | trim | nindent 8 }}
        {{- if $gateway }}
        {{- with $root.Values.gateway.deviceAuthentication.clientCa }}
        {{- if .secretName }}
        - name: device-ca
          secret:
            secretName: {{ .secretName }}
            items:
              - key: {{ .key }}
                path: ca.crt
        {{- end }}
        {{- end }}
        {{- with $root.Values.gateway.deviceAuthentication.systemCa }}
        {{- if .secretName }}
        - name: system-ca
          secret:
            secretName: {{ .secretName }}
            items:
              - key: {{ .key }}
                path: ca.crt
        {{- end }}
        {{- end }}
        {{- end }}
        {{- if $dashboard }}
        - name: key-ring
          persistentVolumeClaim:
            claimName: {{ include "vitaltwin.dashboardKeyRingClaim" $root }}
        {{- end }}
      {{- with $svc.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullname }}
  labels:
    {{- $labels | nindent 4 }}
  {{- with $svc.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $svc.service.type }}
  selector:
    {{- $selector | nindent 4 }}
  ports:
    {{- if $web }}
    - name: http
      port: {{ $svc.ports.http }}
      targetPort: http
      protocol: TCP
      appProtocol: http
    {{- else }}
    - name: grpc
      port: {{ $svc.ports.grpc }}
      targetPort: grpc
      protocol: TCP
      {{- if not $tls }}
      appProtocol: kubernetes.io/h2c
      {{- end }}
    {{- range $doors }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
    {{- end }}
    {{- end }}
{{- if $svc.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $fullname }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  maxUnavailable: {{ $svc.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
{{- end }}
{{- if $svc.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $fullname }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $fullname }}
  minReplicas: {{ $svc.autoscaling.minReplicas }}
  maxReplicas: {{ $svc.autoscaling.maxReplicas }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: {{ $svc.autoscaling.scaleDownStabilizationSeconds }}
      policies:
        - type: Pods
          value: 1
          periodSeconds: 60
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $svc.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- if $root.Values.networkPolicy.enabled }}
{{- $ingress := list -}}
{{- $grpcPort := list (dict "port" "grpc" "protocol" "TCP") -}}
{{- /* The Gateway's other device doors are reached from wherever its gRPC port is. */ -}}
{{- range $doors -}}
{{- $grpcPort = append $grpcPort (dict "port" .name "protocol" "TCP") -}}
{{- end -}}
{{- $grpcPeers := $svc.networkPolicy.grpcFrom | default list -}}
{{- if and $root.Values.simulator.enabled (eq .name $root.Values.simulator.target) -}}
{{- $grpcPeers = append $grpcPeers (dict "podSelector" (dict "matchLabels" (include "vitaltwin.selectorLabels" (dict "root" $root "component" "simulator") | fromYaml))) -}}
{{- end -}}
{{- /* Every enabled service that calls this one (its calls name it) may reach the gRPC port. */ -}}
{{- range $caller, $callerOverride := $root.Values.services -}}
{{- $callerSvc := mergeOverwrite (deepCopy $root.Values.serviceDefaults) $callerOverride -}}
{{- if and $callerSvc.enabled (has $name (values $callerSvc.calls)) -}}
{{- $grpcPeers = append $grpcPeers (dict "podSelector" (dict "matchLabels" (include "vitaltwin.selectorLabels" (dict "root" $root "component" (kebabcase $caller)) | fromYaml))) -}}
{{- end -}}
{{- end -}}
{{- $replicas := list (dict "podSelector" (dict "matchLabels" ($selector | fromYaml))) -}}
{{- if $svc.networkPolicy.relayBetweenReplicas -}}
{{- $grpcPeers = concat $grpcPeers $replicas -}}
{{- end -}}
{{- if $web -}}
{{- else if $svc.networkPolicy.grpcFromAnywhere -}}
{{- $ingress = append $ingress (dict "ports" $grpcPort) -}}
{{- else if $grpcPeers -}}
{{- $ingress = append $ingress (dict "from" $grpcPeers "ports" $grpcPort) -}}
{{- end -}}
{{- $httpPort := list (dict "port" "http" "protocol" "TCP") -}}
{{- if $svc.networkPolicy.httpFromAnywhere -}}
{{- $ingress = append $ingress (dict "ports" $httpPort) -}}
{{- else if $svc.networkPolicy.httpFrom -}}
{{- $ingress = append $ingress (dict "from" $svc.networkPolicy.httpFrom "ports" $httpPort) -}}
{{- end -}}
{{- with $root.Values.networkPolicy.healthFrom -}}
{{- $ingress = append $ingress (dict "from" . "ports" (list (dict "port" "http" "protocol" "TCP"))) -}}
{{- end -}}
{{- $egressNames := $svc.networkPolicy.egress | default list -}}
{{- if $root.Values.telemetry.otlpEndpoint -}}
{{- $egressNames = append $egressNames "otlp" -}}
{{- end -}}
{{- /* Every service checks bearer tokens with the keys the provider publishes at its authority. */ -}}
{{- if $root.Values.auth.authority -}}
{{- $egressNames = append $egressNames "identityProvider" -}}
{{- end -}}
{{- if $svc.dapr.enabled -}}
{{- $egressNames = append $egressNames "dapr" -}}
{{- end -}}
{{- $egress := list (dict "ports" (list (dict "port" 53 "protocol" "UDP") (dict "port" 53 "protocol" "TCP"))) -}}
{{- range $pathName := $egressNames | uniq -}}
{{- $path := get $root.Values.networkPolicy.paths $pathName -}}
{{- $ports := list -}}
{{- range $path.ports -}}
{{- $ports = append $ports (dict "port" . "protocol" "TCP") -}}
{{- end -}}
{{- if $path.to -}}
{{- $egress = append $egress (dict "to" $path.to "ports" $ports) -}}
{{- else -}}
{{- $egress = append $egress (dict "ports" $ports) -}}
{{- end -}}
{{- end -}}
{{- if $svc.networkPolicy.relayBetweenReplicas -}}
{{- $egress = append $egress (dict "to" $replicas "ports" (list (dict "port" $svc.ports.grpc "protocol" "TCP"))) -}}
{{- end -}}
{{- range $callee := values $svc.calls | uniq | sortAlpha -}}
{{- $calleePorts := mergeOverwrite (deepCopy $root.Values.serviceDefaults.ports) ((get $root.Values.services $callee).ports | default dict) -}}
{{- $calleeSelector := include "vitaltwin.selectorLabels" (dict "root" $root "component" (kebabcase $callee)) | fromYaml -}}
{{- $egress = append $egress (dict "to" (list (dict "podSelector" (dict "matchLabels" $calleeSelector))) "ports" (list (dict "port" $calleePorts.grpc "protocol" "TCP"))) -}}
{{- end -}}
{{- range $svc.networkPolicy.extraEgress -}}
{{- $egress = append $egress . -}}
{{- end }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $fullname }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- $selector | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- toYaml $ingress | nindent 4 }}
  egress:
    {{- toYaml $egress | nindent 4 }}
{{- end }}
{{- end -}}
