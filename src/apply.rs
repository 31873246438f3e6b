//! Create or update one connector: read its config, compare, and write only when it
//! differs, because an identical PUT still restarts the connector.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use ureq::http::Method;

use crate::connect::{Client, Failure, Kind, classify};
use crate::definitions::Definition;
use crate::error::Error;
use crate::redact::mask;
use crate::retry::Backoff;

/// Key names that differ between the desired and the current config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
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
        ]
        .iter()
        .filter(|(_, keys)| !keys.is_empty())
        .map(|(what, keys)| format!("{what}: {}", keys.join(", ")))
        .collect();
        parts.join("; ")
    }
}

/// Compare what the user wants with what `GET .../config` returned.
pub fn diff(desired: &BTreeMap<String, String>, current: &Map<String, Value>) -> Diff {
    let mut d = Diff::default();
    for (key, want) in desired {
        match current.get(key) {
            None => d.added.push(key.clone()),
            Some(Value::String(have)) if have == want => {}
            Some(_) => d.changed.push(key.clone()),
        }
    }
    for key in current.keys() {
        if !desired.contains_key(key) {
            d.removed.push(key.clone());
        }
    }
    d.removed.sort();
    d
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated(Diff),
    Unchanged,
    Failed(Error),
}

impl Outcome {
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Failed(e) => e.exit_code(),
            _ => crate::exit::OK,
        }
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

/// Create or update one connector; the outcome and the number of writes sent.
pub fn apply(client: &mut Client, def: &Definition) -> (Outcome, u32) {
    let path = format!("/connectors/{}/config", encode_name(&def.name));
    let body = serde_json::to_string(&def.config).expect("a map of strings serialises");
    let mut backoff = Backoff::default();
    let mut first: Option<(bool, Diff)> = None; // (existed, diff) at the first read
    let mut wrote = false;
    let mut unknown = 0;
    let mut writes = 0;
    loop {
        let failure = match read_config(client, &path) {
            Ok(current) => {
                let d = match &current {
                    Some(map) => diff(&def.config, map),
                    None => Diff {
                        added: def.config.keys().cloned().collect(),
                        ..Diff::default()
                    },
                };
                let (existed, first_diff) =
                    first.get_or_insert((current.is_some(), d.clone())).clone();
                if current.is_some() && d.is_empty() {
                    // Equal: either nothing to do, or an earlier write that timed out landed.
                    let outcome = match (wrote, existed) {
                        (false, _) => Outcome::Unchanged,
                        (true, false) => Outcome::Created,
                        (true, true) => Outcome::Updated(first_diff),
                    };
                    return (outcome, writes);
                }
                writes += 1;
                match client.send(Method::PUT, &path, Some(&body), Kind::Write) {
                    Ok(r) if r.status == 201 => return (Outcome::Created, writes),
                    Ok(r) if r.status == 200 && !existed => return (Outcome::Created, writes),
                    Ok(r) if r.status == 200 => return (Outcome::Updated(first_diff), writes),
                    Ok(r) => classify(&r),
                    Err(f) => f,
                }
            }
            Err(f) => f,
        };
        let error = match failure {
            Failure::TimedOut(m) => {
                // The write may still be queued on the worker: re-read before repeating it.
                wrote = true;
                retry_or_deadline(&mut backoff, client, &m, def)
            }
            Failure::Transient(m) => retry_or_deadline(&mut backoff, client, &m, def),
            Failure::Unknown(m) if unknown < UNKNOWN_RETRIES => {
                unknown += 1;
                retry_or_deadline(&mut backoff, client, &m, def)
            }
            Failure::Unknown(m) | Failure::Unexpected(m) => Some(Error::Unexpected(format!(
                "unexpected answer from Kafka Connect: {}",
                mask(&m, &def.config)
            ))),
            Failure::Denied(m) => Some(Error::Denied(format!(
                "Kafka Connect refused access: {}",
                mask(&m, &def.config)
            ))),
            Failure::Rejected(m) => Some(Error::Rejected(format!(
                "Kafka Connect rejected the config: {}",
                mask(&m, &def.config)
            ))),
        };
        if let Some(e) = error {
            return (Outcome::Failed(e), writes);
        }
    }
}

/// `None` after a backoff when there is time for another attempt.
fn retry_or_deadline(
    backoff: &mut Backoff,
    client: &Client,
    why: &str,
    def: &Definition,
) -> Option<Error> {
    if backoff.wait(&client.deadline) {
        return None;
    }
    Some(Error::Deadline(format!(
        "Kafka Connect stayed unavailable until the deadline; last: {}",
        mask(why, &def.config)
    )))
}

/// `Some(config)`, `None` when the connector does not exist, or why neither is known.
fn read_config(client: &mut Client, path: &str) -> Result<Option<Map<String, Value>>, Failure> {
    let reply = client.get(path, Kind::Read)?;
    match (reply.status, reply.json) {
        (200, Some(Value::Object(map))) => Ok(Some(map)),
        (200, _) => Err(Failure::Unexpected(
            "GET .../config answered 200 without a JSON object".into(),
        )),
        (404, Some(_)) => Ok(None),
        (status, json) => Err(classify(&crate::connect::Reply {
            status,
            body: reply.body,
            json,
        })),
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
    fn stored_null_or_number_counts_as_changed() {
        let desired: BTreeMap<String, String> = [("a".to_string(), "1".to_string())].into();
        assert_eq!(diff(&desired, &map(&[("a", Value::Null)])).changed, ["a"]);
        assert!(diff(&desired, &map(&[("a", "1".into())])).is_empty());
    }

    #[test]
    fn names_are_one_path_segment() {
        assert_eq!(encode_name("clicks"), "clicks");
        assert_eq!(encode_name("a b?c#d%"), "a%20b%3Fc%23d%25");
        assert_eq!(encode_name("é"), "%C3%A9");
    }
}
