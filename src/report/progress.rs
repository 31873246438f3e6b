//! Each connector's result line as it becomes final, and the reports so far, kept
//! for `main`, which reports them when a signal ends the run early.

use std::collections::{HashMap, HashSet};
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
    /// Their connectors' names, in definition order: an early report lists each.
    names: Vec<String>,
    /// The deadline ended the run before they were read: they never will be.
    closed: bool,
    /// What is read for them (`clicks.json`, `standard input`), for a run the
    /// deadline ends while reading.
    sources: String,
    /// Per connector (thousands of them): where its report is in `reports`, and
    /// whether its line is out on standard output. One map, not two sets of the
    /// same names.
    index: HashMap<String, Entry>,
    reports: Vec<Report>,
}

#[derive(Debug, Default)]
struct Entry {
    /// Where its report is in `reports`, once there is one.
    report: Option<usize>,
    printed: bool,
}

impl Progress {
    /// The progress of a run in this mode: a signal's report says what the run's
    /// would (a dry run's "would"s, never a real run's counts).
    pub fn new(mode: Mode) -> Progress {
        Progress(Arc::new(Mutex::new(Kept {
            mode,
            loaded: false,
            names: Vec::new(),
            closed: false,
            sources: String::new(),
            index: HashMap::new(),
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
        let kept = &mut *kept;
        let next = kept.reports.len();
        let entry = match kept.index.get_mut(&report.name) {
            Some(entry) => entry,
            None => kept.index.entry(report.name.clone()).or_default(),
        };
        match entry.report {
            Some(i) => kept.reports[i] = report.clone(),
            None => {
                entry.report = Some(next);
                kept.reports.push(report.clone());
            }
        }
    }

    pub fn reports(&self) -> Vec<Report> {
        self.kept().reports.clone()
    }

    /// A connector's line is out on standard output.
    pub fn mark_printed(&self, name: &str) {
        let mut kept = self.kept();
        match kept.index.get_mut(name) {
            Some(entry) => entry.printed = true,
            None => {
                let entry = Entry {
                    report: None,
                    printed: true,
                };
                kept.index.insert(name.to_string(), entry);
            }
        }
    }

    /// Whether a connector's line is out on standard output.
    pub fn printed(&self, name: &str) -> bool {
        self.kept().index.get(name).is_some_and(|e| e.printed)
    }

    /// The connectors' names, in definition order (none before they are read).
    pub fn names(&self) -> Vec<String> {
        self.kept().names.clone()
    }

    pub fn mode(&self) -> Mode {
        self.kept().mode
    }

    /// The definitions are read (see `Kept::loaded`), with their connectors' names;
    /// false when the deadline ended the run first (`close_unless_loaded`): the
    /// run then says nothing more, its report is already out.
    pub fn mark_loaded(&self, names: Vec<String>) -> bool {
        let mut kept = self.kept();
        if kept.closed {
            return false;
        }
        kept.loaded = true;
        // One report each, but for the pruned: no doubling past them.
        kept.reports.reserve_exact(names.len());
        kept.names = names;
        true
    }

    /// What the definitions are read from, named if the deadline ends the reading.
    pub fn reading(&self, sources: String) {
        self.kept().sources = sources;
    }

    /// What the definitions were being read from when the deadline ended the run
    /// before they were read (`close_unless_loaded`).
    pub fn unread(&self) -> Option<String> {
        let kept = self.kept();
        kept.closed.then(|| kept.sources.clone())
    }

    /// At the deadline, with the definitions not read yet: from now on they never
    /// are (true), so the early report and the run agree on what was loaded.
    pub fn close_unless_loaded(&self) -> bool {
        let mut kept = self.kept();
        kept.closed = !kept.loaded;
        kept.closed
    }

    /// The reports so far, and for every connector not finished yet, `unfinished`
    /// of its name, in definition order.
    pub fn reports_with(&self, unfinished: impl Fn(&str) -> Report) -> Vec<Report> {
        let kept = self.kept();
        let mut all: Vec<Report> = kept
            .names
            .iter()
            .map(|name| match kept.index.get(name).and_then(|e| e.report) {
                Some(i) => kept.reports[i].clone(),
                None => unfinished(name),
            })
            .collect();
        // Reports of no definition (a connector pruned) keep their place after.
        let named: HashSet<&String> = kept.names.iter().collect();
        all.extend(
            kept.reports
                .iter()
                .filter(|r| !named.contains(&r.name))
                .cloned(),
        );
        all
    }
}

/// With `--wait-running`, one line per connector once its state is known: what was
/// applied and the state it holds, or why it failed.
pub fn reported_with_states(log: &Log, reports: &[Report]) {
    for report in reports {
        match (&report.error, &report.final_state) {
            (None, Some(state)) => log.connector_changes(
                Level::Info,
                "state",
                &report.name,
                &format!("{}; now {state}", report.describe()),
                report.changes_json(),
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
        None => log.connector_changes(
            Level::Info,
            report.outcome().name(),
            &report.name,
            &report.describe(),
            report.changes_json(),
        ),
        Some(e) => log.connector(Level::Error, "failed", &report.name, &failure_text(e)),
    }
    progress.mark_printed(&report.name);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::error::Error;

    #[test]
    fn an_early_report_lists_every_loaded_connector_in_definition_order() {
        let progress = Progress::new(Mode::default());
        assert!(progress.mark_loaded(vec!["a".into(), "b".into(), "c".into()]));
        progress.push(&Report::failed("b", Error::Rejected("no".into())));
        let names: Vec<String> = progress
            .reports_with(|n| Report::failed(n, Error::Deadline("not finished".into())))
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn definitions_read_after_the_deadline_closed_the_run_are_never_loaded() {
        let progress = Progress::new(Mode::default());
        assert!(progress.close_unless_loaded());
        assert!(!progress.mark_loaded(vec!["a".into()]));
        assert!(
            progress
                .reports_with(|n| Report::failed(n, Error::Deadline("x".into())))
                .is_empty()
        );
        let loaded = Progress::new(Mode::default());
        assert!(loaded.mark_loaded(vec!["a".into()]));
        assert!(!loaded.close_unless_loaded());
    }
}
