//! connect-deploy: apply Kafka Connect connector definitions idempotently and exit
//! with a code a Kubernetes Job can act on. `run` tells the story; the layers below
//! it are described in ARCHITECTURE.md.
#![forbid(unsafe_code)]

pub mod base;
pub mod connect;
pub mod options;
pub mod report;
pub mod spec;
pub mod steps;

pub use report::summary::Finished;

use std::sync::Mutex;
use std::time::Instant;

use base::deadline::Deadline;
use base::error::Error;
use base::exit;
use connect::client::Client;
use connect::snapshot::Snapshot;
use connect::version::Version;
use options::Options;
use report::log::Log;
use report::mode::Mode;
use report::outcome::{Report, failure_text};
use report::progress::{Progress, reported, reported_with_states};
use report::summary::{report_json, stopped_early, summary};
use spec::definitions::Definition;
use spec::load;
use spec::references;
use steps::batch::Batch;
use steps::{apply, converge, plugins, prune, ready, validate};

/// Load every definition (before any request), wait for Connect, validate and
/// apply each connector, optionally wait until they run, prune, and report.
pub fn run(options: Options, env: &references::Env, log: &Log, progress: &Progress) -> Finished {
    let deadline = Deadline::after(options.timeout);
    let mode = Mode::new(options.dry_run, options.wait_running);
    let log = &Log {
        deferred: mode.waits,
        ..log.clone()
    };
    warn_about(&options, log);
    progress.reading(
        options
            .inputs
            .iter()
            .map(|i| match i {
                load::Input::Stdin => "standard input".to_string(),
                load::Input::Path(p) => p.display().to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
    );
    let (mut client, mut definitions) = match prepare(&options, env, log, deadline) {
        Ok(ready) => ready,
        Err((e, event)) => return stopped_early(log, mode, &e, event, &[]),
    };
    // Known to a report that ends the run early before the log says so.
    if !progress.mark_loaded(definitions.iter().map(|d| d.name.clone()).collect()) {
        return Finished {
            code: exit::TIMEOUT,
            summary: "the deadline passed while the definitions were read".into(),
        };
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
            return stopped_early(log, mode, &e, "not_ready", &reports);
        }
    };
    // Which values are secrets by the plugins' own word, before any connector's
    // line: the rest are shown.
    let password_keys = plugins::learn_secrets(&client, &mut definitions, version, log);
    let definitions = definitions;
    let batch = Batch {
        client: &client,
        parallel: options.parallel,
        progress: Some(progress),
    };
    let mut reports: Vec<Report> = definitions.iter().map(|d| Report::new(&d.name)).collect();
    if options.validate {
        reports = validate_all(&batch, &definitions, mode, reports);
    }
    // Pins are checked against the installed versions before anything is written.
    let pinning = version >= Version::new(spec::pins::NEEDS.0, spec::pins::NEEDS.1)
        && definitions
            .iter()
            .any(|d| !spec::pins::pins(&d.config).is_empty());
    let settings = apply::Settings {
        ignore: options.ignore_keys.clone(),
        installed: pinning
            .then(|| steps::pins::Installed::read(&mut client.for_prelude()))
            .flatten(),
        masks_seen: false,
        password_keys: std::sync::Arc::new(password_keys),
        // A tenth of the run for hashing fingerprints, whatever the worker masks.
        hashing: spec::masks::Budget::until(Instant::now() + client.run_end.remaining() / 10),
    };
    let mut reports = apply_all(
        &batch,
        &definitions,
        (version, &settings),
        mode,
        log,
        progress,
        reports,
    );
    if mode.waits {
        let settings = converge::Settings {
            stable: options.stable,
            restart_failed: options.restart_failed,
            version,
        };
        converge::wait(&mut client, &definitions, &mut reports, &settings, log);
        reported_with_states(log, &reports);
    }
    if let Some(scope) = &options.prune {
        let settings = prune::Settings {
            reset_offsets: options.prune_reset_offsets,
            dry_run: mode.dry_run,
            version,
        };
        prune_stale(
            &mut client,
            &definitions,
            &mut reports,
            scope,
            &settings,
            options.parallel,
            log,
            progress,
        );
    }
    finish(log, mode, options.detailed_exitcode, &reports)
}

/// Options that do nothing in this combination, and TLS verification turned off.
fn warn_about(options: &Options, log: &Log) {
    for warning in &options.ignored {
        log.warn("option_ignored", warning);
    }
    if options.tls.insecure {
        log.warn(
            "insecure",
            "WARNING: TLS verification is OFF (--insecure): anyone on the path can read and change this traffic, credentials included",
        );
    }
}

/// The client and every definition, before the first request; on failure, the
/// error and the event that reports it.
fn prepare(
    options: &Options,
    env: &references::Env,
    log: &Log,
    deadline: Deadline,
) -> Result<(Client, Vec<Definition>), (Error, &'static str)> {
    let client = Client::new(
        options.endpoints.clone(),
        &options.tls,
        &options.credentials,
        (&options.proxies, options.headers.clone()),
        deadline,
        log.redactor.clone(),
    )
    .map_err(|e| (e, "usage"))?;
    if let Some(routes) = client.routes() {
        log.info("proxy", &routes);
    }
    let mut definitions = load::load(&options.inputs, env).map_err(|e| (e, "definitions"))?;
    let globs = std::sync::Arc::new(options.secret_keys.clone());
    for definition in &mut definitions {
        definition.secret_globs = std::sync::Arc::clone(&globs);
    }
    log.redactor
        .update(|secrets| definitions.iter().for_each(|d| d.register(secrets)));
    if let Some(scope) = &options.prune {
        scope.check(&definitions).map_err(|e| (e, "usage"))?;
    }
    Ok((client, definitions))
}

/// The exit code (the most severe of any connector; 2 for pending changes with
/// `--detailed-exitcode`), the summary line and report, the termination message.
fn finish(log: &Log, mode: Mode, detailed_exitcode: bool, reports: &[Report]) -> Finished {
    let mut code = reports
        .iter()
        .fold(exit::OK, |code, r| exit::most_severe(code, r.exit_code()));
    if code == exit::OK && mode.dry_run && detailed_exitcode && reports.iter().any(Report::pending)
    {
        code = exit::CHANGES_PENDING;
    }
    let counts = summary(reports, mode);
    log.finish(code, &counts, || report_json(code, mode, reports, None));
    let summary = termination_summary(log, code, reports, &counts);
    Finished { code, summary }
}

/// The termination message's text: the connectors that failed and why, the most
/// severe first, then the counts, all within what Kubernetes keeps (4 KB). Each
/// line is masked here, so that its length is known; names are never masked.
fn termination_summary(log: &Log, code: u8, reports: &[Report], counts: &str) -> String {
    use report::termination::TERMINATION_LIMIT;
    let mut failed: Vec<&Report> = reports.iter().filter(|r| r.error.is_some()).collect();
    // Stable: definition order within one code.
    failed.sort_by_key(|r| std::cmp::Reverse(exit::rank(r.exit_code())));
    // `exit 78: ` before, a line break between, one after, and room to say how many
    // were left out.
    let room =
        TERMINATION_LIMIT.saturating_sub(format!("exit {code}: ").len() + counts.len() + 2 + 40);
    let per_line = (room / failed.len().max(1)).max(240);
    let mut text = String::new();
    for (i, r) in failed.iter().enumerate() {
        let cap = per_line.min(room - text.len());
        if cap < 80 {
            text.push_str(&format!("... and {} more failed\n", failed.len() - i));
            break;
        }
        let why = log
            .redactor
            .record(&failure_text(r.error.as_ref().expect("failed")));
        let line = format!("{}: {why}", base::text::one_line(&r.name));
        text.push_str(&base::text::cut(&line, cap - 1));
        text.push('\n');
    }
    text.push_str(counts);
    text
}

/// Create or update every connector, fairly under the deadline; those already
/// failed (by validation) are only reported.
fn apply_all(
    batch: &Batch,
    definitions: &[Definition],
    (version, settings): (Version, &apply::Settings),
    mode: Mode,
    log: &Log,
    progress: &Progress,
    items: Vec<Report>,
) -> Vec<Report> {
    // One request for every config and state; per connector where it cannot be had.
    let ours = |name: &str| definitions.iter().any(|d| d.name == name);
    let snapshot = match Snapshot::read_unless_refused(
        &mut batch.client.for_prelude(),
        version,
        true,
        &ours,
    ) {
        Ok(snapshot) => snapshot,
        Err(why) => {
            // Refused for every connector: none is attempted.
            return items
                .into_iter()
                .map(|r| {
                    let r = match r.error {
                        Some(_) => r,
                        None => Report::failed(&r.name, Error::Denied(why.clone())),
                    };
                    reported(log, progress, &r);
                    r
                })
                .collect();
        }
    };
    // Connect leaves out of that listing a connector it cannot describe at that
    // moment (one without a status yet): absent there is not absent. The names
    // alone (one more request, only when a definition is missing) tell which of
    // those exist; the others are created without a read that would say "not
    // found" again.
    let missing = |s: &Snapshot| definitions.iter().any(|d| s.get(&d.name).is_none());
    let existing = match &snapshot {
        Some(s) if missing(s) => Snapshot::names(&mut batch.client.for_prelude(), &ours),
        _ => None,
    };
    let settings = &apply::Settings {
        masks_seen: snapshot.as_ref().is_some_and(Snapshot::shows_masks),
        ..settings.clone()
    };
    // What it shows of a connector is let go once its report is final.
    let snapshot = snapshot.map(Mutex::new);
    let step = |client: &mut Client, i: usize, mut report: Report| {
        // Only the first round trusts the snapshot; a connector it does not show
        // that the names list is read on its own.
        let name = &definitions[i].name;
        let listed = match (&snapshot, report.first_seen.is_none()) {
            (Some(s), true) => Some(lock(s).get(name).cloned()),
            _ => None,
        };
        let seen = match listed {
            Some(listed) => match (listed, &existing) {
                (Some(known), _) => Some(Some(known)),
                (None, Some(names)) if !names.contains(name) => Some(None),
                (None, _) => None,
            },
            None => None,
        };
        let started = Instant::now();
        apply::apply(
            client,
            &definitions[i],
            version,
            mode.dry_run,
            &mut report,
            seen.as_ref().map(Option::as_ref),
            settings,
        );
        report.duration += started.elapsed();
        // Final, unless only its slice ran out (`steps::batch`): let go at once,
        // not when its line is out, which may be long after.
        if let (Some(s), false) = (&snapshot, matches!(report.error, Some(Error::Deadline(_)))) {
            lock(s).forget(name);
        }
        report
    };
    batch.run_keeping_failed(items, &step, |_, r| {
        if let Some(s) = &snapshot {
            lock(s).forget(&r.name);
        }
        reported(log, progress, r);
    })
}

/// A lock that a panicked holder (there is none: the promise is never a panic)
/// leaves usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// `--validate`: every config checked by its plugin before the first write. When
/// any is rejected, nothing is written: the others are marked not applied (a dry
/// run, which writes nothing anyway, still previews them).
fn validate_all(
    batch: &Batch,
    definitions: &[Definition],
    mode: Mode,
    items: Vec<Report>,
) -> Vec<Report> {
    let redactor = &batch.client.redactor;
    let step = |client: &mut Client, i: usize, report: Report| {
        let started = Instant::now();
        let mut report = match validate::validate(client, &definitions[i], redactor) {
            Ok(()) => report,
            Err(e) => Report::failed(&report.name, e),
        };
        report.duration += started.elapsed();
        report
    };
    // What validation found is not final for a signal's report: applying is.
    let batch = Batch {
        progress: None,
        ..*batch
    };
    let checked = batch.run(items, &step, |_, _| {});
    // The most severe failure decides why the others are not applied: only a real
    // rejection (the plugin's verdict) is permanent; a validation that could not
    // finish (the deadline, an unavailable worker) leaves them for the next attempt.
    // A 403 on one connector's own resources is no verdict on any config: that
    // connector fails alone (`steps::batch`).
    let failures = checked
        .iter()
        .filter_map(|r| r.error.as_ref())
        .filter(|e| !matches!(e, Error::Denied(m) if steps::batch::forbidden_alone(m)));
    let worst = failures
        .clone()
        .fold(exit::OK, |code, e| exit::most_severe(code, e.exit_code()));
    let Some(why) = failures.clone().find(|e| e.exit_code() == worst).cloned() else {
        return checked;
    };
    if mode.dry_run {
        return checked;
    }
    checked
        .into_iter()
        .map(|r| match r.error {
            Some(_) => r,
            None => Report::failed(&r.name, not_applied_after(&why)),
        })
        .collect()
}

/// Why a connector that passed validation is not applied, of the same kind as the
/// failure that stopped the run: the exit code says whether trying again may help.
fn not_applied_after(failure: &Error) -> Error {
    let rejected = "not applied: another connector failed validation, and nothing is written then";
    let unfinished =
        "not applied: another connector's validation did not finish, and nothing is written then";
    match failure {
        Error::Rejected(_) => Error::Rejected(rejected.into()),
        Error::Deadline(_) => Error::Deadline(unfinished.into()),
        Error::Denied(_) => Error::Denied(unfinished.into()),
        Error::Unexpected(_) => Error::Unexpected(unfinished.into()),
        _ => Error::NotRunning(unfinished.into()),
    }
}

/// `--prune`, only after every connector of the run succeeded: a half-applied run
/// must not delete.
#[allow(clippy::too_many_arguments)]
fn prune_stale(
    client: &mut Client,
    definitions: &[Definition],
    reports: &mut Vec<Report>,
    scope: &spec::scope::Scope,
    settings: &prune::Settings,
    parallel: steps::pace::Parallel,
    log: &Log,
    progress: &Progress,
) {
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
    // Deleted fairly under the deadline, as connectors are applied.
    let batch = Batch {
        client,
        parallel,
        progress: Some(progress),
    };
    let step =
        |client: &mut Client, _: usize, report: Report| prune::delete_one(client, report, settings);
    let items = stale.iter().map(|n| Report::new(n)).collect();
    reports.extend(batch.run(items, &step, |_, r| reported(log, progress, r)));
}
