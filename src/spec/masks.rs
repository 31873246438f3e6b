//! Values a vendor's worker masks in `GET .../config` (Confluent Platform 7.9.3+ and
//! 8.x show every PASSWORD-typed value as twelve U+2022), and the fingerprint that
//! lets such a value settle and still be rotated: a salted, slow hash of each masked
//! key's intended value, stored with the connector under `connect-deploy.fingerprint`
//! and compared instead of the value, which the worker no longer shows.
//!
//! What someone who reads connector configs learns from it: which keys were masked
//! when it was written, and when their values change (the hashes change). Not the
//! values: each hash is PBKDF2-HMAC-SHA256 with a random salt, so it can only be
//! attacked by guessing, one slow derivation per guess, connector and key.

use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::spec::config::Config;
use crate::spec::fingerprint::{hex, pbkdf2_sha256, sha256, unhex};

/// The config key the fingerprint is stored under. A definition may not declare it.
pub const FINGERPRINT_KEY: &str = "connect-deploy.fingerprint";

/// PBKDF2 rounds per masked key, stored with the fingerprint so that it can grow:
/// about 13 ms per key in the release build (opt-level z), a cost every run pays for
/// each masked key, and every guess of an attacker too.
pub const ITERATIONS: u32 = 10_000;

/// A stored fingerprint asking for more than this is not believed (a worker could
/// otherwise make every run spend its deadline hashing): it counts as absent.
const MAX_ITERATIONS: u32 = ITERATIONS;

/// Bytes of each key's hash, and of the salt.
const HASH_LEN: usize = 16;
const SALT_LEN: usize = 16;

/// A value a worker shows instead of the stored one: a run of U+2022 (Confluent
/// Platform), a run of `*`, or `[hidden]`. Never compared with a value.
pub fn is_mask(value: &str) -> bool {
    value == "[hidden]"
        || (!value.is_empty() && value.chars().all(|c| c == '\u{2022}'))
        || (!value.is_empty() && value.bytes().all(|b| b == b'*'))
}

/// A mask a definition must never declare: only a copy of a worker's answer holds
/// one, and writing it would replace the secret with the mask. (A run of `*` may be
/// meant as a value.)
pub fn is_copied_mask(value: &str) -> bool {
    value == "[hidden]" || (!value.is_empty() && value.chars().all(|c| c == '\u{2022}'))
}

/// How long a run may spend hashing fingerprints: the worker chooses which keys it
/// masks, so without a bound per run it could make every run spend its deadline
/// hashing (one slow derivation per masked key and connector). A masked key the
/// budget leaves no time for is not compared this run, as before fingerprints.
#[derive(Debug, Clone, Copy)]
pub struct Budget(Option<Instant>);

impl Default for Budget {
    fn default() -> Budget {
        Budget::unlimited()
    }
}

impl Budget {
    pub fn unlimited() -> Budget {
        Budget(None)
    }

    pub fn until(end: Instant) -> Budget {
        Budget(Some(end))
    }

    fn allows(&self) -> bool {
        self.0.is_none_or(|end| Instant::now() < end)
    }
}

/// What the fingerprint says about the masked keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Keys whose intended value differs from the one fingerprinted.
    pub changed: Vec<String>,
    /// Keys the fingerprint does not cover (none stored yet): unknown, written once
    /// so that the next run can tell.
    pub unverified: Vec<String>,
    /// Keys the hashing budget left no time for: unknown, not a change.
    pub not_compared: Vec<String>,
}

/// Compare the intended values of `masked` keys with the fingerprint the worker
/// stored (`None`: none, or one not believed).
pub fn verify(
    desired: &Config,
    masked: &[String],
    stored: Option<&Value>,
    budget: Budget,
) -> Verdict {
    let record = stored.and_then(Value::as_str).and_then(Record::parse);
    let mut verdict = Verdict::default();
    for key in masked {
        let Some(want) = desired.get(key) else {
            continue;
        };
        let covered = record.as_ref().filter(|r| r.keys.contains_key(key));
        if covered.is_some() && !budget.allows() {
            verdict.not_compared.push(key.clone());
            continue;
        }
        match covered.and_then(|r| r.matches(key, want)) {
            Some(true) => {}
            Some(false) => verdict.changed.push(key.clone()),
            None => verdict.unverified.push(key.clone()),
        }
    }
    verdict
}

/// The fingerprint of `keys`' intended values, to be written with the config.
/// Keys the budget leaves no time for are left out (the next run with time records
/// them).
pub fn record(desired: &Config, keys: &[String], budget: Budget) -> String {
    let salt = fresh_salt();
    let mut hashes = Map::new();
    for key in keys {
        if !budget.allows() {
            break;
        }
        if let Some(value) = desired.get(key) {
            let h = derive(&salt, key, value, ITERATIONS);
            hashes.insert(key.clone(), Value::from(hex(&h)));
        }
    }
    json!({"v": 1, "kdf": "pbkdf2-sha256", "i": ITERATIONS, "salt": hex(&salt), "keys": hashes})
        .to_string()
}

/// A stored fingerprint, read back.
struct Record {
    iterations: u32,
    salt: Vec<u8>,
    keys: Map<String, Value>,
}

