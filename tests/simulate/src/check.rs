//! The invariants, checked after every run from what the fake recorded.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use fake_connect::{Answer, Applied, Request};
use serde_json::Value;

use crate::scenario::{Offsets, Scenario, glob_match};

/// What one run did, as the simulator and the fake saw it.
#[derive(Debug, Clone)]
pub struct Run {
    pub started: Instant,
    pub ended: Instant,
    /// Exit status, or the signal that killed it.
    pub code: Option<i32>,
    pub killed_by: Option<i32>,
    /// Still running long after the deadline; the simulator killed it.
    pub hung: bool,
    /// When the planned signal was sent (None: not sent, the run had ended).
    pub signalled_at: Option<Instant>,
    pub stdout: String,
    pub stderr: String,
    pub termination: String,
    pub max_rss_kb: i64,
    pub requests: Vec<Request>,
    pub answers: Vec<Answer>,
    pub applied: Vec<Applied>,
    /// Connectors on the worker at the end, with their stored offsets, and whether
    /// each is STOPPED and still carries connect-deploy's mark of an unfinished
    /// create (the next run makes it anew).
    pub final_connectors: Vec<(String, Vec<Value>, bool)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// A short, stable kind (the catalogue groups by it).
    pub kind: String,
    pub detail: String,
}

pub const MEMORY_LIMIT_KB: i64 = 64 * 1024;
/// Slack on top of the promised second, for a loaded 2-core machine.
pub const SLACK: Duration = Duration::from_millis(500);

const DOCUMENTED: &[i32] = &[0, 1, 2, 64, 65, 66, 69, 77, 78, 124, 130, 143];

fn v(kind: &str, detail: String) -> Violation {
    Violation {
        kind: kind.into(),
        detail,
    }
}

fn is_config_write(method: &str, path: &str) -> bool {
    let p = path.split('?').next().unwrap_or("");
    (method == "POST" && p == "/connectors")
        || (method == "PUT" && p.starts_with("/connectors/") && p.ends_with("/config"))
}

fn is_write(method: &str, path: &str) -> bool {
    path.starts_with("/connectors") && matches!(method, "PUT" | "POST" | "PATCH" | "DELETE")
}

fn is_validate(path: &str) -> bool {
    path.starts_with("/connector-plugins/") && path.contains("/validate")
}

/// An answer no retry changes: Connect rejected the request.
fn permanent(a: &Answer) -> bool {
    let m = a.request.method.as_str();
    let p = a.request.path.as_str();
    if m == "GET" && (p.starts_with("/connectors?") || p == "/connectors") {
        // A listing refused (a worker without `?expand`), or the names asked for
        // the connectors it left out, has a fallback: each connector read alone.
        return false;
    }
    if m == "GET" && p.starts_with("/connector-plugins/") && p.ends_with("/config") {
        // A plugin's key types refused: the name rules decide which values are secret.
        return false;
    }
    match a.status {
        401 | 403 => false,
        // A DELETE answered 404: already gone, which is what was wanted.
        404 => is_write(m, p) && m != "DELETE",
        409 => a.body.contains("already exists"),
        400..=499 => true,
        500 => {
            // Connect's own answer, however slowly its body came.
            matches!(a.chaos, "" | "slow")
                && (a.body.contains("Failed to find any class")
                    || a.body.contains("'position' key")
                    || a.body.contains("Cannot deserialize")
                    || a.body.contains("Unrecognized field"))
        }
        200 => {
            is_validate(p)
                && serde_json::from_str::<Value>(&a.body)
                    .ok()
                    .and_then(|b| b["error_count"].as_u64())
                    .is_some_and(|n| n > 0)
        }
        _ => false,
    }
}

fn transient(a: &Answer) -> bool {
    !a.chaos.is_empty() || a.status == 409 || (a.status >= 500 && !permanent(a))
}

/// Connector name of an answer (path or body).
fn name_of(r: &Request) -> Option<String> {
    fake_connect::connector_of(r)
}

