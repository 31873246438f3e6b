//! JSON as the definitions hold it: a duplicate key is refused in every object at
//! any depth (the definition, its config, `offsets`, references, anything), where
//! JSON parsers would silently keep the last one.

use std::collections::HashSet;
use std::fmt;

use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::base::text::one_line as printable;

/// How deeply objects and arrays may nest, in a definition and in a worker's
/// answer. Every walk over JSON here (ours and serde_json's) recurses, one level
/// per frame: text nested deeper is refused before any of them starts, so that no
/// input can exhaust a thread's stack. Real definitions and answers nest a few levels.
pub const MAX_DEPTH: usize = 64;

/// Whether `text` nests objects and arrays deeper than `MAX_DEPTH`, looked for
/// without recursion (and without parsing: brackets inside strings do not count).
pub fn too_deep(text: &str) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// `Ok` when no object in `text` holds a key twice; otherwise why, naming the key
/// (never a value). Scalars are not decoded here: a string no text can hold (a lone
/// surrogate escape) is for the caller to refuse, with its own message.
pub fn unique(text: &str) -> Result<(), String> {
    if too_deep(text) {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    let raw: &RawValue = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    walk(raw)
}

/// An object's members in order, each value as written. Duplicate keys are not
/// looked for here: `unique` has checked the whole document.
pub fn members(raw: &RawValue) -> Result<Vec<(String, &RawValue)>, String> {
    let Members(list) =
        serde_json::from_str(raw.get()).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(list)
}

fn walk(raw: &RawValue) -> Result<(), String> {
    match raw.get().as_bytes().first() {
        Some(b'{') => {
            let list = members(raw)?;
            let mut seen = HashSet::with_capacity(list.len());
            for (key, _) in &list {
                if !seen.insert(key.as_str()) {
                    return Err(format!("key '{}' appears twice", printable(key)));
                }
            }
            list.into_iter().try_for_each(|(_, value)| walk(value))
        }
        Some(b'[') => {
            let items: Vec<&RawValue> =
                serde_json::from_str(raw.get()).map_err(|e| format!("invalid JSON: {e}"))?;
            items.into_iter().try_for_each(walk)
        }
        _ => Ok(()),
    }
}

struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Visit<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut list = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    list.push(entry);
                }
                Ok(Members(list))
            }
        }
        d.deserialize_map(Visit(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_at_any_depth_are_refused() {
        assert!(unique(r#"{"a":1,"b":[{"a":1,"b":2}],"c":{"d":null}}"#).is_ok());
        assert!(unique(r#"[1, 2.5, -3, true, "x", null, {}, []]"#).is_ok());
        assert!(unique(r#"{"k":"\ud800","j":["\udc00"]}"#).is_ok());
        for text in [
            r#"{"k":1,"k":2}"#,
            r#"{"a":{"k":1,"k":2}}"#,
            r#"[{"a":[{"k":1,"k":2}]}]"#,
            r#"{"\u006b":1,"k":2}"#,
        ] {
            let why = unique(text).unwrap_err();
            assert!(why.contains("key 'k' appears twice"), "{text}: {why}");
        }
        let why = unique("{\"\\u001b[31m\":1,\"\\u001b[31m\":2}").unwrap_err();
        assert!(!why.contains('\u{1b}'), "{why}");
    }

    #[test]
    fn nesting_is_limited_without_recursion() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(!too_deep(&nested(MAX_DEPTH)));
        assert!(too_deep(&nested(MAX_DEPTH + 1)));
        assert!(too_deep(&nested(1_000_000)));
        let objects = format!(
            "{}1{}",
            r#"{"a":"#.repeat(MAX_DEPTH + 1),
            "}".repeat(MAX_DEPTH + 1)
        );
        assert!(too_deep(&objects));
        // Brackets in strings, escaped quotes included, are text.
        let text = format!(r#"{{"k":"\"{}\\"}}"#, "[".repeat(1000));
        assert!(!too_deep(&text));
        assert!(
            unique(&nested(100_000))
                .unwrap_err()
                .contains("nested deeper than 64")
        );
        assert!(unique(&nested(MAX_DEPTH)).is_ok());
    }
}
