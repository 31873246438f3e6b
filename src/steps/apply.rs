//! Create or update one connector: read its config, compare, and write only when it
//! differs, because an identical PUT still restarts the connector.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::{Map, Value};
use ureq::http::Method;

use crate::base::error::Error;
use crate::connect::answer::{Failure, classify};
use crate::connect::client::{Client, Kind};
use crate::connect::retry::Retry;
use crate::connect::snapshot::Known;
use crate::connect::version::Version;
use crate::report::outcome::{Applied, Held, OffsetsProgress, Report, StateChange};
use crate::spec::compare::{Diff, diff_ignoring, masked_keys};
use crate::spec::config::Config;
use crate::spec::definitions::{Definition, State, encode_name};
use crate::spec::ignore::IgnoreKeys;
use crate::spec::keys::UNFINISHED;
use crate::spec::masks::{Budget, FINGERPRINT_KEY, record};
use crate::spec::policy::refused_key;
use crate::steps::offsets::{self, Pending};
use crate::steps::pins;
use crate::steps::plugins::PasswordKeys;
use crate::steps::validate::validate;

/// What the comparison leaves out, for every connector of the run.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--ignore-keys`: never compared, never drift.
    pub ignore: IgnoreKeys,
    /// The plugins the worker lists with their versions, when a definition pins one.
    pub installed: Option<pins::Installed>,
    /// The worker was seen to mask values (in the listing of every connector): a
    /// connector it creates gets its fingerprint at once, as on a build known to mask.
    pub masks_seen: bool,
    /// The PASSWORD-typed keys of each plugin class, as `steps::plugins` read them
    /// (once per class and run) for the classes the worker could describe.
    pub password_keys: Arc<PasswordKeys>,
    /// How long the run may spend hashing fingerprints (`spec::masks::Budget`).
    pub hashing: Budget,
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
    settings: &Settings,
) {
    if let Err(e) = pins::check(def, version, settings.installed.as_ref()) {
        report.error = Some(e);
        return;
    }
    if def.state == State::Stopped && version < Version::new(3, 5) {
        report.error = Some(Error::Rejected(format!(
            "state STOPPED needs Kafka Connect 3.5 or newer; this worker runs {version}"
        )));
        return;
    }
    // Held from a create with offsets until they are written (or the create undone):
    // never while only reading, never in a dry run. What an earlier round held is
    // held until this one ends.
    let mut creating = None;
    let earlier = std::mem::take(&mut report.held);
    // What a snapshot of the cluster showed stands in for the first reads.
    let seen_state = seen
        .flatten()
        .and_then(|k| k.state.as_deref().map(String::from));
    let result = apply_config(
        client,
        def,
        (version, settings),
        dry_run,
        report,
        seen,
        &mut creating,
    );
    // A create with offsets that may have landed, its outcome unknown when the
    // connector's time ran out (a lost answer, then no read in time): it may exist
    // without its offsets, which the next run would take for an existing
    // connector. It is deleted again, as when the offsets themselves fail.
    // A write that lands late, behind a failure of a later round, is this run's
    // create too (it did not exist when first seen). Not while the run has time to
    // come back to it (only the connector's slice ran out): a later round reads it
    // and writes its offsets, where a rollback would spend that time.
    // Its offsets are written within the connector's slice too: a write that
    // outlasts it waits for a later round like the create, so that it never holds
    // the run's time from the connectors after it.
    let result = result
        .and_then(|known| start_from_offsets(client, def, (version, settings), known, report));
    let created_here = creating.is_some() || matches!(report.first_seen, Some((false, _)));
    let result = match result {
        Err(Error::Deadline(m)) if !client.run_end.passed() => {
            // Held into the later round: a signal before it still undoes it.
            if def.offsets.is_some() && created_here && report.wrote {
                report.held = match creating.take() {
                    Some(pending) => Held::new(pending),
                    None => earlier.clone(),
                };
            }
            Err(Error::Deadline(m))
        }
        Err(e) if def.offsets.is_some() && created_here && report.wrote => {
            Err(undo(client, def, e, report))
        }
        other => other,
    };
    drop(creating);
    drop(earlier);
    let result =
        result.and_then(|known| ensure_state(client, def, known, seen_state, dry_run, report));
    report.error = result
        .err()
        .map(|e| pins::explain(def, settings.installed.as_ref(), e))
        .map(|e| policy_refusal(def, e));
}

