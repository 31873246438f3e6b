{{/*
The exit codes on which the Job fails at once: connect-deploy's permanent codes
(usage 64, invalid definition 65, no input 66, access refused 77, config rejected
78). Not a value: they are the binary's contract, connect_deploy::exit::FAIL_JOB_CODES,
and `cargo test --test manifests` fails when the chart's rendering
(charts/connect-deploy/ci/rendered/, kept current by scripts/check-helm) differs.
*/}}
{{- define "connect-deploy.failJobExitCodes" -}}
[64, 65, 66, 77, 78]
{{- end }}

{{- define "connect-deploy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's base name: a Job's name must be a 63-character DNS label. */}}
{{- define "connect-deploy.fullname" -}}
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

{{- define "connect-deploy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "connect-deploy.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "connect-deploy.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "connect-deploy.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "connect-deploy.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
A connect-deploy DURATION (500ms, 1.5s, 5m, 1h, or plain seconds) in milliseconds,
as a float. The schema has checked the form already.
*/}}
{{- define "connect-deploy.durationMs" -}}
{{- $t := toString . }}
{{- if hasSuffix "ms" $t }}{{ trimSuffix "ms" $t | float64 }}
{{- else if hasSuffix "s" $t }}{{ mulf (trimSuffix "s" $t | float64) 1000 }}
{{- else if hasSuffix "m" $t }}{{ mulf (trimSuffix "m" $t | float64) 60000 }}
{{- else if hasSuffix "h" $t }}{{ mulf (trimSuffix "h" $t | float64) 3600000 }}
{{- else }}{{ mulf (float64 $t) 1000 }}
{{- end }}
{{- end }}

{{/*
The ConfigMap's data, as JSON: {"<key>.json": "<definition as pretty JSON>"}.
Each definition is the value given, with "name" set to its map key; JSON is made
by toPrettyJson, so quotes, newlines, template braces, unicode and the like in
config values arrive as written. A key is the connector name when that is a valid ConfigMap key
(and does not start with "."), otherwise a hash of the name (the definition names
the connector either way). Also checks what the schema cannot.
*/}}
{{- define "connect-deploy.connectorsData" -}}
{{- $data := dict }}
{{- $envNames := list }}
{{- range .Values.extraEnv }}{{ $envNames = append $envNames .name }}{{ end }}
{{- $mounts := list }}
{{- range .Values.extraVolumeMounts }}{{ $mounts = append $mounts .mountPath }}{{ end }}
{{- range $name, $def := .Values.connectors }}
{{- if $def }}
{{- if and (hasKey $def "name") (ne (toString $def.name) $name) }}
{{- fail (printf "connectors.%s.name is %q: it must equal its key (or be left out)" $name (toString $def.name)) }}
{{- end }}
{{- if and (hasKey $def.config "name") (ne (toString (get $def.config "name")) $name) }}
{{- fail (printf "connectors.%s.config.name differs from the connector's name %q (leave it out: the chart sets it)" $name $name) }}
{{- end }}
{{- range $key, $value := $def.config }}
{{- if kindIs "map" $value }}
{{- if hasKey $value "env" }}
{{- if not (has $value.env $envNames) }}
{{- fail (printf "connectors.%s.config.%s reads the environment variable %s: set it in extraEnv (valueFrom.secretKeyRef)" $name $key $value.env) }}
{{- end }}
{{- else if hasKey $value "file" }}
{{- $found := false }}
{{- range $mounts }}{{ if hasPrefix (printf "%s/" (trimSuffix "/" .)) $value.file }}{{ $found = true }}{{ end }}{{ end }}
{{- if not $found }}
{{- fail (printf "connectors.%s.config.%s reads the file %s, which is under none of extraVolumeMounts' mountPath" $name $key $value.file) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- $definition := deepCopy $def }}
{{- $_ := set $definition "name" $name }}
{{- $file := printf "%s.json" $name }}
{{- if or (not (regexMatch "^[-_A-Za-z0-9][-._A-Za-z0-9]*$" $name)) (gt (len $name) 200) }}
{{- $file = printf "connector-%s.json" (sha256sum $name | trunc 20) }}
{{- end }}
{{- /* JSON never has "{{" outside strings: escaping it inside them changes no
     value, and keeps the rendering free of what tools take for an unrendered
     template (checkov skips such a file). */}}
{{- $_ := set $data $file (toPrettyJson $definition | replace "{{" "\\u007b\\u007b") }}
{{- end }}
{{- end }}
{{- toJson $data }}
{{- end }}

{{- define "connect-deploy.configMapName" -}}
{{- if .Values.existingConfigMap }}
{{- .Values.existingConfigMap }}
{{- else if .Values.hook.enabled }}
{{- include "connect-deploy.fullname" . }}
{{- else }}
{{- printf "%s-%s" (include "connect-deploy.fullname" . | trunc 52 | trimSuffix "-") (include "connect-deploy.connectorsData" . | sha256sum | trunc 10) }}
{{- end }}
{{- end }}

{{/*
The hook Job keeps one name (before-hook-creation deletes the last run's Job);
a plain Job is named for a hash of its whole spec, which holds the ConfigMap's
hashed name: any change of connectors, image or settings makes a new Job, since
a Job's pod template cannot be changed in place.
*/}}
{{- define "connect-deploy.jobName" -}}
{{- if .Values.hook.enabled }}
{{- include "connect-deploy.fullname" . }}
{{- else }}
{{- printf "%s-%s" (include "connect-deploy.fullname" . | trunc 52 | trimSuffix "-") (include "connect-deploy.jobSpec" . | sha256sum | trunc 10) }}
{{- end }}
{{- end }}

{{/* Checks across values that the schema cannot express; fails the rendering. */}}
{{- define "connect-deploy.check" -}}
{{- $given := 0 }}
{{- range $name, $def := .Values.connectors }}{{ if $def }}{{ $given = add1 $given }}{{ end }}{{ end }}
{{- if and (gt $given 0) .Values.existingConfigMap }}
{{- fail "give connectors or existingConfigMap, not both" }}
{{- end }}
{{- if and (eq $given 0) (not .Values.existingConfigMap) }}
{{- fail "nothing to deploy: set connectors (a map from connector name to {config: {...}}) or existingConfigMap" }}
{{- end }}
{{- $timeout := include "connect-deploy.durationMs" .Values.timeout | float64 }}
{{- $deadline := mulf (int .Values.job.activeDeadlineSeconds) 1000 }}
{{- if ge $timeout $deadline }}
{{- fail (printf "timeout %v must be shorter than job.activeDeadlineSeconds (%v s), so that connect-deploy reports 124 before Kubernetes stops it" .Values.timeout .Values.job.activeDeadlineSeconds) }}
{{- end }}
{{- if .Values.prune.enabled }}
{{- range $name, $def := .Values.connectors }}
{{- $matched := false }}
{{- range $.Values.prune.scope }}
{{- $glob := regexQuoteMeta . | replace "\\*" ".*" | replace "\\?" "." }}
{{- if regexMatch (printf "^(?s:%s)$" $glob) $name }}{{ $matched = true }}{{ end }}
{{- end }}
{{- if and $def (not $matched) }}
{{- fail (printf "connector %q is outside prune.scope %v: every connector must match one of its globs" $name $.Values.prune.scope) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.auth.basic.secretName .Values.auth.bearerToken.secretName }}
{{- fail "give auth.basic or auth.bearerToken, not both" }}
{{- end }}
{{- end }}

{{- define "connect-deploy.secretVolumes" -}}
{{- $v := list }}
{{- with .Values.tls.ca }}{{ if .secretName }}
{{- $v = append $v (dict "name" "tls-ca" "secret" .secretName "items" (list .key) "mountPath" "/etc/connect-deploy/tls-ca") }}
{{- end }}{{ end }}
{{- with .Values.tls.clientCert }}{{ if .secretName }}
{{- $v = append $v (dict "name" "tls-client" "secret" .secretName "items" (list .certKey .keyKey) "mountPath" "/etc/connect-deploy/tls-client") }}
{{- end }}{{ end }}
{{- with .Values.auth.basic }}{{ if .secretName }}
{{- $v = append $v (dict "name" "basic-auth" "secret" .secretName "items" (list .usernameKey .passwordKey) "mountPath" "/etc/connect-deploy/basic-auth") }}
{{- end }}{{ end }}
{{- with .Values.auth.bearerToken }}{{ if .secretName }}
{{- $v = append $v (dict "name" "bearer-token" "secret" .secretName "items" (list .key) "mountPath" "/etc/connect-deploy/bearer-token") }}
{{- end }}{{ end }}
{{- toJson $v }}
{{- end }}

{{/* The Job's spec; its hash names a plain (non-hook) Job. */}}
{{- define "connect-deploy.jobSpec" -}}
{{- $secretVolumes := include "connect-deploy.secretVolumes" . | fromJsonArray -}}
# Whole-Job deadline, retries included; KAFKA_CONNECT_TIMEOUT is shorter.
activeDeadlineSeconds: {{ int .Values.job.activeDeadlineSeconds }}
# Retries for exit codes 1, 69 and 124 (a Connect that is slow to come up).
backoffLimit: {{ int .Values.job.backoffLimit }}
{{- if not (kindIs "invalid" .Values.job.ttlSecondsAfterFinished) }}
# Keep the finished Job and its pod for a while so its logs can be read.
ttlSecondsAfterFinished: {{ int .Values.job.ttlSecondsAfterFinished }}
{{- end }}
podFailurePolicy:
  rules:
    # Permanent failures: retrying cannot help, fail the Job at once.
    - action: FailJob
      onExitCodes:
        containerName: connect-deploy
        operator: In
        values: {{ include "connect-deploy.failJobExitCodes" . }}
    # Pod evicted, preempted, or removed with its node (connect-deploy exits 143
    # on SIGTERM): not the run's fault, retry without counting against backoffLimit.
    - action: Ignore
      onPodConditions:
        - type: DisruptionTarget
          status: "True"
template:
  metadata:
    labels:
      {{- include "connect-deploy.selectorLabels" . | nindent 6 }}
      {{- with .Values.podLabels }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    {{- with .Values.podAnnotations }}
    annotations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
  spec:
    restartPolicy: Never
    automountServiceAccountToken: false
    enableServiceLinks: false
    {{- with .Values.serviceAccountName }}
    serviceAccountName: {{ . | toJson }}
    {{- end }}
    {{- with .Values.priorityClassName }}
    priorityClassName: {{ . | toJson }}
    {{- end }}
    # connect-deploy ends within a second of SIGTERM.
    terminationGracePeriodSeconds: 10
    securityContext:
      runAsNonRoot: true
      runAsUser: 65532
      runAsGroup: 65532
      {{- if or $secretVolumes .Values.extraVolumes }}
      # Secret files are owned by root: group 65532 reads them (mode 0440).
      fsGroup: 65532
      {{- end }}
      seccompProfile:
        type: RuntimeDefault
    {{- with .Values.imagePullSecrets }}
    imagePullSecrets:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.nodeSelector }}
    nodeSelector:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.affinity }}
    affinity:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.tolerations }}
    tolerations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    containers:
      - name: connect-deploy
        image: {{ include "connect-deploy.image" . | toJson }}
        imagePullPolicy: {{ .Values.image.pullPolicy }}
        # No command/args: the image's ENTRYPOINT is /connect-deploy and it reads
        # /etc/config/connector by default.
        env:
          - name: KAFKA_CONNECT_URL
            value: {{ .Values.url | toJson }}
          - name: KAFKA_CONNECT_TIMEOUT
            value: {{ .Values.timeout | toString | toJson }}
          - name: KAFKA_CONNECT_WAIT_RUNNING
            value: {{ .Values.waitRunning | toString | toJson }}
          {{- if and (not (kindIs "invalid" .Values.stable)) (ne (toString .Values.stable) "") }}
          - name: KAFKA_CONNECT_WAIT_STABLE
            value: {{ .Values.stable | toString | toJson }}
          {{- end }}
          - name: KAFKA_CONNECT_RESTART_FAILED
            value: {{ int .Values.restartFailed | toString | toJson }}
          - name: KAFKA_CONNECT_VALIDATE
            value: {{ .Values.validate | toString | toJson }}
          - name: KAFKA_CONNECT_LOG_FORMAT
            value: {{ .Values.logFormat | toJson }}
          {{- if not (kindIs "invalid" .Values.parallel) }}
          - name: KAFKA_CONNECT_PARALLEL
            value: {{ int .Values.parallel | toString | toJson }}
          {{- end }}
          {{- if .Values.prune.enabled }}
          - name: KAFKA_CONNECT_PRUNE
            value: "true"
          - name: KAFKA_CONNECT_PRUNE_SCOPE
            value: {{ join "," .Values.prune.scope | toJson }}
          {{- if .Values.prune.resetOffsets }}
          - name: KAFKA_CONNECT_PRUNE_RESET_OFFSETS
            value: "true"
          {{- end }}
          {{- end }}
          {{- if .Values.tls.insecure }}
          - name: KAFKA_CONNECT_TLS_IS_INSECURE
            value: "true"
          {{- end }}
          {{- with .Values.tls.ca }}{{ if .secretName }}
          - name: KAFKA_CONNECT_TLS_ROOT_CA_FILE
            value: {{ printf "/etc/connect-deploy/tls-ca/%s" .key | toJson }}
          {{- end }}{{ end }}
          {{- with .Values.tls.clientCert }}{{ if .secretName }}
          - name: KAFKA_CONNECT_TLS_AUTH_CRT
            value: {{ printf "/etc/connect-deploy/tls-client/%s" .certKey | toJson }}
          - name: KAFKA_CONNECT_TLS_AUTH_KEY
            value: {{ printf "/etc/connect-deploy/tls-client/%s" .keyKey | toJson }}
          {{- end }}{{ end }}
          {{- with .Values.auth.basic }}{{ if .secretName }}
          - name: KAFKA_CONNECT_BASIC_AUTH_USERNAME_FILE
            value: {{ printf "/etc/connect-deploy/basic-auth/%s" .usernameKey | toJson }}
          - name: KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE
            value: {{ printf "/etc/connect-deploy/basic-auth/%s" .passwordKey | toJson }}
          {{- end }}{{ end }}
          {{- with .Values.auth.bearerToken }}{{ if .secretName }}
          - name: KAFKA_CONNECT_BEARER_TOKEN_FILE
            value: {{ printf "/etc/connect-deploy/bearer-token/%s" .key | toJson }}
          {{- end }}{{ end }}
          {{- with .Values.extraEnv }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        # The binary writes a one-line summary to /dev/termination-log at exit;
        # when it could not (a crash), the tail of the log is used instead.
        terminationMessagePolicy: FallbackToLogsOnError
        {{- with .Values.resources }}
        resources:
          {{- toYaml . | nindent 10 }}
        {{- end }}
        securityContext:
          runAsNonRoot: true
          runAsUser: 65532
          runAsGroup: 65532
          allowPrivilegeEscalation: false
          privileged: false
          readOnlyRootFilesystem: true
          capabilities:
            drop: [ALL]
        volumeMounts:
          - name: connector-definitions
            mountPath: /etc/config/connector
            readOnly: true
          {{- range $secretVolumes }}
          - name: {{ .name }}
            mountPath: {{ .mountPath }}
            readOnly: true
          {{- end }}
          {{- with .Values.extraVolumeMounts }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
    volumes:
      - name: connector-definitions
        configMap:
          name: {{ include "connect-deploy.configMapName" . | toJson }}
      {{- range $secretVolumes }}
      - name: {{ .name }}
        secret:
          secretName: {{ .secret | toJson }}
          defaultMode: 288 # 0440
          items:
            {{- range (.items | uniq) }}
            - key: {{ . | toJson }}
              path: {{ . | toJson }}
            {{- end }}
      {{- end }}
      {{- with .Values.extraVolumes }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
{{- end }}
