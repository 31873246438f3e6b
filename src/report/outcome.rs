//! What a run made of each connector: the outcome of its config, its state move,
//! its error, as typed values the summary, the JSON report and the exit code read.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use crate::base::error::Error;
use crate::spec::compare::Diff;
use crate::spec::definitions::State;

/// What a run made of one connector, as the summary, the JSON report and the log
/// count and name it: what was done to its config, or `Failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    WouldCreate,
    WouldUpdate,
    Deleted,
    WouldDelete,
    Failed,
}

impl Outcome {
    /// Every outcome, in the order of the JSON report's `totals`.
    pub const ALL: [Outcome; 8] = [
        Outcome::Created,
        Outcome::Updated,
        Outcome::Unchanged,
        Outcome::WouldCreate,
        Outcome::WouldUpdate,
        Outcome::Deleted,
        Outcome::WouldDelete,
        Outcome::Failed,
    ];

    /// Its name in the JSON report (`outcome`, `applied`, `totals`) and as a JSON
    /// log line's event.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::WouldCreate => "would_create",
            Outcome::WouldUpdate => "would_update",
            Outcome::Deleted => "deleted",
            Outcome::WouldDelete => "would_delete",
            Outcome::Failed => "failed",
        }
    }

    /// Its words in a text line: `would create`.
    pub fn text(self) -> &'static str {
        match self {
            Outcome::WouldCreate => "would create",
            Outcome::WouldUpdate => "would update",
            Outcome::WouldDelete => "would delete",
            other => other.name(),
        }
    }
}

/// What happened to a connector's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Created,
    Updated(Diff),
    /// Possibly with keys the worker masks.
    Unchanged(Diff),
    WouldCreate,
    WouldUpdate(Diff),
    /// Pruned: inside the scope, named by no definition.
    Deleted,
    WouldDelete,
}

impl Applied {
    pub fn outcome(&self) -> Outcome {
        match self {
            Applied::Created => Outcome::Created,
            Applied::Updated(_) => Outcome::Updated,
            Applied::Unchanged(_) => Outcome::Unchanged,
            Applied::WouldCreate => Outcome::WouldCreate,
            Applied::WouldUpdate(_) => Outcome::WouldUpdate,
            Applied::Deleted => Outcome::Deleted,
            Applied::WouldDelete => Outcome::WouldDelete,
        }
    }

    pub fn diff(&self) -> Option<&Diff> {
        match self {
            Applied::Updated(d) | Applied::Unchanged(d) | Applied::WouldUpdate(d) => Some(d),
            _ => None,
        }
    }

    pub fn pending(&self) -> bool {
        matches!(
            self,
            Applied::WouldCreate | Applied::WouldUpdate(_) | Applied::WouldDelete
        )
    }
}

/// A move to the desired state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// The state before, when it was known.
    pub from: Option<String>,
    pub to: State,
    /// False in a dry run: the move is pending.
    pub done: bool,
}

impl StateChange {
    pub fn verb(&self) -> &'static str {
        match (self.to, self.done) {
            (State::Running, true) => "resumed",
            (State::Paused, true) => "paused",
            (State::Stopped, true) => "stopped",
            (State::Running, false) => "would resume",
            (State::Paused, false) => "would pause",
            (State::Stopped, false) => "would stop",
        }
    }
}

/// Everything a run learnt about one connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub name: String,
    pub applied: Option<Applied>,
    /// Boxed: most connectors have none, and a report is held per connector.
    pub state_change: Option<Box<StateChange>>,
    /// The state it was seen to hold, when waited for (e.g. `RUNNING, 2 tasks`).
    /// This and the other texts seldom set are boxed: a report is held per
    /// connector, twice over (the run's and the progress's).
    pub final_state: Option<Box<str>>,
    /// The plugin version it was seen to run, when its definition pins one.
    pub plugin_version: Option<Box<str>>,
    pub error: Option<Error>,
    /// Requests sent that change something (writes, state moves, restarts),
    /// retries included.
    pub attempts: u32,
    pub restarts: u32,
    pub duration: Duration,
    /// What the first read found (existed, diff), kept across rounds.
    pub first_seen: Option<(bool, Diff)>,
    /// A write was sent whose answer did not say it failed: a later read that finds
    /// the config equal means this run created or updated it.
    pub wrote: bool,
    /// What became of declared offsets: `offsets: reset`, `offsets kept (...)`.
    pub offsets: Option<Box<str>>,
    /// Work a step left unfinished for a later round (a create whose offsets are
    /// not written yet), held so that a signal meanwhile still undoes it.
    pub held: Held,
    /// How far this run got with a create with offsets, so that a later round
    /// takes it up where it stopped and never repeats a step past it.
    pub offsets_progress: OffsetsProgress,
}

