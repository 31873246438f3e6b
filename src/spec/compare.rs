//! Comparing a desired config with the one Connect holds: key names only, values
//! the worker masks left out.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::base::text::{cut, one_line};
use crate::spec::keys::{is_server_managed, is_tools_own};

/// Key names that differ between the desired and the current config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// Keys whose current value the worker masks: unknown, so not a change.
    pub masked: Vec<String>,
    /// The changed, added and removed keys with their values (`with_values`).
    pub changes: Vec<Change>,
}

/// One key's change as a plan shows it: old and new values, None for a secret's
/// (only that it changed is said) and where there is none (added, removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub secret: bool,
}

/// Longest value a plan line shows, in bytes.
const MAX_SHOWN: usize = 200;

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// The same diff with the values of its keys, those `secret` says are
    /// secrets left out.
    pub fn with_values(
        mut self,
        desired: &BTreeMap<String, String>,
        current: &Map<String, Value>,
        secret: impl Fn(&str) -> bool,
    ) -> Diff {
        let shown = |v: Option<&Value>| match v {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let mut changes: Vec<Change> = [&self.changed, &self.added, &self.removed]
            .into_iter()
            .flatten()
            .map(|key| {
                let secret = secret(key);
                let value = |v: Option<String>| v.filter(|_| !secret);
                Change {
                    key: key.clone(),
                    old: value(shown(current.get(key))),
                    new: value(desired.get(key).cloned()),
                    secret,
                }
            })
            .collect();
        changes.sort_by(|a, b| a.key.cmp(&b.key));
        self.changes = changes;
        self
    }

    /// `changed: a, b; added: c; removed: d`: key names, with their values where
    /// `with_values` gave them (`a: 1 -> 2`, `pw (secret changed)`).
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
            let keys: Vec<_> = keys.iter().map(|k| self.describe_key(k)).collect();
            format!("{what}: {}", keys.join(", "))
        })
        .collect();
        parts.join("; ")
    }

    /// One key as the plan shows it.
    fn describe_key(&self, key: &str) -> String {
        let name = one_line(key);
        let Some(change) = self.changes.iter().find(|c| c.key == key) else {
            return name;
        };
        let value = |v: &str| cut(v, MAX_SHOWN);
        match (&change.old, &change.new) {
            _ if change.secret => format!(
                "{name} ({})",
                if self.changed.iter().any(|k| k == key) {
                    "secret changed"
                } else {
                    "secret"
                }
            ),
            (Some(old), Some(new)) => format!("{name}: {} -> {}", value(old), value(new)),
            (None, Some(new)) => format!("{name}: {}", value(new)),
            (Some(old), None) => format!("{name}: {}", value(old)),
            (None, None) => name,
        }
    }
}

/// Some vendor builds answer `GET .../config` with passwords replaced by a run of
/// `*` or by `[hidden]`.
pub fn is_masked(value: &str) -> bool {
    value == "[hidden]" || (value.len() >= 3 && value.bytes().all(|b| b == b'*'))
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
        if !desired.contains_key(key) && !is_server_managed(key) && !is_tools_own(key) {
            d.removed.push(key.clone());
        }
    }
    d.removed.sort();
    d
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
}
