//! Create, update, unchanged; retry classes of writes; exit codes and their priority.

use std::time::Duration;

use crate::support::*;

#[test]
fn creates_the_seed_connector_with_values_as_written() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("clicks-datagen-connector.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: created");
    let config = stored(&fake, "clicks");
    assert_eq!(config["max.interval"], "1000");
    assert_eq!(config["iterations"], "-1");
    assert_eq!(config["name"], "clicks");
    let put = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.path, "/connectors/clicks/config");
    assert_eq!(put.header("content-type"), Some("application/json"));
    assert_eq!(put.header("accept"), Some("application/json"));
    assert!(
        put.body.contains(r#""max.interval":"1000""#),
        "{}",
        put.body
    );
}

#[test]
fn a_rerun_writes_nothing_and_a_change_is_applied() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("clicks.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: created");
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: unchanged");
    assert_eq!(
        fake.count("PUT", "/connectors/clicks/config"),
        1,
        "an identical PUT restarts the connector"
    );

    dir.write(
        "clicks.json",
        &CLICKS.replace(
            r#""kafka.topic": "clicks""#,
            r#""kafka.topic": "clicks-v2""#,
        ),
    );
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(
            0,
            "clicks: updated (changed: kafka.topic: clicks -> clicks-v2)",
        )
        .expect(0, "summary: 0 created, 1 updated, 0 unchanged, 0 failed");
    assert_eq!(stored(&fake, "clicks")["kafka.topic"], "clicks-v2");
}

#[test]
fn removed_and_added_keys_are_named() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "a",
        json!({"connector.class": "FileStreamSource", "topic": "t", "old.key": "x"}),
    );
    let dir = TempDir::with(&[(
        "a.json",
        r#"{"connector.class":"FileStreamSource","topic":"t","new.key":"y"}"#,
    )]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "a: updated (added: new.key: y; removed: old.key: x)");
}

#[test]
fn numbers_and_booleans_keep_their_source_text_so_reruns_are_unchanged() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[(
        "n.json",
        r#"{"connector.class":"FileStreamSource","topic":"t","batch.size":1e3,"x.rate":0.50,"x.flag":true}"#,
    )]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "n: created");
    let config = stored(&fake, "n");
    assert_eq!(config["batch.size"], "1e3");
    assert_eq!(config["x.rate"], "0.50");
    assert_eq!(config["x.flag"], "true");
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "n: unchanged");
}

#[test]
fn a_storm_of_rebalance_conflicts_is_waited_out() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/clicks/config",
        4,
        Reply::error(
            409,
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
        ),
    ));
    let dir = TempDir::with(&[("c.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: created");
    assert_eq!(fake.count("PUT", "/connectors/clicks/config"), 5);
}

#[test]
fn transient_server_errors_are_retried() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/clicks/config",
        1,
        Reply::error(
            500,
            "Request cannot be completed because a rebalance is expected",
        ),
    ));
    fake.script(Rule::new("PUT", "/connectors/clicks/config", 1, Reply::error(500, "IO Error trying to forward REST request: java.net.ConnectException: Connection refused")));
    fake.script(Rule::new(
        "GET",
        "/connectors/clicks/config",
        1,
        Reply::raw(
            503,
            Some("text/html"),
            "<html>503 Service Unavailable</html>",
        ),
    ));
    fake.script(Rule::new(
        "GET",
        "/connectors/clicks/config",
        1,
        Reply::html404(),
    ));
    let dir = TempDir::with(&[("c.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: created");
    assert_eq!(fake.count("PUT", "/connectors/clicks/config"), 3);
}

#[test]
fn a_timed_out_write_that_landed_is_not_repeated() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/clicks/config",
        1,
        Reply::error(500, "Request timed out").still_apply(),
    ));
    let dir = TempDir::with(&[("c.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: created");
    assert_eq!(
        fake.count("PUT", "/connectors/clicks/config"),
        1,
        "re-read showed it landed"
    );
    assert_eq!(fake.connector("clicks").unwrap().writes, 1);
}

#[test]
fn a_timed_out_write_that_did_not_land_is_sent_again() {
    let fake = FakeConnect::start(Config::default());
    per_connector_reads(&fake);
    fake.script(Rule::new(
        "PUT",
        "/connectors/clicks/config",
        1,
        Reply::error(500, "Request timed out"),
    ));
    let dir = TempDir::with(&[("c.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: created");
    assert_eq!(fake.count("PUT", "/connectors/clicks/config"), 2);
    let gets = fake.count("GET", "/connectors/clicks/config");
    assert_eq!(gets, 2, "read, write (timed out), read again, write");
}

#[test]
fn a_hanging_write_cannot_outlive_the_deadline() {
    // The worker accepts the write and holds it far longer than the run may last.
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/clicks/config",
        1,
        Reply::error(201, "late")
            .delayed(Duration::from_secs(30))
            .still_apply(),
    ));
    let dir = TempDir::with(&[("c.json", CLICKS)]);
    // 6 s: room for a loaded machine to reach the write; the write itself hangs 30 s.
    let out = deploy().url(fake.url()).timeout("6s").arg(dir.arg()).run();
    // Each request's time-out is clamped to what is left of the deadline.
    out.expect(
        124,
        "clicks: failed: Kafka Connect stayed unavailable until the deadline",
    );
}

#[test]
fn rejected_config_exits_78_and_names_the_key_and_its_value() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[(
        "bad.json",
        r#"{"connector.class":"FileStreamSource","topic":"t","tasks.max":"many-tasks"}"#,
    )]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "bad: failed: Kafka Connect rejected the config")
        // An ordinary value is shown, with Connect's message for its key.
        .expect(
            78,
            "Invalid value many-tasks for configuration tasks.max: Not a number of type INT",
        );
    assert!(!out.all().contains("***"), "{}", out.all());
    assert_eq!(
        fake.count("PUT", "/connectors/bad/config"),
        1,
        "rejections are not retried"
    );
}

