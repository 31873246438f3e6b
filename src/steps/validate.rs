//! `--validate`: every config checked by its plugin before anything is written
//! (`PUT /connector-plugins/{class}/config/validate`).

use std::collections::BTreeSet;

use serde_json::Value;
use ureq::http::Method;

use crate::base::error::Error;
use crate::connect::answer::{Failure, NO_PLUGIN, classify};
use crate::connect::client::{Client, Kind};
use crate::connect::retry::Retry;
use crate::report::redact::Redactor;
use crate::spec::definitions::Definition;
use crate::spec::definitions::encode_name;

/// Validate one definition; the values of keys the plugin types as PASSWORD become
/// secrets of the run. Err when the
/// plugin reports errors (each failing key with its messages, values masked) or
/// is not installed.
pub fn validate(client: &mut Client, def: &Definition, redactor: &Redactor) -> Result<(), Error> {
    let class = &def.config["connector.class"];
    let path = format!("/connector-plugins/{}/config/validate", encode_name(class));
    let body = serde_json::to_string(&def.config).expect("a map of strings serialises");
    let answer = Retry::default().run(client, |c| {
        let r = c.send(Method::PUT, &path, Some(&body), Kind::Write)?;
        match (r.status, &r.json) {
            (200, Some(j)) => Ok(Answer::Checked(j.clone())),
            // classify() rejects the missing plugin whether it comes as 500 (up to
            // 4.0) or 400; it is told apart here to list what is installed.
            _ => match classify(&r) {
                Failure::Rejected(m) if m.starts_with(NO_PLUGIN) => Ok(Answer::UnknownPlugin(m)),
                f => Err(f),
            },
        }
    })?;
    let result = match answer {
        Answer::Checked(result) => result,
        // Connect's message listed the installed plugins.
        Answer::UnknownPlugin(m) if m.contains("(installed: ") => return Err(Error::Rejected(m)),
        Answer::UnknownPlugin(_) => {
            return Err(Error::Rejected(format!(
                "{NO_PLUGIN}{class} (installed: {})",
                installed(client)
            )));
        }
    };
    let configs = result
        .get("configs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let secrets: BTreeSet<String> = configs
        .iter()
        .filter(|c| c["definition"]["type"] == "PASSWORD")
        .filter_map(|c| c["definition"]["name"].as_str().map(str::to_string))
        .collect();
    // PASSWORD-typed values are secrets however short, before any message is shown.
    redactor.update(|s| {
        for key in &secrets {
            if let Some(value) = def.config.get(key) {
                s.add_secret_key(key);
                s.add_value(value, true);
            }
        }
    });
    let error_count = result
        .get("error_count")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if error_count == 0 {
        return Ok(());
    }
    let problems: Vec<String> = configs
        .iter()
        .filter_map(|c| {
            let errors: Vec<&str> = c["value"]["errors"]
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            if errors.is_empty() {
                return None;
            }
            let key = c["value"]["name"]
                .as_str()
                .or(c["definition"]["name"].as_str())
                .unwrap_or("?");
            Some(format!("{key}: {}", errors.join("; ")))
        })
        .collect();
    Err(Error::Rejected(format!(
        "validation found {error_count} error(s): {}",
        problems.join(" | ")
    )))
}

enum Answer {
    Checked(Value),
    UnknownPlugin(String),
}

/// The installed connector classes, for the unknown-plugin message.
fn installed(client: &mut Client) -> String {
    let listed = Retry::default().run(client, |c| {
        let r = c.get("/connector-plugins", Kind::Read)?;
        match (r.status, r.json) {
            (200, Some(Value::Array(items))) => Ok(items),
            (status, json) => Err(classify(&crate::connect::answer::Reply {
                status,
                body: r.body,
                json,
            })),
        }
    });
    match listed {
        Ok(items) => {
            let mut classes: Vec<&str> = items
                .iter()
                .filter(|p| p["type"] == "source" || p["type"] == "sink" || p["type"].is_null())
                .filter_map(|p| p["class"].as_str())
                .map(|c| c.rsplit('.').next().unwrap_or(c))
                .map(|c| {
                    c.strip_suffix("Connector")
                        .filter(|s| !s.is_empty())
                        .unwrap_or(c)
                })
                .collect();
            classes.sort_unstable();
            classes.dedup();
            if classes.is_empty() {
                "none".into()
            } else {
                classes.join(", ")
            }
        }
        Err(_) => "(the plugin list could not be read)".into(),
    }
}
