//! Connector definitions: found in files, directories (a mounted ConfigMap's layout) or
//! standard input, parsed and checked, all before the first request.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::value::RawValue;

use crate::base::error::Error;
use crate::base::text::one_line as printable;
pub use crate::spec::config::Config;
use crate::spec::json;
use crate::spec::keys::{SecretKeys, is_server_managed, is_tools_own, looks_secret};
use crate::spec::masks::{FINGERPRINT_KEY, is_copied_mask};
use crate::spec::offsets::Offsets;
use crate::spec::references::{self, Reference};

/// The state a connector should be left in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Running,
    Paused,
    Stopped,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Running => "RUNNING",
            State::Paused => "PAUSED",
            State::Stopped => "STOPPED",
        }
    }
}

/// One connector as the user wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub name: String,
    /// Every value a string, `name` included, as Connect stores it.
    pub config: Config,
    pub state: State,
    /// Where it came from, for messages.
    pub source: String,
    /// Keys whose values are secrets: by their name, and those that come from
    /// references.
    pub secret_keys: KeyNames,
    /// Once the worker told: the keys each plugin of the config declares PASSWORD,
    /// under the prefix they take in it (`value.converter.`, none for the
    /// connector's own). One set per plugin class, shared by every definition that
    /// names it: a fleet's copies of the same names were a tenth of its heap.
    pub declared_secrets: Vec<(String, Arc<BTreeSet<String>>)>,
    /// `--secret-keys`: patterns of more keys whose values are secrets.
    /// (The run's one set, shared by every definition.)
    pub secret_globs: Arc<SecretKeys>,
    /// Config values to be read from a file or a variable (`load` resolves them).
    pub references: Vec<(String, Reference)>,
    /// Where a connector this run creates starts.
    pub offsets: Option<Offsets>,
}

/// A few key names, sorted, each once: a definition's secret keys. A `BTreeSet`
/// takes a node of eleven for one or two names, and a fleet holds one per
/// definition for the whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyNames(Vec<String>);

impl KeyNames {
    pub fn contains(&self, key: &str) -> bool {
        self.0.binary_search_by(|k| k.as_str().cmp(key)).is_ok()
    }

    /// In order.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }
}

impl Extend<String> for KeyNames {
    fn extend<I: IntoIterator<Item = String>>(&mut self, keys: I) {
        self.0.extend(keys);
        self.0.sort_unstable();
        self.0.dedup();
        self.0.shrink_to_fit();
    }
}

impl FromIterator<String> for KeyNames {
    fn from_iter<I: IntoIterator<Item = String>>(keys: I) -> KeyNames {
        let mut names = KeyNames::default();
        names.extend(keys);
        names
    }
}

impl Definition {
    /// Whether the value of `key` (in this definition or stored on the worker) is
    /// a secret: by the plugin's PASSWORD type, a reference, the key's name or
    /// `--secret-keys`; and the fingerprint of masked values (`spec::masks`), which
    /// is derived from secrets.
    pub fn is_secret(&self, key: &str) -> bool {
        self.secret_keys.contains(key)
            || self.declared_secrets.iter().any(|(prefix, keys)| {
                key.strip_prefix(prefix.as_str())
                    .is_some_and(|key| keys.contains(key))
            })
            || looks_secret(key)
            || self.secret_globs.matches(key)
            || key == FINGERPRINT_KEY
    }
}

/// Parse one file's text: one definition or an array of them.
pub fn parse(source: &str, stem: Option<&str>, text: &str) -> Result<Vec<Definition>, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // serde_json's syntax errors name a line and column, never the text around it.
    let syntax = |e: serde_json::Error| Error::Definition(format!("{source}: invalid JSON: {e}"));
    // Before any walk over it, all of which recurse.
    if json::too_deep(text) {
        return Err(Error::Definition(format!(
            "{source}: objects and arrays nested deeper than {} levels",
            json::MAX_DEPTH
        )));
    }
    let raw: &RawValue = serde_json::from_str(text).map_err(syntax)?;
    // Every object of the file, at any depth, is checked here once.
    json::unique(raw.get()).map_err(|why| Error::Definition(format!("{source}: {why}")))?;
    match raw.get().as_bytes()[0] {
        b'{' => Ok(vec![definition(source, stem, entries(raw, source)?, None)?]),
        b'[' => {
            let items: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(syntax)?;
            let mut out = Vec::new();
            for (i, item) in items.into_iter().enumerate() {
                if !item.get().starts_with('{') {
                    return Err(Error::Definition(format!(
                        "{source}: item {i} of the array is not a JSON object"
                    )));
                }
                let at = format!("{source}[{i}]");
                out.push(definition(&at, stem, entries(item, &at)?, Some(i))?);
            }
            Ok(out)
        }
        _ => Err(Error::Definition(format!(
            "{source}: expected a JSON object or an array of objects"
        ))),
    }
}

