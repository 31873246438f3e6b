//! Waiting until every connector is really in its desired state, and stays so for
//! the stability window, restarting FAILED connectors and tasks within a budget.

use std::time::{Duration, Instant};

use serde_json::Value;
use ureq::http::Method;

use crate::base::error::Error;
use crate::connect::answer::{Failure, classify};
use crate::connect::client::{Client, Kind};
use crate::connect::snapshot::Snapshot;
use crate::connect::version::Version;
use crate::report::log::{Level, Log};
use crate::report::outcome::Report;
use crate::spec::definitions::{Definition, State, encode_name};
use crate::spec::pins::pins;
use crate::steps::batch::forbidden_alone;

/// Time between two looks at a connector's status.
const POLL: Duration = Duration::from_millis(500);
/// After a restart FAILED may still be reported for a moment; wait before judging,
/// doubling per restart up to the cap.
const RESTART_GRACE: Duration = Duration::from_secs(2);
const RESTART_GRACE_CAP: Duration = Duration::from_secs(30);

/// One look at `GET /connectors/{name}/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub connector: String,
    /// (id, state, first line of the trace) per task.
    pub tasks: Vec<(i64, String, Option<String>)>,
    pub connector_trace: Option<String>,
    /// The plugin version the connector runs (4.1+ status answers, KIP-891).
    pub version: Option<String>,
}

