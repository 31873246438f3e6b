//! Waiting until Kafka Connect can really take writes (`connect-rest.md`, "Start-up").

use std::time::Instant;

use serde_json::Value;

use crate::connect::{Client, Failure, Kind, Reply, Version, classify};
use crate::error::Error;
use crate::output::Log;
use crate::retry::Backoff;

/// A name no one uses: its JSON 404 proves the REST resources and herder answer.
const PROBE: &str = "/connectors/connect-deploy-readiness-probe";

/// Why a probe did not find the worker ready.
enum NotReady {
    Waiting(String),
    Denied(String),
}

/// Wait until a worker is ready, trying each endpoint in turn; the version it reports.
pub fn wait(client: &mut Client, log: &Log) -> Result<Version, Error> {
    let started = Instant::now();
    let mut backoff = Backoff::default();
    let mut last_reason = String::new();
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        match probe(client) {
            Ok(version) => {
                log.info(
                    "ready",
                    &format!(
                        "Kafka Connect {} at {} is ready (attempt {attempts}, {:.1}s)",
                        version.1,
                        client.endpoint(),
                        started.elapsed().as_secs_f64()
                    ),
                );
                return Ok(version.0);
            }
            Err(NotReady::Denied(why)) => {
                return Err(Error::Denied(format!(
                    "Kafka Connect at {} refused access: {why}",
                    client.endpoint()
                )));
            }
            Err(NotReady::Waiting(why)) => {
                if why != last_reason {
                    log.info("waiting", &format!("waiting for Kafka Connect: {why}"));
                    last_reason = why;
                }
                if !backoff.wait(&client.deadline) {
                    return Err(Error::Deadline(format!(
                        "Kafka Connect was not ready before the deadline ({attempts} attempts; last: {last_reason})"
                    )));
                }
            }
        }
    }
}

fn probe(client: &mut Client) -> Result<(Version, String), NotReady> {
    let endpoint = client.endpoint();
    let root = get(client, "/")?;
    let version_text = root
        .json
        .as_ref()
        .filter(|_| root.status == 200)
        .and_then(|j| j.get("version"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(version_text) = version_text else {
        return Err(not_ready(&endpoint, "GET /", &root));
    };
    // An unreadable version is treated as old: the probe below works everywhere.
    let version = Version::parse(&version_text).unwrap_or(Version::new(0, 0));

    if version >= Version::new(3, 9) {
        let health = get(client, "/health")?;
        match health.status {
            200 => return Ok((version, version_text)),
            // A build that reports a new version without /health: fall back to the probe.
            404 if health.json.is_some() => {}
            _ => {
                let status = health
                    .json
                    .as_ref()
                    .and_then(|j| j.get("status"))
                    .and_then(Value::as_str);
                let why = match status {
                    Some(s) => format!("{endpoint}: /health says {s}: {}", health.message()),
                    None => format!("{endpoint}: GET /health answered {}", health.message()),
                };
                return Err(NotReady::Waiting(why));
            }
        }
    }
    let answer = get(client, PROBE)?;
    match answer.status {
        200 => Ok((version, version_text)),
        404 if answer.json.is_some() => Ok((version, version_text)),
        _ => Err(not_ready(&endpoint, "GET /connectors/...", &answer)),
    }
}

/// A GET for the probe: any answer comes back, except a refusal, which ends the
/// wait; a transport failure means "keep waiting".
fn get(client: &mut Client, path: &str) -> Result<Reply, NotReady> {
    match client.get(path, Kind::Probe) {
        Ok(reply) => match classify(&reply) {
            Failure::Denied(m) => Err(NotReady::Denied(m)),
            _ => Ok(reply),
        },
        Err(Failure::Denied(m)) => Err(NotReady::Denied(m)),
        Err(f) => Err(NotReady::Waiting(f.message().to_string())),
    }
}

fn not_ready(endpoint: &str, what: &str, reply: &Reply) -> NotReady {
    NotReady::Waiting(format!(
        "{endpoint}: {what} answered HTTP {}: {}",
        reply.status,
        reply.message()
    ))
}
