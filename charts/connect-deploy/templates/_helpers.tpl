{{/*
The exit codes on which the Job fails at once: connect-deploy's permanent codes
(usage 64, invalid definition 65, no input 66, access refused 77, config rejected
78). Not a value: they are the binary's contract, connect_deploy::exit::FAIL_JOB_CODES,
and `cargo test --test manifests` fails when the chart's rendering
(charts/connect-deploy/ci/rendered/, kept current by scripts/check-helm) differs.
A drift alarm (--dry-run --detailed-exitcode) adds 2, "changes pending": retrying
cannot make drift go away, and the failed Job is the alert.
*/}}
{{- define "connect-deploy.failJobExitCodes" -}}
{{- if eq . "alarm" }}[2, 64, 65, 66, 77, 78]{{ else }}[64, 65, 66, 77, 78]{{ end }}
{{- end }}

{{- define "connect-deploy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's base name, whole: fullnameOverride, else <release>-<name>, or just
<release> when it is the name itself. Unlike the usual "contains" shortcut, no
two releases of one namespace get the same base (releases "x" and
"x-connect-deploy" would otherwise both be "x-connect-deploy").
*/}}
{{- define "connect-deploy.baseName" -}}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if .Values.fullnameOverride }}{{ .Values.fullnameOverride }}
{{- else if eq .Release.Name $name }}{{ .Release.Name }}
{{- else }}{{ printf "%s-%s" .Release.Name $name }}
{{- end }}
{{- end }}

{{/*
(list NAME MAX): NAME when it has at most MAX characters, else its first ones and
8 hex digits of its hash, MAX in all: two long names that share their beginning
still differ, where a plain cut would give both one object.
*/}}
{{- define "connect-deploy.fit" -}}
{{- $name := index . 0 }}{{ $max := index . 1 }}
{{- if le (len $name) $max }}{{ $name }}
{{- else }}{{ printf "%s-%s" ($name | trunc (int (sub $max 9)) | trimSuffix "-") (sha256sum $name | trunc 8) }}
{{- end }}
{{- end }}

{{/* The hook Job's and its ConfigMap's name: a 63-character DNS label. */}}
{{- define "connect-deploy.fullname" -}}
{{- include "connect-deploy.fit" (list (include "connect-deploy.baseName" .) 63) }}
{{- end }}

{{/* A CronJob's name has at most 52 characters: its Jobs add 11. */}}
{{- define "connect-deploy.cronJobName" -}}
{{- include "connect-deploy.fit" (list (include "connect-deploy.baseName" .) 52) }}
{{- end }}

