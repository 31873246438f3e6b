//! Waiting for Connect: start-up phases, versions, failover, the deadline.

use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use crate::support::*;

fn one_connector() -> TempDir {
    TempDir::with(&[("clicks.json", CLICKS)])
}

/// A worker that comes up on `port` after `delay`: refused until then.
fn start_later(port: u16, delay: Duration, config: Config) -> thread::JoinHandle<FakeConnect> {
    thread::spawn(move || {
        thread::sleep(delay);
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("port still free");
        FakeConnect::serve(listener, config, false)
    })
}

#[test]
fn every_start_up_phase_is_waited_out_and_nothing_is_written_early() {
    let port = free_port();
    // Each phase outlasts the client's longest backoff (1 s), so every one is seen.
    let config = Config::default()
        .html404_for(Duration::from_secs(2))
        .starting_for(Duration::from_secs(2));
    let worker = start_later(port, Duration::from_millis(700), config);
    let dir = one_connector();
    let child = deploy()
        .url(format!("http://127.0.0.1:{port}"))
        .arg(dir.arg())
        .spawn();
    let fake = worker.join().unwrap();
    let out = finish(child);
    out.expect(0, "clicks: created")
        .expect(0, "connection refused")
        .expect(0, "an HTML page (HTTP 404)")
        .expect(0, "/health says starting");
    // Writes were sent only once the worker was healthy: the first PUT succeeded.
    assert_eq!(fake.count("PUT", "/connectors/"), 1);
}

#[test]
fn an_old_worker_is_probed_with_a_connector_lookup() {
    for version in ["3.8.1", "2.8.2", "7.7.0-ccs"] {
        let fake = FakeConnect::start(
            Config::default()
                .version(version)
                .starting_for(Duration::from_millis(500)),
        );
        deploy()
            .url(fake.url())
            .arg(one_connector().arg())
            .run()
            .expect(0, "clicks: created");
        assert_eq!(fake.count("GET", "/health"), 0, "{version} has no /health");
        assert!(
            fake.count("GET", "/connectors/connect-deploy-readiness-probe") >= 2,
            "{version}"
        );
    }
}

#[test]
fn a_worker_reporting_a_new_version_without_health_falls_back_to_the_probe() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "GET",
        "/health",
        1,
        Reply::error(404, "HTTP 404 Not Found"),
    ));
    deploy()
        .url(fake.url())
        .arg(one_connector().arg())
        .run()
        .expect(0, "clicks: created");
    assert_eq!(
        fake.count("GET", "/connectors/connect-deploy-readiness-probe"),
        1
    );
}

#[test]
fn health_unhealthy_and_conflicts_keep_waiting() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new("GET", "/health", 1, Reply::raw(500, Some("application/json"), r#"{"status":"unhealthy","message":"Worker was unable to handle this request and may be unable to handle other requests."}"#)));
    fake.script(Rule::new(
        "GET",
        "/",
        1,
        Reply::error(
            409,
            "Cannot complete request momentarily due to no known leader URL",
        ),
    ));
    fake.script(Rule::new(
        "GET",
        "/",
        1,
        Reply::raw(502, Some("text/html"), "<html>Bad Gateway</html>"),
    ));
    deploy()
        .url(fake.url())
        .arg(one_connector().arg())
        .run()
        .expect(0, "clicks: created")
        .expect(0, "/health says unhealthy");
}

#[test]
fn connect_never_ready_exits_124() {
    let port = free_port();
    let out = deploy()
        .url(format!("http://127.0.0.1:{port}"))
        .timeout("1500ms")
        .arg(one_connector().arg())
        .run();
    out.expect(124, "was not ready before the deadline")
        .expect(124, "clicks: not applied");
}

#[test]
fn an_unresolvable_name_is_waited_for() {
    let out = deploy()
        .url("http://connect-deploy-no-such-host.invalid:8083")
        .timeout("1s")
        .arg(one_connector().arg())
        .run();
    out.expect(124, "does not resolve");
}

#[test]
fn a_worker_that_accepts_and_never_answers_cannot_outlive_the_deadline() {
    let fake = hanging_worker();
    deploy()
        .url(fake.url())
        .timeout("2s")
        .arg(one_connector().arg())
        .run()
        .expect(124, "no answer in time");
}

#[test]
fn refused_credentials_while_waiting_exit_77_at_once() {
    let fake = FakeConnect::start(Config::default().auth("admin", "right"));
    let out = deploy().url(fake.url()).arg(one_connector().arg()).run();
    out.expect(77, "refused access")
        .expect(77, "User cannot access the resource.");
    assert_eq!(fake.requests().len(), 1, "no retries after a 401");
}

#[test]
fn an_unreachable_worker_fails_over_to_the_next_url() {
    let fake = FakeConnect::start(Config::default());
    let dead = format!("http://127.0.0.1:{}", free_port());
    deploy()
        .arg("--url")
        .arg(format!("{dead},{}", fake.url()))
        .arg(one_connector().arg())
        .run()
        .expect(0, "clicks: created");
}

#[test]
fn a_worker_lost_mid_run_fails_over_for_the_write() {
    let fake = FakeConnect::start(Config::default());
    per_connector_reads(&fake);
    let backup = FakeConnect::start(Config::default());
    let mut hang_up = Reply::error(500, "x");
    hang_up.hang_up = true;
    fake.script(Rule::new("GET", "/connectors/clicks/config", 1, hang_up));
    deploy()
        .arg("--url")
        .arg(format!("{},{}", fake.url(), backup.url()))
        .arg(one_connector().arg())
        .run()
        .expect(0, "clicks: created");
    assert!(backup.connector("clicks").is_some());
}

/// Found by the real-Connect tier: Connect 4.1 answers `GET /` with a JSON 404
/// (`Not Found`) for a moment during start-up. That is "not yet", not a rejection.
#[test]
fn a_json_404_at_start_up_means_keep_waiting() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new("GET", "/", 3, Reply::error(404, "Not Found")));
    deploy()
        .url(fake.url())
        .arg(one_connector().arg())
        .run()
        .expect(0, "clicks: created");
}
