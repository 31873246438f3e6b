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

use apply::{Applied, Report};
use connect::Client;
use error::Error;
use options::Options;
use output::Log;
use retry::Deadline;

/// How a run ended: its exit code and the summary for the termination message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub code: u8,
    pub summary: String,
}

/// Load every definition (before any request), wait for Connect, apply each
/// connector, optionally wait until they run, and report.
pub fn run(options: Options, log: &Log) -> Finished {
    let deadline = Deadline::after(options.timeout);
    for warning in &options.ignored {
        log.info(&format!("warning: {warning}"));
    }
    let definitions = match definitions::load(&options.inputs) {
        Ok(d) => d,
        Err(e) => {
            for line in e.message().lines() {
                log.info(line);
            }
            log.info("nothing was applied");
            return Finished {
                code: e.exit_code(),
                summary: format!("nothing was applied: {}", e.message()),
            };
        }
    };
    let mut client = Client::new(options.endpoints, deadline);
    log.info(&format!(
        "{} connector definition(s) loaded; waiting for Kafka Connect at {}",
        definitions.len(),
        client.endpoint()
    ));
    let version = match ready::wait(&mut client, log) {
        Ok(v) => v,
        Err(e) => {
            log.info(e.message());
            for d in &definitions {
                log.result(&format!("{}: not applied", d.name));
            }
            return Finished {
                code: e.exit_code(),
                summary: format!("nothing was applied: {}", e.message()),
            };
        }
    };

    let mut reports: Vec<Report> = Vec::with_capacity(definitions.len());
    let mut stop: Option<Error> = None;
    for def in &definitions {
        let report = match &stop {
            Some(e) => Report::failed(&def.name, e.clone()),
            None => apply::apply(&mut client, def, version),
        };
        match &report.error {
            None => log.result(&format!("{}: {}", report.name, report.describe())),
            Some(e) => log.result(&failure_line(&report, e)),
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

    if options.wait_running {
        let settings = converge::Settings {
            stable: options.stable,
            restart_failed: options.restart_failed,
            version,
        };
        let before: Vec<bool> = reports.iter().map(|r| r.error.is_none()).collect();
        converge::wait(&mut client, &definitions, &mut reports, &settings, log);
        for (report, was_ok) in reports.iter().zip(before) {
            match (&report.error, &report.final_state) {
                (None, Some(state)) => log.result(&format!("{}: {state}", report.name)),
                (Some(e), _) if was_ok => log.result(&failure_line(report, e)),
                _ => {}
            }
        }
    }

    let code = reports
        .iter()
        .fold(exit::OK, |code, r| exit::most_severe(code, r.exit_code()));
    let counts = summary(&reports, options.wait_running);
    log.result(&format!("summary: {counts}"));
    let summary = match reports
        .iter()
        .find(|r| r.exit_code() == code && r.error.is_some())
    {
        Some(r) => format!(
            "{}\n{counts}",
            failure_line(r, r.error.as_ref().expect("found"))
        ),
        None => counts,
    };
    Finished { code, summary }
}

fn failure_line(report: &Report, e: &Error) -> String {
    format!(
        "{}: failed: {} (exit {})",
        report.name,
        e.message(),
        e.exit_code()
    )
}

/// `1 created, 0 updated, 2 unchanged, 0 failed; 3 running`.
fn summary(reports: &[Report], waited: bool) -> String {
    let count = |f: &dyn Fn(&Report) -> bool| reports.iter().filter(|r| f(r)).count();
    let ok = |r: &Report| r.error.is_none();
    let mut text = format!(
        "{} created, {} updated, {} unchanged, {} failed",
        count(&|r| ok(r) && r.applied == Some(Applied::Created)),
        count(&|r| ok(r) && matches!(r.applied, Some(Applied::Updated(_)))),
        count(&|r| ok(r) && r.applied == Some(Applied::Unchanged)),
        count(&|r| !ok(r)),
    );
    if waited {
        let mut states = Vec::new();
        for state in ["RUNNING", "PAUSED", "STOPPED"] {
            let n = count(&|r| {
                ok(r)
                    && r.final_state
                        .as_deref()
                        .is_some_and(|s| s.starts_with(state))
            });
            if n > 0 || state == "RUNNING" {
                states.push(format!("{n} {}", state.to_lowercase()));
            }
        }
        text.push_str("; ");
        text.push_str(&states.join(", "));
    }
    text
}
