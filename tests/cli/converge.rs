//! --wait-running, --restart-failed, desired states, the termination message.

use std::time::Duration;

use fake_connect::Status;

use crate::support::*;

const FOREVER: Duration = Duration::from_secs(3600);
const TRACE: &str = "org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '/proc/nope/out.txt' for FileStreamSinkTask\n\tat org.apache.kafka.connect.file.FileStreamSinkTask.start(FileStreamSinkTask.java:74)";
const SINK: &str = r#"{"name":"sink","config":{"connector.class":"FileStreamSink","topics":"t","file":"/proc/nope/out.txt"}}"#;

fn waiting() -> Deploy {
    deploy().arg("--wait-running").arg("--stable").arg("1s")
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A `GET .../status` answer for `sink`, as Connect gives it.
fn status_reply(connector: &str, tasks: &[&str]) -> Reply {
    let tasks: Vec<_> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"id": i, "state": t, "worker_id": "fake:8083"}))
        .collect();
    let body = json!({"name": "sink", "connector": {"state": connector, "worker_id": "fake:8083"},
                      "tasks": tasks, "type": "sink"});
    Reply::raw(200, Some("application/json"), &body.to_string())
}

#[test]
fn waits_through_not_yet_states_until_running_and_stable() {
    let fake = FakeConnect::start(Config::default());
    // The per-connector status reads are what is scripted here: each answer below
    // is given once, in order, however fast or slow the run polls; then the
    // model's (RUNNING, one task RUNNING).
    per_connector_reads(&fake);
    let path = "/connectors/sink/status";
    for reply in [
        Reply::error(404, "No status found for connector sink"),
        Reply::error(404, "No status found for connector sink"),
        status_reply("UNASSIGNED", &[]),
        status_reply("RUNNING", &[]),
        status_reply("RUNNING", &["UNASSIGNED"]),
        status_reply("RESTARTING", &["RUNNING"]),
        status_reply("RUNNING", &["FAILED"]),
    ] {
        fake.script(Rule::new("GET", path, 1, reply));
    }
    // Without --restart-failed a FAILED task ends the wait: the 7th read ends
    // it, so the six before it were all taken as "not yet".
    let dir = TempDir::with(&[("s.json", SINK)]);
    let out = waiting().url(fake.url()).arg(dir.arg()).run();
    out.expect(69, "sink: failed: task 0 FAILED");
    // Every not-yet state was read, and none of them ended the wait.
    assert_eq!(fake.count("GET", path), 7, "{}", out.all());

    let fake = FakeConnect::start(Config::default());
    per_connector_reads(&fake);
    for reply in [
        Reply::error(404, "No status found for connector sink"),
        Reply::error(404, "No status found for connector sink"),
        status_reply("UNASSIGNED", &[]),
        status_reply("RUNNING", &[]),
        status_reply("RUNNING", &["UNASSIGNED"]),
        status_reply("RESTARTING", &["RUNNING"]),
    ] {
        fake.script(Rule::new("GET", path, 1, reply));
    }
    waiting()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "sink: created")
        .expect(0, "; now RUNNING, 1 task")
        .expect(
            0,
            "summary: 1 created, 0 updated, 0 unchanged, 0 failed; 1 running",
        );
    // The six scripted answers, then at least one RUNNING from the model.
    assert!(fake.count("GET", path) >= 7, "{}", fake.count("GET", path));
}

#[test]
fn unchanged_connectors_are_waited_for_too() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "sink",
        json!({"connector.class": "FileStreamSink", "topics": "t", "file": "/proc/nope/out.txt"}),
    );
    fake.timeline(
        "sink",
        vec![(FOREVER, Status::failed_task("RUNNING", TRACE))],
    );
    let dir = TempDir::with(&[("s.json", SINK)]);
    let out = waiting().url(fake.url()).arg(dir.arg()).run();
    out.expect(69, "sink: unchanged").expect(
        69,
        "task 0 FAILED: org.apache.kafka.connect.errors.ConnectException",
    );
}

