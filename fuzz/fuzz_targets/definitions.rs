//! Fuzz the definition parser, `connect_deploy::spec::definitions::parse`.
//!
//! Input: the file's text, optionally followed by a NUL byte and the file stem to use
//! (JSON never holds a raw NUL, so the split loses nothing). Besides "never panics",
//! it checks:
//! - on Ok, every definition is one Connect can take: a non-empty name that is one
//!   URL path segment (no '/', no control characters, no surrounding blanks), the
//!   name repeated as the config's "name", a non-blank "connector.class", secret keys
//!   drawn from the config; and it survives a round trip through the
//!   `{name, config, state}` shape unchanged;
//! - the stem only matters when nothing names the connector: an Ok without a stem is
//!   the same Ok with one;
//! - on Err, an `Error::Definition` whose message starts with the source, and that
//!   does not depend on any config value: with every JSON string value replaced
//!   (except those the parser must read: name, state, initial_state,
//!   connector.class), the outcome and the message are the same. A message that
//!   echoed a value would change with it.
#![no_main]

use connect_deploy::base::error::Error;
use connect_deploy::spec::definitions::{Definition, parse};
use libfuzzer_sys::fuzz_target;

const SOURCE: &str = "fuzz.json";

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return; // The loader refuses non-UTF-8 files before parsing.
    };
    let (text, stem) = match input.split_once('\0') {
        Some((text, stem)) => (text, stem),
        None => (input, "connector"),
    };

    let with_stem = parse(SOURCE, Some(stem), text);
    check(text, &with_stem);
    let without = parse(SOURCE, None, text);
    check(text, &without);
    if let Ok(defs) = &without {
        assert_eq!(
            Ok(defs),
            with_stem.as_ref(),
            "a stem changed a named definition"
        );
    }
    if let Ok(defs) = &with_stem {
        for d in defs {
            round_trip(d);
        }
    }
    values_never_shape_the_outcome(text, stem, &with_stem);
});

fn check(text: &str, result: &Result<Vec<Definition>, Error>) {
    match result {
        Ok(defs) => {
            // `[]` is a file with no connector; `load` refuses a run with none at all.
            if defs.is_empty() {
                let json: serde_json::Value =
                    serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
                        .expect("valid JSON");
                assert_eq!(json, serde_json::json!([]), "Ok with no definition");
            }
            for (i, d) in defs.iter().enumerate() {
                assert!(!d.name.is_empty(), "empty name");
                assert!(!d.name.contains('/'), "name with '/': {:?}", d.name);
                assert!(
                    !d.name.chars().any(char::is_control),
                    "name with a control character: {:?}",
                    d.name
                );
                assert_eq!(d.name.trim(), d.name, "name with surrounding blanks");
                assert_eq!(d.config.get("name"), Some(&d.name), "config name differs");
                let class = d.config.get("connector.class").expect("connector.class");
                assert!(!class.trim().is_empty(), "blank connector.class");
                assert!(
                    d.secret_keys.iter().all(|k| d.config.contains_key(k)),
                    "a secret key outside the config"
                );
                assert!(d.source.starts_with(SOURCE));
                if defs.len() > 1 {
                    assert_eq!(d.source, format!("{SOURCE}[{i}]"));
                }
            }
        }
        Err(Error::Definition(m)) => {
            assert!(m.starts_with(SOURCE), "message without its source: {m}");
        }
        Err(other) => panic!("parse returned a non-definition error: {other:?}"),
    }
}

/// What the parser produced, written back in the `{name, config, state}` shape,
/// parses to the same definition.
fn round_trip(d: &Definition) {
    let text = serde_json::json!({
        "name": d.name,
        "config": d.config,
        "state": d.state.as_str(),
    })
    .to_string();
    let again = parse(SOURCE, None, &text).expect("a parsed definition re-parses");
    assert_eq!(again.len(), 1);
    let again = &again[0];
    assert_eq!(again.name, d.name);
    assert_eq!(again.config, d.config);
    assert_eq!(again.state, d.state);
    assert_eq!(again.secret_keys, d.secret_keys);
}

/// Keys whose string value the parser reads (and may quote, as with the name).
const READ_KEYS: [&str; 4] = ["name", "state", "initial_state", "connector.class"];

/// For valid JSON: replace the content of every string value that is not directly
/// under one of READ_KEYS; the outcome must not change (apart from the values).
fn values_never_shape_the_outcome(
    text: &str,
    stem: &str,
    original: &Result<Vec<Definition>, Error>,
) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if serde_json::from_str::<serde_json::Value>(text).is_err() {
        return;
    }
    let Some(replaced) = replace_values(text) else {
        return;
    };
    if replaced == text {
        return;
    }
    let other = parse(SOURCE, Some(stem), &replaced);
    match (original, &other) {
        (Err(a), Err(b)) => assert_eq!(
            a.message(),
            b.message(),
            "the error message depends on a config value\nreplaced input: {replaced}"
        ),
        (Ok(a), Ok(b)) => {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                assert_eq!(x.name, y.name);
                assert_eq!(x.state, y.state);
                assert_eq!(x.secret_keys, y.secret_keys);
                assert!(x.config.keys().eq(y.config.keys()));
            }
        }
        _ => panic!(
            "a config value decided between Ok and Err: {:?} vs {:?}\nreplaced input: {replaced}",
            original.as_ref().err(),
            other.as_ref().err()
        ),
    }
}

/// `text` (valid JSON) with the inside of each string value that is not read by the
/// parser replaced by as many `Q` bytes. Keys and numbers stay as they are.
fn replace_values(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut last_key: Option<String> = None;
    let mut prev_significant: u8 = 0; // last byte outside strings and whitespace
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'"' {
            out.push(b);
            if !b.is_ascii_whitespace() {
                prev_significant = b;
            }
            i += 1;
            continue;
        }
        // A string token: find its closing quote.
        let start = i;
        i += 1;
        while bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        let end = i; // index of the closing quote
        i += 1;
        let token = &text[start..=end];
        let next = bytes[i..].iter().find(|b| !b.is_ascii_whitespace());
        if next == Some(&b':') {
            last_key = Some(serde_json::from_str(token).ok()?);
            out.extend_from_slice(token.as_bytes());
        } else {
            let read = prev_significant == b':'
                && last_key.as_deref().is_some_and(|k| READ_KEYS.contains(&k));
            if read {
                out.extend_from_slice(token.as_bytes());
            } else {
                out.push(b'"');
                out.extend(std::iter::repeat_n(b'Q', end - start - 1));
                out.push(b'"');
            }
        }
        prev_significant = b'"';
    }
    String::from_utf8(out).ok()
}
