//! SIGTERM and SIGINT end the run promptly, mid-request too, and as PID 1.

use std::process::Command;
use std::time::Duration;

use crate::support::*;

/// Start a run whose request to the worker hangs, and wait until it is in flight.
fn hanging_run() -> (FakeConnect, std::process::Child, TempDir) {
    let fake = hanging_worker();
    let dir = TempDir::with(&[("clicks.json", CLICKS)]);
    let child = deploy()
        .url(fake.url())
        .timeout("5m")
        .arg(dir.arg())
        .spawn();
    assert_eq!(
        fake.wait_for_requests(1, Duration::from_secs(20)),
        1,
        "the request never arrived"
    );
    (fake, child, dir)
}

fn kill(signal: &str, pid: u32) {
    let ok = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {signal} {pid}");
}

#[test]
fn sigterm_mid_request_exits_143() {
    let (_fake, mut child, _dir) = hanging_run();
    kill("-TERM", child.id());
    // Bounded so a regression fails instead of hanging; the benchmark measures speed.
    let status =
        wait_within(&mut child, Duration::from_secs(10)).expect("still running after SIGTERM");
    assert_eq!(status.code(), Some(143));
    let out = finish(child);
    assert!(out.stderr.contains("stopped by SIGTERM"), "{}", out.stderr);
}

#[test]
fn sigint_mid_request_exits_130() {
    let (_fake, mut child, _dir) = hanging_run();
    kill("-INT", child.id());
    let status =
        wait_within(&mut child, Duration::from_secs(10)).expect("still running after SIGINT");
    assert_eq!(status.code(), Some(130));
}

#[test]
fn sigterm_as_pid_1_of_a_namespace_exits_143() {
    // unshare makes the binary PID 1 of a new PID namespace, where the kernel drops
    // signals that have no handler.
    let probe = Command::new("unshare")
        .args(["--user", "--map-root-user", "--pid", "--fork", "true"])
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "skipped: namespaces refused here: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return;
        }
        Err(e) => {
            eprintln!("skipped: unshare unavailable: {e}");
            return;
        }
    }
    let fake = hanging_worker();
    let dir = TempDir::with(&[("clicks.json", CLICKS)]);
    let mut child = Command::new("unshare")
        .args(["--user", "--map-root-user", "--pid", "--fork"])
        .args(bin_argv())
        .arg(dir.arg())
        .env_clear()
        .env("KAFKA_CONNECT_URL", fake.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert_eq!(
        fake.wait_for_requests(1, Duration::from_secs(20)),
        1,
        "the request never arrived"
    );
    // The binary is unshare's child: PID 1 inside, an ordinary PID out here.
    let children =
        std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id())).unwrap();
    let inner: u32 = children
        .split_whitespace()
        .next()
        .expect("unshare has a child")
        .parse()
        .unwrap();
    let ns_pid = std::fs::read_to_string(format!("/proc/{inner}/status")).unwrap();
    let nspid_line = ns_pid.lines().find(|l| l.starts_with("NSpid:")).unwrap();
    assert!(
        nspid_line.trim_end().ends_with("\t1"),
        "not PID 1 in its namespace: {nspid_line}"
    );
    kill("-TERM", inner);
    let status = wait_within(&mut child, Duration::from_secs(10)).expect("PID 1 ignored SIGTERM");
    assert_eq!(status.code(), Some(143));
}