/// A rejection that names a key a worker's policy may refuse (a client override, a
/// JAAS line): the key named, Connect's words (which echo the value) left out.
fn policy_refusal(def: &Definition, error: Error) -> Error {
    let Error::Rejected(message) = &error else {
        return error;
    };
    match refused_key(&def.config, message) {
        Some(key) => Error::Rejected(format!(
            "Kafka Connect refused '{key}': a worker policy allows only listed keys and values (client overrides: connector.client.config.override.policy, an allowlist from Kafka 4.2, KIP-1188; JAAS login modules: org.apache.kafka.allowed.login.modules, 4.0+; OAuth URLs: org.apache.kafka.sasl.oauthbearer.allowed.urls); allow it on the worker or remove it; Connect's message is not shown, as it holds the value"
        )),
        None => error,
    }
}

/// A connector this run created, with `offsets` declared: write them while it is
/// STOPPED, or delete it again. For a connector that existed, they are kept.
fn start_from_offsets(
    client: &mut Client,
    def: &Definition,
    (version, settings): (Version, &Settings),
    known: Option<State>,
    report: &mut Report,
) -> Result<Option<State>, Error> {
    let Some(offsets) = &def.offsets else {
        return Ok(known);
    };
    match &report.applied {
        Some(Applied::Created) => {}
        Some(Applied::WouldCreate) => {
            report.offsets = Some(offsets.describe().into());
            return Ok(known);
        }
        _ => {
            report.offsets = Some("offsets kept (connector exists)".into());
            return Ok(known);
        }
    }
    // A later round takes the create up where the earlier one stopped: offsets
    // written again while they may not be (the connector is STOPPED until it is
    // unmarked), never once it may have been moved to its state.
    let known = match report.offsets_progress {
        OffsetsProgress::Done => known,
        OffsetsProgress::Pending | OffsetsProgress::Written => {
            if report.offsets_progress == OffsetsProgress::Pending {
                offsets.write(client, &def.name)?;
                report.offsets_progress = OffsetsProgress::Written;
            }
            // Written as it was created, less the mark: a fingerprint of the same
            // keys (on a worker that masks) keeps it settled.
            let config = fingerprinted(client, def, version, None, &Diff::default(), settings);
            offsets::unmark(client, def, &config)?;
            report.offsets_progress = OffsetsProgress::Done;
            Some(State::Stopped)
        }
    };
    report.offsets = Some(offsets.describe().into());
    Ok(known)
}

/// Delete a connector this run created (or may have) with offsets it could not
/// write; the error, saying whether that worked.
fn undo(client: &mut Client, def: &Definition, e: Error, report: &mut Report) -> Error {
    let (gone, undone) = offsets::roll_back(client, &def.name);
    report.applied = None;
    // Who wrote it is forgotten only once it is gone: a later round that finds
    // it still there must know it for this run's, never a predecessor's.
    if gone {
        report.first_seen = None;
        report.wrote = false;
    }
    match e {
        Error::Deadline(m) => Error::Deadline(format!("{m}{undone}")),
        Error::Rejected(m) => Error::Rejected(format!("{m}{undone}")),
        Error::Denied(m) => Error::Denied(format!("{m}{undone}")),
        Error::NotRunning(m) => Error::NotRunning(format!("{m}{undone}")),
        other => Error::Unexpected(format!("{}{undone}", other.message())),
    }
}

