//! --validate, --dry-run, --detailed-exitcode, --log-format json.

use serde_json::Value;

use crate::support::*;

const SECRET: &str = "s3cr3t-Pa55w0rd";

/// No request that could change anything.
#[track_caller]
fn assert_read_only(fake: &FakeConnect) {
    let writes: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/connector-plugins/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "a dry run wrote: {writes:?}");
}

#[test]
fn validation_errors_stop_the_write_and_name_each_key() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[
        (
            "bad.json",
            r#"{"connector.class":"FileStreamSource","tasks.max":"lots-of-them"}"#,
        ),
        (
            "good.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
    ]);
    let out = deploy()
        .arg("--validate")
        .url(fake.url())
        .arg(dir.arg())
        .run();
    out.expect(78, "bad: failed: validation found 2 error(s)")
        .expect(
            78,
            "tasks.max: Invalid value lots-of-them for configuration tasks.max",
        )
        .expect(78, "topic: Missing required configuration")
        // Every config is validated before the first write: one invalid config
        // means nothing is written, not a half-applied run.
        .expect(
            78,
            "good: failed: not applied: another connector failed validation",
        );
    assert_eq!(
        fake.count("PUT", "/connectors/"),
        0,
        "nothing written when any config is invalid"
    );
    assert_eq!(
        fake.count("PUT", "/connector-plugins/"),
        2,
        "both validated"
    );
    let validate = fake
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/connector-plugins/") && r.body.contains("lots-of-them"))
        .unwrap();
    assert_eq!(
        validate.path,
        "/connector-plugins/FileStreamSource/config/validate"
    );
    assert!(
        validate.body.contains(r#""name":"bad""#),
        "the body includes name: {}",
        validate.body
    );
}

#[test]
fn an_unknown_plugin_is_reported_with_the_installed_ones() {
    for version in ["4.1.0", "3.6.1"] {
        let fake = FakeConnect::start(Config::default().version(version));
        let dir = TempDir::with(&[("x.json", r#"{"connector.class":"com.example.Missing"}"#)]);
        deploy()
            .arg("--validate")
            .url(fake.url())
            .arg(dir.arg())
            .run()
            .expect(
                78,
                "x: failed: the worker has no connector plugin com.example.Missing (installed: Datagen, FileStreamSink, FileStreamSource) (exit 78)",
            );
        assert_eq!(fake.count("PUT", "/connectors/"), 0);
    }
}

#[test]
fn password_typed_keys_are_hidden_however_short() {
    let fake = FakeConnect::start(Config::default());
    let answer = json!({
        "name": "FileStreamSink", "error_count": 1, "groups": [],
        "configs": [
            {"definition": {"name": "db.pass", "type": "PASSWORD"}, "value": {"name": "db.pass", "value": "[hidden]", "errors": []}},
            {"definition": {"name": "topics", "type": "LIST"}, "value": {"name": "topics", "value": "t", "errors": ["login as xyz refused"]}}
        ]
    });
    fake.script(Rule::new(
        "PUT",
        "/connector-plugins/*",
        1,
        Reply::raw(200, Some("application/json"), &answer.to_string()),
    ));
    let dir = TempDir::with(&[(
        "db.json",
        r#"{"connector.class":"FileStreamSink","topics":"t","db.pass":"xyz"}"#,
    )]);
    let out = deploy()
        .arg("--validate")
        .url(fake.url())
        .arg(dir.arg())
        .run();
    out.expect(78, "topics: login as *** refused");
}

#[test]
fn a_dry_run_reports_each_outcome_and_writes_nothing() {
    let fake = FakeConnect::start(Config::default());
    let config = json!({"connector.class": "FileStreamSink", "topics": "t", "file": "/tmp/a"});
    fake.put_connector("same", config.clone());
    fake.put_connector("changed", config.clone());
    fake.put_connector("paused", config);
    let dir = TempDir::with(&[
        (
            "new.json",
            r#"{"connector.class":"FileStreamSink","topics":"t"}"#,
        ),
        (
            "same.json",
            r#"{"connector.class":"FileStreamSink","topics":"t","file":"/tmp/a"}"#,
        ),
        (
            "changed.json",
            &format!(
                r#"{{"connector.class":"FileStreamSink","topics":"u","x.password":"{SECRET}"}}"#
            ),
        ),
        (
            "paused.json",
            r#"{"name":"paused","config":{"connector.class":"FileStreamSink","topics":"t","file":"/tmp/a"},"state":"PAUSED"}"#,
        ),
    ]);
    let out = deploy()
        .arg("--dry-run")
        .url(fake.url())
        .arg(dir.arg())
        .run();
    out.expect(0, "new: would create")
        .expect(0, "same: unchanged")
        .expect(
            0,
            "changed: would update (changed: topics: t -> u; added: x.password (secret); removed: file: /tmp/a)",
        )
        .expect(0, "paused: unchanged; would pause (was RUNNING)")
        .expect(
            0,
            "summary: dry run: 1 would be created, 1 would be updated, 2 unchanged, 0 failed",
        );
    assert!(!out.all().contains(SECRET));
    assert_read_only(&fake);
}

#[test]
fn detailed_exitcode_is_2_when_changes_are_pending_and_0_when_not() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[(
        "a.json",
        r#"{"connector.class":"FileStreamSink","topics":"t"}"#,
    )]);
    let dry = || {
        deploy()
            .arg("--dry-run")
            .arg("--detailed-exitcode")
            .url(fake.url())
            .arg(dir.arg())
    };
    dry().run().expect(2, "a: would create");
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "a: created");
    dry().run().expect(0, "a: unchanged");
    assert_eq!(fake.count("PUT", "/connectors/a/config"), 1);
    // A failure outranks pending changes.
    dir.write("b.json", r#"{"connector.class":"com.example.Missing"}"#);
    dir.write(
        "c.json",
        r#"{"connector.class":"FileStreamSink","topics":"t"}"#,
    );
    dry()
        .arg("--validate")
        .run()
        .expect(78, "b: failed")
        .expect(78, "c: would create");
}

#[test]
fn a_dry_run_validates_without_writing() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[(
        "bad.json",
        r#"{"connector.class":"FileStreamSource","topic":"t","tasks.max":"0"}"#,
    )]);
    deploy()
        .arg("--dry-run")
        .arg("--validate")
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(78, "validation found 1 error(s)");
    assert_read_only(&fake);
}

