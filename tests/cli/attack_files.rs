//! Hostile tests (found by an attack on the proxy/header release, fixed since): credential
//! and header files were read at start with no deadline, no signal backstop and no
//! size or type check, so a FIFO (nobody ever writes) or /dev/zero hung the run for
//! ever or ate gigabytes. Promised: every input path has a size and a shape; the run
//! ends within --timeout (+1 s) and within a second of SIGTERM, with a documented
//! code (64 here, naming the variable or option).

use std::time::Duration;

use crate::support::*;

fn fifo(dir: &TempDir) -> String {
    let path = dir.path().join("never-written");
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    path.display().to_string()
}

/// Runs with --timeout 1s; must end within 3 s (the deadline, +1 s, + slack).
#[track_caller]
fn ends_in_time(run: Deploy, what: &str) {
    let mut child = run.timeout("1s").spawn();
    let status = wait_within(&mut child, Duration::from_secs(3));
    let out = child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let status =
        status.unwrap_or_else(|| panic!("{what}: still running 3 s after a 1 s --timeout"));
    assert!(
        matches!(status.code(), Some(64)),
        "{what}: exit {:?}, expected 64 naming it:\n{all}",
        status.code()
    );
}

fn base(dir: &TempDir) -> Deploy {
    dir.write("c.json", CLICKS);
    deploy().url("http://127.0.0.1:1").arg(dir.arg())
}

#[test]
fn attack_header_file_fifo_ends_in_time() {
    let dir = TempDir::new();
    let f = fifo(&dir);
    ends_in_time(
        base(&dir)
            .arg("--header-file")
            .arg(format!("X-Api-Key: {f}")),
        "--header-file FIFO",
    );
}

#[test]
fn attack_header_files_variable_fifo_ends_in_time() {
    let dir = TempDir::new();
    let f = fifo(&dir);
    ends_in_time(
        base(&dir).env("KAFKA_CONNECT_HEADER_FILES", format!("X-Api-Key: {f}")),
        "KAFKA_CONNECT_HEADER_FILES FIFO",
    );
}

#[test]
fn attack_basic_auth_password_file_fifo_ends_in_time() {
    let dir = TempDir::new();
    let f = fifo(&dir);
    ends_in_time(
        base(&dir)
            .env("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "u")
            .env("KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE", f),
        "KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE FIFO",
    );
}

#[test]
fn attack_basic_auth_username_file_fifo_ends_in_time() {
    let dir = TempDir::new();
    let f = fifo(&dir);
    ends_in_time(
        base(&dir)
            .env("KAFKA_CONNECT_BASIC_AUTH_USERNAME_FILE", f)
            .env("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", "p"),
        "KAFKA_CONNECT_BASIC_AUTH_USERNAME_FILE FIFO",
    );
}

#[test]
fn attack_bearer_token_file_fifo_ends_in_time() {
    let dir = TempDir::new();
    let f = fifo(&dir);
    ends_in_time(
        base(&dir).env("KAFKA_CONNECT_BEARER_TOKEN_FILE", f),
        "KAFKA_CONNECT_BEARER_TOKEN_FILE FIFO",
    );
}

/// /dev/zero as a bearer token: read to the end of memory (4.5 GB RSS after 3 s
/// here), SIGTERM ignored; in a pod a cgroup limit makes that an OOM kill (137).
/// Run under a 300 MB address-space limit so the test does not take the machine
/// down: it must be refused by its shape (a device), as `{"file"}` references are,
/// not by running out of memory.
#[test]
fn attack_bearer_token_file_dev_zero_is_a_usage_error() {
    let dir = TempDir::new();
    dir.write("c.json", CLICKS);
    let argv = bin_argv();
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 300000; exec {} --url http://127.0.0.1:1 --timeout 1s {}",
            argv.join(" "),
            dir.arg()
        ))
        .env_clear()
        .env("KAFKA_CONNECT_BEARER_TOKEN_FILE", "/dev/zero")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_within(&mut child, Duration::from_secs(3));
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let status = status.expect("/dev/zero bearer token: still running after 3 s");
    assert_eq!(status.code(), Some(64), "{err}");
    assert!(err.contains("KAFKA_CONNECT_BEARER_TOKEN_FILE"), "{err}");
    assert!(
        !err.contains("out of memory"),
        "read until memory ran out:\n{err}"
    );
}

/// The bearer token is read again before every request; a token file that
/// becomes a FIFO mid-run (a bad rotation, a hostile mount) blocks that read with
/// no deadline: --timeout 2s ends after 4 s (the backstop), not within +1 s.
#[test]
fn attack_bearer_token_file_turned_fifo_mid_run_ends_in_time() {
    let fake = FakeConnect::start(
        Config::default()
            .bearer("tok123")
            .starting_for(Duration::from_secs(60)),
    );
    let dir = TempDir::new();
    dir.write("c.json", CLICKS);
    let token = dir.write("token", "tok123\n");
    let pipe = fifo(&dir);
    let watched = deploy()
        .url(fake.url())
        .timeout("2s")
        .env(
            "KAFKA_CONNECT_BEARER_TOKEN_FILE",
            token.display().to_string(),
        )
        .arg(dir.arg())
        .spawn_watched();
    watched.wait_for_stderr("starting", Duration::from_secs(10));
    std::fs::rename(&pipe, &token).unwrap();
    let start = std::time::Instant::now();
    let out = watched.finish();
    assert_eq!(out.code, 124, "{}", out.all());
    assert!(
        start.elapsed() < Duration::from_millis(2500),
        "ended {:?} after the token became a FIFO, under a 2 s --timeout:\n{}",
        start.elapsed(),
        out.all()
    );
}