#[test]
fn a_task_failing_inside_the_stability_window_is_caught() {
    let fake = FakeConnect::start(Config::default());
    fake.timeline(
        "sink",
        vec![
            (ms(1500), Status::new("RUNNING", &["RUNNING"])),
            (FOREVER, Status::failed_task("RUNNING", TRACE)),
        ],
    );
    let dir = TempDir::with(&[("s.json", SINK)]);
    let out = deploy()
        .arg("--wait-running")
        .arg("--stable")
        .arg("4s")
        .url(fake.url())
        .arg(dir.arg())
        .run();
    // The file is no secret: it is shown.
    out.expect(69, "sink: failed: task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '/proc/nope/out.txt' for FileStreamSinkTask (exit 69)");
    assert!(
        !out.all().contains("FileStreamSinkTask.java"),
        "only the first trace line: {}",
        out.all()
    );
}

#[test]
fn failed_tasks_are_restarted_within_the_budget() {
    let fake = FakeConnect::start(Config::default());
    fake.timeline(
        "sink",
        vec![(FOREVER, Status::failed_task("RUNNING", TRACE))],
    );
    // After a restart the model runs it (no timeline).
    let dir = TempDir::with(&[("s.json", SINK)]);
    let out = waiting()
        .arg("--restart-failed")
        .arg("2")
        .url(fake.url())
        .arg(dir.arg())
        .run();
    out.expect(0, "sink: restarting (1/2): task 0 FAILED")
        .expect(0, "; now RUNNING, 1 task");
    assert_eq!(
        fake.count(
            "POST",
            "/connectors/sink/restart?includeTasks=true&onlyFailed=true"
        ),
        1
    );
    assert_eq!(fake.connector("sink").unwrap().restarts, 1);
}

#[test]
fn the_restart_budget_runs_out_with_69() {
    let fake = FakeConnect::start(Config::default());
    let failing = vec![
        (ms(200), Status::new("RUNNING", &["RESTARTING"])),
        (FOREVER, Status::failed_task("RUNNING", TRACE)),
    ];
    fake.timeline("sink", failing.clone());
    fake.after_restart("sink", failing);
    let dir = TempDir::with(&[("s.json", SINK)]);
    let out = waiting()
        .arg("--restart-failed")
        .arg("2")
        .url(fake.url())
        .arg(dir.arg())
        .run();
    out.expect(69, "task 0 FAILED")
        .expect(69, "after 2 restarts");
    assert_eq!(fake.connector("sink").unwrap().restarts, 2);
}

#[test]
fn old_workers_restart_the_connector_and_each_failed_task() {
    let fake = FakeConnect::start(Config::default().version("2.8.2"));
    // The connector and its task failed; a restart of the connector (the fake's
    // model) runs both again.
    fake.timeline(
        "sink",
        vec![(FOREVER, Status::failed_task("FAILED", TRACE))],
    );
    fake.script(Rule::new(
        "POST",
        "/connectors/sink/tasks/0/restart",
        1,
        Reply::raw(204, None, ""),
    ));
    let dir = TempDir::with(&[("s.json", SINK)]);
    let out = waiting()
        .arg("--restart-failed")
        .arg("1")
        .url(fake.url())
        .arg(dir.arg())
        .run();
    out.expect(0, "sink: restarting (1/1)")
        .expect(0, "; now RUNNING, 1 task");
    let restarts: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.contains("restart"))
        .map(|r| r.path.clone())
        .collect();
    // One call each, without the 3.0 query parameters the old worker lacks.
    assert_eq!(
        restarts,
        [
            "/connectors/sink/restart",
            "/connectors/sink/tasks/0/restart"
        ],
        "{}",
        out.all()
    );
    assert_eq!(fake.connector("sink").unwrap().restarts, 1);
}

#[test]
fn not_running_by_the_deadline_exits_69_naming_each_task() {
    let fake = FakeConnect::start(Config::default());
    fake.timeline(
        "sink",
        vec![(FOREVER, Status::new("RUNNING", &["RUNNING", "UNASSIGNED"]))],
    );
    let dir = TempDir::with(&[("s.json", SINK)]);
    // 6 s: room for a loaded machine to read the status at least once.
    let out = waiting().timeout("6s").url(fake.url()).arg(dir.arg()).run();
    out.expect(
        69,
        "sink: failed: not RUNNING before the deadline: RUNNING; task 0 RUNNING, task 1 UNASSIGNED",
    );
}

