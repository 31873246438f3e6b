//! The Kubernetes manifests under k8s/, and the Helm chart's renderings under
//! charts/connect-deploy/ci/rendered/, agree with the binary:
//! - every podFailurePolicy fails the Job at once on exactly the binary's permanent
//!   exit codes (`connect_deploy::base::exit::FAIL_JOB_CODES`), for the connect-deploy
//!   container, and ignores `DisruptionTarget` pod conditions (`status: "True"`);
//! - every Job that sets `activeDeadlineSeconds` gives connect-deploy a shorter
//!   `KAFKA_CONNECT_TIMEOUT`, so the binary reports 124 before Kubernetes kills it;
//! - a CronJob's Jobs have the same policy (a drift alarm, `--dry-run
//!   --detailed-exitcode`, also fails at once on 2, changes pending), never run two
//!   at once, and are kept by the history limits, not removed by a TTL;
//! - the release version is one: Cargo.toml's, in the chart, the manifests' image
//!   tags, the docs and the CHANGELOG (scripts/release-version moves them together).
//!
//! Plain string handling, no YAML crate: the manifests keep the lists this reads
//! in flow style on one line (`values: [64, 65, 66, 77, 78]`); block style is
//! understood too. Anything unexpected fails with the file and line.

use std::fs;
use std::path::{Path, PathBuf};

use connect_deploy::base::exit::{CHANGES_PENDING, FAIL_JOB_CODES};
use connect_deploy::options::parse_duration;

/// A meaningful line: comments and blank lines dropped, indentation measured.
#[derive(Debug, Clone)]
struct Line {
    number: usize,
    indent: usize,
    /// Trimmed, without a trailing comment.
    text: String,
}

impl Line {
    /// `key: value` of this line, with a leading `- ` removed; value may be empty.
    fn key_value(&self) -> Option<(&str, &str)> {
        let text = self
            .text
            .strip_prefix("- ")
            .unwrap_or(&self.text)
            .trim_start();
        if let Some(key) = text.strip_suffix(':') {
            return Some((key.trim(), ""));
        }
        let (key, value) = text.split_once(": ")?;
        Some((key.trim(), unquote(value.trim())))
    }

    fn value_of(&self, key: &str) -> Option<&str> {
        self.key_value().filter(|(k, _)| *k == key).map(|(_, v)| v)
    }

    fn is_item(&self) -> bool {
        self.text == "-" || self.text.starts_with("- ")
    }
}

struct Manifest {
    path: PathBuf,
    lines: Vec<Line>,
}

impl Manifest {
    fn load(path: &Path) -> Manifest {
        let source = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        Manifest::parse(path, &source)
    }

    fn parse(path: &Path, source: &str) -> Manifest {
        let lines = source
            .lines()
            .enumerate()
            .filter_map(|(i, raw)| {
                let text = strip_comment(raw).trim_end();
                let trimmed = text.trim_start();
                if trimmed.is_empty() || trimmed == "---" {
                    return None;
                }
                Some(Line {
                    number: i + 1,
                    indent: text.len() - trimmed.len(),
                    text: trimmed.to_string(),
                })
            })
            .collect();
        Manifest {
            path: path.to_path_buf(),
            lines,
        }
    }

