//! `--prune`: delete the connectors a Job owns (its `--prune-scope`) that no
//! definition names any more, after every definition was applied successfully.
//! Nothing outside the scope is ever deleted, and every definition of the run must
//! itself fall inside it, so that one Job owns one namespace of names.

use serde_json::Value;
use ureq::http::Method;

use crate::base::error::Error;
use crate::connect::answer::classify;
use crate::connect::client::{Client, Kind};
use crate::connect::retry::Retry;
use crate::connect::version::Version;
use crate::report::outcome::{Applied, Report};
use crate::spec::definitions::{Definition, encode_name};
use crate::spec::scope::Scope;

/// Resetting a pruned connector's offsets (DELETE .../offsets) came with 3.6.
const RESET_NEEDS: Version = Version::new(3, 6);

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