{{/* Label values are strings: quoted, so that a release named 123 or true stays one. */}}
{{- define "connect-deploy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "connect-deploy.name" . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end }}

{{- define "connect-deploy.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
{{ include "connect-deploy.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
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
A DURATION as connect-deploy reads it, in whole nanoseconds, with integers only
(as the binary computes it, digits past the nanosecond dropped): "invalid",
"too-long" (beyond 366 days), or the number. A number is whole seconds (the
schema allows only integers there: Helm's floats print 1000000 as 1e+06).
*/}}
{{- define "connect-deploy.durationNs" -}}
{{- $t := . }}
{{- if or (kindIs "float64" $t) (kindIs "int64" $t) (kindIs "int" $t) }}{{ $t = printf "%d" (int64 $t) }}{{ end }}
{{- $t = trim (toString $t) }}
{{- $re := "^([0-9]+)(?:\\.([0-9]+))?(ms|s|m|h)?$" }}
{{- $limit := 31622400000000000 }}
{{- if not (regexMatch $re $t) }}invalid
{{- else }}
{{- $whole := regexReplaceAll "^0+" (regexReplaceAll $re $t "${1}") "" }}
{{- $fraction := regexReplaceAll $re $t "${2}" }}
{{- $unit := get (dict "ms" 1000000 "s" 1000000000 "" 1000000000 "m" 60000000000 "h" 3600000000000) (regexReplaceAll $re $t "${3}") }}
{{- if or (gt (len $whole) 17) (gt (atoi (default "0" $whole)) (div $limit $unit)) }}too-long
{{- else }}
{{- $ns := mul (atoi (default "0" $whole)) $unit }}
{{- $scale := $unit }}
{{- range $digit := splitList "" (trunc 30 $fraction) }}
{{- $scale = div $scale 10 }}
{{- $ns = add $ns (mul (atoi $digit) $scale) }}
{{- end }}
{{- if gt $ns $limit }}too-long{{ else }}{{ $ns }}{{ end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A KEY whose values connect-deploy takes for secrets by its name: the rule of
src/redact.rs (looks_secret), word for word. "true" or "".
*/}}
{{- define "connect-deploy.looksSecret" -}}
{{- $k := lower . }}
{{- if regexMatch "password|secret|token|credential|passphrase|jaas|passwd" $k }}true
{{- else }}
{{- $words := regexSplit "[^a-z0-9]" $k -1 }}
{{- $found := false }}
{{- range $i, $w := $words }}
{{- if has $w (list "pw" "pwd" "pass" "apikey" "privatekey" "accesskey" "secretkey") }}{{ $found = true }}{{ end }}
{{- if and (eq $w "key") (gt $i 0) (has (index $words (sub $i 1)) (list "api" "access" "private" "secret" "auth" "account" "sas" "signing")) }}{{ $found = true }}{{ end }}
{{- end }}
{{- if $found }}true{{ end }}
{{- end }}
{{- end }}

{{/*
The names of secret-like parameters inside a VALUE (`password=x` in a URL's query,
a JAAS line, a connection string), as src/redact.rs (embedded_secrets) finds them.
A list as JSON.
*/}}
{{- define "connect-deploy.embeddedSecrets" -}}
{{- $value := toString . }}
{{- $found := list }}
{{- range $piece := regexSplit "[&;? \\n\\r\\t,]" $value -1 }}
{{- if contains "=" $piece }}
{{- $kv := splitn "=" 2 $piece }}
{{- $inner := trimAll "\"'" (trim $kv._1) }}
{{- if and (include "connect-deploy.looksSecret" (trim $kv._0)) $inner (ne $inner $value) }}
{{- $found = append $found (trim $kv._0) }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $found }}
{{- end }}

{{/* (list GLOBS NAME): "true" when NAME matches one of the globs (* and ?, trimmed). */}}
{{- define "connect-deploy.globMatch" -}}
{{- $name := index . 1 }}
{{- range $glob := index . 0 }}
{{- $re := regexQuoteMeta (trim $glob) | replace "\\*" ".*" | replace "\\?" "." }}
{{- if regexMatch (printf "^(?s:%s)$" $re) $name }}true{{ end }}
{{- end }}
{{- end }}

{{/* The number of object keys in a parsed JSON value, nested ones included. */}}
{{- define "connect-deploy.countKeys" -}}
{{- $n := 0 }}
{{- if kindIs "map" . }}
{{- $n = len . }}
{{- range $v := . }}{{ $n = add $n (atoi (include "connect-deploy.countKeys" $v)) }}{{ end }}
{{- else if kindIs "slice" . }}
{{- range $v := . }}{{ $n = add $n (atoi (include "connect-deploy.countKeys" $v)) }}{{ end }}
{{- end }}
{{- $n }}
{{- end }}

{{/*
Checks one connector definition (dict "root" $ "name" NAME "def" MAP "text" BOOL)
as connect-deploy checks it at start, so that what the binary would refuse (65,
nothing applied) is refused at install; and refuses what the binary accepts but
the chart must not store: a plain credential in the ConfigMap. Messages name the
connector and key, never a value. A definition given as JSON text (text=true) is
not seen by the schema: its types are checked here too.
*/}}
{{- define "connect-deploy.checkDefinition" -}}
{{- $r := .root }}{{ $name := .name }}{{ $def := .def }}
{{- $at := printf "connectors.%s" $name }}
{{- range $key, $_ := $def }}
{{- if not (has $key (list "name" "config" "state" "initial_state" "offsets" "tasks" "type")) }}
{{- fail (printf "%s: unknown key %q (expected name, config, state, offsets)" $at $key) }}
{{- end }}
{{- end }}
{{- if and (hasKey $def "name") (or (not (kindIs "string" $def.name)) (ne $def.name $name)) }}
{{- fail (printf "%s.name must equal its key %q (or be left out)" $at $name) }}
{{- end }}
{{- if not (kindIs "map" $def.config) }}
{{- fail (printf "%s.config must be a map of the connector's config" $at) }}
{{- end }}
{{- if and (hasKey $def "state") (hasKey $def "initial_state") }}
{{- fail (printf "%s: give state or initial_state, not both" $at) }}
{{- end }}
{{- range $k := list "state" "initial_state" }}
{{- if and (hasKey $def $k) (not (has (get $def $k) (list "RUNNING" "PAUSED" "STOPPED"))) }}
{{- fail (printf "%s.%s must be RUNNING, PAUSED or STOPPED" $at $k) }}
{{- end }}
{{- end }}
{{- if hasKey $def "offsets" }}
{{- $o := $def.offsets }}
{{- $ok := or (eq (toJson $o) "\"reset\"") (and (kindIs "slice" $o) (gt (len $o) 0)) }}
{{- if kindIs "slice" $o }}
{{- range $item := $o }}
{{- if not (and (kindIs "map" $item) (eq (len $item) 2) (kindIs "map" $item.partition) (kindIs "map" $item.offset)) }}{{ $ok = false }}{{ end }}
{{- end }}
{{- end }}
{{- if not $ok }}
{{- fail (printf "%s.offsets must be \"reset\" or a non-empty list of {partition: {...}, offset: {...}}" $at) }}
{{- end }}
{{- end }}
{{- $config := $def.config }}
{{- if not (and (kindIs "string" (get $config "connector.class")) (regexMatch "[^\\s\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]" (toString (get $config "connector.class")))) }}
{{- fail (printf "%s.config: connector.class is required, as text that is not blank" $at) }}
{{- end }}
{{- if and (hasKey $config "name") (ne (toString (get $config "name")) $name) }}
{{- fail (printf "%s.config.name differs from the connector's name %q (leave it out: the chart sets it)" $at $name) }}
{{- end }}
{{- $envNames := list }}
{{- range $r.Values.extraEnv }}{{ $envNames = append $envNames .name }}{{ end }}
{{- range $key, $value := $config }}
{{- $where := printf "%s.config.%s" $at $key }}
{{- if hasPrefix "__internal." $key }}
{{- fail (printf "%s: keys starting with __internal. are set by Confluent Platform's workers; leave it out" $where) }}
{{- end }}
{{- if kindIs "invalid" $value }}
{{- fail (printf "%s is null; write a string" $where) }}
{{- else if kindIs "slice" $value }}
{{- fail (printf "%s holds a list; Connect takes only strings" $where) }}
{{- else if kindIs "map" $value }}
{{- $ref := keys $value | sortAlpha | join "," }}
{{- if not (and (has $ref (list "env" "file")) (kindIs "string" (get $value $ref)) (get $value $ref)) }}
{{- fail (printf "%s: a value that is a map must be {file: PATH} or {env: NAME}" $where) }}
{{- end }}
{{- if and (eq $ref "env") (not (has $value.env $envNames)) }}
{{- fail (printf "%s reads the environment variable %s: set it in extraEnv (valueFrom.secretKeyRef)" $where $value.env) }}
{{- end }}
{{- if eq $ref "file" }}
{{- $found := false }}
{{- range $r.Values.extraVolumeMounts }}{{ if hasPrefix (printf "%s/" (trimSuffix "/" .mountPath)) $value.file }}{{ $found = true }}{{ end }}{{ end }}
{{- if not $found }}
{{- fail (printf "%s reads the file %s, which is under none of extraVolumeMounts' mountPath" $where $value.file) }}
{{- end }}
{{- end }}
{{- else }}
{{- if and (kindIs "float64" $value) (or (gt $value 9007199254740991.0) (lt $value -9007199254740991.0)) }}
{{- fail (printf "%s: a number beyond 2^53, which Helm reads as floating point and would change: quote it, or give the definition as JSON text (--set-file %s=FILE)" $where $at) }}
{{- end }}
{{- if not (include "connect-deploy.globMatch" (list $r.Values.plainTextKeys $key)) }}
{{- if and (include "connect-deploy.looksSecret" $key) (ne (toString $value) "") }}
{{- fail (printf "%s: the key's name says it holds a secret, which would be stored in plain text in the ConfigMap: give {file: PATH} (a Secret mounted with extraVolumes/extraVolumeMounts) or {env: NAME} (extraEnv with valueFrom.secretKeyRef) instead; if it holds no secret, add the key to plainTextKeys" $where) }}
{{- end }}
{{- $inner := include "connect-deploy.embeddedSecrets" $value | fromJsonArray }}
{{- if $inner }}
{{- fail (printf "%s holds a credential (%s=...), which would be stored in plain text in the ConfigMap: give the whole value as {file: PATH} or {env: NAME} from a Secret instead; if it holds no secret, add the key to plainTextKeys" $where (first $inner)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The ConfigMap's data, as JSON: {"<key>.json": "<definition as JSON>"}. A
definition given as a map is written by toPrettyJson with "name" set to its map
key, so quotes, newlines, template braces, unicode and the like arrive as written;
one given as JSON text is written as given (its numbers keep their exact
spelling), with "name" added when it has none. A key is the connector name when
that is a valid ConfigMap key (not starting with "."), otherwise a hash of the name
(the definition names the connector either way). Every definition is checked on
the way.
*/}}
{{- define "connect-deploy.connectorsData" -}}
{{- $data := dict }}
{{- range $name, $given := .Values.connectors }}
{{- if $given }}
{{- $text := "" }}
{{- if kindIs "string" $given }}
{{- $def := fromJson $given }}
{{- if or (hasKey $def "Error") (not (hasPrefix "{" (trim $given))) }}
{{- fail (printf "connectors.%s: a definition given as text must be one JSON object" $name) }}
{{- end }}
{{- /* In JSON a string followed by ':' is a key: more of them than keys parsed
     means a key given twice, which fromJson would silently resolve. */}}
{{- $tokens := regexFindAll "\"(?:[^\"\\\\]|\\\\.)*\"\\s*:" $given -1 | len }}
{{- if ne $tokens (atoi (include "connect-deploy.countKeys" $def)) }}
{{- fail (printf "connectors.%s: the JSON text has a key twice" $name) }}
{{- end }}
{{- include "connect-deploy.checkDefinition" (dict "root" $ "name" $name "def" $def) }}
{{- $text = trim $given }}
{{- if not (hasKey $def "name") }}
{{- $text = printf "{\"name\": %s, %s" (toJson $name) (substr 1 -1 $text) }}
{{- end }}
{{- else }}
{{- include "connect-deploy.checkDefinition" (dict "root" $ "name" $name "def" $given) }}
{{- $definition := deepCopy $given }}
{{- $_ := set $definition "name" $name }}
{{- $text = toPrettyJson $definition }}
{{- end }}
{{- $encoded := add (len (regexReplaceAll "[^-A-Za-z0-9._~]" $name "")) (mul 3 (len (regexReplaceAll "[-A-Za-z0-9._~]" $name ""))) }}
{{- if gt $encoded 4096 }}
{{- fail (printf "connectors: a connector name of %d characters is too long for Connect's request line" (len $name)) }}
{{- end }}
{{- $file := printf "%s.json" $name }}
{{- if or (not (regexMatch "^[-_A-Za-z0-9][-._A-Za-z0-9]*$" $name)) (gt (len $name) 200) }}
{{- $file = printf "connector-%s.json" (sha256sum $name | trunc 20) }}
{{- end }}
{{- /* JSON never has "{{" outside strings: escaping it inside them changes no
     value, and keeps the rendering free of what tools take for an unrendered
     template (checkov skips such a file). */}}
{{- $_ := set $data $file ($text | replace "{{" "\\u007b\\u007b") }}
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
{{- /* The hash covers the release too: two releases with equal connectors
     still get a ConfigMap each. */}}
{{- printf "%s-%s" (include "connect-deploy.fit" (list (include "connect-deploy.baseName" .) 52)) (printf "%s\n%s" .Release.Name (include "connect-deploy.connectorsData" .) | sha256sum | trunc 10) }}
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
{{- printf "%s-%s" (include "connect-deploy.fit" (list (include "connect-deploy.baseName" .) 52)) (include "connect-deploy.jobSpec" (dict "root" . "mode" "apply") | sha256sum | trunc 10) }}
{{- end }}
{{- end }}

{{/*
The variables the chart sets from its values: extraEnv may not set them again
(Kubernetes would keep the later one, past the schema's and templates' checks).
*/}}
{{- define "connect-deploy.ownVariables" -}}
{{- toJson (list "KAFKA_CONNECT_URL" "KAFKA_CONNECT_TIMEOUT" "KAFKA_CONNECT_WAIT_RUNNING" "KAFKA_CONNECT_WAIT_STABLE" "KAFKA_CONNECT_RESTART_FAILED" "KAFKA_CONNECT_VALIDATE" "KAFKA_CONNECT_LOG_FORMAT" "KAFKA_CONNECT_PARALLEL" "KAFKA_CONNECT_PRUNE" "KAFKA_CONNECT_PRUNE_SCOPE" "KAFKA_CONNECT_PRUNE_RESET_OFFSETS" "KAFKA_CONNECT_TLS_IS_INSECURE" "KAFKA_CONNECT_TLS_ROOT_CA_FILE" "KAFKA_CONNECT_TLS_AUTH_CRT" "KAFKA_CONNECT_TLS_AUTH_KEY" "KAFKA_CONNECT_TERMINATION_LOG") }}
{{- end }}

{{/*
The proxy and header variables: set from proxy, headers and headerSecrets only, so
that no proxy URL with credentials, and no header value, stands in plain env, and
the chart's own choice (proxy.disabled, noProxy) cannot be undone.
*/}}
{{- define "connect-deploy.proxyVariables" -}}
{{- toJson (list "KAFKA_CONNECT_PROXY" "https_proxy" "HTTPS_PROXY" "http_proxy" "HTTP_PROXY" "no_proxy" "NO_PROXY" "KAFKA_CONNECT_HEADERS" "KAFKA_CONNECT_HEADER_FILES") }}
{{- end }}

{{/*
A proxy URL as the binary reads it (src/connect/proxy.rs): [http://|https://]host[:port][/],
trimmed, without credentials (the schema refuses '@'); errors never show the URL.
*/}}
{{- define "connect-deploy.checkProxyUrl" -}}
{{- $u := trim . }}
{{- if not (regexMatch "^(?:(?i:https?)://)?(?:[A-Za-z0-9._~-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?/?$" $u) }}
{{- fail "proxy.url is not [http://|https://]host[:port] (no other scheme, no SOCKS, no path, query or blank)" }}
{{- end }}
{{- $authority := regexReplaceAll "/$" (regexReplaceAll "^(?i:https?)://" $u "") "" }}
{{- $port := regexReplaceAll "^(?:\\[[^\\]]*\\]|[^:]*)(?::([0-9]+))?$" $authority "${1}" }}
{{- $digits := regexReplaceAll "^0+" $port "" }}
{{- if and $port (or (gt (len $digits) 5) (lt (atoi (default "0" $digits)) 1) (gt (atoi (default "0" $digits)) 65535)) }}
{{- fail "proxy.url has a port outside 1-65535" }}
{{- end }}
{{- end }}

{{/* The URL list as the binary reads it; errors say which URL, never what it holds. */}}
{{- define "connect-deploy.checkUrl" -}}
{{- $urls := splitList "," .Values.url }}
{{- range $i, $raw := $urls }}
{{- $u := trim $raw }}
{{- $which := printf "url: URL %d of %d" (add1 $i) (len $urls) }}
{{- if not $u }}
{{- fail (printf "%s is empty" $which) }}
{{- else if contains "@" $u }}
{{- fail (printf "%s holds credentials (user:password@host), which would stand in the Job's plain environment: take them out and use auth.basic (or auth.bearerToken) with a Secret" $which) }}
{{- else if not (regexMatch "^(?i:https?)://(?:[A-Za-z0-9._~-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?(?:/[^?#]*)?$" $u) }}
{{- fail (printf "%s is not http(s)://host[:port][/path] (no query, no fragment)" $which) }}
{{- else }}
{{- $authority := regexReplaceAll "/.*$" (regexReplaceAll "^(?i:https?)://" $u "") "" }}
{{- $port := regexReplaceAll "^(?:\\[[^\\]]*\\]|[^:]*)(?::([0-9]+))?$" $authority "${1}" }}
{{- $digits := regexReplaceAll "^0+" $port "" }}
{{- if and $port (or (gt (len $digits) 5) (lt (atoi (default "0" $digits)) 1) (gt (atoi (default "0" $digits)) 65535)) }}
{{- fail (printf "%s has a port outside 1-65535" $which) }}
{{- end }}
{{- end }}
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
{{- if and (not .Values.job.enabled) (not .Values.schedule) }}
{{- fail "nothing runs: job.enabled is false and no schedule is set" }}
{{- end }}
{{- $_ := include "connect-deploy.connectorsData" . }}
{{- include "connect-deploy.checkUrl" . }}
{{- $timeout := include "connect-deploy.durationNs" .Values.timeout }}
{{- if eq $timeout "invalid" }}
{{- fail "timeout is not a duration: use 500ms, 30s, 5m, 1h or whole seconds" }}
{{- else if eq $timeout "too-long" }}
{{- fail "timeout is longer than 366 days" }}
{{- else if eq (atoi $timeout) 0 }}
{{- fail "timeout must be longer than zero" }}
{{- end }}
{{- if ge (atoi $timeout) (mul (int64 .Values.job.activeDeadlineSeconds) 1000000000) }}
{{- fail (printf "timeout %v must be shorter than job.activeDeadlineSeconds (%v s), so that connect-deploy reports 124 before Kubernetes stops it" .Values.timeout .Values.job.activeDeadlineSeconds) }}
{{- end }}
{{- if and (not (kindIs "invalid" .Values.stable)) (ne (toString .Values.stable) "") }}
{{- $stable := include "connect-deploy.durationNs" .Values.stable }}
{{- if eq $stable "invalid" }}
{{- fail "stable is not a duration: use 500ms, 30s, 5m, 1h or whole seconds" }}
{{- else if eq $stable "too-long" }}
{{- fail "stable is longer than 366 days" }}
{{- else if and .Values.waitRunning (ge (atoi $stable) (atoi $timeout)) }}
{{- fail (printf "stable %v must be shorter than timeout %v: the state must hold for it within the run" .Values.stable .Values.timeout) }}
{{- end }}
{{- end }}
{{- if .Values.prune.enabled }}
{{- range $name, $def := .Values.connectors }}
{{- if and $def (not (include "connect-deploy.globMatch" (list $.Values.prune.scope $name))) }}
{{- fail (printf "connector %q is outside prune.scope %v: every connector must match one of its globs" $name $.Values.prune.scope) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.auth.basic.secretName .Values.auth.bearerToken.secretName }}
{{- fail "give auth.basic or auth.bearerToken, not both" }}
{{- end }}
{{- /* extraEnv: the chart's own variables, duplicates, plain credentials, and the
     binary's rules for credentials from the environment. */}}
{{- $own := include "connect-deploy.ownVariables" . | fromJsonArray }}
{{- $proxyVariables := include "connect-deploy.proxyVariables" . | fromJsonArray }}
{{- $auth := or .Values.auth.basic.secretName .Values.auth.bearerToken.secretName }}
{{- $seen := list }}
{{- range $i, $e := .Values.extraEnv }}
{{- $where := printf "extraEnv[%d] (%s)" $i $e.name }}
{{- if has $e.name $seen }}
{{- fail (printf "%s: the variable is given twice" $where) }}
{{- end }}
{{- $seen = append $seen $e.name }}
{{- if has $e.name $own }}
{{- fail (printf "%s: the chart sets this variable from its values (url, timeout, ...): set the value instead" $where) }}
{{- end }}
{{- if has $e.name $proxyVariables }}
{{- fail (printf "%s: the chart sets this variable from its values (proxy.url, proxy.existingSecret, proxy.noProxy, proxy.disabled, headers, headerSecrets): set those instead" $where) }}
{{- end }}
{{- if and $auth (has $e.name (list "KAFKA_CONNECT_BASIC_AUTH_USERNAME" "KAFKA_CONNECT_BASIC_AUTH_USERNAME_FILE" "KAFKA_CONNECT_BASIC_AUTH_PASSWORD" "KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE" "KAFKA_CONNECT_BEARER_TOKEN_FILE")) }}
{{- fail (printf "%s: auth.basic or auth.bearerToken gives the credentials already: give them once" $where) }}
{{- end }}
{{- if and (hasKey $e "value") (ne (toString $e.value) "") (not (hasSuffix "_FILE" $e.name)) (or (include "connect-deploy.looksSecret" $e.name) (eq $e.name "KAFKA_CONNECT_BASIC_AUTH_USERNAME")) }}
{{- fail (printf "%s: the name says it holds a credential, which would stand in plain text in the Job: use valueFrom.secretKeyRef" $where) }}
{{- end }}
{{- end }}
{{- $has := dict }}
{{- range $n := $seen }}{{ $_ := set $has $n true }}{{ end }}
{{- range $v := list "USERNAME" "PASSWORD" }}
{{- if and (hasKey $has (printf "KAFKA_CONNECT_BASIC_AUTH_%s" $v)) (hasKey $has (printf "KAFKA_CONNECT_BASIC_AUTH_%s_FILE" $v)) }}
{{- fail (printf "extraEnv: give KAFKA_CONNECT_BASIC_AUTH_%s or KAFKA_CONNECT_BASIC_AUTH_%s_FILE, not both" $v $v) }}
{{- end }}
{{- end }}
{{- $user := or (hasKey $has "KAFKA_CONNECT_BASIC_AUTH_USERNAME") (hasKey $has "KAFKA_CONNECT_BASIC_AUTH_USERNAME_FILE") }}
{{- $password := or (hasKey $has "KAFKA_CONNECT_BASIC_AUTH_PASSWORD") (hasKey $has "KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE") }}
{{- if ne $user $password }}
{{- fail "extraEnv: basic auth needs both KAFKA_CONNECT_BASIC_AUTH_USERNAME and _PASSWORD (or their _FILE forms)" }}
{{- end }}
{{- if and $user (hasKey $has "KAFKA_CONNECT_BEARER_TOKEN_FILE") }}
{{- fail "extraEnv: give basic-auth credentials or KAFKA_CONNECT_BEARER_TOKEN_FILE, not both" }}
{{- end }}
{{- /* Proxy: one source, or none; the URL as the binary reads it. */}}
{{- with .Values.proxy }}
{{- if and .url .existingSecret }}
{{- fail "give proxy.url or proxy.existingSecret, not both" }}
{{- end }}
{{- if and .disabled (or .url .existingSecret .noProxy) }}
{{- fail "proxy.disabled turns proxies off: leave proxy.url, proxy.existingSecret and proxy.noProxy empty" }}
{{- end }}
{{- if .url }}{{ include "connect-deploy.checkProxyUrl" .url }}{{ end }}
{{- end }}
{{- /* Headers: each name once in any case; credentials only from Secrets. */}}
{{- $headerNames := dict }}
{{- range $name, $value := .Values.headers }}
{{- if include "connect-deploy.looksSecret" $name }}
{{- fail (printf "headers: %s says it holds a credential, which would stand in plain text in the Job: use headerSecrets" $name) }}
{{- end }}
{{- $_ := set $headerNames (lower $name) $name }}
{{- end }}
{{- range $name, $ref := .Values.headerSecrets }}
{{- if hasKey $headerNames (lower $name) }}
{{- fail (printf "header %s is given twice (as %s): a name once, in any case, across headers and headerSecrets" $name (get $headerNames (lower $name))) }}
{{- end }}
{{- $_ := set $headerNames (lower $name) $name }}
{{- end }}
{{- if ne (len $headerNames) (add (len .Values.headers) (len .Values.headerSecrets)) }}
{{- fail "headers (or headerSecrets) give one name twice in different cases: a name once, in any case" }}
{{- end }}
{{- /* A volume the container's user cannot read ends the run with 65. */}}
{{- if kindIs "invalid" .Values.podSecurityContext.fsGroup }}
{{- range $v := .Values.extraVolumes }}
{{- range $kind := list "secret" "configMap" }}
{{- with (get $v $kind) }}
{{- $modes := list }}
{{- if hasKey . "defaultMode" }}{{ $modes = append $modes .defaultMode }}{{ end }}
{{- range (default list .items) }}{{ if hasKey . "mode" }}{{ $modes = append $modes .mode }}{{ end }}{{ end }}
{{- range $mode := $modes }}
{{- if eq (mod (int $mode) 8 | int) (mod (int $mode) 4 | int) }}
{{- fail (printf "extraVolumes %s: mode %04o leaves the files unreadable to the container's user, who is not their owner nor, without podSecurityContext.fsGroup, in their group: use 0444 (292), or set podSecurityContext" $v.name (int $mode)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The Secret volumes of auth and tls: 0440 with an fsGroup, else 0444 (see values.yaml). */}}
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
{{- /* headerSecrets: one volume per Secret, holding the keys its headers name. */}}
{{- $keys := dict }}
{{- range $name, $ref := .Values.headerSecrets }}
{{- $_ := set $keys $ref.secretName (append (get $keys $ref.secretName | default (list)) $ref.key) }}
{{- end }}
{{- range $i, $secret := keys $keys | sortAlpha }}
{{- $v = append $v (dict "name" (printf "header-secret-%d" $i) "secret" $secret "items" (get $keys $secret | sortAlpha) "mountPath" (printf "/etc/connect-deploy/headers/%s" $secret)) }}
{{- end }}
{{- toJson $v }}
{{- end }}

{{/* The checkov checks skipped on the Job and the CronJob, each with its reason. */}}
{{- define "connect-deploy.checkovSkips" -}}
{{- $skips := list "CKV2_K8S_6=The pod listens on no port; its only egress (Connect, DNS) is site-specific, so NetworkPolicies belong to the namespace's policy." }}
{{- if not .Values.image.digest }}
{{- $skips = append $skips "CKV_K8S_43=The image is pinned by release tag; set image.digest to pin a digest." }}
{{- end }}
{{- if ne .Values.image.pullPolicy "Always" }}
{{- $skips = append $skips (printf "CKV_K8S_15=%s with a pinned release tag (or digest) so images preloaded into the node (kind load, air-gapped) work." .Values.image.pullPolicy) }}
{{- end }}
{{- if kindIs "invalid" .Values.podSecurityContext.runAsUser }}
{{- $skips = append $skips "CKV_K8S_40=No fixed UID, so that OpenShift's restricted-v2 can assign one from the namespace's range; elsewhere the image's user 65532 runs it (runAsNonRoot holds either way); podSecurityContext.runAsUser fixes one." }}
{{- end }}
{{- $secretEnv := false }}
{{- range .Values.extraEnv }}{{ if and .valueFrom .valueFrom.secretKeyRef }}{{ $secretEnv = true }}{{ end }}{{ end }}
{{- $reasons := list }}
{{- if $secretEnv }}
{{- $reasons = append $reasons "extraEnv passes Secret values as variables for the {\"env\": NAME} references of connector configs, which read the environment." }}
{{- end }}
{{- if .Values.proxy.existingSecret }}
{{- $reasons = append $reasons "proxy.existingSecret passes the proxy URL with its credentials as KAFKA_CONNECT_PROXY, the one way connect-deploy reads a proxy URL (it masks the credentials in every output)." }}
{{- end }}
{{- if $reasons }}
{{- $skips = append $skips (printf "CKV_K8S_35=%s" (join " " $reasons)) }}
{{- end }}
{{- toJson $skips }}
{{- end }}

{{/*
A Job's spec: (dict "root" $ "mode" MODE), MODE "apply" (the install/upgrade Job),
"repair" or "alarm" (the CronJob's Jobs). The apply Job's hash names a plain
(non-hook) Job. The CronJob's Jobs have no ttlSecondsAfterFinished: its history
limits keep and remove them, so that a failed run stays visible.
*/}}
{{- define "connect-deploy.jobSpec" -}}
{{- $r := .root }}{{ $mode := .mode }}{{ $v := .root.Values }}
{{- $secretVolumes := include "connect-deploy.secretVolumes" $r | fromJsonArray -}}
{{- $security := $v.podSecurityContext -}}
# Whole-Job deadline, retries included; KAFKA_CONNECT_TIMEOUT is shorter.
activeDeadlineSeconds: {{ int $v.job.activeDeadlineSeconds }}
# Retries for exit codes 1, 69 and 124 (a Connect that is slow to come up).
backoffLimit: {{ int $v.job.backoffLimit }}
{{- if and (eq $mode "apply") (not (kindIs "invalid" $v.job.ttlSecondsAfterFinished)) }}
# Keep the finished Job and its pod for a while so its logs can be read.
ttlSecondsAfterFinished: {{ int $v.job.ttlSecondsAfterFinished }}
{{- end }}
podFailurePolicy:
  rules:
    # Permanent failures: retrying cannot help, fail the Job at once.
    {{- if eq $mode "alarm" }}
    # 2: the connectors drifted from their definitions (the alarm).
    {{- end }}
    - action: FailJob
      onExitCodes:
        containerName: connect-deploy
        operator: In
        values: {{ include "connect-deploy.failJobExitCodes" $mode }}
    # Pod evicted, preempted, or removed with its node (connect-deploy exits 143
    # on SIGTERM): not the run's fault, retry without counting against backoffLimit.
    - action: Ignore
      onPodConditions:
        - type: DisruptionTarget
          status: "True"
template:
  metadata:
    labels:
      {{- include "connect-deploy.selectorLabels" $r | nindent 6 }}
      app.kubernetes.io/component: {{ get (dict "apply" "apply" "repair" "drift-repair" "alarm" "drift-alarm") $mode | quote }}
      {{- with $v.podLabels }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    {{- with $v.podAnnotations }}
    annotations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
  spec:
    restartPolicy: Never
    automountServiceAccountToken: false
    enableServiceLinks: false
    {{- with $v.serviceAccountName }}
    serviceAccountName: {{ . | toJson }}
    {{- end }}
    {{- with $v.priorityClassName }}
    priorityClassName: {{ . | toJson }}
    {{- end }}
    # connect-deploy ends within a second of SIGTERM.
    terminationGracePeriodSeconds: 10
    securityContext:
      runAsNonRoot: true
      {{- if not (kindIs "invalid" $security.runAsUser) }}
      runAsUser: {{ int64 $security.runAsUser }}
      {{- end }}
      {{- if not (kindIs "invalid" $security.runAsGroup) }}
      runAsGroup: {{ int64 $security.runAsGroup }}
      {{- end }}
      {{- if not (kindIs "invalid" $security.fsGroup) }}
      # Secret files are owned by root: this group reads them (mode 0440).
      fsGroup: {{ int64 $security.fsGroup }}
      {{- end }}
      seccompProfile:
        type: RuntimeDefault
    {{- with $v.imagePullSecrets }}
    imagePullSecrets:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with $v.nodeSelector }}
    nodeSelector:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with $v.affinity }}
    affinity:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with $v.tolerations }}
    tolerations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    containers:
      - name: connect-deploy
        image: {{ include "connect-deploy.image" $r | toJson }}
        imagePullPolicy: {{ $v.image.pullPolicy }}
        {{- if eq $mode "alarm" }}
        # Read only; exit 2 when anything differs from the definitions. The
        # entrypoint is /connect-deploy; it reads /etc/config/connector.
        args: ["--dry-run", "--detailed-exitcode"]
        {{- else }}
        # No command/args: the image's ENTRYPOINT is /connect-deploy and it reads
        # /etc/config/connector by default.
        {{- end }}
        env:
          - name: KAFKA_CONNECT_URL
            value: {{ $v.url | toJson }}
          - name: KAFKA_CONNECT_TIMEOUT
            value: {{ include "connect-deploy.durationText" $v.timeout | toJson }}
          {{- if ne $mode "alarm" }}
          - name: KAFKA_CONNECT_WAIT_RUNNING
            value: {{ $v.waitRunning | toString | toJson }}
          {{- if and (not (kindIs "invalid" $v.stable)) (ne (toString $v.stable) "") }}
          - name: KAFKA_CONNECT_WAIT_STABLE
            value: {{ include "connect-deploy.durationText" $v.stable | toJson }}
          {{- end }}
          - name: KAFKA_CONNECT_RESTART_FAILED
            value: {{ int $v.restartFailed | toString | toJson }}
          {{- end }}
          - name: KAFKA_CONNECT_VALIDATE
            value: {{ $v.validate | toString | toJson }}
          - name: KAFKA_CONNECT_LOG_FORMAT
            value: {{ $v.logFormat | toJson }}
          {{- if not (kindIs "invalid" $v.parallel) }}
          - name: KAFKA_CONNECT_PARALLEL
            value: {{ int $v.parallel | toString | toJson }}
          {{- end }}
          {{- if $v.prune.enabled }}
          - name: KAFKA_CONNECT_PRUNE
            value: "true"
          - name: KAFKA_CONNECT_PRUNE_SCOPE
            value: {{ join "," $v.prune.scope | toJson }}
          {{- if $v.prune.resetOffsets }}
          - name: KAFKA_CONNECT_PRUNE_RESET_OFFSETS
            value: "true"
          {{- end }}
          {{- end }}
          {{- if $v.tls.insecure }}
          - name: KAFKA_CONNECT_TLS_IS_INSECURE
            value: "true"
          {{- end }}
          {{- with $v.tls.ca }}{{ if .secretName }}
          - name: KAFKA_CONNECT_TLS_ROOT_CA_FILE
            value: {{ printf "/etc/connect-deploy/tls-ca/%s" .key | toJson }}
          {{- end }}{{ end }}
          {{- with $v.tls.clientCert }}{{ if .secretName }}
          - name: KAFKA_CONNECT_TLS_AUTH_CRT
            value: {{ printf "/etc/connect-deploy/tls-client/%s" .certKey | toJson }}
          - name: KAFKA_CONNECT_TLS_AUTH_KEY
            value: {{ printf "/etc/connect-deploy/tls-client/%s" .keyKey | toJson }}
          {{- end }}{{ end }}
          {{- with $v.auth.basic }}{{ if .secretName }}
          - name: KAFKA_CONNECT_BASIC_AUTH_USERNAME_FILE
            value: {{ printf "/etc/connect-deploy/basic-auth/%s" .usernameKey | toJson }}
          - name: KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE
            value: {{ printf "/etc/connect-deploy/basic-auth/%s" .passwordKey | toJson }}
          {{- end }}{{ end }}
          {{- with $v.auth.bearerToken }}{{ if .secretName }}
          - name: KAFKA_CONNECT_BEARER_TOKEN_FILE
            value: {{ printf "/etc/connect-deploy/bearer-token/%s" .key | toJson }}
          {{- end }}{{ end }}
          {{- with $v.proxy }}
          {{- if .disabled }}
          # No proxy, whatever HTTP(S)_PROXY the platform puts into the pod.
          - name: KAFKA_CONNECT_PROXY
            value: ""
          {{- else if .url }}
          - name: KAFKA_CONNECT_PROXY
            value: {{ trim .url | toJson }}
          {{- else if .existingSecret }}
          # The proxy URL with its credentials: a secret of the run, masked in every output.
          - name: KAFKA_CONNECT_PROXY
            valueFrom:
              secretKeyRef:
                name: {{ .existingSecret | toJson }}
                key: {{ .key | toJson }}
          {{- end }}
          {{- with .noProxy }}
          # Both cases: the binary reads no_proxy first, so an injected one cannot shadow it.
          - name: no_proxy
            value: {{ join "," . | toJson }}
          - name: NO_PROXY
            value: {{ join "," . | toJson }}
          {{- end }}
          {{- end }}
          {{- with $v.headers }}
          - name: KAFKA_CONNECT_HEADERS
            value: {{ $lines := list }}{{ range $name, $value := . }}{{ $lines = append $lines (printf "%s: %s" $name $value) }}{{ end }}{{ join "\n" $lines | toJson }}
          {{- end }}
          {{- with $v.headerSecrets }}
          - name: KAFKA_CONNECT_HEADER_FILES
            value: {{ $lines := list }}{{ range $name, $ref := . }}{{ $lines = append $lines (printf "%s: /etc/connect-deploy/headers/%s/%s" $name $ref.secretName $ref.key) }}{{ end }}{{ join "\n" $lines | toJson }}
          {{- end }}
          {{- with $v.extraEnv }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        # The binary writes a one-line summary to /dev/termination-log at exit;
        # when it could not (a crash), the tail of the log is used instead.
        terminationMessagePolicy: FallbackToLogsOnError
        {{- with $v.resources }}
        resources:
          {{- toYaml . | nindent 10 }}
        {{- end }}
        securityContext:
          runAsNonRoot: true
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
          {{- with $v.extraVolumeMounts }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
    volumes:
      - name: connector-definitions
        configMap:
          name: {{ include "connect-deploy.configMapName" $r | toJson }}
      {{- range $secretVolumes }}
      - name: {{ .name }}
        secret:
          secretName: {{ .secret | toJson }}
          {{- if kindIs "invalid" $security.fsGroup }}
          defaultMode: 292 # 0444: the platform's user is in no group of the files
          {{- else }}
          defaultMode: 288 # 0440
          {{- end }}
          items:
            {{- range (.items | uniq) }}
            - key: {{ . | toJson }}
              path: {{ . | toJson }}
            {{- end }}
      {{- end }}
      {{- with $v.extraVolumes }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
{{- end }}

{{/* A DURATION value as the variable's text: a number as whole seconds (never 1e+06). */}}
{{- define "connect-deploy.durationText" -}}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) }}{{ printf "%d" (int64 .) }}{{ else }}{{ toString . }}{{ end }}
{{- end }}
