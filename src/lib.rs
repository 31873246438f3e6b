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
pub mod report;
pub mod retry;
pub mod signals;
pub mod transport;
pub mod validate;

use apply::Report;
use connect::{Client, Version};
use definitions::Definition;
use error::Error;
use options::Options;
use output::{Level, Log};
use report::{Progress, failure_text, report_json, stopped_early, summary};
use retry::Deadline;

/// How a run ended: its exit code and the summary for the termination message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub code: u8,
    pub summary: String,
}

/// Load every definition (before any request), wait for Connect, validate and
/// apply each connector, optionally wait until they run, and report.
pub fn run(options: Options, log: &Log, progress: &Progress) -> Finished {
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
        log.redactor.clone(),
    ) {
        Ok(c) => c,
        Err(e) => return stopped_early(log, options.dry_run, &e, "usage", &[]),
    };
    let mut definitions = match definitions::load(&options.inputs) {
        Ok(d) => d,
        Err(e) => return stopped_early(log, options.dry_run, &e, "definitions", &[]),
    };
    log.redactor
        .update(|secrets| definitions.iter().for_each(|d| d.register(secrets)));
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
            None => attempt(&mut client, def, version, &options, log),
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
        progress.push(&report);
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
    log: &Log,
) -> Report {
    if options.validate {
        match validate::validate(client, def, &log.redactor) {
            Ok(secrets) => def.secret_keys.extend(secrets),
            Err(e) => return Report::failed(&def.name, e),
        }
    }
    apply::apply(client, def, version, options.dry_run)
}