#[test]
fn new_connectors_are_created_in_their_state_where_the_worker_can() {
    let fake = FakeConnect::start(Config::default().version("3.7.2"));
    let dir = TempDir::with(&[(
        "p.json",
        r#"{"name":"p","config":{"connector.class":"FileStreamSink","topics":"t"},"state":"PAUSED"}"#,
    )]);
    waiting()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "p: created; paused")
        .expect(0, "; now PAUSED, 1 task");
    let post = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("a POST");
    assert!(
        post.body.contains(r#""initial_state":"PAUSED""#),
        "{}",
        post.body
    );
    assert_eq!(
        fake.count("PUT", "/connectors/p/"),
        0,
        "no PUT, no pause: created paused"
    );
}

#[test]
fn older_workers_create_then_pause_at_once() {
    // Before 3.7 a POST with initial_state is a 500 "Unrecognized field": never sent.
    let fake = FakeConnect::start(Config::default().version("3.6.1"));
    let dir = TempDir::with(&[(
        "p.json",
        r#"{"name":"p","config":{"connector.class":"FileStreamSink","topics":"t"},"initial_state":"STOPPED"}"#,
    )]);
    waiting()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "p: created; stopped (was RUNNING)")
        .expect(0, "; now STOPPED, no tasks");
    assert_eq!(fake.count("POST", "/connectors"), 0);
    assert_eq!(fake.count("PUT", "/connectors/p/config"), 1);
    assert_eq!(fake.count("PUT", "/connectors/p/stop"), 1);
}

#[test]
fn existing_connectors_are_moved_to_their_state() {
    let fake = FakeConnect::start(Config::default());
    let config = json!({"connector.class": "FileStreamSink", "topics": "t"});
    fake.put_connector("a", config.clone());
    fake.put_connector("b", config);
    let dir = TempDir::with(&[
        (
            "a.json",
            r#"{"name":"a","config":{"connector.class":"FileStreamSink","topics":"t"},"state":"STOPPED"}"#,
        ),
        (
            "b.json",
            r#"{"name":"b","config":{"connector.class":"FileStreamSink","topics":"t"}}"#,
        ),
    ]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "a: unchanged; stopped (was RUNNING)")
        .expect(0, "b: unchanged\n");
    assert_eq!(fake.connector("a").unwrap().target, "STOPPED");
    // Back to RUNNING: resumed; a second run changes nothing.
    dir.write(
        "a.json",
        r#"{"name":"a","config":{"connector.class":"FileStreamSink","topics":"t"}}"#,
    );
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "a: unchanged; resumed (was STOPPED)");
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "a: unchanged\n");
    assert_eq!(fake.count("PUT", "/connectors/a/resume"), 1);
}

#[test]
fn stopped_on_a_worker_before_3_5_is_rejected() {
    let fake = FakeConnect::start(Config::default().version("3.4.1"));
    let dir = TempDir::with(&[(
        "s.json",
        r#"{"name":"s","config":{"connector.class":"FileStreamSink","topics":"t"},"state":"STOPPED"}"#,
    )]);
    deploy().url(fake.url()).arg(dir.arg()).run().expect(
        78,
        "state STOPPED needs Kafka Connect 3.5 or newer; this worker runs 3.4",
    );
    assert_eq!(fake.count("PUT", "/connectors/"), 0);
}

#[test]
fn the_termination_message_holds_counts_or_the_first_failure() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("s.json", SINK)]);
    let log = dir.path().join("termination-log");
    let log_arg = log.display().to_string();
    waiting()
        .arg("--termination-log")
        .arg(&log_arg)
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text,
        "exit 0: 1 created, 0 updated, 0 unchanged, 0 failed; 1 running\n"
    );

    fake.timeline(
        "sink",
        vec![(FOREVER, Status::failed_task("RUNNING", TRACE))],
    );
    waiting()
        .env("KAFKA_CONNECT_TERMINATION_LOG", &log_arg)
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(69, "");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("exit 69: sink: failed: task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '/proc/nope/out.txt'"), "{text}");
    assert!(
        text.ends_with("\n0 created, 0 updated, 1 unchanged, 1 failed; 0 running\n"),
        "{text}"
    );
}

