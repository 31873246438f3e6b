//! Offsets at creation, as a definition declares them (`"reset"` or a list of
//! `{"partition", "offset"}`); writing them is the `offsets` step's.

use serde_json::Value;
use serde_json::value::RawValue;

use crate::spec::json;

/// What a definition declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offsets {
    Reset,
    /// `{"partition": {...}, "offset": {...}}` items, as Connect takes them.
    Set(Vec<Value>),
}

impl Offsets {
    /// The `offsets` member of a definition.
    pub fn parse(raw: &RawValue) -> Result<Offsets, String> {
        const SHAPE: &str = "'offsets' must be \"reset\" or a non-empty list of {\"partition\": {...}, \"offset\": {...}}";
        if let Err(why) = json::unique(raw.get()) {
            return Err(format!("'offsets': {why}"));
        }
        let value: Value = serde_json::from_str(raw.get()).map_err(|_| SHAPE.to_string())?;
        match value {
            Value::String(s) if s == "reset" => Ok(Offsets::Reset),
            Value::Array(items) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    let ok = item.as_object().is_some_and(|o| {
                        o.len() == 2
                            && o.get("partition").is_some_and(Value::is_object)
                            && o.get("offset")
                                .is_some_and(|v| v.is_object() || v.is_null())
                    });
                    if !ok {
                        return Err(format!(
                            "'offsets' item {i} must be {{\"partition\": {{...}}, \"offset\": {{...}}}}"
                        ));
                    }
                }
                Ok(Offsets::Set(items))
            }
            _ => Err(SHAPE.into()),
        }
    }

    /// `offsets: reset`, `offsets: 2 partitions set`.
    pub fn describe(&self) -> String {
        match self {
            Offsets::Reset => "offsets: reset".into(),
            Offsets::Set(items) if items.len() == 1 => "offsets: 1 partition set".into(),
            Offsets::Set(items) => format!("offsets: {} partitions set", items.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Offsets, String> {
        Offsets::parse(&RawValue::from_string(text.to_string()).unwrap())
    }

    #[test]
    fn shapes() {
        assert_eq!(parse(r#""reset""#), Ok(Offsets::Reset));
        let set = parse(r#"[{"partition":{"filename":"/f"},"offset":{"position":9}}]"#).unwrap();
        assert_eq!(set.describe(), "offsets: 1 partition set");
        assert!(
            parse(r#"[{"partition":{"kafka_topic":"t","kafka_partition":0},"offset":null}]"#)
                .is_ok()
        );
        for bad in [
            r#""clear""#,
            r#"[]"#,
            r#"{}"#,
            r#"[{"partition":{}}]"#,
            r#"[{"partition":1,"offset":{}}]"#,
            r#"[{"partition":{},"offset":{},"x":1}]"#,
            r#"3"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