/// An object's members in order, each value as written. Duplicate keys were
/// refused for the whole file by `json::unique` (Connect would keep the last one).
fn entries<'a>(raw: &'a RawValue, source: &str) -> Result<Vec<(String, &'a RawValue)>, Error> {
    json::members(raw).map_err(|why| Error::Definition(format!("{source}: {why}")))
}

/// What a JSON value becomes in a config: Connect's map of strings holds numbers and
/// booleans as their source text (`1e3` stays `"1e3"`), as Jackson coerces them.
pub enum Scalar {
    Text(String),
    Null,
    Nested,
    /// A string JSON's grammar accepts but no text can hold: a lone surrogate
    /// escape such as `"\ud800"`.
    Undecodable,
}

pub fn scalar(raw: &RawValue) -> Scalar {
    let text = raw.get();
    match text.as_bytes()[0] {
        b'"' => serde_json::from_str(text).map_or(Scalar::Undecodable, Scalar::Text),
        b'n' => Scalar::Null,
        b'{' | b'[' => Scalar::Nested,
        _ => Scalar::Text(text.to_string()),
    }
}

/// Keys of the `{name, config}` shape. `tasks` and `type` come with the output of
/// `GET /connectors/{name}` and are ignored.
const WRAPPER_KEYS: [&str; 7] = [
    "name",
    "config",
    "state",
    "initial_state",
    "offsets",
    "tasks",
    "type",
];

fn definition(
    source: &str,
    stem: Option<&str>,
    members: Vec<(String, &RawValue)>,
    index: Option<usize>,
) -> Result<Definition, Error> {
    let err = |m: String| Error::Definition(format!("{source}: {m}"));
    let member = |key: &str| members.iter().find(|(k, _)| k == key).map(|(_, v)| *v);

    let wrapped = member("config").is_some_and(|c| c.get().starts_with('{'));
    let mut offsets = None;
    let (outer_name, raw_config, state) = if wrapped {
        if let Some((k, _)) = members
            .iter()
            .find(|(k, _)| !WRAPPER_KEYS.contains(&k.as_str()))
        {
            return Err(err(format!(
                "unknown key '{}' beside 'config' (expected name, config, state, offsets)",
                printable(k)
            )));
        }
        let outer_name = match member("name").map(scalar) {
            None => None,
            Some(Scalar::Text(s)) if member("name").is_some_and(|r| r.get().starts_with('"')) => {
                Some(s)
            }
            Some(_) => return Err(err("'name' must be a string".into())),
        };
        let state = parse_state(member("state"), member("initial_state")).map_err(err)?;
        if let Some(raw) = member("offsets") {
            offsets = Some(Offsets::parse(raw).map_err(err)?);
        }
        let config = entries(member("config").expect("checked above"), source)?;
        (outer_name, config, state)
    } else {
        (None, members, State::Running)
    };

    let mut config = BTreeMap::new();
    let mut pending = Vec::new();
    for (key, value) in raw_config {
        if is_server_managed(&key) {
            return Err(err(format!(
                "config key '{}' is managed by the worker (keys starting with __internal. are set by Confluent Platform); leave it out",
                printable(&key)
            )));
        }
        if is_tools_own(&key) {
            return Err(err(format!(
                "config key '{}' is connect-deploy's own (keys starting with connect-deploy. are set by connect-deploy itself); leave it out",
                printable(&key)
            )));
        }
        let text = match scalar(value) {
            Scalar::Text(s) if is_copied_mask(&s) => {
                return Err(err(format!(
                    "config key '{}' holds a mask a worker shows instead of a value (a run of U+2022, or [hidden]); writing it would replace the real value: write the value, or a {{\"file\"}}/{{\"env\"}} reference",
                    printable(&key)
                )));
            }
            Scalar::Text(s) => s,
            Scalar::Null => {
                return Err(err(format!(
                    "config key '{}' is null; write a string",
                    printable(&key)
                )));
            }
            Scalar::Nested if value.get().starts_with('{') => {
                // A reference, resolved by `load` before the first request.
                let reference = references::parse(value)
                    .map_err(|why| err(format!("config key '{}': {why}", printable(&key))))?;
                pending.push((key.clone(), reference));
                String::new()
            }
            Scalar::Nested => {
                return Err(err(format!(
                    "config key '{}' holds an array; Connect takes only strings",
                    printable(&key)
                )));
            }
            Scalar::Undecodable => {
                return Err(err(format!(
                    "config key '{}' holds a string with a lone surrogate escape (\\ud800-\\udfff), which no text can hold",
                    printable(&key)
                )));
            }
        };
        config.insert(key, text);
    }

    let name = match (outer_name, config.get("name")) {
        (Some(outer), Some(inner)) if &outer != inner => {
            return Err(err(format!(
                "'name' ({}) and config 'name' differ; they must be equal",
                printable(&outer)
            )));
        }
        (Some(outer), _) => outer,
        (None, Some(inner)) => inner.clone(),
        (None, None) => match (index, stem) {
            (None, Some(stem)) => stem.to_string(),
            (Some(_), _) => return Err(err("a definition in an array needs a 'name'".into())),
            (None, None) => return Err(err("a definition needs a 'name'".into())),
        },
    };
    check_name(&name).map_err(err)?;
    config.insert("name".into(), name.clone());
    match config.get("connector.class") {
        Some(class) if !class.trim().is_empty() => {}
        Some(_) => {
            return Err(err(format!(
                "connector '{name}': 'connector.class' is empty"
            )));
        }
        None => {
            return Err(err(format!(
                "connector '{name}': 'connector.class' is required"
            )));
        }
    }
    // Resolved values are secrets however short, whatever their key is called.
    let secret_keys = config
        .keys()
        .filter(|k| looks_secret(k) || pending.iter().any(|(p, _)| p == *k))
        .cloned()
        .collect();
    Ok(Definition {
        name,
        config: Config::from(config),
        state,
        source: source.to_string(),
        secret_keys,
        declared_secrets: Vec::new(),
        secret_globs: Arc::default(),
        references: pending,
        offsets,
    })
}

