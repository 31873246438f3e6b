//! connect-deploy: apply Kafka Connect connector definitions idempotently and exit
//! with a code a Kubernetes Job can act on. `run` tells the story; each module owns
//! one concern.
#![forbid(unsafe_code)]

pub mod apply;
pub mod connect;
pub mod converge;
pub mod definitions;
pub mod error;
pub mod exit;
pub mod options;
pub mod output;
pub mod ready;
pub mod redact;
pub mod retry;
pub mod signals;
pub mod tls;
pub mod transport;
pub mod validate;

use serde_json::{Value, json};

use apply::{Applied, Report};
use connect::{Client, Version};
use definitions::Definition;
use error::Error;
use options::Options;
use output::{Level, Log};
use retry::Deadline;

/// How a run ended: its exit code and the summary for the termination message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub code: u8,
    pub summary: String,
}

/// Load every definition (before any request), wait for Connect, validate and
/// apply each connector, optionally wait until they run, and report.
pub fn run(options: Options, log: &Log) -> Finished {
    let deadline = Deadline::after(options.timeout);
    for warning in &options.ignored {
        log.warn("option_ignored", warning);
    }
    if options.tls.insecure {
        log.warn(
            "insecure",
            "WARNING: TLS verification is OFF (--insecure): anyone on the path can read and change this traffic, credentials included",
        );
    }
    let mut client = match Client::new(
        options.endpoints.clone(),
        &options.tls,
        &options.credentials,
        deadline,
    ) {
        Ok(c) => c,
        Err(e) => return stopped_early(log, options.dry_run, &e, "usage", &[]),
    };
    let mut definitions = match definitions::load(&options.inputs) {
        Ok(d) => d,
        Err(e) => return stopped_early(log, options.dry_run, &e, "definitions", &[]),
    };
    log.info(
        "loaded",
        &format!(
            "{} connector definition(s) loaded; waiting for Kafka Connect at {}",
            definitions.len(),
            client.endpoint()
        ),
    );
    let version = match ready::wait(&mut client, log) {
        Ok(v) => v,
        Err(e) => {
            let reports: Vec<Report> = definitions
                .iter()
                .map(|d| Report::failed(&d.name, e.clone()))
                .collect();
            return stopped_early(log, options.dry_run, &e, "not_ready", &reports);
        }
    };

    let mut reports: Vec<Report> = Vec::with_capacity(definitions.len());
    let mut stop: Option<Error> = None;
    for def in &mut definitions {
        let started = std::time::Instant::now();
        let mut report = match &stop {
            Some(e) => Report::failed(&def.name, e.clone()),
            None => attempt(&mut client, def, version, &options),
        };
        report.duration = started.elapsed();
        match &report.error {
            None => log.connector(
                Level::Info,
                report.outcome(),
                &report.name,
                &report.describe(),
            ),
            Some(e) => log.connector(Level::Error, "failed", &report.name, &failure_text(e)),
        }
        if stop.is_none() {
            stop = match report.error {
                Some(Error::Denied(_)) => {
                    Some(Error::Denied("not attempted: access was refused".into()))
                }
                Some(Error::Deadline(_)) => {
                    Some(Error::Deadline("not attempted: the deadline passed".into()))
                }
                _ => None,
            };
        }
        reports.push(report);
    }

    if options.wait_running && !options.dry_run {
        let settings = converge::Settings {
            stable: options.stable,
            restart_failed: options.restart_failed,
            version,
        };
        let before: Vec<bool> = reports.iter().map(|r| r.error.is_none()).collect();
        converge::wait(&mut client, &definitions, &mut reports, &settings, log);
        for (report, was_ok) in reports.iter().zip(before) {
            match (&report.error, &report.final_state) {
                (None, Some(state)) => log.connector(Level::Info, "state", &report.name, state),
                (Some(e), _) if was_ok => {
                    log.connector(Level::Error, "failed", &report.name, &failure_text(e))
                }
                _ => {}
            }
        }
    }

    let mut code = reports
        .iter()
        .fold(exit::OK, |code, r| exit::most_severe(code, r.exit_code()));
    if code == exit::OK
        && options.dry_run
        && options.detailed_exitcode
        && reports.iter().any(Report::pending)
    {
        code = exit::CHANGES_PENDING;
    }
    let counts = summary(
        &reports,
        options.wait_running && !options.dry_run,
        options.dry_run,
    );
    log.finish(&counts, &report_json(code, options.dry_run, &reports, None));
    let summary = match reports
        .iter()
        .find(|r| r.exit_code() == code && r.error.is_some())
    {
        Some(r) => format!(
            "{}: {}\n{counts}",
            r.name,
            failure_text(r.error.as_ref().expect("found"))
        ),
        None => counts,
    };
    Finished { code, summary }
}

