//! A run started before its worker: connect-deploy waits through refused
//! connections and the worker's own start-up (Jetty up before the herder), then
//! applies.

use crate::support::*;
use std::net::TcpListener;

/// Stops the worker when the test ends, passed or not.
struct Worker<'a>(&'a Setup, &'static str);

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        self.0.script("stop-worker", &[self.1]);
    }
}

#[test]
#[ignore = "needs a real Kafka Connect 4.1.0: scripts/real-connect test"]
fn a_run_started_before_the_worker_waits_for_it() {
    let rc = setup();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = TempDir::new();
    dir.definition(&file_sink(
        "rc-late",
        &dir.path().join("out.txt"),
        "rc-late",
    ));
    let run = deploy(&url).timeout("150s").arg(dir.arg()).spawn();

    // A worker of its own group ("late") on the same broker; the script returns as
    // soon as the JVM is launched, and the run must notice the worker by itself.
    rc.script("worker", &["late", "late", &port.to_string(), "--no-wait"]);
    let _worker = Worker(&rc, "late");
    let out = finish(run);
    out.expect(0, "rc-late: created")
        .expect(0, "waiting for Kafka Connect: ");
    assert!(stored_config(&url, "rc-late").is_some());
}