    /// One manifest per YAML document (`---`), each keeping the file's line numbers.
    fn documents(path: &Path) -> Vec<Manifest> {
        let source = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let lines: Vec<&str> = source.lines().collect();
        let mut starts: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].trim_end() == "---")
            .collect();
        starts.insert(0, 0);
        starts.push(lines.len());
        starts
            .windows(2)
            .map(|w| {
                // The other documents' lines become blank: numbers stay the file's.
                let text: Vec<&str> = (0..lines.len())
                    .map(|i| {
                        if (w[0]..w[1]).contains(&i) {
                            lines[i]
                        } else {
                            ""
                        }
                    })
                    .collect();
                Manifest::parse(path, &text.join("\n"))
            })
            .filter(|m| !m.lines.is_empty())
            .collect()
    }

    fn display(&self) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        self.path
            .strip_prefix(root)
            .unwrap_or(&self.path)
            .display()
            .to_string()
    }

    fn fail(&self, line: Option<&Line>, message: &str) -> ! {
        match line {
            Some(l) => panic!("{}:{}: {message}\n    {}", self.display(), l.number, l.text),
            None => panic!("{}: {message}", self.display()),
        }
    }

    /// Indices of the lines whose key is `key` (any depth).
    fn find_key(&self, key: &str) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| self.lines[i].key_value().is_some_and(|(k, _)| k == key))
            .collect()
    }

    /// The lines nested under the key on line `i`: those indented deeper than the
    /// key, and a list at the key's own column (`containers:` then `- name: x`).
    /// A key that opens a list item (`- env:`) sits two columns right of the dash.
    fn block(&self, i: usize) -> &[Line] {
        let head = &self.lines[i];
        let column = if head.is_item() {
            head.indent + 2
        } else {
            head.indent
        };
        let end = self.lines[i + 1..]
            .iter()
            .position(|l| l.indent < column || (l.indent == column && !l.is_item()))
            .map_or(self.lines.len(), |p| i + 1 + p);
        &self.lines[i + 1..end]
    }

    fn kinds(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter(|l| l.indent == 0)
            .filter_map(|l| l.value_of("kind"))
            .collect()
    }

    /// The names of the containers listed under `containers:` and `initContainers:`.
    fn container_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for key in ["containers", "initContainers"] {
            for i in self.find_key(key) {
                for item in split_items(self.block(i)) {
                    if let Some(name) = item_value(item, "name") {
                        names.push(name.to_string());
                    }
                }
            }
        }
        names
    }
}

/// The value of `key` at the top level of a list item (`- key: v` or `  key: v`),
/// not in the maps nested deeper (such as an env var's `valueFrom`).
fn item_value<'a>(item: &'a [Line], key: &str) -> Option<&'a str> {
    let indent = item.first()?.indent;
    item.iter()
        .filter(|l| l.indent == indent || (l.indent == indent + 2 && !l.is_item()))
        .find_map(|l| l.value_of(key))
}

/// Splits a block holding one YAML list into its items (each starts with `- `).
fn split_items(block: &[Line]) -> Vec<&[Line]> {
    let Some(first) = block.iter().position(Line::is_item) else {
        return Vec::new();
    };
    let indent = block[first].indent;
    let starts: Vec<usize> = (first..block.len())
        .filter(|&i| block[i].indent == indent && block[i].is_item())
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, &s)| &block[s..starts.get(n + 1).copied().unwrap_or(block.len())])
        .collect()
}

fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    // A comment starts at " #" outside quotes.
    let (mut single, mut double) = (false, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && i > 0 && bytes[i - 1] == b' ' => return &line[..i],
            _ => {}
        }
    }
    line
}

fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// `values:` of a rule: `[64, 65]` on the line, or `- 64` items under it.
fn exit_code_values(m: &Manifest, rule: &[Line]) -> Vec<u32> {
    let at = rule
        .iter()
        .position(|l| l.value_of("values").is_some())
        .unwrap_or_else(|| m.fail(rule.first(), "the FailJob rule has no onExitCodes.values"));
    let line = &rule[at];
    let value = line.value_of("values").unwrap();
    let parse = |s: &str| -> u32 {
        unquote(s.trim())
            .parse()
            .unwrap_or_else(|_| m.fail(Some(line), &format!("'{s}' is not an exit code")))
    };
    if value.is_empty() {
        let items: Vec<&Line> = rule[at + 1..]
            .iter()
            .take_while(|l| l.indent >= line.indent && l.is_item() && l.key_value().is_none())
            .collect();
        if items.is_empty() {
            m.fail(Some(line), "values: is empty");
        }
        return items.iter().map(|l| parse(&l.text[2..])).collect();
    }
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or_else(|| m.fail(Some(line), "expected values: [64, 65, ...] on one line"));
    inner
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(parse)
        .collect()
}

