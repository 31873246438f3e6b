//! The `--prune-scope`: the connector names one Job owns, as `*`/`?` patterns.

use crate::base::error::Error;
use crate::base::text::Globs;
use crate::spec::definitions::Definition;

/// Connector-name patterns (`*` any run of characters, `?` one character).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(Globs);

impl Scope {
    /// `team-a-*,legacy-?` -> a scope; empty patterns are errors, and so is a
    /// pattern of wildcards only (`*`, `?*`, `**?`), which owns (nearly) every
    /// connector of the cluster.
    pub fn parse(text: &str) -> Result<Scope, String> {
        let globs = Globs::parse(text)?;
        if globs.any_matches_all() {
            return Err(format!(
                "'{text}' would own every connector of the cluster: name a prefix, e.g. team-a-*"
            ));
        }
        Ok(Scope(globs))
    }

    pub fn matches(&self, name: &str) -> bool {
        self.0.matches(name)
    }

    /// Every definition of the run must fall inside the scope.
    pub fn check(&self, definitions: &[Definition]) -> Result<(), Error> {
        let outside: Vec<&str> = definitions
            .iter()
            .filter(|d| !self.matches(&d.name))
            .map(|d| d.name.as_str())
            .collect();
        if outside.is_empty() {
            return Ok(());
        }
        Err(Error::Usage(format!(
            "--prune-scope {}: these definitions fall outside it, so this run would not own them: {}",
            self.0.join(","),
            outside.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::text::glob;

    #[test]
    fn globs() {
        let s = Scope::parse("team-a-*, legacy-?").unwrap();
        assert!(s.matches("team-a-orders"));
        assert!(s.matches("team-a-"));
        assert!(!s.matches("team-b-orders"));
        assert!(s.matches("legacy-1"));
        assert!(!s.matches("legacy-12"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(glob("*-sink", "x-sink"));
        assert!(glob("team-?", "team-é"));
        assert!(!glob("team-??", "team-é"));
        assert!(glob("t?am-*", "tëam-日本"));
        assert!(glob("é*", "é"));
        assert!(Scope::parse("a,,b").is_err());
        assert!(Scope::parse("*").is_err());
        assert!(Scope::parse("**").is_err());
        assert!(Scope::parse("?*").is_err());
        assert!(Scope::parse("team-a-*,*?").is_err());
    }
}