/// Validate one connector when asked (learning which keys its plugin types as
/// PASSWORD), then apply it.
fn attempt(
    client: &mut Client,
    def: &mut Definition,
    version: Version,
    options: &Options,
) -> Report {
    if options.validate {
        match validate::validate(client, def) {
            Ok(secrets) => def.secret_keys.extend(secrets),
            Err(e) => return Report::failed(&def.name, e),
        }
    }
    apply::apply(client, def, version, options.dry_run)
}

/// The run ended before any connector was attempted.
fn stopped_early(log: &Log, dry_run: bool, e: &Error, event: &str, reports: &[Report]) -> Finished {
    for line in e.message().lines() {
        log.error(event, line);
    }
    for r in reports {
        log.connector(Level::Error, "not_applied", &r.name, "not applied");
    }
    let text = "nothing was applied";
    log.finish(text, &report_json(e.exit_code(), dry_run, reports, Some(e)));
    Finished {
        code: e.exit_code(),
        summary: format!("{text}: {}", e.message()),
    }
}

fn failure_text(e: &Error) -> String {
    format!("failed: {} (exit {})", e.message(), e.exit_code())
}

/// How many connectors had this outcome.
fn count(reports: &[Report], outcome: &str) -> usize {
    reports.iter().filter(|r| r.outcome() == outcome).count()
}

/// `1 created, 0 updated, 2 unchanged, 0 failed; 3 running`.
fn summary(reports: &[Report], waited: bool, dry_run: bool) -> String {
    let outcome = |name: &str| count(reports, name);
    let mut text = if dry_run {
        format!(
            "dry run: {} would be created, {} would be updated, {} unchanged, {} failed",
            outcome("would_create"),
            outcome("would_update"),
            outcome("unchanged"),
            outcome("failed"),
        )
    } else {
        format!(
            "{} created, {} updated, {} unchanged, {} failed",
            outcome("created"),
            outcome("updated"),
            outcome("unchanged"),
            outcome("failed"),
        )
    };
    if waited {
        let mut states = Vec::new();
        for state in ["RUNNING", "PAUSED", "STOPPED"] {
            let n = reports
                .iter()
                .filter(|r| r.error.is_none())
                .filter(|r| {
                    r.final_state
                        .as_deref()
                        .is_some_and(|s| s.starts_with(state))
                })
                .count();
            if n > 0 || state == "RUNNING" {
                states.push(format!("{n} {}", state.to_lowercase()));
            }
        }
        text.push_str("; ");
        text.push_str(&states.join(", "));
    }
    text
}

/// The `--log-format json` report: one object, key names and states only.
pub fn report_json(code: u8, dry_run: bool, reports: &[Report], error: Option<&Error>) -> Value {
    let connectors: Vec<Value> = reports
        .iter()
        .map(|r| {
            let diff = r.applied.as_ref().and_then(Applied::diff);
            let keys = |f: fn(&apply::Diff) -> &Vec<String>| diff.map(f).cloned().unwrap_or_default();
            json!({
                "name": r.name,
                "outcome": r.outcome(),
                "changed": keys(|d| &d.changed),
                "added": keys(|d| &d.added),
                "removed": keys(|d| &d.removed),
                "masked": keys(|d| &d.masked),
                "state_change": r.state_change.as_ref().map(|c| json!({
                    "from": c.from, "to": c.to.as_str(), "done": c.done,
                })),
                "final_state": r.final_state,
                "error": r.error.as_ref().map(|e| json!({"exit_code": e.exit_code(), "message": e.message()})),
                "attempts": r.attempts,
                "restarts": r.restarts,
                "duration_ms": r.duration.as_millis() as u64,
            })
        })
        .collect();
    let total = |name: &str| count(reports, name);
    json!({
        "exit_code": code,
        "dry_run": dry_run,
        "totals": {
            "created": total("created"),
            "updated": total("updated"),
            "unchanged": total("unchanged"),
            "would_create": total("would_create"),
            "would_update": total("would_update"),
            "failed": total("failed"),
        },
        "connectors": connectors,
        "error": error.map(|e| e.message()),
    })
}