/// Write the config only when it differs, because an identical PUT still restarts
/// the connector. Ok(the state the connector is known to be in, if known).
fn apply_config(
    client: &mut Client,
    def: &Definition,
    (version, settings): (Version, &Settings),
    dry_run: bool,
    report: &mut Report,
    mut seen: Option<Option<&Known>>,
    creating: &mut Option<Pending>,
) -> Result<Option<State>, Error> {
    let base = format!("/connectors/{}", encode_name(&def.name));
    let path = format!("{base}/config");
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
            Some(known) => Ok(known.map(Known::config)),
            None => read_config(client, &path),
        };
        let failure = match read {
            Ok(mut current) => {
                // An earlier run's create that got neither its offsets nor undone:
                // made anew, never taken for an existing connector.
                // Deleted only right before it is created anew, after every check
                // that could keep this run from creating it.
                let mark = current.as_ref().and_then(|c| c.get(UNFINISHED));
                let mut abandoned = false;
                if let (Some(mark), false) = (mark, report.wrote) {
                    match offsets::unfinished_by(mark) {
                        // Another run may still be finishing it: its mark says until when.
                        Some(until) if !dry_run => {
                            retry.settle(Failure::Transient(format!(
                                "another run is creating it with its offsets (its run ends by {until})"
                            )), client)?;
                            continue;
                        }
                        _ => {
                            abandoned = true;
                            current = None;
                        }
                    }
                }
                let d = match &current {
                    Some(map) => {
                        // The plugin the worker holds, when the definition names
                        // another: its PASSWORD keys' stored values are secrets too.
                        learn_stored_class(client, settings, def, map);
                        // A stored secret (the password being rotated) is a secret too.
                        client.redactor.update(|s| def.register_stored(s, map));
                        let redactor = client.redactor.clone();
                        diff_ignoring(&def.config, map, &settings.ignore, settings.hashing)
                            .with_values(&def.config, map, |k| {
                                def.is_secret(k) || redactor.is_secret_key(k)
                            })
                            // Masked before a plan cuts them: nothing is cut unmasked.
                            .masked(|v| redactor.mask(v))
                    }
                    // Nothing to compare with a connector that does not exist: no
                    // report shows a created connector's keys, and a fleet's would
                    // be a copy of every definition's key names.
                    None => Diff::default(),
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
                    && client.run_end.remaining() < offsets::time_needed(client.run_length)
                {
                    // Not begun for want of time; but a config Connect rejects is
                    // rejected whatever the time, and one read-only check tells.
                    let redactor = client.redactor.clone();
                    validate(client, def, &redactor)?;
                    return Err(Error::Deadline(format!(
                        "not created: less than {:.1}s of the run is left to create it with its offsets",
                        offsets::time_needed(client.run_length).as_secs_f64()
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
                if abandoned {
                    offsets::delete_unfinished(client, &def.name)?;
                }
                report.attempts += 1;
                let config = fingerprinted(client, def, version, current.as_ref(), &d, settings);
                let body = serde_json::to_string(&config).expect("a map of strings serialises");
                let sent = if let (None, Some(initial)) = (&current, initial_state) {
                    let mut config = serde_json::json!(&*config);
                    if def.offsets.is_some() {
                        config[UNFINISHED] = offsets::mark(client).into();
                    }
                    let request = serde_json::json!({
                        "name": def.name, "config": config, "initial_state": initial.as_str()
                    });
                    let body = request.to_string();
                    if def.offsets.is_some() && creating.is_none() {
                        *creating = Some(Pending::enter(client, &def.name));
                    }
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
                // Until an answer says otherwise, the write may have landed. An
                // earlier write whose answer was lost may have landed too: what this
                // answer says of this write never clears that.
                let wrote_before = report.wrote;
                report.wrote = true;
                let failure = match sent {
                    (Ok(r), posted) if r.status == 201 || r.status == 200 => {
                        if let Some(pending) = creating {
                            pending.created();
                        }
                        report.applied = Some(created_or_updated(r.status == 201));
                        let known = match (posted, existed) {
                            (true, _) => initial_state,
                            (false, false) => Some(State::Running),
                            (false, true) => None,
                        };
                        return Ok(known);
                    }
                    (Ok(r), _) => {
                        // A 409 (a rebalance, stale config, "already exists") refuses
                        // the write: it did not land, like a rejection.
                        if r.status == 409 {
                            report.wrote = wrote_before;
                            // Created by someone else between our read and this
                            // create, and no earlier write of ours may have landed:
                            // it is theirs, never this run's to undo or to give
                            // offsets. The next read sees it as existing.
                            if !wrote_before && r.message().contains("already exists") {
                                *creating = None;
                                report.first_seen = None;
                            }
                        }
                        classify(&r)
                    }
                    (Err(f), _) => f,
                };
                // An answer that refuses the write says it did not land; a lost or
                // timed-out one says nothing: the next read tells, before the write
                // is repeated.
                if matches!(failure, Failure::Denied(_) | Failure::Rejected(_)) {
                    report.wrote = wrote_before;
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

/// The config to write: the definition's, and on a worker that masks values, the
/// fingerprint of the keys it masks (`spec::masks`), so that the next run can tell
/// whether they changed. Where nothing is masked, the definition's config as it is.
fn fingerprinted<'a>(
    client: &mut Client,
    def: &'a Definition,
    version: Version,
    current: Option<&Map<String, Value>>,
    d: &Diff,
    settings: &Settings,
) -> Cow<'a, Config> {
    let mut keys = current
        .map(|c| masked_keys(&def.config, c))
        .unwrap_or_default();
    if keys.is_empty() && !version.masks && !settings.masks_seen {
        return Cow::Borrowed(&def.config);
    }
    // Keys the worker does not hold yet: masked from now on if their type is
    // PASSWORD (as `steps::plugins` read it, no second request); where the
    // plugin's key types could not be read, those the run holds for secrets.
    let added: Vec<&str> = match current {
        None => def.config.keys().collect(),
        Some(_) => d.added.iter().map(String::as_str).collect(),
    };
    let typed = def
        .config
        .get("connector.class")
        .and_then(|class| settings.password_keys.get(class));
    for key in added {
        let secret = match typed {
            Some(typed) => typed.contains(key),
            None => def.is_secret(key),
        };
        if secret && !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
    }
    keys.retain(|k| !settings.ignore.matches(k));
    if keys.is_empty() {
        return Cow::Borrowed(&def.config);
    }
    let fingerprint = record(&def.config, &keys, settings.hashing);
    // Derived from secrets: masked in any message that echoes the config, too.
    client
        .redactor
        .update(|secrets| secrets.add_value(&fingerprint, true));
    let mut config = def.config.clone();
    config.insert(FINGERPRINT_KEY.to_string(), fingerprint);
    Cow::Owned(config)
}

/// The plugins a connector the worker holds names (its connector class, its
/// converters, transforms and predicates) that the definition does not name at
/// the same place: the keys each declares PASSWORD, under its prefix, are secret
/// keys of the run, so their stored values are never shown (as removed or changed
/// keys: a transform the definition drops). What the run learnt already is used;
/// else one request per class; where it cannot be answered, the name rules decide.
fn learn_stored_class(
    client: &mut Client,
    settings: &Settings,
    def: &Definition,
    stored: &Map<String, Value>,
) {
    let stored: crate::spec::config::Config = stored
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect();
    let ours = crate::steps::plugins::plugins_of(&def.config);
    for (prefix, class) in crate::steps::plugins::plugins_of(&stored) {
        if ours.iter().any(|(p, c)| *p == prefix && *c == class) {
            continue;
        }
        let keys = match settings.password_keys.get(&class) {
            Some(keys) => Arc::clone(keys),
            None => match crate::steps::plugins::password_keys(client, &class) {
                Ok(Some(keys)) => Arc::new(keys),
                _ => continue,
            },
        };
        client.redactor.update(|s| {
            keys.iter()
                .for_each(|k| s.add_secret_key(&format!("{prefix}{k}")))
        });
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
            report.state_change = Some(Box::new(StateChange {
                from: None,
                to: def.state,
                done: !dry_run,
            }));
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
        report.state_change = Some(Box::new(StateChange {
            from: current,
            to: def.state,
            done: false,
        }));
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
    report.state_change = Some(Box::new(StateChange {
        from: current,
        to: def.state,
        done: true,
    }));
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
