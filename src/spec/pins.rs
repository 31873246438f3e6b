//! Pinned plugin versions (KIP-891, Kafka Connect 4.1+): which keys pin which
//! plugin, and whether an installed version satisfies a pin (a version, which
//! Connect reads as exactly that one, or a Maven range such as `[4.0,4.2)`).

use crate::spec::config::Config;
use std::cmp::Ordering;

/// The release that reads pins; older workers accept the keys and ignore them.
pub const NEEDS: (u32, u32) = (4, 1);

/// One pin a definition holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// `connector.plugin.version`, `value.converter.plugin.version`, ...
    pub key: String,
    /// The version or range as written.
    pub pin: String,
    /// The class it pins, from the key beside it (`connector.class`,
    /// `value.converter`, `transforms.<alias>.type`), when the definition names it.
    pub class: Option<String>,
}

/// The key naming the class a pin key pins, or None for a key that is no pin.
fn class_key(key: &str) -> Option<String> {
    let stem = key.strip_suffix(".plugin.version")?;
    match stem {
        "connector" => Some("connector.class".into()),
        "key.converter" | "value.converter" | "header.converter" => Some(stem.into()),
        _ => {
            let (kind, alias) = stem.split_once('.')?;
            (matches!(kind, "transforms" | "predicates") && !alias.is_empty())
                .then(|| format!("{stem}.type"))
        }
    }
}

/// Whether `key` pins a plugin version.
pub fn is_pin_key(key: &str) -> bool {
    class_key(key).is_some()
}

/// Every pin of a config, in key order.
pub fn pins(config: &Config) -> Vec<Pin> {
    config
        .iter()
        .filter_map(|(key, pin)| {
            let class_key = class_key(key)?;
            Some(Pin {
                key: key.to_string(),
                pin: pin.to_string(),
                class: config.get(&class_key).map(String::from),
            })
        })
        .collect()
}

/// Whether a class as listed by `GET /connector-plugins` is the one a definition
/// names: its full name, its simple name, or that without `Connector`/`Converter`
/// (Connect's aliases).
pub fn same_plugin(listed: &str, named: &str) -> bool {
    let simple = listed.rsplit(['.', '$']).next().unwrap_or(listed);
    listed == named
        || simple == named
        || simple.strip_suffix("Connector") == Some(named)
        || simple.strip_suffix("Converter") == Some(named)
}

/// Some(whether `version` satisfies `pin`); None when the pin cannot be read here
/// (Connect then judges it).
pub fn allows(pin: &str, version: &str) -> Option<bool> {
    let pin = pin.trim();
    if !pin.starts_with(['[', '(']) {
        return (!pin.is_empty() && !pin.contains([',', ']', ')']))
            .then(|| compare(pin, version) == Ordering::Equal);
    }
    // One or more ranges: `[1.0,2.0)`, `[1.0,)`, `(,1.0]`, `[1.0]`, joined by commas.
    let mut rest = pin;
    let mut any = false;
    while !rest.is_empty() {
        let open = rest.chars().next()?;
        if !matches!(open, '[' | '(') {
            return None;
        }
        let end = rest.find([']', ')'])?;
        let close = rest[end..].chars().next()?;
        let inner = &rest[1..end];
        let ok = match inner.split_once(',') {
            None => {
                if open != '[' || close != ']' || inner.trim().is_empty() {
                    return None;
                }
                compare(inner.trim(), version) == Ordering::Equal
            }
            Some((low, high)) => {
                let (low, high) = (low.trim(), high.trim());
                let above = low.is_empty()
                    || match compare(version, low) {
                        Ordering::Greater => true,
                        Ordering::Equal => open == '[',
                        Ordering::Less => false,
                    };
                let below = high.is_empty()
                    || match compare(version, high) {
                        Ordering::Less => true,
                        Ordering::Equal => close == ']',
                        Ordering::Greater => false,
                    };
                above && below
            }
        };
        any |= ok;
        rest = rest[end + 1..].trim_start();
        rest = match rest.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if rest.is_empty() => rest,
            None => return None,
        };
    }
    Some(any)
}

/// Versions compared part by part (`.` and `-`): numbers as numbers, else as text;
/// a missing part is 0 (`4.1` = `4.1.0`).
fn compare(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<String> { s.split(['.', '-']).map(str::to_string).collect() };
    let (a, b) = (parts(a), parts(b));
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).map_or("0", String::as_str);
        let y = b.get(i).map_or("0", String::as_str);
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_keys() {
        for key in [
            "connector.plugin.version",
            "key.converter.plugin.version",
            "value.converter.plugin.version",
            "header.converter.plugin.version",
            "transforms.route.plugin.version",
            "predicates.isFoo.plugin.version",
        ] {
            assert!(is_pin_key(key), "{key}");
        }
        for key in [
            "plugin.version",
            "transforms..plugin.version",
            "foo.plugin.version",
            "connector.plugin.versions",
        ] {
            assert!(!is_pin_key(key), "{key}");
        }
        let config: Config = [
            ("connector.class", "FileStreamSource"),
            ("connector.plugin.version", "4.1.0"),
            ("transforms.a.type", "org.x.A"),
            ("transforms.a.plugin.version", "[1.0,2.0)"),
            ("value.converter.plugin.version", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let p = pins(&config);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].class.as_deref(), Some("FileStreamSource"));
        assert_eq!(p[1].class.as_deref(), Some("org.x.A"));
        assert_eq!(p[2].class, None);
    }

    #[test]
    fn ranges() {
        assert_eq!(allows("4.1.0", "4.1.0"), Some(true));
        assert_eq!(allows("4.1", "4.1.0"), Some(true));
        assert_eq!(allows("9.9.9", "4.1.0"), Some(false));
        assert_eq!(allows("[4.0,4.2)", "4.1.0"), Some(true));
        assert_eq!(allows("[4.0,4.1)", "4.1.0"), Some(false));
        assert_eq!(allows("(4.1.0,)", "4.1.0"), Some(false));
        assert_eq!(allows("[4.1.0,)", "4.1.0"), Some(true));
        assert_eq!(allows("(,4.1.0]", "4.1.0"), Some(true));
        assert_eq!(allows("[4.1.0]", "4.1.0"), Some(true));
        assert_eq!(allows("[1,2),[4,5)", "4.1.0"), Some(true));
        assert_eq!(allows("[1,2),[3,4)", "4.1.0"), Some(false));
        assert_eq!(allows("[4.10,)", "4.9"), Some(false));
        for unreadable in [
            "",
            "[4.0",
            "[]",
            "[1,2)x",
            "1,2",
            "[1,2),é]",
            "[1,2),x]",
            "(4.1)",
        ] {
            assert_eq!(allows(unreadable, "4.1.0"), None, "{unreadable}");
        }
    }

    #[test]
    fn aliases() {
        let full = "org.apache.kafka.connect.file.FileStreamSourceConnector";
        assert!(same_plugin(full, full));
        assert!(same_plugin(full, "FileStreamSourceConnector"));
        assert!(same_plugin(full, "FileStreamSource"));
        assert!(!same_plugin(full, "FileStreamSink"));
        assert!(same_plugin(
            "org.apache.kafka.connect.storage.StringConverter",
            "String"
        ));
    }

    proptest::proptest! {
        /// Any text a definition may hold as a pin: an answer, never a panic.
        #[test]
        fn any_pin_is_read_without_a_panic(pin in "[\\[\\]\\(\\),.0-9aé• -]{0,12}", version in "[0-9.a-]{0,6}") {
            let _ = allows(&pin, &version);
        }
    }
}