fn parse_state(state: Option<&RawValue>, initial: Option<&RawValue>) -> Result<State, String> {
    let value = match (state, initial) {
        (Some(_), Some(_)) => return Err("give 'state' or 'initial_state', not both".into()),
        (Some(v), None) | (None, Some(v)) => v,
        (None, None) => return Ok(State::Running),
    };
    match value.get() {
        "\"RUNNING\"" => Ok(State::Running),
        "\"PAUSED\"" => Ok(State::Paused),
        "\"STOPPED\"" => Ok(State::Stopped),
        _ => Err("'state' must be RUNNING, PAUSED or STOPPED".into()),
    }
}

/// The URL path segment of a connector's name.
pub fn encode_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const MAX_ENCODED_NAME: usize = 4096;

/// Names travel as one URL path segment: no `/`, no control characters, not empty,
/// no surrounding blanks (POST would trim them, PUT would not).
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the connector name is empty".into());
    }
    if name.chars().any(char::is_control) {
        return Err("the connector name contains a control character".into());
    }
    if name.contains('/') {
        return Err(format!("connector name '{name}' contains '/'"));
    }
    if name.trim() != name {
        return Err(format!(
            "connector name '{name}' starts or ends with blanks"
        ));
    }
    if name == "." || name == ".." {
        return Err(format!(
            "connector name '{name}' would be a dot segment of the URL path"
        ));
    }
    // Jetty refuses request lines beyond 8 KB (HTTP 414); leave room for the rest.
    if encode_name(name).len() > MAX_ENCODED_NAME {
        return Err(format!(
            "the connector name is too long for a request line ({} characters)",
            name.chars().count()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Definition {
        let mut v = parse("f.json", Some("f"), text).unwrap();
        assert_eq!(v.len(), 1);
        v.remove(0)
    }

    fn error(text: &str) -> String {
        match parse("f.json", Some("f"), text) {
            Err(Error::Definition(m)) => m,
            other => panic!("expected a definition error, got {other:?}"),
        }
    }

    #[test]
    fn seed_shape_with_numbers_as_written() {
        let d = one(
            r#"{"name":"clicks","config":{"connector.class":"X","max.interval":1000,
               "iterations":-1,"big":1e3,"f":1.50,"flag":true,"tasks.max":"1"}}"#,
        );
        assert_eq!(d.name, "clicks");
        assert_eq!(&d.config["max.interval"], "1000");
        assert_eq!(&d.config["iterations"], "-1");
        assert_eq!(&d.config["big"], "1e3");
        assert_eq!(&d.config["f"], "1.50");
        assert_eq!(&d.config["flag"], "true");
        assert_eq!(&d.config["name"], "clicks");
        assert_eq!(d.state, State::Running);
    }

    #[test]
    fn flat_map_takes_stem_or_its_name() {
        assert_eq!(one(r#"{"connector.class":"X"}"#).name, "f");
        assert_eq!(one(r#"{"connector.class":"X","name":"n"}"#).name, "n");
    }

    #[test]
    fn wrapper_ignores_tasks_and_type_and_reads_state() {
        let d = one(
            r#"{"name":"a","config":{"connector.class":"X"},"tasks":[],"type":"source","state":"PAUSED"}"#,
        );
        assert_eq!(d.state, State::Paused);
        assert_eq!(
            one(r#"{"name":"a","config":{"connector.class":"X"},"initial_state":"STOPPED"}"#).state,
            State::Stopped
        );
        assert!(
            error(r#"{"name":"a","config":{"connector.class":"X"},"state":"paused"}"#)
                .contains("'state'")
        );
    }

    #[test]
    fn arrays() {
        let v = parse(
            "f.json",
            Some("f"),
            r#"[{"name":"a","connector.class":"X"},{"name":"b","config":{"connector.class":"Y"}}]"#,
        )
        .unwrap();
        assert_eq!(
            v.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(v[1].source, "f.json[1]");
        assert!(error(r#"[{"connector.class":"X"}]"#).contains("needs a 'name'"));
        assert!(error(r#"[1]"#).contains("item 0"));
    }

    #[test]
    fn bad_values_name_file_and_key_but_not_the_value() {
        let m = error(r#"{"connector.class":"X","secret":null}"#);
        assert!(m.starts_with("f.json:") && m.contains("'secret'"), "{m}");
        let m = error(r#"{"connector.class":"X","nested":{"a":"hunter2"}}"#);
        assert!(m.contains("'nested'") && !m.contains("hunter2"), "{m}");
        assert!(error(r#"{"connector.class":"X","list":["a"]}"#).contains("'list'"));
    }

    #[test]
    fn names() {
        assert!(
            error(r#"{"name":"a","config":{"connector.class":"X","name":"b"}}"#).contains("differ")
        );
        assert_eq!(
            one(r#"{"name":"a","config":{"connector.class":"X","name":"a"}}"#).name,
            "a"
        );
        assert!(error(r#"{"name":"a/b","connector.class":"X"}"#).contains("'/'"));
        assert!(error(r#"{"name":"","connector.class":"X"}"#).contains("empty"));
        assert!(error(r#"{"name":"a\u0001","connector.class":"X"}"#).contains("control"));
        assert!(error(r#"{"name":" a","connector.class":"X"}"#).contains("blanks"));
        assert!(error(r#"{"name":1,"config":{"connector.class":"X"}}"#).contains("string"));
        assert!(parse("-", None, r#"{"connector.class":"X"}"#).is_err());
    }

    #[test]
    fn connector_class_required() {
        assert!(error(r#"{"name":"a","config":{"topic":"t"}}"#).contains("connector.class"));
        assert!(error(r#"{"name":"a","config":{"connector.class":" "}}"#).contains("empty"));
    }

    #[test]
    fn a_lone_surrogate_escape_is_an_error_not_a_panic() {
        // Found by fuzzing: RawValue accepts it, decoding it to a String fails.
        for text in [
            r#"{"k":"\ud800"}"#,
            r#"{"connector.class":"X","k":"\udc00\u0041"}"#,
        ] {
            assert!(error(text).contains("lone surrogate"), "{text}");
        }
        assert!(
            error(r#"{"name":"\ud800","config":{"connector.class":"X"}}"#)
                .contains("'name' must be a string")
        );
    }

    #[test]
    fn control_characters_in_keys_are_shown_escaped() {
        let m = error("{\"connector.class\":\"X\",\"a\\nb\":null}");
        assert!(m.contains("'a\\nb'") && !m.contains('\n'), "{m}");
    }

    #[test]
    fn syntax_and_shape_errors() {
        let m = error("{\"connector.class\": \"X\",\n \"password\": \"hunter2\",}");
        assert!(m.contains("line 2") && !m.contains("hunter2"), "{m}");
        assert!(error("42").contains("expected a JSON object"));
        assert!(
            error(r#"{"name":"a","config":{"connector.class":"X"},"confg":{}}"#)
                .contains("'confg'")
        );
        assert!(error(r#"{"connector.class":"X","k":"1","k":"2"}"#).contains("'k' appears twice"));
        assert!(
            error(r#"{"name":"a","config":{"connector.class":"X","k":"1","k":"2"}}"#)
                .contains("twice")
        );
        assert_eq!(one("\u{feff}{\"connector.class\":\"X\"}").name, "f");
    }

    #[test]
    fn names_are_one_path_segment() {
        assert_eq!(encode_name("clicks"), "clicks");
        assert_eq!(encode_name("a b?c#d%"), "a%20b%3Fc%23d%25");
        assert_eq!(encode_name("é"), "%C3%A9");
    }
}
