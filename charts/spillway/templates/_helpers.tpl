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

{{/* repository:tag[@digest] */}}
{{- define "spillway.image" -}}
{{- $ref := printf "%s:%s" .image.repository (.image.tag | default .root.Chart.AppVersion | toString) }}
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
