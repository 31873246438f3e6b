//! The `--prune-scope`: the connector names one Job owns, as `*`/`?` patterns.

use crate::base::error::Error;
use crate::spec::definitions::Definition;

/// Connector-name patterns (`*` any run of characters, `?` one character).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(Vec<String>);

impl Scope {
    /// `team-a-*,legacy-?` -> a scope; empty patterns are errors.
    pub fn parse(text: &str) -> Result<Scope, String> {
        let patterns: Vec<String> = text.split(',').map(|p| p.trim().to_string()).collect();
        if patterns.iter().any(String::is_empty) {
            return Err(format!("'{text}' holds an empty pattern"));
        }
        // A pattern of wildcards only (`*`, `?*`, `**?`) owns (nearly) every
        // connector of the cluster.
        if patterns
            .iter()
            .any(|p| p.chars().all(|c| c == '*' || c == '?'))
        {
            return Err(format!(
                "'{text}' would own every connector of the cluster: name a prefix, e.g. team-a-*"
            ));
        }
        Ok(Scope(patterns))
    }

    pub fn matches(&self, name: &str) -> bool {
        self.0.iter().any(|p| glob(p, name))
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

/// `*` and `?` wildcards, iteratively with one backtrack point. Both sides are
/// compared character by character (Unicode scalar values), never byte by byte: `?`
/// is one character, so `team-?` owns `team-é` and `team-??` does not.
pub fn glob(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

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
