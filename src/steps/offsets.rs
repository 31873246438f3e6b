//! Offsets at creation (`"offsets"` in a definition): `"reset"` clears what an
//! earlier connector of the same name left, a list of `{"partition", "offset"}` sets
//! where the new connector starts. Only when this run creates the connector: it is
//! created STOPPED (3.7+), its offsets written, and only then moved to its desired
//! state; if anything after the create fails, the connector is deleted again, so
//! that the next run starts over instead of finding it without its offsets. Until
//! they are written it carries `keys::UNFINISHED`, so that one left behind all the
//! same (the delete failed too, the process was killed) is made anew by the next
//! run, never resumed. The offsets of a connector that exists are never touched.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use ureq::http::Method;

use crate::base::deadline::Deadline;
use crate::base::error::Error;
use crate::base::signals::{Undo, Unfinished};
use crate::base::time::{parse_rfc3339, rfc3339};
use crate::connect::answer::{Failure, classify};
use crate::connect::client::{Client, Kind};
use crate::connect::retry::Retry;
use crate::connect::version::Version;
use crate::spec::config::Config;
use crate::spec::definitions::{Definition, encode_name};
use crate::spec::keys::UNFINISHED;
use crate::spec::offsets::Offsets;

/// Creating a connector STOPPED in one request (`initial_state`) came with 3.7.
pub const NEEDS: Version = Version::new(3, 7);

/// How long a rollback may take, even when the connector's time is up (but never
/// past the run's deadline by more than a second: the backstop ends it at two).
const ROLLBACK_TIME: Duration = Duration::from_secs(5);

/// How far past the run's deadline a rollback may go: within the backstop's grace
/// (0.5 s), so that the run ends within `--timeout` + 1 s.
const ROLLBACK_PAST_DEADLINE: Duration = Duration::from_millis(400);

/// A connector is created with its offsets only when this much of the run is left
/// (or half of a shorter run): the create, the offsets and the state move must fit,
/// or it is not begun. Should they not fit all the same, the create is rolled back.
const TIME_NEEDED: Duration = Duration::from_secs(15);

/// What must be left of a run of `run_length` to begin a create with offsets.
pub fn time_needed(run_length: Duration) -> Duration {
    TIME_NEEDED.min(run_length / 2)
}

impl Offsets {
    /// Write the offsets of a connector this run has just created STOPPED.
    pub fn write(&self, client: &mut Client, name: &str) -> Result<(), Error> {
        let path = format!("/connectors/{}/offsets", encode_name(name));
        let (method, body) = match self {
            Offsets::Reset => (Method::DELETE, None),
            Offsets::Set(items) => (Method::PATCH, Some(json!({ "offsets": items }).to_string())),
        };
        Retry::default()
            .run(client, |c| {
                let r = c.send(method.clone(), &path, body.as_deref(), Kind::Write)?;
                match r.status {
                    200..=204 => Ok(()),
                    _ => Err(classify(&r)),
                }
            })
            .map_err(|e| match e {
                Error::Rejected(m) => Error::Rejected(format!("the offsets were refused: {m}")),
                other => other,
            })
    }
}

/// How long past the end its creating run gave in its mark a mark is taken for a
/// live run's: requests sent before that end may still be carried out, and the
/// clocks of two pods may differ a little.
const MARK_GRACE: Duration = Duration::from_secs(15);

/// The value of the mark (`keys::UNFINISHED`) a create with offsets carries: until
/// when its run may still finish it (`offsets not written yet; its run ends by
/// 2026-12-06T01:40:00.000Z`).
pub fn mark(client: &Client) -> String {
    let end = SystemTime::now() + client.run_end.remaining();
    format!("{MARK_WORDS}{}", rfc3339(end))
}

const MARK_WORDS: &str = "offsets not written yet; its run ends by ";

/// Whether a connector's mark (`keys::UNFINISHED`) may be a live run's: Some(until
/// when, as it says) while that time (and a grace) has not passed; None when the run
/// that set it has ended (or the mark says nothing readable): the connector is an
/// unfinished create, to be deleted and created anew.
pub fn unfinished_by(mark: &serde_json::Value) -> Option<String> {
    let text = mark.as_str()?.strip_prefix(MARK_WORDS)?;
    let end = parse_rfc3339(text)?;
    (SystemTime::now() < end + MARK_GRACE).then(|| text.to_string())
}

/// Its offsets written, the connector loses its mark (`keys::UNFINISHED`): `config`
/// is written, the definition's as created without the mark (with the fingerprint
/// of masked values where the worker masks, `steps::apply`). It is still STOPPED;
/// only then is it moved to its state.
pub fn unmark(client: &mut Client, def: &Definition, config: &Config) -> Result<(), Error> {
    let path = format!("/connectors/{}/config", encode_name(&def.name));
    let body = serde_json::to_string(config).expect("a map of strings serialises");
    Retry::default().run(client, |c| {
        let r = c.send(Method::PUT, &path, Some(&body), Kind::Write)?;
        match r.status {
            200 | 201 => Ok(()),
            _ => Err(classify(&r)),
        }
    })
}

