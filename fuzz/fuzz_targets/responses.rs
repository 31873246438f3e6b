//! Fuzz the handling of Kafka Connect's answers: `Reply`, `classify`,
//! `Version::parse`, `Observed` (a connector's status), `apply::diff` (a stored
//! config) and `redact::mask` (what keeps secrets out of Connect's messages).
//!
//! Input: 2 bytes of HTTP status (big-endian), then the body as the worker sent it
//! (lossily UTF-8, as the client reads it). A NUL byte ends the body; what follows it
//! builds a connector config for `mask`, NUL-separated: a message first, then
//! `key=value` entries (`!key=value` for a key known to be secret). String members of
//! the body's `config` object join that config.
//!
//! The property for `mask`: no config value it must hide (any non-empty value of a
//! secret key, any other value of 4 characters or more; `name` and
//! `connector.class` excepted) is left in its output. Weakened for values that
//! contain `***` or start or end with `*`: replacing one value by `***` can join the
//! text around it into such a value (`a***b` from `aXXXXb`, with `XXXX` another
//! value) although the message never held it. Any other occurrence in the output
//! would already have been in the text its own replacement pass worked on, and that
//! pass replaced it; so for those values the property is exact.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use connect_deploy::connect::answer::{Failure, NO_PLUGIN, Reply, classify};
use connect_deploy::connect::version::Version;
use connect_deploy::report::redact::{MASK, Secrets};
use connect_deploy::spec::compare::diff;
use connect_deploy::spec::definitions::State;
use connect_deploy::spec::keys::{is_server_managed, is_tools_own};
use connect_deploy::spec::masks::is_mask;
use connect_deploy::spec::pins::is_pin_key;
use connect_deploy::steps::converge::Observed;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let text = String::from_utf8_lossy(&data[2..]).into_owned();
    let (body, tail) = match text.split_once('\0') {
        Some((body, tail)) => (body.to_string(), Some(tail)),
        None => (text.clone(), None),
    };

    let reply = Reply::new(status, body.clone());
    let message = reply.message();
    check_message(&reply, &message);
    let failure = classify(&reply);
    check_failure(&reply, &failure);

    check_version(&body);
    if let Some(v) = reply
        .json
        .as_ref()
        .and_then(|j| j.get("version"))
        .and_then(Value::as_str)
    {
        check_version(v);
    }

    let mut messages = vec![message, failure.message().to_string(), body.clone()];
    if let Some(j) = &reply.json {
        if let Some(observed) = Observed::from_json(j) {
            messages.push(check_observed(&observed));
        }
        if let Value::Object(current) = j {
            check_diff(current);
        }
    }

    let (config, secret_keys, extra) = config_from(reply.json.as_ref(), tail);
    messages.push(extra);
    messages.extend(echoes(&config, &messages[3..]));
    for m in &messages {
        check_mask(m, &config, &secret_keys);
    }
});

fn check_message(reply: &Reply, message: &str) {
    let from_json = reply
        .json
        .as_ref()
        .and_then(|j| j.get("message"))
        .and_then(Value::as_str);
    match from_json {
        Some(m) => assert_eq!(message, m),
        // At most 300 characters of the raw text, and "...".
        None => assert!(message.chars().count() <= 303, "long message: {message:?}"),
    }
}

fn check_failure(reply: &Reply, failure: &Failure) {
    let m = failure.message();
    // A missing plugin is said in words of its own (issue 21).
    assert!(
        m.starts_with(&format!("HTTP {}", reply.status)) || m.starts_with(NO_PLUGIN),
        "a failure message without its status: {m:?}"
    );
    let denied = matches!(failure, Failure::Denied(_));
    assert_eq!(denied, matches!(reply.status, 401 | 403), "{failure:?}");
    if (300..=399).contains(&reply.status) {
        assert!(matches!(failure, Failure::Unexpected(_)), "{failure:?}");
    }
}

fn check_version(text: &str) {
    if let Some(v) = Version::parse(text) {
        // Displayed as major.minor, and parses back to itself.
        let shown = v.to_string();
        assert_eq!(Version::parse(&shown), Some(v), "{text:?} -> {shown}");
    }
}

/// Exercise every reading of a status; returns its failure text (a message `mask`
/// must handle too).
fn check_observed(o: &Observed) -> String {
    let describe = o.describe();
    assert!(describe.starts_with(&o.connector));
    let failure = o.failure();
    assert_eq!(
        o.failed(),
        !failure.is_empty(),
        "failed() and failure() disagree"
    );
    assert!(
        !failure.contains('\n'),
        "more than first lines: {failure:?}"
    );
    for (state, word) in [
        (State::Running, "RUNNING"),
        (State::Paused, "PAUSED"),
        (State::Stopped, "STOPPED"),
    ] {
        if o.reached(state) {
            assert_eq!(o.connector, word);
            if state != State::Stopped {
                assert!(!o.failed(), "{word} reached while FAILED");
            }
        }
    }
    failure
}