#[test]
fn unknown_plugin_is_permanent_on_every_version() {
    for version in ["4.1.0", "3.6.1", "2.8.2"] {
        let fake = FakeConnect::start(Config::default().version(version));
        let dir = TempDir::with(&[("x.json", r#"{"connector.class":"com.example.Missing"}"#)]);
        let out = deploy().url(fake.url()).arg(dir.arg()).run();
        // What is missing and what is there, in one line (issue 21).
        out.expect(78, "x: failed: the worker has no connector plugin com.example.Missing (installed: Datagen, FileStreamSink, FileStreamSource) (exit 78)");
        assert_eq!(fake.count("PUT", "/connectors/x/config"), 1, "{version}");
    }
}

#[test]
fn an_unexplained_answer_exits_1() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/clicks/config",
        1,
        Reply::error(415, "HTTP 415 Unsupported Media Type"),
    ));
    let dir = TempDir::with(&[("c.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(1, "unexpected answer from Kafka Connect: HTTP 415");
}

#[test]
fn unknown_server_errors_are_retried_a_few_times_then_exit_1() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/clicks/config",
        10,
        Reply::error(500, "java.lang.IllegalStateException: odd"),
    ));
    let dir = TempDir::with(&[("c.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(1, "IllegalStateException");
    assert_eq!(fake.count("PUT", "/connectors/clicks/config"), 4);
}

#[test]
fn a_redirect_is_not_followed() {
    let fake = FakeConnect::start(Config::default());
    let mut reply = Reply::raw(307, None, "");
    reply
        .headers
        .push(("Location".into(), "http://127.0.0.1:1/elsewhere".into()));
    fake.script(Rule::new("PUT", "/connectors/clicks/config", 1, reply));
    let dir = TempDir::with(&[("c.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(1, "redirect");
}

#[test]
fn every_connector_is_attempted_and_the_worst_code_wins() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/b/config",
        1,
        Reply::error(415, "HTTP 415 Unsupported Media Type"),
    ));
    let dir = TempDir::with(&[
        (
            "a.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
        (
            "b.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
        ("c.json", r#"{"connector.class":"com.example.Missing"}"#),
        (
            "d.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
    ]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "a: created")
        .expect(78, "b: failed")
        .expect(78, "c: failed")
        .expect(78, "d: created")
        .expect(78, "summary: 2 created, 0 updated, 0 unchanged, 2 failed");
}

/// A 401 refuses the credentials, for every connector (a 403 on one connector's
/// own resources fails that one alone: tests/cli/vendors.rs).
#[test]
fn refused_credentials_stop_the_run_with_77() {
    let fake = FakeConnect::start(Config::default());
    per_connector_reads(&fake);
    fake.script(Rule::new(
        "GET",
        "/connectors/a/config",
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
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
        ("b.json", r#"{"connector.class":"com.example.Missing"}"#),
    ]);
    // One at a time: with more, b is under way before a's answer arrives.
    let out = deploy()
        .url(fake.url())
        .arg("--parallel")
        .arg("1")
        .arg(dir.arg())
        .run();
    out.expect(77, "a: failed: Kafka Connect refused access")
        .expect(77, "b: failed: not attempted");
    assert_eq!(fake.count("PUT", "/connectors/"), 0);
}

#[test]
fn names_travel_as_one_encoded_path_segment() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[(
        "x.json",
        r#"{"name":"orders sink #1","connector.class":"FileStreamSink","topics":"t"}"#,
    )]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "orders sink #1: created");
    assert_eq!(
        fake.count("PUT", "/connectors/orders%20sink%20%231/config"),
        1
    );
    assert!(fake.connector("orders sink #1").is_some());
}

#[test]
fn a_timed_out_read_is_not_mistaken_for_a_write() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "clicks",
        json!({"connector.class": "FileStreamSink", "topics": "t"}),
    );
    fake.script(Rule::new(
        "GET",
        "/connectors/clicks/config",
        1,
        Reply::error(500, "Request timed out"),
    ));
    let dir = TempDir::with(&[(
        "c.json",
        r#"{"name":"clicks","connector.class":"FileStreamSink","topics":"t"}"#,
    )]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: unchanged");
    assert_eq!(fake.count("PUT", "/connectors/clicks/config"), 0);
}

/// Confluent Platform 8.x adds `__internal.config.version` to every stored config:
/// never drift, never sent back, never shown; declaring it is an invalid definition.
#[test]
fn confluent_platform_8_server_managed_keys_are_no_drift() {
    for version in ["8.1.0-ccs", "8.0.1-ce"] {
        let fake = FakeConnect::start(Config::default().version(version));
        let dir = TempDir::with(&[("clicks.json", CLICKS)]);
        deploy()
            .url(fake.url())
            .arg(dir.arg())
            .run()
            .expect(0, "clicks: created");
        let again = deploy().url(fake.url()).arg(dir.arg()).run();
        again.expect(0, "clicks: unchanged");
        assert!(!again.all().contains("__internal"), "{}", again.all());
        deploy()
            .url(fake.url())
            .arg("--dry-run")
            .arg("--detailed-exitcode")
            .arg(dir.arg())
            .run()
            .expect(0, "clicks: unchanged");
        assert_eq!(
            fake.count("PUT", "/connectors/clicks/config"),
            1,
            "{version}"
        );
        assert!(
            fake.requests()
                .iter()
                .all(|r| !r.body.contains("__internal")),
            "sent back"
        );
    }
    let dir = TempDir::with(&[(
        "x.json",
        r#"{"connector.class":"FileStreamSource","__internal.config.version":"1"}"#,
    )]);
    deploy()
        .url("http://127.0.0.1:9")
        .arg(dir.arg())
        .run()
        .expect(65, "is managed by the worker");
}

/// Confluent Platform version strings map to the Kafka release they ship: a 7.6
/// worker (Kafka 3.6) cannot create a connector STOPPED in one request, a 7.9 one can.
#[test]
fn confluent_platform_versions_decide_the_features() {
    let stopped = r#"{"name":"s","config":{"connector.class":"FileStreamSource","topic":"t"},"state":"STOPPED"}"#;
    for (version, posts) in [("7.6.0-ccs", 0), ("7.9.0-ce", 1), ("8.1.0-ccs", 1)] {
        let fake = FakeConnect::start(Config::default().version(version));
        let dir = TempDir::with(&[("s.json", stopped)]);
        let out = deploy().url(fake.url()).arg(dir.arg()).run();
        out.expect(0, "s: created; stopped");
        assert!(
            out.all().contains(&format!("Kafka Connect {version}")),
            "{}",
            out.all()
        );
        assert_eq!(fake.count("POST", "/connectors"), posts, "{version}");
    }
}

/// Re-applying unchanged connectors, and waiting for them to run, costs a constant
/// number of requests (one snapshot of every config and state), not one or two per
/// connector; workers without `?expand` (before 2.3) are read per connector.
#[test]
fn unchanged_connectors_cost_a_constant_number_of_requests() {
    for (version, per_connector) in [("4.1.0", false), ("2.2.0", true)] {
        let fake = FakeConnect::start(Config::default().version(version));
        let dir = TempDir::new();
        for i in 0..20 {
            dir.write(
                &format!("c{i:02}.json"),
                &format!(r#"{{"connector.class":"FileStreamSource","topic":"t{i}"}}"#),
            );
        }
        deploy()
            .url(fake.url())
            .arg(dir.arg())
            .run()
            .expect(0, "20 created");
        let before = fake.requests().len();
        let out = deploy()
            .url(fake.url())
            .arg("--wait-running")
            .arg("--stable")
            .arg("200ms")
            .arg(dir.arg())
            .run();
        out.expect(
            0,
            "0 created, 0 updated, 20 unchanged, 0 failed; 20 running",
        );
        let run: Vec<_> = fake.requests().into_iter().skip(before).collect();
        let each = run
            .iter()
            .filter(|r| r.path.starts_with("/connectors/"))
            .count();
        if per_connector {
            assert!(each >= 40, "{version}: {each} per-connector requests");
        } else {
            assert_eq!(
                each,
                0,
                "{version}: {:?}",
                run.iter().map(|r| &r.path).collect::<Vec<_>>()
            );
            assert!(run.len() <= 10, "{version}: {} requests in all", run.len());
        }
    }
}

/// Found by the real-Connect tier: Connect leaves a connector it cannot describe at
/// that moment (one just created) out of `GET /connectors?expand=...`. Absent from
/// that listing is not "absent": the connector is read on its own.
#[test]
fn a_connector_missing_from_the_listing_is_read_on_its_own() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("clicks.json", CLICKS)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: created");
    fake.script(Rule::new(
        "GET",
        "/connectors?expand*",
        1,
        Reply::raw(200, Some("application/json"), "{}"),
    ));
    dir.write(
        "clicks.json",
        &CLICKS.replace("\"tasks.max\": \"1\"", "\"tasks.max\": \"2\""),
    );
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: updated (changed: tasks.max: 1 -> 2)");
}

#[test]
fn a_write_that_outlasts_its_slice_is_tried_again_in_a_later_round() {
    // Two connectors, one at a time, 10 s: the first round gives each half. The
    // first write of `a` hangs past its slice (a rebalance, a busy worker); the time
    // left after `b` belongs to `a` again, and its second write succeeds.
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/a/config",
        1,
        Reply::error(201, "late").delayed(Duration::from_secs(30)),
    ));
    let dir = TempDir::with(&[("a.json", &named("a")), ("b.json", &named("b"))]);
    let out = deploy().url(fake.url()).timeout("10s").arg(dir.arg()).run();
    out.expect(0, "a: created").expect(0, "b: created");
    assert_eq!(
        fake.count("PUT", "/connectors/a/config"),
        2,
        "{}",
        out.all()
    );
}

#[test]
fn connectors_stuck_before_it_never_starve_one_connect_rejects_at_once() {
    // Three writes that hang, one at a time, under 5 s: the fourth connector, which
    // Connect rejects at once, must still be tried, so the run ends 78, not 124.
    stuck_before_one_rejected_at_once(3, "5s");
}

#[test]
fn a_deadline_too_short_for_a_first_try_each_is_shared_so_every_connector_is_tried() {
    // Five writes that hang under 1 s: not enough for half a second each, so the
    // first tries share the time evenly, and the sixth is still tried (78, not 124).
    stuck_before_one_rejected_at_once(5, "1s");
}

/// `stuck` connectors whose writes hang, then one Connect rejects at once, one at
/// a time under `timeout`: the last must be tried all the same.
fn stuck_before_one_rejected_at_once(stuck: usize, timeout: &str) {
    let fake = FakeConnect::start(Config::default());
    let mut files = Vec::new();
    for i in 0..stuck {
        let name = format!("s{i}");
        fake.script(Rule::new(
            "PUT",
            &format!("/connectors/{name}/config"),
            100,
            Reply::error(201, "late").delayed(Duration::from_secs(60)),
        ));
        files.push((format!("{name}.json"), named(&name)));
    }
    let bad = r#"{"name":"z","config":{"connector.class":"FileStreamSource","topic":"t","tasks.max":"many-tasks"}}"#;
    files.push(("z.json".into(), bad.into()));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(f, c)| (f.as_str(), c.as_str()))
        .collect();
    let dir = TempDir::with(&files);
    let out = deploy()
        .url(fake.url())
        .timeout(timeout)
        .arg("--parallel")
        .arg("1")
        .arg(dir.arg())
        .run();
    out.expect(78, "z: failed: Kafka Connect rejected the config");
    assert_eq!(
        fake.count("PUT", "/connectors/z/config"),
        1,
        "{}",
        out.all()
    );
}

/// The seed's connector under another name.
fn named(name: &str) -> String {
    CLICKS.replace(r#""name":"clicks""#, &format!(r#""name":"{name}""#))
}
