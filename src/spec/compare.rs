//! Comparing a desired config with the one Connect holds: key names only; values
//! the worker masks are compared through their fingerprint (`spec::masks`), never
//! with the mask.

use serde_json::{Map, Value};

use crate::base::text::{cut, one_line};
use crate::spec::config::Config;
use crate::spec::ignore::IgnoreKeys;
use crate::spec::keys::{is_server_managed, is_tools_own};
use crate::spec::masks::{Budget, FINGERPRINT_KEY, is_mask, verify};
use crate::spec::pins::is_pin_key;

/// Key names that differ between the desired and the current config, read
/// through `Keys`. The report of each of a fleet's connectors holds one or two
/// (`report::outcome`), nearly all empty: an empty diff is one word, and only one
/// with keys has them on the heap.
#[derive(Clone, Default)]
pub struct Diff(Option<Box<Keys>>);

/// What a diff holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// Keys whose current value the worker masks, the same by their fingerprint.
    pub masked: Vec<String>,
    /// Keys whose current value the worker masks, with no fingerprint to tell:
    /// written once, with one.
    pub unverified: Vec<String>,
    /// Keys pinning a plugin version that change (KIP-891): a change of their own,
    /// shown as `key old -> new` (`(none)` where unpinned) once `with_values` gave
    /// the values.
    pub versions: Vec<String>,
    /// The changed, added, removed and version keys with their values (`with_values`).
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

/// What an empty diff reads as.
static NO_KEYS: Keys = Keys {
    added: Vec::new(),
    removed: Vec::new(),
    changed: Vec::new(),
    masked: Vec::new(),
    unverified: Vec::new(),
    versions: Vec::new(),
    changes: Vec::new(),
};

impl From<Keys> for Diff {
    fn from(keys: Keys) -> Diff {
        if keys == NO_KEYS {
            Diff(None)
        } else {
            Diff(Some(Box::new(keys)))
        }
    }
}

impl std::ops::Deref for Diff {
    type Target = Keys;

    fn deref(&self) -> &Keys {
        self.0.as_deref().unwrap_or(&NO_KEYS)
    }
}

impl PartialEq for Diff {
    fn eq(&self, other: &Diff) -> bool {
        **self == **other
    }
}

impl Eq for Diff {}

impl std::fmt::Debug for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.unverified.is_empty()
            && self.versions.is_empty()
    }

    /// The same diff with the values of its keys, those `secret` says are
    /// secrets left out.
    pub fn with_values(
        mut self,
        desired: &Config,
        current: &Map<String, Value>,
        secret: impl Fn(&str) -> bool,
    ) -> Diff {
        let shown = |v: Option<&Value>| match v {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let mut changes: Vec<Change> = [&self.changed, &self.added, &self.removed, &self.versions]
            .into_iter()
            .flatten()
            .map(|key| {
                // A key the worker masks is secret whatever its name.
                let masked = matches!(current.get(key), Some(Value::String(v)) if is_mask(v));
                let secret = masked || secret(key);
                let value = |v: Option<String>| v.filter(|_| !secret);
                Change {
                    key: key.clone(),
                    old: value(shown(current.get(key))),
                    new: value(desired.get(key).map(String::from)),
                    secret,
                }
            })
            .collect();
        changes.sort_by(|a, b| a.key.cmp(&b.key));
        if let Some(keys) = &mut self.0 {
            keys.changes = changes;
        }
        self
    }

    /// The same diff with each shown value passed through `mask` (the redaction
    /// layer's): a plan cuts values to MAX_SHOWN bytes, and a value cut before it
    /// is masked could keep the first bytes of a secret inside it (a URL's
    /// `password=` near the cut), too few to be recognised afterwards.
    pub fn masked(mut self, mask: impl Fn(&str) -> String) -> Diff {
        let changes = self.0.iter_mut().flat_map(|keys| &mut keys.changes);
        for change in changes {
            for value in [&mut change.old, &mut change.new].into_iter().flatten() {
                *value = mask(value);
            }
        }
        self
    }

    /// `changed: a, b; added: c; removed: d`: key names, with their values where
    /// `with_values` gave them (`a: 1 -> 2`, `pw (secret changed)`). Masked keys
    /// whose fingerprint matches are equal, and not named.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("plugin version", &self.versions),
            ("changed", &self.changed),
            ("added", &self.added),
            ("removed", &self.removed),
            (
                "masked by the worker, not yet fingerprinted",
                &self.unverified,
            ),
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

    /// One key as the plan shows it: values cut to MAX_SHOWN bytes, which `masked`
    /// made safe to cut.
    fn describe_key(&self, key: &str) -> String {
        let name = one_line(key);
        let Some(change) = self.changes.iter().find(|c| c.key == key) else {
            return name;
        };
        let value = |v: &str| cut(v, MAX_SHOWN);
        let version = self.versions.iter().any(|k| k == key);
        match (&change.old, &change.new) {
            _ if change.secret => format!(
                "{name} ({})",
                if version || self.changed.iter().any(|k| k == key) {
                    "secret changed"
                } else {
                    "secret"
                }
            ),
            (old, new) if version => format!(
                "{name} {} -> {}",
                old.as_deref().map_or("(none)".into(), value),
                new.as_deref().map_or("(none)".into(), value)
            ),
            (Some(old), Some(new)) => format!("{name}: {} -> {}", value(old), value(new)),
            (None, Some(new)) => format!("{name}: {}", value(new)),
            (Some(old), None) => format!("{name}: {}", value(old)),
            (None, None) => name,
        }
    }
}