/// Checks one podFailurePolicy (the block under line `at`).
fn check_pod_failure_policy(m: &Manifest, at: usize) {
    let head = &m.lines[at];
    let policy = m.block(at);
    let rules_at = policy
        .iter()
        .position(|l| l.value_of("rules").is_some())
        .unwrap_or_else(|| m.fail(Some(head), "podFailurePolicy has no rules"));
    let rules_indent = policy[rules_at].indent;
    let rules_block: Vec<Line> = policy[rules_at + 1..]
        .iter()
        .take_while(|l| l.indent > rules_indent || (l.indent == rules_indent && l.is_item()))
        .cloned()
        .collect();
    let rules = split_items(&rules_block);
    if rules.is_empty() {
        m.fail(Some(&policy[rules_at]), "podFailurePolicy.rules is empty");
    }

    let value = |rule: &[Line], key: &str| {
        rule.iter()
            .find_map(|l| l.value_of(key))
            .map(str::to_string)
    };
    let fail_job: Vec<&[Line]> = rules
        .iter()
        .copied()
        .filter(|r| value(r, "action").as_deref() == Some("FailJob"))
        .collect();
    let [rule] = fail_job[..] else {
        m.fail(
            Some(head),
            &format!(
                "expected exactly one FailJob rule, found {}",
                fail_job.len()
            ),
        );
    };
    if value(rule, "onExitCodes").is_none() {
        m.fail(rule.first(), "the FailJob rule must match onExitCodes");
    }
    match value(rule, "operator").as_deref() {
        Some("In") => {}
        other => m.fail(
            rule.first(),
            &format!("the FailJob rule's operator must be In, not {other:?}"),
        ),
    }
    let container = value(rule, "containerName").unwrap_or_else(|| {
        m.fail(
            rule.first(),
            "the FailJob rule must name the connect-deploy container",
        )
    });
    if container != "connect-deploy" {
        m.fail(
            rule.first(),
            &format!("containerName is '{container}', expected connect-deploy"),
        );
    }
    let containers = m.container_names();
    if !containers.contains(&container) {
        m.fail(
            rule.first(),
            &format!("containerName '{container}' is not one of the containers {containers:?}"),
        );
    }

    let listed = exit_code_values(m, rule);
    let mut codes = listed.clone();
    codes.sort_unstable();
    codes.dedup();
    if codes.len() != listed.len() {
        m.fail(rule.first(), &format!("duplicate exit codes in {listed:?}"));
    }
    let mut expected: Vec<u32> = FAIL_JOB_CODES.iter().map(|&c| u32::from(c)).collect();
    // A drift alarm's "changes pending" is its verdict: retrying cannot change it.
    let alarm = m
        .lines
        .iter()
        .any(|l| l.text.contains("--detailed-exitcode"));
    if alarm {
        expected.push(u32::from(CHANGES_PENDING));
    }
    expected.sort_unstable();
    if codes != expected {
        m.fail(
            rule.first(),
            &format!(
                "the FailJob exit codes {codes:?} differ from the binary's permanent exit codes \
                 connect_deploy::base::exit::FAIL_JOB_CODES{} {expected:?}",
                if alarm {
                    " and CHANGES_PENDING (a drift alarm)"
                } else {
                    ""
                }
            ),
        );
    }

    // `status: "True"` is what the rule means; Kubernetes 1.31 to 1.34 also
    // reject a pattern without it (their schemas require the field).
    let ignores_disruption = rules.iter().any(|r| {
        value(r, "action").as_deref() == Some("Ignore")
            && value(r, "onPodConditions").is_some()
            && value(r, "type").as_deref() == Some("DisruptionTarget")
            && value(r, "status").as_deref() == Some("True")
    });
    if !ignores_disruption {
        m.fail(
            Some(head),
            "podFailurePolicy must Ignore the DisruptionTarget pod condition with status: \"True\"",
        );
    }

    // Kubernetes accepts a podFailurePolicy only with restartPolicy: Never.
    let restart: Vec<&str> = m
        .lines
        .iter()
        .filter_map(|l| l.value_of("restartPolicy"))
        .collect();
    if restart != ["Never"] {
        m.fail(
            None,
            &format!("a Job with a podFailurePolicy needs restartPolicy: Never, found {restart:?}"),
        );
    }
}

/// A DURATION in milliseconds, read by the binary's own parser (`1.5m` included).
fn parse_duration_ms(text: &str) -> Option<u64> {
    let duration = parse_duration(text).ok()?;
    u64::try_from(duration.as_millis()).ok()
}

/// The value of the env var `name` in the manifest: (line, value).
fn env_value<'a>(m: &'a Manifest, name: &str) -> Option<(&'a Line, String)> {
    for i in m.find_key("env") {
        for item in split_items(m.block(i)) {
            if item_value(item, "name") == Some(name) {
                let Some(value) = item_value(item, "value") else {
                    m.fail(
                        Some(&item[0]),
                        &format!("{name} has no plain value: (valueFrom is not checked)"),
                    )
                };
                let line = item
                    .iter()
                    .find(|l| l.value_of("value") == Some(value))
                    .unwrap_or(&item[0]);
                return Some((line, value.to_string()));
            }
        }
    }
    None
}

