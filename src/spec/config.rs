//! A connector's config as data: its keys and string values, in key order.

use std::collections::BTreeMap;

/// A connector's config: every value a string, each key once, in key order, as a
/// `BTreeMap` of them reads. A sorted Vec: a map's node of eleven entries for a
/// config of seven was the largest part of a fleet's definitions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config(Vec<(Box<str>, Box<str>)>);

impl Config {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.position(key).ok().map(|at| &*self.0[at].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// The value `key` had before, if any.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.position(&key) {
            Ok(at) => Some(String::from(std::mem::replace(
                &mut self.0[at].1,
                value.into(),
            ))),
            Err(at) => {
                self.0.insert(at, (key.into(), value.into()));
                None
            }
        }
    }

    pub fn iter(&self) -> ConfigIter<'_> {
        self.0.iter().map(entry)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.0.iter().map(|(_, v)| &**v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key))
    }
}

fn entry((key, value): &(Box<str>, Box<str>)) -> (&str, &str) {
    (key, value)
}

/// A config's entries in key order.
pub type ConfigIter<'a> = std::iter::Map<
    std::slice::Iter<'a, (Box<str>, Box<str>)>,
    fn(&(Box<str>, Box<str>)) -> (&str, &str),
>;

impl<'a> IntoIterator for &'a Config {
    type Item = (&'a str, &'a str);
    type IntoIter = ConfigIter<'a>;

    fn into_iter(self) -> ConfigIter<'a> {
        self.iter()
    }
}

impl From<BTreeMap<String, String>> for Config {
    fn from(map: BTreeMap<String, String>) -> Config {
        Config(map.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl<const N: usize> From<[(String, String); N]> for Config {
    fn from(entries: [(String, String); N]) -> Config {
        Config::from(BTreeMap::from(entries))
    }
}

/// As a map's: the last of a key's values.
impl FromIterator<(String, String)> for Config {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(entries: I) -> Config {
        Config::from(entries.into_iter().collect::<BTreeMap<_, _>>())
    }
}

impl std::ops::Index<&str> for Config {
    type Output = str;

    fn index(&self, key: &str) -> &str {
        &self.0[self.position(key).expect("a key the config holds")].1
    }
}

impl serde::Serialize for Config {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}
