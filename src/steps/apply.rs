//! Create or update one connector: read its config, compare, and write only when it
//! differs, because an identical PUT still restarts the connector.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use ureq::http::Method;

use std::time::Duration;

use crate::base::deadline::Backoff;
use crate::base::error::Error;
use crate::connect::client::{Client, Failure, Kind, Version, classify};
use crate::connect::snapshot::Known;
use crate::spec::definitions::{Definition, State};
use crate::steps::offsets;

/// Key names that differ between the desired and the current config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// Keys whose current value the worker masks: unknown, so not a change.
    pub masked: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// `changed: a, b; added: c; removed: d`, key names only.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("changed", &self.changed),
            ("added", &self.added),
            ("removed", &self.removed),
            ("masked by the worker, not compared", &self.masked),
        ]
        .iter()
        .filter(|(_, keys)| !keys.is_empty())
        .map(|(what, keys)| {
            let keys: Vec<_> = keys
                .iter()
                .map(|k| crate::report::redact::one_line(k))
                .collect();
            format!("{what}: {}", keys.join(", "))
        })
        .collect();
        parts.join("; ")
    }
}

/// Some vendor builds answer `GET .../config` with passwords replaced by a run of
/// `*` or by `[hidden]`.
pub fn is_masked(value: &str) -> bool {
    value == "[hidden]" || (value.len() >= 3 && value.bytes().all(|b| b == b'*'))
}

/// Keys a vendor's worker adds to every stored config and manages itself
/// (Confluent Platform 8.x: `__internal.config.version`): never drift, never sent.
pub fn is_server_managed(key: &str) -> bool {
    key.starts_with("__internal.")
}

