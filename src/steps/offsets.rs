//! Offsets at creation (`"offsets"` in a definition): `"reset"` clears what an
//! earlier connector of the same name left, a list of `{"partition", "offset"}` sets
//! where the new connector starts. Only when this run creates the connector: it is
//! created STOPPED (3.7+), its offsets written, and only then moved to its desired
//! state; if anything after the create fails, the connector is deleted again, so
//! that the next run starts over instead of finding it without its offsets. The
//! offsets of a connector that exists are never touched.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use serde_json::{Value, json};
use ureq::http::Method;

use crate::base::deadline::Deadline;
use crate::base::error::Error;
use crate::connect::client::{Client, Kind, Version, classify};
use crate::steps::apply::{Retry, encode_name};

/// What a definition declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offsets {
    Reset,
    /// `{"partition": {...}, "offset": {...}}` items, as Connect takes them.
    Set(Vec<Value>),
}

/// Creating a connector STOPPED in one request (`initial_state`) came with 3.7.
pub const NEEDS: Version = Version::new(3, 7);

/// How long a rollback may take, even when the connector's time is up (but never
/// past the run's deadline by more than a second: the backstop ends it at two).
const ROLLBACK_TIME: Duration = Duration::from_secs(5);

/// A connector is created with its offsets only when this much of the run is left:
/// the create, the offsets and the state move must fit, or it is not begun.
pub const TIME_NEEDED: Duration = Duration::from_secs(15);

/// Connectors between their create and their offsets being written (or the create
/// undone): a signal waits a moment for them (`main`), so that no connector is left
/// behind without its offsets, which the next run would take for an existing one.
static CREATING: AtomicUsize = AtomicUsize::new(0);

/// How long a signal waits for connectors being created with their offsets.
pub const SIGNAL_GRACE: Duration = Duration::from_secs(5);

/// Held while a connector with declared offsets is being applied.
pub struct Creating(());

impl Creating {
    pub fn enter() -> Creating {
        CREATING.fetch_add(1, Ordering::SeqCst);
        Creating(())
    }

    /// Whether any connector is between its create and its offsets now.
    pub fn any() -> bool {
        CREATING.load(Ordering::SeqCst) > 0
    }
}

impl Drop for Creating {
    fn drop(&mut self) {
        CREATING.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Offsets {
    /// The `offsets` member of a definition.
    pub fn parse(raw: &RawValue) -> Result<Offsets, String> {
        const SHAPE: &str = "'offsets' must be \"reset\" or a non-empty list of {\"partition\": {...}, \"offset\": {...}}";
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

    /// Write the offsets of a connector this run has just created STOPPED.
    pub fn write(&self, client: &mut Client, name: &str) -> Result<(), Error> {
        let path = format!("/connectors/{}/offsets", encode_name(name));
        let (method, body) = match self {
            Offsets::Reset => (Method::DELETE, None),
            Offsets::Set(items) => (Method::PATCH, Some(json!({ "offsets": items }).to_string())),
        };
        Retry::default()
            .run(client, |c| {
                let r = c.send(method.clone(), &path, body.as_deref(), Kind::Write)?;
                match r.status {
                    200..=204 => Ok(()),
                    _ => Err(classify(&r)),
                }
            })
            .map_err(|e| match e {
                Error::Rejected(m) => Error::Rejected(format!("the offsets were refused: {m}")),
                other => other,
            })
    }
}

/// Delete a connector this run created, after what had to follow the create failed.
/// Returns what to add to the error: whether the rollback worked.
pub fn roll_back(client: &mut Client, name: &str) -> String {
    let saved = client.deadline;
    client.deadline = Deadline::at(Instant::now() + ROLLBACK_TIME)
        .min(client.run_end.extended(Duration::from_secs(1)));
    let path = format!("/connectors/{}", encode_name(name));
    let result = Retry::default().run(client, |c| {
        let r = c.send(Method::DELETE, &path, None, Kind::Write)?;
        match r.status {
            200..=204 | 404 => Ok(()),
            _ => Err(classify(&r)),
        }
    });
    client.deadline = saved;
    match result {
        Ok(()) => "; the connector was deleted again, so the next run creates it anew".into(),
        Err(e) => format!(
            "; deleting it again failed too ({}): delete it by hand before the next run",
            e.message()
        ),
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