#[test]
fn the_termination_message_is_written_on_usage_and_definition_errors_too() {
    let dir = TempDir::with(&[("bad.json", r#"{"connector.class":"X","k":null}"#)]);
    let log = dir.path().join("t.log");
    deploy()
        .arg("--termination-log")
        .arg(log.display().to_string())
        .arg(dir.arg())
        .run()
        .expect(65, "");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("exit 65: nothing was applied:") && text.contains("'k'"),
        "{text}"
    );
}

#[test]
fn the_termination_message_is_cut_to_4_kb() {
    let fake = FakeConnect::start(Config::default());
    let long = format!("java.lang.RuntimeException: {}", "x".repeat(10_000));
    fake.timeline(
        "sink",
        vec![(FOREVER, Status::failed_task("RUNNING", &long))],
    );
    let dir = TempDir::with(&[("s.json", SINK)]);
    let log = dir.path().join("t.log");
    waiting()
        .arg("--termination-log")
        .arg(log.display().to_string())
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(69, "");
    let text = std::fs::read_to_string(&log).unwrap();
    // The failure is cut to its share; the counts stay.
    assert!(
        text.len() <= 4096 && text.contains("xxx...\n") && text.ends_with("1 failed; 0 running\n"),
        "{} bytes: {text}",
        text.len()
    );
}

#[test]
fn an_unwritable_termination_log_is_a_usage_error_before_any_request() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("s.json", SINK)]);
    let out = deploy()
        .arg("--termination-log")
        .arg(dir.path().join("no/such/dir/log").display().to_string())
        .url(fake.url())
        .arg(dir.arg())
        .run();
    out.expect(64, "--termination-log: cannot write");
    assert!(fake.requests().is_empty());
}

#[test]
fn the_default_termination_log_is_never_created() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("s.json", SINK)]);
    let existed = std::path::Path::new("/dev/termination-log").exists();
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "sink: created");
    assert_eq!(
        std::path::Path::new("/dev/termination-log").exists(),
        existed
    );
}

#[test]
fn options_that_do_nothing_alone_are_warned_about() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("s.json", SINK)]);
    deploy()
        .arg("--restart-failed")
        .arg("3")
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(
            0,
            "warning: --restart-failed has no effect without --wait-running",
        );
}

#[test]
fn a_connector_created_by_someone_else_meanwhile_is_read_again() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "POST",
        "/connectors",
        1,
        Reply::error(409, "Connector p already exists").still_apply(),
    ));
    let dir = TempDir::with(&[(
        "p.json",
        r#"{"name":"p","config":{"connector.class":"FileStreamSink","topics":"t"},"state":"PAUSED"}"#,
    )]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "p: unchanged");
    assert_eq!(fake.count("POST", "/connectors"), 1);
    assert_eq!(fake.connector("p").unwrap().target, "PAUSED");
}

/// Refused credentials (401) while waiting: the rest are not checked. (A 403 on one
/// connector's status fails that one alone: tests/cli/vendors.rs.)
#[test]
fn refused_status_reads_leave_no_connector_counted_as_running() {
    let fake = FakeConnect::start(Config::default());
    // The per-connector status reads are what is scripted here.
    per_connector_reads(&fake);
    fake.script(Rule::new(
        "GET",
        "/connectors/a/status",
        1,
        Reply::raw(
            401,
            Some("application/json"),
            "User cannot access the resource.",
        ),
    ));
    let dir = TempDir::with(&[
        (
            "a.json",
            r#"{"connector.class":"FileStreamSink","topics":"t"}"#,
        ),
        (
            "b.json",
            r#"{"connector.class":"FileStreamSink","topics":"t"}"#,
        ),
    ]);
    waiting()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(77, "a: failed: Kafka Connect refused access")
        .expect(77, "b: failed: not checked: access was refused")
        .expect(
            77,
            // Both were created (that happened), both failed, none is running.
            "summary: 2 created, 0 updated, 0 unchanged, 2 failed; 0 running",
        );
}

#[test]
fn the_default_stable_window_fits_a_short_timeout() {
    // --wait-running alone under --timeout 4s: the default window (5 s) would make
    // success impossible (69 on every attempt); by default it is a share of the run.
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("s.json", SINK)]);
    let out = deploy()
        .url(fake.url())
        .timeout("4s")
        .arg("--wait-running")
        .arg(dir.arg())
        .run();
    out.expect(0, "sink: created; now RUNNING, 1 task");
}
