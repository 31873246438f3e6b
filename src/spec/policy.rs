//! Worker policies that refuse keys an older worker accepted (KIP-1188's
//! client-override allowlist, 4.2; the login-module and OAuth URL allowlists, 4.0
//! and 4.2): Connect's 400 names the key and often echoes the value. Which key of a
//! definition such a refusal concerns, so that the refusal can name it and nothing
//! else.

use crate::spec::config::Config;

/// A key a worker's policy may refuse: a client override (`producer.override.*`,
/// `consumer.override.*`, `admin.override.*`) or a JAAS line.
pub fn is_policy_key(key: &str) -> bool {
    key.contains(".override.") || key == "sasl.jaas.config" || key.ends_with(".sasl.jaas.config")
}

/// The definition's policy key that Connect's refusal `message` names, the longest
/// when several match (`producer.override.sasl.jaas.config` over `sasl.jaas.config`).
pub fn refused_key<'a>(config: &'a Config, message: &str) -> Option<&'a str> {
    config
        .keys()
        .filter(|k| is_policy_key(k) && named(message, k))
        .max_by_key(|k| k.len())
}

/// `key` appears in `message` as a whole name (not inside a longer one).
fn named(message: &str, key: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    message.match_indices(key).any(|(at, _)| {
        let before = message[..at].chars().next_back();
        let after = message[at + key.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(|c| part(c) && c != '.')
            || !before.is_some_and(part) && after == Some('.') && {
                // A sentence's full stop after the key.
                message[at + key.len() + 1..]
                    .chars()
                    .next()
                    .is_none_or(|c| !part(c))
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_a_policy_refused() {
        let config: Config = [
            ("producer.override.client.id", "x"),
            ("producer.override.sasl.jaas.config", "y"),
            ("sasl.jaas.config", "z"),
            ("topics", "t"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let m = "Invalid value x for configuration producer.override.client.id: The 'Allowlist' policy does not allow 'producer.override.client.id' to be overridden.";
        assert_eq!(refused_key(&config, m), Some("producer.override.client.id"));
        let m = "Invalid value y for configuration producer.override.sasl.jaas.config: not allowed";
        assert_eq!(
            refused_key(&config, m),
            Some("producer.override.sasl.jaas.config")
        );
        let m = "Invalid value z for configuration sasl.jaas.config: org.x.M is not allowed.";
        assert_eq!(refused_key(&config, m), Some("sasl.jaas.config"));
        assert_eq!(refused_key(&config, "topics is invalid"), None);
        assert_eq!(
            refused_key(&config, "producer.override.client.idx is unknown"),
            None
        );
    }
}
