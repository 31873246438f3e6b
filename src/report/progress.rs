//! Each connector's result line as it becomes final, and the reports so far, kept
//! for `main`, which reports them when a signal ends the run early.

use std::sync::{Arc, Mutex};

use crate::report::log::{Level, Log};
use crate::report::mode::Mode;
use crate::report::outcome::{Report, failure_text};

/// The connectors reported so far and the run's mode, shared with `main`, which
/// reports them when a signal ends the run early.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<Mutex<Kept>>);

#[derive(Debug, Default)]
struct Kept {
    mode: Mode,
    /// The definitions are read: from here on the run may have begun work that
    /// needs the deadline's grace to finish (a roll-back); before, nothing has.
    loaded: bool,
    reports: Vec<Report>,
}

impl Progress {
    /// The progress of a run in this mode: a signal's report says what the run's
    /// would (a dry run's "would"s, never a real run's counts).
    pub fn new(mode: Mode) -> Progress {
        Progress(Arc::new(Mutex::new(Kept {
            mode,
            loaded: false,
            reports: Vec::new(),
        })))
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep a connector's final report; a later one for the same connector (the
    /// same report, seen again in definition order) takes its place.
    pub fn push(&self, report: &Report) {
        let mut kept = self.kept();
        match kept.reports.iter_mut().find(|r| r.name == report.name) {
            Some(earlier) => *earlier = report.clone(),
            None => kept.reports.push(report.clone()),
        }
    }

    pub fn reports(&self) -> Vec<Report> {
        self.kept().reports.clone()
    }

    pub fn mode(&self) -> Mode {
        self.kept().mode
    }

    /// The definitions are read (see `Kept::loaded`).
    pub fn mark_loaded(&self) {
        self.kept().loaded = true;
    }

    pub fn loaded(&self) -> bool {
        self.kept().loaded
    }
}

/// With `--wait-running`, one line per connector once its state is known: what was
/// applied and the state it holds, or why it failed.
pub fn reported_with_states(log: &Log, reports: &[Report]) {
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
                report.outcome().name(),
                &report.name,
                &report.describe(),
            ),
        }
    }
}

/// Log a connector's final line and keep it for a signal's report.
pub fn reported(log: &Log, progress: &Progress, report: &Report) {
    progress.push(report);
    if log.deferred {
        // Waiting until they run: the one line comes then; progress goes to stderr.
        let text = match &report.error {
            None => report.describe(),
            Some(e) => failure_text(e),
        };
        log.connector_progress(Level::Info, report.outcome().name(), &report.name, &text);
        return;
    }
    match &report.error {
        None => log.connector(
            Level::Info,
            report.outcome().name(),
            &report.name,
            &report.describe(),
        ),
        Some(e) => log.connector(Level::Error, "failed", &report.name, &failure_text(e)),
    }
}
