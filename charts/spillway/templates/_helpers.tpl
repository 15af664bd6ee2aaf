{{/* Names of the umbrella's own components: <release>-<component>. */}}
{{- define "spillway.componentName" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "spillway.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "spillway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "spillway.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: spillway
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* [global.imageRegistry/]repository:tag[@digest] */}}
{{- define "spillway.image" -}}
{{- $repository := .image.repository }}
{{- with (.root.Values.global).imageRegistry }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}
{{- end }}
{{- $ref := printf "%s:%s" $repository (.image.tag | default .root.Chart.AppVersion | toString) }}
{{- if .image.digest }}
{{- $ref = printf "%s@%s" $ref .image.digest }}
{{- end }}
{{- $ref }}
{{- end }}

{{/* ESDB_CONNECTION_STRING for the autoscaler, from global.spillway.eventStore. */}}
{{- define "spillway.eventStoreEnv" -}}
{{- $es := .Values.global.spillway.eventStore }}
- name: ESDB_CONNECTION_STRING
{{- if $es.secretRef.name }}
  valueFrom:
    secretKeyRef:
      name: {{ tpl $es.secretRef.name . | quote }}
      key: {{ $es.secretRef.key | quote }}
{{- else if $es.connectionString }}
  value: {{ tpl $es.connectionString . | quote }}
{{- else }}
{{- fail "global.spillway.eventStore: set connectionString or secretRef.name (ESDB_CONNECTION_STRING)" }}
{{- end }}
{{- end }}

{{- define "spillway.restrictedContainerSecurityContext" -}}
allowPrivilegeEscalation: false
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end }}

{{/* The autoscaler's leader-election Lease. */}}
{{- define "spillway.autoscalerLeaseName" -}}
{{- .Values.autoscaler.leaderElection.leaseName | default (include "spillway.componentName" (dict "root" . "component" "autoscaler")) }}
{{- end }}

{{/*
Cross-field checks of the umbrella: a disabled dev database must be replaced by yours, or the
pods would point at objects that do not exist. Each failure is one message naming the keys.
*/}}
{{- define "spillway.validate" -}}
{{- $es := .Values.global.spillway.eventStore }}
{{- if and (not .Values.eventstoredb.enabled) (not $es.secretRef.name) }}
{{- $inRelease := printf "://%s-eventstoredb" .Release.Name }}
{{- if or (not $es.connectionString) (contains $inRelease (tpl $es.connectionString .)) }}
{{- fail "eventstoredb.enabled=false needs your EventStoreDB: set global.spillway.eventStore.secretRef.name (a Secret with the connection string) or global.spillway.eventStore.connectionString; the default points at the in-release EventStoreDB, which is off" }}
{{- end }}
{{- end }}
{{- $projector := index .Values "order-projector" }}
{{- if $projector.enabled }}
{{- $ref := tpl ($projector.database.secretRef.name | default "") . }}
{{- $devSecret := printf "%s-postgresql" .Release.Name }}
{{- if and (not .Values.postgresql.enabled) (not $projector.database.url) (or (not $ref) (eq $ref $devSecret)) }}
{{- fail "postgresql.enabled=false needs your PostgreSQL: set order-projector.database.secretRef.name (and .key) to a Secret holding its DATABASE_URL" }}
{{- end }}
{{- if and .Values.postgresql.enabled .Values.postgresql.auth.existingSecret (eq $ref $devSecret) }}
{{- fail (printf "postgresql.auth.existingSecret is set, so the chart makes no %s Secret: set order-projector.database.secretRef.name to %s as well (key url)" $devSecret .Values.postgresql.auth.existingSecret) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Pod labels and annotations of a component: its own, then podLabels / podAnnotations. dict: root, component, v, annotations (map, optional). */}}
{{- define "spillway.podMetadata" -}}
labels:
  {{- include "spillway.labels" . | nindent 2 }}
  {{- with .v.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- $annotations := merge (dict) (.v.podAnnotations | default dict) (.annotations | default dict) }}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The scheduling and security knobs every workload of the umbrella takes from its values (dict:
root, component, v): image pull secrets (global and its own), priority class, node selector,
tolerations, affinity, topology spread (a constraint without a selector spreads this
component's pods) and the pod security context.
*/}}
{{- define "spillway.podKnobs" -}}
{{- $v := .v }}
{{- with concat (.root.Values.global.imagePullSecrets | default list) ($v.imagePullSecrets | default list) }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . | quote }}
{{- end }}
securityContext:
  {{- toYaml $v.podSecurityContext | nindent 2 }}
{{- with $v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- range . }}
  - {{- toYaml (merge (dict) . (dict "labelSelector" (dict "matchLabels" (include "spillway.selectorLabels" $ | fromYaml)))) | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/* Every function of the umbrella, as YAML: alias, name (its app.kubernetes.io/name), fullname (its Service), port (the Service's), mayBeZero. */}}
{{- define "spillway.functions" -}}
{{- $out := list }}
{{- range .Chart.Dependencies }}
{{- $alias := .Alias | default .Name }}
{{- $fn := index $.Values $alias }}
{{- if $fn.enabled }}
{{- /* The function chart's naming rules (spillway-function.name / .fullname). */}}
{{- $name := $fn.nameOverride | default $fn.function | default $alias | trunc 63 | trimSuffix "-" }}
{{- $full := ternary $.Release.Name (printf "%s-%s" $.Release.Name $name) (contains $name $.Release.Name) | trunc 63 | trimSuffix "-" }}
{{- $full = $fn.fullnameOverride | default $full | trunc 63 | trimSuffix "-" }}
{{- $mayBeZero := and $fn.autoscaling $fn.autoscaling.enabled (eq (int64 ($fn.autoscaling.minReplicas | default 0)) 0) }}
{{- $out = append $out (dict "alias" $alias "name" $name "fullname" $full "port" (int64 (($fn.service).port | default 80)) "mayBeZero" $mayBeZero) }}
{{- end }}
{{- end }}
{{- toYaml (dict "functions" $out) }}
{{- end }}