/// When the manifest sets activeDeadlineSeconds, KAFKA_CONNECT_TIMEOUT must be set
/// and shorter. Returns whether it checked anything.
fn check_timeout_below_deadline(m: &Manifest) -> bool {
    let deadlines: Vec<&Line> = m
        .lines
        .iter()
        .filter(|l| l.value_of("activeDeadlineSeconds").is_some())
        .collect();
    let [deadline_line] = deadlines[..] else {
        if deadlines.len() > 1 {
            m.fail(Some(deadlines[1]), "more than one activeDeadlineSeconds");
        }
        return false;
    };
    let deadline_s: u64 = deadline_line
        .value_of("activeDeadlineSeconds")
        .unwrap()
        .parse()
        .unwrap_or_else(|_| {
            m.fail(
                Some(deadline_line),
                "activeDeadlineSeconds is not a whole number",
            )
        });
    let (timeout_line, timeout) = env_value(m, "KAFKA_CONNECT_TIMEOUT").unwrap_or_else(|| {
        m.fail(
            Some(deadline_line),
            "KAFKA_CONNECT_TIMEOUT must be set below activeDeadlineSeconds (the binary's default is 5m)",
        )
    });
    let timeout_ms = parse_duration_ms(&timeout).unwrap_or_else(|| {
        m.fail(
            Some(timeout_line),
            &format!("'{timeout}' is not a duration (Nms, Ns, Nm, Nh or N seconds)"),
        )
    });
    if timeout_ms >= deadline_s.saturating_mul(1000) {
        m.fail(
            Some(timeout_line),
            &format!("KAFKA_CONNECT_TIMEOUT {timeout} is not shorter than activeDeadlineSeconds {deadline_s}"),
        );
    }
    true
}

fn k8s_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("k8s")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn job_fails_at_once_on_exactly_the_permanent_exit_codes() {
    let m = Manifest::load(&k8s_dir().join("job.yaml"));
    let policies = m.find_key("podFailurePolicy");
    let [at] = policies[..] else {
        m.fail(
            None,
            &format!("expected one podFailurePolicy, found {}", policies.len()),
        );
    };
    check_pod_failure_policy(&m, at);
}

#[test]
fn job_timeout_is_shorter_than_its_active_deadline() {
    let m = Manifest::load(&k8s_dir().join("job.yaml"));
    assert!(
        check_timeout_below_deadline(&m),
        "{}: no activeDeadlineSeconds",
        m.display()
    );
}

#[test]
fn examples_agree_with_the_binary_too() {
    let mut files = Vec::new();
    yaml_files(&k8s_dir().join("examples"), &mut files);
    let mut policies = 0;
    for path in &files {
        let m = Manifest::load(path);
        let kinds = m.kinds();
        let found = m.find_key("podFailurePolicy");
        // A Job manifest of its own must have the policy (a kustomize patch that
        // mentions `kind: Job` further in does not count: kinds() reads column 0).
        if (kinds.contains(&"Job") || kinds.contains(&"CronJob")) && found.is_empty() {
            m.fail(
                None,
                "a Job that runs connect-deploy needs the podFailurePolicy of k8s/job.yaml",
            );
        }
        if kinds.contains(&"CronJob") {
            check_cron_job(&m);
        }
        for at in found {
            check_pod_failure_policy(&m, at);
            policies += 1;
        }
        check_timeout_below_deadline(&m);
    }
    assert!(
        policies > 0,
        "no example under k8s/examples has a podFailurePolicy: is the directory missing?"
    );
}

/// The Helm chart as rendered for each values file of its test matrix. Rendering
/// needs Helm, so scripts/check-helm keeps these files equal to a fresh rendering
/// (and fails when they differ); this test ties them to the binary.
#[test]
fn helm_chart_renderings_agree_with_the_binary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("charts/connect-deploy/ci/rendered");
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    assert!(
        files.len() >= 2,
        "{}: expected the chart's renderings (scripts/check-helm --update writes them)",
        dir.display()
    );
    let mut cron_jobs = 0;
    for path in &files {
        let mut runners = 0;
        for m in Manifest::documents(path) {
            let kinds = m.kinds();
            if !kinds.contains(&"Job") && !kinds.contains(&"CronJob") {
                continue;
            }
            runners += 1;
            let policies = m.find_key("podFailurePolicy");
            let [at] = policies[..] else {
                m.fail(
                    None,
                    &format!("expected one podFailurePolicy, found {}", policies.len()),
                );
            };
            check_pod_failure_policy(&m, at);
            assert!(
                check_timeout_below_deadline(&m),
                "{}: no activeDeadlineSeconds",
                m.display()
            );
            if kinds.contains(&"CronJob") {
                check_cron_job(&m);
                cron_jobs += 1;
            }
        }
        if runners == 0 {
            Manifest::load(path).fail(None, "a rendering of the chart without its Job or CronJob");
        }
    }
    assert!(
        cron_jobs >= 2,
        "expected the chart's CronJob in at least two renderings (repair and alarm), found {cron_jobs}"
    );
}