/// `diff` against a desired config derived from the stored one: some values kept,
/// some changed, some keys dropped, one added.
fn check_diff(current: &Map<String, Value>) {
    let mut desired = BTreeMap::new();
    for (i, (k, v)) in current.iter().enumerate() {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match i % 3 {
            0 => {
                desired.insert(k.clone(), text);
            }
            1 => {
                desired.insert(k.clone(), format!("{text}x"));
            }
            _ => {}
        }
    }
    desired.insert("connect-deploy.fuzz.added".into(), "1".into());
    let d = diff(&desired, current);
    for key in desired.keys() {
        let version = d.versions.contains(key);
        let places = [&d.added, &d.changed, &d.masked, &d.unverified]
            .iter()
            .filter(|l| l.contains(key))
            .count()
            + usize::from(version);
        let shown = current.get(key).and_then(Value::as_str);
        // A mask is never equal to a value: it is always judged (its fingerprint).
        let masked = shown.is_some_and(is_mask);
        let equal = !masked && current.get(key) == Some(&Value::String(desired[key].clone()));
        assert_eq!(places, usize::from(!equal), "key {key:?} in {places} lists");
        if version {
            assert!(is_pin_key(key));
        }
        if d.added.contains(key) {
            assert!(!current.contains_key(key));
        }
        if d.masked.contains(key) || d.unverified.contains(key) {
            assert!(masked);
        }
    }
    for key in &d.removed {
        assert!(current.contains_key(key) && !desired.contains_key(key));
    }
    let removed = current
        .keys()
        .filter(|k| {
            !desired.contains_key(*k)
                && !is_server_managed(k)
                && !is_tools_own(k)
                && !is_pin_key(k)
        })
        .count();
    assert_eq!(d.removed.len(), removed);
    assert!(d.removed.is_sorted());

    // A stored config equal to the desired one is no change, but for masks.
    let same: Map<String, Value> = desired
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let d = diff(&desired, &same);
    let masks = desired.values().filter(|v| is_mask(v)).count();
    assert_eq!(d.unverified.len(), masks, "{d:?}");
    assert!(
        d.changed.is_empty() && d.added.is_empty() && d.removed.is_empty() && d.versions.is_empty(),
        "{d:?}"
    );
}

/// The config for `mask`: the body's `config` object's strings, then the entries
/// after the NUL. Returns (config, secret keys, the message given after the NUL).
fn config_from(
    json: Option<&Value>,
    tail: Option<&str>,
) -> (BTreeMap<String, String>, BTreeSet<String>, String) {
    let mut config = BTreeMap::new();
    let mut secret_keys = BTreeSet::new();
    if let Some(Value::Object(c)) = json.and_then(|j| j.get("config")) {
        for (k, v) in c {
            if let Value::String(s) = v {
                config.insert(k.clone(), s.clone());
            }
        }
    }
    let mut extra = String::new();
    if let Some(tail) = tail {
        let mut parts = tail.split('\0');
        extra = parts.next().unwrap_or("").to_string();
        for entry in parts {
            let (entry, secret) = match entry.strip_prefix('!') {
                Some(e) => (e, true),
                None => (entry, false),
            };
            let (k, v) = entry.split_once('=').unwrap_or((entry, ""));
            if secret {
                secret_keys.insert(k.to_string());
            }
            config.insert(k.to_string(), v.to_string());
        }
    }
    (config, secret_keys, extra)
}

/// Messages as Connect writes them around config values, so the fuzzer need not
/// find these shapes itself: the values joined by fuzzed text, the whole-config echo
/// and the "Invalid value" echo.
fn echoes(config: &BTreeMap<String, String>, around: &[String]) -> Vec<String> {
    let glue = around.last().map(String::as_str).unwrap_or(" ");
    let values: Vec<&str> = config.values().map(String::as_str).collect();
    let pairs: Vec<String> = config.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let invalid: Vec<String> = config
        .iter()
        .map(|(k, v)| format!("Invalid value {v} for configuration {k}: {glue}"))
        .collect();
    vec![
        values.join(glue),
        format!(
            "{glue}Connector config {{{}}} contains no connector type{glue}",
            pairs.join(", ")
        ),
        invalid.join("\n"),
    ]
}

/// The redaction layer as the run builds it from one connector's config.
fn mask(
    message: &str,
    config: &BTreeMap<String, String>,
    secret_keys: &BTreeSet<String>,
) -> String {
    let mut secrets = Secrets::default();
    for (key, value) in config {
        secrets.add_public(key);
        match key.as_str() {
            "name" => {}
            _ if secret_keys.contains(key) => {
                secrets.add_secret_key(key);
                secrets.add_value(value, true);
            }
            _ => secrets.add_embedded(value),
        }
    }
    secrets.mask(message)
}

fn check_mask(message: &str, config: &BTreeMap<String, String>, secret_keys: &BTreeSet<String>) {
    let out = mask(message, config, secret_keys);
    for (key, value) in config {
        // Only secrets are masked; every other value is shown (issue 21).
        if key == "name" || !secret_keys.contains(key) || value.is_empty() {
            continue;
        }
        // Names are never masked: a secret inside a key name is that name.
        if config.keys().any(|k| k.contains(value.as_str())) {
            continue;
        }
        if value.contains(MASK) || value.starts_with('*') || value.ends_with('*') {
            continue; // may be joined from the text around a mask: see the top
        }
        assert!(
            !out.contains(value.as_str()),
            "the value of {key:?} is left in the masked message\nvalue: {value:?}\nmessage: {message:?}\nmasked: {out:?}\nconfig: {config:?}\nsecret keys: {secret_keys:?}"
        );
    }
}
