{{/* Names and labels. */}}
{{- define "action-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "action-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "action-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "action-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "action-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "action-gateway.labels" -}}
helm.sh/chart: {{ include "action-gateway.chart" . }}
{{ include "action-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "action-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "action-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "action-gateway.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* The longest action deadline in the config: the global one or a connection's. */}}
{{- define "action-gateway.longestDeadline" -}}
{{- $longest := float64 (.Values.config.deadline_seconds | default 15) }}
{{- range .Values.config.connections }}
{{- if and (kindIs "map" .) .deadline_seconds }}
{{- $longest = maxf $longest (float64 .deadline_seconds) }}
{{- end }}
{{- end }}
{{- $longest }}
{{- end }}

{{/*
Refuses values that would deploy an unsafe or non-starting gateway; included once, by the
Deployment. Each message says what to change.
*/}}
{{- define "action-gateway.validate" -}}
{{- $config := .Values.config | default dict }}
{{- if not $config.callers }}
{{- fail "config.callers is empty: the image binds 0.0.0.0, where the gateway refuses to serve without callers (anyone reaching it could move money). Add callers, each with key_sha256 (from `action-gateway hash-key`) or key_sha256_env listed in secretEnv." }}
{{- end }}
{{- $workers := int .Values.workers }}
{{- $maxReplicas := int .Values.replicaCount }}
{{- if .Values.autoscaling.enabled }}
{{- $maxReplicas = int .Values.autoscaling.maxReplicas }}
{{- if gt (int .Values.autoscaling.minReplicas) $maxReplicas }}
{{- fail "autoscaling.minReplicas is above autoscaling.maxReplicas" }}
{{- end }}
{{- if not (and .Values.resources .Values.resources.requests .Values.resources.requests.cpu) }}
{{- fail "autoscaling needs resources.requests.cpu: the HPA scales on CPU utilization of the request" }}
{{- end }}
{{- end }}
{{- if and (not .Values.redis.existingSecret) (or (gt $maxReplicas 1) (gt $workers 1)) }}
{{- fail (printf "a Redis URL is required once replicaCount, autoscaling.maxReplicas or workers is above 1 (here up to %d pod(s) x %d worker(s)): without a shared idempotency store each process keeps its own keys and a retried refund could move money twice. Set redis.existingSecret (and redis.existingSecretKey) to a Secret holding the URL." $maxReplicas $workers) }}
{{- end }}
{{- $provided := dict }}
{{- range .Values.secretEnv }}
{{- if hasKey $provided .name }}
{{- fail (printf "secretEnv lists %s twice" .name) }}
{{- end }}
{{- $_ := set $provided .name .secretName }}
{{- end }}
{{- $reserved := list "ACTION_GATEWAY_CONFIG" "ACTION_GATEWAY_HOST" "ACTION_GATEWAY_PORT" "ACTION_GATEWAY_WORKERS" "ACTION_GATEWAY_LOG_FORMAT" "ACTION_GATEWAY_LOG_LEVEL" "ACTION_GATEWAY_REDIS_URL" "ACTION_GATEWAY_DEADLINE_SECONDS" "PROMETHEUS_MULTIPROC_DIR" }}
{{- range concat (.Values.secretEnv | default list) (.Values.extraEnv | default list) }}
{{- if has .name $reserved }}
{{- fail (printf "%s is set by the chart: use workers, logFormat, logLevel, redis.existingSecret or config.deadline_seconds instead of secretEnv/extraEnv" .name) }}
{{- end }}
{{- end }}
{{- range .Values.extraEnv }}
{{- if hasKey $provided .name }}
{{- fail (printf "%s is in both secretEnv and extraEnv" .name) }}
{{- end }}
{{- end }}
{{- range $config.connections }}
{{- $connection := . }}
{{- range list "access_token" "token" "api_key" "password" "secret" }}
{{- if hasKey $connection . }}
{{- fail (printf "config.connections[%s] has an inline secret (%s): the config is a ConfigMap. Name the variable holding it with access_token_env and list that variable in secretEnv." $connection.id .) }}
{{- end }}
{{- end }}
{{- if not (hasKey $provided (toString $connection.access_token_env)) }}
{{- fail (printf "connection %s reads its token from $%s, which secretEnv does not list: add {name: %s, secretName: <an existing Secret>, key: <its key>}" (toString $connection.id) (toString $connection.access_token_env) (toString $connection.access_token_env)) }}
{{- end }}
{{- end }}
{{- range $config.connections }}
{{- $actions := .actions | default dict }}
{{- if and (or $actions.refund_ceilings $actions.compensation_ceilings) (not .sandbox) (not (hasKey $provided "ACTION_GATEWAY_APPROVAL_KEYS")) }}
{{- fail (printf "connection %s has ceilings, whose approval tokens are signed with $ACTION_GATEWAY_APPROVAL_KEYS, which secretEnv does not list" (toString .id)) }}
{{- end }}
{{- end }}
{{- range $config.callers }}
{{- if and .key_sha256_env (not (hasKey $provided .key_sha256_env)) }}
{{- fail (printf "caller %s reads its key hash from $%s, which secretEnv does not list" (toString .id) .key_sha256_env) }}
{{- end }}
{{- end }}
{{- $longest := include "action-gateway.longestDeadline" . | float64 }}
{{- $shutdown := addf (ceil $longest) 5 }}
{{- $needed := addf $shutdown .Values.preStopSleepSeconds }}
{{- if le (float64 .Values.terminationGracePeriodSeconds) $needed }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must exceed preStopSleepSeconds (%v) + the longest action deadline (%v s) + 5 s of graceful shutdown = %v, or a rollout could cut an in-flight refund short" .Values.terminationGracePeriodSeconds .Values.preStopSleepSeconds $longest $needed) }}
{{- end }}
{{- end }}