pub fn check(s: &Scenario, run: &Run) -> Vec<Violation> {
    let mut out = Vec::new();
    let elapsed = run.ended - run.started;
    let names: BTreeSet<&str> = s.defs.iter().map(|d| d.name.as_str()).collect();

    // 1. Time, crashes.
    if run.hung {
        out.push(v(
            "time.hung",
            format!(
                "still running {:.1}s after start (timeout {:.1}s); killed",
                elapsed.as_secs_f64(),
                s.timeout.as_secs_f64()
            ),
        ));
    }
    // Killed by the very signal we sent (before its handler was installed) is
    // what a container runtime reports as 128 + signal: not flagged.
    if let Some(sig) = run.killed_by
        && !run.hung
        && s.signal.map(|(_, planned)| planned) != Some(sig)
    {
        out.push(v("crash.signal", format!("killed by signal {sig}")));
    }
    if let Some(code) = run.code
        && !DOCUMENTED.contains(&code)
    {
        out.push(v("crash.code", format!("undocumented exit code {code}")));
    }
    for (channel, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        if text.contains("panicked at") || text.contains("internal error") {
            out.push(v("crash.panic", format!("a panic message on {channel}")));
        }
    }
    match run.signalled_at {
        Some(at) => {
            let after = run.ended.saturating_duration_since(at);
            if after > Duration::from_secs(1) + SLACK && !run.hung {
                out.push(v(
                    "time.signal",
                    format!("ended {:.2}s after the signal", after.as_secs_f64()),
                ));
            }
        }
        None => {
            if elapsed > s.timeout + Duration::from_secs(1) + SLACK && !run.hung {
                out.push(v(
                    "time.deadline",
                    format!(
                        "ended {:.2}s after start, timeout {:.2}s",
                        elapsed.as_secs_f64(),
                        s.timeout.as_secs_f64()
                    ),
                ));
            }
        }
    }
    if run.max_rss_kb > MEMORY_LIMIT_KB {
        out.push(v(
            "memory",
            format!(
                "peak RSS {} KB (limit {} KB){}",
                run.max_rss_kb,
                MEMORY_LIMIT_KB,
                if s.big_input {
                    ", with a huge reference"
                } else {
                    ""
                }
            ),
        ));
    }
    let Some(code) = run.code else { return out };
    let signal_code = s
        .signal
        .map(|(_, sig)| if sig == libc::SIGINT { 130 } else { 143 });
    let stopped = run.signalled_at.is_some() && Some(code) == signal_code;

    // 2. One report, truthful.
    let report: Option<Value> = if s.json {
        let reports: Vec<Value> = run
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(Value::is_object)
            .collect();
        if reports.len() != 1 {
            out.push(v(
                "report.count",
                format!("{} JSON reports on stdout (exit {code})", reports.len()),
            ));
        }
        reports.into_iter().last()
    } else {
        let summaries = run
            .stdout
            .lines()
            .filter(|l| l.starts_with("summary: "))
            .count();
        if summaries != 1 {
            out.push(v(
                "report.count",
                format!("{summaries} summary lines on stdout (exit {code})"),
            ));
        }
        None
    };
    if run.signalled_at.is_some() && signal_code != Some(code) {
        let finished_anyway = report
            .as_ref()
            .is_none_or(|r| r.get("stopped_by").is_none());
        if !finished_anyway || code == 130 || code == 143 {
            out.push(v(
                "exit.signal",
                format!(
                    "exit {code} after signal (expected {})",
                    signal_code.unwrap_or(0)
                ),
            ));
        }
    }
    let written: BTreeSet<String> = run
        .applied
        .iter()
        .filter(|a| is_config_write(&a.method, &a.path))
        .map(|a| a.name.clone())
        .collect();
    // An earlier run's unfinished create is made anew: this run's to create.
    let existed: BTreeSet<&str> = s
        .existing
        .iter()
        .filter(|e| !e.unfinished)
        .map(|e| e.name.as_str())
        .collect();
    let unfinished: BTreeSet<&str> = s
        .existing
        .iter()
        .filter(|e| e.unfinished)
        .map(|e| e.name.as_str())
        .collect();
    let created: BTreeSet<String> = run
        .applied
        .iter()
        .filter(|a| is_config_write(&a.method, &a.path) && a.status == 201)
        .map(|a| a.name.clone())
        .collect();
    if let Some(r) = &report {
        if r["exit_code"].as_i64() != Some(i64::from(code)) {
            out.push(v(
                "report.exit_code",
                format!(
                    "report says exit {}, the process exited {code}",
                    r["exit_code"]
                ),
            ));
        }
        if r["dry_run"].as_bool() != Some(s.dry_run) {
            out.push(v(
                "report.dry_run",
                format!(
                    "report says dry_run {}, the run was {}a dry run{}",
                    r["dry_run"],
                    if s.dry_run { "" } else { "not " },
                    if stopped {
                        " (stopped by a signal)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if stopped && r.get("stopped_by").is_none() {
            out.push(v(
                "report.stopped_by",
                format!("exit {code} without stopped_by"),
            ));
        }
        let connectors = r["connectors"].as_array().cloned().unwrap_or_default();
        // `failed` counts outcomes; the others what was done to the config, even
        // when a later step failed (docs/behaviour.md).
        let count = |o: &str| {
            let field = if o == "failed" { "outcome" } else { "applied" };
            connectors.iter().filter(|c| c[field] == o).count() as u64
        };
        for key in [
            "created",
            "updated",
            "unchanged",
            "failed",
            "would_create",
            "would_update",
            "deleted",
            "would_delete",
        ] {
            if r["totals"][key].as_u64() != Some(count(key)) {
                out.push(v(
                    "report.totals",
                    format!(
                        "totals.{key} = {} but {} connectors say so",
                        r["totals"][key],
                        count(key)
                    ),
                ));
            }
        }
        if code == 0 && count("failed") > 0 {
            out.push(v(
                "exit.0_with_failures",
                format!("exit 0 with {} failed connectors", count("failed")),
            ));
        }
        let mut seen = BTreeSet::new();
        for c in &connectors {
            let name = c["name"].as_str().unwrap_or("");
            let outcome = c["outcome"].as_str().unwrap_or("");
            if outcome == "deleted" || outcome == "would_delete" {
                continue;
            }
            if !seen.insert(name.to_string()) {
                out.push(v(
                    "report.duplicate",
                    format!("connector {name:?} listed twice"),
                ));
            }
            let applied = c["applied"].as_str().unwrap_or(outcome);
            if (outcome == "unchanged" || applied == "unchanged") && written.contains(name) {
                let how: Vec<&str> = run
                    .applied
                    .iter()
                    .filter(|a| a.name == name && is_config_write(&a.method, &a.path))
                    .map(|a| if a.how.is_empty() { "answered" } else { a.how })
                    .collect();
                out.push(v(
                    "report.unchanged_written",
                    format!(
                        "{name:?} reported unchanged, but this run wrote it ({})",
                        how.join(", ")
                    ),
                ));
            }
            if (outcome == "created" || outcome == "updated") && !written.contains(name) {
                out.push(v(
                    "report.phantom_write",
                    format!("{name:?} reported {outcome}, the worker recorded no write"),
                ));
            }
            if s.dry_run && (outcome == "created" || outcome == "updated" || outcome == "deleted") {
                out.push(v(
                    "report.dry_run",
                    format!("{name:?} reported {outcome} in a dry run"),
                ));
            }
        }
        // The deadline may end a run still reading its definitions (a 1 MiB
        // reference in a debug build): until it says they are loaded, it cannot
        // name them.
        let loaded = run.stderr.contains("definition(s) loaded");
        if run.signalled_at.is_none()
            && s.bad.is_none()
            && matches!(s.stdin, crate::scenario::Stdin::Null)
            && ![64, 65, 66].contains(&code)
            && (loaded || r.get("stopped_by").is_none())
        {
            for n in &names {
                if !seen.contains(*n) {
                    out.push(v(
                        "report.missing",
                        format!("{n:?} missing from the report (exit {code})"),
                    ));
                }
            }
        }
        // A connector finished well before the signal must be in the signal's report.
        if let Some(at) = run.signalled_at
            && stopped
            && !s.wait_running
        {
            for d in &s.defs {
                if d.offsets.is_some()
                    || d.state.is_some_and(|st| st != "RUNNING")
                    || seen.contains(&d.name)
                {
                    continue;
                }
                let mine: Vec<&Answer> = run
                    .answers
                    .iter()
                    .filter(|a| name_of(&a.request).as_deref() == Some(d.name.as_str()))
                    .collect();
                if let Some(last) = mine.last()
                    && is_config_write(&last.request.method, &last.request.path)
                    && (200..300).contains(&last.status)
                    && last.chaos.is_empty()
                    && last.done + Duration::from_millis(500) < at
                {
                    out.push(v("report.signal_missing_finished", format!("{:?} was written {:.1}s before the signal but is missing from the report", d.name, (at - last.done).as_secs_f64())));
                }
            }
        }
    }

    // 3. The exit code, against what the worker answered.
    let any_denied = run
        .answers
        .iter()
        .any(|a| a.status == 401 || a.status == 403);
    let any_permanent = run.answers.iter().any(permanent);
    // Besides what the worker answered, the run's own input can take the time: a
    // standard input that never closes, a 1 MiB reference to read and mask (about
    // a second in a debug build on a loaded machine).
    let any_transient = run.answers.iter().any(transient)
        || !matches!(s.stdin, crate::scenario::Stdin::Null)
        || s.big_input;
    let odd = run.answers.iter().any(|a| {
        !a.chaos.is_empty() && a.chaos != "storm" && a.chaos != "stuck"
            || (a.status == 500 && !permanent(a) && a.chaos.is_empty())
    });
    let writes: Vec<&Request> = run
        .requests
        .iter()
        .filter(|r| is_write(&r.method, &r.path))
        .collect();
    if let Some((what, codes)) = &s.bad {
        if !stopped && !codes.contains(&code) {
            out.push(v(
                "exit.bad_input",
                format!("exit {code} for {what} (expected {codes:?})"),
            ));
        }
        if !writes.is_empty() {
            out.push(v(
                "write.bad_input",
                format!("{} writes despite {what}", writes.len()),
            ));
        }
    } else if !stopped && run.signalled_at.is_none() {
        if code == 64 || code == 65 || code == 66 {
            let first = run
                .stderr
                .lines()
                .find(|l| l.contains("error"))
                .unwrap_or("")
                .chars()
                .take(200)
                .collect::<String>();
            out.push(v(
                "exit.refused_valid_input",
                format!("exit {code} for valid input: {first}"),
            ));
        }
        if code == 77 && !any_denied {
            out.push(v(
                "exit.77_without_denial",
                "exit 77, the worker never answered 401/403".into(),
            ));
        }
        if code == 0 && any_denied {
            out.push(v("exit.0_after_denial", "exit 0 after a 401/403".into()));
        }
        // The names of every connector refused to --prune: no fallback there, so
        // a 4xx is the permanent answer it is everywhere else (README: 78).
        let prune_listing_refused = s.prune_scope.is_some()
            && run.answers.iter().any(|a| {
                a.request.method == "GET"
                    && a.request.path == "/connectors"
                    && (400..=499).contains(&a.status)
                    && !matches!(a.status, 401 | 403 | 404 | 408 | 409 | 429)
            });
        if code == 78 && !any_permanent && !prune_listing_refused {
            let kinds: BTreeSet<&str> = run
                .answers
                .iter()
                .filter(|a| transient(a))
                .map(|a| {
                    if a.chaos.is_empty() {
                        "5xx/409"
                    } else {
                        a.chaos
                    }
                })
                .collect();
            out.push(v(
                "exit.78_without_rejection",
                format!("exit 78, the worker answered nothing permanent (transient: {kinds:?})"),
            ));
        }
        if code == 124 {
            let left = s.timeout.saturating_sub(elapsed);
            if left > Duration::from_secs(1) {
                out.push(v(
                    "exit.124_early",
                    format!(
                        "exit 124 after {:.2}s with {:.2}s of --timeout left",
                        elapsed.as_secs_f64(),
                        left.as_secs_f64()
                    ),
                ));
            }
            if !any_transient {
                out.push(v(
                    "exit.124_healthy",
                    "exit 124 against a worker that answered every request at once".into(),
                ));
            }
        }
        if code == 69 && !s.wait_running {
            out.push(v(
                "exit.69_not_waiting",
                "exit 69 without --wait-running".into(),
            ));
        }
        // The default --stable leaves room in any --timeout: against a worker that
        // answered everything at once (connectors RUNNING), waiting cannot fail.
        // (A connector the worker shows RUNNING with no tasks never runs: 69 then.)
        if code == 69
            && s.wait_running
            && s.stable.is_none()
            && !any_transient
            && !run.stdout.contains("no tasks")
        {
            out.push(v("exit.stable_default", format!("--wait-running with the default --stable and --timeout {:.1}s: exit 69 against a worker that answered every request at once", s.timeout.as_secs_f64())));
        }
        if code == 1 && !odd {
            out.push(v(
                "exit.1_without_cause",
                "exit 1, the worker gave no unexplained answer".into(),
            ));
        }
        // A permanent answer, or a connector Connect rejects at once, must win.
        let reached_connectors = run.requests.iter().any(|r| {
            r.path.starts_with("/connectors?")
                || is_config_write(&r.method, &r.path)
                || is_validate(&r.path)
        });
        if !any_denied && !s.dry_run && reached_connectors && code != 78 && code != 77 {
            // What decides: not a read that a later read of the same thing
            // answered (a status polled again), nor the DELETE that undoes a create
            // (its failure is told, the create's own error decides the code).
            let decides = |a: &&Answer| {
                let read_again = a.request.method == "GET"
                    && run.answers.iter().any(|b| {
                        b.request.method == "GET"
                            && b.request.path == a.request.path
                            && b.request.at > a.request.at
                            && (200..300).contains(&b.status)
                    });
                let undo = a.request.method == "DELETE" && s.prune_scope.is_none();
                // A status is polled: the listing (`?expand=status`) stands in for
                // a read of one that failed.
                let polled = a.request.method == "GET" && a.request.path.ends_with("/status");
                // The model's own answer, but its body never ends or dribbles: the
                // tool may never have read what it says (though it may have).
                let unread = matches!(a.chaos, "endless" | "slow");
                !read_again && !undo && !polled && !unread
            };
            if let Some(a) = run
                .answers
                .iter()
                .filter(decides)
                .find(|a| permanent(a) && a.status != 409)
            {
                out.push(v(
                    "exit.permanent_unreported",
                    format!(
                        "exit {code}, but the worker rejected {} {} with {}",
                        a.request.method, a.request.path, a.status
                    ),
                ));
            } else {
                // Not when an answer that takes its time (a hang, a slow or endless
                // body) may have held the run legitimately, nor when the run's own
                // input did (a 1 MiB reference to read and index: seconds of a
                // debug build on a loaded machine, seed 900531).
                let slow = s.big_input
                    || run
                        .answers
                        .iter()
                        .any(|a| matches!(a.chaos, "hang" | "slow" | "endless"));
                for d in s.defs.iter().filter(|d| d.rejectable && !slow) {
                    let tries: Vec<&Answer> = run
                        .answers
                        .iter()
                        .filter(|a| {
                            name_of(&a.request).as_deref() == Some(d.name.as_str())
                                && (is_config_write(&a.request.method, &a.request.path)
                                    || is_validate(&a.request.path))
                        })
                        .collect();
                    // Unless an unexplained answer about it ended it first (1).
                    let odd_for_it = run.answers.iter().any(|a| {
                        name_of(&a.request).as_deref() == Some(d.name.as_str())
                            && (a.chaos == "other500" || a.chaos == "echo")
                    });
                    if tries.is_empty() && !existed.contains(d.name.as_str()) && !odd_for_it {
                        out.push(v("exit.rejectable_not_attempted", format!("exit {code}: {:?}, which Connect rejects at once, was never attempted", d.name)));
                    }
                }
            }
        }
    }

    // 4. Secrets, in every output, in every form.
    for secret in &s.secrets {
        for (channel, text) in [
            ("stdout", &run.stdout),
            ("stderr", &run.stderr),
            ("termination message", &run.termination),
        ] {
            if let Some(form) = crate::secrets::find(&secret.value, text) {
                out.push(v(
                    &format!("leak.{form}"),
                    format!("secret of {} on {channel} ({form})", secret.source),
                ));
            }
        }
    }

    // 5. Offsets: exactly those, or no connector.
    for d in &s.defs {
        let Some(offsets) = &d.offsets else { continue };
        if existed.contains(d.name.as_str()) {
            if run
                .applied
                .iter()
                .any(|a| a.name == d.name && a.path.contains("/offsets"))
            {
                out.push(v(
                    "offsets.touched_existing",
                    format!("offsets of existing {:?} changed", d.name),
                ));
            }
            continue;
        }
        if !created.contains(&d.name) || s.dry_run {
            continue;
        }
        let Some((_, stored, marked)) = run.final_connectors.iter().find(|(n, _, _)| *n == d.name)
        else {
            continue;
        };
        let ok = match offsets {
            Offsets::Reset => stored.is_empty(),
            Offsets::List(items) => items.iter().all(|(p, o)| {
                stored
                    .iter()
                    .any(|x| x["partition"] == *p && x["offset"] == *o)
            }),
        };
        // A connector left STOPPED with the mark of an unfinished create never runs
        // from these offsets: the next run deletes it and creates it anew.
        if !ok && !marked {
            let outcome = report
                .as_ref()
                .and_then(|r| {
                    r["connectors"].as_array().and_then(|cs| {
                        cs.iter()
                            .find(|c| c["name"] == d.name.as_str())
                            .map(|c| c["outcome"].to_string())
                    })
                })
                .unwrap_or_else(|| "-".into());
            out.push(v("offsets.wrong", format!("{:?} created by this run exists with offsets {} (reported {outcome}, exit {code}{})", d.name, Value::from(stored.clone()), if stopped { ", signalled" } else { "" })));
        }
    }

    // 6. Nothing written in a dry run or after a failed validation; deletes in scope.
    if s.dry_run && !writes.is_empty() {
        out.push(v(
            "write.dry_run",
            format!(
                "{} writes in a dry run ({} {})",
                writes.len(),
                writes[0].method,
                writes[0].path
            ),
        ));
    }
    if s.validate
        && let Some(failed) = run
            .answers
            .iter()
            .find(|a| is_validate(&a.request.path) && permanent(a))
        && let Some(w) = run
            .requests
            .iter()
            .find(|r| is_config_write(&r.method, &r.path) && r.at > failed.done)
    {
        out.push(v(
            "write.after_failed_validation",
            format!("{} {} after validation failed", w.method, w.path),
        ));
    }
    // From the report only: a failed deletion itself makes the exit code non-zero.
    let failed_any = report.as_ref().is_some_and(|r| {
        r["connectors"].as_array().is_some_and(|cs| {
            cs.iter().any(|c| {
                c["outcome"] == "failed" && names.contains(c["name"].as_str().unwrap_or(""))
            })
        })
    });
    for a in run
        .applied
        .iter()
        .filter(|a| a.method == "DELETE" && !a.path.contains("/offsets"))
    {
        if names.contains(a.name.as_str()) {
            if !created.contains(&a.name) && !unfinished.contains(a.name.as_str()) {
                out.push(v(
                    "delete.not_created",
                    format!("deleted {:?}, which this run did not create", a.name),
                ));
            }
            continue;
        }
        match &s.prune_scope {
            Some(globs) if !s.dry_run => {
                if !globs.iter().any(|g| glob_match(g, &a.name)) {
                    out.push(v(
                        "delete.outside_scope",
                        format!(
                            "deleted {:?}, outside --prune-scope {}",
                            a.name,
                            globs.join(",")
                        ),
                    ));
                }
                if failed_any {
                    out.push(v(
                        "delete.after_failure",
                        format!("pruned {:?} in a run that failed (exit {code})", a.name),
                    ));
                }
            }
            _ => out.push(v(
                "delete.unasked",
                format!("deleted {:?} without --prune", a.name),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Stdin;

    fn request(method: &str, path: &str, body: &str, at: Instant) -> Request {
        Request {
            method: method.into(),
            path: path.into(),
            headers: vec![],
            body: body.into(),
            at,
        }
    }

    fn answer(r: Request, status: u16, chaos: &'static str) -> Answer {
        let done = r.at;
        Answer {
            request: r,
            status,
            chaos,
            body: String::new(),
            done,
        }
    }

    /// A clean run of a generated scenario made plain: one definition, JSON output.
    fn base() -> (Scenario, Run) {
        let mut s = Scenario::generate(1);
        s.defs.truncate(1);
        s.defs[0].name = "team-a".into();
        s.defs[0].offsets = None;
        s.defs[0].rejectable = false;
        s.existing.clear();
        s.bad = None;
        s.stdin = Stdin::Null;
        s.signal = None;
        s.json = true;
        s.dry_run = false;
        s.wait_running = false;
        s.prune_scope = None;
        s.timeout = Duration::from_secs(3);
        s.secrets = vec![crate::scenario::Secret {
            value: "Zq8vL3mPx2RkT9wY".into(),
            source: "test".into(),
        }];
        let t = Instant::now();
        let put = request("PUT", "/connectors/team-a/config", "{}", t);
        let run = Run {
            started: t,
            ended: t + Duration::from_millis(200),
            code: Some(0),
            killed_by: None,
            hung: false,
            signalled_at: None,
            stdout: r#"{"exit_code":0,"dry_run":false,"totals":{"created":1,"updated":0,"unchanged":0,"would_create":0,"would_update":0,"failed":0,"deleted":0,"would_delete":0},"connectors":[{"name":"team-a","outcome":"created","applied":"created"}],"error":null}"#.into(),
            stderr: String::new(),
            termination: "exit 0".into(),
            max_rss_kb: 8000,
            requests: vec![put.clone()],
            answers: vec![answer(put, 201, "")],
            applied: vec![Applied {
                method: "PUT".into(),
                path: "/connectors/team-a/config".into(),
                name: "team-a".into(),
                status: 201,
                how: "",
                at: t,
            }],
            final_connectors: vec![("team-a".into(), vec![], false)],
        };
        (s, run)
    }

    fn kinds(s: &Scenario, run: &Run) -> Vec<String> {
        check(s, run).into_iter().map(|v| v.kind).collect()
    }

    #[test]
    fn a_clean_run_has_no_violation() {
        let (s, run) = base();
        assert_eq!(check(&s, &run), vec![]);
    }

    #[test]
    fn a_misaligned_base64_secret_on_stderr_is_reported() {
        let (s, mut run) = base();
        let b64 = crate::secrets::base64_inner(b"Zq8vL3mPx2RkT9wY", 1);
        run.stderr = format!("connect-deploy: error: upstream said request-id {b64}");
        assert!(
            kinds(&s, &run).contains(&"leak.base64@1".to_string()),
            "{:?}",
            kinds(&s, &run)
        );
    }

    #[test]
    fn a_written_connector_reported_unchanged_is_reported() {
        let (s, mut run) = base();
        run.stdout = run.stdout.replace(
            r#""outcome":"created","applied":"created""#,
            r#""outcome":"unchanged","applied":"unchanged""#,
        );
        assert!(kinds(&s, &run).contains(&"report.unchanged_written".to_string()));
    }

    #[test]
    fn two_reports_and_a_late_end_are_reported() {
        let (s, mut run) = base();
        run.stdout = format!("{}\n{}", run.stdout, run.stdout);
        run.ended = run.started + s.timeout + Duration::from_secs(3);
        let k = kinds(&s, &run);
        assert!(
            k.contains(&"report.count".to_string()) && k.contains(&"time.deadline".to_string()),
            "{k:?}"
        );
    }

    #[test]
    fn a_peak_above_the_limit_is_reported() {
        let (s, mut run) = base();
        run.max_rss_kb = MEMORY_LIMIT_KB + 1;
        assert_eq!(kinds(&s, &run), vec!["memory".to_string()]);
    }

    #[test]
    fn a_rejection_whose_body_never_ended_was_never_read() {
        let (s, mut run) = base();
        run.code = Some(124);
        run.stdout = run.stdout.replace(r#""exit_code":0"#, r#""exit_code":124"#);
        let v = request(
            "PUT",
            "/connector-plugins/X/config/validate",
            r#"{"name":"team-a"}"#,
            run.started,
        );
        let mut rejected = answer(v, 200, "");
        rejected.body = r#"{"error_count":1,"configs":[]}"#.into();
        run.answers = vec![rejected.clone()];
        assert!(kinds(&s, &run).contains(&"exit.permanent_unreported".to_string()));
        rejected.chaos = "endless";
        run.answers = vec![rejected];
        assert!(!kinds(&s, &run).contains(&"exit.permanent_unreported".to_string()));
    }

    #[test]
    fn seventy_eight_after_only_transient_answers_is_reported() {
        let (s, mut run) = base();
        run.code = Some(78);
        run.stdout = run.stdout.replace(r#""exit_code":0"#, r#""exit_code":78"#);
        let v = request(
            "PUT",
            "/connector-plugins/X/config/validate",
            r#"{"name":"team-a"}"#,
            run.started,
        );
        run.answers = vec![answer(v, 409, "stuck")];
        assert!(kinds(&s, &run).contains(&"exit.78_without_rejection".to_string()));
    }

    #[test]
    fn a_delete_outside_the_scope_by_characters_is_reported() {
        let (mut s, mut run) = base();
        s.prune_scope = Some(vec!["team-??".into()]);
        run.applied.push(Applied {
            method: "DELETE".into(),
            path: "/connectors/team-%C3%A9".into(),
            name: "team-é".into(),
            status: 204,
            how: "",
            at: run.started,
        });
        assert!(kinds(&s, &run).contains(&"delete.outside_scope".to_string()));
    }
}