impl Record {
    fn parse(text: &str) -> Option<Record> {
        let v: Value = serde_json::from_str(text).ok()?;
        if v["v"] != 1 || v["kdf"] != "pbkdf2-sha256" {
            return None;
        }
        let iterations = u32::try_from(v["i"].as_u64()?).ok()?;
        if !(1..=MAX_ITERATIONS).contains(&iterations) {
            return None;
        }
        // Only the salt this tool writes: a longer one would make every hash cost
        // what the worker chooses.
        let salt = unhex(v["salt"].as_str()?).filter(|s| s.len() == SALT_LEN)?;
        let keys = v["keys"].as_object()?.clone();
        Some(Record {
            iterations,
            salt,
            keys,
        })
    }

    /// Some(whether `value` is the one fingerprinted for `key`); None when the key
    /// is not covered.
    fn matches(&self, key: &str, value: &str) -> Option<bool> {
        let stored = unhex(self.keys.get(key)?.as_str()?)?;
        if stored.len() != HASH_LEN {
            return None;
        }
        Some(derive(&self.salt, key, value, self.iterations) == stored[..])
    }
}

/// The hash of one key's value: the salt and the key's name salt it, so equal
/// values of two keys or connectors hash differently.
fn derive(salt: &[u8], key: &str, value: &str, iterations: u32) -> [u8; HASH_LEN] {
    // The salt's length first: salt and key name are never confused.
    let mut full = (salt.len() as u32).to_be_bytes().to_vec();
    full.extend_from_slice(salt);
    full.extend_from_slice(key.as_bytes());
    let mut out = [0u8; HASH_LEN];
    pbkdf2_sha256(value.as_bytes(), &full, iterations, &mut out);
    out
}

/// A salt unique to this write: the standard library's per-process random hash
/// keys, the time and a counter, hashed. It need not be secret, only never reused.
fn fresh_salt() -> [u8; SALT_LEN] {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut seed = Vec::new();
    for _ in 0..4 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        seed.extend_from_slice(&h.finish().to_be_bytes());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    seed.extend_from_slice(&now.to_be_bytes());
    seed.extend_from_slice(&std::process::id().to_be_bytes());
    let mut salt = [0u8; SALT_LEN];
    salt.copy_from_slice(&sha256(&seed)[..SALT_LEN]);
    salt
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(pairs: &[(&str, &str)]) -> Config {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn masks() {
        for m in ["••••••••••••", "•", "********", "*", "[hidden]"] {
            assert!(is_mask(m), "{m}");
        }
        for v in ["", "a*", "•a", "[HIDDEN]", "secret"] {
            assert!(!is_mask(v), "{v}");
        }
        assert!(is_copied_mask("••••••••••••"));
        assert!(!is_copied_mask("***"));
    }

    #[test]
    fn a_fingerprint_settles_and_sees_rotations() {
        let keys = vec!["pw".to_string(), "other".to_string()];
        let want = desired(&[("pw", "s3cret"), ("other", "x"), ("plain", "p")]);
        let stored = Value::from(record(&want, &keys, Budget::unlimited()));
        assert_eq!(
            verify(&want, &keys, Some(&stored), Budget::unlimited()),
            Verdict::default()
        );
        let rotated = desired(&[("pw", "n3w"), ("other", "x")]);
        let v = verify(&rotated, &keys, Some(&stored), Budget::unlimited());
        assert_eq!(v.changed, ["pw"]);
        assert!(v.unverified.is_empty());
        // A key it does not cover, or no fingerprint at all: unknown.
        let more = vec!["pw".to_string(), "new".to_string()];
        let with_new = desired(&[("pw", "s3cret"), ("new", "1")]);
        assert_eq!(
            verify(&with_new, &more, Some(&stored), Budget::unlimited()).unverified,
            ["new"]
        );
        assert_eq!(
            verify(&want, &keys, None, Budget::unlimited()).unverified,
            keys
        );
    }

    #[test]
    fn the_fingerprint_holds_no_value_and_differs_per_write() {
        let want = desired(&[("pw", "s3cret-value")]);
        let keys = vec!["pw".to_string()];
        let a = record(&want, &keys, Budget::unlimited());
        let b = record(&want, &keys, Budget::unlimited());
        assert_ne!(a, b, "a salt is never reused");
        assert!(!a.contains("s3cret"));
        assert!(!a.contains(&hex(&sha256(b"s3cret-value"))));
    }

    #[test]
    fn a_fingerprint_not_believed_counts_as_absent() {
        let keys = vec!["pw".to_string()];
        let want = desired(&[("pw", "s")]);
        for text in [
            "garbage",
            r#"{"v":2,"kdf":"pbkdf2-sha256","i":1,"salt":"00","keys":{}}"#,
            r#"{"v":1,"kdf":"pbkdf2-sha256","i":4294967295,"salt":"00","keys":{"pw":"00000000000000000000000000000000"}}"#,
            r#"{"v":1,"kdf":"pbkdf2-sha256","i":1,"salt":"00","keys":{"pw":"00"}}"#,
            "••••••••••••",
        ] {
            let v = verify(&want, &keys, Some(&Value::from(text)), Budget::unlimited());
            assert_eq!(v.unverified, ["pw"], "{text}");
        }
    }

    #[test]
    fn a_spent_budget_compares_nothing_and_records_nothing() {
        let want: Config = [("pw".to_string(), "one".to_string())].into();
        let keys = vec!["pw".to_string()];
        let stored = Value::from(record(&want, &keys, Budget::unlimited()));
        let spent = Budget::until(Instant::now());
        let v = verify(&want, &keys, Some(&stored), spent);
        assert_eq!(v.not_compared, keys);
        assert!(v.changed.is_empty() && v.unverified.is_empty());
        let none: Value = serde_json::from_str(&record(&want, &keys, spent)).unwrap();
        assert!(none["keys"].as_object().unwrap().is_empty());
    }
}