/// Compare what the user wants with what `GET .../config` returned.
pub fn diff(desired: &BTreeMap<String, String>, current: &Map<String, Value>) -> Diff {
    let mut d = Diff::default();
    for (key, want) in desired {
        match current.get(key) {
            None => d.added.push(key.clone()),
            Some(Value::String(have)) if have == want => {}
            Some(Value::String(have)) if is_masked(have) => d.masked.push(key.clone()),
            Some(_) => d.changed.push(key.clone()),
        }
    }
    for key in current.keys() {
        if !desired.contains_key(key) && !is_server_managed(key) {
            d.removed.push(key.clone());
        }
    }
    d.removed.sort();
    d
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

/// Unexplained server errors are retried this often before they count as a bug.
const UNKNOWN_RETRIES: u32 = 3;

/// The URL path segment of a connector's name.
pub fn encode_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Create or update one connector and move it to its desired state; in a dry run,
/// only find out what that would change. `report` may hold what an earlier round
/// learnt about it.
pub fn apply(
    client: &mut Client,
    def: &Definition,
    version: Version,
    dry_run: bool,
    report: &mut Report,
    seen: Option<Option<&Known>>,
) {
    if def.state == State::Stopped && version < Version::new(3, 5) {
        report.error = Some(Error::Rejected(format!(
            "state STOPPED needs Kafka Connect 3.5 or newer; this worker runs {version}"
        )));
        return;
    }
    let _creating = def.offsets.is_some().then(offsets::Creating::enter);
    // What a snapshot of the cluster showed stands in for the first reads.
    let seen_state = seen.flatten().and_then(|k| k.state.clone());
    let result = apply_config(client, def, version, dry_run, report, seen)
        .and_then(|known| start_from_offsets(client, def, known, report))
        .and_then(|known| ensure_state(client, def, known, seen_state, dry_run, report));
    report.error = result.err();
}

/// A connector this run created, with `offsets` declared: write them while it is
/// STOPPED, or delete it again. For a connector that existed, they are kept.
fn start_from_offsets(
    client: &mut Client,
    def: &Definition,
    known: Option<State>,
    report: &mut Report,
) -> Result<Option<State>, Error> {
    let Some(offsets) = &def.offsets else {
        return Ok(known);
    };
    match &report.applied {
        Some(Applied::Created) => {}
        Some(Applied::WouldCreate) => {
            report.offsets = Some(offsets.describe());
            return Ok(known);
        }
        _ => {
            report.offsets = Some("offsets kept (connector exists)".into());
            return Ok(known);
        }
    }
    // The connector's slice of the deadline must not cut this short: the run's does.
    let slice = client.deadline;
    client.deadline = client.run_end;
    let written = offsets.write(client, &def.name);
    client.deadline = slice;
    match written {
        Ok(()) => {
            report.offsets = Some(offsets.describe());
            Ok(Some(State::Stopped))
        }
        Err(e) => {
            let undone = offsets::roll_back(client, &def.name);
            report.applied = None;
            report.first_seen = None;
            report.wrote = false;
            Err(match e {
                Error::Deadline(m) => Error::Deadline(format!("{m}{undone}")),
                Error::Rejected(m) => Error::Rejected(format!("{m}{undone}")),
                Error::Denied(m) => Error::Denied(format!("{m}{undone}")),
                other => Error::Unexpected(format!("{}{undone}", other.message())),
            })
        }
    }
}

/// Write the config only when it differs, because an identical PUT still restarts
/// the connector. Ok(the state the connector is known to be in, if known).
fn apply_config(
    client: &mut Client,
    def: &Definition,
    version: Version,
    dry_run: bool,
    report: &mut Report,
    mut seen: Option<Option<&Known>>,
) -> Result<Option<State>, Error> {
    let base = format!("/connectors/{}", encode_name(&def.name));
    let path = format!("{base}/config");
    let body = serde_json::to_string(&def.config).expect("a map of strings serialises");
    // New connectors that must not start running are created in their state where
    // the worker can (KIP-980); elsewhere they are created, then moved at once. One
    // whose offsets are to be written is created STOPPED, whatever its state.
    let initial_state = match (&def.offsets, def.state) {
        (Some(_), _) => Some(State::Stopped),
        (None, State::Running) => None,
        (None, state) => (version >= Version::new(3, 7)).then_some(state),
    };
    let mut retry = Retry::default();
    loop {
        let read = match seen.take() {
            Some(known) => Ok(known.map(|k| k.config.clone())),
            None => read_config(client, &path),
        };
        let failure = match read {
            Ok(current) => {
                let d = match &current {
                    Some(map) => diff(&def.config, map),
                    None => Diff {
                        added: def.config.keys().cloned().collect(),
                        ..Diff::default()
                    },
                };
                let (existed, first_diff) = report
                    .first_seen
                    .get_or_insert((current.is_some(), d.clone()))
                    .clone();
                let created_or_updated = |status_created: bool| {
                    if status_created || !existed {
                        Applied::Created
                    } else {
                        Applied::Updated(first_diff.clone())
                    }
                };
                if current.is_some() && d.is_empty() {
                    // Equal: nothing to do, or an earlier write that timed out landed.
                    report.applied = Some(if report.wrote {
                        created_or_updated(false)
                    } else {
                        Applied::Unchanged(d)
                    });
                    return Ok(None);
                }
                if current.is_none() && def.offsets.is_some() && version < offsets::NEEDS {
                    return Err(Error::Rejected(format!(
                        "'offsets' needs Kafka Connect {} or newer, which can create a connector STOPPED; this worker runs {version}",
                        offsets::NEEDS
                    )));
                }
                if current.is_none()
                    && def.offsets.is_some()
                    && !dry_run
                    && client.run_end.remaining() < offsets::TIME_NEEDED
                {
                    return Err(Error::Deadline(format!(
                        "not created: less than {}s of the run is left to create it with its offsets",
                        offsets::TIME_NEEDED.as_secs()
                    )));
                }
                if dry_run {
                    report.applied = Some(match current {
                        None => Applied::WouldCreate,
                        Some(_) => Applied::WouldUpdate(d),
                    });
                    // A new connector would end up in its state.
                    return Ok(current.is_none().then_some(def.state));
                }
                report.attempts += 1;
                let sent = if let (None, Some(initial)) = (&current, initial_state) {
                    let request = serde_json::json!({
                        "name": def.name, "config": def.config, "initial_state": initial.as_str()
                    });
                    let body = request.to_string();
                    (
                        client.send(Method::POST, "/connectors", Some(&body), Kind::Write),
                        true,
                    )
                } else {
                    (
                        client.send(Method::PUT, &path, Some(&body), Kind::Write),
                        false,
                    )
                };
                // Until an answer says otherwise, the write may have landed.
                report.wrote = true;
                let failure = match sent {
                    (Ok(r), posted) if r.status == 201 || r.status == 200 => {
                        report.applied = Some(created_or_updated(r.status == 201));
                        let known = match (posted, existed) {
                            (true, _) => initial_state,
                            (false, false) => Some(State::Running),
                            (false, true) => None,
                        };
                        return Ok(known);
                    }
                    (Ok(r), _) => classify(&r),
                    (Err(f), _) => f,
                };
                // An answer that refuses the write says it did not land; a lost or
                // timed-out one says nothing: the next read tells, before the write
                // is repeated.
                if matches!(failure, Failure::Denied(_) | Failure::Rejected(_)) {
                    report.wrote = false;
                }
                failure
            }
            Err(f) => f,
        };
        let failure = match failure {
            // Created by someone else between our read and our POST: read again,
            // after a backoff like any answer that may change.
            Failure::Rejected(m) if m.contains("already exists") => Failure::Transient(m),
            other => other,
        };
        retry.settle(failure, client)?;
    }
}

/// Move the connector to its desired state, unless it is known to be there.
fn ensure_state(
    client: &mut Client,
    def: &Definition,
    known: Option<State>,
    seen_state: Option<String>,
    dry_run: bool,
    report: &mut Report,
) -> Result<(), Error> {
    if known == Some(def.state) {
        if known != Some(State::Running) {
            report.state_change = Some(StateChange {
                from: None,
                to: def.state,
                done: !dry_run,
            });
        }
        return Ok(());
    }
    let base = format!("/connectors/{}", encode_name(&def.name));
    let current: Option<String> = match (known, seen_state) {
        (Some(state), _) => Some(state.as_str().to_string()),
        (None, Some(seen)) => Some(seen),
        (None, None) => read_state(client, &base)?,
    };
    let action = match (def.state, current.as_deref()) {
        (State::Running, Some("PAUSED" | "STOPPED")) => "resume",
        // No status yet ("No status found"): the connector is starting, which is
        // where a RUNNING connector goes anyway.
        (State::Running, None) => return Ok(()),
        (State::Paused, Some(s)) if s != "PAUSED" => "pause",
        (State::Paused, None) => "pause",
        (State::Stopped, Some(s)) if s != "STOPPED" => "stop",
        (State::Stopped, None) => "stop",
        _ => return Ok(()),
    };
    if dry_run {
        report.state_change = Some(StateChange {
            from: current,
            to: def.state,
            done: false,
        });
        return Ok(());
    }
    let path = format!("{base}/{action}");
    Retry::default().run(client, |c| {
        let r = c.send(Method::PUT, &path, None, Kind::Write)?;
        match r.status {
            200..=204 => Ok(()),
            _ => Err(classify(&r)),
        }
    })?;
    report.attempts += 1;
    report.state_change = Some(StateChange {
        from: current,
        to: def.state,
        done: true,
    });
    Ok(())
}

/// The connector's state from `GET .../status`; None when there is none yet.
fn read_state(client: &mut Client, base: &str) -> Result<Option<String>, Error> {
    let path = format!("{base}/status");
    Retry::default().run(client, |c| {
        let r = c.get(&path, Kind::Read)?;
        match (r.status, &r.json) {
            (200, Some(j)) => Ok(j["connector"]["state"].as_str().map(str::to_string)),
            (404, Some(_)) => Ok(None),
            _ => Err(classify(&r)),
        }
    })
}

/// Retrying under the deadline: what each failure class means for the next step.
#[derive(Debug, Default)]
pub struct Retry {
    backoff: Backoff,
    unknown: u32,
}

impl Retry {
    /// Run `op` until it succeeds, retrying transient failures.
    pub fn run<T>(
        &mut self,
        client: &mut Client,
        mut op: impl FnMut(&mut Client) -> Result<T, Failure>,
    ) -> Result<T, Error> {
        loop {
            match op(client) {
                Ok(v) => return Ok(v),
                Err(f) => self.settle(f, client)?,
            }
        }
    }

    /// Ok after a backoff when another attempt is worth it; else the error to report,
    /// its message masked.
    pub fn settle(&mut self, failure: Failure, client: &Client) -> Result<(), Error> {
        match failure {
            Failure::Transient(m) | Failure::TimedOut(m) => self.wait(client, &m),
            Failure::Unknown(m) if self.unknown < UNKNOWN_RETRIES => {
                self.unknown += 1;
                self.wait(client, &m)
            }
            Failure::Unknown(m) | Failure::Unexpected(m) => Err(Error::Unexpected(format!(
                "unexpected answer from Kafka Connect: {}",
                m
            ))),
            Failure::Denied(m) => Err(Error::Denied(format!(
                "Kafka Connect refused access: {}",
                m
            ))),
            Failure::Rejected(m) => Err(Error::Rejected(format!(
                "Kafka Connect rejected the config: {}",
                m
            ))),
        }
    }

    fn wait(&mut self, client: &Client, why: &str) -> Result<(), Error> {
        if self.backoff.wait(&client.deadline) {
            return Ok(());
        }
        Err(Error::Deadline(format!(
            "Kafka Connect stayed unavailable until the deadline; last: {why}"
        )))
    }
}

/// `Some(config)`, `None` when the connector does not exist, or why neither is known.
fn read_config(client: &mut Client, path: &str) -> Result<Option<Map<String, Value>>, Failure> {
    let reply = client.get(path, Kind::Read)?;
    match (reply.status, &reply.json) {
        (200, Some(Value::Object(map))) => Ok(Some(map.clone())),
        (200, _) => Err(Failure::Unexpected(
            "GET .../config answered 200 without a JSON object".into(),
        )),
        (404, Some(_)) => Ok(None),
        _ => Err(classify(&reply)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn diff_names_keys_only() {
        let desired: BTreeMap<String, String> = [("a", "1"), ("b", "2"), ("c", "3")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let current = map(&[("a", "1".into()), ("b", "x".into()), ("z", "9".into())]);
        let d = diff(&desired, &current);
        assert_eq!(d.changed, ["b"]);
        assert_eq!(d.added, ["c"]);
        assert_eq!(d.removed, ["z"]);
        assert_eq!(d.describe(), "changed: b; added: c; removed: z");
    }

    #[test]
    fn server_managed_keys_are_never_drift() {
        let desired: BTreeMap<String, String> = [("a".to_string(), "1".to_string())].into();
        let current = map(&[("a", "1".into()), ("__internal.config.version", "1".into())]);
        assert!(diff(&desired, &current).is_empty());
    }

    #[test]
    fn stored_null_or_number_counts_as_changed() {
        let desired: BTreeMap<String, String> = [("a".to_string(), "1".to_string())].into();
        assert_eq!(diff(&desired, &map(&[("a", Value::Null)])).changed, ["a"]);
        assert!(diff(&desired, &map(&[("a", "1".into())])).is_empty());
    }

    #[test]
    fn masked_values_are_unknown_not_changes() {
        let desired: BTreeMap<String, String> = [
            ("pw".to_string(), "secret".to_string()),
            ("h".to_string(), "x".to_string()),
        ]
        .into();
        for shown in ["********", "[hidden]", "***"] {
            let d = diff(&desired, &map(&[("pw", shown.into()), ("h", "x".into())]));
            assert!(d.is_empty(), "{shown}");
            assert_eq!(d.masked, ["pw"]);
        }
        assert_eq!(
            diff(&desired, &map(&[("pw", "**".into()), ("h", "x".into())])).changed,
            ["pw"]
        );
    }

    #[test]
    fn names_are_one_path_segment() {
        assert_eq!(encode_name("clicks"), "clicks");
        assert_eq!(encode_name("a b?c#d%"), "a%20b%3Fc%23d%25");
        assert_eq!(encode_name("é"), "%C3%A9");
    }
}