/// A CronJob running connect-deploy: one run at a time, and its finished Jobs kept
/// by the history limits (a TTL would delete the failed Job that is the alarm).
fn check_cron_job(m: &Manifest) {
    let value = |key: &str| m.lines.iter().find_map(|l| l.value_of(key));
    if value("concurrencyPolicy") != Some("Forbid") {
        m.fail(
            None,
            "a CronJob of connect-deploy needs concurrencyPolicy: Forbid",
        );
    }
    for key in ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
        if value(key).is_none_or(|v| v.parse::<u32>().is_err()) {
            m.fail(None, &format!("a CronJob of connect-deploy needs {key}"));
        }
    }
    if let Some(l) = m
        .lines
        .iter()
        .find(|l| l.value_of("ttlSecondsAfterFinished").is_some())
    {
        m.fail(
            Some(l),
            "a CronJob's Jobs are kept by its history limits: a TTL would remove a failed run",
        );
    }
    if m.find_key("jobTemplate").is_empty() {
        m.fail(None, "a CronJob without jobTemplate");
    }
}

#[test]
fn connector_definition_keeps_the_seed_numbers_as_json_numbers() {
    let path = k8s_dir().join("connectors/clicks-datagen-connector.json");
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    for needle in [
        r#""name": "clicks""#,
        r#""max.interval": 1000,"#,
        r#""iterations": -1,"#,
    ] {
        assert!(text.contains(needle), "{} lost {needle}", path.display());
    }
}

#[test]
fn parser_self_check() {
    assert_eq!(parse_duration_ms("5m"), Some(300_000));
    assert_eq!(parse_duration_ms("90s"), Some(90_000));
    assert_eq!(parse_duration_ms("1h"), Some(3_600_000));
    assert_eq!(parse_duration_ms("500ms"), Some(500));
    assert_eq!(parse_duration_ms("120"), Some(120_000));
    assert_eq!(parse_duration_ms("2.5m"), Some(150_000));
    assert_eq!(parse_duration_ms("5 m"), None);
    assert_eq!(parse_duration_ms("m"), None);
    assert_eq!(
        strip_comment("values: [64, 65] # note"),
        "values: [64, 65] "
    );
    assert_eq!(strip_comment(r#"value: "a # b""#), r#"value: "a # b""#);

    // Kustomize's rendering style: lists at their key's indent, block-style values.
    let rendered = "spec:\n  podFailurePolicy:\n    rules:\n    - action: Ignore\n      onPodConditions:\n      - type: DisruptionTarget\n        status: \"True\"\n    - action: FailJob\n      onExitCodes:\n        containerName: connect-deploy\n        operator: In\n        values:\n        - 78\n        - 77\n        - 66\n        - 65\n        - 64\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - env:\n        - name: KAFKA_CONNECT_TIMEOUT\n          value: \"59s\"\n        image: x\n        name: connect-deploy\n  activeDeadlineSeconds: 60\n";
    let m = Manifest::parse(Path::new("rendered.yaml"), rendered);
    assert_eq!(m.container_names(), ["connect-deploy"]);
    check_pod_failure_policy(&m, m.find_key("podFailurePolicy")[0]);
    assert!(check_timeout_below_deadline(&m));

    // And the checks do fail: a retryable code among the FailJob ones, a timeout too long.
    let wrong = rendered.replace("- 66\n", "- 124\n");
    let m = Manifest::parse(Path::new("wrong.yaml"), &wrong);
    let err = std::panic::catch_unwind(|| {
        check_pod_failure_policy(&m, m.find_key("podFailurePolicy")[0])
    })
    .expect_err("a wrong exit code list must fail");
    let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("differ from the binary's permanent exit codes"),
        "{message}"
    );
    // An Ignore rule without status: "True" (rejected by Kubernetes 1.31 to 1.34).
    let statusless = rendered.replace("        status: \"True\"\n", "");
    let m = Manifest::parse(Path::new("statusless.yaml"), &statusless);
    let at = m.find_key("podFailurePolicy")[0];
    assert!(std::panic::catch_unwind(|| check_pod_failure_policy(&m, at)).is_err());
    let late = rendered.replace("\"59s\"", "1m");
    let m = Manifest::parse(Path::new("late.yaml"), &late);
    assert!(std::panic::catch_unwind(|| check_timeout_below_deadline(&m)).is_err());
}

/// Text files under `dir` (recursively) whose names end in one of `extensions`.
fn text_files(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            text_files(&path, extensions, out);
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            out.push(path);
        }
    }
}

