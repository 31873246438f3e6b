//! The connector lifecycle, declared: offsets at creation, and scoped pruning.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

#[test]
fn reset_clears_what_an_earlier_connector_of_that_name_left() {
    let fake = FakeConnect::start(Config::default());
    fake.leave_offsets("src", position(9).as_array().unwrap().clone());
    let dir = TempDir::with(&[("src.json", &with_offsets("src", json!("reset"), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(0, "src: created (offsets: reset)");
    assert!(fake.offsets("src").is_empty(), "{:?}", fake.offsets("src"));
    assert_eq!(
        writes(&fake),
        [
            "POST /connectors",
            "DELETE /connectors/src/offsets",
            "PUT /connectors/src/config",
            "PUT /connectors/src/resume"
        ]
    );
    let post = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(
        post.body.contains(r#""initial_state":"STOPPED""#),
        "{}",
        post.body
    );
    assert_eq!(fake.connector("src").unwrap().target, "RUNNING");
}

#[test]
fn offsets_set_before_the_first_run_and_the_state_after() {
    let fake = FakeConnect::start(Config::default());
    let two = json!([
        {"partition": {"filename": "/data/in.txt"}, "offset": {"position": 42}},
        {"partition": {"filename": "/data/other.txt"}, "offset": {"position": 7}},
    ]);
    let dir = TempDir::with(&[("src.json", &with_offsets("src", two.clone(), "PAUSED"))]);
    deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .arg(dir.arg())
        .run()
        .expect(2, "src: would create (offsets: 2 partitions set)");
    assert!(writes(&fake).is_empty(), "a dry run writes nothing");
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "src: created (offsets: 2 partitions set)");
    assert_eq!(Value::from(fake.offsets("src")), two);
    assert_eq!(fake.connector("src").unwrap().target, "PAUSED");
}

#[test]
fn an_existing_connectors_offsets_are_never_touched() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("src.json", &with_offsets("src", json!("reset"), "RUNNING"))]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "src: created");
    fake.leave_offsets("src", position(5).as_array().unwrap().clone());
    let before = writes(&fake).len();
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(0, "src: unchanged; offsets kept (connector exists)");
    assert_eq!(writes(&fake).len(), before, "{:?}", writes(&fake));
    assert_eq!(fake.offsets("src").len(), 1);
}

#[test]
fn a_refused_offset_rolls_the_create_back() {
    let fake = FakeConnect::start(Config::default());
    let bad = json!([{"partition": {"filename": "/data/in.txt"}, "offset": {"position": "nine"}}]);
    let dir = TempDir::with(&[("src.json", &with_offsets("src", bad, "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "expected to be a Long value")
        .expect(78, "deleted again, so the next run creates it anew");
    assert!(
        fake.connector("src").is_none(),
        "the connector was left behind"
    );
    assert_eq!(
        fake.count("PATCH", "/connectors/src/offsets"),
        1,
        "a 500 here is not retried"
    );
}

#[test]
fn workers_before_3_7_cannot_take_offsets() {
    let fake = FakeConnect::start(Config::default().version("3.6.2"));
    let dir = TempDir::with(&[("src.json", &with_offsets("src", json!("reset"), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "'offsets' needs Kafka Connect 3.7 or newer")
        .expect(78, "this worker runs 3.6");
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
}

#[test]
fn bad_offsets_are_invalid_definitions() {
    for bad in [
        json!("clear"),
        json!([]),
        json!([{"partition": 1, "offset": {}}]),
    ] {
        let dir = TempDir::with(&[("src.json", &with_offsets("src", bad.clone(), "RUNNING"))]);
        deploy()
            .url("http://127.0.0.1:9")
            .arg(dir.arg())
            .run()
            .expect(65, "'offsets'");
    }
}

fn existing(fake: &FakeConnect, names: &[&str]) {
    for name in names {
        fake.put_connector(
            name,
            json!({"connector.class": "FileStreamSource", "topic": "t", "name": name}),
        );
    }
}

#[test]
fn prune_deletes_only_what_the_scope_owns_and_no_definition_names() {
    let fake = FakeConnect::start(Config::default());
    existing(&fake, &["team-a-old", "team-a-keep", "team-b-old", "other"]);
    let dir = TempDir::with(&[
        ("keep.json", &file_source("team-a-keep")),
        ("new.json", &file_source("team-a-new")),
    ]);
    let prune = |extra: &[&str]| {
        let mut run = deploy()
            .url(fake.url())
            .arg("--prune")
            .arg("--prune-scope")
            .arg("team-a-*");
        for a in extra {
            run = run.arg(*a);
        }
        run.arg(dir.arg()).run()
    };
    let dry = prune(&["--dry-run", "--detailed-exitcode"]);
    dry.expect(2, "team-a-old: would delete")
        .expect(2, "1 would be deleted");
    assert!(
        fake.connector("team-a-old").is_some(),
        "a dry run deletes nothing"
    );
    let out = prune(&["--log-format", "json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let report: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(report["totals"]["deleted"], 1);
    assert_eq!(report["totals"]["created"], 1);
    let mut names = fake.connector_names();
    names.sort();
    assert_eq!(names, ["other", "team-a-keep", "team-a-new", "team-b-old"]);
    prune(&[]).expect(0, "summary: 0 created, 0 updated, 2 unchanged, 0 failed");
}

#[test]
fn a_run_with_a_failed_connector_does_not_prune() {
    let fake = FakeConnect::start(Config::default());
    existing(&fake, &["team-a-old"]);
    fake.script(Rule::new(
        "PUT",
        "/connectors/team-a-bad/config",
        10,
        Reply::error(400, "Connector configuration is invalid"),
    ));
    let dir = TempDir::with(&[("bad.json", &file_source("team-a-bad"))]);
    let out = deploy()
        .url(fake.url())
        .arg("--prune")
        .arg("--prune-scope")
        .arg("team-a-*")
        .arg(dir.arg())
        .run();
    out.expect(78, "not pruning: 1 connector(s) of this run failed");
    assert!(fake.connector("team-a-old").is_some());
    assert_eq!(fake.count("DELETE", "/connectors/"), 0);
}

#[test]
fn prune_scope_rules_are_usage_errors() {
    let dir = TempDir::with(&[
        ("a.json", &file_source("team-a-x")),
        ("b.json", &file_source("team-b-y")),
    ]);
    deploy()
        .arg("--prune")
        .arg(dir.arg())
        .run()
        .expect(64, "--prune needs --prune-scope");
    deploy()
        .env("KAFKA_CONNECT_PRUNE", "true")
        .env("KAFKA_CONNECT_PRUNE_SCOPE", "*")
        .arg(dir.arg())
        .run()
        .expect(64, "would own every connector");
    let fake = FakeConnect::start(Config::default());
    let out = deploy()
        .url(fake.url())
        .arg("--prune")
        .arg("--prune-scope")
        .arg("team-a-*")
        .arg(dir.arg())
        .run();
    out.expect(64, "outside it").expect(64, "team-b-y");
    assert!(fake.requests().is_empty());
}

#[test]
fn a_scope_that_matches_nothing_deletes_nothing() {
    let fake = FakeConnect::start(Config::default());
    existing(&fake, &["other-1", "other-2"]);
    let dir = TempDir::with(&[("a.json", &file_source("team-z-a"))]);
    deploy()
        .url(fake.url())
        .arg("--prune")
        .arg("--prune-scope")
        .arg("team-z-*")
        .arg(dir.arg())
        .run()
        .expect(0, "summary: 1 created, 0 updated, 0 unchanged, 0 failed");
    assert_eq!(fake.connector_names().len(), 3);
}

#[test]
fn pruning_with_offsets_reset_clears_them_before_the_delete() {
    let fake = FakeConnect::start(Config::default());
    existing(&fake, &["team-a-old"]);
    fake.leave_offsets("team-a-old", position(3).as_array().unwrap().clone());
    let dir = TempDir::with(&[("a.json", &file_source("team-a-new"))]);
    deploy()
        .url(fake.url())
        .env("KAFKA_CONNECT_PRUNE", "true")
        .env("KAFKA_CONNECT_PRUNE_SCOPE", "team-a-*")
        .env("KAFKA_CONNECT_PRUNE_RESET_OFFSETS", "true")
        .arg(dir.arg())
        .run()
        .expect(0, "team-a-old: deleted");
    assert!(fake.offsets("team-a-old").is_empty());
    assert!(fake.connector("team-a-old").is_none());
    let w = writes(&fake);
    let stop = w
        .iter()
        .position(|x| x == "PUT /connectors/team-a-old/stop")
        .unwrap();
    let reset = w
        .iter()
        .position(|x| x == "DELETE /connectors/team-a-old/offsets")
        .unwrap();
    let delete = w
        .iter()
        .position(|x| x == "DELETE /connectors/team-a-old")
        .unwrap();
    assert!(stop < reset && reset < delete, "{w:?}");
}

#[test]
fn pruned_connectors_have_their_line_when_waiting_too() {
    let fake = FakeConnect::start(Config::default());
    existing(&fake, &["team-a-old"]);
    let dir = TempDir::with(&[("a.json", &file_source("team-a-new"))]);
    let out = deploy()
        .url(fake.url())
        .arg("--wait-running")
        .arg("--stable")
        .arg("200ms")
        .arg("--prune")
        .arg("--prune-scope")
        .arg("team-a-*")
        .arg(dir.arg())
        .run();
    out.expect(0, "team-a-new: created; now RUNNING");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.contains(&"team-a-old: deleted"), "{lines:?}");
    assert_eq!(lines.len(), 3, "{lines:?}");
}

#[test]
fn a_short_timeout_still_creates_a_connector_with_its_offsets() {
    // The time a create with offsets needs is a share of the run, not a fixed 15 s
    // that a short --timeout can never give (124 on every attempt).
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("src.json", &with_offsets("src", json!("reset"), "RUNNING"))]);
    let out = deploy().url(fake.url()).timeout("8s").arg(dir.arg()).run();
    out.expect(0, "src: created (offsets: reset)");
    assert_eq!(
        fake.count("DELETE", "/connectors/src/offsets"),
        1,
        "{}",
        out.all()
    );
}

#[test]
fn a_connector_connect_rejects_is_78_even_when_too_little_time_is_left_for_its_offsets() {
    // A write that hangs takes half of the 4 s, leaving less than a create with
    // offsets needs: the connector is not created, but Connect would reject its
    // config at once, so the run says so (78, the Job stops) instead of 124 (retry).
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/hangs/config",
        100,
        Reply::error(201, "late").delayed(Duration::from_secs(60)),
    ));
    let bad = with_offsets("src", json!("reset"), "RUNNING")
        .replace(r#""topic":"t""#, r#""topic":"t","tasks.max":"many-tasks""#);
    assert!(bad.contains("many-tasks"), "{bad}");
    let dir = TempDir::with(&[("a.json", &file_source("hangs")), ("b.json", &bad)]);
    let out = deploy().url(fake.url()).timeout("4s").arg(dir.arg()).run();
    out.expect(78, "src: failed");
    assert!(fake.connector("src").is_none(), "{}", out.all());
}

#[test]
fn a_create_whose_answer_was_lost_and_that_landed_late_still_gets_its_offsets() {
    // The first POST is answered "Request timed out" and lands only just before the
    // second, which Connect refuses with 409: the connector is this run's all the
    // same, so its offsets are written, never a predecessor's kept.
    let fake = FakeConnect::start(Config::default());
    a_lost_create_that_lands_late(&fake);
    let dir = TempDir::with(&[("src.json", &with_offsets("src", json!("reset"), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(0, "src: created (offsets: reset)");
    assert!(fake.offsets("src").is_empty(), "{:?}", fake.offsets("src"));
    assert_eq!(fake.count("POST", "/connectors"), 2, "{}", out.all());
}

#[test]
fn a_create_that_landed_late_behind_a_failure_is_undone_never_left_without_its_offsets() {
    // The first POST is answered "Request timed out" and lands just before the
    // second, which fails for another reason (an NPE): the connector this run
    // created exists, STOPPED, without its offsets. Left so, the next run would
    // find it "existing" and resume it from a predecessor's offsets: it is deleted.
    let fake = FakeConnect::start(Config::default());
    a_lost_create_that_lands_late(&fake);
    fake.script(Rule::new(
        "POST",
        "/connectors",
        1,
        Reply::error(500, "java.lang.NullPointerException"),
    ));
    let dir = TempDir::with(&[("src.json", &with_offsets("src", json!("reset"), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(1, "src: failed");
    assert!(fake.connector("src").is_none(), "{}", out.all());
}

#[test]
fn a_create_left_unanswered_when_the_deadline_passes_is_undone_not_left_without_offsets() {
    // The create of `src` lands but its answer never comes: its slice runs out with
    // time left, so it waits for a later round; `b` then hangs until the deadline.
    // No round is left to write the offsets, so the connector it may have made is
    // deleted again rather than left STOPPED for the next run to take as existing.
    let fake = FakeConnect::start(Config::default());
    fake.leave_offsets("src", position(9).as_array().unwrap().clone());
    fake.script(Rule::new(
        "POST",
        "/connectors",
        1,
        Reply::error(201, "late")
            .still_apply()
            .delayed(Duration::from_secs(60)),
    ));
    fake.script(Rule::new(
        "PUT",
        "/connectors/b/config",
        100,
        Reply::error(201, "late").delayed(Duration::from_secs(60)),
    ));
    let dir = TempDir::with(&[
        ("a.json", &with_offsets("src", json!("reset"), "RUNNING")),
        ("b.json", &file_source("b")),
    ]);
    let out = deploy()
        .url(fake.url())
        .timeout("4s")
        .arg("--parallel")
        .arg("1")
        .arg(dir.arg())
        .run();
    out.expect(124, "src: failed");
    assert!(
        fake.connector("src").is_none(),
        "{}\n{:?}",
        out.all(),
        writes(&fake)
    );
}

#[test]
fn the_delete_that_undoes_a_create_is_tried_again_until_it_works() {
    // The offsets are refused, and the first delete meets an NPE: left there, the
    // connector would be resumed from a predecessor's offsets by the next run.
    let fake = FakeConnect::start(Config::default());
    fake.leave_offsets("src", position(9).as_array().unwrap().clone());
    fake.script(Rule::new(
        "PATCH",
        "/connectors/src/offsets",
        1,
        Reply::error(400, "bad offsets"),
    ));
    fake.script(Rule::new(
        "DELETE",
        "/connectors/src",
        1,
        Reply::error(500, "java.lang.NullPointerException"),
    ));
    let dir = TempDir::with(&[("src.json", &with_offsets("src", position(3), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "the connector was deleted again");
    assert!(fake.connector("src").is_none(), "{}", out.all());
    assert_eq!(fake.count("DELETE", "/connectors/src"), 2, "{}", out.all());
}

/// A predecessor's offsets for `src`, and its first create answered "Request timed
/// out" though it lands, just before the next write for it.
fn a_lost_create_that_lands_late(fake: &FakeConnect) {
    fake.leave_offsets("src", position(9).as_array().unwrap().clone());
    fake.script(Rule::new(
        "POST",
        "/connectors",
        1,
        Reply::error(500, "Request timed out").lands_late(),
    ));
}

/// A `?` is one character, not one byte: `team-??` does not own `team-é` (two bytes in
/// UTF-8), and `team-?` owns it, both for deleting and for the definitions of the run.
#[test]
fn scope_wildcards_match_characters_not_bytes() {
    let fake = FakeConnect::start(Config::default());
    existing(&fake, &["team-é"]);
    let dir = TempDir::with(&[("a.json", &file_source("team-ab"))]);
    deploy()
        .url(fake.url())
        .arg("--prune")
        .arg("--prune-scope")
        .arg("team-??")
        .arg(dir.arg())
        .run()
        .expect(0, "summary: 1 created");
    assert!(
        fake.connector("team-é").is_some(),
        "team-é is outside team-?? and must not be deleted"
    );
    let dir = TempDir::with(&[("a.json", &file_source("team-é"))]);
    deploy()
        .url(fake.url())
        .arg("--prune")
        .arg("--prune-scope")
        .arg("team-?")
        .arg(dir.arg())
        .run()
        .expect(0, "summary: 0 created, 0 updated, 1 unchanged, 0 failed");
}

#[test]
fn a_create_whose_answer_never_came_is_deleted_when_its_time_runs_out() {
    // The POST lands but its answer never comes before the deadline: the run cannot
    // know it created the connector, nor write its offsets. It deletes it again
    // rather than leave it STOPPED without them (the next run would take it for an
    // existing connector and resume it from the wrong offsets).
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "POST",
        "/connectors",
        1,
        Reply::error(201, "never")
            .delayed(std::time::Duration::from_secs(3600))
            .still_apply(),
    ));
    let dir = TempDir::with(&[("src.json", &with_offsets("src", position(42), "RUNNING"))]);
    let out = deploy().url(fake.url()).timeout("4s").arg(dir.arg()).run();
    out.expect(124, "the connector was deleted again");
    assert_eq!(fake.count("POST", "/connectors"), 1, "{}", out.all());
    assert!(
        fake.connector("src").is_none(),
        "left behind:\n{}",
        out.all()
    );
}

/// The config key a create with offsets carries until they are written.
const UNFINISHED: &str = "connect-deploy.unfinished";

#[test]
fn a_create_with_offsets_carries_a_mark_until_they_are_written() {
    // Should the run end between the create and the offsets (a storm that outlasts
    // even the undoing delete, a SIGKILL), the connector it leaves says so itself.
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("src.json", &with_offsets("src", position(4), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(0, "src: created (offsets: 1 partition set)");
    let post = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(post.body.contains(UNFINISHED), "{}", post.body);
    let stored = fake.connector("src").unwrap();
    assert!(
        !stored.config.contains_key(UNFINISHED),
        "{:?}",
        stored.config
    );
    assert_eq!(stored.target, "RUNNING");
    assert_eq!(
        writes(&fake),
        [
            "POST /connectors",
            "PATCH /connectors/src/offsets",
            "PUT /connectors/src/config",
            "PUT /connectors/src/resume"
        ]
    );
    // The next run finds it finished: nothing to do.
    let before = writes(&fake).len();
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "src: unchanged; offsets kept (connector exists)");
    assert_eq!(writes(&fake).len(), before, "{:?}", writes(&fake));
}

#[test]
fn an_earlier_runs_unfinished_create_is_made_anew_never_resumed_from_other_offsets() {
    // An earlier run created `src` STOPPED and could neither write its offsets nor
    // delete it again. Taken for an existing connector, it would be resumed from a
    // predecessor's offsets: it is deleted and created anew, with its own.
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "src",
        json!({"connector.class": "FileStreamSource", "topic": "t", "file": "/data/in.txt", UNFINISHED: "true"}),
    );
    fake.set_target("src", "STOPPED");
    fake.leave_offsets("src", position(9).as_array().unwrap().clone());
    let dir = TempDir::with(&[("src.json", &with_offsets("src", position(3), "RUNNING"))]);
    deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .arg(dir.arg())
        .run()
        .expect(2, "src: would create (offsets: 1 partition set)");
    assert!(writes(&fake).is_empty(), "a dry run writes nothing");
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(0, "src: created (offsets: 1 partition set)");
    assert_eq!(
        Value::from(fake.offsets("src")),
        position(3),
        "{}",
        out.all()
    );
    let stored = fake.connector("src").unwrap();
    assert!(
        !stored.config.contains_key(UNFINISHED),
        "{:?}",
        stored.config
    );
    assert_eq!(
        writes(&fake)[0],
        "DELETE /connectors/src",
        "{:?}",
        writes(&fake)
    );
}

#[test]
fn the_mark_is_the_tools_own_and_no_definition_may_declare_it() {
    for key in [UNFINISHED, "connect-deploy.anything"] {
        let def = json!({"name": "a", "config": {"connector.class": "FileStreamSource", key: "x"}});
        let dir = TempDir::with(&[("a.json", &def.to_string())]);
        deploy()
            .url("http://127.0.0.1:9")
            .arg(dir.arg())
            .run()
            .expect(65, key);
    }
}

#[test]
fn offsets_that_cannot_be_written_do_not_starve_a_connector_connect_rejects() {
    // The offsets of `a` meet a storm of time-outs for the whole run. Holding the
    // run's deadline for them left `b`, which Connect rejects at once, unattempted:
    // 124 (the Job retries) instead of 78 (it stops).
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PATCH",
        "/connectors/a/offsets",
        10_000,
        Reply::error(500, "Request timed out"),
    ));
    let bad = file_source("b").replace("FileStreamSource", "NoSuchConnector");
    let dir = TempDir::with(&[
        ("a.json", &with_offsets("a", position(3), "RUNNING")),
        ("b.json", &bad),
    ]);
    let out = deploy()
        .url(fake.url())
        .timeout("8s")
        .arg("--parallel")
        .arg("1")
        .arg(dir.arg())
        .run();
    out.expect(78, "b: failed");
    // `a` is gone, or left STOPPED with its mark for the next run to make anew.
    if let Some(a) = fake.connector("a") {
        assert!(a.config.contains_key(UNFINISHED), "{}", out.all());
        assert_eq!(a.target, "STOPPED", "{}", out.all());
    }
}

/// `src` as an earlier run left it: STOPPED, marked, a predecessor's offsets.
fn left_unfinished(fake: &FakeConnect) {
    fake.put_connector(
        "src",
        json!({"connector.class": "FileStreamSource", "topic": "t", "file": "/data/in.txt", UNFINISHED: "true"}),
    );
    fake.set_target("src", "STOPPED");
    fake.leave_offsets("src", position(9).as_array().unwrap().clone());
}

#[test]
fn an_unfinished_create_is_deleted_only_when_it_can_be_made_anew() {
    // On a worker before 3.7 the definition is rejected before anything is written:
    // the connector the earlier run left is not deleted for nothing.
    let fake = FakeConnect::start(Config::default().version("3.6.1"));
    left_unfinished(&fake);
    let dir = TempDir::with(&[("src.json", &with_offsets("src", position(3), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "'offsets' needs Kafka Connect 3.7");
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
}

#[test]
fn the_delete_of_an_unfinished_create_outlasts_a_worker_error() {
    let fake = FakeConnect::start(Config::default());
    left_unfinished(&fake);
    fake.script(Rule::new(
        "DELETE",
        "/connectors/src",
        1,
        Reply::error(500, "java.lang.NullPointerException"),
    ));
    let dir = TempDir::with(&[("src.json", &with_offsets("src", position(3), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(0, "src: created (offsets: 1 partition set)");
    assert_eq!(
        Value::from(fake.offsets("src")),
        position(3),
        "{}",
        out.all()
    );
    assert_eq!(fake.count("DELETE", "/connectors/src"), 2, "{}", out.all());
}
