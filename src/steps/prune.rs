//! `--prune`: delete the connectors a Job owns (its `--prune-scope`) that no
//! definition names any more, after every definition was applied successfully.
//! Nothing outside the scope is ever deleted, and every definition of the run must
//! itself fall inside it, so that one Job owns one namespace of names.

use serde_json::Value;
use ureq::http::Method;

use crate::base::error::Error;
use crate::connect::client::{Client, Kind, Version, classify};
use crate::spec::definitions::Definition;
use crate::steps::apply::{Applied, Report, Retry, encode_name};

/// Connector-name patterns (`*` any run of characters, `?` one character).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(Vec<String>);

/// Resetting a pruned connector's offsets (DELETE .../offsets) came with 3.6.
const RESET_NEEDS: Version = Version::new(3, 6);

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
        self.0.iter().any(|p| glob(p.as_bytes(), name.as_bytes()))
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

/// `*` and `?` wildcards, iteratively with one backtrack point.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
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
    pattern[p..].iter().all(|&c| c == b'*')
}

/// What pruning does.
pub struct Settings {
    pub reset_offsets: bool,
    pub dry_run: bool,
    pub version: Version,
}

/// The connectors inside the scope that no definition names, in name order.
pub fn stale(
    client: &mut Client,
    definitions: &[Definition],
    scope: &Scope,
) -> Result<Vec<String>, Error> {
    let names = Retry::default().run(client, |c| {
        let r = c.get("/connectors", Kind::Read)?;
        match (r.status, &r.json) {
            (200, Some(Value::Array(names))) => Ok(names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect::<Vec<_>>()),
            _ => Err(classify(&r)),
        }
    })?;
    let mut stale: Vec<String> = names
        .into_iter()
        .filter(|n| scope.matches(n))
        .filter(|n| !definitions.iter().any(|d| &d.name == n))
        .collect();
    stale.sort();
    Ok(stale)
}

/// Delete one stale connector (its offsets first, when asked): its report.
pub fn delete_one(client: &mut Client, mut report: Report, settings: &Settings) -> Report {
    if settings.dry_run {
        report.applied = Some(Applied::WouldDelete);
        return report;
    }
    report.attempts += 1;
    match delete(client, &report.name, settings) {
        Ok(()) => {
            report.applied = Some(Applied::Deleted);
            report.error = None;
        }
        Err(e) => report.error = Some(e),
    }
    report
}

fn delete(client: &mut Client, name: &str, settings: &Settings) -> Result<(), Error> {
    let base = format!("/connectors/{}", encode_name(name));
    let mut steps: Vec<(Method, String)> = Vec::new();
    if settings.reset_offsets {
        if settings.version < RESET_NEEDS {
            return Err(Error::Rejected(format!(
                "--prune-reset-offsets needs Kafka Connect {RESET_NEEDS} or newer; this worker runs {}",
                settings.version
            )));
        }
        steps.push((Method::PUT, format!("{base}/stop")));
        steps.push((Method::DELETE, format!("{base}/offsets")));
    }
    steps.push((Method::DELETE, base.clone()));
    for (method, path) in steps {
        Retry::default().run(client, |c| {
            let r = c.send(method.clone(), &path, None, Kind::Write)?;
            match r.status {
                200..=204 => Ok(()),
                // Gone already (someone else deleted it): nothing left to do.
                404 if method == Method::DELETE && path == base => Ok(()),
                _ => Err(classify(&r)),
            }
        })?;
    }
    Ok(())
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
        assert!(glob(b"a*b*c", b"axxbyyc"));
        assert!(!glob(b"a*b*c", b"axxbyy"));
        assert!(glob(b"*-sink", b"x-sink"));
        assert!(Scope::parse("a,,b").is_err());
        assert!(Scope::parse("*").is_err());
        assert!(Scope::parse("**").is_err());
        assert!(Scope::parse("?*").is_err());
        assert!(Scope::parse("team-a-*,*?").is_err());
    }
}