/// Every place that names the release version names Cargo.toml's: the chart's
/// version and appVersion, every `ghcr.io/connect-deploy/connect-deploy:TAG` (and
/// the chart's `ghcr.io/connect-deploy/charts/connect-deploy:TAG`) of the
/// manifests, the chart and the docs, the kustomizations' `newTag`, the
/// chart's `--version` in the docs, the Dockerfile's default, and a CHANGELOG
/// section. scripts/release-version moves them together; this finds the one it
/// missed (and the one a hand edit changed).
#[test]
fn release_version_is_the_same_everywhere() {
    let version = env!("CARGO_PKG_VERSION");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut wrong = Vec::new();
    let chart = fs::read_to_string(root.join("charts/connect-deploy/Chart.yaml"))
        .expect("charts/connect-deploy/Chart.yaml");
    for (key, want) in [
        ("version: ", version.to_string()),
        ("appVersion: ", format!("\"{version}\"")),
    ] {
        let found: Vec<&str> = chart.lines().filter_map(|l| l.strip_prefix(key)).collect();
        if found != [want.as_str()] {
            wrong.push(format!(
                "charts/connect-deploy/Chart.yaml: {key}{found:?}, want {want}"
            ));
        }
    }
    let dockerfile = fs::read_to_string(root.join("Dockerfile")).expect("Dockerfile");
    if !dockerfile.contains(&format!("\nARG VERSION={version}\n")) {
        wrong.push(format!("Dockerfile: no 'ARG VERSION={version}'"));
    }
    let changelog = fs::read_to_string(root.join("CHANGELOG.md")).expect("CHANGELOG.md");
    if !changelog
        .lines()
        .any(|l| l.starts_with(&format!("## [{version}] - ")))
    {
        wrong.push(format!("CHANGELOG.md: no section '## [{version}] - DATE'"));
    }

    let mut files = Vec::new();
    for dir in ["k8s", "charts", "docs"] {
        text_files(&root.join(dir), &["yaml", "yml", "md"], &mut files);
    }
    files.push(root.join("README.md"));
    let image = "ghcr.io/connect-deploy/connect-deploy:";
    let chart_artifact = "ghcr.io/connect-deploy/charts/connect-deploy:";
    let mut tags = 0;
    for path in &files {
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        let shown = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        let kustomization = path.ends_with("kustomization.yaml");
        for (n, line) in text.lines().enumerate() {
            let mut found: Vec<&str> = [image, chart_artifact]
                .iter()
                .flat_map(|name| line.match_indices(*name).map(|(at, _)| at + name.len()))
                .map(|start| {
                    let rest = &line[start..];
                    let end = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || ".-_".contains(c)))
                        .unwrap_or(rest.len());
                    rest[..end].trim_end_matches('.')
                })
                .collect();
            if kustomization && let Some(tag) = line.trim().strip_prefix("newTag: ") {
                found.push(tag);
            }
            if line.contains("oci://ghcr.io/connect-deploy/charts/connect-deploy")
                && let Some((_, rest)) = line.split_once("--version ")
            {
                found.push(rest.split_whitespace().next().unwrap_or(""));
            }
            for tag in found {
                tags += 1;
                // A placeholder in prose (TAG, VERSION, X.Y.Z) is no version.
                if tag != version && tag.starts_with(|c: char| c.is_ascii_digit()) {
                    wrong.push(format!("{shown}:{}: {tag}, want {version}", n + 1));
                }
            }
        }
    }
    assert!(
        tags >= 5,
        "found only {tags} image tags: are k8s/ and the chart's renderings missing?"
    );
    assert!(
        wrong.is_empty(),
        "these places name another version than Cargo.toml's {version} \
         (scripts/release-version moves them all):\n  {}",
        wrong.join("\n  ")
    );
}