/// Delete a connector left between its create and its offsets (by an earlier run,
/// so that it is created anew with them; by this one, to undo its create), within
/// the client's deadline.
pub fn delete_unfinished(client: &mut Client, name: &str) -> Result<(), Error> {
    let path = format!("/connectors/{}", encode_name(name));
    Retry::default().run(client, |c| {
        let r = c.send(Method::DELETE, &path, None, Kind::Write)?;
        match r.status {
            200..=204 | 404 => Ok(()),
            // Left undone, the connector would be resumed from the wrong offsets:
            // every answer but refused credentials is tried again while time lasts
            // (an NPE of a worker in a rebalance passes).
            _ => Err(match classify(&r) {
                Failure::Denied(m) => Failure::Denied(m),
                other => Failure::Transient(other.message().to_string()),
            }),
        }
    })
}

/// Delete a connector this run created, after what had to follow the create failed.
/// Returns whether it is gone, and what to add to the error saying so.
pub fn roll_back(client: &mut Client, name: &str) -> (bool, String) {
    let until = Deadline::at(Instant::now() + ROLLBACK_TIME)
        .min(client.run_end.extended(ROLLBACK_PAST_DEADLINE));
    roll_back_until(client, name, until)
}

fn roll_back_until(client: &mut Client, name: &str, until: Deadline) -> (bool, String) {
    let saved = client.deadline;
    client.deadline = until;
    let result = delete_unfinished(client, name);
    client.deadline = saved;
    match result {
        Ok(()) => (
            true,
            "; the connector was deleted again, so the next run creates it anew".into(),
        ),
        Err(e) => (
            false,
            format!(
                "; deleting it again failed too ({}): it keeps its mark ({UNFINISHED}), so the next run deletes it and creates it anew",
                e.message()
            ),
        ),
    }
}

/// A connector this run may have created with `offsets` not written yet, with a
/// client to delete it: when the run is stopped (a signal, the deadline backstop)
/// before the worker thread could write them or roll the create back, `main` deletes
/// it itself (`signals::Unfinished::undo_all`), so that none is left for the next
/// run to take for an existing connector and resume from the wrong offsets.
struct Entry {
    name: String,
    client: Mutex<Client>,
    /// Whether the create was answered (it exists) or may still land.
    answered: AtomicBool,
}

impl Undo for Entry {
    fn undo(&self, until: Instant) -> String {
        let mut client = self
            .client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let name = &self.name;
        let (_, undone) = roll_back_until(&mut client, name, Deadline::at(until));
        let unanswered = if self.answered.load(Ordering::SeqCst) {
            ""
        } else {
            " (its create was still unanswered: should it land later, it carries its mark, and the next run creates it anew)"
        };
        format!("{name}: stopped between its create and its offsets{undone}{unanswered}")
    }

    fn unfinished(&self) -> String {
        format!(
            "{}: stopped between its create and its offsets; deleting it again did not finish in time: it keeps its mark ({UNFINISHED}), so the next run deletes it and creates it anew",
            self.name
        )
    }
}

/// Held from the request that creates a connector with `offsets` until they are
/// written or the create is rolled back.
pub struct Pending {
    entry: Arc<Entry>,
    _unfinished: Unfinished,
}

impl Pending {
    /// Before the create is sent: from now on the connector may exist.
    pub fn enter(client: &Client, name: &str) -> Pending {
        let entry = Arc::new(Entry {
            name: name.to_string(),
            client: Mutex::new(client.clone()),
            answered: AtomicBool::new(false),
        });
        Pending {
            _unfinished: Unfinished::enter(Arc::clone(&entry) as Arc<dyn Undo>),
            entry,
        }
    }

    /// The create was answered: the connector exists.
    pub fn created(&self) {
        self.entry.answered.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mark_ending(at: SystemTime) -> serde_json::Value {
        json!(format!("{MARK_WORDS}{}", rfc3339(at)))
    }

    #[test]
    fn a_mark_is_a_live_runs_until_its_end_and_a_grace_have_passed() {
        let now = SystemTime::now();
        assert!(unfinished_by(&mark_ending(now + Duration::from_secs(60))).is_some());
        assert!(unfinished_by(&mark_ending(now - Duration::from_secs(5))).is_some());
        assert!(unfinished_by(&mark_ending(now - MARK_GRACE - Duration::from_secs(1))).is_none());
        for other in [
            json!("true"),
            json!(""),
            json!(1),
            json!(null),
            json!(MARK_WORDS),
        ] {
            assert!(unfinished_by(&other).is_none(), "{other}");
        }
    }
}
