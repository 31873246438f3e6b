//! connect-deploy: apply Kafka Connect connector definitions idempotently and exit
//! with a code a Kubernetes Job can act on. `run` tells the story; each module owns
//! one concern.
#![forbid(unsafe_code)]

pub mod base;
pub mod connect;
pub mod options;
pub mod report;
pub mod spec;
pub mod steps;

pub use report::summary::Finished;

use base::deadline::Deadline;
use base::error::Error;
use base::exit;
use connect::client::{Client, Version};
use connect::snapshot;
use options::Options;
use report::log::{Level, Log};
use report::outcome::Report;
use report::summary::{Progress, failure_text, report_json, stopped_early, summary};
use spec::definitions::Definition;
use spec::load;
use spec::references;
use std::time::Instant;
use steps::apply;
use steps::batch::{self, Step};
use steps::{converge, prune, ready, validate};

/// Load every definition (before any request), wait for Connect, validate and
/// apply each connector, optionally wait until they run, and report.
pub fn run(options: Options, env: &references::Env, log: &Log, progress: &Progress) -> Finished {
    let deadline = Deadline::after(options.timeout);
    let log = &Log {
        deferred: options.wait_running && !options.dry_run,
        ..log.clone()
    };
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
    let definitions = match load::load(&options.inputs, env) {
        Ok(d) => d,
        Err(e) => return stopped_early(log, options.dry_run, &e, "definitions", &[]),
    };
    log.redactor
        .update(|secrets| definitions.iter().for_each(|d| d.register(secrets)));
    if let Some(scope) = &options.prune
        && let Err(e) = scope.check(&definitions)
    {
        return stopped_early(log, options.dry_run, &e, "usage", &[]);
    }
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

    let mut reports: Vec<Report> = definitions.iter().map(|d| Report::new(&d.name)).collect();
    if options.validate {
        reports = validate_all(&client, &definitions, &options, reports);
    }
    let mut reports = apply_all(
        &client,
        &definitions,
        version,
        &options,
        log,
        progress,
        reports,
    );

    if options.wait_running && !options.dry_run {
        let settings = converge::Settings {
            stable: options.stable,
            restart_failed: options.restart_failed,
            version,
        };
        converge::wait(&mut client, &definitions, &mut reports, &settings, log);
        reported_with_states(log, &reports);
    }

    prune_stale(
        &mut client,
        &definitions,
        &mut reports,
        version,
        &options,
        log,
        progress,
    );

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
    log.finish(&counts, || {
        report_json(code, options.dry_run, &reports, None)
    });
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

/// With `--wait-running`, one line per connector once its state is known: what was
/// applied and the state it holds, or why it failed.
fn reported_with_states(log: &Log, reports: &[Report]) {
    for report in reports {
        match (&report.error, &report.final_state) {
            (None, Some(state)) => log.connector(
                Level::Info,
                "state",
                &report.name,
                &format!("{}; now {state}", report.describe()),
            ),
            (Some(e), _) => log.connector(Level::Error, "failed", &report.name, &failure_text(e)),
            (None, None) => log.connector(
                Level::Info,
                report.outcome(),
                &report.name,
                &report.describe(),
            ),
        }
    }
}

/// Log a connector's final line and keep it for a signal's report.
fn reported(log: &Log, progress: &Progress, report: &Report) {
    progress.push(report);
    if log.deferred {
        // Waiting until they run: the one line comes then; progress goes to stderr.
        let text = match &report.error {
            None => report.describe(),
            Some(e) => failure_text(e),
        };
        log.connector_progress(Level::Info, report.outcome(), &report.name, &text);
        return;
    }
    match &report.error {
        None => log.connector(
            Level::Info,
            report.outcome(),
            &report.name,
            &report.describe(),
        ),
        Some(e) => log.connector(Level::Error, "failed", &report.name, &failure_text(e)),
    }
}

/// What a step under a slice of the deadline made of a connector: final, or to be
/// tried again in a later round when only its slice (not the deadline) ran out.
fn settled(report: Report, deadline: Deadline) -> Step<Report> {
    match &report.error {
        Some(Error::Deadline(_)) if !deadline.passed() => Step::Again(report),
        _ => Step::Done(report),
    }
}

fn not_attempted(report: &Report, deadline: Deadline) -> Option<Report> {
    deadline.passed().then(|| {
        Report::failed(
            &report.name,
            Error::Deadline("not attempted: the deadline passed".into()),
        )
    })
}

/// Refused credentials are refused for every connector: the rest are skipped.
fn refused(report: &Report) -> bool {
    matches!(report.error, Some(Error::Denied(_)))
}

fn skipped_after_refusal(report: Report) -> Report {
    Report::failed(
        &report.name,
        Error::Denied("not attempted: access was refused".into()),
    )
}

/// Create or update every connector, fairly under the deadline; those already
/// failed (by validation) are only reported.
fn apply_all(
    client: &Client,
    definitions: &[Definition],
    version: Version,
    options: &Options,
    log: &Log,
    progress: &Progress,
    items: Vec<Report>,
) -> Vec<Report> {
    let deadline = client.deadline;
    // One request for every config and state; per connector where it cannot be had.
    let ours = |name: &str| definitions.iter().any(|d| d.name == name);
    let snapshot = snapshot::Snapshot::read(&mut client.clone(), version, true, &ours);
    let step = |client: &mut Client, i: usize, mut report: Report| {
        if report.error.is_some() {
            return Step::Done(report);
        }
        // Only the first round trusts the snapshot, and only where it shows the
        // connector: Connect leaves out of the listing a connector it cannot describe
        // at that moment (one just created), so absent there is read afresh.
        let seen = match (&snapshot, report.first_seen.is_none()) {
            (Some(s), true) => s.get(&definitions[i].name).map(Some),
            _ => None,
        };
        if let Some(skipped) = not_attempted(&report, deadline) {
            return Step::Done(skipped);
        }
        let started = Instant::now();
        apply::apply(
            client,
            &definitions[i],
            version,
            options.dry_run,
            &mut report,
            seen,
        );
        report.duration += started.elapsed();
        settled(report, deadline)
    };
    let rules = batch::Rules {
        step: &step,
        stops: &refused,
        skip: &skipped_after_refusal,
    };
    batch::run(client, options.parallel, items, &rules, |_, r| {
        reported(log, progress, r)
    })
}

/// `--validate`: every config checked by its plugin before the first write. When
/// any is rejected, nothing is written: the others are marked not applied (a dry
/// run, which writes nothing anyway, still previews them).
fn validate_all(
    client: &Client,
    definitions: &[Definition],
    options: &Options,
    items: Vec<Report>,
) -> Vec<Report> {
    let deadline = client.deadline;
    let redactor = &client.redactor;
    let step = |client: &mut Client, i: usize, report: Report| {
        if let Some(skipped) = not_attempted(&report, deadline) {
            return Step::Done(skipped);
        }
        let started = Instant::now();
        let mut report = match validate::validate(client, &definitions[i], redactor) {
            Ok(()) => report,
            Err(e) => Report::failed(&report.name, e),
        };
        report.duration += started.elapsed();
        settled(report, deadline)
    };
    let rules = batch::Rules {
        step: &step,
        stops: &refused,
        skip: &skipped_after_refusal,
    };
    let checked = batch::run(client, options.parallel, items, &rules, |_, _| {});
    if options.dry_run || checked.iter().all(|r| r.error.is_none()) {
        return checked;
    }
    checked
        .into_iter()
        .map(|r| match r.error {
            Some(_) => r,
            None => Report::failed(
                &r.name,
                Error::Rejected(
                    "not applied: another connector failed validation, and nothing is written then"
                        .into(),
                ),
            ),
        })
        .collect()
}

/// `--prune`, only after every connector of the run succeeded: a half-applied run
/// must not delete.
fn prune_stale(
    client: &mut Client,
    definitions: &[Definition],
    reports: &mut Vec<Report>,
    version: Version,
    options: &Options,
    log: &Log,
    progress: &Progress,
) {
    let Some(scope) = &options.prune else { return };
    // Deletions are final when they happen: their lines are not deferred.
    let log = &Log {
        deferred: false,
        ..log.clone()
    };
    let failed = reports.iter().filter(|r| r.error.is_some()).count();
    if failed > 0 {
        log.warn(
            "prune_skipped",
            &format!("not pruning: {failed} connector(s) of this run failed"),
        );
        return;
    }
    let stale = match prune::stale(client, definitions, scope) {
        Ok(names) => names,
        Err(e) => {
            let report = Report::failed("(prune)", e);
            reported(log, progress, &report);
            reports.push(report);
            return;
        }
    };
    let settings = prune::Settings {
        reset_offsets: options.prune_reset_offsets,
        dry_run: options.dry_run,
        version,
    };
    // Deleted fairly under the deadline, as connectors are applied.
    let deadline = client.deadline;
    let step = |client: &mut Client, _: usize, report: Report| {
        if let Some(skipped) = not_attempted(&report, deadline) {
            return Step::Done(skipped);
        }
        settled(prune::delete_one(client, report, &settings), deadline)
    };
    let rules = batch::Rules {
        step: &step,
        stops: &refused,
        skip: &skipped_after_refusal,
    };
    let items = stale.iter().map(|n| Report::new(n)).collect();
    let pruned = batch::run(client, options.parallel, items, &rules, |_, r| {
        reported(log, progress, r)
    });
    reports.extend(pruned);
}
