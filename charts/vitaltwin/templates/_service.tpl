{{/*
One VitalTwin service: ServiceAccount, ConfigMap, Deployment, Service, and where asked PodDisruptionBudget,
HorizontalPodAutoscaler and NetworkPolicy. Every service is rendered by this one template.
Context: dict root (the chart's top context), name (the key under .Values.services), svc (serviceDefaults with
that entry merged over them).
*/}}
{{- define "vitaltwin.service" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $component := kebabcase .name -}}
{{- $fullname := include "vitaltwin.componentName" (dict "root" $root "component" $component) -}}
{{- $labels := include "vitaltwin.labels" $root -}}
{{- $selector := include "vitaltwin.selectorLabels" (dict "root" $root "component" $component) -}}
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
    {{- $selector | nindent 4 }}
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
    {{- $selector | nindent 4 }}
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
    {{- $selector | nindent 4 }}
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
        {{- $selector | nindent 8 }}
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
            - name: grpc
              containerPort: {{ $svc.ports.grpc }}
              protocol: TCP
            - name: http
              containerPort: {{ $svc.ports.http }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "vitaltwin.fullname" $root }}-shared
            - configMapRef:
                name: {{ $fullname }}
          env:
            - name: Kestrel__Endpoints__Grpc__Url
              value: {{ printf "http://+:%v" $svc.ports.grpc | quote }}
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
          startupProbe:
            grpc:
              port: {{ $svc.ports.grpc }}
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
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $svc.tmpSizeLimit }}
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
    {{- $selector | nindent 4 }}
  {{- with $svc.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $svc.service.type }}
  selector:
    {{- $selector | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $svc.ports.grpc }}
      targetPort: grpc
      protocol: TCP
      appProtocol: kubernetes.io/h2c
{{- if $svc.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $fullname }}
  labels:
    {{- $labels | nindent 4 }}
    {{- $selector | nindent 4 }}
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
    {{- $selector | nindent 4 }}
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
{{- $grpcPeers := $svc.networkPolicy.grpcFrom | default list -}}
{{- if and $root.Values.simulator.enabled (eq .name $root.Values.simulator.target) -}}
{{- $grpcPeers = append $grpcPeers (dict "podSelector" (dict "matchLabels" (include "vitaltwin.selectorLabels" (dict "root" $root "component" "simulator") | fromYaml))) -}}
{{- end -}}
{{- $replicas := list (dict "podSelector" (dict "matchLabels" ($selector | fromYaml))) -}}
{{- if $svc.networkPolicy.relayBetweenReplicas -}}
{{- $grpcPeers = concat $grpcPeers $replicas -}}
{{- end -}}
{{- if $svc.networkPolicy.grpcFromAnywhere -}}
{{- $ingress = append $ingress (dict "ports" $grpcPort) -}}
{{- else if $grpcPeers -}}
{{- $ingress = append $ingress (dict "from" $grpcPeers "ports" $grpcPort) -}}
{{- end -}}
{{- with $root.Values.networkPolicy.healthFrom -}}
{{- $ingress = append $ingress (dict "from" . "ports" (list (dict "port" "http" "protocol" "TCP"))) -}}
{{- end -}}
{{- $egressNames := $svc.networkPolicy.egress | default list -}}
{{- if $root.Values.telemetry.otlpEndpoint -}}
{{- $egressNames = append $egressNames "otlp" -}}
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
    {{- $selector | nindent 4 }}
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
