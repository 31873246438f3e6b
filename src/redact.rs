//! Keeping config values out of every output, Connect's own messages included.
//!
//! Two layers: Connect's known echoes (`Connector config {k=v, ...} contains no
//! connector type`, `Invalid value V for configuration K`) are rewritten to show key
//! names only, whatever the value's length; then every value of the connector's
//! config that is long enough to be told apart from ordinary words is replaced.

use std::collections::{BTreeMap, BTreeSet};

pub const MASK: &str = "***";

/// Shorter values are masked only where a known echo pattern shows them: masking
/// every "1" or "tr" would make messages unreadable.
const MIN_MASKED_LEN: usize = 4;

/// `message` with the values of `config` hidden. `name` is not a secret and stays.
/// Values of `secret_keys` are hidden whatever their length.
pub fn mask(
    message: &str,
    config: &BTreeMap<String, String>,
    secret_keys: &BTreeSet<String>,
) -> String {
    let mut out = mask_config_echo(message, config);
    out = mask_between(&out, "Invalid value ", " for configuration ");
    let mut values: Vec<&str> = config
        .iter()
        .filter(|(k, _)| k.as_str() != "name" && k.as_str() != "connector.class")
        .filter(|(k, v)| {
            !v.is_empty() && (secret_keys.contains(*k) || v.chars().count() >= MIN_MASKED_LEN)
        })
        .map(|(_, v)| v.as_str())
        .collect();
    // Longest first, so a value that contains another is hidden whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    for value in values {
        out = out.replace(value, MASK);
    }
    // After the values: the class is public, and masking it first could cut a
    // secret that contains it into pieces that no longer match.
    if let Some(class) = config.get("connector.class") {
        out = replace_token(&out, class);
    }
    out
}

/// Replace `value` where it stands as a whole token: the connector class also names
/// classes in stack traces (`FileStreamSink` in `FileStreamSinkTask`), which stay.
fn replace_token(message: &str, value: &str) -> String {
    if value.is_empty() {
        return message.to_string();
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    let mut before: Option<char> = None;
    while let Some(i) = rest.find(value) {
        let prev = rest[..i]
            .chars()
            .next_back()
            .or(if i == 0 { before } else { None });
        let next = rest[i + value.len()..].chars().next();
        out.push_str(&rest[..i]);
        if word(prev) || word(next) {
            out.push_str(value);
        } else {
            out.push_str(MASK);
        }
        before = value.chars().next_back();
        rest = &rest[i + value.len()..];
    }
    out.push_str(rest);
    out
}

/// `Connector config {name=a, password=x} contains no connector type`: Java's
/// `Map.toString()` of the whole config. Rebuilt from the key names we sent.
fn mask_config_echo(message: &str, config: &BTreeMap<String, String>) -> String {
    const START: &str = "Connector config {";
    const END: &str = "} contains no connector type";
    let (Some(start), Some(end)) = (message.find(START), message.rfind(END)) else {
        return message.to_string();
    };
    if end < start + START.len() {
        return message.to_string();
    }
    let keys: Vec<String> = config.keys().map(|k| format!("{k}={MASK}")).collect();
    format!(
        "{}{}{}{}",
        &message[..start + START.len()],
        keys.join(", "),
        END,
        &message[end + END.len()..]
    )
}

/// Replace whatever stands between each `before` and the next `after`.
fn mask_between(message: &str, before: &str, after: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(before) {
        let value_start = i + before.len();
        let Some(len) = rest[value_start..].find(after) else {
            break;
        };
        out.push_str(&rest[..value_start]);
        out.push_str(MASK);
        rest = &rest[value_start + len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn mask(message: &str, config: &BTreeMap<String, String>) -> String {
        super::mask(message, config, &BTreeSet::new())
    }

    #[test]
    fn secret_keys_are_hidden_however_short() {
        let c = config(&[("pw", "ab"), ("other", "ab")]);
        let secret: BTreeSet<String> = ["pw".to_string()].into();
        assert_eq!(super::mask("x ab y", &c, &secret), "x *** y");
    }

    #[test]
    fn whole_config_echo_shows_keys_only() {
        let c = config(&[("name", "tr-x"), ("topic", "t"), ("some.password", "VALUE")]);
        let m = mask(
            "Connector config {name=tr-x, topic=t, some.password=VALUE} contains no connector type",
            &c,
        );
        assert_eq!(
            m,
            "Connector config {name=***, some.password=***, topic=***} contains no connector type"
        );
    }

    #[test]
    fn invalid_value_echo_hides_even_short_values() {
        let c = config(&[("tasks.max", "ab")]);
        let m = mask(
            "contains the following 2 error(s):\nInvalid value ab for configuration tasks.max: Not a number of type INT\nInvalid value null for configuration tasks.max: Value must be non-null",
            &c,
        );
        assert!(!m.contains("value ab"), "{m}");
        assert!(
            m.contains("Invalid value *** for configuration tasks.max: Not a number"),
            "{m}"
        );
        assert!(m.contains("2 error(s)"), "{m}");
    }

    #[test]
    fn any_long_enough_value_is_hidden_anywhere() {
        let c = config(&[
            ("name", "clicks"),
            ("db.password", "hunter2hunter2"),
            ("pw2", "hunter2"),
        ]);
        let m = mask(
            "java.sql.SQLException: login failed for hunter2hunter2 and hunter2 (clicks)",
            &c,
        );
        assert_eq!(
            m,
            "java.sql.SQLException: login failed for *** and *** (clicks)"
        );
    }

    #[test]
    fn the_connector_class_is_hidden_only_as_a_whole_token() {
        let c = config(&[("connector.class", "FileStreamSink")]);
        assert_eq!(
            mask(
                "class matches FileStreamSink, available: x.FileStreamSinkConnector; FileStreamSinkTask",
                &c
            ),
            "class matches ***, available: x.FileStreamSinkConnector; FileStreamSinkTask"
        );
    }

    #[test]
    fn a_secret_containing_the_class_name_is_hidden_whole() {
        // Found in review: the class was masked first, leaving "pw *** 42" readable.
        let c = config(&[
            ("connector.class", "FileStreamSink"),
            ("db.password", "pw FileStreamSink 42"),
        ]);
        assert_eq!(
            mask("login failed: pw FileStreamSink 42", &c),
            "login failed: ***"
        );
    }

    #[test]
    fn messages_without_values_are_untouched() {
        let c = config(&[("topic", "t")]);
        let m =
            "Connector name configuration (other) doesn't match connector name in the URL (tr-x)";
        assert_eq!(mask(m, &c), m);
    }
}
