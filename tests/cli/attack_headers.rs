//! Hostile tests (attack branch): a request head larger than the tool's 16 KB
//! output buffer (a --header-file value, a bearer token or a header list that
//! large) can never be sent. Every attempt fails with "bad HTTP answer: output
//! too small to write output", which is taken for a worker not ready yet: the run
//! waits out the whole --timeout (5 min by default) and exits 124, which a Job
//! retries for ever. Promised: bad input is a clear message naming the option,
//! with its documented code (64), at start, nothing applied.

use std::time::{Duration, Instant};

use crate::support::*;

#[track_caller]
fn refused_at_once(run: Deploy, what: &str) {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("clicks.json", CLICKS)]);
    let start = Instant::now();
    let out = run.url(fake.url()).timeout("10s").arg(dir.arg()).run();
    assert!(
        out.code == 64 && start.elapsed() < Duration::from_secs(3),
        "{what}: exit {} after {:?}:\n{}",
        out.code,
        start.elapsed(),
        out.all()
    );
    assert!(fake.connector_names().is_empty());
}

#[test]
fn attack_header_file_value_over_16_kb() {
    let dir = TempDir::new();
    let key = dir.write("gateway-key", &"k".repeat(20_000));
    refused_at_once(
        deploy()
            .arg("--header-file")
            .arg(format!("X-Gateway-Key: {}", key.display())),
        "--header-file of 20,000 bytes",
    );
}

#[test]
fn attack_bearer_token_over_16_kb() {
    let dir = TempDir::new();
    let token = dir.write("token", &"t".repeat(20_000));
    refused_at_once(
        deploy().env(
            "KAFKA_CONNECT_BEARER_TOKEN_FILE",
            token.display().to_string(),
        ),
        "a bearer token of 20,000 bytes",
    );
}
