{{/* The function's name: the function value, else the chart name (the alias inside the umbrella). */}}
{{- define "spillway-function.name" -}}
{{- .Values.nameOverride | default .Values.function | default .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; the release name alone when it already contains the function's name. */}}
{{- define "spillway-function.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "spillway-function.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "spillway-function.selectorLabels" -}}
app.kubernetes.io/name: {{ include "spillway-function.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "spillway-function.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "spillway-function.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: function
app.kubernetes.io/part-of: spillway
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "spillway-function.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- .Values.serviceAccount.name | default (include "spillway-function.fullname" .) }}
{{- else }}
{{- .Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}

{{/* repository[:tag][@digest]; the repository defaults to the name skaffold.yaml builds. */}}
{{- define "spillway-function.image" -}}
{{- $repository := .Values.image.repository | default (printf "spillway-%s" (include "spillway-function.name" .)) }}
{{- with (.Values.global).imageRegistry }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}
{{- end }}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString }}
{{- $ref := printf "%s:%s" $repository $tag }}
{{- if .Values.image.digest }}
{{- $ref = printf "%s@%s" $ref .Values.image.digest }}
{{- end }}
{{- $ref }}
{{- end }}

{{/*
An env var from a plain value or a Secret key. Arguments: dict with name, value, secretRef,
root (for tpl, so that secret names may use {{ .Release.Name }}). Renders nothing when
neither is set.
*/}}
{{- define "spillway-function.envVar" -}}
{{- if and .secretRef .secretRef.name }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ tpl .secretRef.name .root | quote }}
      key: {{ .secretRef.key | quote }}
{{- else if .value }}
- name: {{ .name }}
  value: {{ tpl .value .root | quote }}
{{- end }}
{{- end }}

{{/* The event store settings: this chart's own, else the umbrella's global ones; fails when neither is set. */}}
{{- define "spillway-function.eventStore" -}}
{{- $own := .Values.eventStore }}
{{- $global := dig "spillway" "eventStore" dict (.Values.global | default dict) }}
{{- if or $own.connectionString $own.secretRef.name }}
{{- toYaml $own }}
{{- else if or (dig "connectionString" "" $global) (dig "secretRef" "name" "" $global) }}
{{- toYaml $global }}
{{- else }}
{{- fail "eventStore: set eventStore.connectionString or eventStore.secretRef.name (ESDB_CONNECTION_STRING), or global.spillway.eventStore" }}
{{- end }}
{{- end }}

{{/* terminationGracePeriodSeconds: preStop sleep + drain deadline (rounded up) + margin, so SIGKILL never cuts a drain short. */}}
{{- define "spillway-function.terminationGracePeriodSeconds" -}}
{{- $drainSeconds := div (add (int64 .Values.drain.timeoutMs) 999) 1000 }}
{{- add (int64 .Values.drain.preStopSleepSeconds) $drainSeconds (int64 .Values.drain.marginSeconds) }}
{{- end }}

{{/* Cross-field checks that JSON Schema cannot express; each failure names its keys. */}}
{{- define "spillway-function.validate" -}}
{{- /* The runtime refuses to start without tokens unless AUTH=none: say it here, at render time. */}}
{{- if and (ne .Values.auth "none") (not .Values.apiTokens.secretRef.name) }}
{{- fail "apiTokens.secretRef.name is required: point it at a Secret holding API_TOKENS, or set auth: none to run without authentication" }}
{{- end }}
{{- if and (eq .Values.auth "none") .Values.apiTokens.secretRef.name }}
{{- fail "auth: none contradicts apiTokens.secretRef.name; unset one of them" }}
{{- end }}
{{- $a := .Values.autoscaling }}
{{- if $a.enabled }}
{{- if not $a.subscription }}
{{- fail "autoscaling.subscription is required when autoscaling.enabled is true (`<stream>::<group>` or `$all::<group>`)" }}
{{- end }}
{{- if gt (int64 $a.minReplicas) (int64 $a.maxReplicas) }}
{{- fail (printf "autoscaling.minReplicas (%d) must not exceed autoscaling.maxReplicas (%d)" (int64 $a.minReplicas) (int64 $a.maxReplicas)) }}
{{- end }}
{{- if and (not (kindIs "invalid" $a.fallbackReplicas)) (gt (int64 $a.fallbackReplicas) (int64 $a.maxReplicas)) }}
{{- fail (printf "autoscaling.fallbackReplicas (%d) must not exceed autoscaling.maxReplicas (%d)" (int64 $a.fallbackReplicas) (int64 $a.maxReplicas)) }}
{{- end }}
{{- if and (or $a.streamPrefixes $a.eventTypePrefixes) (not (hasPrefix "$all::" $a.subscription)) }}
{{- fail "autoscaling.streamPrefixes and autoscaling.eventTypePrefixes apply to `$all::<group>` subscriptions only" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A Prometheus Operator ServiceMonitor or PodMonitor scraping /metrics on the named port; the
umbrella chart renders its monitors with it too. dict: kind (ServiceMonitor|PodMonitor), name,
labels (the object's labels), selector (matchLabels), port (a Service port name for a
ServiceMonitor, a container port name for a PodMonitor), honorLabels, settings (labels,
interval, scrapeTimeout, relabelings, metricRelabelings).
*/}}
{{- define "spillway-function.monitor" -}}
{{- $s := .settings }}
apiVersion: monitoring.coreos.com/v1
kind: {{ .kind }}
metadata:
  name: {{ .name }}
  labels:
    {{- toYaml (merge (dict) ($s.labels | default dict) .labels) | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- toYaml .selector | nindent 6 }}
  {{ if eq .kind "ServiceMonitor" }}endpoints{{ else }}podMetricsEndpoints{{ end }}:
    - port: {{ .port }}
      path: /metrics
      {{- with $s.interval }}
      interval: {{ . }}
      {{- end }}
      {{- with $s.scrapeTimeout }}
      scrapeTimeout: {{ . }}
      {{- end }}
      {{- if .honorLabels }}
      {{- /* The metrics carry their own namespace label (the workload's); keep it over the target's. */}}
      honorLabels: true
      {{- end }}
      {{- with $s.relabelings }}
      relabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $s.metricRelabelings }}
      metricRelabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