/// Compare what the user wants with what `GET .../config` returned.
pub fn diff(desired: &Config, current: &Map<String, Value>) -> Diff {
    diff_ignoring(
        desired,
        current,
        &IgnoreKeys::default(),
        Budget::unlimited(),
    )
}

/// Keys of `desired` whose current value is a mask.
pub fn masked_keys(desired: &Config, current: &Map<String, Value>) -> Vec<String> {
    desired
        .keys()
        .filter(|k| matches!(current.get(*k), Some(Value::String(v)) if is_mask(v)))
        .map(String::from)
        .collect()
}

/// As `diff`, leaving out the keys `ignore` names (`--ignore-keys`) on both sides.
/// A masked value is never compared with a value: its fingerprint is.
pub fn diff_ignoring(
    desired: &Config,
    current: &Map<String, Value>,
    ignore: &IgnoreKeys,
    hashing: Budget,
) -> Diff {
    let mut d = Keys::default();
    let mut masked = Vec::new();
    for (key, want) in desired {
        if ignore.matches(key) {
            continue;
        }
        match current.get(key) {
            None => d.added.push(key.to_string()),
            Some(Value::String(have)) if is_mask(have) => masked.push(key.to_string()),
            Some(Value::String(have)) if have == want => {}
            Some(_) => d.changed.push(key.to_string()),
        }
    }
    let verdict = verify(desired, &masked, current.get(FINGERPRINT_KEY), hashing);
    d.masked = masked
        .into_iter()
        .filter(|k| !verdict.changed.contains(k) && !verdict.unverified.contains(k))
        .collect();
    d.changed.extend(verdict.changed);
    d.changed.sort();
    d.unverified = verdict.unverified;
    for key in current.keys() {
        if !desired.contains_key(key)
            && !is_server_managed(key)
            && !is_tools_own(key)
            && !ignore.matches(key)
        {
            d.removed.push(key.clone());
        }
    }
    d.removed.sort();
    let mut pinned: Vec<String> = d
        .changed
        .iter()
        .chain(&d.added)
        .chain(&d.removed)
        .filter(|k| is_pin_key(k))
        .cloned()
        .collect();
    pinned.sort();
    d.versions = pinned;
    for keys in [&mut d.changed, &mut d.added, &mut d.removed] {
        keys.retain(|k| !is_pin_key(k));
    }
    Diff::from(d)
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
        let desired: Config = [("a", "1"), ("b", "2"), ("c", "3")]
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
        let desired: Config = [("a".to_string(), "1".to_string())].into();
        let current = map(&[("a", "1".into()), ("__internal.config.version", "1".into())]);
        assert!(diff(&desired, &current).is_empty());
    }

    #[test]
    fn stored_null_or_number_counts_as_changed() {
        let desired: Config = [("a".to_string(), "1".to_string())].into();
        assert_eq!(diff(&desired, &map(&[("a", Value::Null)])).changed, ["a"]);
        assert!(diff(&desired, &map(&[("a", "1".into())])).is_empty());
    }

    #[test]
    fn masked_values_are_unknown_not_changes() {
        let desired: Config = [
            ("pw".to_string(), "secret".to_string()),
            ("h".to_string(), "x".to_string()),
        ]
        .into();
        let keys = vec!["pw".to_string()];
        let fingerprint = Value::from(crate::spec::masks::record(
            &desired,
            &keys,
            Budget::unlimited(),
        ));
        for shown in ["********", "[hidden]", "***", "••••••••••••", "*"] {
            // No fingerprint: unknown, so written once (with one).
            let d = diff(&desired, &map(&[("pw", shown.into()), ("h", "x".into())]));
            assert!(!d.is_empty(), "{shown}");
            assert_eq!(d.unverified, ["pw"]);
            // The fingerprint matches: the same.
            let stored = map(&[
                ("pw", shown.into()),
                ("h", "x".into()),
                (FINGERPRINT_KEY, fingerprint.clone()),
            ]);
            let d = diff(&desired, &stored);
            assert!(d.is_empty(), "{shown}");
            assert_eq!(d.masked, ["pw"]);
            assert_eq!(d.describe(), "");
            // A rotation: changed, by name.
            let mut rotated = desired.clone();
            rotated.insert("pw".into(), "new".into());
            let d = diff(&rotated, &stored);
            assert_eq!(d.changed, ["pw"]);
            assert!(d.masked.is_empty());
        }
    }

    #[test]
    fn a_mask_is_never_compared_with_a_value() {
        let desired: Config = [("pw".to_string(), "••••••••••••".to_string())].into();
        let d = diff(&desired, &map(&[("pw", "••••••••••••".into())]));
        assert_eq!(d.unverified, ["pw"]);
    }

    #[test]
    fn ignored_keys_are_never_drift() {
        let ignore = IgnoreKeys::parse("secret.bundle.id,pw").unwrap();
        let desired: Config = [
            ("a".to_string(), "1".to_string()),
            ("pw".to_string(), "s".to_string()),
        ]
        .into();
        let current = map(&[
            ("a", "1".into()),
            ("pw", "${secret:x}".into()),
            ("secret.bundle.id", "b1".into()),
            (FINGERPRINT_KEY, "whatever".into()),
        ]);
        assert!(diff_ignoring(&desired, &current, &ignore, Budget::unlimited()).is_empty());
        let d = diff(&desired, &current);
        assert_eq!(d.changed, ["pw"]);
        assert_eq!(d.removed, ["secret.bundle.id"]);
    }
}
