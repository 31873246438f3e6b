//! Waiting for Connect: start-up phases, versions, failover, the deadline.

use std::time::Duration;

use crate::support::*;

fn one_connector() -> TempDir {
    TempDir::with(&[("clicks.json", CLICKS)])
}

const INITIALIZING: &str = "Request timed out. The worker is currently initializing and reading to the end of internal topics.";

#[test]
fn every_start_up_phase_is_waited_out_and_nothing_is_written_early() {
    // Refused first: the port is held, bound but not listening, until the run has
    // said so; each later phase is one scripted answer, met however slow the run.
    let port = RefusingPort::new();
    let url = format!("http://127.0.0.1:{}", port.port);
    let dir = one_connector();
    let run = deploy().url(url).arg(dir.arg()).spawn_watched();
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new("GET", "/", 1, Reply::html404()));
    fake.script(Rule::new(
        "GET",
        "/health",
        1,
        Reply::raw(
            503,
            Some("application/json"),
            r#"{"status":"starting","message":"Worker is still starting up."}"#,
        ),
    ));
    run.wait_for_stderr("connection refused", Duration::from_secs(30));
    // The worker, scripted, comes up on the held port.
    let _relay = CountingProxy::serve(port.listen(), fake.addr());
    let out = run.finish();
    out.expect(0, "clicks: created")
        .expect(0, "connection refused")
        .expect(0, "an HTML page (HTTP 404)")
        .expect(0, "/health says starting");
    // Writes were sent only once the worker was healthy: the first PUT succeeded,
    // after /health had said so.
    assert_eq!(fake.count("PUT", "/connectors/"), 1);
    let requests = fake.requests();
    let first_write = requests.iter().position(|r| r.method != "GET").unwrap();
    let healthy = requests
        .iter()
        .enumerate()
        .filter(|(_, r)| r.path == "/health")
        .map(|(i, _)| i)
        .nth(1)
        .expect("/health asked again after 'starting'");
    assert!(healthy < first_write, "{:?}", requests);
}

#[test]
fn an_old_worker_is_probed_with_a_connector_lookup() {
    for version in ["3.8.1", "2.8.2", "7.7.0-ccs"] {
        let fake = FakeConnect::start(Config::default().version(version));
        // Still starting at the first lookup (one answer, not a time window).
        fake.script(Rule::new(
            "GET",
            "/connectors/connect-deploy-readiness-probe",
            1,
            Reply::error(500, INITIALIZING),
        ));
        deploy()
            .url(fake.url())
            .arg(one_connector().arg())
            .run()
            .expect(0, "clicks: created");
        assert_eq!(fake.count("GET", "/health"), 0, "{version} has no /health");
        // Asked again after the worker said it was starting, then ready.
        assert_eq!(
            fake.count("GET", "/connectors/connect-deploy-readiness-probe"),
            2,
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
    let port = RefusingPort::new();
    let out = deploy()
        .url(format!("http://127.0.0.1:{}", port.port))
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
    let refusing = RefusingPort::new();
    let dead = format!("http://127.0.0.1:{}", refusing.port);
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