/// A masked value is never compared with a value: a connector created where the
/// worker's build was not known to mask is written once more, with the fingerprint
/// of its masked values, and then settles (tests/cli/vendors.rs has the rest).
#[test]
fn values_the_worker_masks_are_compared_by_fingerprint() {
    let fake = FakeConnect::start(Config::default().mask_passwords());
    let dir = TempDir::with(&[(
        "db.json",
        &format!(
            r#"{{"connector.class":"FileStreamSink","topics":"t","connection.password":"{SECRET}"}}"#
        ),
    )]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "db: created");
    let unknown = "masked by the worker, not yet fingerprinted: connection.password";
    deploy()
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(2, &format!("db: would update ({unknown})"));
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, &format!("db: updated ({unknown})"));
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "db: unchanged");
    deploy()
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "db: unchanged");
    assert_eq!(
        fake.count("PUT", "/connectors/db/config"),
        2,
        "no update on every run"
    );
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn json_logs_and_report() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "old",
        json!({"connector.class": "FileStreamSink", "topics": "t"}),
    );
    let dir = TempDir::with(&[
        (
            "new.json",
            &format!(
                r#"{{"connector.class":"FileStreamSink","topics":"t","db.password":"{SECRET}"}}"#
            ),
        ),
        (
            "old.json",
            r#"{"connector.class":"FileStreamSink","topics":"u"}"#,
        ),
        ("bad.json", r#"{"connector.class":"com.example.Missing"}"#),
    ]);
    let out = deploy()
        .arg("--log-format")
        .arg("json")
        .arg("--wait-running")
        .arg("--stable")
        .arg("0s")
        .url(fake.url())
        .arg(dir.arg())
        .run();
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(!out.all().contains(SECRET), "{}", out.all());
    for event in json_lines(&out.stderr) {
        for key in ["time", "level", "event", "message"] {
            assert!(
                event.get(key).is_some_and(Value::is_string),
                "{key} missing in {event}"
            );
        }
    }
    let events = json_lines(&out.stderr);
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "created" && e["connector"] == "new"),
        "{}",
        out.stderr
    );
    let reports = json_lines(&out.stdout);
    assert_eq!(reports.len(), 1, "one report on stdout: {}", out.stdout);
    let report = &reports[0];
    assert_eq!(report["exit_code"], 78);
    assert_eq!(report["totals"]["created"], 1);
    assert_eq!(report["totals"]["updated"], 1);
    assert_eq!(report["totals"]["failed"], 1);
    let by_name = |n: &str| {
        report["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("new")["outcome"], "created");
    assert_eq!(by_name("new")["final_state"], "RUNNING, 1 task");
    assert_eq!(by_name("old")["outcome"], "updated");
    assert_eq!(by_name("old")["changed"], json!(["topics"]));
    assert_eq!(by_name("bad")["outcome"], "failed");
    assert_eq!(by_name("bad")["error"]["exit_code"], 78);
    assert!(by_name("new")["duration_ms"].is_u64() && by_name("new")["attempts"] == 1);
}

#[test]
fn json_report_when_nothing_could_be_applied() {
    let dir = TempDir::with(&[("clicks.json", CLICKS)]);
    let refusing = RefusingPort::new();
    let out = deploy()
        .env("KAFKA_CONNECT_LOG_FORMAT", "json")
        .url(format!("http://127.0.0.1:{}", refusing.port))
        .timeout("1s")
        .arg(dir.arg())
        .run();
    assert_eq!(out.code, 124);
    let report = &json_lines(&out.stdout)[0];
    assert_eq!(report["exit_code"], 124);
    assert_eq!(report["connectors"][0]["outcome"], "failed");
    assert!(report["error"].as_str().unwrap().contains("not ready"));
    json_lines(&out.stderr);
}

/// A validation that only failed for the moment (409 until the deadline) is not a
/// rejection: the run ends with the transient's code, never 78, and the others are
/// "not applied" for a reason that is not permanent (issue 19).
#[test]
fn a_transient_validation_failure_is_not_a_rejection_of_the_others() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connector-plugins/FileStreamSink/config/validate",
        10_000,
        Reply::error(409, "rebalance in progress"),
    ));
    let dir = TempDir::with(&[
        (
            "busy.json",
            r#"{"connector.class":"FileStreamSink","topics":"t","file":"/tmp/x"}"#,
        ),
        (
            "good.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
    ]);
    let out = deploy()
        .arg("--validate")
        .arg("--log-format")
        .arg("json")
        .url(fake.url())
        .timeout("4s")
        .arg(dir.arg())
        .run();
    assert_eq!(out.code, 124, "{}", out.all());
    let report: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let good = report["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "good")
        .unwrap();
    assert_ne!(good["error"]["exit_code"], 78, "{good}");
    assert!(
        good["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not applied"),
        "{good}"
    );
    assert_eq!(fake.count("PUT", "/connectors/"), 0, "nothing written");
    assert_eq!(fake.count("POST", "/connectors"), 0, "nothing written");
}
