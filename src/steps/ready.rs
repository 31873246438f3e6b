//! Waiting until Kafka Connect can really take writes (`connect-rest.md`, "Start-up").
//! Every answer is classified as it is later (`connect::classify`, `apply::Retry`):
//! what means "not yet" is waited for, anything permanent ends the wait at once
//! with the code it gets later.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::base::deadline::{Backoff, FIRST_DELAY};
use crate::base::error::Error;
use crate::connect::answer::{Failure, Reply, classify};
use crate::connect::client::{Client, Kind};
use crate::connect::retry::Retry;
use crate::connect::version::Version;
use crate::report::log::Log;

/// A name no one uses: its JSON 404 proves the REST resources and herder answer.
const PROBE: &str = "/connectors/connect-deploy-readiness-probe";

/// A worker that answers "not ready" this many times in a row is left for the next
/// URL, as an unreachable one is.
const NOT_READY_BEFORE_FAILOVER: u32 = 5;

/// Nothing answers (connection refused: the kernel says so, no worker is bothered):
/// looked at again after 0.05-0.1 s, so that a worker that starts is noticed at once.
const SILENT_DELAY: Duration = Duration::from_millis(100);

/// A worker that answers "not ready" (Jetty's 404, `/health` starting, a 503) is
/// looked at again after 0.1, 0.2, 0.4 s, then every 0.25-0.5 s: at most four
/// looks a second (each one or two GETs), and readiness noticed within half a
/// second of it.
const ANSWERED_MAX_DELAY: Duration = Duration::from_millis(500);

/// Why a look did not find the worker ready.
enum NotReady {
    /// Nothing answered: refused, unreachable, timed out.
    Silent(Failure),
    /// The worker answered, but not "ready".
    Answered(Failure),
}

/// Wait until a worker is ready, trying each endpoint in turn; the version it reports.
pub fn wait(client: &mut Client, log: &Log) -> Result<Version, Error> {
    let started = Instant::now();
    let mut silent = Retry::with(Backoff::capped(SILENT_DELAY, SILENT_DELAY));
    let mut answered = Retry::with(Backoff::capped(FIRST_DELAY, ANSWERED_MAX_DELAY));
    let mut last_reason = String::new();
    let mut attempts = 0u32;
    let mut in_a_row = 0u32;
    loop {
        attempts += 1;
        let endpoint = client.endpoint();
        let failure = match probe(client) {
            Ok((version, text)) => {
                log.info(
                    "ready",
                    &format!(
                        "Kafka Connect {text} at {endpoint} is ready (attempt {attempts}, {}.{}s)",
                        started.elapsed().as_secs(),
                        started.elapsed().subsec_millis() / 100
                    ),
                );
                return Ok(version);
            }
            Err(why) => why,
        };
        let (failure, retry) = match failure {
            NotReady::Silent(f) => (f, &mut silent),
            NotReady::Answered(f) => (f, &mut answered),
        };
        let why = format!("{endpoint}: {}", failure.message());
        if why != last_reason {
            log.info("waiting", &format!("waiting for Kafka Connect: {why}"));
            last_reason = why;
        }
        // A transport failure has already moved on to the next endpoint.
        if client.endpoint() == endpoint {
            in_a_row += 1;
            if in_a_row >= NOT_READY_BEFORE_FAILOVER && client.endpoints() > 1 {
                client.failover();
            }
        }
        if client.endpoint() != endpoint {
            in_a_row = 0;
        }
        retry.settle(failure, client).map_err(|e| match e {
            Error::Deadline(_) => Error::Deadline(format!(
                "Kafka Connect was not ready before the deadline ({attempts} attempts; last: {last_reason})"
            )),
            other => other,
        })?;
    }
}

/// One look: the version when ready, else why not, classified.
fn probe(client: &mut Client) -> Result<(Version, String), NotReady> {
    let root = get(client, "/")?;
    let Some(version_text) = root
        .json
        .as_ref()
        .and_then(|j| j.get("version"))
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(NotReady::Answered(Failure::Transient(format!(
            "GET / answered HTTP {} without a version: {}",
            root.status,
            root.message()
        ))));
    };
    // An unreadable version is treated as old: the probe below works everywhere.
    let version = Version::parse(&version_text).unwrap_or(Version::new(0, 0));

    if version >= Version::new(3, 9) {
        match client
            .get("/health", Kind::Probe)
            .map_err(NotReady::Silent)?
        {
            h if h.status == 200 => return Ok((version, version_text)),
            // A build that reports a new version without /health: fall back to the probe.
            h if h.status == 404 && h.json.is_some() => {}
            h => {
                return Err(NotReady::Answered(
                    match h.json.as_ref().and_then(|j| j.get("status")) {
                        Some(Value::String(s)) => {
                            Failure::Transient(format!("/health says {s}: {}", h.message()))
                        }
                        _ => not_ready("GET /health", &h),
                    },
                ));
            }
        }
    }
    let answer = client.get(PROBE, Kind::Probe).map_err(NotReady::Silent)?;
    match answer.status {
        200 => Ok((version, version_text)),
        404 if answer.json.is_some() => Ok((version, version_text)),
        _ => Err(NotReady::Answered(not_ready(
            "GET /connectors/...",
            &answer,
        ))),
    }
}

/// A 200, or why not.
fn get(client: &mut Client, path: &str) -> Result<Reply, NotReady> {
    let reply = client.get(path, Kind::Probe).map_err(NotReady::Silent)?;
    match reply.status {
        200 => Ok(reply),
        _ => Err(NotReady::Answered(not_ready(
            &format!("GET {path}"),
            &reply,
        ))),
    }
}

/// An answer that is not the one hoped for, classified as any other answer is,
/// except a 404: a worker that is starting answers it, as HTML or (Connect 4.x,
/// before its REST resources are registered) as JSON.
fn not_ready(what: &str, reply: &Reply) -> Failure {
    if reply.status == 404 {
        return Failure::Transient(format!(
            "{what} answered HTTP 404 {}: the worker is still starting",
            reply.message()
        ));
    }
    match classify(reply) {
        Failure::Transient(m) => Failure::Transient(format!("{what} answered {m}")),
        Failure::TimedOut(m) => Failure::TimedOut(format!("{what} answered {m}")),
        other => other,
    }
}
