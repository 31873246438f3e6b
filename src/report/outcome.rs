//! What a run made of each connector: the outcome of its config, its state move,
//! its error, as typed values the summary, the JSON report and the exit code read.

use std::time::Duration;

use crate::base::error::Error;
use crate::spec::compare::Diff;
use crate::spec::definitions::State;

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
    /// The name used in the JSON report.
    pub fn outcome(&self) -> &'static str {
        match self {
            Applied::Created => "created",
            Applied::Updated(_) => "updated",
            Applied::Unchanged(_) => "unchanged",
            Applied::WouldCreate => "would_create",
            Applied::WouldUpdate(_) => "would_update",
            Applied::Deleted => "deleted",
            Applied::WouldDelete => "would_delete",
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
    pub state_change: Option<StateChange>,
    /// The state it was seen to hold, when waited for (e.g. `RUNNING, 2 tasks`).
    pub final_state: Option<String>,
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
    pub offsets: Option<String>,
}

impl Report {
    pub fn new(name: &str) -> Report {
        Report {
            name: name.to_string(),
            applied: None,
            state_change: None,
            final_state: None,
            error: None,
            attempts: 0,
            restarts: 0,
            duration: Duration::ZERO,
            first_seen: None,
            wrote: false,
            offsets: None,
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

    /// `created`, `updated`, `unchanged`, `would_create`, `would_update` or `failed`.
    pub fn outcome(&self) -> &'static str {
        match (&self.error, &self.applied) {
            (None, Some(applied)) => applied.outcome(),
            _ => "failed",
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
            Some(Applied::Created) => "created".to_string(),
            Some(Applied::Updated(d)) => format!("updated ({})", d.describe()),
            Some(Applied::Unchanged(d)) if d.masked.is_empty() => "unchanged".to_string(),
            Some(Applied::Unchanged(d)) => format!("unchanged ({})", d.describe()),
            Some(Applied::WouldCreate) => "would create".to_string(),
            Some(Applied::WouldUpdate(d)) => format!("would update ({})", d.describe()),
            Some(Applied::Deleted) => "deleted".to_string(),
            Some(Applied::WouldDelete) => "would delete".to_string(),
            None => "not applied".to_string(),
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

/// `failed: <message> (exit <code>)`, as a connector's line shows an error.
pub fn failure_text(e: &Error) -> String {
    format!("failed: {} (exit {})", e.message(), e.exit_code())
}
