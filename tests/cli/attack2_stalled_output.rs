//! Hostile tests (attack2): standard output is a pipe whose reader stalls (a log
//! shipper under back-pressure, `connect-deploy | slow-consumer`). The run's report
//! lines fill the pipe and its thread blocks in a write; the backstop (and a
//! signal) then print their own report to the same blocked stdout, under the same
//! lock, and the process never ends. Promised: within --timeout + 1 s, and within
//! 1 s of SIGTERM, whatever blocks.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

fn many(n: usize) -> String {
    let defs: Vec<_> = (0..n)
        // Long names fill the pipe in a few hundred lines, on a slow (emulated) machine too.
        .map(|i| json!({"name": format!("connector-with-a-long-name-{}-{i:05}", "x".repeat(170)), "config": {"connector.class": "FileStreamSource", "topic": "t"}}))
        .collect();
    serde_json::Value::from(defs).to_string()
}

fn spawn_stalled(fake: &FakeConnect, dir: &TempDir, timeout: &str) -> std::process::Child {
    bin_command()
        .arg(dir.arg())
        .env_clear()
        .env("KAFKA_CONNECT_URL", fake.url())
        .env("KAFKA_CONNECT_TIMEOUT", timeout)
        .stdin(Stdio::null())
        // Never read until the end: the pipe (64 KiB) fills.
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start connect-deploy")
}

#[test]
fn attack2_stalled_stdout_holds_the_run_past_its_deadline() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("all.json", &many(3000))]);
    let start = Instant::now();
    let mut child = spawn_stalled(&fake, &dir, "5s");
    let status = wait_within(&mut child, Duration::from_secs(20));
    let took = start.elapsed();
    assert!(
        fake.connector_names().len() > 600,
        "set-up: only {} connectors were created",
        fake.connector_names().len()
    );
    assert!(
        status.is_some() && took < Duration::from_secs(8),
        "--timeout 5s with a stalled stdout: still running after {took:?} (status {status:?})"
    );
    assert_eq!(status.and_then(|s| s.code()), Some(124));
}

#[test]
fn attack2_stalled_stdout_holds_the_run_past_sigterm() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("all.json", &many(3000))]);
    let mut child = spawn_stalled(&fake, &dir, "5m");
    // Enough written to fill the pipe (about 220 bytes a line).
    let until = Instant::now() + Duration::from_secs(30);
    while fake.connector_names().len() < 600 {
        assert!(Instant::now() < until, "set-up: the creates never came");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "set-up: the run had already ended");
    let status = wait_within(&mut child, Duration::from_secs(10));
    let took = sent.elapsed();
    assert!(
        status.is_some() && took < Duration::from_secs(3),
        "SIGTERM with a stalled stdout: still running {took:?} after it (status {status:?})"
    );
    assert_eq!(status.and_then(|s| s.code()), Some(143));
}