impl Observed {
    pub fn from_json(j: &Value) -> Option<Observed> {
        let connector = j.get("connector")?;
        let first_line = |v: &Value| {
            v.get("trace")
                .and_then(Value::as_str)
                .map(|t| t.lines().next().unwrap_or("").trim().to_string())
        };
        let tasks = j
            .get("tasks")
            .and_then(Value::as_array)
            .map(|ts| {
                ts.iter()
                    .map(|t| {
                        let id = t.get("id").and_then(Value::as_i64).unwrap_or(-1);
                        let state = t.get("state").and_then(Value::as_str).unwrap_or("UNKNOWN");
                        (id, state.to_string(), first_line(t))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Observed {
            connector: connector.get("state")?.as_str()?.to_string(),
            tasks,
            connector_trace: first_line(connector),
            version: connector
                .get("version")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    pub fn failed(&self) -> bool {
        self.connector == "FAILED" || self.tasks.iter().any(|(_, s, _)| s == "FAILED")
    }

    /// In the desired state: for RUNNING, at least one task and every task RUNNING.
    pub fn reached(&self, want: State) -> bool {
        match want {
            State::Running => {
                self.connector == "RUNNING"
                    && !self.tasks.is_empty()
                    && self.tasks.iter().all(|(_, s, _)| s == "RUNNING")
            }
            State::Paused => {
                self.connector == "PAUSED" && self.tasks.iter().all(|(_, s, _)| s == "PAUSED")
            }
            State::Stopped => self.connector == "STOPPED",
        }
    }

    /// `RUNNING, 2 tasks` or `RUNNING; task 0 UNASSIGNED, task 1 RUNNING`.
    pub fn describe(&self) -> String {
        if self.tasks.is_empty() {
            return format!("{}, no tasks", self.connector);
        }
        if self.tasks.iter().all(|(_, s, _)| *s == self.connector) {
            let n = self.tasks.len();
            return format!(
                "{}, {n} task{}",
                self.connector,
                if n == 1 { "" } else { "s" }
            );
        }
        let tasks: Vec<String> = self
            .tasks
            .iter()
            .map(|(id, s, _)| format!("task {id} {s}"))
            .collect();
        format!("{}; {}", self.connector, tasks.join(", "))
    }

    /// Why it failed: `connector FAILED: X` or `task 0 FAILED: X`, first lines only.
    pub fn failure(&self) -> String {
        let mut parts = Vec::new();
        if self.connector == "FAILED" {
            parts.push(with_trace("connector FAILED", &self.connector_trace));
        }
        for (id, state, trace) in &self.tasks {
            if state == "FAILED" {
                parts.push(with_trace(&format!("task {id} FAILED"), trace));
            }
        }
        parts.join("; ")
    }
}

fn with_trace(what: &str, trace: &Option<String>) -> String {
    match trace {
        Some(t) if !t.is_empty() => format!("{what}: {t}"),
        _ => what.to_string(),
    }
}

struct Watch<'a> {
    index: usize,
    def: &'a Definition,
    /// Since when it has been in its desired state.
    since: Option<Instant>,
    /// No verdict on FAILED before this (a restart is under way).
    grace_until: Option<Instant>,
    last: String,
}

impl Watch<'_> {
    /// Not in its state (yet): the stability window starts again. Returns "not done".
    fn not_yet(&mut self, seen: String) -> bool {
        self.last = seen;
        self.since = None;
        false
    }
}

pub struct Settings {
    pub stable: Duration,
    pub restart_failed: u32,
    pub version: Version,
}

/// Wait for every connector whose apply succeeded; fills in `final_state`,
/// `restarts` and `error` of their reports.
pub fn wait(
    client: &mut Client,
    defs: &[Definition],
    reports: &mut [Report],
    settings: &Settings,
    log: &Log,
) {
    let mut pending: Vec<Watch> = defs
        .iter()
        .enumerate()
        .filter(|(i, _)| reports[*i].error.is_none())
        .map(|(index, def)| Watch {
            index,
            def,
            since: None,
            grace_until: None,
            last: "no status yet".into(),
        })
        .collect();
    if pending.is_empty() {
        return;
    }
    log.info(
        "waiting_for_state",
        &format!(
            "waiting until {} connector(s) reach their desired state and hold it for {:?}",
            pending.len(),
            settings.stable
        ),
    );
    while !pending.is_empty() {
        if client.deadline.passed() {
            for w in &pending {
                reports[w.index].error = Some(Error::NotRunning(format!(
                    "not {} before the deadline: {}",
                    w.def.state.as_str(),
                    w.last.clone()
                )));
            }
            return;
        }
        let mut still = Vec::new();
        let mut refused = false;
        // Every state in one request where the worker can; else one per connector.
        let watched = |name: &str| pending.iter().any(|w| w.def.name == name);
        let snapshot = Snapshot::read(client, settings.version, false, &watched);
        for mut w in pending {
            let index = w.index;
            if refused {
                // Credentials refused once are refused for every connector.
                reports[index].error =
                    Some(Error::Denied("not checked: access was refused".into()));
                continue;
            }
            match look(
                client,
                snapshot.as_ref(),
                &mut w,
                &mut reports[index],
                settings,
                log,
            ) {
                Ok(true) => {}
                Ok(false) => still.push(w),
                Err(e) => {
                    // A 403 on one connector's own status fails it alone (Confluent
                    // RBAC per connector name); any other refusal, all.
                    refused = matches!(&e, Error::Denied(m) if !forbidden_alone(m));
                    reports[index].error = Some(e);
                }
            }
        }
        if refused {
            for w in &still {
                reports[w.index].error =
                    Some(Error::Denied("not checked: access was refused".into()));
            }
            return;
        }
        pending = still;
        if !pending.is_empty() {
            std::thread::sleep(client.deadline.clamp(POLL));
        }
    }
}

/// Look at one connector once. Ok(true) when it is done (reached and stable).
fn look(
    client: &mut Client,
    snapshot: Option<&Snapshot>,
    w: &mut Watch,
    report: &mut Report,
    settings: &Settings,
    log: &Log,
) -> Result<bool, Error> {
    let base = format!("/connectors/{}", encode_name(&w.def.name));
    let answer = match snapshot {
        Some(s) => Ok(s
            .get(&w.def.name)
            .and_then(|k| k.status.as_deref())
            .and_then(Observed::from_json)),
        None => client
            .get(&format!("{base}/status"), Kind::Read)
            .and_then(|r| {
                match (r.status, &r.json) {
                    (200, Some(j)) => Ok(Observed::from_json(j)),
                    // `No status found`: right after creation, the worker's cache lags.
                    (404, Some(_)) => Ok(None),
                    _ => Err(classify(&r)),
                }
            }),
    };
    let observed = match answer {
        Ok(Some(observed)) => observed,
        Ok(None) => return Ok(w.not_yet("no status yet".into())),
        Err(Failure::Denied(m)) => return Err(denied(&m)),
        Err(f) => return Ok(w.not_yet(format!("status unavailable: {}", f.message()))),
    };
    let now = Instant::now();
    w.last = observed.describe();
    if observed.failed() {
        w.since = None;
        if w.grace_until.is_some_and(|t| now < t) {
            return Ok(false);
        }
        let why = observed.failure();
        if report.restarts >= settings.restart_failed {
            let after = match report.restarts {
                0 => String::new(),
                n => format!(" after {n} restart{}", if n == 1 { "" } else { "s" }),
            };
            return Err(Error::NotRunning(format!("{why}{after}")));
        }
        report.restarts += 1;
        log.connector_progress(
            Level::Warn,
            "restarting",
            &w.def.name,
            &format!(
                "restarting ({}/{}): {why}",
                report.restarts, settings.restart_failed
            ),
        );
        match restart(client, &base, &observed, settings.version) {
            Ok(()) => {}
            Err(Failure::Denied(m)) => return Err(denied(&m)),
            // A rebalance (409) or a worker busy for a moment: the restart is tried
            // again at the next look, and not counted.
            Err(f @ (Failure::Transient(_) | Failure::TimedOut(_) | Failure::Unknown(_))) => {
                report.restarts -= 1;
                return Ok(w.not_yet(format!(
                    "{why}; the restart is to be tried again: {}",
                    f.message()
                )));
            }
            Err(other) => {
                return Err(Error::NotRunning(format!(
                    "{why}; the restart failed: {}",
                    other.message()
                )));
            }
        }
        report.attempts += 1;
        let grace = RESTART_GRACE
            .saturating_mul(1 << (report.restarts - 1).min(8))
            .min(RESTART_GRACE_CAP);
        w.grace_until = Some(now + grace);
        return Ok(false);
    }
    if !observed.reached(w.def.state) {
        return Ok(w.not_yet(observed.describe()));
    }
    let since = *w.since.get_or_insert(now);
    if now.duration_since(since) >= settings.stable {
        report.final_state = Some(observed.describe().into());
        // Where the definition pins a version: the one it runs, e.g.
        // `RUNNING (4.1.0), 1 task`.
        if !pins(&w.def.config).is_empty()
            && let Some(version) = &observed.version
        {
            let shown = observed.describe();
            let state = &observed.connector;
            report.final_state = Some(
                match shown.strip_prefix(state.as_str()) {
                    Some(rest) => format!("{state} ({version}){rest}"),
                    None => shown,
                }
                .into(),
            );
            report.plugin_version = Some(version.as_str().into());
        }
        return Ok(true);
    }
    Ok(false)
}

fn denied(why: &str) -> Error {
    Error::Denied(format!("Kafka Connect refused access: {why}"))
}

/// Restart what failed: one call from 3.0 on, else the connector and each task.
fn restart(
    client: &mut Client,
    base: &str,
    observed: &Observed,
    version: Version,
) -> Result<(), Failure> {
    let mut paths = Vec::new();
    if version >= Version::new(3, 0) {
        paths.push(format!("{base}/restart?includeTasks=true&onlyFailed=true"));
    } else {
        if observed.connector == "FAILED" {
            paths.push(format!("{base}/restart"));
        }
        for (id, state, _) in &observed.tasks {
            if state == "FAILED" {
                paths.push(format!("{base}/tasks/{id}/restart"));
            }
        }
    }
    for path in paths {
        let r = client.send(Method::POST, &path, None, Kind::Write)?;
        if !(200..=204).contains(&r.status) {
            return Err(classify(&r));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn observed(j: Value) -> Observed {
        Observed::from_json(&j).unwrap()
    }

    #[test]
    fn running_needs_a_task_and_every_task_running() {
        let ok = observed(
            json!({"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "RUNNING"}]}),
        );
        assert!(ok.reached(State::Running));
        assert_eq!(ok.describe(), "RUNNING, 1 task");
        let none = observed(json!({"connector": {"state": "RUNNING"}, "tasks": []}));
        assert!(!none.reached(State::Running));
        let mixed = observed(
            json!({"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "RUNNING"}, {"id": 1, "state": "UNASSIGNED"}]}),
        );
        assert!(!mixed.reached(State::Running));
        assert_eq!(
            mixed.describe(),
            "RUNNING; task 0 RUNNING, task 1 UNASSIGNED"
        );
        let restarting = observed(
            json!({"connector": {"state": "RESTARTING"}, "tasks": [{"id": 0, "state": "RUNNING"}]}),
        );
        assert!(!restarting.reached(State::Running) && !restarting.failed());
    }

    #[test]
    fn paused_and_stopped() {
        let p = observed(
            json!({"connector": {"state": "PAUSED"}, "tasks": [{"id": 0, "state": "PAUSED"}]}),
        );
        assert!(p.reached(State::Paused) && !p.reached(State::Running));
        let s = observed(json!({"connector": {"state": "STOPPED"}, "tasks": []}));
        assert!(s.reached(State::Stopped));
    }

    #[test]
    fn failures_show_the_first_trace_line() {
        let f = observed(json!({"connector": {"state": "RUNNING"}, "tasks": [
            {"id": 0, "state": "FAILED", "trace": "org.apache.kafka.connect.errors.ConnectException: Couldn't find file\n\tat org.apache..."}]}));
        assert!(f.failed());
        assert_eq!(
            f.failure(),
            "task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: Couldn't find file"
        );
        let c = observed(
            json!({"connector": {"state": "FAILED", "trace": "java.lang.RuntimeException: boom\n\tat x"}, "tasks": []}),
        );
        assert_eq!(
            c.failure(),
            "connector FAILED: java.lang.RuntimeException: boom"
        );
    }
}
