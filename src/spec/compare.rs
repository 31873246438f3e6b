//! Comparing a desired config with the one Connect holds: key names only; values
//! the worker masks are compared through their fingerprint (`spec::masks`), never
//! with the mask.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::base::text::one_line;
use crate::spec::ignore::IgnoreKeys;
use crate::spec::keys::is_server_managed;
use crate::spec::masks::{FINGERPRINT_KEY, is_mask, verify};
use crate::spec::pins::is_pin_key;

/// Key names that differ between the desired and the current config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// Keys whose current value the worker masks, the same by their fingerprint.
    pub masked: Vec<String>,
    /// Keys whose current value the worker masks, with no fingerprint to tell:
    /// written once, with one.
    pub unverified: Vec<String>,
    /// Pinned plugin versions that change (KIP-891): `key old -> new`, a change of
    /// their own, shown with both versions (`(none)` where unpinned).
    pub versions: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.unverified.is_empty()
            && self.versions.is_empty()
    }

    /// `changed: a, b; added: c; removed: d`, key names only. Masked keys whose
    /// fingerprint matches are equal, and not named.
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
            let keys: Vec<_> = keys.iter().map(|k| one_line(k)).collect();
            format!("{what}: {}", keys.join(", "))
        })
        .collect();
        parts.join("; ")
    }
}

/// Compare what the user wants with what `GET .../config` returned.
pub fn diff(desired: &BTreeMap<String, String>, current: &Map<String, Value>) -> Diff {
    diff_ignoring(desired, current, &IgnoreKeys::default())
}

/// Keys of `desired` whose current value is a mask.
pub fn masked_keys(
    desired: &BTreeMap<String, String>,
    current: &Map<String, Value>,
) -> Vec<String> {
    desired
        .keys()
        .filter(|k| matches!(current.get(*k), Some(Value::String(v)) if is_mask(v)))
        .cloned()
        .collect()
}

/// As `diff`, leaving out the keys `ignore` names (`--ignore-keys`) on both sides.
/// A masked value is never compared with a value: its fingerprint is.
pub fn diff_ignoring(
    desired: &BTreeMap<String, String>,
    current: &Map<String, Value>,
    ignore: &IgnoreKeys,
) -> Diff {
    let mut d = Diff::default();
    let mut masked = Vec::new();
    for (key, want) in desired {
        if ignore.matches(key) {
            continue;
        }
        match current.get(key) {
            None => d.added.push(key.clone()),
            Some(Value::String(have)) if is_mask(have) => masked.push(key.clone()),
            Some(Value::String(have)) if have == want => {}
            Some(_) => d.changed.push(key.clone()),
        }
    }
    let verdict = verify(desired, &masked, current.get(FINGERPRINT_KEY));
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
            && key != FINGERPRINT_KEY
            && !ignore.matches(key)
        {
            d.removed.push(key.clone());
        }
    }
    d.removed.sort();
    let shown = |v: Option<&Value>| match v {
        Some(Value::String(s)) => one_line(s),
        Some(other) => other.to_string(),
        None => "(none)".to_string(),
    };
    let mut pinned: Vec<&String> = d
        .changed
        .iter()
        .chain(&d.added)
        .chain(&d.removed)
        .filter(|k| is_pin_key(k))
        .collect();
    pinned.sort();
    d.versions = pinned
        .into_iter()
        .map(|k| {
            let want = desired.get(k).map(|v| Value::String(v.clone()));
            format!("{k} {} -> {}", shown(current.get(k)), shown(want.as_ref()))
        })
        .collect();
    for keys in [&mut d.changed, &mut d.added, &mut d.removed] {
        keys.retain(|k| !is_pin_key(k));
    }
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
        let keys = vec!["pw".to_string()];
        let fingerprint = Value::from(crate::spec::masks::record(&desired, &keys));
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
        let desired: BTreeMap<String, String> =
            [("pw".to_string(), "••••••••••••".to_string())].into();
        let d = diff(&desired, &map(&[("pw", "••••••••••••".into())]));
        assert_eq!(d.unverified, ["pw"]);
    }

    #[test]
    fn ignored_keys_are_never_drift() {
        let ignore = IgnoreKeys::parse("secret.bundle.id,pw").unwrap();
        let desired: BTreeMap<String, String> = [
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
        assert!(diff_ignoring(&desired, &current, &ignore).is_empty());
        let d = diff(&desired, &current);
        assert_eq!(d.changed, ["pw"]);
        assert_eq!(d.removed, ["secret.bundle.id"]);
    }
}