/// The steps after a create with offsets, in their order (`steps::offsets`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OffsetsProgress {
    /// Created with its mark, or not yet: the offsets are still to be written.
    #[default]
    Pending,
    /// Written; the mark is still to be removed (a repeat of that is harmless).
    Written,
    /// Written and the mark removed: only the move to its state may be left.
    Done,
}

/// Something a step keeps alive across rounds; it takes no part in comparing or
/// printing reports.
#[derive(Clone, Default)]
pub struct Held(Option<Arc<dyn Any + Send + Sync>>);

impl Held {
    pub fn new(work: impl Any + Send + Sync) -> Held {
        Held(Some(Arc::new(work)))
    }
}

impl PartialEq for Held {
    fn eq(&self, _: &Held) -> bool {
        true
    }
}

impl Eq for Held {}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Held(..)"
        } else {
            "Held(none)"
        })
    }
}

impl Report {
    pub fn new(name: &str) -> Report {
        Report {
            name: name.to_string(),
            applied: None,
            state_change: None,
            final_state: None,
            plugin_version: None,
            error: None,
            attempts: 0,
            restarts: 0,
            duration: Duration::ZERO,
            first_seen: None,
            wrote: false,
            offsets: None,
            held: Held::default(),
            offsets_progress: OffsetsProgress::default(),
        }
    }

    pub fn failed(name: &str, error: Error) -> Report {
        Report {
            error: Some(error),
            ..Report::new(name)
        }
    }

    pub fn exit_code(&self) -> u8 {
        self.error
            .as_ref()
            .map_or(crate::base::exit::OK, Error::exit_code)
    }

    /// What was done to its config, or `Failed` (an error, or nothing applied).
    pub fn outcome(&self) -> Outcome {
        match (&self.error, &self.applied) {
            (None, Some(applied)) => applied.outcome(),
            _ => Outcome::Failed,
        }
    }

    /// Whether a dry run found something to change.
    pub fn pending(&self) -> bool {
        self.error.is_none()
            && (self.applied.as_ref().is_some_and(Applied::pending) || self.state_change.is_some())
    }

    /// `created`, `updated (changed: a)`, `unchanged; paused (was RUNNING)`.
    pub fn describe(&self) -> String {
        let mut text = match &self.applied {
            None => "not applied".to_string(),
            Some(applied) => {
                let words = applied.outcome().text();
                match (applied, applied.diff()) {
                    (Applied::Unchanged(d), _) if d.describe().is_empty() => words.to_string(),
                    (_, Some(d)) => format!("{words} ({})", d.describe()),
                    (_, None) => words.to_string(),
                }
            }
        };
        match (&self.offsets, &self.applied) {
            (Some(o), Some(Applied::Created | Applied::WouldCreate)) => {
                text.push_str(&format!(" ({o})"));
            }
            (Some(o), _) => {
                text.push_str("; ");
                text.push_str(o);
            }
            (None, _) => {}
        }
        if let Some(change) = &self.state_change {
            text.push_str("; ");
            text.push_str(change.verb());
            if let Some(from) = &change.from {
                text.push_str(&format!(" (was {from})"));
            }
        }
        text
    }
}

impl Report {
    /// The changes a plan shows, as JSON: `{"key", "old", "new", "secret"}` each,
    /// a secret's values null.
    pub fn changes_json(&self) -> serde_json::Value {
        let changes = self.applied.as_ref().and_then(Applied::diff);
        serde_json::Value::from(
            changes
                .map(|d| d.changes.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|c| serde_json::json!({"key": c.key, "old": c.old, "new": c.new, "secret": c.secret}))
                .collect::<Vec<_>>(),
        )
    }
}

/// `failed: <message> (exit <code>)`, as a connector's line shows an error.
pub fn failure_text(e: &Error) -> String {
    format!("failed: {} (exit {})", e.message(), e.exit_code())
}
