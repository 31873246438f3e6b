//! Pinned plugin versions (KIP-891): refused on a worker before 4.1, which would
//! ignore them; checked against the installed versions (`GET /connector-plugins`)
//! before anything is written on 4.1+; Connect's own refusals of a pin (a 400, or
//! with an alias a 500, a Connect bug) explained with the class, the pin and what
//! is installed.

use serde_json::Value;

use crate::base::error::Error;
use crate::connect::answer::classify;
use crate::connect::client::{Client, Kind};
use crate::connect::retry::Retry;
use crate::connect::version::Version;
use crate::spec::definitions::Definition;
use crate::spec::pins::{NEEDS, Pin, allows, pins, same_plugin};

/// Every plugin the worker lists, with its version: (class, version).
#[derive(Debug, Clone, Default)]
pub struct Installed(Vec<(String, String)>);

impl Installed {
    /// One read of `GET /connector-plugins?connectorsOnly=false`, for a run whose
    /// definitions pin a version on a 4.1+ worker; None when it cannot be had
    /// (Connect then judges each pin when it is written).
    pub fn read(client: &mut Client) -> Option<Installed> {
        let listed = Retry::default()
            .run(client, |c| {
                let r = c.get("/connector-plugins?connectorsOnly=false", Kind::Read)?;
                match (r.status, &r.json) {
                    (200, Some(Value::Array(items))) => Ok(items.clone()),
                    _ => Err(classify(&r)),
                }
            })
            .ok()?;
        Some(Installed(
            listed
                .iter()
                .filter_map(|p| {
                    Some((
                        p["class"].as_str()?.to_string(),
                        p["version"].as_str()?.to_string(),
                    ))
                })
                .collect(),
        ))
    }

    /// The versions installed of the class a definition names.
    fn versions(&self, class: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(c, _)| same_plugin(c, class))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Before anything is written: a pin on a worker that ignores pins, or one that no
/// installed version satisfies, is a rejection (78) naming the key.
pub fn check(
    def: &Definition,
    version: Version,
    installed: Option<&Installed>,
) -> Result<(), Error> {
    let pins = pins(&def.config);
    let Some(first) = pins.first() else {
        return Ok(());
    };
    if version < Version::new(NEEDS.0, NEEDS.1) {
        return Err(Error::Rejected(format!(
            "'{}' pins a plugin version, which needs Kafka Connect {}.{} or newer (KIP-891); this worker runs {version}, which would ignore the pin: remove it, or upgrade the worker",
            first.key, NEEDS.0, NEEDS.1
        )));
    }
    let Some(installed) = installed else {
        return Ok(());
    };
    for pin in &pins {
        let Some(class) = &pin.class else { continue };
        let versions = installed.versions(class);
        if versions.is_empty() {
            // Not listed (an unknown class, or a kind the listing leaves out):
            // Connect judges it.
            continue;
        }
        let verdicts: Vec<Option<bool>> = versions.iter().map(|v| allows(&pin.pin, v)).collect();
        if verdicts.iter().all(|v| *v == Some(false)) {
            return Err(missing(pin, class, &versions));
        }
    }
    Ok(())
}

fn missing(pin: &Pin, class: &str, versions: &[&str]) -> Error {
    Error::Rejected(format!(
        "'{}' pins {class} at {}, which is not installed; installed: {}",
        pin.key,
        pin.pin,
        if versions.is_empty() {
            "unknown".to_string()
        } else {
            versions.join(", ")
        }
    ))
}

/// Connect's refusal of a pin, explained: a 400 `not found that matches the version
/// range`, or (with an alias) a 500 from `VersionedPluginLoadingException`.
pub fn explain(def: &Definition, installed: Option<&Installed>, error: Error) -> Error {
    let Error::Rejected(message) = &error else {
        return error;
    };
    if !message.contains("VersionedPluginLoadingException")
        && !message.contains("that matches the version range")
    {
        return error;
    }
    let pins = pins(&def.config);
    let Some(pin) = pins
        .iter()
        .find(|p| p.key == "connector.plugin.version")
        .or(pins.first())
    else {
        return error;
    };
    let class = pin.class.clone().unwrap_or_else(|| "the plugin".into());
    let versions = installed.map(|i| i.versions(&class)).unwrap_or_default();
    let mut why = missing(pin, &class, &versions).message().to_string();
    if versions.is_empty() {
        // Connect's 400 names what is installed; its 500 does not.
        if let Some(at) = message.find("available versions") {
            why = format!("{why} ({})", &message[at..]);
        }
    }
    Error::Rejected(why)
}
