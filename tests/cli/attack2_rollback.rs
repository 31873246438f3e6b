//! Hostile tests (attack2): the rollback of a create with `offsets` when the run is
//! stopped (a signal) or its deadline passes, crossed with a proxy that dribbles its
//! answer to CONNECT (which ureq times per read, so no request time-out ends it).
//! The run's own requests are covered by the 0.7 s backstop, but the rollback the
//! main thread does itself (`Unfinished::undo_all`, after `grace_for_offsets`) opens
//! a new tunnel for its DELETE and is bounded by nothing: SIGTERM and the deadline
//! are held hostage by the proxy. Promised: within 1 s of SIGTERM, within --timeout
//! + 1 s, with the documented code.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::*;

const HIDDEN: &str = "connect.invalid";

/// An HTTP proxy that tunnels every CONNECT to `upstream` until `dribble` is set;
/// from then on it answers new CONNECTs one byte every 200 ms, never ending its head.
fn switching_proxy(upstream: SocketAddr, dribble: Arc<AtomicBool>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let dribble = Arc::clone(&dribble);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                if dribble.load(Ordering::SeqCst) {
                    for b in b"HTTP/1.1 200 Connection established\r\nX-Slow: "
                        .iter()
                        .chain(std::iter::repeat(&b'x'))
                    {
                        if client.write_all(&[*b]).is_err() {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(200));
                    }
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .is_err()
                {
                    return;
                }
                splice(client, server);
            });
        }
    });
    addr
}

struct Setup {
    fake: FakeConnect,
    dribble: Arc<AtomicBool>,
    child: std::process::Child,
    _dirs: (TempDir, TempDir),
}

/// A run creating `src` with offsets over https through the proxy, its offsets
/// write hanging; returns once that write has arrived, the proxy now dribbling.
fn run_hanging_in_offsets(timeout: &str) -> Setup {
    let pki = fake_connect::TestPki::generate_with(&[HIDDEN], None);
    let certs = TempDir::new();
    pki.write_to(certs.path()).unwrap();
    let fake = FakeConnect::start(Config::default().tls(pki.server(false)));
    let never = Reply::error(200, "never").delayed(Duration::from_secs(3600));
    fake.script(Rule::new("PATCH", "/connectors/src/offsets", 1, never));
    let dribble = Arc::new(AtomicBool::new(false));
    let proxy = switching_proxy(fake.addr(), Arc::clone(&dribble));
    let def = json!({
        "name": "src",
        "config": {"connector.class": "FileStreamSource", "topic": "t", "file": "/data/in.txt"},
        "offsets": [{"partition": {"filename": "/data/in.txt"}, "offset": {"position": 42}}],
    });
    let dir = TempDir::with(&[("src.json", &def.to_string())]);
    let child = deploy()
        .url(format!("https://{HIDDEN}:{}", fake.addr().port()))
        .arg("--proxy")
        .arg(format!("http://{proxy}"))
        .arg("--ca-file")
        .arg(certs.path().join("ca.pem").display().to_string())
        .timeout(timeout)
        .arg(dir.arg())
        .spawn();
    let until = Instant::now() + Duration::from_secs(20);
    while fake.count("PATCH", "/connectors/src/offsets") == 0 {
        assert!(
            Instant::now() < until,
            "the offsets write never arrived (set-up)"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    dribble.store(true, Ordering::SeqCst);
    Setup {
        fake,
        dribble,
        child,
        _dirs: (dir, certs),
    }
}

#[test]
fn attack2_sigterm_while_rollback_tunnel_dribbles_ends_within_a_second() {
    let mut s = run_hanging_in_offsets("5m");
    let sent = Instant::now();
    let ok = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let status = wait_within(&mut s.child, Duration::from_secs(10));
    let took = sent.elapsed();
    let out = s.child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s.dribble.load(Ordering::SeqCst));
    let _ = &s.fake;
    assert!(
        status.is_some() && took < Duration::from_secs(3),
        "SIGTERM: still running {took:?} after the signal (status {status:?}):\n{all}"
    );
    assert_eq!(status.and_then(|st| st.code()), Some(143), "{all}");
}

#[test]
fn attack2_deadline_while_rollback_tunnel_dribbles_ends_within_a_second() {
    let start = Instant::now();
    let mut s = run_hanging_in_offsets("4s");
    let status = wait_within(&mut s.child, Duration::from_secs(15));
    let took = start.elapsed();
    let out = s.child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        status.is_some() && took < Duration::from_millis(5500),
        "--timeout 4s: still running after {took:?} (status {status:?}):\n{all}"
    );
    assert_eq!(status.and_then(|st| st.code()), Some(124), "{all}");
    assert!(all.contains("src"), "the connector is not named:\n{all}");
}
