//! Which config values are secrets by Connect's own convention: the keys each
//! connector's plugin declares `PASSWORD` (`GET /connector-plugins/{class}/config`,
//! 3.2+), asked once per plugin class and run, before any connector is worked on.
//! Where the worker cannot tell, the key names and `--secret-keys` decide alone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use crate::connect::answer::classify;
use crate::connect::client::{Client, Kind};
use crate::connect::retry::Retry;
use crate::connect::version::Version;
use crate::report::log::Log;
use crate::spec::config::Config;
use crate::spec::definitions::{Definition, encode_name};

/// The first version that lists a plugin's keys with their types (KIP-769).
const NEEDS: Version = Version::new(3, 2);

/// The keys of one plugin that it declares PASSWORD; None when the worker could
/// not say (an older worker, an unknown plugin, an error).
pub fn password_keys(client: &mut Client, class: &str) -> Result<Option<BTreeSet<String>>, String> {
    let path = format!("/connector-plugins/{}/config", encode_name(class));
    let answer = Retry::default().run(client, |c| {
        let r = c.get(&path, Kind::Read)?;
        match (r.status, r.json) {
            (200, Some(Value::Array(items))) => Ok(Some(items)),
            // An unknown plugin: the write says so, with what is installed.
            (404, Some(_)) => Ok(None),
            (status, json) => Err(classify(&crate::connect::answer::Reply {
                status,
                body: r.body,
                json,
            })),
        }
    });
    match answer {
        Ok(Some(items)) => Ok(Some(
            items
                .iter()
                .filter(|k| k["type"] == "PASSWORD")
                .filter_map(|k| k["name"].as_str().map(str::to_string))
                .collect(),
        )),
        Ok(None) => Ok(None),
        Err(e) => Err(e.message().to_string()),
    }
}

/// Every plugin a config names, with the prefix its own keys take there: the
/// connector (``), its converters (`value.converter.`), transforms
/// (`transforms.ALIAS.`) and predicates (`predicates.ALIAS.`). Connect 3.2+
/// describes each kind at the same endpoint.
pub fn plugins_of(config: &Config) -> Vec<(String, String)> {
    let mut plugins = Vec::new();
    for (key, class) in config {
        let prefix = if key == "connector.class" {
            String::new()
        } else if matches!(
            key,
            "key.converter" | "value.converter" | "header.converter"
        ) {
            format!("{key}.")
        } else if let Some(alias) = ["transforms.", "predicates."]
            .iter()
            .find_map(|p| key.strip_prefix(p).and_then(|r| r.strip_suffix(".type")))
            .filter(|alias| !alias.is_empty() && !alias.contains('.'))
        {
            format!("{}{alias}.", &key[..key.find('.').unwrap_or(0) + 1])
        } else {
            continue;
        };
        if !class.trim().is_empty() {
            plugins.push((prefix, class.trim().to_string()));
        }
    }
    plugins
}

/// The keys each plugin class declares PASSWORD, for the classes the worker could
/// describe: the run's one read of them (a masking build masks exactly these).
pub type PasswordKeys = BTreeMap<String, Arc<BTreeSet<String>>>;

/// Add the keys each definition's plugin declares PASSWORD to its secret keys,
/// and make their values secrets of the run before anything about the connector
/// is printed. What was learnt, per class, is returned for the comparison of
/// masked values (`steps::apply`).
pub fn learn_secrets(
    client: &Client,
    definitions: &mut [Definition],
    version: Version,
    log: &Log,
) -> PasswordKeys {
    if version < NEEDS {
        return PasswordKeys::new();
    }
    let mut client = client.for_prelude();
    let classes: BTreeSet<String> = definitions
        .iter()
        .flat_map(|d| plugins_of(&d.config))
        .map(|(_, class)| class)
        .collect();
    let mut declared = PasswordKeys::new();
    for class in classes {
        match password_keys(&mut client, &class) {
            Ok(Some(keys)) => {
                declared.insert(class, Arc::new(keys));
            }
            Ok(None) => {}
            Err(why) => log.warn(
                "plugin_config",
                &format!(
                    "the key types of plugin {class} could not be read ({why}); its values are secret by their key names and --secret-keys only"
                ),
            ),
        }
    }
    for def in definitions.iter_mut() {
        for (prefix, class) in plugins_of(&def.config) {
            if let Some(keys) = declared.get(&class) {
                def.declared_secrets.push((prefix, Arc::clone(keys)));
            }
        }
        def.declared_secrets.shrink_to_fit();
    }
    log.redactor
        .update(|secrets| definitions.iter().for_each(|d| d.register(secrets)));
    declared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plugin_a_config_names_with_its_prefix() {
        let config: Config = [
            ("connector.class", "C"),
            ("value.converter", "V"),
            ("transforms", "a,b"),
            ("transforms.a.type", "T"),
            ("transforms.a.b.type", "not a plugin"),
            ("predicates.p.type", "P"),
            ("topic", "t"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut found = plugins_of(&config);
        found.sort();
        assert_eq!(
            found,
            [
                ("".into(), "C".into()),
                ("predicates.p.".into(), "P".into()),
                ("transforms.a.".into(), "T".into()),
                ("value.converter.".into(), "V".into()),
            ]
        );
    }
}
