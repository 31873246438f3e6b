//! JSON as the definitions hold it: a duplicate key is refused in every object at
//! any depth (the definition, its config, `offsets`, references, anything), where
//! JSON parsers would silently keep the last one.

use std::collections::HashSet;
use std::fmt;

use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::base::text::one_line as printable;

/// `Ok` when no object in `text` holds a key twice; otherwise why, naming the key
/// (never a value). Scalars are not decoded here: a string no text can hold (a lone
/// surrogate escape) is for the caller to refuse, with its own message.
pub fn unique(text: &str) -> Result<(), String> {
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
}
